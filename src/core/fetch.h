/* fetch.h — one plain-HTTP GET (a CRL) as data: what judge/ asks for, what net/ fills in.
 * It lives in core/ because both sides speak it and judge/ may not include net/. */
#ifndef TLSPATH_FETCH_H
#define TLSPATH_FETCH_H
#include "core/model.h"

typedef struct tp_fetch {
    const char *url;          /* in: http:// URL (borrowed) */
    const tp_route *route;    /* in: fetched through route->anon (no credentials); a proxy
                                 that cannot be reached falls back to route->fallback->anon */
    size_t max_bytes;         /* in: body bound (0 = limits.crl_max_bytes); larger bodies end
                                 in TP_OC_FETCH_TOO_LARGE */
    int http_status;          /* out: 0 if none */
    uint8_t *body;            /* out: malloc'ed body (2xx only), or NULL */
    size_t body_len;
    tp_outcome error_code;    /* out: TP_OC_NONE or a classified error (core/outcome.def) */
    char *error_message;
    double ms;                /* out: elapsed */
} tp_fetch;

void tp_fetch_free(tp_fetch *f);   /* the outputs only; inputs are borrowed */
/* Marks every fetch without an outcome as failed with `code` and message `why`: the fetch
 * machinery itself could not run, so every CRL is unreachable and says why. */
void tp_fetch_fail_all(tp_fetch *f, size_t n, tp_outcome code, const char *why);
#endif
