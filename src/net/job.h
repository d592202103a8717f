/* job.h — internal to net/: the engine (one run) and the job (one probe or fetch) that the
 * engine's modules share. Not a public header: layers above use net/engine.h.
 *
 *   engine.c    a run: scheduling under the concurrency cap, cancellation, trust stores,
 *               the run's lifetime on the caller's loop, the blocking wrappers
 *   probe.c     a job's life: deadlines, the TCP connection, dns and connect phases,
 *               fallback, the one place a job ends (tpn_job_finish)
 *   exchange.c  what is said on the connection: CONNECT, TLS, the HTTP request and answer
 *   fetch.c     the fetch flavour of a job (a CRL by URL, anonymously through a route)
 *   crlbudget.c the CRL byte budget of a fetch run, and each body judged on the thread pool
 *
 * Functions shared between them carry the tpn_ prefix. */
#ifndef TLSPATH_NET_JOB_H
#define TLSPATH_NET_JOB_H
#include <stdint.h>
#include <uv.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "net/engine.h"
#include "net/httpparse.h"
#include "net/resolver.h"
#include "net/tlsconn.h"
#include "pki/castore.h"

#define TP_READ_BUF (64u * 1024u)
#define TP_PLAIN_BUF (16u * 1024u)
#define TP_MSG_MAX 512

typedef struct job job;

typedef struct engine engine;

typedef struct crlpost crlpost;

/* Jobs waiting to start, grouped by the peer they connect to first — the proxy, or on a
 * direct path the endpoint's host:port — so that no peer gets more than limits.per_proxy
 * of our connections at once (engine.c): a run must not flood the proxy users depend on,
 * nor overload an origin and then blame the network for its slowness. */
typedef struct bucket {
    char *key;               /* "proxy host:port" or "host:port" */
    size_t *idx;             /* results[] / fetches[] indices, in order */
    size_t n, pos, cap_n;
    size_t inflight;
} bucket;

/* Loop lag, sampled by a repeating timer: the worst lag in each 100 ms slot of the last
 * TP_LAG_SLOTS slots, so a deadline can ask how saturated the tester was while it ran. */
#define TP_LAG_TICK_MS 20
#define TP_LAG_SLOTS 256

typedef struct conn {
    uv_tcp_t tcp;
    uv_connect_t creq;
    job *j;                  /* NULL once detached: late callbacks do nothing */
    engine *e;
} conn;

typedef struct wreq {
    uv_write_t req;
    size_t len;
    uint8_t data[];
} wreq;

typedef struct store_ref {
    const tp_path *path;     /* the path whose ca_files it adds, or NULL: the shared base */
    tp_castore store;
} store_ref;

