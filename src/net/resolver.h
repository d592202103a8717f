/* resolver.h — c-ares 1.18 bridged to a libuv loop, with one shared query per name.
 *
 * One tp_resolver per engine run (one server set). The first lookup of a name starts an
 * ares_getaddrinfo (AF_UNSPEC: A and AAAA); every later lookup of the same name, while
 * pending or after it ended, shares that query's answer. Waiters are embedded in the
 * caller's struct and can be cancelled (a probe whose DNS deadline fired). */
#ifndef TLSPATH_RESOLVER_H
#define TLSPATH_RESOLVER_H
#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include "core/model.h"

/* Queries in flight at once (resolver.c says why); later names queue for a slot. */
#define TP_DNS_MAX_INFLIGHT 16

typedef struct tp_resolver tp_resolver;
typedef struct tp_dns_entry tp_dns_entry;

/* The outcome of one name's query: code TP_OC_NONE on success (at least one address). */
typedef struct tp_dns_answer {
    tp_outcome code;         /* TP_OC_NONE, or TP_OC_DNS_NXDOMAIN, _NO_ADDRESS, _SERVFAIL,
                                _REFUSED, _TIMEOUT or _ERROR */
    char *message;           /* human text when code != TP_OC_NONE */
    tp_strlist addresses;    /* numeric, in the order c-ares gave them */
    tp_strlist cnames;       /* CNAME targets, in chain order */
} tp_dns_answer;

typedef struct tp_dns_wait tp_dns_wait;
typedef void (*tp_dns_cb)(tp_dns_wait *w, const tp_dns_answer *a);

/* A waiter: embedded in the caller; linked while its query is pending. */
struct tp_dns_wait {
    tp_dns_wait *next, *prev;
    tp_dns_entry *entry;     /* non-NULL while waiting */
    tp_dns_cb cb;
    /* Optional: called when a query that was waiting for a free slot is sent (the
     * caller's DNS deadline starts then, not while it queued). May be NULL. */
    void (*sent)(tp_dns_wait *w);
};

/* servers: empty = system resolver (/etc/resolv.conf); else "ip", "ip:port", "[v6]:port".
 * timeout_ms: bound on one query (c-ares retries inside it).
 * Returns 0, or -1 with err filled (bad server list, c-ares init failure, no memory). */
int tp_resolver_new(uv_loop_t *loop, const tp_strlist *servers, int timeout_ms, tp_resolver **out,
                    char *err, size_t errlen);
/* "system" or the server list as given ("10.0.0.53,10.0.0.54:5353"). Borrowed. */
const char *tp_resolver_name(const tp_resolver *r);
/* Looks name up. Returns the answer at once when the name's query already ended (w untouched),
 * or NULL after registering w (w->cb is called exactly once later, unless cancelled).
 * On allocation failure returns a static answer with code dns_error. */
const tp_dns_answer *tp_resolver_lookup(tp_resolver *r, const char *name, tp_dns_wait *w);
/* For a pending waiter: true when its question has been sent, with *sent_ms the loop time
 * (uv_now) it was sent at; false while it still waits for one of TP_DNS_MAX_INFLIGHT
 * slots (then w->sent is called when it goes out). */
bool tp_resolver_sent(const tp_dns_wait *w, uint64_t *sent_ms);
/* Unlinks a pending waiter (no callback). Safe on a waiter that is not pending. */
void tp_resolver_cancel(tp_dns_wait *w);
/* Number of queries actually sent to c-ares (one per distinct name). */
size_t tp_resolver_queries(const tp_resolver *r);
/* Destroys the channel (pending queries end with dns_error), closes the loop handles; the
 * memory is released once the loop has run their close callbacks. */
void tp_resolver_close(tp_resolver *r);

/* Maps a c-ares status to an outcome (TP_OC_NONE for ARES_SUCCESS). */
tp_outcome tp_resolver_code(int ares_status);
/* true when s is an IPv4 or IPv6 literal (no DNS needed). */
bool tp_is_ip_literal(const char *s);
#endif
