/* verdict.h — judgements over the engine's facts: trust, hostname, pinning, interception,
 * revocation, SSLOptions what-if, the Windows error a device would show, one remediation
 * line, and each result's final status.
 *
 * Judgement does no I/O: it says which CRLs it needs (prepare), the caller fetches them
 * through net/ and hands each CRL's bytes back as soon as it has them (crl_work, crl_done),
 * or all at the end (finish). The clock and the cancellation token are options, not
 * globals, so tests feed CRL bytes and times directly. */
#ifndef TLSPATH_VERDICT_H
#define TLSPATH_VERDICT_H
#include <time.h>
#include "core/cancel.h"
#include "core/fetch.h"
#include "core/model.h"
#include "plan/plan.h"

typedef struct tp_verdict_opts {
    time_t now;                /* the clock CRL freshness is judged against; 0 = time(NULL) */
    const tp_cancel *cancel;   /* optional, the caller's: a cancelled run fetches no CRL and
                                  checks no revocation (a partial set would mislead) */
} tp_verdict_opts;

/* What a judgement keeps between prepare and finish. */
typedef struct tp_judge tp_judge;

/* Step 1: judges what needs no bytes (pinning, interception) and lists every CRL the run
 * needs, deduplicated per (URL, route): *needs (n_needs entries, owned by the judge) has
 * url, route and max_bytes (the plan's limits.crl_max_bytes) set and its outputs empty.
 * The caller fills the outputs (tp_engine_fetch, or bytes of its own) — or marks them all
 * failed with tp_fetch_fail_all when it cannot fetch — then calls tp_verdict_finish.
 * pl must be the plan run's results were built from; o may be NULL. Returns 0, or -1 on
 * a setup failure (err filled, *out NULL). */
int tp_verdict_prepare(const tp_plan *pl, tp_run *run, const tp_verdict_opts *o, tp_judge **out,
                       tp_fetch **needs, size_t *n_needs, char *err, size_t errlen);
/* Step 1b, optional, once per fetch as soon as it ends (net/engine.h's tp_fetch_sink):
 * judges needs[i]'s CRL for every certificate of the run that needs it, then frees its
 * bytes (needs[i].body is NULL after). The heavy part of revocation — the parse and the
 * signature over a CRL of up to crl_max_bytes — so it may run on a worker thread, for
 * distinct i at the same time (it touches needs[i] and what the judge keeps for it, and
 * reads what prepare built). Stoppable: once *stop is set (NULL: never) it returns within
 * milliseconds, the CRL unjudged. */
void tp_verdict_crl_work(tp_judge *j, size_t i, const tp_stop *stop);
/* Then, on the caller's thread: oc is TP_OC_NONE, or why the judgement was cut short —
 * TP_OC_CRL_TIMEOUT (the CRL's deadline passed: the certificates it answers for get
 * revocation unknown, crls[].error "crl_timeout") or TP_OC_CANCELLED. A judgement that did
 * end keeps its verdicts. Also when crl_work never ran (its body, if any, is freed here). */
void tp_verdict_crl_done(tp_judge *j, size_t i, tp_outcome oc);
/* Step 2: judges revocation against the fetched bytes (a CRL not judged by crl_work is
 * judged here, one at a time) and decides every final status, message, Windows error and
 * remediation. Returns 0 or -1 (out of memory, err filled). */
int tp_verdict_finish(tp_judge *j, char *err, size_t errlen);
void tp_verdict_free(tp_judge *j);

/* The Windows error (HRESULT text, e.g. "0x80072F8F") a device would most likely show
 * for an outcome; proxy_status / http_status give the 0x8019xxxx HTTP forms. Returns NULL
 * for codes with no Windows counterpart. The values are core/outcome.def's column
 * (tp_outcome_windows_error); docs/verdicts.md explains them. */
const char *tp_verdict_windows_error(tp_outcome error_code, int proxy_status, int http_status,
                                     char buf[16]);

/* The SSLOptions what-if for one result whose pin/revocation/interception facts are set:
 * pass[m] for m = 0..3 (3 = pinning + revocation, 2 = revocation off, 1 = pinning off,
 * 0 = both off). `network_ok`: the probe completed (no DNS/connect/proxy/TLS/HTTP error)
 * with an expected HTTP status. */
void tp_verdict_ssloptions(const tp_result *r, bool has_pinset, bool network_ok, bool pass[4]);

/* "CN=..., O=..." picked from an mbedTLS-printed DN (falls back to the whole DN).
 * Returns a malloc'ed string or NULL. */
char *tp_verdict_dn_short(const char *dn);
#endif
