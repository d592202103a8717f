/* probe.c — a job's life on the loop: its two deadlines (the phase timer, armed with each
 * phase's own limit, and the whole-probe timer), the TCP connection in a small struct of
 * its own (conn) so that a failed address, a fallback or a finished probe can drop it at
 * once — libuv frees it in its close callback and any late callback finds conn->j == NULL —
 * then the dns and connect phases, the fallback to route->fallback when the proxy itself
 * cannot be reached, and tpn_job_finish, the one place every job ends (exactly once).
 *
 *     dns ──► connect ──► [proxy CONNECT] ──► [tls] ──► http ──► done   (exchange.c)
 */
#include "net/job.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/dnsclass.h"

static void connect_next(job *j);

/* ---------- small helpers ---------- */

/* Arms a deadline from now. libuv counts timers from the loop's cached time, taken when the
 * iteration began; a job started late in a long iteration (hundreds of handshakes on a
 * loaded machine) would otherwise get a deadline already partly or wholly spent — a probe
 * failing "dns phase deadline of 2000 ms reached" after 0.3 ms. */
static void arm(job *j, uv_timer_t *t, uv_timer_cb cb, uint64_t ms)
{
    uv_update_time(j->e->loop);
    uv_timer_start(t, cb, ms, 0);
}

double tpn_elapsed_ms(uint64_t since)
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

void tpn_reset_timings(tp_result *r, bool keep_total)
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
void tpn_hostport(char *out, size_t n, const char *host, int port)
{
    if (strchr(host, ':'))
        snprintf(out, n, "[%s]:%d", host, port);
    else
        snprintf(out, n, "%s:%d", host, port);
}
void tpn_job_fail(job *j, tp_outcome code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = vfmt(fmt, ap);
    va_end(ap);
    tpn_job_finish(j, code, msg);
}

/* ---------- -v trace (engine.h) ---------- */

/* The run's -v trace, if its options asked for one. */
static bool tracing(const job *j)
{
    return j->e->o.trace != NULL;
}

