/* httpsrv.c — the listener and its connections (see httpsrv.h). Each connection owns a
 * uv_tcp_t and a uv_timer_t; it is freed in the close callback of the last of the two
 * (libuv's rule: memory goes only when the handle is closed). A connection lives through
 * READING (head deadline) → WRITING (write deadline) → CLOSING; any error, EOF or deadline
 * goes straight to CLOSING. */
#include "serve/httpsrv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK 4096

enum { C_READING = 0, C_WRITING, C_DRAINING, C_CLOSING };

/* After the response: read and drop what the client still sends, for a moment, before
 * closing — closing a socket with unread bytes makes the kernel send a reset, which can
 * destroy the response before the client has read it (an early 4xx to a client still
 * sending). Bounded in time and bytes. */
#define LINGER_MS 1000
#define LINGER_BYTES 65536

typedef struct conn {
    tp_httpsrv *srv;
    struct conn *prev, *next;
    uv_tcp_t tcp;
    uv_timer_t timer;
    int handles;             /* handles still open (freed at 0) */
    int state;
    bool counted;
    size_t drained;            /* in srv->open (not a busy refusal) */
    tp_httpreq req;
    char rbuf[READ_CHUNK];
    uv_write_t wr;
    uv_shutdown_t sd;
    char head[1024];
    tp_httpresp resp;
} conn;

struct tp_httpsrv {
    uv_loop_t *loop;
    uv_tcp_t listener;
    tp_httpsrv_limits lim;
    tp_httpsrv_handler handler;
    void *ud;
    conn *conns;
    tp_httpsrv_stats stats;
    int port;
    bool closing, listener_closed;
    void (*done)(void *);
    void *done_ud;
};

void tp_httpsrv_limits_default(tp_httpsrv_limits *l)
{
    l->max_head = 8192;
    l->max_target = 2048;
    l->max_headers = 64;
    l->max_conns = 64;
    l->head_timeout_ms = 10000;
    l->write_timeout_ms = 30000;
}

static void maybe_done(tp_httpsrv *s)
{
    if (!s->closing || !s->listener_closed || s->conns)
        return;
    void (*done)(void *) = s->done;
    void *ud = s->done_ud;
    free(s);
    if (done)
        done(ud);
}

static void on_conn_closed(uv_handle_t *h)
{
    conn *c = h->data;
    if (--c->handles > 0)
        return;
    tp_httpsrv *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->counted)
        s->stats.open--;
    tp_httpreq_free(&c->req);
    free(c->resp.body);
    free(c);
    maybe_done(s);
}

static void conn_close(conn *c)
{
    if (c->state == C_CLOSING)
        return;
    c->state = C_CLOSING;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
    uv_close((uv_handle_t *)&c->timer, on_conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);
static void on_timeout(uv_timer_t *t);

static void on_shutdown(uv_shutdown_t *sd, int status)
{
    conn *c = sd->data;
    if (c->state == C_CLOSING)
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    c->state = C_DRAINING;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0 ||
        uv_timer_start(&c->timer, on_timeout, LINGER_MS, 0) != 0)
        conn_close(c);
}

