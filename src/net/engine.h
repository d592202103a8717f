/* engine.h — the probe engine: c-ares DNS, TCP, HTTP CONNECT, mbedTLS over memory buffers,
 * one small HTTP request; every phase with a deadline. It runs on a libuv loop the caller
 * owns (tp_engine_*_start, for a long-lived program that runs many times on one loop) or on
 * a loop of its own (tp_engine_run / tp_engine_fetch, blocking). It takes a narrow options
 * struct, never the whole configuration: limits as the plan resolved them, the resolvers
 * and the trust anchors. Path references come resolved in each result's route. */
#ifndef TLSPATH_ENGINE_H
#define TLSPATH_ENGINE_H
#include <uv.h>
#include "core/cancel.h"
#include "core/fetch.h"
#include "core/model.h"
#include "net/tlsprofile.h"

typedef void (*tp_progress_fn)(void *ud, size_t done, size_t total, size_t failed);

/* `tlspath run -v`: one line per phase of each probe and fetch as it ends (DNS answer,
 * TCP peer, CONNECT reply, TLS version/cipher/chain, HTTP status, the outcome), prefixed
 * "[endpoint via path]" or "[CRL url via path]". Lines hold network text (the caller
 * cleans and redacts it) and never credentials. An option of the run, not of the process:
 * two runs on one loop trace (or not) each to their own caller. */
typedef void (*tp_trace_fn)(void *ud, const char *line);

typedef struct tp_engine_opts {
    tp_limits limits;             /* as tp_limits_resolve left them: every value set */
    const tp_strlist *resolvers;  /* NULL or empty = the system resolver */
    const tp_strlist *ca_files;   /* extra trust anchors for every path (NULL = none) */
    bool system_ca;               /* load the system bundle */
    tp_tls_profile_id tls_profile; /* the ClientHello's shape (0 = windows, the default) */
    const tp_strlist *block_pages; /* addresses a DNS filter answers (config dns.block_pages):
                                     with 0.0.0.0, ::, loopback, a name resolving only to them
                                     is dns_sinkhole (NULL = none) */
    bool loopback_sinkhole;       /* a name answering only loopback is dns_sinkhole too (the
                                     pipeline sets it; tests that resolve names to 127.0.0.1
                                     on purpose leave it false) */
    tp_cancel *cancel;            /* optional, owned by the caller: a run that starts with it
                                     set cancels everything at once; the blocking wrappers
                                     set it on SIGINT / SIGTERM */
    tp_trace_fn trace;            /* optional: the -v trace (NULL = off) */
    void *trace_ud;
} tp_engine_opts;

/* One run in progress on a caller's loop. Freed by the engine after its done callback. */
typedef struct tp_engine_op tp_engine_op;
/* Called once, from the loop, when every job has ended and every handle of the run is
 * closed: the results (or fetches) are final. */
typedef void (*tp_engine_done_fn)(void *ud);

/* Starts the probe of every results[i] (ep, path and route set by the plan) on loop,
 * limits.concurrency at once. Fills the network facts: phase, error_code / error_message,
 * timings, dns, proxy, tls (chain via tp_x509_cert_info, verify_flags, trusted,
 * hostname_ok) and http; sets status to TP_ST_OK or TP_ST_FAIL provisionally (judge/
 * decides the final status). A proxy that cannot be reached hands the probe to
 * route->fallback, once. Returns 0 (done will be called, never from inside this call), or
 * -1 when the run could not start at all (err filled, done never called). */
int tp_engine_probe_start(uv_loop_t *loop, const tp_engine_opts *o, tp_result *results, size_t n,
                          tp_progress_fn progress, tp_engine_done_fn done, void *ud,
                          tp_engine_op **op, char *err, size_t errlen);

/* Starts every fetch (plain-HTTP GET of a CRL, anonymously through f->route) on loop, each
 * within limits.crl_ms. Same contract as tp_engine_probe_start.
 *
 * The CRL budget (net/crlbudget.c, docs/engine.md "CRL budget"): at its response head a
 * fetch reserves what its body may take — the Content-Length, else its max_bytes — and
 * gives it back when it ends; while the bytes reserved and held would pass
 * limits.crl_budget_bytes it waits there, in arrival order, not reading and with its
 * deadlines stopped (one fetch always goes when nothing is counted). Without a sink the
 * bodies are the caller's once their fetch ends. */
int tp_engine_fetch_start(uv_loop_t *loop, const tp_engine_opts *o, tp_fetch *f, size_t n,
                          tp_engine_done_fn done, void *ud, tp_engine_op **op, char *err,
                          size_t errlen);

/* What a fetch run does with each body as soon as its fetch ends (the CRL stage:
 * app/pipeline.c wires judge/'s tp_verdict_crl_work and tp_verdict_crl_done in). A body
 * handed to it stays counted in the budget (held) until `work` has consumed it. */
typedef struct tp_fetch_sink {
    /* On a thread of libuv's pool, once fetch i ended with a body: consumes f[i].body
     * (frees it, sets it NULL); returns soon once *stop is set. Runs side by side with
     * the work of other fetches. */
    void (*work)(void *ud, size_t i, const tp_stop *stop);
    /* Then on the loop: oc TP_OC_NONE; TP_OC_CRL_TIMEOUT when the fetch's crl_ms — what the
     * fetch left of it — ran out before work returned (stop was set at that moment); or
     * TP_OC_CANCELLED. Also called when work never ran (cancelled while queued: f[i].body
     * is freed first). Not called for a fetch that ended without a body. */
    void (*done)(void *ud, size_t i, tp_outcome oc);
    void *ud;
    tp_crl_stats *stats;   /* optional: the budget's figures, kept current as the run goes */
} tp_fetch_sink;

/* tp_engine_fetch_start with a sink (NULL: none). */
int tp_engine_fetch_sink_start(uv_loop_t *loop, const tp_engine_opts *o, tp_fetch *f, size_t n,
                               const tp_fetch_sink *sink, tp_engine_done_fn done, void *ud,
                               tp_engine_op **op, char *err, size_t errlen);

/* Ends every job in flight where it stands and every job not yet started: error_code
 * "cancelled", message "<why> in phase X", status TP_ST_SKIPPED (fetches: error_code
 * "cancelled"). Completed jobs keep their results; done follows as usual. Call it only
 * before done ran. */
void tp_engine_cancel(tp_engine_op *op, const char *why);

/* Blocking conveniences on a loop of their own. While they run, the first SIGINT or
 * SIGTERM (when its disposition is the default) sets o->cancel (if given) to
 * "interrupted by SIGINT" and cancels the run as above; the default disposition is back
 * at once, so a second signal kills the process. Return 0, or -1 when the run could not
 * start (err filled). */
int tp_engine_run(const tp_engine_opts *o, tp_result *results, size_t n, tp_progress_fn progress,
                  void *ud, char *err, size_t errlen);
int tp_engine_fetch(const tp_engine_opts *o, tp_fetch *f, size_t n, char *err, size_t errlen);
#endif
