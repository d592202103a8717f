/* crlwork.c — each CRL of a run judged once, for every certificate that needs it, as soon
 * as its bytes are there; then the bytes are freed.
 *
 * Why per CRL rather than per result: a run's memory is its CRLs (a 32 MB CRL is held as its
 * 32 MB body — pki/crl.c walks it in place), and the judgement of one CRL for every result
 * needing it is all that keeps it alive. Judged in result order, as before, a CRL lived until
 * the last result needing it was judged — after every fetch had ended — so the bytes held
 * grew with the number of distinct CRLs. Judged per CRL as its fetch ends, on the engine's
 * thread pool (net/crlbudget.c), each CRL is freed before later ones arrive, and the
 * engine's byte budget holds.
 *
 * Thread safety: tpj_slot_judge touches slot i only (its body, its checks' verdicts, its
 * state) and reads the parsed chains, which nobody writes after tp_verdict_prepare; the
 * issuers were looked up at prepare, on the caller's thread (the anchors' memo is not
 * thread-safe), and each judgement verifies with its own copy of each issuer (below). */
#include "judge/judge_int.h"

#include <stdlib.h>
#include <string.h>

static bool issuer_eq(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
    return a == b || (a && b && tpj_raw_eq(&a->raw, &b->raw));
}

int tpj_check_add(slots *s, size_t i, const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer)
{
    slot_info *si = &s->info[i];
    for (size_t k = 0; k < si->n_checks; k++)
        if (si->checks[k].cert == cert)
            return 0;
    /* Results whose chains were not interned parse the same certificate apart: judge it
     * once (a check per pointer, the verdict of the first equal one). */
    size_t same = si->n_checks;
    for (size_t k = 0; k < si->n_checks; k++) {
        const crl_check *p = &si->checks[k];
        if (p->same == k && tpj_raw_eq(&p->cert->raw, &cert->raw) && issuer_eq(p->issuer, issuer)) {
            same = k;
            break;
        }
    }
    if (si->n_checks == si->cap_checks) {
        size_t cap = si->cap_checks ? si->cap_checks * 2 : 4;
        crl_check *nc = realloc(si->checks, cap * sizeof *nc);
        if (!nc)
            return -1;
        si->checks = nc;
        si->cap_checks = cap;
    }
    si->checks[si->n_checks++] = (crl_check){.cert = cert, .issuer = issuer,
                                             .v = {TP_CRL_UNKNOWN, TP_CRL_NO_MEMORY}, .same = same};
    return 0;
}

const tp_crl_verdict *tpj_check_verdict(const slots *s, size_t i, const mbedtls_x509_crt *cert)
{
    const slot_info *si = &s->info[i];
    for (size_t k = 0; k < si->n_checks; k++)
        if (si->checks[k].cert == cert)
            return &si->checks[si->checks[k].same].v;
    return NULL;
}

/* Private copies of the issuers: mbedTLS 2.28 caches an EC group's precomputed table inside
 * the key on its first use (ecp_mul_comb), which is a data race when two threads verify with
 * one issuer at once — and the run's CRLs are judged side by side, often under one CA. A
 * copy costs one parse of a certificate. */
typedef struct issuer_copies {
    const mbedtls_x509_crt *orig[8];
    mbedtls_x509_crt *copy[8];
    size_t n;
} issuer_copies;

static const mbedtls_x509_crt *issuer_copy(issuer_copies *ic, const mbedtls_x509_crt *orig, bool *oom)
{
    *oom = false;
    if (!orig)
        return NULL;
    for (size_t k = 0; k < ic->n; k++)
        if (ic->orig[k] == orig)
            return ic->copy[k];
    mbedtls_x509_crt *c = malloc(sizeof *c);
    if (!c) {
        *oom = true;
        return NULL;
    }
    mbedtls_x509_crt_init(c);
    if (mbedtls_x509_crt_parse_der(c, orig->raw.p, orig->raw.len) != 0) {
        mbedtls_x509_crt_free(c);
        free(c);
        *oom = true;   /* it parsed once already: only memory can fail it now */
        return NULL;
    }
    if (ic->n == sizeof ic->orig / sizeof ic->orig[0]) {
        /* more issuers than slots for one CRL (hostile): drop the oldest copy */
        mbedtls_x509_crt_free(ic->copy[0]);
        free(ic->copy[0]);
        memmove(&ic->orig[0], &ic->orig[1], (ic->n - 1) * sizeof ic->orig[0]);
        memmove(&ic->copy[0], &ic->copy[1], (ic->n - 1) * sizeof ic->copy[0]);
        ic->n--;
    }
    ic->orig[ic->n] = orig;
    ic->copy[ic->n++] = c;
    return c;
}

void tpj_slot_judge(slots *s, size_t i, time_t now, const tp_stop *stop)
{
    tp_fetch *f = &s->f[i];
    slot_info *si = &s->info[i];
    bool status_ok = !f->http_status || (f->http_status >= 200 && f->http_status <= 299);
    if (!f->body || !status_ok) {
        /* nothing to judge: finish reports the fetch's failure */
        free(f->body);
        f->body = NULL;
        si->state = SLOT_JUDGED;
        return;
    }
    si->fetched = true;
    tp_crl crl;
    tp_crl_parse_take_stop(&crl, f->body, f->body_len, stop);   /* takes the body over */
    f->body = NULL;
    issuer_copies ic = {.n = 0};
    bool stopped = crl.parse_reason == TP_CRL_STOPPED;
    for (size_t k = 0; k < si->n_checks && !stopped; k++) {
        crl_check *c = &si->checks[k];
        if (c->same != k)
            continue;   /* an equal certificate's verdict stands for it */
        bool oom;
        const mbedtls_x509_crt *issuer = issuer_copy(&ic, c->issuer, &oom);
        if (oom) {
            c->v = (tp_crl_verdict){TP_CRL_UNKNOWN, TP_CRL_NO_MEMORY};
            continue;
        }
        tp_crl_judge(&crl, c->cert, issuer, now, &c->v);
        stopped = c->v.status == TP_CRL_UNKNOWN && c->v.reason == TP_CRL_STOPPED;
    }
    for (size_t k = 0; k < ic.n; k++) {
        mbedtls_x509_crt_free(ic.copy[k]);
        free(ic.copy[k]);
    }
    tp_crl_free(&crl);
    si->state = stopped ? SLOT_STOPPED : SLOT_JUDGED;
    if (stopped)
        si->stopped_by = TP_OC_CRL_TIMEOUT;
}
