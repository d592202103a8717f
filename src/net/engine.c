/* engine.c — one run of the engine on a libuv loop the caller owns: probes (or fetches)
 * started under the concurrency cap (bounded by file descriptors too), the per-path trust
 * stores, cancellation (tp_engine_cancel ends what is in flight and what is queued), and the
 * run's lifetime. The engine counts its own handles and frees itself once the last one is
 * closed, then calls the caller's done callback — never from inside a start call — so a
 * long-lived program can run it again and again on one loop. The blocking wrappers own a
 * loop and watch SIGINT / SIGTERM (net/sigwatch.c) for the command line. */
#include "net/job.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "net/sigwatch.h"
#include "net/x25519.h"

static void engine_schedule(engine *e);
static void on_tick(uv_timer_t *t);


/* ---------- trust stores ---------- */

/* Paths without CA files of their own share one store (the system bundle is parsed once). */
static const tp_path *store_key(const tp_path *p)
{
    return p && p->ca_files.n > 0 ? p : NULL;
}

const tp_castore *tpn_store_for(const engine *e, const tp_path *p)
{
    const tp_path *key = store_key(p);
    for (size_t i = 0; i < e->n_stores; i++)
        if (e->stores[i]->path == key)
            return &e->stores[i]->store;
    return NULL;
}


void tpn_on_timer_closed(uv_handle_t *h)
{
    job *j = h->data;
    if (--j->timers_open > 0)
        return;
    if (j->hs_busy) {
        /* a handshake step still runs on the pool with this job's TLS state: the job is
         * released when it comes back (exchange.c) */
        j->release_pending = true;
        return;
    }
    tpn_job_release(j);
}

/* The job is over and nothing refers to it any more: count it and start the next. */
void tpn_job_release(job *j)
{
    engine *e = j->e;
    bool failed = j->r->status == TP_ST_FAIL;
    if (j->f)
        tpn_fetch_complete(j);
    if (j->prev)
        j->prev->next = j->next;
    else
        e->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    tpn_job_unbucket(j);
    tpn_job_not_early(j);
    tpn_job_free(j);
    e->inflight--;
    e->done++;
    if (failed)
        e->failed++;
    if (e->progress)
        e->progress(e->ud, e->done, e->n, e->failed);
    engine_schedule(e);
}

/* A job that cannot even be tracked: record why and count it done. */
void tpn_job_refused(engine *e, tp_outcome *code, char **msg, tp_outcome c, const char *m)
{
    free(*msg);
    *code = c;
    *msg = tp_strdup(m);
    e->done++;
    e->failed++;
}

/* A result the plan already decided (its PAC gave it no route): final as it is. */
static bool predecided(const tp_result *r)
{
    return r->route && r->route->path && r->route->path->type == TP_PATH_PAC;
}

static void probe_begin(engine *e, tp_result *r)
{
    if (predecided(r)) {
        if (r->error_code == TP_OC_NONE) {
            r->status = TP_ST_FAIL;
            tpn_job_refused(e, &r->error_code, &r->error_message, TP_OC_PAC_ERROR,
                            "the path's PAC gave no answer for this endpoint");
        } else {
            e->done++;
            e->failed += r->status == TP_ST_FAIL;
        }
        return;
    }
    job *j = r->ep && r->route ? calloc(1, sizeof *j) : NULL;
    if (!j) {
        r->status = TP_ST_FAIL;
        tpn_job_refused(e, &r->error_code, &r->error_message, TP_OC_ENGINE_ERROR,
                    !r->ep ? "no endpoint in this result" : !r->route ? "no route in this result (not planned)"
                                                                     : "out of memory");
        return;
    }
    j->r = r;
    j->ep = r->ep;
    j->scheme = r->ep->scheme ? r->ep->scheme : "https";
    j->tls = strcasecmp(j->scheme, "http") != 0;
    j->host = r->ep->host;
    j->port = r->ep->port > 0 ? r->ep->port : (j->tls ? 443 : 80);
    j->reqpath = r->ep->path ? r->ep->path : "/";
    j->method = r->ep->method ? r->ep->method : "GET";
    j->route = r->route;
    j->path = r->route->path;
    r->used_path = r->route->path;  /* the path itself, or where its bypass / PAC sent it */
    tpn_job_limits(j, e->lim, 0);
    tpn_job_start_common(e, j);
    tpn_attempt_start(j);
}

