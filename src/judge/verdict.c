/*
 * verdict.c — the judgement driver over the engine's network facts, and the final word on
 * each result.
 *
 * Order of work (each step reads only what earlier steps wrote):
 *   1. trust anchors and parsed chains (trust.c) — to find the issuer of a chain's top
 *      certificate, for pinning on the anchor and for verifying that issuer's CRL;
 *   2. pinning, per result, and 3. interception, comparing each chain with the other
 *      paths' chains for the same endpoint (interception.c);
 *   4. revocation (revocation.c): every CRL the run needs, deduplicated per (URL, route), is
 *      handed to the caller as a list of fetches (tp_verdict_prepare); the caller fetches
 *      them through net/ and hands the bytes back (tp_verdict_finish), where each
 *      certificate is judged against them (pki/crl.c). Judgement does no I/O and keeps no
 *      global state: the clock and the cancellation token come in the options;
 *   5. final status, error, phase, SSLOptions what-if, Windows error (here), message and
 *      remediation (remediation.c).
 * Codes are tp_outcome rows of core/outcome.def: which ones this stage decides, their
 * phase, Windows error and remediation template are columns there, not lists here.
 * The rules are written down in docs/verdicts.md; keep the two in step.
 */
#include "judge/verdict.h"
#include "core/dnsclass.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge/judge_int.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Replaces *dst with a new malloc'ed string (NULL allowed). */
void tpj_replace_str(char **dst, char *s)
{
    free(*dst);
    *dst = s;
}

const char *tp_verdict_windows_error(tp_outcome code, int proxy_status, int http_status,
                                     char buf[16])
{
    /* the outcome table's columns (a fallback that worked shows the device no error) */
    return tp_outcome_windows_error(code, proxy_status, http_status, buf);
}

void tp_verdict_ssloptions(const tp_result *r, bool has_pinset, bool network_ok, bool pass[4])
{
    bool tls_needed = r->ep && r->ep->scheme && strcmp(r->ep->scheme, "https") == 0;
    bool base = network_ok && (!tls_needed || (r->tls_done && r->trusted && r->hostname_ok &&
                                               !r->expired));
    bool pin_ok = !has_pinset || (r->pin_checked && r->pin_matched);
    bool rev_ok = r->revocation == TP_REV_GOOD || r->revocation == TP_REV_NOT_CHECKED;
    pass[3] = base && pin_ok && rev_ok;
    pass[2] = base && pin_ok;
    pass[1] = base && rev_ok;
    pass[0] = base;
}

/* Codes this module decides (the table's source column); anything else the engine set is
 * a network failure, kept as it is. */
static bool is_verdict_code(tp_outcome code)
{
    return code != TP_OC_NONE && tp_outcome_info_of(code)->source == TP_OSRC_VERDICT;
}

typedef struct outcome {
    tp_status status;
    tp_outcome code;         /* its phase is the table's */
} outcome;

/* Precedence for completed probes; failures first, then warnings (a warning never
 * hides a failure). */
static outcome final_outcome(const tp_result *r, bool expect_public)
{
    bool tls = r->ep && r->ep->scheme && strcmp(r->ep->scheme, "https") == 0;
    bool allowed = r->ep && r->ep->inspection_allowed;
    outcome o = {TP_ST_OK, TP_OC_NONE};
    if (r->revocation == TP_REV_REVOKED)
        o = (outcome){TP_ST_FAIL, TP_OC_REVOKED};
    else if (r->interception_detected && !allowed)
        o = (outcome){TP_ST_FAIL, TP_OC_INTERCEPTED};
    else if (tls && !r->trusted)
        o = (outcome){TP_ST_FAIL, TP_OC_TLS_UNTRUSTED};
    else if (tls && !r->hostname_ok)
        o = (outcome){TP_ST_FAIL, TP_OC_TLS_HOSTNAME_MISMATCH};
    else if (tls && r->expired)
        o = (outcome){TP_ST_FAIL, TP_OC_TLS_EXPIRED};
    else if (r->pin_checked && !r->pin_matched && !r->interception_detected)
        o = (outcome){TP_ST_FAIL, TP_OC_PIN_MISMATCH};
    else if (r->revocation == TP_REV_UNREACHABLE)
        o = (outcome){TP_ST_FAIL, TP_OC_CRL_UNREACHABLE};
    else if (!r->http_status_ok)
        o = (outcome){TP_ST_FAIL, TP_OC_HTTP_STATUS};
    else if (r->revocation == TP_REV_UNKNOWN)
        /* an unusable CRL fails a default device (SSLOptions 3) just as a missing one
         * does: the status says what that device gets */
        o = (outcome){TP_ST_FAIL, TP_OC_REVOCATION_UNKNOWN};
    else if (r->interception_detected)
        o = (outcome){TP_ST_WARN, TP_OC_INTERCEPTED};
    else if (tp_result_fell_back(r))
        /* it worked, but not the way it was configured: the proxy is down */
        o = (outcome){TP_ST_WARN, TP_OC_PROXY_FALLBACK};
    else if (expect_public && tp_dns_any_private(&r->addresses))
        /* --expect-public: a Microsoft name answering a private address (Private Link, a
         * wrong internal zone) works here and not on a device off this network */
        o = (outcome){TP_ST_WARN, TP_OC_DNS_PRIVATE};
    return o;
}

