/* engine.c — the probe engine: one libuv loop runs every probe (and every CRL fetch) as a
 * small state machine
 *
 *     dns ──► connect ──► [proxy CONNECT] ──► [tls] ──► http ──► done
 *
 * Each phase arms the job's phase timer with its own limit; a second timer bounds the whole
 * probe. Whatever fires first ends the probe with that phase's timeout code and never holds
 * the others back. The TCP connection lives in its own small struct (conn) so that a failed
 * address, a fallback or a finished probe can drop it at once: libuv frees it in its close
 * callback, and any late callback finds conn->j == NULL and does nothing.
 *
 * Ownership: a job owns its timers, its conn (until detached), its parsers and its TLS
 * session. The engine owns the loop, the resolver, the RNG and the per-path trust stores. */
#include "net/engine.h"

#include <signal.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include "base/url.h"
#include "pki/castore.h"
#include "net/httpparse.h"
#include "net/resolver.h"
#include "net/tlsconn.h"

#define TP_READ_BUF (64u * 1024u)
#define TP_PLAIN_BUF (16u * 1024u)
#define TP_MSG_MAX 512

typedef struct job job;

typedef struct engine engine;

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
    const tp_config *cfg;
    uv_loop_t loop;
    bool loop_ok;
    tp_resolver *res;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    store_ref **stores;
    size_t n_stores;
    /* One read buffer for every connection: libuv hands it to exactly one read_cb at a
     * time and every consumer copies what it keeps, so per-probe memory stays small. */
    uint8_t rbuf[TP_READ_BUF];
    bool rbuf_busy;
    uint8_t pbuf[TP_PLAIN_BUF];
    /* scheduling */
    size_t n, next, inflight, done, failed;
    size_t cap;              /* probes in flight at most */
    tp_result *results;      /* probes */
    tp_fetch *fetches;       /* or fetches */
    tp_progress_fn progress;
    void *ud;
    /* interruption: SIGINT / SIGTERM watched while the jobs run (see signals_start) */
    uv_signal_t sig[2];
    bool sig_on[2];
    int sig_caught;          /* 0, or the signal that cancelled this run */
    job *jobs;               /* jobs started and not yet freed (intrusive list) */
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
    const tp_path *path;     /* the path in use (the fallback after falling back) */
    bool via_proxy, absolute, fell_back;
    char *fallback_note;
    const char *conn_host;   /* what is resolved / connected: the endpoint or the proxy */
    char proxy_hp[300];      /* the proxy as messages name it: "host:port" / "[v6]:port" */
    int conn_port;
    /* state */
    tp_phase phase;
    uint64_t t_start, t_phase;
    uv_timer_t phase_timer, total_timer;
    int timers_open;
    bool finished;
    tp_dns_wait dw;
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
    int lim_dns, lim_connect, lim_proxy, lim_tls, lim_http, lim_total;
};

/* A fallback named "direct" works even when no path carries that id (as crl_via does); a
 * result or fetch without a path goes direct too. */
static const tp_path builtin_direct = {.id = (char *)"direct", .type = TP_PATH_DIRECT};

/* ---------- small helpers ---------- */

static int lim(int v, int def)
{
    return v > 0 ? v : def;
}

static double elapsed_ms(uint64_t since)
{
    return (double)(uv_hrtime() - since) / 1e6;
}

static double *phase_slot(tp_result *r, tp_phase p)
{
    switch (p) {
    case TP_PH_DNS: return &r->t.dns;
    case TP_PH_CONNECT: return &r->t.connect;
    case TP_PH_PROXY: return &r->t.proxy;
    case TP_PH_TLS: return &r->t.tls;
    case TP_PH_HTTP: return &r->t.http;
    default: return NULL;
    }
}

static void reset_timings(tp_result *r, bool keep_total)
{
    double total = r->t.total;
    r->t.dns = r->t.connect = r->t.proxy = r->t.tls = r->t.http = r->t.revocation = r->t.total = -1;
    if (keep_total)
        r->t.total = total;
}

