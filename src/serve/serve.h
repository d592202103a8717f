/* serve.h — `tlspath serve`: one process, one libuv loop. Runs the plan every interval
 * (plus jitter), never two runs at once; keeps the latest run's reports and a history of
 * runs; answers /metrics, /healthz, /report.json, /report.html, /history.json and / (a
 * timeline page) over the bounded HTTP side of httpsrv.c.
 *
 * serve/ sits under app/ in the layer stack, so it does not know how a run is made or how
 * a configuration is built from the command line: the caller hands both in as hooks. The
 * run hook starts a run on serve's loop and reports its end through a callback; the
 * config hook (re)builds and validates the configuration (SIGHUP calls it again). */
#ifndef TLSPATH_SERVE_H
#define TLSPATH_SERVE_H
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/model.h"
#include "serve/httpsrv.h"
#include "serve/timeline.h"

/* How a run ended. run is the finished run (valid during the callback only; serve may add
 * to it, e.g. the history's changes, and the runner frees it all afterwards) or NULL when
 * it could not start or failed before producing results (error says why). cancelled is
 * true when tp_serve_hooks.run_cancel ended it early (the run's results are partial). */
typedef void (*tp_serve_run_done)(void *done_ud, tp_run *run, bool cancelled, const char *error);

typedef struct tp_serve_hooks {
    void *ud;
    /* Builds and validates a configuration (config file + command-line overrides,
     * catalogs loadable, a non-empty plan). Returns a heap config or NULL (err filled). */
    tp_config *(*load_config)(void *ud, char *err, size_t errlen);
    void (*free_config)(void *ud, tp_config *cfg);
    /* Starts one run of cfg on loop; calls done exactly once, later, on the loop.
     * Returns 0, or -1 with err filled (then done is never called). */
    int (*run_start)(void *ud, uv_loop_t *loop, const tp_config *cfg, tp_serve_run_done done, void *done_ud,
                     char *err, size_t errlen);
    /* Asks the run in progress to end soon (in-flight probes end as cancelled). May be a
     * no-op for a runner that cannot cancel: serve then waits for the run to finish. */
    void (*run_cancel)(void *ud);
} tp_serve_hooks;

typedef struct tp_serve_opts {
    const char *listen_ip;      /* default 127.0.0.1 */
    int listen_port;            /* default 9810; 0 = any free port */
    const char *token;          /* bearer token; NULL = none (only allowed on loopback) */
    uint64_t interval_ms;       /* between run starts (default 300 s) */
    uint64_t jitter_ms;         /* each run starts 0..jitter later (default interval / 10) */
    size_t history_runs;        /* runs kept for /history.json and / (default 100) */
    uint64_t max_runs;          /* stop after this many runs (0 = never; for tests and soak) */
    bool handle_signals;        /* SIGTERM/SIGINT stop, SIGHUP reloads (false in unit tests) */
    tp_httpsrv_limits http;
    tp_tl_store history;         /* taken; ops NULL = an in-memory ring of history_runs */
} tp_serve_opts;

void tp_serve_opts_default(tp_serve_opts *o);

typedef struct tp_serve tp_serve;

/* Creates the server on loop with cfg (taken: freed with hooks->free_config), binds and
 * listens, and schedules the first run at once. Refuses (-1, err filled) a non-loopback
 * listen address without a token. */
int tp_serve_start(tp_serve **out, uv_loop_t *loop, const tp_serve_opts *o, const tp_serve_hooks *hooks,
                   tp_config *cfg, char *err, size_t errlen);
int tp_serve_port(const tp_serve *s);
/* Reloads the configuration as SIGHUP does. Returns 0, or -1 (the old config is kept;
 * err says why). */
int tp_serve_reload(tp_serve *s, char *err, size_t errlen);
/* Stops as SIGTERM does: no new run, the run in progress is cancelled and awaited, the
 * listener and every connection closed, s freed; the loop then has nothing left of s. */
void tp_serve_stop(tp_serve *s);
/* Runs completed so far (any result). */
uint64_t tp_serve_runs(const tp_serve *s);
#endif
