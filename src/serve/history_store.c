/* history_store.c — tp_tl_ops over the SQLite history (store/history.h), for
 * `tlspath serve --state-dir DIR`: runs survive restarts, and each run's report carries
 * the changes since the previous one (tp_history_record sets run->changes before the
 * reports are rendered). */
#include "serve/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/history.h"

typedef struct hstore {
    tp_history *h;
    int keep_runs, keep_days;
} hstore;

static int hs_record(void *p, tp_run *run, bool cancelled, char *err, size_t errlen)
{
    hstore *s = p;
    return tp_history_record(s->h, run, cancelled, s->keep_runs, s->keep_days, err, errlen);
}

static int hs_timeline(void *p, size_t max_runs, tp_timeline *out, char *err, size_t errlen)
{
    hstore *s = p;
    tp_history_timeline t;
    memset(out, 0, sizeof *out);
    if (tp_history_timeline_get(s->h, max_runs ? max_runs : 1, &t, err, errlen) != 0)
        return -1;
    out->runs = calloc(t.n_runs ? t.n_runs : 1, sizeof *out->runs);
    out->series = calloc(t.n_rows ? t.n_rows : 1, sizeof *out->series);
    if (!out->runs || !out->series)
        goto oom;
    for (size_t i = 0; i < t.n_runs; i++) {
        const tp_history_run *r = &t.runs[i];
        out->runs[i] = (tp_tl_run){.id = r->id, .started_ms = r->started_at_ms, .finished_ms = r->finished_at_ms,
                                   .pass = r->pass, .probes = (uint32_t)r->probes, .ok = (uint32_t)r->ok,
                                   .warn = (uint32_t)r->warn, .fail = (uint32_t)r->fail,
                                   .skipped = (uint32_t)r->skipped, .required_failed = (uint32_t)r->required_failed};
    }
    out->n_runs = t.n_runs;
    for (size_t i = 0; i < t.n_rows; i++) {
        const tp_history_row *row = &t.rows[i];
        tp_tl_series *se = &out->series[out->n_series++];
        se->endpoint = tp_strdup(row->endpoint);
        se->path = tp_strdup(row->path);
        se->service = tp_strdup(row->service ? row->service : "");
        se->required = row->required;
        se->pts = calloc(t.n_runs ? t.n_runs : 1, sizeof *se->pts);
        if (!se->endpoint || !se->path || !se->service || !se->pts)
            goto oom;
        for (size_t k = 0; k < t.n_runs; k++) {
            if (row->cells[k].status < 0)
                continue;   /* not probed in that run */
            tp_tl_point *pt = &se->pts[se->n++];
            pt->run_id = t.runs[k].id;
            pt->status = (tp_status)row->cells[k].status;
            if (row->cells[k].error_code && !(pt->error_code = tp_strdup(row->cells[k].error_code)))
                goto oom;
        }
    }
    tp_history_timeline_free(&t);
    return 0;
oom:
    tp_history_timeline_free(&t);
    tp_timeline_free(out);
    snprintf(err, errlen, "out of memory");
    return -1;
}

static void hs_close(void *p)
{
    hstore *s = p;
    tp_history_close(s->h);
    free(s);
}

static const tp_tl_ops HS_OPS = {hs_record, hs_timeline, hs_close, "sqlite"};

int tp_tl_store_open_history(tp_tl_store *out, const char *state_dir, int keep_runs, int keep_days, char *err,
                             size_t errlen)
{
    hstore *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (tp_history_open(state_dir, &s->h, err, errlen) != 0) {
        free(s);
        return -1;
    }
    s->keep_runs = keep_runs;
    s->keep_days = keep_days;
    out->ops = &HS_OPS;
    out->h = s;
    return 0;
}
