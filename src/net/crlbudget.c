/* crlbudget.c — one memory budget for the CRLs of a fetch run (limits.crl_budget_bytes), and
 * each body handed to the run's sink on libuv's thread pool as soon as its fetch ends.
 *
 * What is counted: at its response head a fetch reserves what its body may take — the
 * Content-Length, else its max_bytes (chunked, or delimited by the close) — and gives the
 * reservation back when it ends; a body handed to the sink stays counted (held) until the
 * sink's work has judged and freed it. A fetch whose head comes while reserved + held + its
 * need would pass the budget waits right there, in arrival order: it stops reading (the
 * body stays in the socket and TCP holds the sender back), its deadlines stop (the wait is
 * the tester's, not the server's) and it resumes, timers shifted by the wait, as bytes come
 * back. When nothing is counted the first waiting fetch always goes, so one CRL at the
 * bound never waits forever (core/limits.c keeps the budget >= crl_max_bytes).
 *
 * Why at the head and not when the fetch starts: before its head a fetch holds no body
 * byte. Reserving max_bytes (32 MiB) for a connection that then times out — the headline
 * failure, a CRL host the device cannot reach — would make every other fetch wait for
 * nothing, four at a time under the default budget.
 *
 * The judgement (the sink's work: parse and signature over up to crl_max_bytes) counts
 * against the fetch's own crl_ms: a timer gets what the fetch left of it; when it fires the
 * work's stop flag is set (a queued work is cancelled) and the sink hears TP_OC_CRL_TIMEOUT.
 * The run ends only when every work has returned (its memory is the sink's until then). */
#include "net/job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

/* One body on its way through the sink. */
struct crlpost {
    uv_work_t req;
    uv_timer_t timer;        /* the rest of the fetch's crl_ms */
    engine *e;
    size_t i;                /* fetches[i] */
    size_t bytes;            /* counted as held until work returns */
    const char *via;         /* the path id, for the trace */
    tp_stop stop;
    bool fired;              /* the deadline came first */
    bool returned;           /* post_after ran */
    uint64_t t0;
    crlpost *prev, *next;
};

static void stats_note(engine *e)
{
    tp_crl_stats *s = e->stats;
    s->bytes_now = e->bud_reserved + e->bud_held;
    s->bodies_now = e->bud_bodies;
    if (s->bytes_now > s->bytes_peak)
        s->bytes_peak = s->bytes_now;
    if (s->bodies_now > s->bodies_peak)
        s->bodies_peak = s->bodies_now;
}

void tpn_budget_init(engine *e, const tp_fetch_sink *sink)
{
    e->bud_limit = e->lim->crl_budget_bytes ? e->lim->crl_budget_bytes : TP_LIMIT_CRL_BUDGET;
    if (sink)
        e->sink = *sink;
    e->stats = sink && sink->stats ? sink->stats : &e->own_stats;
    memset(e->stats, 0, sizeof *e->stats);
    e->stats->fetches = e->n;
    e->stats->budget_bytes = e->bud_limit;
}

