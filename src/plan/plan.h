/* plan.h — from configuration and catalogs to what a run does: the probes (endpoint × path),
 * every path reference resolved to a pointer (fallback, crl_via, the built-in direct
 * route), and the run's limits resolved (defaults, bounds, no phase beyond the total).
 * Layers above read the plan; none of them looks a path up by name or fixes a limit. */
#ifndef TLSPATH_PLAN_H
#define TLSPATH_PLAN_H
#include "core/model.h"

/* Loads cfg->catalogs ("builtin:mde" or files; none = the built-in catalog) and checks
 * that endpoint ids are unique across them. Returns 0 or -1 (err filled). */
int tp_catalogs_load(const tp_config *cfg, tp_catalog **cats, size_t *n, char *err, size_t errlen);
void tp_catalogs_free(tp_catalog *cats, size_t n);

/* The paths of a run, resolved. Borrows cfg (which must outlive the plan). */
typedef struct tp_plan {
    const tp_config *cfg;    /* borrowed */
    tp_limits limits;        /* tp_limits_resolve(cfg->limits): what net/ and judge/ use */
    tp_route *routes;        /* one per cfg->paths[i] (same order), then the built-in direct */
    size_t n_routes;
    tp_path direct;          /* the built-in "direct" path: a fallback or crl_via "direct"
                                names it when no configured path has that id */
    tp_path *anon;           /* [n_routes]: each route's path without credentials */
} tp_plan;

/* Resolves cfg's paths and limits into *pl. A reference naming no path resolves to NULL
 * (fallback: none; crl_via: route->crl_via_unknown) — tp_config_validate refuses those, but
 * a hand-built config must not crash the run. Returns 0 or -1 (out of memory, err filled). */
int tp_plan_resolve(tp_plan *pl, const tp_config *cfg, char *err, size_t errlen);
void tp_plan_release(tp_plan *pl);

/* The route of p (a pointer into cfg->paths, or the plan's direct path; NULL = the built-in
 * direct route). Found by address, never by name. NULL if p is not the plan's. */
const tp_route *tp_plan_route(const tp_plan *pl, const tp_path *p);
/* The built-in direct route. */
const tp_route *tp_plan_direct(const tp_plan *pl);

/* One result per selected endpoint × path, in catalog order then path order, each with ep,
 * path, used_path and route set, timings at -1 and status skipped until probed. */
int tp_plan_build(const tp_plan *pl, const tp_catalog *cats, size_t n_cats, tp_result **out,
                  size_t *n_out, char *err, size_t errlen);
void tp_plan_free(tp_result *results, size_t n);

/* The plan lists the probes first, then the results of endpoints whose host needs a
 * tenant value nobody gave (status skipped, error_code "placeholder", the reason in
 * error_message). Returns how many leading results are to be probed. */
size_t tp_plan_probe_count(const tp_result *results, size_t n);
#endif
