/* exchange.c — what a job says on its connection once it is up: the HTTP CONNECT to a proxy,
 * the TLS handshake (mbedTLS over memory buffers, each flight written as one segment) and
 * the one HTTP request and its answer (the head for a probe; head and bounded body for a
 * fetch). Reading is here too: one read buffer for the whole run, handed to the phase the
 * job is in. Every outcome goes through tpn_job_fail / tpn_job_finish (probe.c). */
#include "net/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- sending (TLS flights gathered) ---------- */
/* mbedTLS hands over a flight record by record: gather them and write once per step, so a
 * flight leaves as one segment (fewer packets; a delaying relay holds it once, not thrice). */
#define TP_TX_MAX (256u * 1024u)
/* Runs on a pool thread during a handshake step: it touches j->tx only (the loop leaves
 * tx alone while the step is out; tls_flush writes it once the step is back). */
static int tls_send(void *ud, const uint8_t *buf, size_t len)
{
    job *j = ud;
    if (len > TP_TX_MAX - j->tx_len)
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
    int rc = tpn_conn_write(j, j->tx, j->tx_len);
    tp_secret_wipe(j->tx, j->tx_len);
    j->tx_len = 0;
    return rc;
}

/* ---------- phase: http ---------- */

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

static tp_outcome auth_code(const job *j, const tp_strlist *schemes);
static tp_outcome proxy_code(int st);

/* The head is complete: a probe is judged on its status; a fetch goes on with the body. */
static void http_head_done(job *j)
{
    tp_result *r = j->r;
    r->http_status = j->head.status;
    int st = j->head.status;
    bool auth = st == 407 || (st == 401 && j->head.proxy_generated);
    if (j->absolute && (auth || (j->head.proxy_generated && (st == 403 || st >= 500)))) {
        /* only a proxy answers 407, and a page carrying Proxy-Status / X-Squid-Error /
         * Proxy-Authenticate is the proxy's own: the proxy, not the endpoint, answered —
         * never count it as the origin being reachable */
        r->proxy_status = st;
        for (size_t i = 0; auth && i < j->head.proxy_authenticate.n; i++)
            if (tp_strlist_add(&r->proxy_auth_schemes, j->head.proxy_authenticate.v[i]) != 0)
                break;
        tpn_job_fail(j, auth ? auth_code(j, &r->proxy_auth_schemes) : proxy_code(st),
                     "proxy %s answered the GET itself with %d %s", j->proxy_hp, st, j->head.reason ? j->head.reason : "");
        return;
    }
    if (j->f) {
        if (j->head.status < 200 || j->head.status > 299) {
            tpn_job_fail(j, TP_OC_HTTP_STATUS, "HTTP %d", j->head.status);
            return;
        }
        bool is_head = strcmp(j->method, "HEAD") == 0;
        if (!is_head && j->head.content_length >= 0 && (unsigned long long)j->head.content_length > tpn_fetch_max(j)) {
            /* announced too large: fail on the head, without reading (or waiting for) a byte */
            tpn_job_fail(j, TP_OC_FETCH_TOO_LARGE, "the body (Content-Length %lld) is larger than %zu bytes",
                     j->head.content_length, tpn_fetch_max(j));
            return;
        }
        if (!tpn_budget_head(j))
            return;   /* waits for the CRL budget: the rest of these bytes are stashed */
        tp_http_body_init(&j->body, &j->head, is_head, tpn_fetch_max(j), true);
        j->body_on = true;
        return;
    }
    r->http_status_ok = status_expected(j, j->head.status);
    if (!r->http_status_ok) {
        char exp[128];
        expected_text(j, exp, sizeof exp);
        tpn_job_fail(j, TP_OC_HTTP_STATUS, "HTTP %d, expected %s", j->head.status, exp);
        return;
    }
    tpn_end_phase(j);
    tpn_job_finish(j, TP_OC_NONE, NULL);
}

static void http_body_bytes(job *j, const uint8_t *data, size_t len);

/* A fetch that waited at its head for the CRL budget goes on: the body, starting with the
 * bytes that came with the head. */