static int finish_result(const tp_config *cfg, tp_result *r)
{
    const tp_pinset *ps = r->ep ? tp_config_find_pinset(cfg, r->ep->pinset) : NULL;
    bool network_failure = r->error_code != TP_OC_NONE && !is_verdict_code(r->error_code);
    tp_verdict_ssloptions(r, r->ep && r->ep->pinset, !network_failure && r->http_status_ok,
                          r->ssloptions_pass);
    /* SSLOptions (Spynet) governs MAPS cloud protection only (seed 001): for any other
     * service the what-if would suggest a registry fix that changes nothing */
    r->ssloptions_set = r->ep && r->ep->service && strcmp(r->ep->service, "maps") == 0;

    tp_outcome code;
    if (network_failure) {
        r->status = TP_ST_FAIL;   /* keep the engine's code, message and phase */
        code = r->error_code;
    } else {
        outcome o = final_outcome(r, cfg->dns.expect_public);
        r->status = o.status;
        r->phase = (tp_phase)tp_outcome_info_of(o.code)->phase;   /* done for TP_OC_NONE */
        code = o.code;
        r->error_code = o.code;
        tpj_replace_str(&r->error_message, o.code != TP_OC_NONE ? tpj_message_for(r, o.code, ps) : NULL);
    }
    char buf[16];
    const char *we = tp_verdict_windows_error(code, r->proxy_status, r->http_status, buf);
    tpj_replace_str(&r->windows_error, tp_strdup(we));
    tpj_replace_str(&r->remediation, code != TP_OC_NONE ? tpj_remediation_for(r, code) : NULL);
    if ((we && !r->windows_error) || (code != TP_OC_NONE && !r->remediation))
        return -1;
    return 0;
}

/* ======================= the driver ======================= */

struct tp_judge {
    const tp_plan *pl;
    tp_run *run;
    tp_verdict_opts o;
    time_t now;              /* o.now, else the clock at prepare: one "now" for every CRL */
    anchors a;
    parsed_chain *pcs;
    slots s;
};

void tp_verdict_free(tp_judge *j)
{
    if (!j)
        return;
    tpj_slots_free(&j->s);
    for (size_t i = 0; j->pcs && i < j->run->n_results; i++)
        tpj_chain_free(&j->pcs[i]);
    free(j->pcs);
    tpj_anchors_free(&j->a);
    free(j);
}

/* Parses every result's chain; results sharing one chain (the engine interns them) share
 * its parse too: 10,000 probes of a few services parse a few chains, not 10,000. */
static int parse_chains(const tp_run *run, parsed_chain *pcs)
{
    size_t cap = 16;
    while (cap < run->n_results * 2)
        cap *= 2;
    size_t *seen = calloc(cap, sizeof *seen); /* result index + 1 of a shared chain's first parse */
    if (!seen)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < run->n_results && rc == 0; i++) {
        const tp_result *r = &run->results[i];
        if (!r->chain_shared || !r->chain) {
            rc = tpj_chain_parse(r, &pcs[i]);
            continue;
        }
        size_t h = ((size_t)(uintptr_t)r->chain >> 4) & (cap - 1);
        while (seen[h] && run->results[seen[h] - 1].chain != r->chain)
            h = (h + 1) & (cap - 1);
        if (seen[h] && run->results[seen[h] - 1].chain_len == r->chain_len) {
            pcs[i] = pcs[seen[h] - 1];
            pcs[i].borrowed = true;
            continue;
        }
        rc = tpj_chain_parse(r, &pcs[i]);
        if (!seen[h])
            seen[h] = i + 1;
    }
    free(seen);
    return rc;
}