/* "[CRL url via path] ..." on the run's -v trace. */
static void trace(const engine *e, const char *url, const char *via, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void trace(const engine *e, const char *url, const char *via, const char *fmt, ...)
{
    if (!e->o.trace)
        return;
    char body[512], line[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "[CRL %s via %s] %s", url, via ? via : "?", body);
    e->o.trace(e->o.trace_ud, line);
}

static const char *job_via(const job *j)
{
    return j->path && j->path->id ? j->path->id : "?";
}

static bool fits(const engine *e, size_t need)
{
    size_t used = e->bud_reserved + e->bud_held;
    return used == 0 || (need <= e->bud_limit && used <= e->bud_limit - need);
}

static void reserve(job *j)
{
    engine *e = j->e;
    e->bud_reserved += j->bud_need;
    e->bud_bodies++;
    stats_note(e);
}

bool tpn_budget_head(job *j)
{
    engine *e = j->e;
    size_t max = tpn_fetch_max(j);
    size_t need = max;
    if (!j->head.chunked && j->head.content_length >= 0 && (unsigned long long)j->head.content_length < max)
        need = (size_t)j->head.content_length;
    if (need == 0)
        return true;   /* an empty body takes nothing */
    j->bud_need = need;
    if (!e->bud_first && fits(e, need)) {
        reserve(j);
        return true;
    }
    /* wait: no reading, no deadline, until the bytes ahead of it come back */
    j->bud_waits = true;
    j->bud_since = uv_hrtime();
    j->bud_next = NULL;
    if (e->bud_last)
        e->bud_last->bud_next = j;
    else
        e->bud_first = j;
    e->bud_last = j;
    e->stats->waiting_now++;
    e->stats->waited++;
    uv_timer_stop(&j->phase_timer);
    uv_timer_stop(&j->total_timer);
    if (j->c)
        uv_read_stop((uv_stream_t *)&j->c->tcp);
    trace(e, j->f->url, job_via(j), "budget: waiting for %zu bytes (%zu of %zu reserved or held)", need,
          e->bud_reserved + e->bud_held, e->bud_limit);
    return false;
}

int tpn_budget_stash(job *j, const uint8_t *data, size_t len)
{
    if (len == 0)
        return 0;
    j->bud_stash = malloc(len);
    if (!j->bud_stash)
        return -1;
    memcpy(j->bud_stash, data, len);
    j->bud_stash_len = len;
    return 0;
}

static void unlink_waiter(job *j)
{
    engine *e = j->e;
    job **pp = &e->bud_first;
    job *prev = NULL;
    while (*pp && *pp != j) {
        prev = *pp;
        pp = &(*pp)->bud_next;
    }
    if (*pp)
        *pp = j->bud_next;
    if (e->bud_last == j)
        e->bud_last = prev;
    j->bud_next = NULL;
    j->bud_waits = false;
    e->stats->waiting_now--;
}

void tpn_budget_forget(job *j)
{
    unlink_waiter(j);
    free(j->bud_stash);
    j->bud_stash = NULL;
    j->bud_stash_len = 0;
    j->bud_need = 0;   /* never reserved */
}

/* Restarts a deadline with what is left of it, the wait taken off. */
static void rearm(job *j, uv_timer_t *t, uv_timer_cb cb, uint64_t since, int limit)
{
    double left = (double)limit - tpn_elapsed_ms(since);
    uv_update_time(j->e->loop);
    uv_timer_start(t, cb, left > 0 ? (uint64_t)left : 0, 0);
}

static void resume(job *j)
{
    engine *e = j->e;
    unlink_waiter(j);
    reserve(j);
    uint64_t waited = uv_hrtime() - j->bud_since;
    double ms = (double)waited / 1e6;
    if (ms > e->stats->wait_ms_max)
        e->stats->wait_ms_max = ms;
    j->t_start += waited;
    j->t_phase += waited;
    trace(e, j->f->url, job_via(j), "budget: waited %.1f ms for %zu bytes", ms, j->bud_need);
    rearm(j, &j->phase_timer, tpn_on_phase_timeout, j->t_phase, j->lim_http);
    rearm(j, &j->total_timer, tpn_on_total_timeout, j->t_start, j->lim_total);
    int rc = j->c ? uv_read_start((uv_stream_t *)&j->c->tcp, tpn_on_alloc, tpn_on_read) : UV_ENOTCONN;
    if (rc != 0) {
        tpn_job_fail(j, TP_OC_HTTP_ERROR, "cannot read the body after the CRL budget wait: %s", uv_strerror(rc));
        return;
    }
    uint8_t *st = j->bud_stash;
    size_t n = j->bud_stash_len;
    j->bud_stash = NULL;
    j->bud_stash_len = 0;
    tpn_fetch_body_start(j, st ? st : (const uint8_t *)"", n);
    free(st);
}

/* Lets waiting fetches go, in order, while the first fits. */
static void kick(engine *e)
{
    while (e->bud_first && !e->cancelled && fits(e, e->bud_first->bud_need))
        resume(e->bud_first);
}

/* ---------- the sink's work on the pool ---------- */

static void post_closed(uv_handle_t *h)
{
    crlpost *p = h->data;
    engine *e = p->e;
    if (p->prev)
        p->prev->next = p->next;
    else
        e->posts = p->next;
    if (p->next)
        p->next->prev = p->prev;
    free(p);
    e->n_posts--;
    tpn_engine_maybe_done(e);
}

static void post_work(uv_work_t *w)
{
    crlpost *p = w->data;
    p->e->sink.work(p->e->sink.ud, p->i, &p->stop);
}

static void post_after(uv_work_t *w, int status)
{
    crlpost *p = w->data;
    engine *e = p->e;
    tp_fetch *f = &e->fetches[p->i];
    p->returned = true;
    uv_timer_stop(&p->timer);
    if (status == UV_ECANCELED) {
        free(f->body);   /* never judged */
        f->body = NULL;
    }
    double ms = tpn_elapsed_ms(p->t0);
    if (f->ms >= 0)
        f->ms += ms;   /* a CRL's time is its fetch and its judgement */
    tp_outcome oc = e->cancelled ? TP_OC_CANCELLED : p->fired ? TP_OC_CRL_TIMEOUT : TP_OC_NONE;
    e->sink.done(e->sink.ud, p->i, oc);
    e->bud_held -= p->bytes;
    e->bud_bodies--;
    e->stats->judged += status != UV_ECANCELED;
    e->stats->timeouts += p->fired;
    stats_note(e);
    trace(e, f->url, p->via, "judge %.1f ms: %s", ms, oc == TP_OC_NONE ? "done" : tp_outcome_name(oc));
    uv_close((uv_handle_t *)&p->timer, post_closed);
    kick(e);
}

static void post_deadline(uv_timer_t *t)
{
    crlpost *p = t->data;
    p->fired = true;
    atomic_store(&p->stop, true);
    (void)uv_cancel((uv_req_t *)&p->req);   /* still queued: it never runs */
}

/* Hands fetch i's body to the sink, on the pool, within what the fetch left of crl_ms. */
static void post(job *j, tp_fetch *f)
{
    engine *e = j->e;
    crlpost *p = calloc(1, sizeof *p);
    if (!p)
        return;   /* the body stays with the caller, which judges it at the end */
    p->e = e;
    p->i = (size_t)(f - e->fetches);
    p->bytes = f->body_len;
    p->via = job_via(j);
    p->t0 = uv_hrtime();
    atomic_init(&p->stop, false);
    p->req.data = p->timer.data = p;
    uv_timer_init(e->loop, &p->timer);
    double left = (double)e->lim->crl_ms - (f->ms > 0 ? f->ms : 0);
    uv_update_time(e->loop);
    uv_timer_start(&p->timer, post_deadline, left >= 1 ? (uint64_t)left : 1, 0);
    p->next = e->posts;
    if (e->posts)
        e->posts->prev = p;
    e->posts = p;
    e->n_posts++;
    e->bud_held += p->bytes;
    e->bud_bodies++;
    stats_note(e);
    if (uv_queue_work(e->loop, &p->req, post_work, post_after) != 0) {
        post_work(&p->req);   /* no pool: judged here, on the loop */
        post_after(&p->req, 0);
    }
}

/* The fetch has ended (its job is being released): its reservation comes back, its body
 * (if any) goes to the sink. */
void tpn_budget_fetch_end(job *j)
{
    engine *e = j->e;
    if (j->bud_need) {
        e->bud_reserved -= j->bud_need;
        e->bud_bodies--;
        j->bud_need = 0;
        stats_note(e);
    }
    if (e->sink.work && j->f->body && !e->cancelled)
        post(j, j->f);
    kick(e);
}

/* The run is cancelled: every judgement in flight is told to stop (queued ones never run). */
void tpn_budget_cancel(engine *e)
{
    for (crlpost *p = e->posts; p; p = p->next) {
        if (p->returned)
            continue;
        atomic_store(&p->stop, true);
        (void)uv_cancel((uv_req_t *)&p->req);
    }
}
