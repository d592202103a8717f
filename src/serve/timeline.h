/* timeline.h — what `tlspath serve` needs from a history of runs: record a finished run,
 * and read back the last N runs with per (endpoint, path) status over them. Two backends
 * sit behind the same ops: the in-memory ring here (the default, and the fallback without
 * --state-dir), and the SQLite store (store/history.h) when --state-dir is given. */
#ifndef TLSPATH_SERVE_TIMELINE_H
#define TLSPATH_SERVE_TIMELINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model.h"

typedef struct tp_tl_run {
    int64_t id;                 /* increasing */
    int64_t started_ms, finished_ms;
    bool pass;                  /* every required endpoint passed */
    uint32_t probes, ok, warn, fail, skipped, required_failed;
} tp_tl_run;

typedef struct tp_tl_point {
    int64_t run_id;
    tp_status status;
    char *error_code;           /* NULL when none */
} tp_tl_point;

typedef struct tp_tl_series {
    char *endpoint, *path, *service;
    bool required;
    tp_tl_point *pts;           /* oldest first; only runs that probed this pair */
    size_t n;
} tp_tl_series;

typedef struct tp_timeline {
    tp_tl_run *runs;            /* oldest first */
    size_t n_runs;
    tp_tl_series *series;       /* sorted by endpoint, then path */
    size_t n_series;
} tp_timeline;

void tp_timeline_free(tp_timeline *t);

typedef struct tp_history_ops {
    /* Records a finished run. Returns 0 or -1 (err filled; the run is then only missing
     * from history, never fatal). */
    int (*record)(void *h, const tp_run *run, char *err, size_t errlen);
    /* The last max_runs runs (oldest first) and their series. Returns 0 or -1. */
    int (*timeline)(void *h, size_t max_runs, tp_timeline *out, char *err, size_t errlen);
    void (*close)(void *h);
    const char *name;           /* "memory" or "sqlite", for /healthz and logs */
} tp_history_ops;

typedef struct tp_history {
    const tp_history_ops *ops;
    void *h;
} tp_history;

/* The in-memory ring of the last `capacity` runs (1..100000). Returns 0 or -1 (ENOMEM). */
int tp_ring_open(tp_history *out, size_t capacity);
#endif
