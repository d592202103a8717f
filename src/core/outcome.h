/*
 * outcome.h — the one outcome table. Every way a probe, a fetch or a CRL judgement can end
 * is a tp_outcome, listed once in core/outcome.def with everything the rest of tlspath
 * needs to know about it: the stable JSON string, the phase, the kind of failure, who
 * decides it, whether it blames the network, the Windows error a device would show and the
 * remediation template. Code compares enums and asks the table; only reports (and parsers,
 * tests) turn a code into its string. docs/engine.md and docs/verdicts.md list the same
 * codes; tests/unit/test_outcome.c fails when they and the table disagree.
 */
#ifndef TLSPATH_OUTCOME_H
#define TLSPATH_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>

typedef enum tp_outcome {
    TP_OC_NONE = 0,   /* success: no error (reports write null) */
#define OC(id, ...) TP_OC_##id,
#include "core/outcome.def"
#undef OC
    TP_OC_COUNT
} tp_outcome;

/* What kind of step an outcome is about. */
typedef enum tp_outcome_cat {
    TP_OCAT_NONE = 0, TP_OCAT_DNS, TP_OCAT_CONNECT, TP_OCAT_PROXY, TP_OCAT_TIMEOUT, TP_OCAT_TLS,
    TP_OCAT_HTTP, TP_OCAT_FETCH, TP_OCAT_TESTER, TP_OCAT_VERIFY, TP_OCAT_REVOCATION, TP_OCAT_CRL
} tp_outcome_cat;

/* Who sets it: the engine's network facts are kept by the verdict stage; verdict codes are
 * (re)computed there; CRL-reference codes only ever appear as a crls[] entry's error. */
typedef enum tp_outcome_source {
    TP_OSRC_ENGINE = 0, TP_OSRC_VERDICT, TP_OSRC_CRLREF
} tp_outcome_source;

/* How the Windows error is derived: fixed, or the BITS 0x8019xxxx form of a 3xx-5xx status
 * (the CONNECT reply's, or the endpoint's) with the fixed value when there is no status. */
typedef enum tp_outcome_winfrom {
    TP_OWIN_FIXED = 0, TP_OWIN_PROXY_STATUS, TP_OWIN_HTTP_STATUS
} tp_outcome_winfrom;

#define TP_OC_PHASE_VARIES (-1)   /* the phase the code was raised in (timeout, cancelled) */

typedef struct tp_outcome_info {
    const char *name;         /* stable JSON string; NULL for TP_OC_NONE */
    int phase;                /* a tp_phase, or TP_OC_PHASE_VARIES */
    tp_outcome_cat category;
    tp_outcome_source source;
    bool blames_network;      /* the network is the cause (not the tester) */
    bool unreachable;         /* the host could not be reached at all (proxy down → fallback) */
    const char *windows_error;/* "0x80072EE7" or NULL */
    tp_outcome_winfrom windows_from;
    const char *remediation;  /* template for tp_outcome_expand, or NULL (none) */
    const char *doc;          /* one line, as in docs/engine.md / docs/verdicts.md */
} tp_outcome_info;

/* The row of a code (TP_OC_NONE and out-of-range values give the "none" row: every
 * column empty, phase done). */
const tp_outcome_info *tp_outcome_info_of(tp_outcome oc);

/* "dns_nxdomain" …; NULL for TP_OC_NONE (so it drops in where a NULL code meant success). */
const char *tp_outcome_name(tp_outcome oc);

/* The code spelled `name` (exact, case-sensitive); TP_OC_NONE for NULL or an unknown name. */
tp_outcome tp_outcome_from_name(const char *name);

const char *tp_outcome_category_name(tp_outcome_cat c);   /* "dns", "connect", … */

/* The Windows error a device would most likely show, as HRESULT text in buf (or a static
 * string), NULL when none: the status-derived 0x8019xxxx form when the row says so and the
 * status is 3xx-5xx, else the fixed value. */
const char *tp_outcome_windows_error(tp_outcome oc, int proxy_status, int http_status,
                                     char buf[16]);

/*
 * Remediation templates. Text is copied; `{name}` is replaced by lookup(name) (NULL or an
 * unknown name expands to "?"); `{?cond|then|else}` expands `then` when cond(name) is true,
 * else `else` (both may hold placeholders; `|` and `}` end a branch, so branch text cannot
 * contain them). Placeholders the verdict stage supplies:
 *   host port rule path cfg_path proxy_port code proxy_status http_status auth_scheme
 *   resolver cname top_issuer leaf_subject pinset crl_host crl_path user
 * conditions: via_proxy http proxy_status cname crl_direct crl_slow (every failed CRL of the
 * result failed on time alone: crl_timeout).
 * Returns a malloc'ed string, or NULL on allocation failure or a malformed template.
 */
typedef const char *(*tp_outcome_lookup_fn)(void *ud, const char *name, size_t name_len,
                                            char *buf, size_t buflen);
typedef bool (*tp_outcome_cond_fn)(void *ud, const char *name, size_t name_len);
char *tp_outcome_expand(const char *tmpl, tp_outcome_lookup_fn lookup, tp_outcome_cond_fn cond,
                        void *ud);

/* The placeholder and condition vocabularies above, NULL-terminated (tests check every
 * template uses only these). */
extern const char *const tp_outcome_placeholders[];
extern const char *const tp_outcome_conditions[];

#endif
