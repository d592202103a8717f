/* verdict.h — judgements over the engine's facts: trust, hostname, pinning, interception,
 * revocation (fetching CRLs through each path's crl_via), SSLOptions what-if, the Windows
 * error a device would show, one remediation line, and each result's final status. */
#ifndef TLSPATH_VERDICT_H
#define TLSPATH_VERDICT_H
#include <time.h>
#include "core/model.h"
#include "net/engine.h"

/* Applies every verdict to run->results. Fetches CRLs with tp_engine_fetch (cached per
 * (URL, path)). Returns 0, or -1 on a setup failure (err filled). */
int tp_verdict_apply(const tp_config *cfg, tp_run *run, char *err, size_t errlen);

/* ---- additions (verdict owner) ---- */

/* The CRL fetcher: tp_engine_fetch's signature. Tests substitute a stub that serves
 * files; NULL restores tp_engine_fetch. Not thread-safe (set it before a run). */
typedef int (*tp_verdict_fetch_fn)(const tp_config *cfg, tp_fetch *f, size_t n, char *err,
                                   size_t errlen);
void tp_verdict_set_fetcher(tp_verdict_fetch_fn fn);

/* The clock CRL freshness is judged against; 0 restores time(NULL). */
void tp_verdict_set_clock(time_t now);

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
