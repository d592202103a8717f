/* route.c — resolves every path reference of a configuration once: fallback, crl_via and the
 * built-in direct route become pointers (tp_route), and the run's limits are resolved in the
 * one place that knows them (core/limits.c). Before this, the engine, the verdicts and the
 * remediation text each looked path ids up again and special-cased "direct" on their own. */
#include "plan/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

/* The id that means "a direct connection" even when no configured path carries it. */
#define DIRECT_ID "direct"

static const tp_route *route_by_id(const tp_plan *pl, const char *id)
{
    if (!id)
        return NULL;
    for (size_t i = 0; i + 1 < pl->n_routes; i++)
        if (pl->routes[i].path->id && strcmp(pl->routes[i].path->id, id) == 0)
            return &pl->routes[i];
    return strcmp(id, DIRECT_ID) == 0 ? tp_plan_direct(pl) : NULL;
}

int tp_plan_resolve(tp_plan *pl, const tp_config *cfg, char *err, size_t errlen)
{
    memset(pl, 0, sizeof *pl);
    pl->cfg = cfg;
    tp_limits_resolve(&cfg->limits, &pl->limits);
    pl->direct = (tp_path){.id = (char *)DIRECT_ID, .type = TP_PATH_DIRECT};
    pl->n_routes = cfg->n_paths + 1;
    pl->routes = calloc(pl->n_routes, sizeof *pl->routes);
    pl->anon = calloc(pl->n_routes, sizeof *pl->anon);
    if (!pl->routes || !pl->anon) {
        tp_plan_release(pl);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < pl->n_routes; i++) {
        const tp_path *p = i < cfg->n_paths ? &cfg->paths[i] : &pl->direct;
        pl->anon[i] = *p;   /* shallow: borrows every string but the credentials */
        pl->anon[i].username = NULL;
        pl->anon[i].password = NULL;
        pl->routes[i].path = p;
        pl->routes[i].anon = &pl->anon[i];
    }
    /* second pass: references may point forward */
    for (size_t i = 0; i < cfg->n_paths; i++) {
        tp_route *r = &pl->routes[i];
        const tp_route *fb = route_by_id(pl, r->path->fallback);
        r->fallback = fb != r ? fb : NULL;   /* a path cannot fall back to itself */
        if (r->path->crl_via) {
            r->crl_via = route_by_id(pl, r->path->crl_via);
            r->crl_via_unknown = r->crl_via == NULL;
        }
    }
    return 0;
}

void tp_plan_release(tp_plan *pl)
{
    free(pl->routes);
    free(pl->anon);
    pl->routes = NULL;
    pl->anon = NULL;
    pl->n_routes = 0;
}

const tp_route *tp_plan_direct(const tp_plan *pl)
{
    return pl->n_routes ? &pl->routes[pl->n_routes - 1] : NULL;
}

const tp_route *tp_plan_route(const tp_plan *pl, const tp_path *p)
{
    if (!p)
        return tp_plan_direct(pl);
    for (size_t i = 0; i < pl->n_routes; i++)
        if (pl->routes[i].path == p || pl->routes[i].anon == p)
            return &pl->routes[i];
    return NULL;
}
