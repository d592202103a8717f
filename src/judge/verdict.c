/*
 * verdict.c — judgements over the engine's network facts.
 *
 * Order of work (each step reads only what earlier steps wrote):
 *   1. trust anchors: the embedded Microsoft 2011 certificates, the configured CA files
 *      and (if enabled) the system bundle — used to find the issuer of a chain's top
 *      certificate, for pinning on the anchor and for verifying that issuer's CRL;
 *   2. pinning, per result;
 *   3. interception, per result, comparing each chain with the other paths' chains
 *      for the same endpoint;
 *   4. revocation: every CRL the run needs, deduplicated per (URL, path), fetched in
 *      ONE concurrent tp_engine_fetch call, then judged per certificate (crl.c);
 *   5. final status, error, phase, SSLOptions what-if, Windows error, remediation.
 * Codes are tp_outcome rows of core/outcome.def: which ones this stage decides, their
 * phase, Windows error and remediation template are columns there, not lists here.
 * The rules are written down in docs/verdicts.md; keep the two in step.
 */
#include "judge/verdict.h"

#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pki/crl.h"
#include "base/embedded.h"
#include "pki/pins.h"
#include "pki/x509.h"

#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define MAX_CRL_URLS_PER_CERT 4   /* Windows tries a few; more is a hostile certificate */

static tp_verdict_fetch_fn g_fetch;
static time_t g_now;

void tp_verdict_set_fetcher(tp_verdict_fetch_fn fn)
{
    g_fetch = fn;
}

void tp_verdict_set_clock(time_t now)
{
    g_now = now;
}

static time_t verdict_now(void)
{
    return g_now ? g_now : time(NULL);
}

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
static void replace_str(char **dst, char *s)
{
    free(*dst);
    *dst = s;
}

/* ======================= small pure helpers ======================= */

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

static bool is_http_url(const char *u)
{
    return u && strncasecmp(u, "http://", 7) == 0;
}

