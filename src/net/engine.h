/* engine.h — the probe engine: one libuv loop, c-ares DNS, TCP, HTTP CONNECT,
 * mbedTLS over memory buffers, one small HTTP request; every phase with a deadline. */
#ifndef TLSPATH_ENGINE_H
#define TLSPATH_ENGINE_H
#include "core/model.h"

typedef void (*tp_progress_fn)(void *ud, size_t done, size_t total, size_t failed);

/* Runs the probe of every results[i] (ep and path already set by the plan) concurrently
 * (cfg->limits.concurrency at once). Fills the network facts: phase, error_code /
 * error_message, timings, dns, proxy, tls (chain via tp_x509_cert_info, verify_flags,
 * trusted, hostname_ok) and http; sets status to TP_ST_OK or TP_ST_FAIL provisionally
 * (verdict.c decides the final status). Honours path->fallback.
 * Returns 0, or -1 when the run could not start at all (err filled). */
int tp_engine_run(const tp_config *cfg, tp_result *results, size_t n,
                  tp_progress_fn progress, void *ud, char *err, size_t errlen);

/* One plain-HTTP GET (CRLs, certificates) through a path. */
typedef struct tp_fetch {
    const char *url;          /* in: http:// URL (borrowed) */
    const tp_path *path;      /* in: path to go through (borrowed) */
    size_t max_bytes;         /* in: body bound; larger bodies end in TP_OC_FETCH_TOO_LARGE */
    int http_status;          /* out: 0 if none */
    uint8_t *body;            /* out: malloc'ed body (2xx only), or NULL */
    size_t body_len;
    tp_outcome error_code;    /* out: TP_OC_NONE or a classified error (core/outcome.def) */
    char *error_message;
    double ms;                /* out: elapsed */
} tp_fetch;

/* Runs every fetch concurrently on a fresh loop within cfg->limits.crl_ms each.
 * Returns 0, or -1 when it could not start (err filled). */
int tp_engine_fetch(const tp_config *cfg, tp_fetch *f, size_t n, char *err, size_t errlen);
void tp_fetch_free(tp_fetch *f);   /* members only */

/* Interruption. While tp_engine_run or tp_engine_fetch runs, the first SIGINT or SIGTERM
 * (when its disposition is the default) ends every job in flight where it stands and every
 * job not yet started: error_code "cancelled", message "interrupted by SIGINT in phase X",
 * status TP_ST_SKIPPED (fetches: error_code "cancelled"). Completed jobs keep their results
 * and the call returns 0. The default disposition is back as soon as the signal is taken,
 * so a second one kills the process. true once a signal was caught in this process. */
bool tp_engine_interrupted(void);
#endif