static char *vfmt(const char *fmt, va_list ap)
{
    char buf[TP_MSG_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    return tp_strdup(buf);
}

/* "host:port", with brackets for an IPv6 literal. */
static void hostport(char *out, size_t n, const char *host, int port)
{
    if (strchr(host, ':'))
        snprintf(out, n, "[%s]:%d", host, port);
    else
        snprintf(out, n, "%s:%d", host, port);
}

static void job_finish(job *j, tp_outcome code, char *msg);

static void job_fail(job *j, tp_outcome code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void job_fail(job *j, tp_outcome code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vfmt(fmt, ap);
    va_end(ap);
    job_finish(j, code, msg);
}

static void on_phase_timeout(uv_timer_t *t);

static void set_phase(job *j, tp_phase p, int limit_ms)
{
    j->phase = p;
    j->r->phase = p;
    j->t_phase = uv_hrtime();
    uv_timer_start(&j->phase_timer, on_phase_timeout, (uint64_t)limit_ms, 0);
}

static void end_phase(job *j)
{
    double *slot = phase_slot(j->r, j->phase);
    if (slot)
        *slot = elapsed_ms(j->t_phase);
    uv_timer_stop(&j->phase_timer);
}

/* ---------- connection I/O ---------- */

static void on_conn_closed(uv_handle_t *h)
{
    free(h->data);
}

/* Drops the connection: the conn frees itself once libuv is done with it. */
static void conn_drop(job *j)
{
    conn *c = j->c;
    if (!c)
        return;
    j->c = NULL;
    c->j = NULL;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void on_write(uv_write_t *req, int status)
{
    (void)status; /* a failed write shows up on the read side as EOF or reset */
    wreq *w = req->data;
    tp_secret_free_n(w, sizeof *w + w->len); /* may have held proxy credentials */
}

/* Queues len bytes on the connection. Returns 0 or -1. */
static int conn_write(job *j, const uint8_t *data, size_t len)
{
    if (!j->c)
        return -1;
    wreq *w = malloc(sizeof *w + len);
    if (!w)
        return -1;
    w->len = len;
    memcpy(w->data, data, len);
    w->req.data = w;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)len);
    if (uv_write(&w->req, (uv_stream_t *)&j->c->tcp, &b, 1, on_write) != 0) {
        tp_secret_free_n(w, sizeof *w + len);
        return -1;
    }
    return 0;
}

/* mbedTLS hands over a flight record by record: gather them and write once per step, so a
 * flight leaves as one segment (fewer packets; a delaying relay holds it once, not thrice). */
#define TP_TX_MAX (256u * 1024u)
static int tls_send(void *ud, const uint8_t *buf, size_t len)
{
    job *j = ud;
    if (!j->c || len > TP_TX_MAX - j->tx_len)
        return -1;
    if (j->tx_len + len > j->tx_cap) {
        size_t cap = j->tx_cap ? j->tx_cap : 2048;
        while (cap < j->tx_len + len)
            cap *= 2;
        uint8_t *nb = realloc(j->tx, cap);
        if (!nb)
            return -1;
        j->tx = nb;
        j->tx_cap = cap;
    }
    memcpy(j->tx + j->tx_len, buf, len);
    j->tx_len += len;
    return 0;
}

/* Writes what the TLS layer gathered. Returns 0 or -1. */
static int tls_flush(job *j)
{
    if (j->tx_len == 0)
        return 0;
    int rc = conn_write(j, j->tx, j->tx_len);
    tp_secret_wipe(j->tx, j->tx_len);
    j->tx_len = 0;
    return rc;
}

/* Frees the per-attempt state: dns wait, connection, parsers, TLS session. */
static void attempt_teardown(job *j)
{
    tp_resolver_cancel(&j->dw);
    conn_drop(j);
    if (j->tls_on) {
        tp_tls_free(&j->tlsc);
        j->tls_on = false;
    }
    free(j->tx);
    j->tx = NULL;
    j->tx_len = j->tx_cap = 0;
    if (j->head_on) {
        tp_http_head_free(&j->head);
        j->head_on = false;
    }
    if (j->body_on) {
        tp_http_body_free(&j->body);
        j->body_on = false;
    }
    j->head_done = false;
    j->got_bytes = false;
    j->peer_reset = false;
    j->interim = 0;
    tp_strlist_free(&j->addrs);
    j->addr_i = 0;
    j->conn_code = TP_OC_NONE;
    free(j->conn_msg);
    j->conn_msg = NULL;
}

/* ---------- phase: http ---------- */

static void http_start(job *j);
static void tls_start(job *j, const uint8_t *early, size_t early_len);

static bool status_expected(const job *j, int st)
{
    if (!j->ep || j->ep->n_expect_status == 0)
        return st < 500;
    for (size_t i = 0; i < j->ep->n_expect_status; i++)
        if (j->ep->expect_status[i] == st)
            return true;
    return false;
}

static void expected_text(const job *j, char *out, size_t n)
{
    if (!j->ep || j->ep->n_expect_status == 0) {
        snprintf(out, n, "a status below 500");
        return;
    }
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < j->ep->n_expect_status && o < n; i++)
        o += (size_t)snprintf(out + o, n - o, "%s%d", i == 0 ? "" : (i + 1 == j->ep->n_expect_status ? " or " : ", "),
                              j->ep->expect_status[i]);
}

/* A fetch's body bound: its own, else limits.crl_max_bytes, else 32 MiB. */
static size_t fetch_max(const job *j)
{
    if (j->f->max_bytes > 0)
        return j->f->max_bytes;
    return j->e->cfg->limits.crl_max_bytes > 0 ? j->e->cfg->limits.crl_max_bytes : (size_t)32 << 20;
}

/* The head is complete: a probe is judged on its status; a fetch goes on with the body. */
static void http_head_done(job *j)
{
    tp_result *r = j->r;
    r->http_status = j->head.status;
    if (j->absolute && j->head.status == 407) {
        /* only a proxy answers 407: the proxy, not the endpoint, refused us */
        r->proxy_status = 407;
        for (size_t i = 0; i < j->head.proxy_authenticate.n; i++)
            if (tp_strlist_add(&r->proxy_auth_schemes, j->head.proxy_authenticate.v[i]) != 0)
                break;
        job_fail(j, TP_OC_PROXY_AUTH_REQUIRED, "proxy %s requires authentication (407)", j->proxy_hp);
        return;
    }
    if (j->f) {
        if (j->head.status < 200 || j->head.status > 299) {
            job_fail(j, TP_OC_HTTP_STATUS, "HTTP %d", j->head.status);
            return;
        }
        bool is_head = strcmp(j->method, "HEAD") == 0;
        if (!is_head && j->head.content_length >= 0 && (unsigned long long)j->head.content_length > fetch_max(j)) {
            /* announced too large: fail on the head, without reading (or waiting for) a byte */
            job_fail(j, TP_OC_FETCH_TOO_LARGE, "the body (Content-Length %lld) is larger than %zu bytes",
                     j->head.content_length, fetch_max(j));
            return;
        }
        tp_http_body_init(&j->body, &j->head, is_head, fetch_max(j), true);
        j->body_on = true;
        return;
    }
    r->http_status_ok = status_expected(j, j->head.status);
    if (!r->http_status_ok) {
        char exp[128];
        expected_text(j, exp, sizeof exp);
        job_fail(j, TP_OC_HTTP_STATUS, "HTTP %d, expected %s", j->head.status, exp);
        return;
    }
    end_phase(j);
    job_finish(j, TP_OC_NONE, NULL);
}

static void http_body_bytes(job *j, const uint8_t *data, size_t len)
{
    size_t used = 0;
    int rc = tp_http_body_feed(&j->body, data, len, &used);
    if (rc == TP_HP_DONE) {
        end_phase(j);
        job_finish(j, TP_OC_NONE, NULL);
    } else if (rc == TP_HP_TOO_LARGE) {
        job_fail(j, TP_OC_FETCH_TOO_LARGE, "the body is larger than %zu bytes", fetch_max(j));
    } else if (rc == TP_HP_MALFORMED) {
        job_fail(j, TP_OC_HTTP_MALFORMED, "malformed chunked body");
    } else if (rc == TP_HP_NOMEM) {
        job_fail(j, TP_OC_HTTP_ERROR, "out of memory");
    }
}

/* Feeds the response head. Returns true when it is complete (data/len advanced past it),
 * false when more bytes are needed or the probe ended. Interim 1xx answers (100 Continue,
 * 103 Early Hints) are skipped, at most TP_MAX_INTERIM of them. */