void tpn_fetch_body_start(job *j, const uint8_t *data, size_t len)
{
    tp_http_body_init(&j->body, &j->head, false, tpn_fetch_max(j), true);
    j->body_on = true;
    http_body_bytes(j, data, len);
}

static void http_body_bytes(job *j, const uint8_t *data, size_t len)
{
    size_t used = 0;
    int rc = tp_http_body_feed(&j->body, data, len, &used);
    if (rc == TP_HP_DONE) {
        tpn_end_phase(j);
        tpn_job_finish(j, TP_OC_NONE, NULL);
    } else if (rc == TP_HP_TOO_LARGE) {
        tpn_job_fail(j, TP_OC_FETCH_TOO_LARGE, "the body is larger than %zu bytes", tpn_fetch_max(j));
    } else if (rc == TP_HP_MALFORMED) {
        tpn_job_fail(j, TP_OC_HTTP_MALFORMED, "malformed chunked body");
    } else if (rc == TP_HP_NOMEM) {
        tpn_job_fail(j, TP_OC_HTTP_ERROR, "out of memory");
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
            tpn_job_fail(j, TP_OC_HTTP_MALFORMED, "the server's answer is not HTTP/1.x");
            return false;
        }
        if (rc == TP_HP_TOO_LARGE) {
            tpn_job_fail(j, TP_OC_HTTP_TOO_LARGE, "the HTTP response head exceeds %zu bytes", j->head.max_head);
            return false;
        }
        if (rc != TP_HP_DONE) {
            tpn_job_fail(j, TP_OC_HTTP_ERROR, "out of memory");
            return false;
        }
        *data += used;
        *len -= used;
        int st = j->head.status;
        if (st < 100 || st > 199 || st == 101)
            return true;
        if (++j->interim > TP_MAX_INTERIM) {
            tpn_job_fail(j, TP_OC_HTTP_MALFORMED, "more than %d interim 1xx answers", TP_MAX_INTERIM);
            return false;
        }
        tp_http_head_free(&j->head);
        tp_http_head_init(&j->head, j->e->lim->header_max_bytes);
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
        if (!j->finished && j->bud_waits) {
            if (tpn_budget_stash(j, data, len) != 0)
                tpn_job_fail(j, TP_OC_HTTP_ERROR, "out of memory");
            return;
        }
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
            tpn_end_phase(j);
            tpn_job_finish(j, TP_OC_NONE, NULL);
        } else {
            tpn_job_fail(j, TP_OC_HTTP_CLOSED, "the server %s the connection before the body was complete",
                     reset ? "reset" : "closed");
        }
        return;
    }
    if (!j->got_bytes)
        tpn_job_fail(j, TP_OC_HTTP_CLOSED, "the server %s the connection without an HTTP answer", reset ? "reset" : "closed");
    else
        tpn_job_fail(j, TP_OC_HTTP_CLOSED, "the server %s the connection in the middle of the HTTP head",
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
                tpn_job_fail(j, code, "%s (after the handshake)", msg);
            return;
        }
        http_bytes(j, j->e->pbuf, (size_t)n);
    }
}

void tpn_http_start(job *j)
{
    const char *user = j->absolute ? j->path->username : NULL;
    const char *pass = j->absolute ? j->path->password : NULL;
    tpn_set_phase(j, TP_PH_HTTP, j->lim_http);
    char *req = tp_http_request(j->method, j->scheme, j->host, j->port, j->reqpath, j->absolute, user, pass);
    if (!req) {
        tpn_job_fail(j, TP_OC_HTTP_ERROR, "cannot build the HTTP request for %s (bad host or path)", j->host);
        return;
    }
    size_t len = strlen(req);
    tp_http_head_init(&j->head, j->e->lim->header_max_bytes);
    j->head_on = true;
    int rc;
    if (j->tls)
        rc = tp_tls_write(&j->tlsc, (const uint8_t *)req, len) == 0 ? tls_flush(j) : -1;
    else
        rc = tpn_conn_write(j, (const uint8_t *)req, len);
    tp_secret_free_n(req, len); /* may hold proxy credentials */
    if (rc != 0) {
        tpn_job_fail(j, TP_OC_HTTP_ERROR, "cannot send the HTTP request");
        return;
    }
    if (j->tls)
        tls_pump(j); /* the answer may already be in the TLS buffer */
}

