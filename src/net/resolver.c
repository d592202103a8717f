/* resolver.c — c-ares bridged to libuv: ARES_OPT_SOCK_STATE_CB opens/closes one uv_poll_t
 * per c-ares socket, events go to ares_process_fd, and one uv_timer_t is re-armed from
 * ares_timeout() after every call into c-ares (that is how c-ares' retries happen). */
#include "net/resolver.h"

#include <arpa/inet.h>
#include <ares.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sock_poll {
    uv_poll_t h;
    ares_socket_t fd;
    tp_resolver *r;
    struct sock_poll *next;
} sock_poll;

/* TP_DNS_MAX_INFLIGHT (resolver.h): resolvers drop bursts (this project saw a site
 * resolver lose half of 100 simultaneous queries while answering every one at 16): a burst
 * of probes must not turn into dns_timeout verdicts that blame the resolver. Later names
 * wait their turn; their DNS deadline starts when their question is sent (issue 15: with a
 * slow but healthy resolver, the wait in the queue used to read as the resolver's fault). */

struct tp_dns_entry {
    tp_dns_entry *next;
    tp_dns_entry *qnext;     /* waiting for a free slot */
    tp_resolver *r;
    char *name;
    bool started;            /* handed to c-ares (holds a slot until answered) */
    uint64_t sent_ms;        /* uv_now when it was handed to c-ares */
    bool done;
    tp_dns_answer ans;
    tp_dns_wait waiters;     /* list head (sentinel) */
};

struct tp_resolver {
    uv_loop_t *loop;
    ares_channel ch;
    bool ch_ok;
    uv_timer_t timer;
    sock_poll *polls;
    tp_dns_entry *entries;
    char *name;
    size_t queries;
    size_t inflight;
    tp_dns_entry *qhead, *qtail;
    int pending_closes;
    bool closing;
};

static tp_dns_answer nomem_answer = {.code = TP_OC_DNS_ERROR, .message = "out of memory"};

bool tp_is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

tp_outcome tp_resolver_code(int st)
{
    switch (st) {
    case ARES_SUCCESS: return TP_OC_NONE;
    case ARES_ENOTFOUND: return TP_OC_DNS_NXDOMAIN;
    case ARES_ENODATA: return TP_OC_DNS_NO_ADDRESS;
    case ARES_ESERVFAIL: return TP_OC_DNS_SERVFAIL;
    /* Without ARES_FLAG_NOCHECKRESP c-ares 1.18 ends a REFUSED query with ARES_ECONNREFUSED
     * ("Could not contact DNS servers"); that is also what a closed DNS port gives. */
    case ARES_EREFUSED:
    case ARES_ECONNREFUSED: return TP_OC_DNS_REFUSED;
    case ARES_ETIMEOUT: return TP_OC_DNS_TIMEOUT;
    default: return TP_OC_DNS_ERROR;
    }
}

static char *answer_message(int st)
{
    switch (st) {
    case ARES_ENOTFOUND: return tp_strdup("name does not exist (NXDOMAIN)");
    case ARES_ENODATA: return tp_strdup("name exists but has no A/AAAA record");
    case ARES_ESERVFAIL: return tp_strdup("DNS server failed (SERVFAIL)");
    case ARES_EREFUSED:
    case ARES_ECONNREFUSED:
        return tp_strdup("DNS server refused the query (REFUSED) or could not be contacted");
    case ARES_ETIMEOUT: return tp_strdup("no answer from the DNS server");
    default: return tp_asprintf("DNS error: %s", ares_strerror(st));
    }
}

/* ---------- the c-ares <-> libuv bridge ---------- */

static void on_timer(uv_timer_t *t);

static void rearm_timer(tp_resolver *r)
{
    if (!r->ch_ok || r->closing)
        return;
    struct timeval tv;
    struct timeval *tvp = ares_timeout(r->ch, NULL, &tv);
    if (!tvp) {
        uv_timer_stop(&r->timer);
        return;
    }
    /* round up: firing a millisecond early would make c-ares do nothing and re-arm */
    uint64_t ms = (uint64_t)tvp->tv_sec * 1000u + ((uint64_t)tvp->tv_usec + 999u) / 1000u;
    uv_timer_start(&r->timer, on_timer, ms, 0);
}