/* Sockets in flight need descriptors: raise the soft limit towards the hard one when the
 * cap asks for more, and never schedule more probes than descriptors allow (a probe that
 * cannot get a socket would fail with EMFILE for no network reason). */
#define TP_FD_RESERVE 64
static size_t fd_budget(size_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return want;
    if (want + TP_FD_RESERVE > rl.rlim_cur && rl.rlim_cur < rl.rlim_max) {
        rlim_t need = (rlim_t)(want + TP_FD_RESERVE);
        rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
        (void)getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur <= TP_FD_RESERVE * 2)
        return want < 16 ? want : 16;
    size_t room = (size_t)rl.rlim_cur - TP_FD_RESERVE;
    return want < room ? want : room;
}

/* ---------- admission ---------- */
/* A probe's deadlines start when it starts, so a probe must only start when this machine
 * can serve it: the loop answers promptly (lag), the thread pool is not backed up with
 * handshake steps, and not too many connections are being opened at once. Otherwise the
 * tester's own saturation would read as the network's slowness (a "timeout"). Probes held
 * back are not late: their deadlines have not started. */
#define TP_ADMIT_LAG_MS 50.0     /* the loop is late by more: wait */
#define TP_ADMIT_HS_QUEUE 64     /* handshake steps queued or running on the pool */
#define TP_ADMIT_EARLY 512       /* probes in dns / connect / proxy (SYNs, CONNECTs) */
#define TP_ADMIT_BURST 128       /* starts per pass: the loop gets to breathe in between */
#define TP_ADMIT_RETRY_MS 2

static bool headroom(const engine *e)
{
    if (e->inflight == 0)
        return true;  /* nothing of ours is running: whatever the lag is, it is not us */
    return e->lag_ms < TP_ADMIT_LAG_MS && e->hs_queued < TP_ADMIT_HS_QUEUE && e->early < TP_ADMIT_EARLY;
}

/* The peer job i connects to first: its proxy, or its endpoint (direct; fetches: the URL's
 * host, parsed when the fetch starts, so fetches on a direct path share one bucket). */
static char *peer_key(const engine *e, size_t i)
{
    const tp_route *rt = e->results ? e->results[i].route : e->fetches[i].route;
    const tp_path *p = rt ? (e->results ? rt->path : rt->anon) : NULL;
    if (p && p->type == TP_PATH_HTTP && p->proxy_host)
        return tp_asprintf("proxy %s:%d", p->proxy_host, p->proxy_port);
    const tp_endpoint *ep = e->results ? e->results[i].ep : NULL;
    if (ep && ep->host)
        return tp_asprintf("%s:%d", ep->host, ep->port);
    return tp_strdup("direct");
}

static uint64_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)(*s | 0x20)) * 1099511628211ull;
    return h;
}

/* Groups the jobs by peer (in their order), through an open-addressing table. */
static int make_buckets(engine *e)
{
    size_t tcap = 64;
    while (tcap < e->n * 2)
        tcap *= 2;
    size_t *table = malloc(tcap * sizeof *table); /* bucket index + 1, 0 = empty */
    e->buckets = calloc(e->n ? e->n : 1, sizeof *e->buckets);
    if (!table || !e->buckets) {
        free(table);
        return -1;
    }
    memset(table, 0, tcap * sizeof *table);
    int rc = 0;
    for (size_t i = 0; i < e->n && rc == 0; i++) {
        char *k = peer_key(e, i);
        if (!k) {
            rc = -1;
            break;
        }
        size_t h = (size_t)key_hash(k) & (tcap - 1);
        while (table[h] && strcasecmp(e->buckets[table[h] - 1].key, k) != 0)
            h = (h + 1) & (tcap - 1);
        bucket *b;
        if (table[h]) {
            b = &e->buckets[table[h] - 1];
            free(k);
        } else {
            b = &e->buckets[e->n_buckets++];
            b->key = k;
            table[h] = e->n_buckets;
        }
        if (b->n == b->cap_n) {
            size_t cap = b->cap_n ? b->cap_n * 2 : 4;
            size_t *ni = realloc(b->idx, cap * sizeof *ni);
            if (!ni) {
                rc = -1;
                break;
            }
            b->idx = ni;
            b->cap_n = cap;
        }
        b->idx[b->n++] = i;
    }
    free(table);
    e->ready = malloc((e->n_buckets ? e->n_buckets : 1) * sizeof *e->ready);
    if (rc != 0 || !e->ready)
        return -1;
    for (size_t x = 0; x < e->n_buckets; x++)
        e->ready[x] = x;
    e->n_ready = e->n_buckets;
    e->left = e->n;
    return 0;
}