static void on_written(uv_write_t *wr, int status)
{
    conn *c = wr->data;
    if (c->state == C_CLOSING)
        return;
    /* half-close first so the client reads the whole response before our FIN/close */
    c->sd.data = c;
    if (status < 0 || uv_shutdown(&c->sd, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        conn_close(c);
}

static void on_timeout(uv_timer_t *t)
{
    conn *c = t->data;
    tp_httpsrv *s = c->srv;
    if (c->state == C_READING) {
        s->stats.head_timeouts++;
        s->stats.by_status[4]++;
        /* best effort, never queued: the client is not reading fast anyway */
        static const char msg[] = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        uv_buf_t b = uv_buf_init((char *)msg, sizeof msg - 1);
        uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    } else if (c->state == C_WRITING) {
        s->stats.write_timeouts++;
    }
    conn_close(c);
}

/* Writes resp (head, and body unless HEAD) and moves to WRITING. */
static void respond(conn *c, bool head_only)
{
    tp_httpsrv *s = c->srv;
    tp_httpresp *r = &c->resp;
    int n = snprintf(c->head, sizeof c->head,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Length: %zu\r\n"
                     "%s%s%s"
                     "Connection: close\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "%s\r\n",
                     r->status, tp_http_status_text(r->status), r->body_len,
                     r->content_type ? "Content-Type: " : "", r->content_type ? r->content_type : "",
                     r->content_type ? "\r\n" : "", r->headers ? r->headers : "");
    if (n < 0 || (size_t)n >= sizeof c->head) {
        conn_close(c);
        return;
    }
    if (r->status >= 100 && r->status <= 599)
        s->stats.by_status[r->status / 100]++;
    uv_buf_t bufs[2] = {uv_buf_init(c->head, (unsigned)n), uv_buf_init(r->body ? r->body : "", (unsigned)r->body_len)};
    c->state = C_WRITING;
    c->wr.data = c;
    uv_read_stop((uv_stream_t *)&c->tcp);
    uv_timer_start(&c->timer, on_timeout, s->lim.write_timeout_ms, 0);
    if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, bufs, head_only || !r->body_len ? 1 : 2, on_written) != 0)
        conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    conn *c = h->data;
    *buf = uv_buf_init(c->rbuf, sizeof c->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = st->data;
    if (c->state == C_DRAINING) {
        c->drained += nread > 0 ? (size_t)nread : 0;
        if (nread < 0 || c->drained > LINGER_BYTES)
            conn_close(c);
        return;
    }
    if (c->state != C_READING)
        return;
    if (nread < 0) {
        conn_close(c);   /* EOF or error before a whole head: nothing to answer */
        return;
    }
    if (nread == 0)
        return;
    size_t used;
    int rc = tp_httpreq_feed(&c->req, (const uint8_t *)buf->base, (size_t)nread, &used);
    if (rc == TP_HRQ_MORE)
        return;
    memset(&c->resp, 0, sizeof c->resp);
    if (rc == TP_HRQ_ERROR) {
        c->resp.status = c->req.status;
        c->resp.content_type = "text/plain; charset=utf-8";
        c->resp.body = c->req.reason ? strdup(c->req.reason) : NULL;
        c->resp.body_len = c->resp.body ? strlen(c->resp.body) : 0;
        if (c->resp.body && c->resp.body_len) {
            /* one line of text: add the newline by replacing the NUL's place */
            char *b = realloc(c->resp.body, c->resp.body_len + 2);
            if (b) {
                b[c->resp.body_len++] = '\n';
                b[c->resp.body_len] = '\0';
                c->resp.body = b;
            }
        }
        c->resp.headers = c->req.status == 405 ? "Allow: GET, HEAD\r\n" : NULL;
        respond(c, false);
        return;
    }
    c->srv->handler(c->srv->ud, &c->req, &c->resp);
    respond(c, c->req.method == TP_HRQ_HEAD);
}

static void on_busy_closed(uv_handle_t *h)
{
    free(h);
}

static void on_connection(uv_stream_t *l, int status)
{
    tp_httpsrv *s = l->data;
    if (status < 0 || s->closing)
        return;
    if (s->stats.open >= s->lim.max_conns) {
        /* over the cap: take the connection off the backlog, say 503 without queueing
         * anything, close. Costs one handle for one loop turn. */
        uv_tcp_t *t = malloc(sizeof *t);
        if (!t || uv_tcp_init(s->loop, t) != 0) {
            free(t);
            return;
        }
        if (uv_accept(l, (uv_stream_t *)t) == 0) {
            static const char msg[] =
                "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n";
            uv_buf_t b = uv_buf_init((char *)msg, sizeof msg - 1);
            uv_try_write((uv_stream_t *)t, &b, 1);
        }
        s->stats.refused_busy++;
        s->stats.by_status[5]++;
        uv_close((uv_handle_t *)t, on_busy_closed);
        return;
    }
    conn *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    if (tp_httpreq_init(&c->req, s->lim.max_head, s->lim.max_target, s->lim.max_headers) != 0) {
        free(c);
        return;
    }
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles = 2;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    c->counted = true;
    s->stats.open++;
    s->stats.accepted++;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0 ||
        uv_timer_start(&c->timer, on_timeout, s->lim.head_timeout_ms, 0) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
}

int tp_httpsrv_start(tp_httpsrv **out, uv_loop_t *loop, const char *ip, int port, const tp_httpsrv_limits *lim,
                     tp_httpsrv_handler handler, void *ud, char *err, size_t errlen)
{
    *out = NULL;
    struct sockaddr_storage ss;
    int rc = strchr(ip, ':') ? uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss)
                             : uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss);
    if (rc != 0) {
        snprintf(err, errlen, "--listen: \"%s\" is not an IP address", ip);
        return rc;
    }
    tp_httpsrv *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return UV_ENOMEM;
    }
    s->loop = loop;
    s->lim = *lim;
    s->handler = handler;
    s->ud = ud;
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    const char *what = "bind";
    rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0) {
        what = "listen on";
        rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot %s %s%s%s:%d: %s", what, strchr(ip, ':') ? "[" : "", ip,
                 strchr(ip, ':') ? "]" : "", port, uv_strerror(rc));
        s->closing = true;
        tp_httpsrv_close(s, NULL, NULL);
        return rc;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    if (uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &blen) == 0)
        s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                    : ((struct sockaddr_in *)&bound)->sin_port);
    *out = s;
    return 0;
}

int tp_httpsrv_port(const tp_httpsrv *s)
{
    return s->port;
}

const tp_httpsrv_stats *tp_httpsrv_get_stats(const tp_httpsrv *s)
{
    return &s->stats;
}

static void on_listener_closed(uv_handle_t *h)
{
    tp_httpsrv *s = h->data;
    s->listener_closed = true;
    maybe_done(s);
}

void tp_httpsrv_close(tp_httpsrv *s, void (*done)(void *ud), void *ud)
{
    s->closing = true;
    s->done = done;
    s->done_ud = ud;
    for (conn *c = s->conns; c; c = c->next)
        conn_close(c);
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}

int tp_listen_parse(const char *spec, char *ip, size_t iplen, int *port, bool *loopback, char *err, size_t errlen)
{
    const char *colon, *host = spec;
    size_t hlen;
    if (spec[0] == '[') {
        const char *rb = strchr(spec, ']');
        if (!rb || rb[1] != ':')
            goto bad;
        host = spec + 1;
        hlen = (size_t)(rb - host);
        colon = rb + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || strchr(spec, ':') != colon)
            goto bad;
        hlen = (size_t)(colon - spec);
    }
    if (hlen == 0 || hlen >= iplen)
        goto bad;
    memcpy(ip, host, hlen);
    ip[hlen] = '\0';
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p < 0 || p > 65535)
        goto bad;
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1) {
        *loopback = a[0] == 127;
    } else if (spec[0] == '[' && inet_pton(AF_INET6, ip, a) == 1) {
        static const unsigned char one[16] = {[15] = 1};
        *loopback = memcmp(a, one, 16) == 0;
    } else {
        goto bad;
    }
    *port = (int)p;
    return 0;
bad:
    snprintf(err, errlen, "--listen: expected ADDR:PORT with an IP address (127.0.0.1:9090, [::1]:9090, "
                          "0.0.0.0:9090), got \"%s\"", spec);
    return -1;
}