/* Host (and port) of an http:// URL, for remediation text. */
static void url_host(const char *url, char *out, size_t n)
{
    const char *h = is_http_url(url) ? url + 7 : url;
    size_t len = strcspn(h, "/?#");
    snprintf(out, n, "%.*s", (int)len, h);
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

/* ======================= trust anchors ======================= */

/* Issuer lookups remembered by the SHA-256 of the certificate's DER: hundreds of results
 * present the same few top certificates, and each lookup verifies a signature. */
typedef struct anchor_memo {
    uint8_t cert_sha256[32];
    const mbedtls_x509_crt *issuer;   /* NULL = none in the store */
} anchor_memo;

typedef struct anchors {
    mbedtls_x509_crt store;
    bool loaded;
    anchor_memo *memo;
    size_t n_memo, cap_memo;
} anchors;

/* Best effort: the configuration was validated when loaded; a file that vanished since
 * only means fewer issuers can be found (the report then says "no issuer"). */
static void anchors_load(anchors *a, const tp_config *cfg)
{
    mbedtls_x509_crt_init(&a->store);
    (void)mbedtls_x509_crt_parse(&a->store, (const unsigned char *)tp_embed_ms_root_2011,
                                 tp_embed_ms_root_2011_len + 1);
    (void)mbedtls_x509_crt_parse(&a->store, (const unsigned char *)tp_embed_ms_ca_2011,
                                 tp_embed_ms_ca_2011_len + 1);
    for (size_t i = 0; i < cfg->ca_files.n; i++)
        (void)mbedtls_x509_crt_parse_file(&a->store, cfg->ca_files.v[i]);
    for (size_t p = 0; p < cfg->n_paths; p++)
        for (size_t i = 0; i < cfg->paths[p].ca_files.n; i++)
            (void)mbedtls_x509_crt_parse_file(&a->store, cfg->paths[p].ca_files.v[i]);
    if (cfg->system_ca)
        (void)mbedtls_x509_crt_parse_file(&a->store, SYSTEM_CA_BUNDLE);
    a->loaded = true;
}

static void anchors_free(anchors *a)
{
    if (a->loaded)
        mbedtls_x509_crt_free(&a->store);
    a->loaded = false;
    free(a->memo);
    a->memo = NULL;
    a->n_memo = a->cap_memo = 0;
}

static bool raw_eq(const mbedtls_x509_buf *x, const mbedtls_x509_buf *y)
{
    return x->len == y->len && x->p && y->p && memcmp(x->p, y->p, x->len) == 0;
}

static bool signed_by(const mbedtls_x509_crt *c, const mbedtls_x509_crt *issuer)
{
    return tp_crl_verify_sig(issuer, &c->tbs, c->sig_md, c->sig_pk, c->sig_opts, &c->sig) == 0;
}

/* The store certificate named as c's issuer whose key signed c (a name match alone is
 * not enough: an inspection CA may copy a real CA's name). */
static const mbedtls_x509_crt *anchors_search(const anchors *a, const mbedtls_x509_crt *c)
{
    for (const mbedtls_x509_crt *k = &a->store; k && k->raw.p; k = k->next)
        if (raw_eq(&k->subject_raw, &c->issuer_raw) && signed_by(c, k))
            return k;
    return NULL;
}

static const mbedtls_x509_crt *anchors_find_issuer(anchors *a, const mbedtls_x509_crt *c)
{
    if (!a->loaded)
        return NULL;
    uint8_t key[32];
    if (mbedtls_sha256_ret(c->raw.p, c->raw.len, key, 0) != 0)
        return anchors_search(a, c);
    for (size_t i = 0; i < a->n_memo; i++)
        if (memcmp(a->memo[i].cert_sha256, key, 32) == 0)
            return a->memo[i].issuer;
    const mbedtls_x509_crt *found = anchors_search(a, c);
    if (a->n_memo == a->cap_memo) {
        size_t cap = a->cap_memo ? a->cap_memo * 2 : 16;
        anchor_memo *m = realloc(a->memo, cap * sizeof *m);
        if (!m)
            return found;   /* no memo, same answer */
        a->memo = m;
        a->cap_memo = cap;
    }
    memcpy(a->memo[a->n_memo].cert_sha256, key, 32);
    a->memo[a->n_memo].issuer = found;
    a->n_memo++;
    return found;
}

/* ======================= per-result parsed chain ======================= */

typedef struct parsed_chain {
    mbedtls_x509_crt *crt;   /* one parsed certificate per chain entry */
    bool *ok;                /* parsed? */
    size_t n;
} parsed_chain;

static int chain_parse(const tp_result *r, parsed_chain *pc)
{
    memset(pc, 0, sizeof *pc);
    if (r->chain_len == 0)
        return 0;
    pc->crt = calloc(r->chain_len, sizeof *pc->crt);
    pc->ok = calloc(r->chain_len, sizeof *pc->ok);
    if (!pc->crt || !pc->ok) {
        free(pc->crt);
        free(pc->ok);
        memset(pc, 0, sizeof *pc);
        return -1;
    }
    pc->n = r->chain_len;
    for (size_t i = 0; i < pc->n; i++) {
        mbedtls_x509_crt_init(&pc->crt[i]);
        pc->ok[i] = r->chain[i].der &&
                    mbedtls_x509_crt_parse_der(&pc->crt[i], r->chain[i].der,
                                               r->chain[i].der_len) == 0;
    }
    return 0;
}

static void chain_free(parsed_chain *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        mbedtls_x509_crt_free(&pc->crt[i]);
    free(pc->crt);
    free(pc->ok);
    memset(pc, 0, sizeof *pc);
}

/* Issuer of chain[i]: the next presented certificate whose subject is its issuer name
 * (preferring i+1), else a trust anchor that signed it, else NULL. */
static const mbedtls_x509_crt *chain_issuer(const parsed_chain *pc, size_t i, anchors *a)
{
    if (!pc->ok[i])
        return NULL;
    const mbedtls_x509_crt *c = &pc->crt[i];
    if (i + 1 < pc->n && pc->ok[i + 1] && raw_eq(&pc->crt[i + 1].subject_raw, &c->issuer_raw))
        return &pc->crt[i + 1];
    for (size_t j = 0; j < pc->n; j++)
        if (j != i && pc->ok[j] && raw_eq(&pc->crt[j].subject_raw, &c->issuer_raw))
            return &pc->crt[j];
    return anchors_find_issuer(a, c);
}

static bool has_chain(const tp_result *r)
{
    return r->tls_done && r->chain && r->chain_len > 0;
}

/* ======================= pinning ======================= */

#define TP_PIN_MAX_CHAIN 16   /* presented certificates considered when building the path */

/* A key in the set somewhere on the path a client builds: from the leaf, each next
 * presented certificate whose subject is the current one's issuer, then the trust anchor
 * that completes it (found in the store and verified). A pinned certificate merely
 * appended to the handshake, off that path, does not count: Windows would not use it. */
static void judge_pin(const tp_config *cfg, tp_result *r, const parsed_chain *pc, anchors *a)
{
    r->pin_checked = false;
    r->pin_matched = false;
    if (!r->ep || !r->ep->pinset || !has_chain(r))
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
            if (!on_path[j] && pc->ok[j] && raw_eq(&pc->crt[j].subject_raw, &pc->crt[i].issuer_raw)) {
                next = j;
                break;
            }
        if (next == pc->n)
            break;
        i = next;
    }
    if (!pc->ok[i])
        return;
    const mbedtls_x509_crt *anchor = anchors_find_issuer(a, &pc->crt[i]);
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

static bool same_endpoint(const tp_result *a, const tp_result *b)
{
    if (!a->ep || !b->ep)
        return false;
    return a->ep == b->ep || (a->ep->id && b->ep->id && strcmp(a->ep->id, b->ep->id) == 0);
}

static const tp_path *effective_path(const tp_result *r)
{
    return r->used_path ? r->used_path : r->path;
}

static bool on_direct(const tp_result *r)
{
    const tp_path *p = effective_path(r);
    return p && p->type == TP_PATH_DIRECT;
}

static void judge_interception(const tp_config *cfg, const tp_run *run, tp_result *r)
{
    r->interception_detected = false;
    replace_str(&r->interception_issuer, NULL);
    if (!has_chain(r))
        return;
    bool others = false, differs = false, differs_from_direct = false, differs_from_trusted = false;
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *o = &run->results[i];
        if (o == r || !same_endpoint(o, r) || effective_path(o) == effective_path(r) ||
            !has_chain(o))
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
        const tp_path *p = effective_path(r);
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

/* A CA caught re-signing a pinned endpoint on a path re-signs whatever else it tops on
 * that path: squid mints one leaf per name, so an unpinned endpoint with no direct
 * reference is still recognised by its issuer. Only pin-based detections propagate (a
 * cross-path guess must not brand a public CA), and only within the same path. */
static int propagate_interception(const tp_config *cfg, tp_run *run)
{
    size_t n = run->n_results;
    bool *source = calloc(n ? n : 1, sizeof *source);
    if (!source)
        return -1;
    for (size_t j = 0; j < n; j++) {
        const tp_result *o = &run->results[j];
        source[j] = o->interception_detected && o->ep &&
                    tp_config_find_pinset(cfg, o->ep->pinset) && !o->pin_matched;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        tp_result *r = &run->results[i];
        if (!has_chain(r) || r->interception_detected || r->pin_matched || !top_cert(r)->issuer)
            continue;
        for (size_t j = 0; j < n; j++) {
            const tp_result *o = &run->results[j];
            if (!source[j] || effective_path(o) != effective_path(r) || !top_cert(o)->issuer ||
                strcmp(top_cert(o)->issuer, top_cert(r)->issuer) != 0)
                continue;
            r->interception_detected = true;
            r->interception_issuer = tp_verdict_dn_short(top_cert(r)->issuer);
            if (!r->interception_issuer)
                rc = -1;
            break;
        }
    }
    free(source);
    return rc;
}

/* ======================= revocation: planning and fetching ======================= */

static char g_direct_id[] = "direct";
static const tp_path g_direct = {.id = g_direct_id, .type = TP_PATH_DIRECT};

/* The configured paths without their credentials: the OS fetches CRLs as SYSTEM and
 * cannot answer a proxy's 407 with Defender's (or anyone's) Basic credentials. */
static tp_path *anonymous_paths(const tp_config *cfg)
{
    tp_path *anon = calloc(cfg->n_paths ? cfg->n_paths : 1, sizeof *anon);
    for (size_t i = 0; anon && i < cfg->n_paths; i++) {
        anon[i] = cfg->paths[i];   /* shallow: borrows every string */
        anon[i].username = NULL;
        anon[i].password = NULL;
    }
    return anon;
}

static const tp_path *anonymous(const tp_config *cfg, const tp_path *anon, const tp_path *p)
{
    if (p && p >= cfg->paths && p < cfg->paths + cfg->n_paths)
        return &anon[p - cfg->paths];
    return p;   /* the built-in direct path has no credentials */
}

/* The path CRLs of r are fetched through, anonymously: the configured path's crl_via (a
 * path id; "direct" works even when no path has that id), else the path the probe really
 * used. NULL when crl_via names no configured path. */
static const tp_path *crl_path(const tp_config *cfg, const tp_path *anon, const tp_result *r)
{
    const tp_path *p = r->path ? r->path : r->used_path;
    if (!p || !p->crl_via)
        return anonymous(cfg, anon, effective_path(r) ? effective_path(r) : &g_direct);
    const tp_path *q = tp_config_find_path(cfg, p->crl_via);
    if (q)
        return anonymous(cfg, anon, q);
    return strcmp(p->crl_via, "direct") == 0 ? &g_direct : NULL;
}

typedef struct slot {
    const char *url;        /* borrowed from a chain */
    const tp_path *path;
    tp_fetch f;
    tp_crl crl;
    bool parsed;
} slot;

typedef struct slots {
    slot *v;
    size_t n, cap;
} slots;

static long slot_find(const slots *s, const char *url, const tp_path *p)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].path == p && strcmp(s->v[i].url, url) == 0)
            return (long)i;
    /* a synthesised direct and a configured path named "direct" are the same route */
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].path->id, p->id) == 0 && strcmp(s->v[i].url, url) == 0)
            return (long)i;
    return -1;
}