#define TP_MAX_INTERIM 8
static bool http_head_bytes(job *j, const uint8_t **data, size_t *len)
{
    for (;;) {
        size_t used = 0;
        int rc = tp_http_head_feed(&j->head, *data, *len, &used);
        if (rc == TP_HP_MORE)
            return false;
        if (rc == TP_HP_MALFORMED) {
            job_fail(j, TP_OC_HTTP_MALFORMED, "the server's answer is not HTTP/1.x");
            return false;
        }
        if (rc == TP_HP_TOO_LARGE) {
            job_fail(j, TP_OC_HTTP_TOO_LARGE, "the HTTP response head exceeds %zu bytes", j->head.max_head);
            return false;
        }
        if (rc != TP_HP_DONE) {
            job_fail(j, TP_OC_HTTP_ERROR, "out of memory");
            return false;
        }
        *data += used;
        *len -= used;
        int st = j->head.status;
        if (st < 100 || st > 199 || st == 101)
            return true;
        if (++j->interim > TP_MAX_INTERIM) {
            job_fail(j, TP_OC_HTTP_MALFORMED, "more than %d interim 1xx answers", TP_MAX_INTERIM);
            return false;
        }
        tp_http_head_free(&j->head);
        tp_http_head_init(&j->head, j->e->cfg->limits.header_max_bytes);
    }
}

/* Plaintext from the server (after TLS, or on a plain connection). */
static void http_bytes(job *j, const uint8_t *data, size_t len)
{
    if (j->phase != TP_PH_HTTP || j->finished)
        return;
    j->got_bytes = true;
    if (!j->head_done) {
        if (!http_head_bytes(j, &data, &len))
            return;
        j->head_done = true;
        http_head_done(j);
    }
    /* also with no byte left: an empty body (Content-Length: 0) is complete on the head,
     * the fetch must not wait for the close or the deadline */
    if (!j->finished && j->body_on)
        http_body_bytes(j, data, len);
}

static void http_eof(job *j, bool reset)
{
    if (j->finished)
        return;
    if (j->body_on) {
        /* a reset never ends a close-delimited body: the rest was lost, not absent */
        if (!reset && tp_http_body_eof(&j->body) == TP_HP_DONE) {
            end_phase(j);
            job_finish(j, TP_OC_NONE, NULL);
        } else {
            job_fail(j, TP_OC_HTTP_CLOSED, "the server %s the connection before the body was complete",
                     reset ? "reset" : "closed");
        }
        return;
    }
    if (!j->got_bytes)
        job_fail(j, TP_OC_HTTP_CLOSED, "the server %s the connection without an HTTP answer", reset ? "reset" : "closed");
    else
        job_fail(j, TP_OC_HTTP_CLOSED, "the server %s the connection in the middle of the HTTP head",
                 reset ? "reset" : "closed");
}

/* Pulls every available plaintext record out of the TLS session. */
static void tls_pump(job *j)
{
    while (!j->finished && j->tls_on) {
        int n = tp_tls_read(&j->tlsc, j->e->pbuf, sizeof j->e->pbuf);
        (void)tls_flush(j); /* an alert or a renegotiation refusal written while reading */
        if (n == -TP_TLS_AGAIN)
            return;
        if (n == 0) {
            http_eof(j, false);
            return;
        }
        if (n < 0) {
            tp_outcome code;
            char msg[256];
            tp_tls_classify(&j->tlsc, n, &code, msg, sizeof msg);
            if (code == TP_OC_TLS_CLOSED)
                http_eof(j, false);
            else
                job_fail(j, code, "%s (after the handshake)", msg);
            return;
        }
        http_bytes(j, j->e->pbuf, (size_t)n);
    }
}

static void http_start(job *j)
{
    const char *user = j->absolute ? j->path->username : NULL;
    const char *pass = j->absolute ? j->path->password : NULL;
    set_phase(j, TP_PH_HTTP, j->lim_http);
    char *req = tp_http_request(j->method, j->scheme, j->host, j->port, j->reqpath, j->absolute, user, pass);
    if (!req) {
        job_fail(j, TP_OC_HTTP_ERROR, "cannot build the HTTP request for %s (bad host or path)", j->host);
        return;
    }
    size_t len = strlen(req);
    tp_http_head_init(&j->head, j->e->cfg->limits.header_max_bytes);
    j->head_on = true;
    int rc;
    if (j->tls)
        rc = tp_tls_write(&j->tlsc, (const uint8_t *)req, len) == 0 ? tls_flush(j) : -1;
    else
        rc = conn_write(j, (const uint8_t *)req, len);
    tp_secret_free_n(req, len); /* may hold proxy credentials */
    if (rc != 0) {
        job_fail(j, TP_OC_HTTP_ERROR, "cannot send the HTTP request");
        return;
    }
    if (j->tls)
        tls_pump(j); /* the answer may already be in the TLS buffer */
}

/* ---------- phase: tls ---------- */

/* Paths without CA files of their own share one store (the system bundle is parsed once). */
static const tp_path *store_key(const tp_path *p)
{
    return p && p->ca_files.n > 0 ? p : NULL;
}

static const tp_castore *store_for(const engine *e, const tp_path *p)
{
    const tp_path *key = store_key(p);
    for (size_t i = 0; i < e->n_stores; i++)
        if (e->stores[i]->path == key)
            return &e->stores[i]->store;
    return NULL;
}

static void tls_drive(job *j)
{
    int ret = tp_tls_handshake(&j->tlsc);
    if (tls_flush(j) != 0 && ret == TP_TLS_AGAIN) {
        job_fail(j, TP_OC_TLS_ERROR, "cannot send TLS data (out of memory)");
        return;
    }
    if (ret == TP_TLS_AGAIN)
        return;
    if (ret != 0) {
        tp_outcome code;
        char msg[256];
        tp_tls_classify(&j->tlsc, ret, &code, msg, sizeof msg);
        if (j->peer_reset && code == TP_OC_TLS_CLOSED)
            job_fail(j, TP_OC_TLS_RESET, "the peer reset the connection during the TLS handshake");
        else
            job_fail(j, code, "%s", msg);
        return;
    }
    if (tp_tls_facts(&j->tlsc, j->r) != 0) {
        job_fail(j, TP_OC_TLS_ERROR, "out of memory recording the certificate chain");
        return;
    }
    end_phase(j);
    http_start(j);
}

static void tls_start(job *j, const uint8_t *early, size_t early_len)
{
    set_phase(j, TP_PH_TLS, j->lim_tls);
    const tp_castore *st = store_for(j->e, j->path);
    if (!st) {
        job_fail(j, TP_OC_TLS_ERROR, "no trust store for path %s", j->path->id);
        return;
    }
    j->tls_on = true;
    int ret = tp_tls_init(&j->tlsc, &st->conf, j->host, tls_send, j);
    if (ret != 0) {
        job_fail(j, TP_OC_TLS_ERROR, "TLS session setup failed (-0x%04x)", (unsigned)-ret);
        return;
    }
    if (early_len > 0 && tp_tls_feed(&j->tlsc, early, early_len) != 0) {
        job_fail(j, TP_OC_TLS_ERROR, "out of memory");
        return;
    }
    tls_drive(j);
}