/* ---------- phase: tls ---------- */
/* The handshake's cryptography (key exchange, the server's signature, the chain's
 * verification) runs on libuv's thread pool, one step per uv_queue_work: the loop stays free
 * for I/O and timers, and every core computes. Each connection has its own mbedTLS context;
 * the shared ssl_config and trust store are read-only, the random generator locks itself
 * (MBEDTLS_THREADING_C). While a step is out, tlsc and tx are the worker's: bytes the peer
 * sends meanwhile wait in j->inbox, and a job that ends meanwhile frees its TLS state when
 * the step is back (tpn_tls_teardown, hs_done). */

#define TP_INBOX_MAX (1u << 20)

static void tls_free_state(job *j)
{
    if (j->tls_on) {
        tp_tls_free(&j->tlsc);
        j->tls_on = false;
    }
    free(j->tx);
    j->tx = NULL;
    j->tx_len = j->tx_cap = 0;
    free(j->inbox);
    j->inbox = NULL;
    j->inbox_len = j->inbox_cap = 0;
    j->peer_eof = j->hs_more = false;
}

void tpn_tls_teardown(job *j)
{
    if (j->hs_busy) {
        j->hs_orphan = true;
        (void)uv_cancel((uv_req_t *)&j->hs_work); /* still queued: it never runs */
        return;
    }
    tls_free_state(j);
}

static int inbox_add(job *j, const uint8_t *data, size_t len)
{
    if (len > TP_INBOX_MAX - j->inbox_len)
        return -1;
    if (j->inbox_len + len > j->inbox_cap) {
        size_t cap = j->inbox_cap ? j->inbox_cap : 4096;
        while (cap < j->inbox_len + len)
            cap *= 2;
        uint8_t *nb = realloc(j->inbox, cap);
        if (!nb)
            return -1;
        j->inbox = nb;
        j->inbox_cap = cap;
    }
    memcpy(j->inbox + j->inbox_len, data, len);
    j->inbox_len += len;
    return 0;
}

/* Hands what came during a step to the TLS session. Returns 0 or -1 (too much). */
static int inbox_drain(job *j)
{
    if (j->inbox_len > 0 && tp_tls_feed(&j->tlsc, j->inbox, j->inbox_len) != 0)
        return -1;
    j->inbox_len = 0;
    if (j->peer_eof)
        tp_tls_eof(&j->tlsc);
    return 0;
}

static void hs_submit(job *j);

static void hs_failed(job *j, int ret)
{
    tp_outcome code;
    char msg[256];
    tp_tls_classify(&j->tlsc, ret, &code, msg, sizeof msg);
    if (j->peer_reset && code == TP_OC_TLS_CLOSED)
        tpn_job_fail(j, TP_OC_TLS_RESET, "the peer reset the connection during the TLS handshake");
    else
        tpn_job_fail(j, code, "%s", msg);
}

/* A step's outcome, on the loop. */
static void hs_result(job *j)
{
    int ret = j->hs_ret;
    if (tls_flush(j) != 0 && ret == TP_TLS_AGAIN) {
        tpn_job_fail(j, TP_OC_TLS_ERROR, "cannot send TLS data (out of memory)");
        return;
    }
    if (inbox_drain(j) != 0) {
        tpn_job_fail(j, TP_OC_TLS_ERROR, "too much unprocessed TLS data from the peer");
        return;
    }
    if (ret == TP_TLS_AGAIN) {
        if (j->hs_more)
            hs_submit(j);
        else if (j->peer_eof) /* the close was already given to mbedTLS: nothing more comes */
            tpn_job_fail(j, j->peer_reset ? TP_OC_TLS_RESET : TP_OC_TLS_CLOSED,
                         "the peer %s the connection during the TLS handshake", j->peer_reset ? "reset" : "closed");
        return;
    }
    if (ret != 0) {
        hs_failed(j, ret);
        return;
    }
    if (tp_tls_facts(&j->tlsc, j->r, &j->e->chains) != 0) {
        tpn_job_fail(j, TP_OC_TLS_ERROR, "out of memory recording the certificate chain");
        return;
    }
    tpn_end_phase(j);
    bool eof = j->peer_eof;
    tpn_http_start(j);
    if (eof && !j->finished) {
        tls_pump(j); /* consume what is left, then the EOF */
        if (!j->finished)
            http_eof(j, j->peer_reset);
    }
}

