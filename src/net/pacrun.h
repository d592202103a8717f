/* pacrun.h — asking a PAC script about every endpoint of a run, without blocking the loop:
 * the script is compiled and evaluated in libuv's thread pool (plan/pac.h: time and memory
 * budgets), and the names it asks dnsResolve / isInNet / isResolvable about are resolved by
 * OUR resolver on the loop between rounds ("phases"): round 1 records the names it did not
 * know; they are resolved; round 2 evaluates again with the answers, and so on (at most
 * TP_PACRUN_ROUNDS). A script that keeps stalling is bounded by a budget for the whole
 * script (TP_PACRUN_TOTAL_MS): what is left when it runs out ends as pac_timeout. */
#ifndef TLSPATH_NET_PACRUN_H
#define TLSPATH_NET_PACRUN_H
#include <stddef.h>
#include <uv.h>

#include "core/model.h"

#define TP_PACRUN_ROUNDS 3
#define TP_PACRUN_TOTAL_MS 10000

/* One question: FindProxyForURL(url, host). */
typedef struct tp_pac_query {
    const char *url, *host;  /* borrowed */
    char *answer;            /* out: the answer (owned), NULL when code != TP_OC_NONE */
    tp_outcome code;         /* out: TP_OC_NONE, TP_OC_PAC_ERROR, _TIMEOUT or _MEMORY */
    char *message;           /* out: why not (owned) */
    bool final;              /* internal: no more rounds for this one */
} tp_pac_query;

typedef struct tp_pacrun_opts {
    const tp_strlist *resolvers; /* NULL or empty = the system resolver */
    int dns_ms;                  /* one name's lookup */
    const char *my_ip;           /* myIpAddress(); NULL = the first non-loopback IPv4 */
    int call_ms;                 /* per call; 0 = the evaluator's default */
    size_t mem_max;              /* 0 = the evaluator's default */
} tp_pacrun_opts;

typedef void (*tp_pacrun_done_fn)(void *ud);

/* Evaluates script (copied) for q[0..n) on loop; done is called once, from the loop,
 * after every query is final. Returns 0, or -1 (err filled) when nothing could start —
 * then done is never called. A script that does not compile makes every query final with
 * its code (that is not a start failure). */
int tp_pacrun_start(uv_loop_t *loop, const char *script, size_t len, const tp_pacrun_opts *o,
                    tp_pac_query *q, size_t n, tp_pacrun_done_fn done, void *ud, char *err,
                    size_t errlen);
void tp_pac_queries_free(tp_pac_query *q, size_t n); /* members only */

/* The first non-loopback IPv4 address of this host ("127.0.0.1" when none): what
 * myIpAddress() answers on a device with one interface. */
void tp_pacrun_my_ip(char *out, size_t n);
#endif
