/* plan.h — from configuration and catalogs to the list of probes (endpoint × path). */
#ifndef TLSPATH_PLAN_H
#define TLSPATH_PLAN_H
#include "core/model.h"

/* Loads cfg->catalogs ("builtin:mde" or files; none = the built-in catalog) and checks
 * that endpoint ids are unique across them. Returns 0 or -1 (err filled). */
int tp_catalogs_load(const tp_config *cfg, tp_catalog **cats, size_t *n, char *err, size_t errlen);
void tp_catalogs_free(tp_catalog *cats, size_t n);

/* One result per selected endpoint × path, in catalog order then path order, each with
 * ep, path and used_path set, timings at -1 and status skipped until probed. */
int tp_plan_build(const tp_config *cfg, const tp_catalog *cats, size_t n_cats,
                  tp_result **out, size_t *n_out, char *err, size_t errlen);
void tp_plan_free(tp_result *results, size_t n);

/* The plan lists the probes first, then the results of endpoints whose host needs a
 * tenant value nobody gave (status skipped, error_code "placeholder", the reason in
 * error_message). Returns how many leading results are to be probed. */
size_t tp_plan_probe_count(const tp_result *results, size_t n);
#endif
