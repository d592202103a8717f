/* pac.h — proxy auto-config (PAC) scripts: evaluating FindProxyForURL(url, host) in a
 * sandboxed JavaScript engine (duktape, built from Debian's duktape-dev source with an
 * execution timeout hook) and reading what it returns ("PROXY a:1; PROXY b:2; DIRECT").
 *
 * The evaluator does no I/O. dnsResolve, isResolvable, isInNet and their Microsoft "Ex"
 * forms ask the caller's resolve callback, which answers from names already resolved by
 * OUR resolver; a name it does not know yet is collected in `pending` and the answer is
 * marked TP_PAC_PENDING — the caller resolves those names and evaluates again (phases:
 * docs/paths.md "PAC"). Every call has a time budget (an endless loop is stopped) and
 * the heap a memory budget (a custom allocator with a cap); a syntax error, a throw, a
 * wrong return type, an exhausted budget all end in a classified tp_pac_rc, never a hang
 * or a crash. */
#ifndef TLSPATH_PLAN_PAC_H
#define TLSPATH_PLAN_PAC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

#define TP_PAC_MAX_SCRIPT (1u << 20)   /* bytes of PAC text accepted */
#define TP_PAC_MAX_ANSWER 4096u        /* bytes of a FindProxyForURL answer kept */
#define TP_PAC_MAX_HOPS 16u

typedef enum tp_pac_rc {
    TP_PAC_OK = 0,
    TP_PAC_PENDING,   /* answered, but asked for names the callback did not know yet */
    TP_PAC_ERROR,     /* syntax error, throw, no FindProxyForURL, not a string */
    TP_PAC_TIMEOUT,   /* the time budget ran out (endless loop) */
    TP_PAC_MEMORY,    /* the memory budget ran out */
} tp_pac_rc;

const char *tp_pac_rc_name(tp_pac_rc rc);

/* What the script may ask of the world. */
typedef struct tp_pac_env {
    /* Answers dnsResolve(host): 1 = resolved, addrs filled with the addresses separated by
     * ';' (IPv4 first where the caller has both); 0 = the name does not resolve; -1 = not
     * resolved yet (the evaluator records it as pending). NULL = nothing resolves. */
    int (*resolve)(void *ud, const char *host, char *addrs, size_t addrlen);
    void *ud;
    const char *my_ip;       /* myIpAddress(); NULL = "127.0.0.1" as browsers answer offline */
    int64_t now_ms;          /* the clock of weekdayRange/dateRange/timeRange; 0 = real time */
    size_t mem_max;          /* heap budget in bytes; 0 = 64 MiB */
    int time_ms;             /* budget of the script's top level and of each call; 0 = 1000 */
} tp_pac_env;

typedef struct tp_pac tp_pac;

/* Compiles and runs the script's top level. env is copied (its ud and my_ip are
 * borrowed). NULL with *rc and err set on failure (*rc TP_PAC_ERROR for out of memory too). */
tp_pac *tp_pac_new(const char *src, size_t len, const tp_pac_env *env, tp_pac_rc *rc,
                   char *err, size_t errlen);
/* FindProxyForURLEx (Microsoft's IPv6-aware form) when the script defines it, else
 * FindProxyForURL. *answer is malloc'ed on TP_PAC_OK / TP_PAC_PENDING (at most
 * TP_PAC_MAX_ANSWER bytes); names the callback did not know are added to pending.
 * After a TIMEOUT or MEMORY the heap may be left half-way: a later call still answers
 * (budgets are per call) or fails cleanly. */
tp_pac_rc tp_pac_find(tp_pac *pac, const char *url, const char *host, char **answer,
                      tp_strlist *pending, char *err, size_t errlen);
void tp_pac_free(tp_pac *pac);

/* ---- answers ---- */

typedef enum tp_pac_hop_kind { TP_HOP_DIRECT = 0, TP_HOP_PROXY, TP_HOP_UNSUPPORTED } tp_pac_hop_kind;

typedef struct tp_pac_hop {
    tp_pac_hop_kind kind;
    char *host;              /* TP_HOP_PROXY: no brackets */
    int port;                /* TP_HOP_PROXY: given, or 80 as WinHTTP assumes */
    char *text;              /* the entry as written, trimmed ("PROXY a:1", "SOCKS b:2") */
} tp_pac_hop;

/* "PROXY host:port; HTTP host:port; DIRECT; SOCKS ..." → hops in order (at most
 * TP_PAC_MAX_HOPS). HTTPS / SOCKS* entries are kept as TP_HOP_UNSUPPORTED (WinHTTP does
 * not use them); an empty answer means DIRECT. Returns 0, or -1 with err ("expected ...,
 * got ...") for an entry that is none of these or a bad host:port. */
int tp_pac_answer_parse(const char *answer, tp_pac_hop **hops, size_t *n, char *err, size_t errlen);
void tp_pac_hops_free(tp_pac_hop *hops, size_t n);
/* A copy of an answer for reports and messages with any user-info ("PROXY u:p@h:1") of
 * each entry replaced by "***" (a PAC has no business carrying credentials, but if it
 * does they are not repeated). malloc'ed; NULL on out of memory. */
char *tp_pac_answer_redact(const char *answer);
#endif
