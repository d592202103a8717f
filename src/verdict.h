/* verdict.h — judgements over the engine's facts: trust, hostname, pinning, interception,
 * revocation (fetching CRLs through each path's crl_via), SSLOptions what-if, the Windows
 * error a device would show, one remediation line, and each result's final status. */
#ifndef TLSPATH_VERDICT_H
#define TLSPATH_VERDICT_H
#include "model.h"

/* Applies every verdict to run->results. Fetches CRLs with tp_engine_fetch (cached per
 * (URL, path)). Returns 0, or -1 on a setup failure (err filled). */
int tp_verdict_apply(const tp_config *cfg, tp_run *run, char *err, size_t errlen);
#endif