static void on_timer(uv_timer_t *t)
{
    tp_resolver *r = t->data;
    ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    rearm_timer(r);
}

static void maybe_free(tp_resolver *r)
{
    if (!r->closing || r->pending_closes > 0)
        return;
    for (tp_dns_entry *e = r->entries, *nx; e; e = nx) {
        nx = e->next;
        free(e->name);
        free(e->ans.message);
        tp_strlist_free(&e->ans.addresses);
        tp_strlist_free(&e->ans.cnames);
        free(e);
    }
    free(r->name);
    free(r);
    ares_library_cleanup();
}

static void on_poll_closed(uv_handle_t *h)
{
    sock_poll *p = h->data;
    tp_resolver *r = p->r;
    free(p);
    r->pending_closes--;
    maybe_free(r);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_poll *p = h->data;
    tp_resolver *r = p->r;
    ares_socket_t rd = ARES_SOCKET_BAD, wr = ARES_SOCKET_BAD;
    if (status < 0) {
        /* let c-ares read the error from the socket itself */
        rd = wr = p->fd;
    } else {
        if (events & UV_READABLE)
            rd = p->fd;
        if (events & UV_WRITABLE)
            wr = p->fd;
    }
    ares_process_fd(r->ch, rd, wr);
    rearm_timer(r);
}

static void poll_close(sock_poll *p)
{
    p->r->pending_closes++;
    uv_close((uv_handle_t *)&p->h, on_poll_closed);
}

static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    tp_resolver *r = data;
    sock_poll **pp = &r->polls;
    while (*pp && (*pp)->fd != fd)
        pp = &(*pp)->next;
    sock_poll *p = *pp;
    if (!readable && !writable) {
        if (p) {
            *pp = p->next;
            uv_poll_stop(&p->h);
            poll_close(p);
        }
        return;
    }
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p)
            return; /* c-ares will time the query out */
        if (uv_poll_init_socket(r->loop, &p->h, fd) != 0) {
            free(p);
            return;
        }
        p->fd = fd;
        p->r = r;
        p->h.data = p;
        p->next = r->polls;
        r->polls = p;
    }
    uv_poll_start(&p->h, (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0), on_poll);
}

/* ---------- queries and waiters ---------- */

static void fill_answer(tp_dns_answer *a, int status, const struct ares_addrinfo *ai)
{
    if (status == ARES_SUCCESS && ai) {
        for (const struct ares_addrinfo_cname *c = ai->cnames; c; c = c->next)
            if (c->name && !tp_strlist_has(&a->cnames, c->name) && tp_strlist_add(&a->cnames, c->name) != 0)
                goto nomem;
        for (const struct ares_addrinfo_node *n = ai->nodes; n; n = n->ai_next) {
            char ip[INET6_ADDRSTRLEN];
            const void *src = NULL;
            if (n->ai_family == AF_INET)
                src = &((const struct sockaddr_in *)(const void *)n->ai_addr)->sin_addr;
            else if (n->ai_family == AF_INET6)
                src = &((const struct sockaddr_in6 *)(const void *)n->ai_addr)->sin6_addr;
            if (!src || !inet_ntop(n->ai_family, src, ip, sizeof ip))
                continue;
            if (!tp_strlist_has(&a->addresses, ip) && tp_strlist_add(&a->addresses, ip) != 0)
                goto nomem;
        }
        if (a->addresses.n == 0)
            status = ARES_ENODATA;
    }
    a->code = tp_resolver_code(status);
    if (a->code != TP_OC_NONE)
        a->message = answer_message(status);
    return;
nomem:
    a->code = TP_OC_DNS_ERROR;
    a->message = tp_strdup("out of memory");
}

static void start_queued(tp_resolver *r);

