/* pacstage.h — the stage before the probes when a run has "pac" paths (issue 14): for each,
 * find the script (a file; an http:// URL fetched directly, at most 1 MiB within the crl
 * deadline; or WPAD: the candidates of input/wpad.h in order), ask it about every endpoint of
 * the path (net/pacrun.h: thread pool, our resolver between rounds) and turn each answer
 * into the route chain the probe follows (plan/pacroute.h). A path whose script cannot be
 * had, or an endpoint whose evaluation failed, ends as pac_* without being probed. Nothing
 * blocks the loop; WPAD's search is written to run->warnings. */
#ifndef TLSPATH_APP_PACSTAGE_H
#define TLSPATH_APP_PACSTAGE_H
#include <uv.h>

#include "core/cancel.h"
#include "core/model.h"
#include "net/engine.h"
#include "plan/plan.h"

#define TP_PAC_WPAD_PREFIX "wpad:" /* a pac path's "pac" for WPAD: "wpad:" or "wpad:DOMAIN" */

typedef void (*tp_pacstage_done_fn)(void *ud);

/* Returns 1 when the run has no pac path (nothing to do, done is not called), 0 when the
 * stage started (done follows from the loop, never from inside this call), -1 on out of
 * memory (err filled). eo and plan are borrowed until done. */
int tp_pacstage_start(uv_loop_t *loop, const tp_plan *plan, tp_run *run, const tp_engine_opts *eo,
                      tp_cancel *cancel, tp_pacstage_done_fn done, void *ud, char *err, size_t errlen);
#endif