static void hs_work(uv_work_t *w)
{
    job *j = w->data;
    j->hs_ret = tp_tls_handshake(&j->tlsc);
}

static void hs_done(uv_work_t *w, int status)
{
    job *j = w->data;
    j->e->hs_queued--;
    j->hs_busy = false;
    double spent = tpn_elapsed_ms(j->hs_queued_at);
    j->hs_tester_ms += spent;
    j->hs_tester_phase_ms += spent;
    if (j->hs_orphan || status != 0 || j->finished) {
        /* the job ended while the step was out (a deadline, a cancel): its TLS state goes now */
        j->hs_orphan = false;
        tls_free_state(j);
        if (j->release_pending)
            tpn_job_release(j);
        return;
    }
    hs_result(j);
}

/* Queues the next handshake step (or runs it here when the pool refuses). */
static void hs_submit(job *j)
{
    j->hs_more = false;
    j->hs_queued_at = uv_hrtime();
    j->hs_work.data = j;
    if (uv_queue_work(j->e->loop, &j->hs_work, hs_work, hs_done) == 0) {
        j->hs_busy = true;
        j->e->hs_queued++;
        return;
    }
    j->hs_ret = tp_tls_handshake(&j->tlsc);
    hs_result(j);
}

void tpn_tls_start(job *j, const uint8_t *early, size_t early_len)
{
    tpn_set_phase(j, TP_PH_TLS, j->lim_tls);
    const tp_castore *st = tpn_store_for(j->e, j->path);
    if (!st) {
        tpn_job_fail(j, TP_OC_TLS_ERROR, "no trust store for path %s", j->path->id);
        return;
    }
    j->tls_on = true;
    int ret = tp_tls_init(&j->tlsc, &st->conf, j->host, tls_send, j);
    if (ret != 0) {
        tpn_job_fail(j, TP_OC_TLS_ERROR, "TLS session setup failed (-0x%04x)", (unsigned)-ret);
        return;
    }
    if (early_len > 0) {
        if (tp_tls_feed(&j->tlsc, early, early_len) != 0) {
            tpn_job_fail(j, TP_OC_TLS_ERROR, "out of memory");
            return;
        }
        hs_submit(j);
        return;
    }
    /* the ClientHello costs no public-key operation: write it from here, at once */
    j->hs_ret = tp_tls_handshake(&j->tlsc);
    hs_result(j);
}

static void tls_bytes(job *j, const uint8_t *data, size_t len)
{
    if (j->phase == TP_PH_TLS && j->hs_busy) {
        if (inbox_add(j, data, len) != 0)
            tpn_job_fail(j, TP_OC_TLS_ERROR, "too much unprocessed TLS data from the peer");
        else
            j->hs_more = true;
        return;
    }
    if (tp_tls_feed(&j->tlsc, data, len) != 0) {
        tpn_job_fail(j, TP_OC_TLS_ERROR, "too much unprocessed TLS data from the peer");
        return;
    }
    if (j->phase == TP_PH_TLS)
        hs_submit(j);
    else
        tls_pump(j);
}

static void tls_eof(job *j, bool reset)
{
    j->peer_reset = reset;
    if (j->phase == TP_PH_HTTP) {
        tp_tls_eof(&j->tlsc);
        tls_pump(j); /* consume what is left, then the EOF */
        if (!j->finished)
            http_eof(j, reset);
        return;
    }
    /* give mbedTLS what arrived before the close: garbage then close is "not TLS" */
    j->peer_eof = true;
    if (j->hs_busy) {
        j->hs_more = true;
        return;
    }
    tp_tls_eof(&j->tlsc);
    hs_submit(j);
}