/* Records the answer and wakes every waiter. */
static void complete(tp_dns_entry *e, int status, struct ares_addrinfo *ai)
{
    fill_answer(&e->ans, status, ai);
    if (ai)
        ares_freeaddrinfo(ai);
    e->done = true;
    /* Pop waiters one at a time: a callback may cancel or add other waiters. */
    while (e->waiters.next != &e->waiters) {
        tp_dns_wait *w = e->waiters.next;
        tp_resolver_cancel(w);
        w->cb(w, &e->ans);
    }
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
    (void)timeouts;
    tp_dns_entry *e = arg;
    tp_resolver *r = e->r;
    r->inflight--;
    complete(e, status, ai);
    start_queued(r);
}

static void start_query(tp_resolver *r, tp_dns_entry *e)
{
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    /* NOSORT: keep the server's order; sorting would probe routes with connect(). */
    hints.ai_flags = ARES_AI_NOSORT;
    e->started = true;
    e->sent_ms = uv_now(r->loop);
    r->inflight++;
    r->queries++;
    /* tell the waiters first: c-ares may answer synchronously below */
    for (tp_dns_wait *w = e->waiters.next, *nx; w != &e->waiters; w = nx) {
        nx = w->next;
        if (w->sent)
            w->sent(w);
    }
    ares_getaddrinfo(r->ch, e->name, NULL, &hints, on_addrinfo, e);
    rearm_timer(r);
}

static void start_queued(tp_resolver *r)
{
    while (!r->closing && r->qhead && r->inflight < TP_DNS_MAX_INFLIGHT) {
        tp_dns_entry *e = r->qhead;
        r->qhead = e->qnext;
        if (!r->qhead)
            r->qtail = NULL;
        e->qnext = NULL;
        start_query(r, e);
    }
}

static void link_waiter(tp_dns_entry *e, tp_dns_wait *w)
{
    w->entry = e;
    w->prev = e->waiters.prev;
    w->next = &e->waiters;
    e->waiters.prev->next = w;
    e->waiters.prev = w;
}

bool tp_resolver_sent(const tp_dns_wait *w, uint64_t *sent_ms)
{
    if (!w || !w->entry || !w->entry->started)
        return false;
    *sent_ms = w->entry->sent_ms;
    return true;
}

void tp_resolver_cancel(tp_dns_wait *w)
{
    if (!w || !w->entry)
        return;
    w->prev->next = w->next;
    w->next->prev = w->prev;
    w->next = w->prev = NULL;
    w->entry = NULL;
}

const tp_dns_answer *tp_resolver_lookup(tp_resolver *r, const char *name, tp_dns_wait *w)
{
    tp_dns_entry *e = r->entries;
    while (e && strcmp(e->name, name) != 0)
        e = e->next;
    if (e) {
        if (e->done)
            return &e->ans;
        link_waiter(e, w);
        return NULL;
    }
    e = calloc(1, sizeof *e);
    if (!e || !(e->name = tp_strdup(name))) {
        free(e);
        return &nomem_answer;
    }
    e->r = r;
    e->waiters.next = e->waiters.prev = &e->waiters;
    e->next = r->entries;
    r->entries = e;
    if (r->inflight < TP_DNS_MAX_INFLIGHT && !r->qhead) {
        start_query(r, e);
    } else {
        if (r->qtail)
            r->qtail->qnext = e;
        else
            r->qhead = e;
        r->qtail = e;
    }
    /* c-ares may answer synchronously (from /etc/hosts, a bad name): then the answer is
     * returned here and w is never linked, so the caller is not re-entered. */
    if (e->done)
        return &e->ans;
    link_waiter(e, w);
    return NULL;
}

const char *tp_resolver_name(const tp_resolver *r)
{
    return r->name;
}

size_t tp_resolver_queries(const tp_resolver *r)
{
    return r->queries;
}

/* Joins the server list into c-ares' csv form; plain "ip" gets no port (53). */
static char *servers_csv(const tp_strlist *servers)
{
    size_t len = 1;
    for (size_t i = 0; i < servers->n; i++)
        len += strlen(servers->v[i]) + 1;
    char *csv = malloc(len);
    if (!csv)
        return NULL;
    csv[0] = '\0';
    for (size_t i = 0; i < servers->n; i++) {
        if (i)
            strcat(csv, ",");
        strcat(csv, servers->v[i]);
    }
    return csv;
}

