/* app_paths.c — per-family paths and service-tag labels (see app_paths.h). */
#include "app/app_paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/config.h"

/* The id a reference to ref names after the expansion: "ref.ipv4" when ref is a path with
 * family both, else ref itself. NULL (no reference) stays NULL. -1 on out of memory. */
static int expanded_ref(const tp_config *cfg, const char *ref, char **out)
{
    *out = NULL;
    if (!ref)
        return 0;
    for (size_t i = 0; i < cfg->n_paths; i++)
        if (cfg->paths[i].family == TP_FAM_BOTH && strcmp(cfg->paths[i].id, ref) == 0)
            return (*out = tp_asprintf("%s.ipv4", ref)) ? 0 : -1;
    return (*out = tp_strdup(ref)) ? 0 : -1;
}

/* One path of the new list: a deep copy of p, named id (or p's own), in family fam, its
 * references renamed. */
static int expanded_copy(const tp_config *cfg, tp_path *dst, const tp_path *p, const char *suffix,
                         tp_family fam)
{
    if (tp_path_copy(dst, p) != 0)
        return -1;
    char *fb = NULL, *cv = NULL, *id = suffix ? tp_asprintf("%s%s", p->id, suffix) : NULL;
    if ((suffix && !id) || expanded_ref(cfg, p->fallback, &fb) != 0 || expanded_ref(cfg, p->crl_via, &cv) != 0) {
        free(id), free(fb), free(cv);
        tp_path_free(dst);
        return -1;
    }
    if (id) {
        free(dst->id);
        dst->id = id;
    }
    free(dst->fallback), free(dst->crl_via);
    dst->fallback = fb;
    dst->crl_via = cv;
    dst->family = fam;
    return 0;
}

/* Built as a new list of deep copies and swapped in only when complete: out of memory
 * half-way leaves the config as it was (no reference silently lost). */
int tp_app_expand_families(tp_config *cfg, char *err, size_t errlen)
{
    size_t both = 0;
    for (size_t i = 0; i < cfg->n_paths; i++)
        both += cfg->paths[i].family == TP_FAM_BOTH;
    if (!both)
        return 0;
    tp_path *v = calloc(cfg->n_paths + both, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; v && i < cfg->n_paths; i++) {
        const tp_path *p = &cfg->paths[i];
        bool two = p->family == TP_FAM_BOTH;
        if (expanded_copy(cfg, &v[k], p, two ? ".ipv4" : NULL, two ? TP_FAM_V4 : p->family) != 0)
            goto oom;
        k++;
        if (two) {
            if (expanded_copy(cfg, &v[k], p, ".ipv6", TP_FAM_V6) != 0)
                goto oom;
            k++;
        }
    }
    if (!v)
        goto oom;
    tp_config_clear_paths(cfg);
    cfg->paths = v;
    cfg->n_paths = k;
    return 0;
oom:
    for (size_t j = 0; j < k; j++)
        tp_path_free(&v[j]);
    free(v);
    snprintf(err, errlen, "out of memory");
    return -1;
}

int tp_app_label_addresses(const tp_servicetags *st, tp_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tp_result *r = &results[i];
        if (r->addresses.n == 0)
            continue;
        char *acc = NULL;
        for (size_t a = 0; a < r->addresses.n; a++) {
            char tags[512];
            tp_servicetags_match(st, r->addresses.v[a], tags, sizeof tags);
            char *nx = tp_asprintf("%s%s%s=%s", acc ? acc : "", acc ? ";" : "", r->addresses.v[a], tags);
            free(acc);
            if (!(acc = nx))
                return -1;
        }
        free(r->addr_tags);
        r->addr_tags = acc;
    }
    return 0;
}