static void tls_bytes(job *j, const uint8_t *data, size_t len)
{
    if (tp_tls_feed(&j->tlsc, data, len) != 0) {
        job_fail(j, TP_OC_TLS_ERROR, "too much unprocessed TLS data from the peer");
        return;
    }
    if (j->phase == TP_PH_TLS)
        tls_drive(j);
    else
        tls_pump(j);
}

static void tls_eof(job *j, bool reset)
{
    j->peer_reset = reset;
    tp_tls_eof(&j->tlsc);
    if (j->phase == TP_PH_HTTP) {
        tls_pump(j); /* consume what is left, then the EOF */
        if (!j->finished)
            http_eof(j, reset);
        return;
    }
    /* give mbedTLS what arrived before the close: garbage then close is "not TLS" */
    tls_drive(j);
    if (j->finished)
        return;
    if (reset)
        job_fail(j, TP_OC_TLS_RESET, "the peer reset the connection during the TLS handshake");
    else
        job_fail(j, TP_OC_TLS_CLOSED, "the peer closed the connection during the TLS handshake");
}

/* ---------- phase: proxy (HTTP CONNECT) ---------- */

static tp_outcome proxy_code(int st)
{
    switch (st) {
    case 407: return TP_OC_PROXY_AUTH_REQUIRED;
    case 403: return TP_OC_PROXY_DENIED;
    case 502: return TP_OC_PROXY_BAD_GATEWAY;
    case 503: return TP_OC_PROXY_UNAVAILABLE;
    case 504: return TP_OC_PROXY_GATEWAY_TIMEOUT;
    case 500: return TP_OC_PROXY_ERROR;
    default: return TP_OC_PROXY_STATUS;
    }
}

static void proxy_start(job *j)
{
    set_phase(j, TP_PH_PROXY, j->lim_proxy);
    char *req = tp_http_connect_request(j->host, j->port, j->path->username, j->path->password);
    if (!req) {
        job_fail(j, TP_OC_PROXY_ERROR, "cannot build the CONNECT request for %s:%d", j->host, j->port);
        return;
    }
    size_t len = strlen(req);
    int rc = conn_write(j, (const uint8_t *)req, len);
    tp_secret_free_n(req, len); /* may hold proxy credentials */
    if (rc != 0) {
        job_fail(j, TP_OC_PROXY_ERROR, "cannot send the CONNECT request to proxy %s", j->proxy_hp);
        return;
    }
    tp_http_head_init(&j->head, j->e->cfg->limits.header_max_bytes);
    j->head_on = true;
}

static void proxy_bytes(job *j, const uint8_t *data, size_t len)
{
    tp_result *r = j->r;
    const char *ph = j->proxy_hp;
    size_t used = 0;
    j->got_bytes = true;
    int rc = tp_http_head_feed(&j->head, data, len, &used);
    if (rc == TP_HP_MORE)
        return;
    if (rc == TP_HP_MALFORMED) {
        job_fail(j, TP_OC_PROXY_MALFORMED, "proxy %s answered CONNECT with something that is not HTTP", ph);
        return;
    }
    if (rc == TP_HP_TOO_LARGE) {
        job_fail(j, TP_OC_PROXY_HEADER_TOO_LARGE, "proxy %s sent a CONNECT reply head above %zu bytes", ph,
                 j->head.max_head);
        return;
    }
    if (rc != TP_HP_DONE) {
        job_fail(j, TP_OC_PROXY_ERROR, "out of memory");
        return;
    }
    int st = j->head.status;
    r->proxy_status = st;
    if (st < 200 || st > 299) {
        if (st == 407)
            for (size_t i = 0; i < j->head.proxy_authenticate.n; i++)
                if (tp_strlist_add(&r->proxy_auth_schemes, j->head.proxy_authenticate.v[i]) != 0)
                    break;
        job_fail(j, proxy_code(st), "proxy %s answered CONNECT %s:%d with %d %s", ph, j->host, j->port, st,
                 j->head.reason ? j->head.reason : "");
        return;
    }
    tp_http_head_free(&j->head);
    j->head_on = false;
    j->got_bytes = false;
    end_phase(j);
    /* bytes after the blank line are the server's first TLS bytes: hand them over */
    if (j->tls)
        tls_start(j, data + used, len - used);
    else
        http_start(j); /* CONNECT tunnel to a plain port (not used for http://, kept safe) */
}

static void proxy_eof(job *j, bool reset)
{
    job_fail(j, TP_OC_PROXY_CLOSED, "proxy %s %s the connection %s", j->proxy_hp,
             reset ? "reset" : "closed", j->got_bytes ? "in the middle of its CONNECT reply" : "before answering CONNECT");
}

/* ---------- reading ---------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    conn *c = h->data;
    engine *e = c->e;
    if (!c->j || e->rbuf_busy) {
        *buf = uv_buf_init(NULL, 0); /* libuv reports UV_ENOBUFS; cannot happen in one thread */
        return;
    }
    e->rbuf_busy = true;
    *buf = uv_buf_init((char *)e->rbuf, sizeof e->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    job *j = c->j;
    if (buf->base == (char *)c->e->rbuf)
        c->e->rbuf_busy = false;
    if (!j || j->finished || nread == 0)
        return;
    if (nread < 0) {
        bool reset = nread != UV_EOF;
        uv_read_stop(s);
        switch (j->phase) {
        case TP_PH_PROXY: proxy_eof(j, reset); break;
        case TP_PH_TLS: tls_eof(j, reset); break;
        case TP_PH_HTTP:
            if (j->tls)
                tls_eof(j, reset);
            else
                http_eof(j, reset);
            break;
        default: break;
        }
        return;
    }
    const uint8_t *data = (const uint8_t *)buf->base;
    switch (j->phase) {
    case TP_PH_PROXY: proxy_bytes(j, data, (size_t)nread); break;
    case TP_PH_TLS: tls_bytes(j, data, (size_t)nread); break;
    case TP_PH_HTTP:
        if (j->tls)
            tls_bytes(j, data, (size_t)nread);
        else
            http_bytes(j, data, (size_t)nread);
        break;
    default: break;
    }
}

/* ---------- phase: connect ---------- */

static tp_outcome connect_code(int err)
{
    switch (err) {
    case UV_ECONNREFUSED: return TP_OC_CONNECT_REFUSED;
    case UV_ETIMEDOUT: return TP_OC_CONNECT_TIMEOUT;
    case UV_EHOSTUNREACH:
    case UV_ENETUNREACH: return TP_OC_CONNECT_UNREACHABLE;
    default: return TP_OC_CONNECT_ERROR;
    }
}

