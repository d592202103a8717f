/* pipeline.h — one run of tlspath, from a plan's results to final verdicts:
 *
 *     probe (net) ──► prepare (judge: which CRLs?) ──► fetch (net) ──► finish (judge)
 *                                                        └► each CRL judged (judge, on the
 *                                                           engine's thread pool) as it arrives
 *
 * It is the only place where the network and the judgement meet: judge/ never fetches and
 * net/ never judges. It runs on a libuv loop the caller owns (tp_pipeline_start: the
 * appliance runs it again and again in one long-lived loop) or on a loop of its own
 * (tp_pipeline_run: the command line, with SIGINT / SIGTERM cancelling the run). */
#ifndef TLSPATH_PIPELINE_H
#define TLSPATH_PIPELINE_H
#include <time.h>
#include <uv.h>
#include "core/cancel.h"
#include "core/model.h"
#include "net/engine.h"
#include "plan/plan.h"

typedef struct tp_pipeline_opts {
    const tp_plan *plan;         /* borrowed: resolved routes and limits (outlives the run) */
    tp_run *run;                 /* borrowed: results from tp_plan_build over the same plan */
    tp_cancel *cancel;           /* optional, the caller's; set when the run was cancelled */
    time_t now;                  /* the clock CRLs are judged against; 0 = the real one */
    tp_progress_fn progress;     /* optional: probes done so far */
    void *progress_ud;
    tp_trace_fn trace;           /* optional: the -v trace of probes and fetches (net/engine.h) */
    void *trace_ud;
} tp_pipeline_opts;

typedef struct tp_pipeline tp_pipeline;
/* Called once, from the loop, when the run is over: rc 0 (every result final; a cancelled
 * run is still rc 0 with its unfinished results "cancelled"), or -1 with err (out of
 * memory in the judgement). The pipeline is freed right after it returns. */
typedef void (*tp_pipeline_done_fn)(void *ud, int rc, const char *err);

/* Starts a run on loop. Returns 0 (done will follow, never from inside this call), or -1
 * when it could not start (err filled; done is never called). *out (optional) is a handle
 * for tp_pipeline_cancel, valid until done runs. */
int tp_pipeline_start(uv_loop_t *loop, const tp_pipeline_opts *o, tp_pipeline_done_fn done, void *ud,
                      tp_pipeline **out, char *err, size_t errlen);

/* Sets the cancellation token (why: "interrupted by SIGINT") and ends what is in flight as
 * "cancelled"; nothing more is fetched and no revocation is checked. Only before done. */
void tp_pipeline_cancel(tp_pipeline *p, const char *why);

/* Blocking: the whole run on a loop of its own, with the first SIGINT or SIGTERM (default
 * disposition only) cancelling it as "interrupted by SIG..."; o->cancel, if given, tells
 * the caller. Returns 0 or -1 (err filled). */
int tp_pipeline_run(const tp_pipeline_opts *o, char *err, size_t errlen);
#endif