/* The next bucket with a job waiting and room for it (round robin), or NULL. Buckets with
 * nothing left leave the ready list. */
static bucket *next_bucket(engine *e)
{
    size_t per = e->lim->per_proxy > 0 ? (size_t)e->lim->per_proxy : 64;
    for (size_t tries = 0; e->n_ready > 0 && tries < e->n_ready;) {
        if (e->rr >= e->n_ready)
            e->rr = 0;
        bucket *b = &e->buckets[e->ready[e->rr]];
        if (b->pos >= b->n) {
            e->ready[e->rr] = e->ready[--e->n_ready];
            continue;
        }
        e->rr++;
        if (b->inflight < per)
            return b;
        tries++;
    }
    return NULL;
}

void tpn_job_unbucket(job *j)
{
    if (j->bk) {
        j->bk->inflight--;
        j->bk = NULL;
    }
}

void tpn_job_not_early(job *j)
{
    if (j->early) {
        j->early = false;
        j->e->early--;
    }
}

static void engine_schedule(engine *e)
{
    size_t started = 0;
    while (!e->cancelled && e->inflight < e->cap && e->left > 0) {
        if (started >= TP_ADMIT_BURST || !headroom(e)) {
            /* look again shortly (a completion also calls this) */
            e->held++;
            if (!e->closing && !uv_is_active((uv_handle_t *)&e->tick))
                uv_timer_start(&e->tick, on_tick, TP_ADMIT_RETRY_MS, 0);
            break;
        }
        bucket *b = next_bucket(e);
        if (!b)
            break;   /* every waiting job is behind a proxy at its cap: a completion resumes */
        size_t i = b->idx[b->pos++];
        e->left--;
        size_t before = e->inflight;
        if (e->results)
            probe_begin(e, &e->results[i]);
        else
            tpn_fetch_begin(e, &e->fetches[i]);
        if (e->inflight > before && e->jobs) {
            /* the job just started is the list head (a job that could not start did not
             * grow inflight) */
            job *j = e->jobs;
            j->bk = b;
            b->inflight++;
        }
        started++;
    }
    tpn_engine_maybe_done(e);
}

/* ---------- loop lag ---------- */

static void on_lag_tick(uv_timer_t *t)
{
    engine *e = t->data;
    uint64_t now = uv_hrtime();
    double lag = (double)(now - e->lag_prev) / 1e6 - TP_LAG_TICK_MS;
    e->lag_prev = now;
    if (lag < 0)
        lag = 0;
    e->lag_ms = lag;
    if (lag > e->lag_max_run)
        e->lag_max_run = lag;
    uint64_t slot = now / 100000000u;
    size_t k = (size_t)(slot % TP_LAG_SLOTS);
    if (e->lag_slot_id[k] != slot) {
        e->lag_slot_id[k] = slot;
        e->lag_slot[k] = 0;
    }
    if ((float)lag > e->lag_slot[k])
        e->lag_slot[k] = (float)lag;
}

/* Loop stalls since `since` (hrtime), over the last TP_LAG_SLOTS slots: the sum of each
 * slot's worst lag (a stall shows as one late tick), counting only lags of TP_STALL_MS or
 * more (a descheduled thread on a shared machine lags a few ticks: not a stall);
 * *worst gets the largest. The current stretch counts too: the lag tick may be the late one. */
