/* httpsrv.h — the HTTP listener of `tlspath serve` on the one libuv loop: one request per
 * connection (Connection: close), GET/HEAD only, every connection bounded like a probe:
 * a head size limit, a deadline for the whole head (slow clients, slowloris), a deadline
 * for the response to be taken, a cap on open connections (over it: a 503 written without
 * waiting, then close). Parsing is httpreq.c's (sans-I/O); this file only moves bytes. */
#ifndef TLSPATH_SERVE_HTTPSRV_H
#define TLSPATH_SERVE_HTTPSRV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "serve/httpreq.h"

typedef struct tp_httpsrv_limits {
    size_t max_head;           /* request line + headers (default 8 KiB) */
    size_t max_target;         /* request target (default 2 KiB) */
    size_t max_headers;        /* header lines (default 64) */
    unsigned max_conns;        /* connections open at once (default 64) */
    uint64_t head_timeout_ms;  /* the whole head must arrive within this (default 10 s) */
    uint64_t write_timeout_ms; /* the client must take the response within this (default 30 s) */
} tp_httpsrv_limits;

/* Fills the defaults above. */
void tp_httpsrv_limits_default(tp_httpsrv_limits *l);

typedef struct tp_httpresp {
    int status;
    const char *content_type;  /* static string, or NULL for no body type */
    char *body;                /* malloc'ed (freed by the server) or NULL */
    size_t body_len;
    const char *headers;       /* static extra header lines, each ending in \r\n, or NULL */
} tp_httpresp;

/* Answers one parsed request (HEAD: the server sends the head only). Runs on the loop:
 * must not block. */
typedef void (*tp_httpsrv_handler)(void *ud, const tp_httpreq *req, tp_httpresp *resp);

/* Counters for /metrics. */
typedef struct tp_httpsrv_stats {
    uint64_t accepted;         /* connections served (not counting busy refusals) */
    uint64_t refused_busy;     /* connections over max_conns, answered 503 and closed */
    uint64_t head_timeouts;    /* heads that did not arrive in time (408) */
    uint64_t write_timeouts;   /* responses not taken in time */
    uint64_t by_status[6];     /* responses by class: [1] 1xx .. [5] 5xx */
    unsigned open;             /* connections open now */
} tp_httpsrv_stats;

typedef struct tp_httpsrv tp_httpsrv;

/* Binds ip:port (an IPv4 or IPv6 literal; port 0 = any free port) and listens.
 * Returns 0, or a negative libuv error with err filled. */
int tp_httpsrv_start(tp_httpsrv **out, uv_loop_t *loop, const char *ip, int port, const tp_httpsrv_limits *lim,
                     tp_httpsrv_handler handler, void *ud, char *err, size_t errlen);
int tp_httpsrv_port(const tp_httpsrv *s);   /* the port bound (useful with port 0) */
const tp_httpsrv_stats *tp_httpsrv_get_stats(const tp_httpsrv *s);
/* Stops listening, closes every connection (responses in flight are dropped) and frees s
 * once every handle is closed; then calls done(ud) if given. */
void tp_httpsrv_close(tp_httpsrv *s, void (*done)(void *ud), void *ud);

/* "ADDR:PORT" or "[ADDR]:PORT" (IP literals only) into ip / port. Returns 0, or -1 with
 * err saying what was expected. loopback is set for 127.0.0.0/8 and ::1. */
int tp_listen_parse(const char *spec, char *ip, size_t iplen, int *port, bool *loopback, char *err, size_t errlen);
#endif
