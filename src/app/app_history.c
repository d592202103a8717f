/* app_history.c — the history steps of `tlspath run` (see app_history.h). */
#include "app/app_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/changes_json.h"
#include "store/onchange.h"

int tp_app_history_open(const tp_config *cfg, tp_history **h, char *err, size_t errlen)
{
    *h = NULL;
    if (!cfg->history.state_dir)
        return 0;
    char herr[900];
    if (tp_history_open(cfg->history.state_dir, h, herr, sizeof herr) != 0) {
        snprintf(err, errlen, "history: %s", herr);
        return -1;
    }
    return 0;
}

int tp_app_history_record(tp_history *h, const tp_config *cfg, tp_run *run, bool interrupted, char *err,
                          size_t errlen)
{
    if (!h)
        return 0;
    char herr[900];
    if (tp_history_record(h, run, interrupted, cfg->history.keep_runs, cfg->history.keep_days, herr,
                          sizeof herr) != 0) {
        snprintf(err, errlen, "history: %s (the run was not recorded)", herr);
        return -1;
    }
    return 0;
}

int tp_app_history_finish(const tp_config *cfg, const tp_run *run, int rc)
{
    const tp_changes *ch = run->changes;
    if (!ch)
        return rc;
    if (ch->n && cfg->history.on_change) {
        char *doc = tp_changes_hook_doc(run);
        char herr[512];
        if (!doc)
            fprintf(stderr, "tlspath: warning: --on-change: out of memory, the hook was not run\n");
        else if (tp_hook_run(cfg->history.on_change, doc, strlen(doc), TP_HOOK_TIMEOUT_MS, cfg, herr,
                             sizeof herr) != 0)
            fprintf(stderr, "tlspath: warning: --on-change hook %s\n", herr);
        free(doc);
    }
    if (cfg->history.fail_on == TP_FAIL_ON_REGRESSION)
        return ch->regressions ? 1 : 0;
    return rc;
}