static void connect_next(job *j);

static void connect_failed(job *j, const char *addr, int err)
{
    char hp[128];
    hostport(hp, sizeof hp, addr, j->conn_port);
    free(j->conn_msg);
    j->conn_code = connect_code(err);
    if (j->via_proxy)
        j->conn_msg = tp_asprintf("proxy %s (%s): %s", j->proxy_hp, hp,
                                  uv_strerror(err));
    else
        j->conn_msg = tp_asprintf("connect to %s: %s", hp, uv_strerror(err));
    conn_drop(j);
    j->addr_i++;
    connect_next(j);
}

static void connected(job *j)
{
    tp_result *r = j->r;
    char hp[128];
    hostport(hp, sizeof hp, j->addrs.v[j->addr_i], j->conn_port);
    free(r->connected_address);
    r->connected_address = tp_strdup(hp);
    end_phase(j);
    /* mbedTLS sends a flight as several small records: with Nagle on, the second waits
     * for the peer's (delayed) ACK of the first, adding ~40 ms to every handshake. */
    (void)uv_tcp_nodelay(&j->c->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&j->c->tcp, on_alloc, on_read);
    if (rc != 0) {
        job_fail(j, TP_OC_CONNECT_ERROR, "cannot read from %s: %s", hp, uv_strerror(rc));
        return;
    }
    if (j->via_proxy && !j->absolute)
        proxy_start(j);
    else if (j->tls)
        tls_start(j, NULL, 0);
    else
        http_start(j);
}

static void on_connect(uv_connect_t *req, int status)
{
    conn *c = req->data;
    job *j = c->j;
    if (!j || status == UV_ECANCELED)
        return;
    if (status < 0)
        connect_failed(j, j->addrs.v[j->addr_i], status);
    else
        connected(j);
}

static int make_sockaddr(const char *ip, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (strchr(ip, ':'))
        return uv_ip6_addr(ip, port, (struct sockaddr_in6 *)ss);
    return uv_ip4_addr(ip, port, (struct sockaddr_in *)ss);
}

/* Tries the next resolved address; fails with the last error once none is left. */
static void connect_next(job *j)
{
    if (j->addr_i >= j->addrs.n) {
        char *msg = j->conn_msg ? j->conn_msg : tp_strdup("no address to connect to");
        j->conn_msg = NULL;
        job_finish(j, j->conn_code != TP_OC_NONE ? j->conn_code : TP_OC_CONNECT_ERROR, msg);
        return;
    }
    const char *ip = j->addrs.v[j->addr_i];
    struct sockaddr_storage ss;
    int rc = make_sockaddr(ip, j->conn_port, &ss);
    if (rc != 0) {
        connect_failed(j, ip, rc);
        return;
    }
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        job_fail(j, TP_OC_CONNECT_ERROR, "out of memory");
        return;
    }
    rc = uv_tcp_init(&j->e->loop, &c->tcp);
    if (rc != 0) {
        free(c);
        job_fail(j, TP_OC_CONNECT_ERROR, "cannot create a socket: %s", uv_strerror(rc));
        return;
    }
    c->j = j;
    c->e = j->e;
    c->tcp.data = c;
    c->creq.data = c;
    j->c = c;
    /* Share what is left of the phase among the addresses left, so that a black-holed first
     * address (an AAAA without a working IPv6 route) cannot eat the whole deadline. */
    double left = (double)j->lim_connect - elapsed_ms(j->t_phase);
    double slice = left > 1 ? left / (double)(j->addrs.n - j->addr_i) : 1;
    uv_timer_start(&j->phase_timer, on_phase_timeout, (uint64_t)slice + 1, 0);
    rc = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&ss, on_connect);
    if (rc != 0)
        connect_failed(j, ip, rc);
}

static void connect_start(job *j)
{
    set_phase(j, TP_PH_CONNECT, j->lim_connect);
    j->addr_i = 0;
    connect_next(j);
}

/* ---------- phase: dns ---------- */

static void dns_answer(job *j, const tp_dns_answer *a)
{
    tp_result *r = j->r;
    end_phase(j);
    if (a->code != TP_OC_NONE) {
        if (j->via_proxy)
            job_fail(j, a->code, "proxy host %s: %s", j->conn_host, a->message ? a->message : tp_outcome_name(a->code));
        else
            job_fail(j, a->code, "%s: %s", j->conn_host, a->message ? a->message : tp_outcome_name(a->code));
        return;
    }
    if (tp_strlist_copy(&j->addrs, &a->addresses) != 0) {
        job_fail(j, TP_OC_DNS_ERROR, "out of memory");
        return;
    }
    if (!j->via_proxy) {
        /* the endpoint's own facts; a proxy's addresses are not the endpoint's */
        tp_strlist_free(&r->addresses);
        tp_strlist_free(&r->cnames);
        if (tp_strlist_copy(&r->addresses, &a->addresses) != 0 || tp_strlist_copy(&r->cnames, &a->cnames) != 0) {
            job_fail(j, TP_OC_DNS_ERROR, "out of memory");
            return;
        }
    }
    connect_start(j);
}

static void on_dns(tp_dns_wait *w, const tp_dns_answer *a)
{
    job *j = (job *)((char *)w - offsetof(job, dw));
    dns_answer(j, a);
}

static void dns_start(job *j)
{
    tp_result *r = j->r;
    set_phase(j, TP_PH_DNS, j->lim_dns);
    if (tp_is_ip_literal(j->conn_host)) {
        /* nothing to resolve: the DNS phase takes no time */
        end_phase(j);
        r->t.dns = 0;
        if (tp_strlist_add(&j->addrs, j->conn_host) != 0 ||
            (!j->via_proxy && tp_strlist_add(&r->addresses, j->conn_host) != 0)) {
            job_fail(j, TP_OC_DNS_ERROR, "out of memory");
            return;
        }
        connect_start(j);
        return;
    }
    free(r->resolver);
    r->resolver = tp_strdup(tp_resolver_name(j->e->res));
    j->dw.cb = on_dns;
    const tp_dns_answer *a = tp_resolver_lookup(j->e->res, j->conn_host, &j->dw);
    if (a)
        dns_answer(j, a);
}

/* ---------- a probe's life ---------- */

static void attempt_start(job *j)
{
    j->via_proxy = j->path && j->path->type == TP_PATH_HTTP && j->path->proxy_host;
    /* http:// through a proxy: no tunnel, an absolute-form GET to the proxy */
    j->absolute = j->via_proxy && !j->tls;
    j->conn_host = j->via_proxy ? j->path->proxy_host : j->host;
    j->proxy_hp[0] = '\0';
    if (j->via_proxy)
        hostport(j->proxy_hp, sizeof j->proxy_hp, j->path->proxy_host, j->path->proxy_port);
    j->conn_port = j->via_proxy ? j->path->proxy_port : j->port;
    dns_start(j);
}

