/* plan.c — loads the catalogs a run names and crosses the selected endpoints with the
 * configured paths (route.c resolved them). The plan is the only place results are
 * created, so every result carries its route from birth. */
#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hostmatch.h"
#include "input/catalog.h"
#include "input/tenant.h"

#define BUILTIN_MDE "builtin:mde"

void tp_catalogs_free(tp_catalog *cats, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_catalog_free(&cats[i]);
    free(cats);
}

/* Ids must be unique across catalogs too: reports key results by (endpoint id, path). */
static int check_unique_ids(const tp_catalog *cats, size_t n, char *err, size_t errlen)
{
    for (size_t a = 0; a < n; a++)
        for (size_t i = 0; i < cats[a].n; i++)
            for (size_t b = a + 1; b < n; b++)
                for (size_t j = 0; j < cats[b].n; j++)
                    if (!strcmp(cats[a].endpoints[i].id, cats[b].endpoints[j].id)) {
                        snprintf(err, errlen, "%s: endpoints[%zu].id: expected an id unique across catalogs, "
                                 "\"%s\" is also in %s", cats[b].file ? cats[b].file : "?", j,
                                 cats[b].endpoints[j].id, cats[a].file ? cats[a].file : "?");
                        return -1;
                    }
    return 0;
}

int tp_catalogs_load(const tp_config *cfg, tp_catalog **out, size_t *n_out, char *err, size_t errlen)
{
    size_t n = cfg->catalogs.n ? cfg->catalogs.n : 1;
    tp_catalog *cats = calloc(n, sizeof *cats);
    if (!cats) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *f = cfg->catalogs.n ? cfg->catalogs.v[i] : BUILTIN_MDE;
        int rc = !strcmp(f, BUILTIN_MDE) ? tp_catalog_load_builtin(&cats[i], err, errlen)
                                         : tp_catalog_load_file(f, &cats[i], err, errlen);
        if (rc != 0) {
            tp_catalogs_free(cats, n);
            return -1;
        }
    }
    if (check_unique_ids(cats, n, err, errlen) != 0) {
        tp_catalogs_free(cats, n);
        return -1;
    }
    *out = cats;
    *n_out = n;
    return 0;
}

int tp_plan_build(const tp_plan *pl, const tp_catalog *cats, size_t n_cats, tp_result **out,
                  size_t *n_out, char *err, size_t errlen)
{
    const tp_config *cfg = pl->cfg;
    size_t selected = 0;
    for (size_t c = 0; c < n_cats; c++)
        for (size_t i = 0; i < cats[c].n; i++)
            selected += tp_endpoint_selected(&cats[c].endpoints[i], &cfg->select);
    size_t n = selected * cfg->n_paths;
    tp_result *r = calloc(n ? n : 1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    /* Two passes: endpoints that can be probed first, then those whose host still needs a
     * tenant value, already skipped with the reason (the engine only sees the first part:
     * tp_plan_probe_count). */
    for (int pass = 0; pass < 2; pass++)
        for (size_t c = 0; c < n_cats; c++)
            for (size_t i = 0; i < cats[c].n; i++) {
                const tp_endpoint *e = &cats[c].endpoints[i];
                if (!tp_endpoint_selected(e, &cfg->select))
                    continue;
                const char *why = tp_endpoint_unresolved(e, &cfg->select);
                if ((why != NULL) != (pass == 1))
                    continue;
                for (size_t p = 0; p < cfg->n_paths; p++, k++) {
                    r[k].ep = e;
                    r[k].path = r[k].used_path = &cfg->paths[p];
                    r[k].route = &pl->routes[p];
                    /* the path's bypass list sends the endpoint direct, as the device would */
                    const tp_path *cp = &cfg->paths[p];
                    if (cp->type == TP_PATH_HTTP && cp->bypass.n && e->host &&
                        tp_bypass_match(cp->bypass.v, cp->bypass.n, e->host, e->port)) {
                        r[k].route = tp_plan_direct(pl);
                        r[k].used_path = r[k].route->path;
                        r[k].bypassed = true;
                    }
                    r[k].status = TP_ST_SKIPPED;
                    r[k].t = (tp_timings){-1, -1, -1, -1, -1, -1, -1};
                    if (why)
                        r[k].error_code = TP_OC_PLACEHOLDER;
                    if (why && !(r[k].error_message = strdup(why))) {
                        tp_plan_free(r, n);
                        snprintf(err, errlen, "out of memory");
                        return -1;
                    }
                }
            }
    *out = r;
    *n_out = n;
    return 0;
}

size_t tp_plan_probe_count(const tp_result *results, size_t n)
{
    size_t k = 0;
    while (k < n && results[k].error_code != TP_OC_PLACEHOLDER)
        k++;
    return k;
}

void tp_plan_free(tp_result *results, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_result_free(&results[i]);
    free(results);
}
