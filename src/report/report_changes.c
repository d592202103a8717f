/* report_changes.c — the "changes since the previous run" pieces the sinks share: the
 * table's section and the lookup of a result's change (JUnit). The JSON (and the HTML,
 * which renders the JSON) take store/changes_json.c's object as is. */
#include <string.h>

#include "core/changes.h"
#include "report/report_util.h"

const tp_change *tp_rpt_change_of(const tp_run *run, const tp_result *r)
{
    for (size_t i = 0; run->changes && i < run->changes->n; i++)
        if (run->changes->v[i].result == r)
            return &run->changes->v[i];
    return NULL;
}

static const char *label(tp_change_kind k)
{
    switch (k) {
    case TP_CHANGE_NEWLY_FAILING: return "NEW FAIL ";
    case TP_CHANGE_RECOVERED: return "RECOVERED";
    default: return "CAUSE    ";
    }
}

void tp_rpt_changes_table(const tp_run *run, FILE *out, bool color)
{
    const tp_changes *c = run->changes;
    if (!c)
        return;
    if (!c->has_previous) {
        fputs("\nHistory: first recorded run, nothing to compare with yet.\n", out);
        return;
    }
    char ts[32];
    tp_rfc3339_ms(c->previous_started_at_ms, ts, sizeof ts);
    fprintf(out, "\nChanges since the previous run (%s): %zu newly failing, %zu recovered, %zu changed cause\n",
            ts, c->count[TP_CHANGE_NEWLY_FAILING], c->count[TP_CHANGE_RECOVERED], c->count[TP_CHANGE_CAUSE]);
    for (size_t i = 0; i < c->n; i++) {
        const tp_change *ch = &c->v[i];
        const tp_result *r = ch->result;
        char id[256], path[128], was[128], now[128];
        tp_term_clean(id, sizeof id, r->ep->id);
        tp_term_clean(path, sizeof path, r->path->id);
        tp_term_clean(was, sizeof was, ch->prev_error_code ? ch->prev_error_code : "-");
        tp_term_clean(now, sizeof now, r->error_code ? tp_outcome_name(r->error_code) : "-");
        const char *col = ch->kind == TP_CHANGE_RECOVERED ? "\033[32m" : "\033[31m";
        fprintf(out, "  %s%s%s %s via %s: %s %s -> %s %s%s\n", color ? col : "", label(ch->kind),
                color ? "\033[0m" : "", id, path, tp_status_name(ch->prev_status), was,
                tp_status_name(r->status), now, r->ep->required ? "" : " (optional)");
    }
}