/* Did this failure happen because the proxy itself cannot be reached? */
static bool proxy_unreachable(const job *j, tp_outcome code)
{
    if (!j->via_proxy || j->fell_back || !j->path->fallback)
        return false;
    /* the table's "unreachable" column: a DNS failure for the proxy's name, or a TCP
     * connection to it refused, dropped or without a route (core/outcome.def) */
    const tp_outcome_info *in = tp_outcome_info_of(code);
    return in->unreachable && in->phase == (int)j->phase;
}

static const tp_path *find_fallback(const tp_config *cfg, const char *id)
{
    const tp_path *p = tp_config_find_path(cfg, id);
    if (!p && id && strcmp(id, "direct") == 0)
        p = &builtin_direct;
    return p;
}

/* Reruns the probe through the path's fallback (one level: a fallback's own fallback is not
 * followed, so a cycle cannot loop). Returns true when the rerun started. */
static bool try_fallback(job *j, tp_outcome code)
{
    const tp_path *fb = find_fallback(j->e->cfg, j->path->fallback);
    if (!fb || fb == j->path)
        return false;
    if (j->tls && !store_for(j->e, fb))
        return false;
    free(j->fallback_note);
    j->fallback_note = tp_asprintf("proxy %s unreachable (%s); fell back to %s", j->proxy_hp,
                                   tp_outcome_name(code), fb->id);
    attempt_teardown(j);
    reset_timings(j->r, true);
    j->r->proxy_status = 0;
    j->fell_back = true;
    j->path = fb;
    j->r->used_path = fb;
    attempt_start(j);
    return true;
}

static void on_timer_closed(uv_handle_t *h);

/* Every path out of a probe ends here exactly once (later calls are ignored). code TP_OC_NONE
 * means success; msg is owned (may be NULL). */
static void job_finish(job *j, tp_outcome code, char *msg)
{
    if (j->finished) {
        free(msg);
        return;
    }
    if (code != TP_OC_NONE && !j->e->sig_caught && proxy_unreachable(j, code)) {
        double *slot = phase_slot(j->r, j->phase);
        if (slot && *slot < 0)
            *slot = elapsed_ms(j->t_phase);
        uv_timer_stop(&j->phase_timer);
        if (try_fallback(j, code)) {
            free(msg);
            return;
        }
    }
    j->finished = true;
    tp_result *r = j->r;
    double *slot = phase_slot(r, j->phase);
    if (code != TP_OC_NONE && slot && *slot < 0)
        *slot = elapsed_ms(j->t_phase);
    r->t.total = elapsed_ms(j->t_start);
    /* an interrupted probe did not fail: it was not allowed to finish */
    r->status = code == TP_OC_NONE ? TP_ST_OK : code == TP_OC_CANCELLED ? TP_ST_SKIPPED : TP_ST_FAIL;
    r->phase = code != TP_OC_NONE ? j->phase : TP_PH_DONE;
    free(r->error_message);
    r->error_code = code;
    if (j->fallback_note && msg) {
        r->error_message = tp_asprintf("%s [%s]", msg, j->fallback_note);
        free(msg);
    } else if (j->fallback_note) {
        r->error_message = tp_strdup(j->fallback_note);
        free(msg);
    } else {
        r->error_message = msg;
    }
    if (j->f && code == TP_OC_NONE && j->body_on) {
        /* hand the kept body to the fetch */
        j->f->body = j->body.data;
        j->f->body_len = j->body.len;
        j->body.data = NULL;
        j->body.len = 0;
    }
    attempt_teardown(j);
    uv_timer_stop(&j->phase_timer);
    uv_timer_stop(&j->total_timer);
    uv_close((uv_handle_t *)&j->phase_timer, on_timer_closed);
    uv_close((uv_handle_t *)&j->total_timer, on_timer_closed);
}

static tp_outcome timeout_code(tp_phase p)
{
    switch (p) {
    case TP_PH_DNS: return TP_OC_DNS_TIMEOUT;
    case TP_PH_CONNECT: return TP_OC_CONNECT_TIMEOUT;
    default: return TP_OC_TIMEOUT;
    }
}

static int phase_limit(const job *j)
{
    switch (j->phase) {
    case TP_PH_DNS: return j->lim_dns;
    case TP_PH_CONNECT: return j->lim_connect;
    case TP_PH_PROXY: return j->lim_proxy;
    case TP_PH_TLS: return j->lim_tls;
    default: return j->lim_http;
    }
}

static void on_phase_timeout(uv_timer_t *t)
{
    job *j = t->data;
    if (j->phase == TP_PH_CONNECT && j->addr_i + 1 < j->addrs.n) {
        /* this address's share of the connect deadline is over: try the next one */
        connect_failed(j, j->addrs.v[j->addr_i], UV_ETIMEDOUT);
        return;
    }
    if (j->via_proxy && j->phase == TP_PH_CONNECT)
        job_fail(j, timeout_code(j->phase), "proxy %s: no connection within %d ms", j->proxy_hp, phase_limit(j));
    else if (j->phase == TP_PH_PROXY)
        job_fail(j, timeout_code(j->phase), "proxy %s: no complete CONNECT reply within %d ms",
                 j->proxy_hp, phase_limit(j));
    else
        job_fail(j, timeout_code(j->phase), "%s phase deadline of %d ms reached", tp_phase_name(j->phase),
                 phase_limit(j));
}

static void on_total_timeout(uv_timer_t *t)
{
    job *j = t->data;
    /* The probe's whole deadline fired. Only when the current phase had used its own full
     * allowance is it that phase's failure (dns_timeout, connect_timeout: the network's
     * doing); otherwise the probe ran out of time ("timeout"), which blames nothing on
     * the path — a tiny --timeout must not read as a dropped connection. */
    tp_outcome code = elapsed_ms(j->t_phase) + 1.0 >= (double)phase_limit(j) ? timeout_code(j->phase) : TP_OC_TIMEOUT;
    job_fail(j, code, "total deadline of %d ms reached in phase %s", j->lim_total, tp_phase_name(j->phase));
}

static void engine_schedule(engine *e);

static void fetch_complete(job *j)
{
    tp_fetch *f = j->f;
    f->http_status = j->r->http_status;
    f->error_code = j->r->error_code;
    f->error_message = j->r->error_message;
    j->r->error_code = TP_OC_NONE;
    j->r->error_message = NULL;
    f->ms = j->r->t.total;
    tp_result_free(&j->own);
}

