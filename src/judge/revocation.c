/* revocation.c — which CRLs a run needs and what they say. Needs are listed once per
 * (URL, route) — the route the plan resolved for the result's crl_via, else the route the
 * probe really used — and fetched by the caller anonymously; each certificate is then
 * judged against the bytes handed back (pki/crl.c): revoked if any usable CRL lists it,
 * good if one usable CRL does not, else unknown (fetched, unusable) or unreachable. */
#include "judge/judge_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool tpj_is_http_url(const char *u)
{
    return u && strncasecmp(u, "http://", 7) == 0;
}

/* ======================= revocation: planning and fetching ======================= */

/* The route the probe really used: the one along its fallback chain whose path it used
 * (a configured fallback, or a later entry of a PAC's answer). */
static const tp_route *used_route(const tp_result *r)
{
    if (!r->route || !tp_result_fell_back(r))
        return r->route;
    for (const tp_route *rt = r->route->fallback; rt; rt = rt->chain ? rt->fallback : NULL) {
        if (rt->path == r->used_path || rt->anon == r->used_path)
            return rt;
        if (!r->route->chain)
            break;
    }
    return r->route->fallback ? r->route->fallback : r->route;
}

/* The route CRLs of r are fetched through (anonymously, through route->anon): the plan's
 * resolution of crl_via, else the route the probe really used. NULL when crl_via names no
 * path (or the result was not planned). */
const tp_route *tpj_crl_route(const tp_result *r)
{
    if (!r->route || r->route->crl_via_unknown)
        return NULL;
    return r->route->crl_via ? r->route->crl_via : used_route(r);
}

long tpj_slot_find(const slots *s, const char *url, const tp_route *rt)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->f[i].route == rt && strcmp(s->f[i].url, url) == 0)
            return (long)i;
    return -1;
}

/* The slot of (url, rt), added when new. Its index, or -1 (out of memory). */
static long slot_add(slots *s, const char *url, const tp_route *rt, size_t max_bytes)
{
    long at = tpj_slot_find(s, url, rt);
    if (at >= 0)
        return at;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        tp_fetch *f = realloc(s->f, cap * sizeof *f);
        if (!f)
            return -1;
        s->f = f;
        slot_info *in = realloc(s->info, cap * sizeof *in);
        if (!in)
            return -1;
        s->info = in;
        s->cap = cap;
    }
    memset(&s->f[s->n], 0, sizeof s->f[s->n]);
    memset(&s->info[s->n], 0, sizeof s->info[s->n]);
    s->f[s->n].url = url;
    s->f[s->n].route = rt;
    s->f[s->n].max_bytes = max_bytes;
    return (long)s->n++;
}

void tpj_slots_free(slots *s)
{
    for (size_t i = 0; i < s->n; i++) {
        tp_fetch_free(&s->f[i]);
        free(s->info[i].checks);
    }
    free(s->f);
    free(s->info);
    memset(s, 0, sizeof *s);
}

/* Revocation is looked at only for chains the client really sees from the origin. */
static bool revocation_wanted(const tp_result *r)
{
    return r->status != TP_ST_SKIPPED && tpj_has_chain(r) && !r->interception_detected;
}

static bool cert_wants_crl(const tp_cert_info *c)
{
    if (c->self_signed)
        return false;   /* a root is trusted as such, not by a CRL */
    for (size_t u = 0; u < c->crl_urls.n; u++)
        if (tpj_is_http_url(c->crl_urls.v[u]))
            return true;
    return false;
}

