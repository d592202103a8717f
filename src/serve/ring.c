/* ring.c — the in-memory history behind tp_tl_ops: the last N runs, each reduced to
 * what the timeline needs (endpoint, path, service, required, status, error code per
 * probe). Memory is bounded by N × probes per run; the oldest run goes when a new one
 * comes. Lost on restart: give --state-dir for a history that survives. */
#include "serve/timeline.h"

#include "core/outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ring_probe {
    char *endpoint, *path, *service, *error_code;
    bool required;
    tp_status status;
} ring_probe;

typedef struct ring_run {
    tp_tl_run run;
    ring_probe *probes;
    size_t n;
} ring_run;

typedef struct ring {
    ring_run *slots;
    size_t cap, head, count;   /* head = index of the oldest */
    int64_t next_id;
} ring;

static void run_free(ring_run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->probes[i].endpoint);
        free(r->probes[i].path);
        free(r->probes[i].service);
        free(r->probes[i].error_code);
    }
    free(r->probes);
    memset(r, 0, sizeof *r);
}

static int ring_record(void *h, tp_run *run, bool cancelled, char *err, size_t errlen)
{
    ring *g = h;
    (void)cancelled;   /* shown like any run: its unfinished probes are skipped */
    ring_run nr;
    memset(&nr, 0, sizeof nr);
    tp_summary s;
    tp_run_summary(run, &s);
    nr.run = (tp_tl_run){.id = g->next_id, .started_ms = run->started_at_ms, .finished_ms = run->finished_at_ms,
                         .pass = s.pass, .probes = (uint32_t)s.probes, .ok = (uint32_t)s.ok,
                         .warn = (uint32_t)s.warn, .fail = (uint32_t)s.fail, .skipped = (uint32_t)s.skipped,
                         .required_failed = (uint32_t)s.required_failed};
    nr.probes = calloc(run->n_results ? run->n_results : 1, sizeof *nr.probes);
    if (!nr.probes)
        goto oom;
    for (size_t i = 0; i < run->n_results; i++, nr.n++) {
        const tp_result *r = &run->results[i];
        ring_probe *p = &nr.probes[i];
        p->endpoint = tp_strdup(r->ep && r->ep->id ? r->ep->id : "");
        p->path = tp_strdup(r->path && r->path->id ? r->path->id : "");
        p->service = tp_strdup(r->ep && r->ep->service ? r->ep->service : "");
        const char *code = tp_outcome_name(r->error_code);   /* NULL for none */
        p->error_code = code ? tp_strdup(code) : NULL;
        p->required = r->ep && r->ep->required;
        p->status = r->status;
        if (!p->endpoint || !p->path || !p->service || (code && !p->error_code)) {
            nr.n++;
            goto oom;
        }
    }
    g->next_id++;
    size_t slot = (g->head + g->count) % g->cap;
    if (g->count == g->cap) {
        run_free(&g->slots[g->head]);
        g->head = (g->head + 1) % g->cap;
        slot = (g->head + g->count - 1) % g->cap;
    } else {
        g->count++;
    }
    g->slots[slot] = nr;
    return 0;
oom:
    run_free(&nr);
    snprintf(err, errlen, "out of memory");
    return -1;
}

typedef struct key {
    const ring_probe *p;
} key;

static int key_cmp(const void *a, const void *b)
{
    const ring_probe *x = ((const key *)a)->p, *y = ((const key *)b)->p;
    int c = strcmp(x->endpoint, y->endpoint);
    return c ? c : strcmp(x->path, y->path);
}

static int ring_timeline(void *h, size_t max_runs, tp_timeline *out, char *err, size_t errlen)
{
    ring *g = h;
    memset(out, 0, sizeof *out);
    size_t n = g->count < max_runs ? g->count : max_runs;
    size_t first = g->count - n;   /* skip the oldest beyond max_runs */
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += g->slots[(g->head + first + i) % g->cap].n;
    key *keys = calloc(total ? total : 1, sizeof *keys);
    out->runs = calloc(n ? n : 1, sizeof *out->runs);
    if (!keys || !out->runs)
        goto oom;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const ring_run *rr = &g->slots[(g->head + first + i) % g->cap];
        out->runs[i] = rr->run;
        for (size_t j = 0; j < rr->n; j++)
            keys[k++].p = &rr->probes[j];
    }
    out->n_runs = n;
    qsort(keys, total, sizeof *keys, key_cmp);
    size_t uniq = 0;
    for (size_t i = 0; i < total; i++)
        uniq += i == 0 || key_cmp(&keys[i - 1], &keys[i]) != 0;
    out->series = calloc(uniq ? uniq : 1, sizeof *out->series);
    if (!out->series)
        goto oom;
    /* one series per key; points in run order (qsort is not stable: fill by run) */
    for (size_t i = 0; i < total; i++) {
        if (i > 0 && key_cmp(&keys[i - 1], &keys[i]) == 0)
            continue;
        tp_tl_series *s = &out->series[out->n_series++];
        size_t m = 1;
        while (i + m < total && key_cmp(&keys[i], &keys[i + m]) == 0)
            m++;
        s->endpoint = tp_strdup(keys[i].p->endpoint);
        s->path = tp_strdup(keys[i].p->path);
        s->service = tp_strdup(keys[i].p->service);
        s->required = keys[i].p->required;
        s->pts = calloc(m, sizeof *s->pts);
        if (!s->endpoint || !s->path || !s->service || !s->pts)
            goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        const ring_run *rr = &g->slots[(g->head + first + i) % g->cap];
        for (size_t j = 0; j < rr->n; j++) {
            key want = {&rr->probes[j]};
            size_t lo = 0, hi = out->n_series;
            while (lo < hi) {   /* series are sorted like keys */
                size_t mid = (lo + hi) / 2;
                int c = strcmp(out->series[mid].endpoint, want.p->endpoint);
                if (!c)
                    c = strcmp(out->series[mid].path, want.p->path);
                if (c < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            tp_tl_series *s = &out->series[lo];
            tp_tl_point *pt = &s->pts[s->n++];
            pt->run_id = rr->run.id;
            pt->status = rr->probes[j].status;
            if (rr->probes[j].error_code && !(pt->error_code = tp_strdup(rr->probes[j].error_code)))
                goto oom;
        }
    }
    free(keys);
    return 0;
oom:
    free(keys);
    tp_timeline_free(out);
    snprintf(err, errlen, "out of memory");
    return -1;
}

static void ring_close(void *h)
{
    ring *g = h;
    for (size_t i = 0; i < g->count; i++)
        run_free(&g->slots[(g->head + i) % g->cap]);
    free(g->slots);
    free(g);
}

static const tp_tl_ops RING_OPS = {ring_record, ring_timeline, ring_close, "memory"};

int tp_ring_open(tp_tl_store *out, size_t capacity)
{
    if (capacity < 1 || capacity > 100000)
        return -1;
    ring *g = calloc(1, sizeof *g);
    if (!g || !(g->slots = calloc(capacity, sizeof *g->slots))) {
        free(g);
        return -1;
    }
    g->cap = capacity;
    g->next_id = 1;
    out->ops = &RING_OPS;
    out->h = g;
    return 0;
}

void tp_timeline_free(tp_timeline *t)
{
    for (size_t i = 0; i < t->n_series; i++) {
        tp_tl_series *s = &t->series[i];
        for (size_t j = 0; j < s->n; j++)
            free(s->pts[j].error_code);
        free(s->pts);
        free(s->endpoint);
        free(s->path);
        free(s->service);
    }
    /* a series half-built when allocation failed */
    free(t->series);
    free(t->runs);
    memset(t, 0, sizeof *t);
}
