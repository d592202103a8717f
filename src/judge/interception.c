/* interception.c — does a chain come from the origin? Pinning (a key of the endpoint's pin
 * set on the path a client builds, anchor included) and interception (a chain that differs
 * from what other paths saw, or that a pinned endpoint's proxy re-signed), per result and
 * then propagated to what the same re-signing CA tops on the same path. */
#include "judge/judge_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/pins.h"
#include "pki/x509.h"

/* ======================= naming the re-signing CA ======================= */

char *tp_verdict_dn_short(const char *dn)
{
    if (!dn)
        return NULL;
    /* mbedtls_x509_dn_gets prints "C=US, O=Contoso, CN=Name": pick CN and O. */
    char cn[256] = "", o[256] = "";
    const char *p = dn;
    while (*p) {
        const char *end = strstr(p, ", ");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 3 && strncmp(p, "CN=", 3) == 0 && !cn[0])
            snprintf(cn, sizeof cn, "%.*s", (int)(len - 3), p + 3);
        else if (len > 2 && strncmp(p, "O=", 2) == 0 && !o[0])
            snprintf(o, sizeof o, "%.*s", (int)(len - 2), p + 2);
        if (!end)
            break;
        p = end + 2;
    }
    if (cn[0] && o[0])
        return tp_asprintf("CN=%s, O=%s", cn, o);
    if (cn[0])
        return tp_asprintf("CN=%s", cn);
    if (o[0])
        return tp_asprintf("O=%s", o);
    return tp_strdup(dn);
}

/* ======================= pinning ======================= */

#define TP_PIN_MAX_CHAIN 16   /* presented certificates considered when building the path */

/* A key in the set somewhere on the path a client builds: from the leaf, each next
 * presented certificate whose subject is the current one's issuer, then the trust anchor
 * that completes it (found in the store and verified). A pinned certificate merely
 * appended to the handshake, off that path, does not count: Windows would not use it. */
void tpj_judge_pin(const tp_config *cfg, tp_result *r, const parsed_chain *pc, anchors *a)
{
    r->pin_checked = false;
    r->pin_matched = false;
    if (!r->ep || !r->ep->pinset || !tpj_has_chain(r))
        return;
    const tp_pinset *ps = tp_config_find_pinset(cfg, r->ep->pinset);
    r->pin_checked = true;   /* an unknown set name pins to nothing: fail closed */
    if (!ps || pc->n == 0)
        return;
    bool on_path[TP_PIN_MAX_CHAIN] = {false};
    size_t i = 0;
    for (size_t steps = 0; steps < pc->n && steps < TP_PIN_MAX_CHAIN; steps++) {
        on_path[i] = true;
        if (tp_pinset_has(ps, r->chain[i].spki_raw)) {
            r->pin_matched = true;
            return;
        }
        if (!pc->ok[i] || r->chain[i].self_signed)
            return;   /* a root ends the path: no anchor to look up beyond it */
        size_t next = pc->n;
        for (size_t j = 0; j < pc->n && j < TP_PIN_MAX_CHAIN; j++)
            if (!on_path[j] && pc->ok[j] && tpj_raw_eq(&pc->crt[j].subject_raw, &pc->crt[i].issuer_raw)) {
                next = j;
                break;
            }
        if (next == pc->n)
            break;
        i = next;
    }
    if (!pc->ok[i])
        return;
    const mbedtls_x509_crt *anchor = tpj_anchors_find_issuer(a, &pc->crt[i]);
    uint8_t h[32];
    if (anchor && tp_x509_spki_sha256(anchor, h) == 0 && tp_pinset_has(ps, h))
        r->pin_matched = true;
}

/* ======================= interception ======================= */

static const tp_cert_info *top_cert(const tp_result *r)
{
    return &r->chain[r->chain_len - 1];
}

/* Two chains "look the same" when their top certificates have the same issuer, or the
 * same key. Not both: CDN nodes of one service present different leaves or rotate among
 * sibling intermediates under one root, and that is no interception. */
static bool same_chain(const tp_result *a, const tp_result *b)
{
    const tp_cert_info *x = top_cert(a), *y = top_cert(b);
    return (x->issuer && y->issuer && strcmp(x->issuer, y->issuer) == 0) ||
           memcmp(x->spki_raw, y->spki_raw, 32) == 0;
}

/* Results of one endpoint sit together in an index sorted by endpoint id (endpoints
 * without an id: by identity), so each result is compared with the few results of its own
 * endpoint (one per path) instead of with the whole run: a run of 10,000 probes spent
 * 6 % of its CPU in that quadratic scan, and 100,000 would have spent minutes. */
typedef struct ep_key {
    const char *id;          /* the endpoint's id, or NULL */
    const tp_endpoint *ep;
    size_t i;                /* index in run->results */
} ep_key;

static int key_cmp(const ep_key *a, const ep_key *b)
{
    if (a->id && b->id)
        return strcmp(a->id, b->id);
    if (a->id || b->id)
        return a->id ? -1 : 1;
    return a->ep < b->ep ? -1 : a->ep > b->ep;
}

static int index_cmp(const void *a, const void *b)
{
    const ep_key *x = a, *y = b;
    int c = key_cmp(x, y);
    return c ? c : (x->i > y->i) - (x->i < y->i);   /* stable: the run's order within an endpoint */
}