int tpj_plan_fetches(const tp_run *run, const parsed_chain *pcs, anchors *a, size_t max_bytes, slots *s)
{
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (!revocation_wanted(r))
            continue;
        const tp_route *rt = tpj_crl_route(r);
        if (!rt)
            continue;
        for (size_t k = 0; k < r->chain_len; k++) {
            const tp_cert_info *c = &r->chain[k];
            if (!cert_wants_crl(c))
                continue;
            size_t used = 0;
            for (size_t u = 0; u < c->crl_urls.n && used < MAX_CRL_URLS_PER_CERT; u++) {
                if (!tpj_is_http_url(c->crl_urls.v[u]))
                    continue;
                used++;
                long at = slot_add(s, c->crl_urls.v[u], rt, max_bytes);
                if (at < 0)
                    return -1;
                /* an unparsable certificate has no check: finish says so on its own */
                const parsed_chain *pc = &pcs[i];
                if (k < pc->n && pc->ok[k] &&
                    tpj_check_add(s, (size_t)at, &pc->crt[k], tpj_chain_issuer(pc, k, a)) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* ======================= revocation: judgement ======================= */

static int add_crl_ref(tp_result *r, const tp_fetch *x, bool fetched, const char *error)
{
    for (size_t i = 0; i < r->n_crls; i++)
        if (strcmp(r->crls[i].url, x->url) == 0 && strcmp(r->crls[i].path, x->route->anon->id) == 0)
            return 0;
    tp_crl_ref *v = realloc(r->crls, (r->n_crls + 1) * sizeof *v);
    if (!v)
        return -1;
    r->crls = v;
    tp_crl_ref *c = &r->crls[r->n_crls];
    memset(c, 0, sizeof *c);
    c->url = tp_strdup(x->url);
    c->path = tp_strdup(x->route->anon->id);
    c->http_status = x->http_status;
    c->fetched = fetched;
    c->error = tp_strdup(error);
    if (!c->url || !c->path || (error && !c->error)) {
        free(c->url); free(c->path); free(c->error);
        return -1;
    }
    r->n_crls++;
    return 0;
}

/* Outcome for one certificate, worst first (order used to combine them). */
typedef enum cert_rev { CR_NONE = 0, CR_GOOD, CR_UNKNOWN, CR_UNREACHABLE, CR_REVOKED } cert_rev;

typedef struct rev_acc {
    cert_rev worst;
    char *reason;     /* reason of the worst outcome so far */
    size_t checked;   /* certificates judged good */
    double ms;
} rev_acc;

static void acc_note(rev_acc *a, cert_rev o, char *reason)
{
    if (o > a->worst) {
        a->worst = o;
        tpj_replace_str(&a->reason, reason);
    } else {
        free(reason);
    }
}

static char *fetch_failure_text(const tp_fetch *x)
{
    const char *via = x->route->anon->id;
    if (x->error_code != TP_OC_NONE)
        return tp_asprintf("%s could not be fetched through path %s: %s%s%s", x->url,
                           via, tp_outcome_name(x->error_code), x->error_message ? " — " : "",
                           x->error_message ? x->error_message : "");
    return tp_asprintf("%s could not be fetched through path %s: HTTP %d", x->url, via,
                       x->http_status);
}

/* Ranking of one certificate's CRL sources: a usable answer beats an unusable one,
 * which beats none; "revoked" beats everything. */
static int source_rank(cert_rev o)
{
    switch (o) {
    case CR_REVOKED: return 4;
    case CR_GOOD: return 3;
    case CR_UNKNOWN: return 2;
    case CR_UNREACHABLE: return 1;
    case CR_NONE: break;
    }
    return 0;
}

/* Judges chain[k] over its CRL URLs: revoked if any usable CRL lists it; good if one
 * usable CRL does not; otherwise unknown (fetched, unusable) or unreachable. */
static int judge_cert(tp_result *r, size_t k, const parsed_chain *pc, slots *s,
                      const tp_route *p, time_t now, rev_acc *acc)
{
    const tp_cert_info *c = &r->chain[k];
    cert_rev best = CR_NONE;
    char *why = NULL;
    size_t used = 0;
    for (size_t u = 0; u < c->crl_urls.n && used < MAX_CRL_URLS_PER_CERT; u++) {
        if (!tpj_is_http_url(c->crl_urls.v[u]))
            continue;
        used++;
        long idx = tpj_slot_find(s, c->crl_urls.v[u], p);
        if (idx < 0)
            continue;
        /* judged on a worker as soon as it was fetched, or here, now, for all its checks */
        if (s->info[idx].state == SLOT_PENDING)
            tpj_slot_judge(s, (size_t)idx, now, NULL);
        const tp_fetch *x = &s->f[idx];
        const slot_info *si = &s->info[idx];
        if (x->ms > acc->ms)
            acc->ms = x->ms;
        bool fetched = si->fetched;
        cert_rev o;
        const char *ref_error = NULL;
        char *text = NULL;
        char code_buf[32];
        if (si->state == SLOT_STOPPED) {
            /* the tester's time ran out (or the run was cancelled), not the network's:
             * unusable, and says why */
            o = CR_UNKNOWN;
            ref_error = tp_outcome_name(si->stopped_by);
            text = tp_asprintf("%s fetched through path %s could not be judged for %s: %s (%s)", x->url,
                               x->route->anon->id, c->subject,
                               si->stopped_by == TP_OC_CRL_TIMEOUT ? tp_crl_reason_text(TP_CRL_STOPPED)
                                                                   : "the run was cancelled first",
                               ref_error);
        } else if (!fetched) {
            o = CR_UNREACHABLE;
            if (x->error_code == TP_OC_NONE) {
                snprintf(code_buf, sizeof code_buf, "http_%d", x->http_status);
                ref_error = code_buf;
            } else {
                ref_error = tp_outcome_name(x->error_code);
            }
            text = fetch_failure_text(x);
        } else if (!pc->ok[k]) {
            o = CR_UNKNOWN;
            ref_error = tp_outcome_name(TP_OC_CERT_UNPARSABLE);
            text = tp_asprintf("%s: the certificate itself does not parse, no CRL can vouch "
                               "for it", c->subject ? c->subject : "?");
        } else {
            static const tp_crl_verdict lost = {TP_CRL_UNKNOWN, TP_CRL_NO_MEMORY};
            const tp_crl_verdict *vp = tpj_check_verdict(s, (size_t)idx, &pc->crt[k]);
            tp_crl_verdict v = vp ? *vp : lost;
            if (v.status == TP_CRL_REVOKED) {
                o = CR_REVOKED;
                text = tp_asprintf("%s (serial %s) is listed as revoked in %s", c->subject,
                                   c->serial, x->url);
            } else if (v.status == TP_CRL_GOOD) {
                o = CR_GOOD;
            } else {
                o = CR_UNKNOWN;
                ref_error = tp_crl_reason_name(v.reason);
                text = tp_asprintf("%s fetched through path %s is unusable for %s: %s (%s)",
                                   x->url, x->route->anon->id, c->subject, tp_crl_reason_text(v.reason),
                                   ref_error);
            }
        }
        if (add_crl_ref(r, x, fetched, ref_error) != 0) {
            free(text);
            free(why);
            return -1;
        }
        /* Per certificate the best source wins (Windows tries the next URL), except
         * that a revocation from any usable CRL is final. */
        if (source_rank(o) > source_rank(best)) {
            best = o;
            tpj_replace_str(&why, text);
        } else {
            free(text);
        }
    }
    if (best == CR_GOOD)
        acc->checked++;
    if (best != CR_NONE)
        acc_note(acc, best, why);
    else
        free(why);
    return 0;
}

static void set_not_checked(tp_result *r, const char *why)
{
    r->revocation = TP_REV_NOT_CHECKED;
    tpj_replace_str(&r->revocation_reason, tp_strdup(why));
}

int tpj_judge_revocation(tp_result *r, const parsed_chain *pc, slots *s, time_t now,
                         bool interrupted)
{
    if (!tpj_has_chain(r)) {
        set_not_checked(r, r->ep && r->ep->scheme && strcmp(r->ep->scheme, "http") == 0
                               ? "plain HTTP endpoint: no certificate to check"
                               : "no TLS handshake completed: no certificate to check");
        return 0;
    }
    if (r->interception_detected) {
        set_not_checked(r, "TLS interception observed: behind an inspecting proxy the client "
                           "sees the proxy's certificates and cannot check the origin's "
                           "revocation");
        return 0;
    }
    if (interrupted) {
        /* also when the signal came during the CRL fetches: a partial set would mislead */
        set_not_checked(r, "run interrupted");
        return 0;
    }
    const tp_route *p = tpj_crl_route(r);
    if (!p) {
        const tp_path *cp = r->path ? r->path : r->used_path;
        r->revocation = TP_REV_UNREACHABLE;
        tpj_replace_str(&r->revocation_reason,
                    r->route ? tp_asprintf("crl_via names path '%s', which is not configured",
                                           cp && cp->crl_via ? cp->crl_via : "?")
                             : tp_strdup("the result has no planned route: no path to fetch CRLs through"));
        return 0;
    }
    rev_acc acc = {.worst = CR_NONE, .reason = NULL, .checked = 0, .ms = 0};
    size_t wanted = 0;
    for (size_t k = 0; k < r->chain_len; k++) {
        if (!cert_wants_crl(&r->chain[k]))
            continue;
        wanted++;
        if (judge_cert(r, k, pc, s, p, now, &acc) != 0) {
            free(acc.reason);
            return -1;
        }
    }
    /* A leaf that names no CRL cannot be checked at all: Windows reports the revocation
     * status unknown and a revocation-checking client (MAPS, SSLOptions 3) refuses it.
     * Public CAs always put a CDP in their leaves; an inspecting proxy's minted leaf
     * usually has none — so this is also how a trusted interceptor shows itself. */
    const tp_cert_info *leaf = &r->chain[0];
    if (!leaf->is_ca && !leaf->self_signed && !cert_wants_crl(leaf) && leaf->ocsp_urls.n == 0) {
        free(acc.reason);
        r->revocation = TP_REV_UNKNOWN;
        tpj_replace_str(&r->revocation_reason,
                    tp_asprintf("the leaf certificate of %s (issued by %s) names neither a CRL "
                                "nor an OCSP responder: a device cannot check its revocation — "
                                "typical of a certificate minted by an inspecting proxy",
                                r->ep && r->ep->host ? r->ep->host : "?",
                                leaf->issuer ? leaf->issuer : "?"));
        return 0;
    }
    if (wanted == 0) {
        set_not_checked(r, "no certificate in the chain has an http:// CRL Distribution Point");
        return 0;
    }
    r->t.revocation = acc.ms;
    switch (acc.worst) {
    case CR_REVOKED: r->revocation = TP_REV_REVOKED; break;
    case CR_UNREACHABLE: r->revocation = TP_REV_UNREACHABLE; break;
    case CR_UNKNOWN: r->revocation = TP_REV_UNKNOWN; break;
    default: r->revocation = TP_REV_GOOD; break;
    }
    if (r->revocation == TP_REV_GOOD) {
        free(acc.reason);
        acc.reason = tp_asprintf("%zu certificate(s) checked against their CRLs through path %s: "
                                 "none revoked", acc.checked, p->anon->id);
    }
    tpj_replace_str(&r->revocation_reason, acc.reason);
    return 0;
}
