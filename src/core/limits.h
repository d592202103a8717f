/* limits.h — every limit of a run in one place: the defaults, the bounds a value may take,
 * and the rule "no phase deadline exceeds the probe's total".
 *
 * Why here: the config file, the command line and the built-in defaults used to fill and
 * clamp limits each in their own way (the clamp only ran on the command-line path). Now
 * input/ validates against these bounds and the plan resolves every run's limits with
 * tp_limits_resolve, whatever the entry point; net/ takes the result as it is. */
#ifndef TLSPATH_LIMITS_H
#define TLSPATH_LIMITS_H
#include "core/model.h"

/* Defaults (config/default.json and docs/config.md say the same). */
#define TP_LIMIT_CONCURRENCY 128
#define TP_LIMIT_PER_PROXY 64
#define TP_LIMIT_DNS_MS 5000
#define TP_LIMIT_CONNECT_MS 5000
#define TP_LIMIT_PROXY_MS 5000
#define TP_LIMIT_TLS_MS 10000
#define TP_LIMIT_HTTP_MS 10000
#define TP_LIMIT_CRL_MS 10000
#define TP_LIMIT_TOTAL_MS 30000
#define TP_LIMIT_CRL_BYTES ((size_t)32 * 1024 * 1024)
/* CRL bytes held and in flight at once (net/crlbudget.c): four CRLs at the default bound */
#define TP_LIMIT_CRL_BUDGET ((size_t)128 * 1024 * 1024)
#define TP_LIMIT_HEADER_BYTES ((size_t)16 * 1024)
#define TP_LIMIT_BODY_BYTES ((size_t)64 * 1024)

/* Bounds: wide enough for any real network, narrow enough to catch a unit mistake
 * (seconds for milliseconds) and to keep every value in an int or size_t. */
#define TP_LIMIT_CONCURRENCY_MAX 100000
#define TP_LIMIT_TIMEOUT_MS_MAX 3600000
#define TP_LIMIT_CRL_BYTES_MIN 1024
#define TP_LIMIT_CRL_BYTES_MAX ((size_t)1024 * 1024 * 1024)
#define TP_LIMIT_CRL_BUDGET_MAX ((size_t)16 * 1024 * 1024 * 1024)
#define TP_LIMIT_HEADER_BYTES_MIN 1024
#define TP_LIMIT_HEADER_BYTES_MAX ((size_t)1024 * 1024)
#define TP_LIMIT_BODY_BYTES_MAX ((size_t)64 * 1024 * 1024)

/* The built-in defaults. */
void tp_limits_defaults(tp_limits *l);

/* The limits a run uses: every unset value (0 or less; body_max_bytes may be 0) takes its
 * default, every value is brought within its bounds, no phase deadline (dns, connect,
 * proxy, tls, http, crl) exceeds total_ms, and crl_budget_bytes is at least crl_max_bytes
 * (raised to it: one CRL at the bound must always fit, so a body the budget could never
 * hold is always the fetch's own fetch_too_large). Idempotent. */
void tp_limits_resolve(const tp_limits *in, tp_limits *out);
#endif