int tp_verdict_prepare(const tp_plan *pl, tp_run *run, const tp_verdict_opts *o, tp_judge **out,
                       tp_fetch **needs, size_t *n_needs, char *err, size_t errlen)
{
    *out = NULL;
    *needs = NULL;
    *n_needs = 0;
    if (!pl || !pl->cfg || !run) {
        set_err(err, errlen, "verdict: no plan or run");
        return -1;
    }
    tp_judge *j = calloc(1, sizeof *j);
    if (!j)
        goto oom;
    j->pl = pl;
    j->run = run;
    if (o)
        j->o = *o;
    j->now = j->o.now ? j->o.now : time(NULL);
    if (run->n_results == 0) {
        *out = j;
        return 0;
    }
    const tp_config *cfg = pl->cfg;
    tpj_anchors_load(&j->a, cfg);
    j->pcs = calloc(run->n_results, sizeof *j->pcs);
    if (!j->pcs)
        goto oom;
    if (parse_chains(run, j->pcs) != 0)
        goto oom;

    for (size_t i = 0; i < run->n_results; i++)
        tpj_judge_pin(cfg, &run->results[i], &j->pcs[i], &j->a);
    if (tpj_judge_interception(cfg, run) != 0 || tpj_propagate_interception(cfg, run) != 0)
        goto oom;

    /* An interrupted run (Ctrl-C) goes straight to its partial report: no CRL fetching. */
    if (!tp_cancelled(j->o.cancel) && tpj_plan_fetches(run, j->pcs, &j->a, pl->limits.crl_max_bytes, &j->s) != 0)
        goto oom;
    *out = j;
    *needs = j->s.f;
    *n_needs = j->s.n;
    return 0;
oom:
    tp_verdict_free(j);
    set_err(err, errlen, "verdict: out of memory");
    return -1;
}

int tp_verdict_finish(tp_judge *j, char *err, size_t errlen)
{
    if (!j) {
        set_err(err, errlen, "verdict: nothing prepared");
        return -1;
    }
    tp_run *run = j->run;
    /* also when the signal came during the CRL fetches: a partial set would mislead */
    bool interrupted = tp_cancelled(j->o.cancel);
    for (size_t i = 0; i < run->n_results; i++) {
        tp_result *r = &run->results[i];
        if (r->error_code == TP_OC_CANCELLED) {
            /* the engine stopped it: not judged, not a failure */
            r->status = TP_ST_SKIPPED;
            r->ssloptions_set = false;
            tpj_replace_str(&r->windows_error, NULL);
            tpj_replace_str(&r->remediation, NULL);
            continue;
        }
        if (r->status == TP_ST_SKIPPED)
            continue;
        if (tpj_judge_revocation(r, &j->pcs[i], &j->s, j->now, interrupted) != 0 ||
            finish_result(j->pl->cfg, r) != 0) {
            set_err(err, errlen, "verdict: out of memory");
            return -1;
        }
    }
    return 0;
}

void tp_verdict_crl_work(tp_judge *j, size_t i, const tp_stop *stop)
{
    if (j && i < j->s.n && j->s.info[i].state == SLOT_PENDING)
        tpj_slot_judge(&j->s, i, j->now, stop);
}

void tp_verdict_crl_done(tp_judge *j, size_t i, tp_outcome oc)
{
    if (!j || i >= j->s.n)
        return;
    slot_info *si = &j->s.info[i];
    if (oc == TP_OC_NONE || si->state == SLOT_JUDGED)
        return;   /* a judgement that ended keeps its verdicts, even a moment late */
    if (si->state == SLOT_PENDING && !j->s.f[i].body)
        return;   /* nothing was fetched: finish says why */
    /* stopped midway, or never run (the caller freed the body): judged no more */
    free(j->s.f[i].body);
    j->s.f[i].body = NULL;
    si->fetched = true;
    si->state = SLOT_STOPPED;
    si->stopped_by = oc == TP_OC_CANCELLED ? TP_OC_CANCELLED : TP_OC_CRL_TIMEOUT;
}
