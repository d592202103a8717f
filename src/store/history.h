/* history.h — the run history: every run recorded in SQLite, and what changed since the
 * previous one.
 *
 * One database per state directory: STATE_DIR/history.db (the directory is created 0700
 * when missing). Two tables: `runs` (one row per run: times, verdict, counts) and
 * `results` (one row per endpoint × path of a run: status, error code, phase, HTTP
 * status, total time, Windows error). The schema version is PRAGMA user_version and the
 * file carries PRAGMA application_id 0x544C5350 ("TLSP"): an empty file is initialised,
 * an older schema upgraded in one transaction, anything else refused with a message.
 *
 * Crash safety: WAL mode; a run is recorded, compared and pruned in one IMMEDIATE
 * transaction, so a process killed at any instant (kill -9 included) leaves either the
 * whole run or none of it, and the next open recovers the WAL. SQLite's locks are POSIX
 * advisory locks the kernel drops with the process: a killed writer never leaves the
 * database locked. synchronous=NORMAL: a power cut may lose the last run, never the
 * database. Another process writing at the same time (serve and a one-shot run sharing a
 * state dir) is waited for up to 5 s (busy timeout), then reported as busy.
 *
 * Every call is synchronous. Measured (tests/bench/bench_history, 200 probes a run, 2000
 * runs kept): record 1-3 ms on average, but a WAL checkpoint (an fsync) now and then takes
 * tens of ms, up to a second on a busy disk; open 40-70 ms (quick_check); the newest 100
 * runs 0.2 ms; a 100-run timeline 13 ms. So serve should record from uv_queue_work, not on
 * its loop. A tp_history is used by one thread at a time. Errors: functions return 0 or -1 with one line in err naming the database file;
 * nothing is printed. */
#ifndef TLSPATH_HISTORY_H
#define TLSPATH_HISTORY_H

#include "core/changes.h"
#include "core/model.h"

#define TP_HISTORY_DB_NAME "history.db"
#define TP_HISTORY_SCHEMA 1
/* retention defaults: TP_HISTORY_KEEP_RUNS / _DAYS in input/config.h */

typedef struct tp_history tp_history;

/* Opens (creating when needed) STATE_DIR/history.db. Fails with a clear message when the
 * directory cannot be created or written, the file is not a SQLite database or is
 * damaged, belongs to another application, or was written by a newer schema. */
int tp_history_open(const char *state_dir, tp_history **out, char *err, size_t errlen);
void tp_history_close(tp_history *h);   /* NULL is fine */
const char *tp_history_file(const tp_history *h);  /* the database's path */

/* Records a finished run and sets run->changes (owned by the run from then on: free it
 * with tp_changes_free) to what changed since the previous complete recorded run.
 * `interrupted`: the run was cut short (SIGINT/SIGTERM); it is recorded, but never
 * serves as the baseline of a later comparison. Retention is applied in the same
 * transaction: only the newest keep_runs runs, none older than keep_days (0 = no limit
 * for either); the run just recorded is always kept. */
int tp_history_record(tp_history *h, tp_run *run, bool interrupted, int keep_runs, int keep_days,
                      char *err, size_t errlen);

/* Applies retention without recording (same rules as above). */
int tp_history_prune(tp_history *h, int keep_runs, int keep_days, int64_t now_ms, char *err,
                     size_t errlen);

/* One recorded run, for /history.json. */
typedef struct tp_history_run {
    int64_t id;
    int64_t started_at_ms, finished_at_ms;
    bool pass;                 /* verdict: no required endpoint failed */
    bool interrupted;
    size_t probes, ok, warn, fail, skipped, required_failed;
} tp_history_run;

/* The newest `limit` runs (0 = all kept), newest first. *out is malloc'ed (free()). */
int tp_history_runs(tp_history *h, size_t limit, tp_history_run **out, size_t *n, char *err,
                    size_t errlen);

/* Per (endpoint, path) status over the last runs, for a timeline page. */
typedef struct tp_history_cell {
    int status;                /* a tp_status, or -1: the probe was not in that run */
    char *error_code;          /* NULL = none */
} tp_history_cell;

typedef struct tp_history_row {
    char *endpoint, *path, *service;
    bool required;             /* as of the newest run that has the probe */
    tp_history_cell *cells;    /* one per timeline run, same order as tp_history_timeline.runs */
} tp_history_row;

typedef struct tp_history_timeline {
    tp_history_run *runs;      /* oldest first */
    size_t n_runs;
    tp_history_row *rows;      /* sorted by endpoint, then path */
    size_t n_rows;
} tp_history_timeline;

/* The last `last_n` runs (at least 1) and every probe seen in them. */
int tp_history_timeline_get(tp_history *h, size_t last_n, tp_history_timeline *out, char *err,
                            size_t errlen);
void tp_history_timeline_free(tp_history_timeline *t);  /* members only */

/* Pure comparison, exposed for tests: changes of `run` against previous results given as
 * parallel arrays sorted by (endpoint, path) with strcmp. Returns NULL on allocation
 * failure. */
typedef struct tp_history_prev {
    const char *endpoint, *path;
    tp_status status;
    const char *error_code;    /* NULL = none */
} tp_history_prev;
tp_changes *tp_changes_compute(const tp_run *run, const tp_history_prev *prev, size_t n_prev);

#endif