const tp_path *tpj_effective_path(const tp_result *r)
{
    return r->used_path ? r->used_path : r->path;
}

static bool on_direct(const tp_result *r)
{
    const tp_path *p = tpj_effective_path(r);
    return p && p->type == TP_PATH_DIRECT;
}

/* r against the other results of its endpoint (group: n keys into run->results). */
static void judge_one(const tp_config *cfg, const tp_run *run, const ep_key *group, size_t n, tp_result *r)
{
    r->interception_detected = false;
    tpj_replace_str(&r->interception_issuer, NULL);
    if (!tpj_has_chain(r))
        return;
    bool others = false, differs = false, differs_from_direct = false, differs_from_trusted = false;
    for (size_t i = 0; i < n; i++) {
        const tp_result *o = &run->results[group[i].i];
        if (o == r || tpj_effective_path(o) == tpj_effective_path(r) || !tpj_has_chain(o))
            continue;
        others = true;
        if (same_chain(r, o))
            continue;
        differs = true;
        differs_from_direct |= on_direct(o);
        differs_from_trusted |= o->trusted;
    }
    const tp_pinset *ps = r->ep ? tp_config_find_pinset(cfg, r->ep->pinset) : NULL;
    bool detected;
    if (ps) {
        /* Unanchored, and either another path saw something else (so it is not a
         * chain Microsoft serves everywhere), or, alone, the chain is untrusted or came
         * through a proxy expected to inspect. A trusted chain seen on one path only,
         * through a proxy that is not expected to inspect, is reported as pin_mismatch:
         * a stale pin set (Microsoft rotated its chain) looks exactly like that, and
         * calling a plain proxy an interceptor would send the engineer the wrong way. */
        const tp_path *p = tpj_effective_path(r);
        bool suspicious_alone = !r->trusted || (p && p->type == TP_PATH_HTTP && p->expect_inspection);
        detected = !r->pin_matched && (others ? differs : suspicious_alone);
    } else {
        /* No pins: the direct path's chain is the reference; without one, an untrusted
         * chain that differs from a trusted one seen elsewhere. */
        detected = !on_direct(r) && (differs_from_direct || (differs_from_trusted && !r->trusted));
    }
    if (!detected)
        return;
    r->interception_detected = true;
    r->interception_issuer = tp_verdict_dn_short(top_cert(r)->issuer);
}

int tpj_judge_interception(const tp_config *cfg, tp_run *run)
{
    size_t n = 0;
    ep_key *idx = malloc((run->n_results ? run->n_results : 1) * sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < run->n_results; i++) {
        tp_result *r = &run->results[i];
        if (r->ep)
            idx[n++] = (ep_key){.id = r->ep->id, .ep = r->ep, .i = i};
        else   /* no endpoint, nothing to compare with: judged alone */
            judge_one(cfg, run, NULL, 0, r);
    }
    qsort(idx, n, sizeof *idx, index_cmp);
    for (size_t g = 0; g < n;) {
        size_t e = g + 1;
        while (e < n && key_cmp(&idx[g], &idx[e]) == 0)
            e++;
        for (size_t k = g; k < e; k++)
            judge_one(cfg, run, idx + g, e - g, &run->results[idx[k].i]);
        g = e;
    }
    free(idx);
    return 0;
}

/* A CA caught re-signing a pinned endpoint on a path re-signs whatever else it tops on
 * that path: squid mints one leaf per name, so an unpinned endpoint with no direct
 * reference is still recognised by its issuer. Only pin-based detections propagate (a
 * cross-path guess must not brand a public CA), and only within the same path. */
typedef struct resigner {
    const tp_path *path;     /* the path it was caught on */
    const char *issuer;      /* the DN it signs with */
} resigner;

static int resigner_cmp(const void *a, const void *b)
{
    const resigner *x = a, *y = b;
    if (x->path != y->path)
        return x->path < y->path ? -1 : 1;
    return strcmp(x->issuer, y->issuer);
}

/* The caught CAs, as a sorted (path, issuer) list, so each result is one lookup. */
int tpj_propagate_interception(const tp_config *cfg, tp_run *run)
{
    size_t n = run->n_results, ns = 0;
    resigner *caught = malloc((n ? n : 1) * sizeof *caught);
    if (!caught)
        return -1;
    for (size_t j = 0; j < n; j++) {
        const tp_result *o = &run->results[j];
        if (o->interception_detected && o->ep && tp_config_find_pinset(cfg, o->ep->pinset) && !o->pin_matched &&
            top_cert(o)->issuer)
            caught[ns++] = (resigner){.path = tpj_effective_path(o), .issuer = top_cert(o)->issuer};
    }
    qsort(caught, ns, sizeof *caught, resigner_cmp);
    int rc = 0;
    for (size_t i = 0; ns && i < n && rc == 0; i++) {
        tp_result *r = &run->results[i];
        if (!tpj_has_chain(r) || r->interception_detected || r->pin_matched || !top_cert(r)->issuer)
            continue;
        resigner key = {.path = tpj_effective_path(r), .issuer = top_cert(r)->issuer};
        if (!bsearch(&key, caught, ns, sizeof *caught, resigner_cmp))
            continue;
        r->interception_detected = true;
        r->interception_issuer = tp_verdict_dn_short(top_cert(r)->issuer);
        if (!r->interception_issuer)
            rc = -1;
    }
    free(caught);
    return rc;
}
