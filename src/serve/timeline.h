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

typedef struct tp_tl_ops {
    /* Records a finished run (cancelled: cut short by a stop; recorded, but a store never
     * compares a later run against it). Called before the run's reports are rendered, so
     * a store may add what it knows to the run (the changes since the previous run).
     * Returns 0 or -1 (err filled; the run is then only missing from history, never
     * fatal). */
    int (*record)(void *h, tp_run *run, bool cancelled, char *err, size_t errlen);
    /* The last max_runs runs (oldest first) and their series. Returns 0 or -1. */
    int (*timeline)(void *h, size_t max_runs, tp_timeline *out, char *err, size_t errlen);
    void (*close)(void *h);
    const char *name;           /* "memory" or "sqlite", for /healthz and logs */
} tp_tl_ops;

typedef struct tp_tl_store {
    const tp_tl_ops *ops;
    void *h;
} tp_tl_store;

/* The in-memory ring of the last `capacity` runs (1..100000). Returns 0 or -1 (ENOMEM). */
int tp_ring_open(tp_tl_store *out, size_t capacity);

/* The SQLite history in STATE_DIR/history.db (store/history.h), with retention applied
 * at each record (keep_runs / keep_days, 0 = no limit). Returns 0 or -1 (err names the
 * database and why: not writable, not SQLite, another application's, a newer schema). */
int tp_tl_store_open_history(tp_tl_store *out, const char *state_dir, int keep_runs, int keep_days, char *err,
                             size_t errlen);
#endif