#define TP_STALL_MS 50.0
static double stalls_since(const engine *e, uint64_t since, double *worst)
{
    uint64_t now = uv_hrtime();
    uint64_t now_slot = now / 100000000u, from = since / 100000000u;
    if (now_slot - from >= TP_LAG_SLOTS)
        from = now_slot - TP_LAG_SLOTS + 1;
    double sum = 0, m = 0;
    for (uint64_t s = from; s <= now_slot; s++) {
        size_t k = (size_t)(s % TP_LAG_SLOTS);
        if (e->lag_slot_id[k] != s || e->lag_slot[k] < TP_STALL_MS)
            continue;
        sum += e->lag_slot[k];
        if (e->lag_slot[k] > m)
            m = e->lag_slot[k];
    }
    double cur = (double)(now - e->lag_prev) / 1e6 - TP_LAG_TICK_MS;
    if (cur >= TP_STALL_MS) {
        sum += cur;
        if (cur > m)
            m = cur;
    }
    *worst = m;
    return sum;
}

/* A deadline of limit_ms, for a stretch that began at `since`, fired (or c-ares gave up):
 * was the network really watched for it? The time the loop stood still (stalls, when the
 * peer had spoken in the phase) and the time this probe's handshake steps spent queued and
 * computing on the pool (the tester's, not the peer's) are taken off the elapsed time; when
 * that is at least a quarter of the limit (250 ms at least) and what is left is under 75 %
 * of the limit, the deadline measured this machine, not the network: true, msg says what
 * was measured. */
bool tpn_saturated(job *j, uint64_t since, int limit_ms, char *msg, size_t n)
{
    engine *e = j->e;
    double worst;
    double stall = stalls_since(e, since, &worst);
    /* A peer that stayed silent through the phase was watched by the kernel while the loop
     * stood still (a SYN-ACK or an answer waits in the socket, and the grace turn reads
     * it): the stalls only count when the peer had spoken and we had to answer. A DNS
     * answer ends its phase, so a DNS timeout is never put down to a stall (the retries
     * c-ares sends late on a stalled loop still went out). */
    if (!j->phase_rx)
        stall = 0;
    /* the stretch is the phase, or the whole probe (its total deadline) */
    double tester = (since == j->t_phase ? j->hs_tester_phase_ms : j->hs_tester_ms) +
                    (j->hs_busy ? tpn_elapsed_ms(j->hs_queued_at) : 0);
    double watched = tpn_elapsed_ms(since) - stall - tester;
    /* a shared machine's ordinary jitter must not flip a verdict: what is taken off must be a
     * quarter of the limit and at least 250 ms, and less than three quarters watched */
    double need = (double)limit_ms / 4 > 250 ? (double)limit_ms / 4 : 250;
    if (watched >= 0.75 * (double)limit_ms || stall + tester < need)
        return false;
    snprintf(msg, n,
             "tester overloaded: the %s deadline (%d ms) fired while this machine was saturated (loop stalled "
             "%.0f ms, worst loop lag %.0f ms; handshake steps queued and computing %.0f ms, %zu in the "
             "queue): the network was watched for %.0f ms only; not a network verdict: run again with a "
             "lower --concurrency",
             tp_phase_name(j->phase), limit_ms, stall, worst, tester, e->hs_queued, watched > 0 ? watched : 0);
    return true;
}

/* ---------- cancellation ---------- */

/* Ends a probe or fetch that never started as "cancelled" (status skipped, phase dns). */
static void cancel_unstarted(engine *e, size_t i)
{
    tp_outcome *code;
    char **msg;
    if (e->results) {
        tp_result *r = &e->results[i];
        r->status = TP_ST_SKIPPED;
        r->phase = TP_PH_DNS;
        code = &r->error_code;
        msg = &r->error_message;
    } else {
        code = &e->fetches[i].error_code;
        msg = &e->fetches[i].error_message;
    }
    free(*msg);
    *code = TP_OC_CANCELLED;
    *msg = tp_asprintf("%s in phase dns (not started)", e->why);
    e->done++;
    if (e->progress)
        e->progress(e->ud, e->done, e->n, e->failed);
}