int tp_resolver_new(uv_loop_t *loop, const tp_strlist *servers, int timeout_ms, tp_resolver **out,
                    char *err, size_t errlen)
{
    *out = NULL;
    tp_resolver *r = calloc(1, sizeof *r);
    int st;
    if (!r) {
        snprintf(err, errlen, "resolver: out of memory");
        return -1;
    }
    r->loop = loop;
    if ((st = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
        snprintf(err, errlen, "resolver: c-ares init: %s", ares_strerror(st));
        free(r);
        return -1;
    }
    struct ares_options o;
    memset(&o, 0, sizeof o);
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_DOMAINS | ARES_OPT_FLAGS;
    /* NOCHECKRESP: c-ares 1.18 otherwise skips a server answering SERVFAIL or REFUSED and
     * ends with ARES_ECONNREFUSED for both; a diagnosis wants the server's real answer. */
    o.flags = ARES_FLAG_NOCHECKRESP;
    o.sock_state_cb = on_sock_state;
    o.sock_state_cb_data = r;
    /* c-ares 1.18 doubles the per-try timeout each round: T + 2T + 4T ~ the query bound; three
     * tries because resolvers drop packets under load and a lost query must not read as a dead resolver */
    o.timeout = timeout_ms > 700 ? timeout_ms / 7 : 100;
    o.tries = 3;
    /* The catalog names are absolute: a search suffix would test some other name. */
    o.domains = NULL;
    o.ndomains = 0;
    if (servers && servers->n) {
        /* named resolvers: DNS only, not /etc/hosts */
        o.lookups = (char *)"b";
        mask |= ARES_OPT_LOOKUPS;
    }
    if ((st = ares_init_options(&r->ch, &o, mask)) != ARES_SUCCESS) {
        snprintf(err, errlen, "resolver: c-ares init: %s", ares_strerror(st));
        goto fail;
    }
    r->ch_ok = true;
    if (servers && servers->n) {
        r->name = servers_csv(servers);
        if (!r->name) {
            snprintf(err, errlen, "resolver: out of memory");
            goto fail;
        }
        if ((st = ares_set_servers_ports_csv(r->ch, r->name)) != ARES_SUCCESS) {
            snprintf(err, errlen, "resolver: bad resolver list \"%s\": %s", r->name, ares_strerror(st));
            goto fail;
        }
    } else if (!(r->name = tp_strdup("system"))) {
        snprintf(err, errlen, "resolver: out of memory");
        goto fail;
    }
    uv_timer_init(loop, &r->timer);
    r->timer.data = r;
    *out = r;
    return 0;
fail:
    if (r->ch_ok)
        ares_destroy(r->ch);
    free(r->name);
    free(r);
    ares_library_cleanup();
    return -1;
}

static void on_timer_closed(uv_handle_t *h)
{
    tp_resolver *r = h->data;
    r->pending_closes--;
    maybe_free(r);
}

void tp_resolver_close(tp_resolver *r)
{
    if (!r)
        return;
    /* ares_destroy ends pending queries (callbacks with ARES_EDESTRUCTION) and reports
     * each socket closed through on_sock_state, which closes its poll. */
    r->closing = true;
    ares_destroy(r->ch);
    r->ch_ok = false;
    /* names still waiting for a slot end like the destroyed ones */
    while (r->qhead) {
        tp_dns_entry *e = r->qhead;
        r->qhead = e->qnext;
        e->qnext = NULL;
        complete(e, ARES_EDESTRUCTION, NULL);
    }
    r->qtail = NULL;
    while (r->polls) {
        sock_poll *p = r->polls;
        r->polls = p->next;
        uv_poll_stop(&p->h);
        poll_close(p);
    }
    r->pending_closes++;
    uv_close((uv_handle_t *)&r->timer, on_timer_closed);
}