static void job_free(job *j)
{
    free(j->url_scheme);
    free(j->url_host);
    free(j->url_path);
    free(j->fallback_note);
    free(j);
}

static void on_timer_closed(uv_handle_t *h)
{
    job *j = h->data;
    if (--j->timers_open > 0)
        return;
    engine *e = j->e;
    bool failed = j->r->status == TP_ST_FAIL;
    if (j->f)
        fetch_complete(j);
    if (j->prev)
        j->prev->next = j->next;
    else
        e->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    job_free(j);
    e->inflight--;
    e->done++;
    if (failed)
        e->failed++;
    if (e->progress)
        e->progress(e->ud, e->done, e->n, e->failed);
    engine_schedule(e);
}

static void job_limits(job *j, const tp_limits *l, int cap)
{
    j->lim_dns = lim(l->dns_ms, 5000);
    j->lim_connect = lim(l->connect_ms, 5000);
    j->lim_proxy = lim(l->proxy_ms, 5000);
    j->lim_tls = lim(l->tls_ms, 10000);
    j->lim_http = lim(l->http_ms, 10000);
    j->lim_total = lim(l->total_ms, 30000);
    if (cap > 0) {
        /* a fetch lives within crl_ms: every phase and the whole */
        j->lim_dns = j->lim_dns < cap ? j->lim_dns : cap;
        j->lim_connect = j->lim_connect < cap ? j->lim_connect : cap;
        j->lim_proxy = j->lim_proxy < cap ? j->lim_proxy : cap;
        j->lim_http = cap;
        j->lim_total = cap;
    }
}

static void job_start_common(engine *e, job *j)
{
    j->e = e;
    uv_timer_init(&e->loop, &j->phase_timer);
    uv_timer_init(&e->loop, &j->total_timer);
    j->phase_timer.data = j->total_timer.data = j;
    j->timers_open = 2;
    j->t_start = uv_hrtime();
    uv_timer_start(&j->total_timer, on_total_timeout, (uint64_t)j->lim_total, 0);
    e->inflight++;
    j->prev = NULL;
    j->next = e->jobs;
    if (e->jobs)
        e->jobs->prev = j;
    e->jobs = j;
}