/* ---------- phase: proxy (HTTP CONNECT) ---------- */

/* Only Negotiate/NTLM/Kerberos offered: SYSTEM can answer with the machine account where
 * the proxy accepts it; Basic (or Digest) credentials it cannot give at all. */
static bool integrated_only(const tp_strlist *schemes)
{
    if (schemes->n == 0)
        return false;
    for (size_t i = 0; i < schemes->n; i++)
        if (strcasecmp(schemes->v[i], "Negotiate") != 0 && strcasecmp(schemes->v[i], "NTLM") != 0 &&
            strcasecmp(schemes->v[i], "Kerberos") != 0)
            return false;
    return true;
}

/* 401 or 407 from a proxy: an authentication verdict either way (tinyproxy answers a wrong
 * password with 401). Credentials sent and refused is another fix than none sent. */
static tp_outcome auth_code(const job *j, const tp_strlist *schemes)
{
    if (j->path->username)
        return TP_OC_PROXY_AUTH_REJECTED;
    return integrated_only(schemes) ? TP_OC_PROXY_AUTH_INTEGRATED : TP_OC_PROXY_AUTH_REQUIRED;
}

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

void tpn_proxy_start(job *j)
{
    tpn_set_phase(j, TP_PH_PROXY, j->lim_proxy);
    char *req = tp_http_connect_request(j->host, j->port, j->path->username, j->path->password);
    if (!req) {
        tpn_job_fail(j, TP_OC_PROXY_ERROR, "cannot build the CONNECT request for %s:%d", j->host, j->port);
        return;
    }
    size_t len = strlen(req);
    int rc = tpn_conn_write(j, (const uint8_t *)req, len);
    tp_secret_free_n(req, len); /* may hold proxy credentials */
    if (rc != 0) {
        tpn_job_fail(j, TP_OC_PROXY_ERROR, "cannot send the CONNECT request to proxy %s", j->proxy_hp);
        return;
    }
    tp_http_head_init(&j->head, j->e->lim->header_max_bytes);
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
        tpn_job_fail(j, TP_OC_PROXY_MALFORMED, "proxy %s answered CONNECT with something that is not HTTP", ph);
        return;
    }
    if (rc == TP_HP_TOO_LARGE) {
        tpn_job_fail(j, TP_OC_PROXY_HEADER_TOO_LARGE, "proxy %s sent a CONNECT reply head above %zu bytes", ph,
                 j->head.max_head);
        return;
    }
    if (rc != TP_HP_DONE) {
        tpn_job_fail(j, TP_OC_PROXY_ERROR, "out of memory");
        return;
    }
    int st = j->head.status;
    r->proxy_status = st;
    if (st < 200 || st > 299) {
        if (st == 407 || st == 401)
            for (size_t i = 0; i < j->head.proxy_authenticate.n; i++)
                if (tp_strlist_add(&r->proxy_auth_schemes, j->head.proxy_authenticate.v[i]) != 0)
                    break;
        tpn_job_fail(j, st == 407 || st == 401 ? auth_code(j, &r->proxy_auth_schemes) : proxy_code(st),
                     "proxy %s answered CONNECT %s:%d with %d %s", ph, j->host, j->port, st,
                     j->head.reason ? j->head.reason : "");
        return;
    }
    tp_http_head_free(&j->head);
    j->head_on = false;
    j->got_bytes = false;
    tpn_end_phase(j);
    /* bytes after the blank line are the server's first TLS bytes: hand them over */
    if (j->tls)
        tpn_tls_start(j, data + used, len - used);
    else
        tpn_http_start(j); /* CONNECT tunnel to a plain port (not used for http://, kept safe) */
}

static void proxy_eof(job *j, bool reset)
{
    tpn_job_fail(j, TP_OC_PROXY_CLOSED, "proxy %s %s the connection %s", j->proxy_hp,
             reset ? "reset" : "closed", j->got_bytes ? "in the middle of its CONNECT reply" : "before answering CONNECT");
}

/* ---------- reading ---------- */

void tpn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
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

void tpn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
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
    j->phase_rx = true;
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
