/* app_history.h — the history steps of `tlspath run` (store/history.h): open before
 * probing, record after the verdicts, the --on-change hook and --fail-on after the
 * reports. Kept out of app.c so the pipeline stays a list of steps. */
#ifndef TLSPATH_APP_HISTORY_H
#define TLSPATH_APP_HISTORY_H
#include "core/model.h"
#include "store/history.h"

/* Opens the history when cfg->history.state_dir is set (*h stays NULL otherwise).
 * Returns 0, or -1 with the reason in err (a usage/configuration error: exit 2). */
int tp_app_history_open(const tp_config *cfg, tp_history **h, char *err, size_t errlen);

/* Records the finished run and sets run->changes. No-op without a history. Returns 0, or
 * -1 with the reason in err: the reports are still written, the exit status is 2. */
int tp_app_history_record(tp_history *h, const tp_config *cfg, tp_run *run, bool interrupted, char *err,
                          size_t errlen);

/* After the reports: runs the --on-change hook when something changed (its failure is a
 * warning on stderr) and returns the exit status: `rc` (0 pass / 1 fail) under
 * --fail-on any, or 1 only for regressions under --fail-on regression. */
int tp_app_history_finish(const tp_config *cfg, const tp_run *run, int rc);
#endif