static void trace(const job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void trace(const job *j, const char *fmt, ...)
{
    if (!tracing(j))
        return;
    char body[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    char line[1400];
    const char *pid = j->path && j->path->id ? j->path->id : "?";
    if (j->f)
        snprintf(line, sizeof line, "[CRL %s via %s] %s", j->f->url, pid, body);
    else if (j->fell_back)   /* name the configured path: the fallback's id alone is ambiguous */
        snprintf(line, sizeof line, "[%s via %s, fallen back to %s] %s", j->ep && j->ep->id ? j->ep->id : "?",
                 j->r->path && j->r->path->id ? j->r->path->id : "?", pid, body);
    else
        snprintf(line, sizeof line, "[%s via %s] %s", j->ep && j->ep->id ? j->ep->id : "?", pid, body);
    j->e->o.trace(j->e->o.trace_ud, line);
}

/* What the phase that just ended established (the facts are in j->r by now). */
static void trace_phase_end(const job *j, double ms)
{
    const tp_result *r = j->r;
    switch (j->phase) {
    case TP_PH_CONNECT:
        trace(j, "connect %.1f ms: TCP to %s%s", ms, r->connected_address ? r->connected_address : "?",
              j->via_proxy ? " (the proxy)" : "");
        break;
    case TP_PH_PROXY:
        trace(j, "proxy %.1f ms: CONNECT %s:%d -> %d", ms, j->host, j->port, r->proxy_status);
        break;
    case TP_PH_TLS: {
        char chain[600] = "";
        size_t o = 0;
        for (size_t i = 0; i < r->chain_len && o < sizeof chain; i++)
            o += (size_t)snprintf(chain + o, sizeof chain - o, "%s%s", i ? " <- " : "",
                                  r->chain[i].subject ? r->chain[i].subject : "?");
        trace(j, "tls %.1f ms: %s %s %s %s, chain: %s", ms, r->tls_version ? r->tls_version : "?",
              r->tls_cipher ? r->tls_cipher : "?", r->tls_group ? r->tls_group : "-",
              r->tls_sigalg ? r->tls_sigalg : "-", chain[0] ? chain : "(none)");
        break;
    }
    case TP_PH_HTTP:
        trace(j, "http %.1f ms: %s %d", ms, j->method ? j->method : "GET", j->head.status);
        break;
    default:
        trace(j, "%s %.1f ms", tp_phase_name(j->phase), ms);
        break;
    }
}

void tpn_set_phase(job *j, tp_phase p, int limit_ms)
{
    if (p == TP_PH_TLS || p == TP_PH_HTTP)
        tpn_job_not_early(j);
    j->grace_phase = false;
    j->phase_rx = false;
    j->hs_tester_phase_ms = 0;
    j->phase = p;
    j->r->phase = p;
    j->t_phase = uv_hrtime();
    arm(j, &j->phase_timer, tpn_on_phase_timeout, (uint64_t)limit_ms);
}

void tpn_end_phase(job *j)
{
    double *slot = phase_slot(j->r, j->phase);
    if (slot)
        *slot = tpn_elapsed_ms(j->t_phase);
    uv_timer_stop(&j->phase_timer);
    if (tracing(j) && j->phase != TP_PH_DNS)   /* DNS is traced with its answer */
        trace_phase_end(j, tpn_elapsed_ms(j->t_phase));
}

/* ---------- the connection ---------- */

static void on_conn_closed(uv_handle_t *h)
{
    conn *c = h->data;
    engine *e = c->e;
    free(c);
    e->open_conns--;
    tpn_engine_maybe_done(e);
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
int tpn_conn_write(job *j, const uint8_t *data, size_t len)
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

/* Frees the per-attempt state: dns wait, connection, parsers, TLS session. */
static void attempt_teardown(job *j)
{
    tp_resolver_cancel(&j->dw);
    conn_drop(j);
    tpn_tls_teardown(j);
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

static void connect_failed(job *j, const char *addr, int err)
{
    char hp[128];
    tpn_hostport(hp, sizeof hp, addr, j->conn_port);
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
    tpn_hostport(hp, sizeof hp, j->addrs.v[j->addr_i], j->conn_port);
    free(r->connected_address);
    r->connected_address = tp_strdup(hp);
    tpn_end_phase(j);
    /* mbedTLS sends a flight as several small records: with Nagle on, the second waits
     * for the peer's (delayed) ACK of the first, adding ~40 ms to every handshake. */
    (void)uv_tcp_nodelay(&j->c->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&j->c->tcp, tpn_on_alloc, tpn_on_read);
    if (rc != 0) {
        tpn_job_fail(j, TP_OC_CONNECT_ERROR, "cannot read from %s: %s", hp, uv_strerror(rc));
        return;
    }
    if (j->via_proxy && !j->absolute)
        tpn_proxy_start(j);
    else if (j->tls)
        tpn_tls_start(j, NULL, 0);
    else
        tpn_http_start(j);
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

/* The address family a path connects with: its "family", else its source address's. */
static tp_family path_family(const tp_path *p)
{
    if (!p)
        return TP_FAM_ANY;
    if (p->family == TP_FAM_V4 || p->family == TP_FAM_V6)
        return p->family;
    if (p->source)
        return strchr(p->source, ':') ? TP_FAM_V6 : TP_FAM_V4;
    return TP_FAM_ANY;
}

/* Keeps the resolved addresses of the path's family (docs/paths.md "Each egress"). Returns
 * 0, or -1 after failing the job with dns_no_address when none is left. */
int tpn_family_filter(job *j)
{
    tp_family fam = path_family(j->path);
    if (fam == TP_FAM_ANY)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < j->addrs.n; i++) {
        bool v6 = strchr(j->addrs.v[i], ':') != NULL;
        if (v6 == (fam == TP_FAM_V6))
            j->addrs.v[k++] = j->addrs.v[i];
        else
            free(j->addrs.v[i]);
    }
    j->addrs.n = k;
    if (k > 0)
        return 0;
    tpn_job_fail(j, TP_OC_DNS_NO_ADDRESS, "%s%s has no %s address (path %s uses %s only)",
                 j->via_proxy ? "proxy host " : "", j->conn_host, fam == TP_FAM_V6 ? "IPv6" : "IPv4",
                 j->path->id, fam == TP_FAM_V6 ? "IPv6" : "IPv4");
    return -1;
}

/* Binds the socket to the path's source address and device before it connects (one egress
 * of a gateway). Returns 0 or a libuv error. */
static int bind_egress(job *j, conn *c, const struct sockaddr_storage *dst)
{
    const tp_path *p = j->path;
    if (p->interface) {
        uv_os_fd_t fd;
        int rc = uv_fileno((uv_handle_t *)&c->tcp, &fd);
        if (rc != 0)
            return rc;
        if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, p->interface, (socklen_t)strlen(p->interface) + 1) != 0)
            return uv_translate_sys_error(errno);
    }
    if (p->source) {
        struct sockaddr_storage src;
        int rc = make_sockaddr(p->source, 0, &src);
        if (rc != 0)
            return rc;
        if (src.ss_family != dst->ss_family)
            return UV_EAFNOSUPPORT;
        return uv_tcp_bind(&c->tcp, (const struct sockaddr *)&src, 0);
    }
    return 0;
}

/* Tries the next resolved address; fails with the last error once none is left. */
static void connect_next(job *j)
{
    if (j->addr_i >= j->addrs.n) {
        char *msg = j->conn_msg ? j->conn_msg : tp_strdup("no address to connect to");
        j->conn_msg = NULL;
        tpn_job_finish(j, j->conn_code != TP_OC_NONE ? j->conn_code : TP_OC_CONNECT_ERROR, msg);
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
        tpn_job_fail(j, TP_OC_CONNECT_ERROR, "out of memory");
        return;
    }
    bool egress = j->path && (j->path->source || j->path->interface);
    /* with an egress to bind, the socket must exist before connect (init_ex creates it) */
    rc = egress ? uv_tcp_init_ex(j->e->loop, &c->tcp, ss.ss_family) : uv_tcp_init(j->e->loop, &c->tcp);
    if (rc != 0) {
        free(c);
        tpn_job_fail(j, TP_OC_CONNECT_ERROR, "cannot create a socket: %s", uv_strerror(rc));
        return;
    }
    j->e->open_conns++;
    c->j = j;
    c->e = j->e;
    c->tcp.data = c;
    c->creq.data = c;
    j->c = c;
    /* Share what is left of the phase among the addresses left, so that a black-holed first
     * address (an AAAA without a working IPv6 route) cannot eat the whole deadline. */
    double left = (double)j->lim_connect - tpn_elapsed_ms(j->t_phase);
    double slice = left > 1 ? left / (double)(j->addrs.n - j->addr_i) : 1;
    arm(j, &j->phase_timer, tpn_on_phase_timeout, (uint64_t)slice + 1);
    if (egress && (rc = bind_egress(j, c, &ss)) != 0) {
        tpn_job_fail(j, TP_OC_CONNECT_ERROR, "cannot bind to %s%s%s of path %s: %s",
                     j->path->source ? j->path->source : "", j->path->source && j->path->interface ? " on " : "",
                     j->path->interface ? j->path->interface : "", j->path->id, uv_strerror(rc));
        return;
    }
    rc = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&ss, on_connect);
    if (rc != 0)
        connect_failed(j, ip, rc);
}

static void connect_start(job *j)
{
    tpn_set_phase(j, TP_PH_CONNECT, j->lim_connect);
    j->addr_i = 0;
    connect_next(j);
}

/* ---------- phase: dns ---------- */

static void dns_answer(job *j, const tp_dns_answer *a)
{
    tp_result *r = j->r;
    tpn_end_phase(j);
    if (a->code != TP_OC_NONE) {
        if (j->via_proxy)
            tpn_job_fail(j, a->code, "proxy host %s: %s", j->conn_host, a->message ? a->message : tp_outcome_name(a->code));
        else
            tpn_job_fail(j, a->code, "%s: %s", j->conn_host, a->message ? a->message : tp_outcome_name(a->code));
        return;
    }
    if (tp_strlist_copy(&j->addrs, &a->addresses) != 0) {
        tpn_job_fail(j, TP_OC_DNS_ERROR, "out of memory");
        return;
    }
    if (tracing(j)) {
        char a1[400] = "", c1[400] = "";
        for (size_t i = 0, o = 0; i < a->addresses.n && o < sizeof a1; i++)
            o += (size_t)snprintf(a1 + o, sizeof a1 - o, "%s%s", i ? ", " : "", a->addresses.v[i]);
        for (size_t i = 0, o = 0; i < a->cnames.n && o < sizeof c1; i++)
            o += (size_t)snprintf(c1 + o, sizeof c1 - o, "%s%s", i ? " -> " : "", a->cnames.v[i]);
        trace(j, "dns: %s%s -> %s%s%s", j->via_proxy ? "proxy " : "", j->conn_host, a1, c1[0] ? " via CNAME " : "",
              c1);
    }
    /* a DNS filter's answer is not a TCP failure: connecting to 0.0.0.0 would reach this
     * very machine (docs/paths.md "DNS judged") */
    if (tp_dns_all_sinkhole(&a->addresses, j->e->o.block_pages, j->e->o.loopback_sinkhole)) {
        if (!j->via_proxy) {
            tp_strlist_free(&r->addresses);
            tp_strlist_copy(&r->addresses, &a->addresses); /* out of memory: shown without them */
        }
        tpn_job_fail(j, TP_OC_DNS_SINKHOLE, "a DNS filter blocks %s%s: %s answered only %s",
                     j->via_proxy ? "proxy host " : "", j->conn_host,
                     r->resolver ? r->resolver : "the resolver", a->addresses.v[0]);
        return;
    }
    if (tpn_family_filter(j) != 0)
        return;
    if (!j->via_proxy) {
        /* the endpoint's own facts; a proxy's addresses are not the endpoint's */
        tp_strlist_free(&r->addresses);
        tp_strlist_free(&r->cnames);
        if (tp_strlist_copy(&r->addresses, &a->addresses) != 0 || tp_strlist_copy(&r->cnames, &a->cnames) != 0) {
            tpn_job_fail(j, TP_OC_DNS_ERROR, "out of memory");
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

/* The question of a name that queued for a resolver slot has gone out: its DNS deadline
 * starts now (a slow resolver's queue is not the resolver's failure). */
static void on_dns_sent(tp_dns_wait *w)
{
    job *j = (job *)((char *)w - offsetof(job, dw));
    j->dns_queued = false;
    j->dns_sent_ms = uv_now(j->e->loop);
    arm(j, &j->phase_timer, tpn_on_phase_timeout, (uint64_t)j->lim_dns);
}

static void dns_start(job *j)
{
    tp_result *r = j->r;
    tpn_set_phase(j, TP_PH_DNS, j->lim_dns);
    if (tp_is_ip_literal(j->conn_host)) {
        /* nothing to resolve: the DNS phase takes no time */
        tpn_end_phase(j);
        r->t.dns = 0;
        if (tp_strlist_add(&j->addrs, j->conn_host) != 0 ||
            (!j->via_proxy && tp_strlist_add(&r->addresses, j->conn_host) != 0)) {
            tpn_job_fail(j, TP_OC_DNS_ERROR, "out of memory");
            return;
        }
        if (tpn_family_filter(j) != 0)
            return;
        connect_start(j);
        return;
    }
    free(r->resolver);
    r->resolver = tp_strdup(tp_resolver_name(j->e->res));
    j->dw.cb = on_dns;
    j->dw.sent = on_dns_sent;
    j->dns_queued = false;
    j->dns_sent_ms = uv_now(j->e->loop);
    const tp_dns_answer *a = tp_resolver_lookup(j->e->res, j->conn_host, &j->dw);
    if (a) {
        dns_answer(j, a);
        return;
    }
    uint64_t sent;
    if (tp_resolver_sent(&j->dw, &sent)) {
        /* joined a question already out: the deadline runs from when it was sent */
        uint64_t waited = uv_now(j->e->loop) - sent;
        j->dns_sent_ms = sent;
        arm(j, &j->phase_timer, tpn_on_phase_timeout,
            waited < (uint64_t)j->lim_dns ? (uint64_t)j->lim_dns - waited : 1);
    } else {
        /* queued behind TP_DNS_MAX_INFLIGHT questions: only the total deadline bounds the
         * wait, and it says so (dns_queued) if it fires before the question goes out */
        j->dns_queued = true;
        uv_timer_stop(&j->phase_timer);
    }
}

/* ---------- a probe's life ---------- */

void tpn_attempt_start(job *j)
{
    j->via_proxy = j->path && j->path->type == TP_PATH_HTTP && j->path->proxy_host;
    /* http:// through a proxy: no tunnel, an absolute-form GET to the proxy */
    j->absolute = j->via_proxy && !j->tls;
    j->conn_host = j->via_proxy ? j->path->proxy_host : j->host;
    j->proxy_hp[0] = '\0';
    if (j->via_proxy)
        tpn_hostport(j->proxy_hp, sizeof j->proxy_hp, j->path->proxy_host, j->path->proxy_port);
    j->conn_port = j->via_proxy ? j->path->proxy_port : j->port;
    dns_start(j);
}

/* Did this failure happen because the proxy itself cannot be reached? */
static bool proxy_unreachable(const job *j, tp_outcome code)
{
    if (!j->via_proxy || !j->route || !j->route->fallback)
        return false;
    /* a configured fallback is followed once; a PAC's list entry after entry */
    if (j->fell_back && !j->route->chain)
        return false;
    /* the table's "unreachable" column: a DNS failure for the proxy's name, or a TCP
     * connection to it refused, dropped or without a route (core/outcome.def) */
    const tp_outcome_info *in = tp_outcome_info_of(code);
    return in->unreachable && in->phase == (int)j->phase;
}

/* The path a job goes through on a route: a fetch never carries credentials. */
const tp_path *tpn_route_path(const job *j, const tp_route *r)
{
    return j->f ? r->anon : r->path;
}

/* Reruns the probe through the route's fallback (one level: a fallback's own fallback is
 * not followed, so a cycle cannot loop). Returns true when the rerun started. */
static bool try_fallback(job *j, tp_outcome code)
{
    const tp_route *fbr = j->route->fallback;
    const tp_path *fb = tpn_route_path(j, fbr);
    if (!fb || fb == j->path)
        return false;
    if (j->tls && !tpn_store_for(j->e, fb))
        return false;
    free(j->fallback_note);
    j->fallback_note = tp_asprintf("proxy %s unreachable (%s); fell back to %s", j->proxy_hp,
                                   tp_outcome_name(code), fb->id);
    attempt_teardown(j);
    tpn_reset_timings(j->r, true);
    j->r->proxy_status = 0;
    j->fell_back = true;
    tpn_job_unbucket(j); /* it no longer uses that proxy */
    j->route = fbr;
    j->path = fb;
    j->r->used_path = fb;
    tpn_attempt_start(j);
    return true;
}

/* Every path out of a probe ends here exactly once (later calls are ignored). code TP_OC_NONE
 * means success; msg is owned (may be NULL). */
void tpn_job_finish(job *j, tp_outcome code, char *msg)
{
    if (j->finished) {
        free(msg);
        return;
    }
    if (j->bud_waits)
        tpn_budget_forget(j);   /* it waited at its head for the CRL budget */
    if (code != TP_OC_NONE && !j->e->cancelled && proxy_unreachable(j, code)) {
        double *slot = phase_slot(j->r, j->phase);
        if (slot && *slot < 0)
            *slot = tpn_elapsed_ms(j->t_phase);
        uv_timer_stop(&j->phase_timer);
        if (try_fallback(j, code)) {
            free(msg);
            return;
        }
    }
    j->finished = true;
    if (tracing(j))
        trace(j, "%s%s%s", code == TP_OC_NONE ? "done" : tp_outcome_name(code), msg ? ": " : "", msg ? msg : "");
    tp_result *r = j->r;
    double *slot = phase_slot(r, j->phase);
    if (code != TP_OC_NONE && slot && *slot < 0)
        *slot = tpn_elapsed_ms(j->t_phase);
    r->t.total = tpn_elapsed_ms(j->t_start);
    /* an interrupted probe did not fail: it was not allowed to finish */
    r->status = code == TP_OC_NONE                                         ? TP_ST_OK
                : code == TP_OC_CANCELLED || code == TP_OC_INCONCLUSIVE ? TP_ST_SKIPPED
                                                                          : TP_ST_FAIL;
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
        j->f->body = tp_http_body_take(&j->body, &j->f->body_len);
    }
    attempt_teardown(j);
    uv_timer_stop(&j->phase_timer);
    uv_timer_stop(&j->total_timer);
    uv_close((uv_handle_t *)&j->phase_timer, tpn_on_timer_closed);
    uv_close((uv_handle_t *)&j->total_timer, tpn_on_timer_closed);
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

/* A deadline that fires while the tester was saturated: first one grace turn of the loop
 * (timers run before the loop polls; an answer may be waiting unread in the socket), then,
 * if the network was not watched for the deadline, "inconclusive". True when handled. */
static bool saturated_deadline(job *j, uv_timer_t *t, uv_timer_cb cb, uint64_t since, int limit, bool *grace)
{
    char sat[TP_MSG_MAX];
    if (!tpn_saturated(j, since, limit, sat, sizeof sat))
        return false;
    if (!*grace) {
        *grace = true;
        uv_timer_start(t, cb, 0, 0);
        return true;
    }
    tpn_job_fail(j, TP_OC_INCONCLUSIVE, "%s", sat);
    return true;
}

void tpn_on_phase_timeout(uv_timer_t *t)
{
    job *j = t->data;
    if (j->phase == TP_PH_CONNECT && j->addr_i + 1 < j->addrs.n) {
        /* this address's share of the connect deadline is over: try the next one */
        connect_failed(j, j->addrs.v[j->addr_i], UV_ETIMEDOUT);
        return;
    }
    if (saturated_deadline(j, t, tpn_on_phase_timeout, j->t_phase, phase_limit(j), &j->grace_phase))
        return;
    if (j->via_proxy && j->phase == TP_PH_CONNECT)
        tpn_job_fail(j, timeout_code(j->phase), "proxy %s: no connection within %d ms", j->proxy_hp, phase_limit(j));
    else if (j->phase == TP_PH_PROXY)
        tpn_job_fail(j, timeout_code(j->phase), "proxy %s: no complete CONNECT reply within %d ms",
                 j->proxy_hp, phase_limit(j));
    else
        tpn_job_fail(j, timeout_code(j->phase), "%s phase deadline of %d ms reached", tp_phase_name(j->phase),
                 phase_limit(j));
}

void tpn_on_total_timeout(uv_timer_t *t)
{
    job *j = t->data;
    if (saturated_deadline(j, t, tpn_on_total_timeout, j->t_start, j->lim_total, &j->grace_total))
        return;
    /* The probe's whole deadline fired. Only when the current phase had used its own full
     * allowance is it that phase's failure (dns_timeout, connect_timeout: the network's
     * doing); otherwise the probe ran out of time ("timeout"), which blames nothing on
     * the path — a tiny --timeout must not read as a dropped connection. */
    if (j->phase == TP_PH_DNS && j->dns_queued) {
        tpn_job_fail(j, TP_OC_DNS_QUEUED, "total deadline of %d ms reached while %s still waited for one of "
                     "tlspath's %d DNS slots (the resolver was answering other names of this run; its own questions "
                     "were not late)", j->lim_total, j->conn_host, TP_DNS_MAX_INFLIGHT);
        return;
    }
    double in_phase = j->phase == TP_PH_DNS ? (double)(uv_now(j->e->loop) - j->dns_sent_ms)
                                            : tpn_elapsed_ms(j->t_phase);
    tp_outcome code = in_phase + 1.0 >= (double)phase_limit(j) ? timeout_code(j->phase) : TP_OC_TIMEOUT;
    tpn_job_fail(j, code, "total deadline of %d ms reached in phase %s", j->lim_total, tp_phase_name(j->phase));
}

void tpn_job_free(job *j)
{
    free(j->url_scheme);
    free(j->url_host);
    free(j->url_path);
    free(j->fallback_note);
    free(j);
}

/* The limits are the plan's (every value set, no phase beyond the total). A fetch lives
 * within crl_ms: every phase and the whole. */
void tpn_job_limits(job *j, const tp_limits *l, int cap)
{
    j->lim_dns = l->dns_ms;
    j->lim_connect = l->connect_ms;
    j->lim_proxy = l->proxy_ms;
    j->lim_tls = l->tls_ms;
    j->lim_http = l->http_ms;
    j->lim_total = l->total_ms;
    if (cap > 0) {
        j->lim_dns = j->lim_dns < cap ? j->lim_dns : cap;
        j->lim_connect = j->lim_connect < cap ? j->lim_connect : cap;
        j->lim_proxy = j->lim_proxy < cap ? j->lim_proxy : cap;
        j->lim_http = cap;
        j->lim_total = cap;
    }
}

void tpn_job_start_common(engine *e, job *j)
{
    j->e = e;
    uv_timer_init(e->loop, &j->phase_timer);
    uv_timer_init(e->loop, &j->total_timer);
    j->phase_timer.data = j->total_timer.data = j;
    j->timers_open = 2;
    j->early = true;
    e->early++;
    j->t_start = uv_hrtime();
    arm(j, &j->total_timer, tpn_on_total_timeout, (uint64_t)j->lim_total);
    e->inflight++;
    j->prev = NULL;
    j->next = e->jobs;
    if (e->jobs)
        e->jobs->prev = j;
    e->jobs = j;
}
