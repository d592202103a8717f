/* metrics.h — what `tlspath serve` adds to the run's Prometheus text on /metrics: run
 * counters, last-run and last-success timestamps, per (endpoint, path) state-change
 * counters and the HTTP side's own counters; every series carries site="..." when a site
 * is configured (the run's own families get it from report_prom.c). */
#ifndef TLSPATH_SERVE_METRICS_H
#define TLSPATH_SERVE_METRICS_H
#include <stdint.h>
#include <stdio.h>

#include "core/model.h"
#include "serve/httpsrv.h"

/* The last status of each (endpoint, path) seen and how often it changed. */
typedef struct tp_pstate {
    char *endpoint, *path;
    tp_status last;
    uint64_t changes;
} tp_pstate;

typedef struct tp_probe_states {
    tp_pstate *v;          /* sorted by endpoint, then path */
    size_t n, cap;
} tp_probe_states;

#define TP_PROBE_STATES_MAX 100000u

/* Folds a finished run in: a probe whose status (ok, warn, fail) differs from its last
 * one counts a change; skipped probes (cancelled, not run) change nothing and a pair seen
 * for the first time starts at 0. Returns the number of changes, or -1 on allocation
 * failure (the states stay consistent). Pairs beyond TP_PROBE_STATES_MAX are not tracked. */
long tp_probe_states_update(tp_probe_states *ps, const tp_run *run);
void tp_probe_states_free(tp_probe_states *ps);

typedef struct tp_serve_counters {
    uint64_t runs_pass, runs_fail, runs_error, runs_cancelled;
    uint64_t reloads_ok, reloads_failed;
    int64_t started_ms;          /* when serve started */
    int64_t last_run_ms;         /* when the last run finished (0 = none) */
    int64_t last_success_ms;     /* when the last passing run finished (0 = none) */
    double last_duration_s;
    bool running;
    int64_t next_run_ms;         /* when the next run is due (0 = none scheduled) */
} tp_serve_counters;

/* Writes serve's own families (see docs/serve.md). site may be NULL. Returns 0 or -1. */
int tp_serve_metrics_write(FILE *out, const char *site, const tp_serve_counters *c, const tp_probe_states *ps,
                           const tp_httpsrv_stats *hs);
#endif