static void engine_cancel(engine *e, const char *why)
{
    if (e->cancelled || e->closing)
        return;
    e->cancelled = true;
    snprintf(e->why, sizeof e->why, "%s", why ? why : "cancelled");
    for (job *j = e->jobs; j; j = j->next)
        if (!j->finished)
            tpn_job_fail(j, TP_OC_CANCELLED, "%s in phase %s", e->why, tp_phase_name(j->phase));
    for (size_t b = 0; b < e->n_buckets; b++)
        while (e->buckets[b].pos < e->buckets[b].n) {
            cancel_unstarted(e, e->buckets[b].idx[e->buckets[b].pos++]);
            e->left--;
        }
    tpn_budget_cancel(e);
    engine_schedule(e); /* closes the resolver once nothing is left */
}

void tp_engine_cancel(tp_engine_op *op, const char *why)
{
    if (op)
        engine_cancel(&op->e, why);
}

/* ---------- engine setup and teardown ---------- */

static int add_store(engine *e, const tp_path *p, char *err, size_t errlen)
{
    if (!p || tpn_store_for(e, p))
        return 0;
    /* each store is its own allocation: its ssl_config points into it, so it never moves */
    store_ref **ns = realloc(e->stores, (e->n_stores + 1) * sizeof *ns);
    if (!ns) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    e->stores = ns;
    store_ref *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char sub[768];
    if (tp_castore_init(&st->store, e->o.ca_files, e->o.system_ca, store_key(p), &e->drbg, sub, sizeof sub) != 0) {
        snprintf(err, errlen, "path %s: %s", p->id, sub);
        free(st);
        return -1;
    }
    st->path = store_key(p);
    tp_x25519_install();   /* before any handshake runs on the pool */
    tp_tls_profile_apply(&st->store.conf, tp_tls_profile_get(e->o.tls_profile));
    e->stores[e->n_stores++] = st;
    return 0;
}

/* A peer that closes while a write is queued must cost a probe, not the process: libuv
 * writes with write(2), so SIGPIPE is ignored unless the program installed a handler. */
static void ignore_sigpipe(void)
{
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
    }
}

/* Memory only: every handle is closed by then. */
static void engine_free(engine *e)
{
    if (e->res)
        tp_resolver_close(e->res);
    for (size_t i = 0; i < e->n_stores; i++) {
        tp_castore_free(&e->stores[i]->store);
        free(e->stores[i]);
    }
    free(e->stores);
    tp_chain_cache_free(&e->chains);
    for (size_t i = 0; i < e->n_buckets; i++) {
        free(e->buckets[i].idx);
        free(e->buckets[i].key);
    }
    free(e->buckets);
    free(e->ready);
    mbedtls_ctr_drbg_free(&e->drbg);
    mbedtls_entropy_free(&e->entropy);
    free((tp_engine_op *)e);
}

static void on_tick_closed(uv_handle_t *h)
{
    engine *e = h->data;
    if (--e->closing_handles > 0)
        return;
    tp_engine_done_fn cb = e->done_cb;
    void *ud = e->done_ud;
    engine_free(e);
    if (cb)
        cb(ud);
}

/* Once every job has ended and every connection is closed: close the resolver and the tick;
 * the tick's close callback frees the engine and tells the caller. */
void tpn_engine_maybe_done(engine *e)
{
    if (e->closing || !e->tick_on || e->done < e->n || e->jobs || e->open_conns > 0 || e->n_posts > 0)
        return;
    if (uv_is_active((uv_handle_t *)&e->tick))
        return;   /* not started yet: on_tick will look again */
    e->closing = true;
    if (e->res) {
        tp_resolver_close(e->res);
        e->res = NULL;
    }
    e->closing_handles = e->lagt_on ? 2 : 1;
    if (e->lagt_on)
        uv_close((uv_handle_t *)&e->lagt, on_tick_closed);
    uv_close((uv_handle_t *)&e->tick, on_tick_closed);
}