struct engine {
    tp_engine_opts o;        /* the caller's options (pointers borrowed) */
    const tp_limits *lim;    /* &o.limits */
    uv_loop_t *loop;         /* the caller's */
    uv_timer_t tick;         /* defers the start and the done callback into the loop; admission retries */
    bool tick_on, closing;
    uv_timer_t lagt;         /* the loop lag monitor */
    bool lagt_on;
    int closing_handles;
    uint64_t lag_prev;       /* hrtime of the previous lag tick */
    double lag_ms;           /* the last lag measured */
    double lag_max_run;      /* the worst lag of the run */
    float lag_slot[TP_LAG_SLOTS];
    uint64_t lag_slot_id[TP_LAG_SLOTS]; /* which 100 ms slot (hrtime / 1e8) each entry holds */
    size_t early;            /* probes in dns / connect / proxy: SYNs and CONNECTs in flight */
    size_t held;             /* times admission waited for headroom */
    bucket *buckets;
    size_t n_buckets, left;
    size_t *ready;           /* buckets with jobs still waiting (round robin) */
    size_t n_ready, rr;
    size_t open_conns;       /* conns whose close callback has not run yet */
    tp_engine_done_fn done_cb;
    void *done_ud;
    tp_resolver *res;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    store_ref **stores;
    size_t n_stores;
    /* One read buffer for every connection: libuv hands it to exactly one read_cb at a
     * time and every consumer copies what it keeps, so per-probe memory stays small. */
    uint8_t rbuf[TP_READ_BUF];
    bool rbuf_busy;
    size_t hs_queued;        /* handshake steps queued or running on the thread pool */
    tp_chain_cache chains;   /* the run's certificate chains, interned */
    uint8_t pbuf[TP_PLAIN_BUF];
    /* scheduling */
    size_t n, inflight, done, failed;
    size_t cap;              /* probes in flight at most */
    tp_result *results;      /* probes */
    tp_fetch *fetches;       /* or fetches */
    tp_progress_fn progress;
    void *ud;
    /* cancellation (tp_engine_cancel) */
    bool cancelled;
    char why[64];            /* "interrupted by SIGINT" */
    job *jobs;               /* jobs started and not yet freed (intrusive list) */
    /* the CRL byte budget and the judgements on the pool (crlbudget.c) */
    size_t bud_limit;        /* limits.crl_budget_bytes */
    size_t bud_reserved;     /* bodies being received: what each may take */
    size_t bud_held;         /* bodies handed to the sink and not judged yet */
    size_t bud_bodies;       /* fetches counted in either */
    job *bud_first, *bud_last; /* fetches waiting at their head, in arrival order */
    tp_fetch_sink sink;      /* work NULL: the bodies go to the caller at the end */
    tp_crl_stats own_stats;
    tp_crl_stats *stats;     /* the sink's, else own_stats */
    crlpost *posts;          /* judgements queued or running, or their timers closing */
    size_t n_posts;
};

/* The public handle is the engine itself. */
struct tp_engine_op {
    engine e;
};

struct job {
    engine *e;
    job *prev, *next;        /* engine->jobs */
    tp_result *r;            /* where the facts go (results[i], or own for a fetch) */
    tp_result own;
    tp_fetch *f;             /* NULL for a probe */
    /* target */
    const char *scheme, *host, *reqpath, *method;
    char *url_scheme, *url_host, *url_path; /* fetch: parsed from the URL */
    int port;
    bool tls;
    const tp_endpoint *ep;   /* probe only */
    /* route */
    const tp_route *route;   /* the route in use (its fallback after falling back) */
    const tp_path *path;     /* route->path, or route->anon for a fetch (CRLs go anonymously) */
    bool via_proxy, absolute, fell_back;
    char *fallback_note;
    const char *conn_host;   /* what is resolved / connected: the endpoint or the proxy */
    char proxy_hp[300];      /* the proxy as messages name it: "host:port" / "[v6]:port" */
    int conn_port;
    /* state */
    bucket *bk;              /* the proxy bucket it counts against, or NULL */
    bool early;              /* counted in engine->early */
    bool grace_phase, grace_total; /* a saturated deadline's one grace turn was given */
    bool phase_rx;           /* the peer sent bytes during this phase: the ball was in our court */
    tp_phase phase;
    uint64_t t_start, t_phase;
    uv_timer_t phase_timer, total_timer;
    int timers_open;
    bool finished;
    tp_dns_wait dw;
    bool dns_queued;         /* waiting for a resolver slot: no DNS deadline yet */
    uint64_t dns_sent_ms;    /* uv_now when its question went out */
    tp_strlist addrs;
    size_t addr_i;
    tp_outcome conn_code;    /* last connect failure (TP_OC_NONE: none yet) */
    char *conn_msg;
    conn *c;
    bool got_bytes;
    bool peer_reset;         /* the connection ended with a reset, not a clean close */
    int interim;             /* 1xx answers skipped so far */
    tp_http_head head;
    bool head_on, head_done;
    tp_http_body body;
    bool body_on;
    tp_tlsconn tlsc;
    bool tls_on;
    uint8_t *tx;             /* ciphertext gathered from mbedTLS, written once per step */
    size_t tx_len, tx_cap;
    /* The handshake steps on the thread pool (exchange.c): while hs_busy, tlsc and tx belong
     * to the worker; what the peer sends meanwhile waits in the inbox. */
    uv_work_t hs_work;
    bool hs_busy;            /* a step is queued or running */
    bool hs_more;            /* bytes or the peer's close came meanwhile: step again */
    bool hs_orphan;          /* the attempt was torn down while busy: free tlsc/tx after */
    bool release_pending;    /* the job's timers are closed: release it once the step is back */
    bool peer_eof;           /* the peer closed during the handshake */
    int hs_ret;
    uint64_t hs_queued_at;
    double hs_tester_ms;     /* time this probe's steps spent queued and computing */
    double hs_tester_phase_ms; /* the same, in the current phase */
    uint8_t *inbox;
    size_t inbox_len, inbox_cap;
    int lim_dns, lim_connect, lim_proxy, lim_tls, lim_http, lim_total;
    /* the CRL budget (fetches; crlbudget.c) */
    size_t bud_need;         /* bytes reserved at the head (0: none) */
    bool bud_waits;          /* waiting at its head for the budget, deadlines stopped */
    job *bud_next;
    uint64_t bud_since;      /* hrtime the wait began */
    uint8_t *bud_stash;      /* body bytes that came with the head, fed when it resumes */
    size_t bud_stash_len;
};

