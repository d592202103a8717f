/* limits.c — defaults, bounds and the clamp to the total (see limits.h for why they live
 * together). Pure arithmetic: no I/O, no messages (input/ phrases its own errors). */
#include "core/limits.h"

void tp_limits_defaults(tp_limits *l)
{
    l->concurrency = TP_LIMIT_CONCURRENCY;
    l->per_proxy = TP_LIMIT_PER_PROXY;
    l->dns_ms = TP_LIMIT_DNS_MS;
    l->connect_ms = TP_LIMIT_CONNECT_MS;
    l->proxy_ms = TP_LIMIT_PROXY_MS;
    l->tls_ms = TP_LIMIT_TLS_MS;
    l->http_ms = TP_LIMIT_HTTP_MS;
    l->crl_ms = TP_LIMIT_CRL_MS;
    l->total_ms = TP_LIMIT_TOTAL_MS;
    l->crl_max_bytes = TP_LIMIT_CRL_BYTES;
    l->crl_budget_bytes = TP_LIMIT_CRL_BUDGET;
    l->header_max_bytes = TP_LIMIT_HEADER_BYTES;
    l->body_max_bytes = TP_LIMIT_BODY_BYTES;
}

static int int_in(int v, int def, int max)
{
    if (v <= 0)
        return def;
    return v > max ? max : v;
}

static size_t size_in(size_t v, size_t def, size_t min, size_t max)
{
    if (v == 0)
        return def;
    return v < min ? min : v > max ? max : v;
}

void tp_limits_resolve(const tp_limits *in, tp_limits *out)
{
    tp_limits l = *in;
    l.concurrency = int_in(l.concurrency, TP_LIMIT_CONCURRENCY, TP_LIMIT_CONCURRENCY_MAX);
    l.per_proxy = int_in(l.per_proxy, TP_LIMIT_PER_PROXY, TP_LIMIT_CONCURRENCY_MAX);
    l.total_ms = int_in(l.total_ms, TP_LIMIT_TOTAL_MS, TP_LIMIT_TIMEOUT_MS_MAX);
    int *phase[] = {&l.dns_ms, &l.connect_ms, &l.proxy_ms, &l.tls_ms, &l.http_ms, &l.crl_ms};
    static const int def[] = {TP_LIMIT_DNS_MS, TP_LIMIT_CONNECT_MS, TP_LIMIT_PROXY_MS,
                              TP_LIMIT_TLS_MS,  TP_LIMIT_HTTP_MS,    TP_LIMIT_CRL_MS};
    for (size_t i = 0; i < sizeof phase / sizeof phase[0]; i++) {
        *phase[i] = int_in(*phase[i], def[i], TP_LIMIT_TIMEOUT_MS_MAX);
        /* the whole-probe deadline bounds every phase: a phase allowance beyond it could
         * never be used, and would turn a network timeout into a plain "timeout" */
        if (*phase[i] > l.total_ms)
            *phase[i] = l.total_ms;
    }
    l.crl_max_bytes = size_in(l.crl_max_bytes, TP_LIMIT_CRL_BYTES, TP_LIMIT_CRL_BYTES_MIN,
                              TP_LIMIT_CRL_BYTES_MAX);
    l.crl_budget_bytes = size_in(l.crl_budget_bytes, TP_LIMIT_CRL_BUDGET, TP_LIMIT_CRL_BYTES_MIN,
                                 TP_LIMIT_CRL_BUDGET_MAX);
    if (l.crl_budget_bytes < l.crl_max_bytes)
        l.crl_budget_bytes = l.crl_max_bytes;
    l.header_max_bytes = size_in(l.header_max_bytes, TP_LIMIT_HEADER_BYTES,
                                 TP_LIMIT_HEADER_BYTES_MIN, TP_LIMIT_HEADER_BYTES_MAX);
    if (l.body_max_bytes > TP_LIMIT_BODY_BYTES_MAX)
        l.body_max_bytes = TP_LIMIT_BODY_BYTES_MAX;
    *out = l;
}