static void on_tick(uv_timer_t *t)
{
    engine *e = t->data;
    uv_timer_stop(t);
    if (tp_cancelled(e->o.cancel))
        engine_cancel(e, e->o.cancel->why);
    engine_schedule(e);
}

static int engine_new(uv_loop_t *loop, const tp_engine_opts *o, bool need_tls, engine **out, char *err,
                      size_t errlen)
{
    if (!loop || !o) {
        snprintf(err, errlen, "engine: no loop or no options");
        return -1;
    }
    tp_engine_op *op = calloc(1, sizeof *op);
    if (!op) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    engine *e = &op->e;
    ignore_sigpipe();
    e->o = *o;
    e->lim = &e->o.limits;
    e->loop = loop;
    e->stats = &e->own_stats;
    mbedtls_entropy_init(&e->entropy);
    mbedtls_ctr_drbg_init(&e->drbg);
    if (need_tls) {
        static const unsigned char pers[] = "tlspath-engine";
        int rc = mbedtls_ctr_drbg_seed(&e->drbg, mbedtls_entropy_func, &e->entropy, pers, sizeof pers - 1);
        if (rc != 0) {
            snprintf(err, errlen, "cannot seed the random generator (-0x%04x)", (unsigned)-rc);
            engine_free(e);
            return -1;
        }
    }
    static const tp_strlist none = {0};
    if (tp_resolver_new(loop, o->resolvers ? o->resolvers : &none, e->lim->dns_ms, &e->res, err, errlen) != 0) {
        e->res = NULL;
        engine_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

/* Arms the first schedule on the loop (the done callback must never run inside start). */
static int engine_go(engine *e, tp_engine_done_fn done, void *ud, tp_engine_op **op, char *err, size_t errlen)
{
    size_t want = e->lim->concurrency > 0 ? (size_t)e->lim->concurrency : 1;
    e->cap = fd_budget(want < e->n ? want : (e->n ? e->n : 1));
    e->done_cb = done;
    e->done_ud = ud;
    if (make_buckets(e) != 0) {
        snprintf(err, errlen, "out of memory");
        engine_free(e);
        return -1;
    }
    int rc = uv_timer_init(e->loop, &e->tick);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create a timer: %s", uv_strerror(rc));
        engine_free(e);
        return -1;
    }
    e->tick.data = e;
    e->tick_on = true;
    if (uv_timer_init(e->loop, &e->lagt) == 0) {
        e->lagt.data = e;
        e->lagt_on = true;
        e->lag_prev = uv_hrtime();
        uv_timer_start(&e->lagt, on_lag_tick, TP_LAG_TICK_MS, TP_LAG_TICK_MS);
    }
    uv_timer_start(&e->tick, on_tick, 0, 0);
    if (op)
        *op = (tp_engine_op *)e;
    return 0;
}

int tp_engine_probe_start(uv_loop_t *loop, const tp_engine_opts *o, tp_result *results, size_t n,
                          tp_progress_fn progress, tp_engine_done_fn done, void *ud, tp_engine_op **op,
                          char *err, size_t errlen)
{
    if (n > 0 && !results) {
        snprintf(err, errlen, "engine: no results");
        return -1;
    }
    bool need_tls = false;
    for (size_t i = 0; i < n; i++) {
        if (predecided(&results[i]))
            continue;
        results[i].status = TP_ST_OK;
        results[i].phase = TP_PH_DNS;
        tpn_reset_timings(&results[i], false);
        if (results[i].ep && (!results[i].ep->scheme || strcasecmp(results[i].ep->scheme, "http") != 0))
            need_tls = true;
    }
    engine *e;
    if (engine_new(loop, o, need_tls, &e, err, errlen) != 0)
        return -1;
    for (size_t i = 0; need_tls && i < n; i++) {
        const tp_route *rt = results[i].route;
        if (!rt)
            continue;   /* probe_begin says so in the result */
        if (predecided(&results[i]))
            continue;
        int hops = 0;   /* a PAC's chain is at most TP_PAC_MAX_HOPS long; bound it anyway */
        for (const tp_route *h = rt; h && hops < 32; h = (h == rt || h->chain) ? h->fallback : NULL, hops++)
            if (add_store(e, h->path, err, errlen) != 0) {
                engine_free(e);
                return -1;
            }
    }
    e->results = results;
    e->n = n;
    e->progress = progress;
    e->ud = ud;
    return engine_go(e, done, ud, op, err, errlen);
}

int tp_engine_fetch_start(uv_loop_t *loop, const tp_engine_opts *o, tp_fetch *f, size_t n,
                          tp_engine_done_fn done, void *ud, tp_engine_op **op, char *err, size_t errlen)
{
    return tp_engine_fetch_sink_start(loop, o, f, n, NULL, done, ud, op, err, errlen);
}

int tp_engine_fetch_sink_start(uv_loop_t *loop, const tp_engine_opts *o, tp_fetch *f, size_t n,
                               const tp_fetch_sink *sink, tp_engine_done_fn done, void *ud, tp_engine_op **op,
                               char *err, size_t errlen)
{
    if (n > 0 && !f) {
        snprintf(err, errlen, "engine: no fetches");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        f[i].http_status = 0;
        f[i].body = NULL;
        f[i].body_len = 0;
        f[i].error_code = TP_OC_NONE;
        f[i].error_message = NULL;
        f[i].ms = -1;
    }
    engine *e;
    if (engine_new(loop, o, false, &e, err, errlen) != 0)
        return -1;
    e->fetches = f;
    e->n = n;
    tpn_budget_init(e, sink);
    return engine_go(e, done, ud, op, err, errlen);
}

/* ---------- blocking wrappers ---------- */

typedef struct blocking {
    tp_engine_op *op;        /* NULL once done */
    tp_cancel *cancel;
} blocking;

static void blocking_done(void *ud)
{
    ((blocking *)ud)->op = NULL;
}

static void blocking_signal(void *ud, int signum)
{
    blocking *b = ud;
    char why[64];
    snprintf(why, sizeof why, "interrupted by %s", tp_signal_name(signum));
    tp_cancel_set(b->cancel, why);
    if (b->op)
        tp_engine_cancel(b->op, why);
}

/* Runs one probe or fetch run on a loop of its own, watching SIGINT / SIGTERM meanwhile. */
static int run_blocking(const tp_engine_opts *o, tp_result *results, tp_fetch *f, size_t n, tp_progress_fn progress,
                        void *ud, char *err, size_t errlen)
{
    uv_loop_t loop;
    int rc = uv_loop_init(&loop);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create the event loop: %s", uv_strerror(rc));
        return -1;
    }
    blocking b = {.op = NULL, .cancel = o ? o->cancel : NULL};
    tp_sigwatch sw;
    tp_sigwatch_start(&sw, &loop, blocking_signal, &b);
    rc = f ? tp_engine_fetch_start(&loop, o, f, n, blocking_done, &b, &b.op, err, errlen)
           : tp_engine_probe_start(&loop, o, results, n, NULL, blocking_done, &b, &b.op, err, errlen);
    if (rc == 0) {
        /* the progress callback keeps the caller's own pointer */
        b.op->e.progress = progress;
        b.op->e.ud = ud;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    tp_sigwatch_stop(&sw, &loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) {
        snprintf(err, errlen, "internal error: handles left open on the event loop");
        rc = -1;
    }
    return rc;
}

int tp_engine_run(const tp_engine_opts *o, tp_result *results, size_t n, tp_progress_fn progress, void *ud, char *err,
                  size_t errlen)
{
    return run_blocking(o, results, NULL, n, progress, ud, err, errlen);
}

int tp_engine_fetch(const tp_engine_opts *o, tp_fetch *f, size_t n, char *err, size_t errlen)
{
    if (!f && n == 0) {
        static tp_fetch none;
        f = &none;
    }
    return run_blocking(o, NULL, f, n, NULL, NULL, err, errlen);
}
