/* changes.c — the comparison of a run with the previous recorded run's results: pure, no
 * SQLite (history.c feeds it), so the rules of core/changes.h are tested on their own. */
#include <stdlib.h>
#include <string.h>

#include "store/history.h"

static bool same_code(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static int key_cmp(const char *ea, const char *pa, const char *eb, const char *pb)
{
    int c = strcmp(ea, eb);
    return c ? c : strcmp(pa, pb);
}

static int change_cmp(const void *a, const void *b)
{
    const tp_change *x = a, *y = b;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return key_cmp(x->result->ep->id, x->result->path->id, y->result->ep->id, y->result->path->id);
}

tp_changes *tp_changes_compute(const tp_run *run, const tp_history_prev *prev, size_t n_prev)
{
    tp_changes *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (!r->ep || !r->path || r->status == TP_ST_SKIPPED)
            continue;
        /* binary search: prev is sorted by (endpoint, path) */
        size_t lo = 0, hi = n_prev;
        const tp_history_prev *p = NULL;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int cmp = key_cmp(prev[mid].endpoint, prev[mid].path, r->ep->id, r->path->id);
            if (cmp == 0) {
                p = &prev[mid];
                break;
            }
            if (cmp < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (!p || p->status == TP_ST_SKIPPED)
            continue;
        tp_change_kind kind;
        bool was_fail = p->status == TP_ST_FAIL, is_fail = r->status == TP_ST_FAIL;
        if (!was_fail && is_fail)
            kind = TP_CHANGE_NEWLY_FAILING;
        else if (was_fail && !is_fail)
            kind = TP_CHANGE_RECOVERED;
        else if (p->status == r->status && !same_code(p->error_code, tp_outcome_name(r->error_code)))
            kind = TP_CHANGE_CAUSE;
        else
            continue;
        tp_change *v = realloc(c->v, (c->n + 1) * sizeof *v);
        if (!v)
            goto fail;
        c->v = v;
        tp_change *ch = &c->v[c->n];
        *ch = (tp_change){.kind = kind, .result = r, .prev_status = p->status};
        if (p->error_code && !(ch->prev_error_code = strdup(p->error_code)))
            goto fail;
        c->n++;
        c->count[kind]++;
        if (r->ep->required && is_fail && kind != TP_CHANGE_RECOVERED)
            c->regressions++;
    }
    if (c->n > 1)
        qsort(c->v, c->n, sizeof *c->v, change_cmp);
    return c;
fail:
    tp_changes_free(c);
    return NULL;
}
