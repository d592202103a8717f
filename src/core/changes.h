/* changes.h — what changed between a run and the previous recorded run, per (endpoint,
 * path). store/history.c computes it; every report sink and the --on-change hook read it
 * from tp_run.changes (NULL when no history is kept).
 *
 * The three kinds, comparing a probe's status in this run with the previous run's:
 *   newly_failing  was ok or warn, is fail
 *   recovered      was fail, is ok or warn
 *   changed_cause  same status (fail or warn), different error code
 * A probe that is skipped in either run, or exists in only one of them (the plan
 * changed), is not compared. */
#ifndef TLSPATH_CHANGES_H
#define TLSPATH_CHANGES_H

#include "core/model.h"

typedef enum tp_change_kind {
    TP_CHANGE_NEWLY_FAILING = 0, TP_CHANGE_RECOVERED, TP_CHANGE_CAUSE
} tp_change_kind;
#define TP_CHANGE_KINDS 3

typedef struct tp_change {
    tp_change_kind kind;
    const tp_result *result;  /* borrowed: this run's result (endpoint, path, status, error) */
    tp_status prev_status;
    char *prev_error_code;    /* NULL = none */
} tp_change;

struct tp_changes {
    int64_t run_id;                 /* this run's id in the history */
    bool has_previous;              /* false: the first recorded run, nothing compared */
    int64_t previous_run_id;
    int64_t previous_started_at_ms; /* unix epoch milliseconds */
    int64_t previous_finished_at_ms;
    tp_change *v;                   /* newly failing first, then recovered, then changed cause;
                                       by endpoint id then path id within a kind */
    size_t n;
    size_t count[TP_CHANGE_KINDS];  /* per kind */
    /* Required endpoints newly failing or failing for a new cause: what `--fail-on
     * regression` turns into exit status 1 (optional endpoints never fail a run). */
    size_t regressions;
};

const char *tp_change_kind_name(tp_change_kind k);   /* "newly_failing", "recovered", "changed_cause" */
void tp_changes_free(tp_changes *c);                 /* frees c itself too; NULL is fine */

#endif