static void probe_begin(engine *e, tp_result *r)
{
    job *j = r->ep ? calloc(1, sizeof *j) : NULL;
    if (!j) {
        /* cannot even track it: record the failure and count it done */
        r->status = TP_ST_FAIL;
        r->error_code = TP_OC_ENGINE_ERROR;
        r->error_message = tp_strdup(r->ep ? "out of memory" : "no endpoint in this result");
        e->done++;
        e->failed++;
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
    j->path = r->path ? r->path : &builtin_direct;
    r->used_path = r->path;
    job_limits(j, &e->cfg->limits, 0);
    job_start_common(e, j);
    attempt_start(j);
}

/* http://host[:port][/path] -> parts (base/url.h: the one URL parser). 0 or -1. */
static int parse_http_url(const char *url, char **host, int *port, char **path)
{
    char *scheme = NULL;
    if (tp_url_parse(url, &scheme, host, port, path) != 0)
        return -1;
    bool http = strcmp(scheme, "http") == 0;
    free(scheme);
    if (!http) {
        free(*host);
        free(*path);
        *host = *path = NULL;
        return -1;
    }
    return 0;
}

static void fetch_begin(engine *e, tp_fetch *f)
{
    job *j = calloc(1, sizeof *j);
    if (!j) {
        f->error_code = TP_OC_ENGINE_ERROR;
        f->error_message = tp_strdup("out of memory");
        e->done++;
        e->failed++;
        return;
    }
    j->f = f;
    j->r = &j->own;
    reset_timings(j->r, false);
    if (parse_http_url(f->url, &j->url_host, &j->port, &j->url_path) != 0) {
        f->error_code = TP_OC_FETCH_BAD_URL;
        f->error_message = tp_strdup("not a plain http:// URL with a host");
        job_free(j);
        e->done++;
        e->failed++;
        return;
    }
    j->scheme = "http";
    j->tls = false;
    j->host = j->url_host;
    j->reqpath = j->url_path;
    j->method = "GET";
    j->path = f->path ? f->path : &builtin_direct;
    j->r->path = j->r->used_path = j->path;
    job_limits(j, &e->cfg->limits, lim(e->cfg->limits.crl_ms, 10000));
    job_start_common(e, j);
    attempt_start(j);
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

static void engine_schedule(engine *e)
{
    size_t cap = e->cap;
    while (!e->sig_caught && e->inflight < cap && e->next < e->n) {
        size_t i = e->next++;
        if (e->results)
            probe_begin(e, &e->results[i]);
        else
            fetch_begin(e, &e->fetches[i]);
    }
    if (e->done == e->n && e->res) {
        tp_resolver_close(e->res);
        e->res = NULL;
    }
}

/* ---------- interruption (SIGINT / SIGTERM) ---------- */

/* Set once a watched signal reached a run in this process; never cleared. */
static volatile sig_atomic_t g_interrupted;

bool tp_engine_interrupted(void)
{
    return g_interrupted != 0;
}

static const int watched_signals[2] = {SIGINT, SIGTERM};

static const char *signal_name(int signum)
{
    return signum == SIGTERM ? "SIGTERM" : "SIGINT";
}

/* Ends a probe or fetch that never started as "cancelled" (status skipped, phase dns). */
static void cancel_unstarted(engine *e, size_t i)
{
    const char *sn = signal_name(e->sig_caught);
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
    *msg = tp_asprintf("interrupted by %s in phase dns (not started)", sn);
    e->done++;
    if (e->progress)
        e->progress(e->ud, e->done, e->n, e->failed);
}

/* The first SIGINT / SIGTERM: stop watching (the default action is back, so a second
 * signal kills as usual), end every job in flight where it stands and every job not yet
 * started, and let the loop wind down; completed jobs keep their results. */
static void on_signal(uv_signal_t *h, int signum)
{
    engine *e = h->data;
    g_interrupted = 1;
    for (size_t i = 0; i < 2; i++)
        if (e->sig_on[i])
            uv_signal_stop(&e->sig[i]);
    if (e->sig_caught)
        return;
    e->sig_caught = signum;
    const char *sn = signal_name(signum);
    for (job *j = e->jobs; j; j = j->next)
        if (!j->finished)
            job_fail(j, TP_OC_CANCELLED, "interrupted by %s in phase %s", sn, tp_phase_name(j->phase));
    while (e->next < e->n)
        cancel_unstarted(e, e->next++);
    engine_schedule(e); /* closes the resolver once nothing is left */
}

/* Watches SIGINT and SIGTERM on the engine's loop while its jobs run. A signal whose
 * disposition is not the default (ignored under nohup, or the program's own handler) is
 * left alone. The handles are unreferenced: they never keep the loop alive. One-shot:
 * libuv installs them with SA_RESETHAND, so the default action is back at once. */
static void signals_start(engine *e)
{
    for (size_t i = 0; i < 2; i++) {
        struct sigaction sa;
        if (sigaction(watched_signals[i], NULL, &sa) != 0 || sa.sa_handler != SIG_DFL)
            continue;
        if (uv_signal_init(&e->loop, &e->sig[i]) != 0)
            continue;
        e->sig[i].data = e;
        e->sig_on[i] = true; /* initialised: closed in engine_finish whatever happens */
        if (uv_signal_start_oneshot(&e->sig[i], on_signal, watched_signals[i]) == 0)
            uv_unref((uv_handle_t *)&e->sig[i]);
    }
}

/* Closes the signal handles (libuv puts the default disposition back). A signal that
 * arrived while the last jobs ended is taken first, so it is not lost. */
static void signals_stop(engine *e)
{
    if (!e->sig_on[0] && !e->sig_on[1])
        return;
    if (!e->sig_caught)
        uv_run(&e->loop, UV_RUN_NOWAIT);
    for (size_t i = 0; i < 2; i++)
        if (e->sig_on[i]) {
            uv_close((uv_handle_t *)&e->sig[i], NULL);
            e->sig_on[i] = false;
        }
}

/* ---------- engine setup ---------- */

static int add_store(engine *e, const tp_path *p, char *err, size_t errlen)
{
    if (store_for(e, p))
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
    if (tp_castore_init(&st->store, e->cfg, store_key(p), &e->drbg, sub, sizeof sub) != 0) {
        snprintf(err, errlen, "path %s: %s", p && p->id ? p->id : "direct", sub);
        free(st);
        return -1;
    }
    st->path = store_key(p);
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

static int engine_init(engine *e, const tp_config *cfg, bool need_tls, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    ignore_sigpipe();
    e->cfg = cfg;
    mbedtls_entropy_init(&e->entropy);
    mbedtls_ctr_drbg_init(&e->drbg);
    int rc = uv_loop_init(&e->loop);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create the event loop: %s", uv_strerror(rc));
        return -1;
    }
    e->loop_ok = true;
    if (need_tls) {
        static const unsigned char pers[] = "tlspath-engine";
        rc = mbedtls_ctr_drbg_seed(&e->drbg, mbedtls_entropy_func, &e->entropy, pers, sizeof pers - 1);
        if (rc != 0) {
            snprintf(err, errlen, "cannot seed the random generator (-0x%04x)", (unsigned)-rc);
            return -1;
        }
    }
    int dns_ms = lim(cfg->limits.dns_ms, 5000);
    return tp_resolver_new(&e->loop, &cfg->resolvers, dns_ms, &e->res, err, errlen);
}

/* Runs the loop until every job and handle is gone, then closes it. */
static int engine_finish(engine *e, char *err, size_t errlen)
{
    int rc = 0;
    if (e->loop_ok) {
        signals_stop(e);
        if (e->res) {
            tp_resolver_close(e->res);
            e->res = NULL;
        }
        uv_run(&e->loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&e->loop) != 0) {
            snprintf(err, errlen, "internal error: handles left open on the event loop");
            rc = -1;
        }
    }
    for (size_t i = 0; i < e->n_stores; i++) {
        tp_castore_free(&e->stores[i]->store);
        free(e->stores[i]);
    }
    free(e->stores);
    mbedtls_ctr_drbg_free(&e->drbg);
    mbedtls_entropy_free(&e->entropy);
    return rc;
}

static int engine_run_jobs(engine *e)
{
    size_t want = e->cfg->limits.concurrency > 0 ? (size_t)e->cfg->limits.concurrency : 128;
    e->cap = fd_budget(want < e->n ? want : (e->n ? e->n : 1));
    signals_start(e);
    engine_schedule(e);
    return uv_run(&e->loop, UV_RUN_DEFAULT);
}

int tp_engine_run(const tp_config *cfg, tp_result *results, size_t n, tp_progress_fn progress, void *ud, char *err,
                  size_t errlen)
{
    int rc = -1;
    if (!cfg || (n > 0 && !results)) {
        snprintf(err, errlen, "engine: no configuration or no results");
        return -1;
    }
    engine *e = malloc(sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bool need_tls = false;
    for (size_t i = 0; i < n; i++) {
        results[i].status = TP_ST_OK;
        results[i].phase = TP_PH_DNS;
        reset_timings(&results[i], false);
        if (results[i].ep && (!results[i].ep->scheme || strcasecmp(results[i].ep->scheme, "http") != 0))
            need_tls = true;
    }
    if (engine_init(e, cfg, need_tls, err, errlen) != 0)
        goto done;
    for (size_t i = 0; need_tls && i < n; i++) {
        const tp_path *p = results[i].path ? results[i].path : &builtin_direct;
        if (add_store(e, p, err, errlen) != 0)
            goto done;
        if (p && p->fallback && add_store(e, find_fallback(cfg, p->fallback), err, errlen) != 0)
            goto done;
    }
    e->results = results;
    e->n = n;
    e->progress = progress;
    e->ud = ud;
    engine_run_jobs(e);
    rc = 0;
done:
    if (engine_finish(e, err, errlen) != 0)
        rc = -1;
    free(e);
    return rc;
}

int tp_engine_fetch(const tp_config *cfg, tp_fetch *f, size_t n, char *err, size_t errlen)
{
    int rc = -1;
    if (!cfg || (n > 0 && !f)) {
        snprintf(err, errlen, "engine: no configuration or no fetches");
        return -1;
    }
    engine *e = malloc(sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
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
    if (engine_init(e, cfg, false, err, errlen) != 0)
        goto done;
    e->fetches = f;
    e->n = n;
    engine_run_jobs(e);
    rc = 0;
done:
    if (engine_finish(e, err, errlen) != 0)
        rc = -1;
    free(e);
    return rc;
}

void tp_fetch_free(tp_fetch *f)
{
    if (!f)
        return;
    free(f->body);
    free(f->error_message);
    f->body = NULL;
    f->error_code = TP_OC_NONE;
    f->error_message = NULL;
    f->body_len = 0;
}