static int slot_add(slots *s, const char *url, const tp_path *p)
{
    if (slot_find(s, url, p) >= 0)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        slot *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    slot *x = &s->v[s->n++];
    memset(x, 0, sizeof *x);
    x->url = url;
    x->path = p;
    return 0;
}

static void slots_free(slots *s)
{
    for (size_t i = 0; i < s->n; i++) {
        tp_fetch_free(&s->v[i].f);
        if (s->v[i].parsed)
            tp_crl_free(&s->v[i].crl);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Revocation is looked at only for chains the client really sees from the origin. */
static bool revocation_wanted(const tp_result *r)
{
    return r->status != TP_ST_SKIPPED && has_chain(r) && !r->interception_detected;
}

static bool cert_wants_crl(const tp_cert_info *c)
{
    if (c->self_signed)
        return false;   /* a root is trusted as such, not by a CRL */
    for (size_t u = 0; u < c->crl_urls.n; u++)
        if (is_http_url(c->crl_urls.v[u]))
            return true;
    return false;
}

static int plan_fetches(const tp_config *cfg, const tp_path *anon, const tp_run *run, slots *s)
{
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (!revocation_wanted(r))
            continue;
        const tp_path *p = crl_path(cfg, anon, r);
        if (!p)
            continue;
        for (size_t k = 0; k < r->chain_len; k++) {
            const tp_cert_info *c = &r->chain[k];
            if (!cert_wants_crl(c))
                continue;
            size_t used = 0;
            for (size_t u = 0; u < c->crl_urls.n && used < MAX_CRL_URLS_PER_CERT; u++) {
                if (!is_http_url(c->crl_urls.v[u]))
                    continue;
                used++;
                if (slot_add(s, c->crl_urls.v[u], p) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

static int run_fetches(const tp_config *cfg, slots *s, char *err, size_t errlen)
{
    if (s->n == 0)
        return 0;
    tp_fetch *f = calloc(s->n, sizeof *f);
    if (!f) {
        set_err(err, errlen, "out of memory planning %zu CRL fetches", s->n);
        return -1;
    }
    for (size_t i = 0; i < s->n; i++) {
        f[i].url = s->v[i].url;
        f[i].path = s->v[i].path;
        f[i].max_bytes = cfg->limits.crl_max_bytes;
    }
    tp_verdict_fetch_fn fetch = g_fetch ? g_fetch : tp_engine_fetch;
    char ferr[256] = "";
    if (!fetch || fetch(cfg, f, s->n, ferr, sizeof ferr) != 0) {
        /* The fetch machinery itself could not start: every CRL is unreachable, and
         * the reason says why — the run goes on. */
        const char *why = fetch ? ferr : "no CRL fetcher available";
        for (size_t i = 0; i < s->n; i++) {
            if (f[i].error_code == TP_OC_NONE)
                f[i].error_code = TP_OC_FETCH_FAILED;
            if (!f[i].error_message)
                f[i].error_message = tp_strdup(why[0] ? why : "the CRL fetch could not start");
        }
    }
    for (size_t i = 0; i < s->n; i++)
        s->v[i].f = f[i];
    free(f);
    return 0;
}

/* The parsed CRL of a slot whose fetch returned a body (parsed on first use). */
static tp_crl *slot_crl(slot *x)
{
    if (!x->f.body || (x->f.http_status && (x->f.http_status < 200 || x->f.http_status > 299)))
        return NULL;
    if (!x->parsed) {
        tp_crl_parse(&x->crl, x->f.body, x->f.body_len);
        x->parsed = true;
    }
    return &x->crl;
}

/* ======================= revocation: judgement ======================= */

static int add_crl_ref(tp_result *r, const slot *x, const char *error)
{
    for (size_t i = 0; i < r->n_crls; i++)
        if (strcmp(r->crls[i].url, x->url) == 0 && strcmp(r->crls[i].path, x->path->id) == 0)
            return 0;
    tp_crl_ref *v = realloc(r->crls, (r->n_crls + 1) * sizeof *v);
    if (!v)
        return -1;
    r->crls = v;
    tp_crl_ref *c = &r->crls[r->n_crls];
    memset(c, 0, sizeof *c);
    c->url = tp_strdup(x->url);
    c->path = tp_strdup(x->path->id);
    c->http_status = x->f.http_status;
    c->fetched = x->f.body != NULL;
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
        replace_str(&a->reason, reason);
    } else {
        free(reason);
    }
}

static char *fetch_failure_text(const slot *x)
{
    if (x->f.error_code != TP_OC_NONE)
        return tp_asprintf("%s could not be fetched through path %s: %s%s%s", x->url,
                           x->path->id, tp_outcome_name(x->f.error_code), x->f.error_message ? " — " : "",
                           x->f.error_message ? x->f.error_message : "");
    return tp_asprintf("%s could not be fetched through path %s: HTTP %d", x->url, x->path->id,
                       x->f.http_status);
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
static int judge_cert(tp_result *r, size_t k, const parsed_chain *pc, anchors *a,
                      slots *s, const tp_path *p, rev_acc *acc)
{
    const tp_cert_info *c = &r->chain[k];
    const mbedtls_x509_crt *issuer = chain_issuer(pc, k, a);
    cert_rev best = CR_NONE;
    char *why = NULL;
    size_t used = 0;
    for (size_t u = 0; u < c->crl_urls.n && used < MAX_CRL_URLS_PER_CERT; u++) {
        if (!is_http_url(c->crl_urls.v[u]))
            continue;
        used++;
        long idx = slot_find(s, c->crl_urls.v[u], p);
        if (idx < 0)
            continue;
        slot *x = &s->v[idx];
        if (x->f.ms > acc->ms)
            acc->ms = x->f.ms;
        tp_crl *crl = slot_crl(x);
        cert_rev o;
        const char *ref_error = NULL;
        char *text = NULL;
        char code_buf[32];
        if (!crl) {
            o = CR_UNREACHABLE;
            if (x->f.error_code == TP_OC_NONE) {
                snprintf(code_buf, sizeof code_buf, "http_%d", x->f.http_status);
                ref_error = code_buf;
            } else {
                ref_error = tp_outcome_name(x->f.error_code);
            }
            text = fetch_failure_text(x);
        } else if (!pc->ok[k]) {
            o = CR_UNKNOWN;
            ref_error = tp_outcome_name(TP_OC_CERT_UNPARSABLE);
            text = tp_asprintf("%s: the certificate itself does not parse, no CRL can vouch "
                               "for it", c->subject ? c->subject : "?");
        } else {
            tp_crl_verdict v;
            tp_crl_judge(crl, &pc->crt[k], issuer, verdict_now(), &v);
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
                                   x->url, x->path->id, c->subject, tp_crl_reason_text(v.reason),
                                   ref_error);
            }
        }
        if (add_crl_ref(r, x, ref_error) != 0) {
            free(text);
            free(why);
            return -1;
        }
        /* Per certificate the best source wins (Windows tries the next URL), except
         * that a revocation from any usable CRL is final. */
        if (source_rank(o) > source_rank(best)) {
            best = o;
            replace_str(&why, text);
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
    replace_str(&r->revocation_reason, tp_strdup(why));
}

static int judge_revocation(const tp_config *cfg, const tp_path *anon, tp_result *r,
                            const parsed_chain *pc, anchors *a, slots *s)
{
    if (!has_chain(r)) {
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
    if (tp_engine_interrupted()) {
        /* also when the signal came during the CRL fetches: a partial set would mislead */
        set_not_checked(r, "run interrupted");
        return 0;
    }
    const tp_path *p = crl_path(cfg, anon, r);
    if (!p) {
        const tp_path *cp = r->path ? r->path : r->used_path;
        r->revocation = TP_REV_UNREACHABLE;
        replace_str(&r->revocation_reason,
                    tp_asprintf("crl_via names path '%s', which is not configured",
                                cp && cp->crl_via ? cp->crl_via : "?"));
        return 0;
    }
    rev_acc acc = {.worst = CR_NONE, .reason = NULL, .checked = 0, .ms = 0};
    size_t wanted = 0;
    for (size_t k = 0; k < r->chain_len; k++) {
        if (!cert_wants_crl(&r->chain[k]))
            continue;
        wanted++;
        if (judge_cert(r, k, pc, a, s, p, &acc) != 0) {
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
        replace_str(&r->revocation_reason,
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
                                 "none revoked", acc.checked, p->id);
    }
    replace_str(&r->revocation_reason, acc.reason);
    return 0;
}

/* ======================= final status, messages, remediation ======================= */

/* "proxy corp (10.0.0.6:8080)" or "the direct path" — never credentials. */
static char *path_text(const tp_path *p)
{
    if (!p)
        return tp_strdup("the direct path");
    if (p->type == TP_PATH_HTTP)
        /* an IPv6 literal proxy is written [addr]:port, as in the JSON report */
        return tp_asprintf(p->proxy_host && strchr(p->proxy_host, ':') ? "proxy %s ([%s]:%d)" : "proxy %s (%s:%d)",
                           p->id, p->proxy_host ? p->proxy_host : "?", p->proxy_port);
    return tp_asprintf("the direct path (%s)", p->id);
}

static const char *rule_of(const tp_endpoint *ep)
{
    return ep->wildcard ? ep->wildcard : ep->host;
}

/* What a remediation template (core/outcome.def) may name, for one result. */
typedef struct fix_ctx {
    const tp_result *r;
    const tp_endpoint *ep;
    const tp_path *p;        /* the path the probe used */
    tp_outcome code;
    char *pt;                /* path_text(p) */
    char *cfg_pt;            /* path_text(the configured path) */
    char *crl_pt;            /* "direct" or path_text(the path the first failing CRL took) */
    bool crl_direct;
    char crl_host[256];
    char resolver[300];
} fix_ctx;

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(name, want, len) == 0;
}

static const char *fix_lookup(void *ud, const char *n, size_t len, char *buf, size_t buflen)
{
    const fix_ctx *x = ud;
    const tp_result *r = x->r;
    const tp_endpoint *ep = x->ep;
    if (name_is(n, len, "host"))
        return ep->host ? ep->host : "?";
    if (name_is(n, len, "rule"))
        return rule_of(ep);
    if (name_is(n, len, "path"))
        return x->pt;
    if (name_is(n, len, "cfg_path"))
        return x->cfg_pt;
    if (name_is(n, len, "code"))
        return tp_outcome_name(x->code);
    if (name_is(n, len, "auth_scheme"))
        return r->proxy_auth_schemes.n ? r->proxy_auth_schemes.v[0] : "authentication";
    if (name_is(n, len, "resolver"))
        return x->resolver;
    if (name_is(n, len, "cname"))
        return r->cnames.n ? r->cnames.v[r->cnames.n - 1] : "?";
    if (name_is(n, len, "top_issuer"))
        return r->chain_len && r->chain[r->chain_len - 1].issuer ? r->chain[r->chain_len - 1].issuer : "?";
    if (name_is(n, len, "leaf_subject"))
        return r->chain_len && r->chain[0].subject ? r->chain[0].subject : "?";
    if (name_is(n, len, "pinset"))
        return ep->pinset ? ep->pinset : "?";
    if (name_is(n, len, "crl_host"))
        return x->crl_host;
    if (name_is(n, len, "crl_path"))
        return x->crl_pt;
    int v = name_is(n, len, "port")           ? ep->port
            : name_is(n, len, "proxy_port")   ? (x->p ? x->p->proxy_port : 0)
            : name_is(n, len, "proxy_status") ? r->proxy_status
            : name_is(n, len, "http_status")  ? r->http_status
                                              : -1;
    if (v < 0)
        return NULL;
    snprintf(buf, buflen, "%d", v);
    return buf;
}

static bool fix_cond(void *ud, const char *n, size_t len)
{
    const fix_ctx *x = ud;
    if (name_is(n, len, "via_proxy"))
        return x->p && x->p->type == TP_PATH_HTTP;
    if (name_is(n, len, "http"))
        return x->ep->scheme && strcmp(x->ep->scheme, "http") == 0;
    if (name_is(n, len, "proxy_status"))
        return x->r->proxy_status != 0;
    if (name_is(n, len, "cname"))
        return x->r->cnames.n > 0;
    if (name_is(n, len, "crl_direct"))
        return x->crl_direct;
    return false;
}

/* One line naming host, proxy host:port and rule (never credentials): the code's template
 * from the outcome table, or a generic line for codes without one. */
static char *remediation_for(const tp_config *cfg, const tp_result *r, tp_outcome code)
{
    fix_ctx x = {.r = r, .ep = r->ep, .p = effective_path(r), .code = code};
    char *out = NULL;
    x.pt = path_text(x.p);
    if (!x.pt || code == TP_OC_NONE)
        goto done;
    if (!r->ep) {   /* the plan always sets it; stay useful if not */
        out = tp_asprintf("see error %s on %s", tp_outcome_name(code), x.pt);
        goto done;
    }
    x.cfg_pt = path_text(r->path);
    if (r->resolver && *r->resolver && strcmp(r->resolver, "system") != 0)
        snprintf(x.resolver, sizeof x.resolver, "resolver %s", r->resolver);
    else
        snprintf(x.resolver, sizeof x.resolver, "system resolver");
    /* the CRL the line is about: the first one that failed, and the path it took */
    const char *url = NULL;
    const char *via = NULL;
    for (size_t i = 0; i < r->n_crls && !url; i++)
        if (r->crls[i].error) {
            url = r->crls[i].url;
            via = r->crls[i].path;
        }
    url_host(url ? url : "crl.microsoft.com", x.crl_host, sizeof x.crl_host);
    const tp_path *cp = via ? tp_config_find_path(cfg, via) : NULL;
    x.crl_direct = !cp || cp->type == TP_PATH_DIRECT;
    x.crl_pt = x.crl_direct ? tp_strdup("direct") : path_text(cp);
    if (!x.cfg_pt || !x.crl_pt)
        goto done;
    const char *tmpl = tp_outcome_info_of(code)->remediation;
    out = tp_outcome_expand(tmpl ? tmpl : "see error {code} for {host} on {path}", fix_lookup,
                            fix_cond, &x);
done:
    free(x.pt);
    free(x.cfg_pt);
    free(x.crl_pt);
    return out;
}

static char *message_for(const tp_result *r, tp_outcome code, const tp_pinset *ps)
{
    const char *host = r->ep && r->ep->host ? r->ep->host : "?";
    char *pt = path_text(effective_path(r));
    char *m = NULL;
    if (!pt)
        return NULL;
    switch (code) {
    case TP_OC_REVOKED:
    case TP_OC_CRL_UNREACHABLE:
    case TP_OC_REVOCATION_UNKNOWN:
        m = tp_strdup(r->revocation_reason);
        break;
    case TP_OC_INTERCEPTED: {
        /* behind a bump the proxy answers for the origin: a 502/503 inside the tunnel
         * means the origin is not reachable from the proxy either — say so, or the
         * engineer excludes the name from inspection and still finds a dead end */
        char tunnel[160] = "";
        if (r->http_status >= 500)
            snprintf(tunnel, sizeof tunnel, "; the proxy answered HTTP %d inside the tunnel: the "
                     "origin is not reachable from the proxy either", r->http_status);
        m = tp_asprintf("TLS to %s on %s is re-signed by %s%s%s", host, pt,
                        r->interception_issuer ? r->interception_issuer : "an unknown CA",
                        r->ep && r->ep->inspection_allowed ? " (inspection allowed for this "
                                                             "endpoint)" : "",
                        tunnel);
        break;
    }
    case TP_OC_PROXY_FALLBACK: {
        char *cfgp = path_text(r->path);
        m = cfgp ? tp_asprintf("%s could not be reached; the probe fell back to %s and succeeded",
                               cfgp, r->used_path && r->used_path->id ? r->used_path->id : "direct")
                 : NULL;
        free(cfgp);
        break;
    }
    case TP_OC_TLS_UNTRUSTED:
        m = tp_asprintf("the chain of %s does not anchor in the configured CA store", host);
        break;
    case TP_OC_TLS_HOSTNAME_MISMATCH:
        m = tp_asprintf("the certificate of %s does not name %s", host, host);
        break;
    case TP_OC_TLS_EXPIRED:
        m = tp_asprintf("a certificate in the chain of %s is outside its validity period", host);
        break;
    case TP_OC_PIN_MISMATCH:
        m = tp_asprintf("no certificate on the path of %s (nor its anchor) is in pin set %s%s; "
                        "the chain tops at %s — a proxy that inspects TLS, or a pin set older "
                        "than Microsoft's current chain", host,
                        r->ep && r->ep->pinset ? r->ep->pinset : "?", ps ? "" : " (the set is not defined)",
                        r->chain_len && r->chain[r->chain_len - 1].issuer ? r->chain[r->chain_len - 1].issuer : "?");
        break;
    case TP_OC_HTTP_STATUS:
        m = r->http_status ? tp_asprintf("%s answered HTTP %d, not one of the expected statuses",
                                         host, r->http_status)
                           : tp_asprintf("%s gave no HTTP answer", host);
        break;
    default:
        break;
    }
    free(pt);
    return m;
}

typedef struct outcome {
    tp_status status;
    tp_outcome code;         /* its phase is the table's */
} outcome;

/* Precedence for completed probes; failures first, then warnings (a warning never
 * hides a failure). */
static outcome final_outcome(const tp_result *r)
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
    else if (r->path && r->used_path && r->used_path != r->path)
        /* it worked, but not the way it was configured: the proxy is down */
        o = (outcome){TP_ST_WARN, TP_OC_PROXY_FALLBACK};
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
        outcome o = final_outcome(r);
        r->status = o.status;
        r->phase = (tp_phase)tp_outcome_info_of(o.code)->phase;   /* done for TP_OC_NONE */
        code = o.code;
        r->error_code = o.code;
        replace_str(&r->error_message, o.code != TP_OC_NONE ? message_for(r, o.code, ps) : NULL);
    }
    char buf[16];
    const char *we = tp_verdict_windows_error(code, r->proxy_status, r->http_status, buf);
    replace_str(&r->windows_error, tp_strdup(we));
    replace_str(&r->remediation, code != TP_OC_NONE ? remediation_for(cfg, r, code) : NULL);
    if ((we && !r->windows_error) || (code != TP_OC_NONE && !r->remediation))
        return -1;
    return 0;
}

/* ======================= the driver ======================= */

int tp_verdict_apply(const tp_config *cfg, tp_run *run, char *err, size_t errlen)
{
    int rc = -1;
    anchors a = {.loaded = false, .memo = NULL, .n_memo = 0, .cap_memo = 0};
    slots s = {0};
    parsed_chain *pcs = NULL;
    tp_path *anon = NULL;
    if (!cfg || !run) {
        set_err(err, errlen, "verdict: no configuration or run");
        return -1;
    }
    if (run->n_results == 0)
        return 0;
    anchors_load(&a, cfg);
    anon = anonymous_paths(cfg);
    pcs = calloc(run->n_results, sizeof *pcs);
    if (!pcs || !anon)
        goto oom;
    for (size_t i = 0; i < run->n_results; i++)
        if (chain_parse(&run->results[i], &pcs[i]) != 0)
            goto oom;

    for (size_t i = 0; i < run->n_results; i++)
        judge_pin(cfg, &run->results[i], &pcs[i], &a);
    for (size_t i = 0; i < run->n_results; i++)
        judge_interception(cfg, run, &run->results[i]);
    if (propagate_interception(cfg, run) != 0)
        goto oom;

    /* An interrupted run (Ctrl-C) goes straight to its partial report: no CRL fetching. */
    if (!tp_engine_interrupted() && plan_fetches(cfg, anon, run, &s) != 0)
        goto oom;
    if (!tp_engine_interrupted() && run_fetches(cfg, &s, err, errlen) != 0)
        goto done;
    for (size_t i = 0; i < run->n_results; i++) {
        tp_result *r = &run->results[i];
        if (r->error_code == TP_OC_CANCELLED) {
            /* the engine stopped it on a signal: not judged, not a failure */
            r->status = TP_ST_SKIPPED;
            r->ssloptions_set = false;
            replace_str(&r->windows_error, NULL);
            replace_str(&r->remediation, NULL);
            continue;
        }
        if (r->status == TP_ST_SKIPPED)
            continue;
        if (judge_revocation(cfg, anon, r, &pcs[i], &a, &s) != 0 || finish_result(cfg, r) != 0)
            goto oom;
    }
    rc = 0;
    goto done;
oom:
    set_err(err, errlen, "verdict: out of memory");
done:
    slots_free(&s);
    for (size_t i = 0; pcs && i < run->n_results; i++)
        chain_free(&pcs[i]);
    free(pcs);
    free(anon);
    anchors_free(&a);
    return rc;
}
