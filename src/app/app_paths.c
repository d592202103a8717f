/* app_paths.c — per-family paths and service-tag labels (see app_paths.h). */
#include "app/app_paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/config.h"

int tp_app_expand_families(tp_config *cfg, char *err, size_t errlen)
{
    size_t both = 0;
    for (size_t i = 0; i < cfg->n_paths; i++)
        both += cfg->paths[i].family == TP_FAM_BOTH;
    if (!both)
        return 0;
    tp_path *v = calloc(cfg->n_paths + both, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < cfg->n_paths; i++) {
        tp_path *p = &cfg->paths[i];
        if (p->family != TP_FAM_BOTH) {
            v[k++] = *p;
            continue;
        }
        /* the IPv6 twin: a copy (cfg_path_copy-like, through the config module) */
        tp_path six;
        memset(&six, 0, sizeof six);
        char *id4 = tp_asprintf("%s.ipv4", p->id), *id6 = tp_asprintf("%s.ipv6", p->id);
        if (!id4 || !id6 || tp_path_copy(&six, p) != 0) {
            free(id4), free(id6);
            for (size_t j = 0; j < k; j++)
                cfg->paths[j] = v[j]; /* nothing lost: v only holds moved structs */
            free(v);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(six.id);
        six.id = id6;
        six.family = TP_FAM_V6;
        /* references to the original name the IPv4 twin */
        for (size_t j = 0; j < cfg->n_paths; j++) {
            tp_path *q = &cfg->paths[j];
            if (q->fallback && strcmp(q->fallback, p->id) == 0) {
                free(q->fallback);
                q->fallback = tp_strdup(id4);
            }
            if (q->crl_via && strcmp(q->crl_via, p->id) == 0) {
                free(q->crl_via);
                q->crl_via = tp_strdup(id4);
            }
        }
        free(p->id);
        p->id = id4;
        p->family = TP_FAM_V4;
        v[k++] = *p;
        v[k++] = six;
    }
    free(cfg->paths);
    cfg->paths = v;
    cfg->n_paths = k;
    return 0;
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