/* ---- probe.c ---- */
double tpn_elapsed_ms(uint64_t since);
void tpn_reset_timings(tp_result *r, bool keep_total);
void tpn_hostport(char *out, size_t n, const char *host, int port);
void tpn_job_fail(job *j, tp_outcome code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tpn_set_phase(job *j, tp_phase p, int limit_ms);
void tpn_end_phase(job *j);
int tpn_conn_write(job *j, const uint8_t *data, size_t len);
void tpn_attempt_start(job *j);
void tpn_job_finish(job *j, tp_outcome code, char *msg);
void tpn_job_free(job *j);
void tpn_job_limits(job *j, const tp_limits *l, int cap);
void tpn_on_phase_timeout(uv_timer_t *t);
void tpn_on_total_timeout(uv_timer_t *t);
int tpn_family_filter(job *j);
void tpn_job_start_common(engine *e, job *j);
const tp_path *tpn_route_path(const job *j, const tp_route *r);

/* ---- exchange.c ---- */
void tpn_http_start(job *j);
void tpn_tls_start(job *j, const uint8_t *early, size_t early_len);
void tpn_proxy_start(job *j);
void tpn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
void tpn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
void tpn_tls_teardown(job *j);
void tpn_fetch_body_start(job *j, const uint8_t *data, size_t len);

/* ---- fetch.c ---- */
size_t tpn_fetch_max(const job *j);
void tpn_fetch_complete(job *j);
void tpn_fetch_begin(engine *e, tp_fetch *f);

/* ---- crlbudget.c ---- */
void tpn_budget_init(engine *e, const tp_fetch_sink *sink);
bool tpn_budget_head(job *j);
int tpn_budget_stash(job *j, const uint8_t *data, size_t len);
void tpn_budget_forget(job *j);
void tpn_budget_fetch_end(job *j);
void tpn_budget_cancel(engine *e);

/* ---- engine.c ---- */
const tp_castore *tpn_store_for(const engine *e, const tp_path *p);
void tpn_on_timer_closed(uv_handle_t *h);
void tpn_job_release(job *j);
void tpn_job_refused(engine *e, tp_outcome *code, char **msg, tp_outcome c, const char *m);
void tpn_engine_maybe_done(engine *e);
void tpn_job_unbucket(job *j);
void tpn_job_not_early(job *j);
bool tpn_saturated(job *j, uint64_t due, int limit_ms, char *msg, size_t n);
#endif
