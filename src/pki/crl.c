/*
 * crl.c — sans-I/O CRL judgement (no sockets, no files, no clock: "now" is given).
 *
 * The steps mirror what mbedTLS's x509_crt_verifycrl() does inside a handshake, but
 * each failure gets its own name instead of one BADCRL flag, because the report has
 * to say *why* revocation could not be established:
 *   parse -> pick the CRL of the certificate's issuer -> issuer certificate known?
 *   -> issuer may sign CRLs and did sign this one -> serial listed? -> fresh?
 */
#include "pki/crl.h"

#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char PEM_CRL_BEGIN[] = "-----BEGIN X509 CRL-----";

time_t tp_x509_time_to_epoch(const mbedtls_x509_time *t)
{
    if (!t || t->year == 0)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = t->year - 1900;
    tm.tm_mon = t->mon - 1;
    tm.tm_mday = t->day;
    tm.tm_hour = t->hour;
    tm.tm_min = t->min;
    tm.tm_sec = t->sec;
    return timegm(&tm);
}

/* Is the PEM header anywhere in buf? (memmem is a GNU extension: a bounded scan.) */
static bool looks_like_pem(const uint8_t *buf, size_t len)
{
    const size_t n = sizeof PEM_CRL_BEGIN - 1;
    for (size_t i = 0; len >= n && i <= len - n; i++) {
        const uint8_t *hit = memchr(buf + i, '-', len - n + 1 - i);
        if (!hit)
            return false;
        i = (size_t)(hit - buf);
        if (memcmp(hit, PEM_CRL_BEGIN, n) == 0)
            return true;
    }
    return false;
}

/* mbedTLS signals "critical extension" as an extension error; everything else that
 * fails to parse is simply not a usable CRL. */
static tp_crl_reason classify_parse_error(int ret)
{
    int high = -((-ret) & 0xFF80);
    if (high == MBEDTLS_ERR_X509_INVALID_EXTENSIONS)
        return TP_CRL_CRITICAL_EXT;
    if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED || ret == MBEDTLS_ERR_PEM_ALLOC_FAILED)
        return TP_CRL_NO_MEMORY;
    return TP_CRL_UNPARSABLE;
}

/* ---------- lean DER path: no entry list ---------- */

static bool serial_equal(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b);

/* One TLV at *q (end bounds it): its tag, its contents [*q, *q + *l) after the call. */
static int der_elem(unsigned char **q, const unsigned char *end, unsigned char *tag, size_t *l)
{
    if (*q >= end)
        return -1;
    *tag = **q;
    (*q)++;
    return mbedtls_asn1_get_len(q, end, l) == 0 ? 0 : -1;
}

static size_t der_len_size(size_t n)
{
    size_t k = 1;
    if (n >= 0x80)
        for (size_t m = n; m; m >>= 8)
            k++;
    return k;
}

static uint8_t *der_put_hdr(uint8_t *o, unsigned char tag, size_t n)
{
    *o++ = tag;
    size_t k = der_len_size(n);
    if (k == 1) {
        *o++ = (uint8_t)n;
        return o;
    }
    *o++ = (uint8_t)(0x80 | (k - 1));
    for (size_t i = k - 1; i > 0; i--)
        *o++ = (uint8_t)(n >> (8 * (i - 1)));
    return o;
}

static bool is_time_tag(unsigned char t)
{
    return t == (MBEDTLS_ASN1_UTC_TIME) || t == (MBEDTLS_ASN1_GENERALIZED_TIME);
}

/* Copies the CRL in buf without the contents of its revokedCertificates (left as is when
 * the CRL does not have the expected shape: mbedTLS then judges the original and names
 * the error). Returns the copy (caller frees) and fills c's in-place fields, or NULL. */
static uint8_t *strip_entries(tp_crl *c, const uint8_t *buf, size_t len, size_t *out_len)
{
    unsigned char *p = (unsigned char *)buf, *tag_at;
    const unsigned char *end = buf + len;
    unsigned char tag;
    size_t l;
    if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        l != (size_t)(end - p))
        return NULL;
    unsigned char *tbs_at = p;
    if (der_elem(&p, end, &tag, &l) != 0 || tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
        return NULL;
    unsigned char *tbs_in = p;
    const unsigned char *tbs_end = p + l;
    unsigned char *q = tbs_in;
    /* [version] signature issuer thisUpdate [nextUpdate] revokedCertificates ... */
    if (q < tbs_end && *q == MBEDTLS_ASN1_INTEGER) {
        if (der_elem(&q, tbs_end, &tag, &l) != 0)
            return NULL;
        q += l;
    }
    for (int i = 0; i < 2; i++) {
        if (der_elem(&q, tbs_end, &tag, &l) != 0 || tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
            return NULL;
        q += l;
    }
    if (der_elem(&q, tbs_end, &tag, &l) != 0 || !is_time_tag(tag))
        return NULL;
    q += l;
    if (q < tbs_end && is_time_tag(*q)) {
        if (der_elem(&q, tbs_end, &tag, &l) != 0)
            return NULL;
        q += l;
    }
    tag_at = q;
    if (der_elem(&q, tbs_end, &tag, &l) != 0 || tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
        l == 0)
        return NULL;
    const unsigned char *rev = q, *rev_end = q + l;
    /* the new TBS leaves the element out entirely: an absent revokedCertificates */
    size_t tbs_c = (size_t)(tag_at - tbs_in) + (size_t)(tbs_end - rev_end);
    size_t rest = (size_t)(end - tbs_end);
    size_t tbs_total = 1 + der_len_size(tbs_c) + tbs_c;
    size_t inner = tbs_total + rest;
    size_t total = 1 + der_len_size(inner) + inner;
    uint8_t *o = malloc(total), *w;
    if (!o)
        return NULL;
    w = der_put_hdr(o, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, inner);
    w = der_put_hdr(w, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, tbs_c);
    memcpy(w, tbs_in, (size_t)(tag_at - tbs_in));
    w += tag_at - tbs_in;
    memcpy(w, rev_end, (size_t)(tbs_end - rev_end));
    w += tbs_end - rev_end;
    memcpy(w, tbs_end, rest);
    *out_len = total;
    c->tbs_full.tag = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
    c->tbs_full.p = tbs_at;
    c->tbs_full.len = (size_t)(tbs_end - tbs_at);
    c->revoked = rev;
    c->revoked_len = (size_t)(rev_end - rev);
    return o;
}

/* How often the long loops look at the stop flag: every 4096 entries (about 0.1 MB of
 * a CRL, well under a millisecond) and every MiB hashed. */
#define STOP_EVERY_ENTRIES 4096u
#define STOP_EVERY_BYTES ((size_t)1 << 20)

/* Walks revokedCertificates in place with the checks mbedTLS's entry parser makes
 * (entry SEQUENCE, serial, revocation time, optional well-formed entry extensions).
 * With serial set, *found tells whether it is listed. TP_CRL_OK or the reason
 * (TP_CRL_STOPPED once *stop is set). */
static tp_crl_reason walk_entries(const uint8_t *rev, size_t len, const mbedtls_x509_buf *serial,
                                  bool *found, const tp_stop *stop)
{
    unsigned char *p = (unsigned char *)rev;
    const unsigned char *end = rev + len;
    bool listing = true;   /* mbedTLS's list ends at an entry with an empty serial */
    for (size_t n = 1; p < end; n++) {
        size_t l;
        if (n % STOP_EVERY_ENTRIES == 0 && tp_stop_requested(stop))
            return TP_CRL_STOPPED;
        if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            return TP_CRL_UNPARSABLE;
        const unsigned char *e2 = p + l;
        /* the same serial and time parsers mbedTLS's entry parser uses */
        mbedtls_x509_buf s;
        mbedtls_x509_time when;
        if (mbedtls_x509_get_serial(&p, e2, &s) != 0 || mbedtls_x509_get_time(&p, e2, &when) != 0)
            return TP_CRL_UNPARSABLE;
        if (p < e2) {
            size_t el;
            if (*p != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
                return TP_CRL_UNPARSABLE;
            if (mbedtls_asn1_get_tag(&p, e2, &el, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
                return TP_CRL_CRITICAL_EXT;   /* mbedTLS: "invalid extensions" */
            const unsigned char *ee = p + el;
            while (p < ee) {
                size_t xl;
                if (mbedtls_asn1_get_tag(&p, ee, &xl, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
                    return TP_CRL_CRITICAL_EXT;
                p += xl;
            }
            if (p != e2)
                return TP_CRL_UNPARSABLE;
        }
        if (s.len == 0)
            listing = false;
        if (serial && listing && serial_equal(&s, serial)) {
            *found = true;
            return TP_CRL_OK;
        }
    }
    return TP_CRL_OK;
}

/* DER bytes parsed the lean way. false when the CRL does not have the shape expected
 * (the caller then parses it the ordinary way, which names the error). */
static bool parse_lean(tp_crl *c, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    uint8_t *head = strip_entries(c, buf, len, &n);
    if (!head)
        return false;
    int ret = mbedtls_x509_crl_parse_der(&c->crl, head, n);
    free(head);
    if (ret != 0 || c->crl.version == 0) {
        mbedtls_x509_crl_free(&c->crl);
        mbedtls_x509_crl_init(&c->crl);
        c->revoked = NULL;
        c->revoked_len = 0;
        return false;   /* the ordinary parse names the error */
    }
    tp_crl_reason r = walk_entries(c->revoked, c->revoked_len, NULL, NULL, c->stop);
    c->lean = true;
    c->parse_reason = r;
    if (r != TP_CRL_OK) {
        mbedtls_x509_crl_free(&c->crl);
        mbedtls_x509_crl_init(&c->crl);
        c->lean = false;
    }
    return true;
}

/* The ordinary mbedTLS parse (PEM, or DER of an unexpected shape). */
static void parse_full(tp_crl *c, const uint8_t *buf, size_t len)
{
    int ret;
    if (looks_like_pem(buf, len)) {
        /* mbedtls_x509_crl_parse only takes PEM from a NUL-terminated buffer whose
         * length counts the NUL. */
        uint8_t *z = malloc(len + 1);
        if (!z) {
            c->parse_reason = TP_CRL_NO_MEMORY;
            return;
        }
        memcpy(z, buf, len);
        z[len] = '\0';
        ret = mbedtls_x509_crl_parse(&c->crl, z, len + 1);
        free(z);
    } else {
        ret = mbedtls_x509_crl_parse_der(&c->crl, buf, len);
    }
    if (ret == 0 && c->crl.version != 0)
        c->parse_reason = TP_CRL_OK;
    else if (ret != 0)
        c->parse_reason = classify_parse_error(ret);
    if (c->parse_reason != TP_CRL_OK) {
        mbedtls_x509_crl_free(&c->crl);
        mbedtls_x509_crl_init(&c->crl);
    }
}

static void crl_init(tp_crl *c)
{
    memset(c, 0, sizeof *c);
    mbedtls_x509_crl_init(&c->crl);
    c->parse_reason = TP_CRL_UNPARSABLE;
}

void tp_crl_parse_take(tp_crl *c, uint8_t *buf, size_t len)
{
    tp_crl_parse_take_stop(c, buf, len, NULL);
}

void tp_crl_parse_take_stop(tp_crl *c, uint8_t *buf, size_t len, const tp_stop *stop)
{
    crl_init(c);
    c->stop = stop;
    if (!buf || len == 0) {
        free(buf);
        return;
    }
    if (!looks_like_pem(buf, len) && parse_lean(c, buf, len)) {
        if (c->lean)
            c->own = buf;   /* tbs_full and revoked point into it */
        else
            free(buf);
        return;
    }
    parse_full(c, buf, len);
    free(buf);
}

void tp_crl_parse(tp_crl *c, const uint8_t *buf, size_t len)
{
    crl_init(c);
    if (!buf || len == 0)
        return;
    if (looks_like_pem(buf, len)) {
        parse_full(c, buf, len);
        return;
    }
    uint8_t *copy = malloc(len);
    if (!copy) {
        c->parse_reason = TP_CRL_NO_MEMORY;
        return;
    }
    memcpy(copy, buf, len);
    tp_crl_parse_take(c, copy, len);
}

void tp_crl_free(tp_crl *c)
{
    if (!c)
        return;
    mbedtls_x509_crl_free(&c->crl);
    mbedtls_x509_crl_init(&c->crl);
    c->parse_reason = TP_CRL_UNPARSABLE;
    c->n_memo = 0;
    c->lean = false;
    c->revoked = NULL;
    c->revoked_len = 0;
    free(c->own);
    c->own = NULL;
    c->stop = NULL;
}

/* The digest of the to-be-signed bytes, a MiB at a time with a look at *stop in between
 * (a 32 MB CRL takes a good part of a second to hash). 0, -1 (error) or 1 (stopped). */
static int hash_tbs(const mbedtls_md_info_t *info, const mbedtls_x509_buf *tbs, const tp_stop *stop,
                    unsigned char *hash)
{
    if (!stop)
        return mbedtls_md(info, tbs->p, tbs->len, hash) == 0 ? 0 : -1;
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = mbedtls_md_setup(&ctx, info, 0) == 0 && mbedtls_md_starts(&ctx) == 0 ? 0 : -1;
    for (size_t off = 0; rc == 0 && off < tbs->len; off += STOP_EVERY_BYTES) {
        if (tp_stop_requested(stop)) {
            rc = 1;
            break;
        }
        size_t n = tbs->len - off < STOP_EVERY_BYTES ? tbs->len - off : STOP_EVERY_BYTES;
        if (mbedtls_md_update(&ctx, tbs->p + off, n) != 0)
            rc = -1;
    }
    if (rc == 0 && mbedtls_md_finish(&ctx, hash) != 0)
        rc = -1;
    mbedtls_md_free(&ctx);
    return rc;
}

/* tp_crl_verify_sig with a stop flag: 0 (verifies), -1 (does not) or 1 (stopped). */
static int verify_sig_stop(const mbedtls_x509_crt *issuer, const mbedtls_x509_buf *tbs,
                           mbedtls_md_type_t md, mbedtls_pk_type_t pk, const void *pk_opts,
                           const mbedtls_x509_buf *sig, const tp_stop *stop)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(md);
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (!issuer || !info || !tbs->p || !sig->p)
        return -1;
    int hrc = hash_tbs(info, tbs, stop, hash);
    if (hrc != 0)
        return hrc;
    if (!mbedtls_pk_can_do(&issuer->pk, pk))
        return -1;
    if (mbedtls_pk_verify_ext(pk, pk_opts, (mbedtls_pk_context *)&issuer->pk, md, hash,
                              mbedtls_md_get_size(info), sig->p, sig->len) != 0)
        return -1;
    return 0;
}

int tp_crl_verify_sig(const mbedtls_x509_crt *issuer, const mbedtls_x509_buf *tbs,
                      mbedtls_md_type_t md, mbedtls_pk_type_t pk, const void *pk_opts,
                      const mbedtls_x509_buf *sig)
{
    return verify_sig_stop(issuer, tbs, md, pk, pk_opts, sig, NULL) == 0 ? 0 : -1;
}

static bool raw_equal(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    return a->len == b->len && a->p && b->p && memcmp(a->p, b->p, a->len) == 0;
}

/* Serial numbers compared as integers: DER may carry a leading 0x00 sign byte. */
static bool serial_equal(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    const unsigned char *pa = a->p, *pb = b->p;
    size_t la = a->len, lb = b->len;
    while (la > 1 && pa[0] == 0) { pa++; la--; }
    while (lb > 1 && pb[0] == 0) { pb++; lb--; }
    return la == lb && memcmp(pa, pb, la) == 0;
}

/* Is serial listed? *stopped when the walk was stopped before it could tell. */
static bool serial_listed(const tp_crl *c, const mbedtls_x509_crl *crl, const mbedtls_x509_buf *serial,
                          bool *stopped)
{
    if (c->lean) {
        bool found = false;
        *stopped = walk_entries(c->revoked, c->revoked_len, serial, &found, c->stop) == TP_CRL_STOPPED;
        return found;
    }
    for (const mbedtls_x509_crl_entry *e = &crl->entry; e && e->serial.len; e = e->next)
        if (serial_equal(&e->serial, serial))
            return true;
    return false;
}

static void set(tp_crl_verdict *v, tp_crl_status s, tp_crl_reason r)
{
    v->status = s;
    v->reason = r;
}

/* Did issuer sign crl? Remembered per (CRL, issuer DER) in c's memo. 0 (yes), -1 (no),
 * 1 (stopped before it could tell: not remembered). */
static int signature_ok(tp_crl *c, const mbedtls_x509_crl *crl, const mbedtls_x509_crt *issuer)
{
    uint8_t key[32];
    bool keyed = mbedtls_sha256_ret(issuer->raw.p, issuer->raw.len, key, 0) == 0;
    for (size_t i = 0; keyed && i < c->n_memo; i++)
        if (c->memo[i].which == crl && memcmp(c->memo[i].issuer_sha256, key, 32) == 0)
            return c->memo[i].ok ? 0 : -1;
    int vrc = verify_sig_stop(issuer, c->lean ? &c->tbs_full : &crl->tbs, crl->sig_md, crl->sig_pk,
                              crl->sig_opts, &crl->sig, c->stop);
    if (vrc > 0)
        return 1;
    bool ok = vrc == 0;
    if (keyed && c->n_memo < TP_CRL_SIG_MEMO) {
        c->memo[c->n_memo].which = crl;
        memcpy(c->memo[c->n_memo].issuer_sha256, key, 32);
        c->memo[c->n_memo].ok = ok;
        c->n_memo++;
    }
    return ok ? 0 : -1;
}

void tp_crl_judge(tp_crl *c, const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer,
                  time_t now, tp_crl_verdict *v)
{
    if (c->parse_reason != TP_CRL_OK || !cert) {
        set(v, TP_CRL_UNKNOWN, cert ? c->parse_reason : TP_CRL_UNPARSABLE);
        return;
    }
    /* Several PEM CRLs may come in one file: use the one naming cert's issuer. */
    const mbedtls_x509_crl *crl = NULL;
    for (const mbedtls_x509_crl *k = &c->crl; k && k->version; k = k->next)
        if (raw_equal(&k->issuer_raw, &cert->issuer_raw)) {
            crl = k;
            break;
        }
    if (!crl) {
        set(v, TP_CRL_UNKNOWN, TP_CRL_ISSUER_MISMATCH);
        return;
    }
    if (!issuer) {
        set(v, TP_CRL_UNKNOWN, TP_CRL_NO_ISSUER);
        return;
    }
    if (!raw_equal(&issuer->subject_raw, &crl->issuer_raw)) {
        set(v, TP_CRL_UNKNOWN, TP_CRL_ISSUER_MISMATCH);
        return;
    }
    int sig = mbedtls_x509_crt_check_key_usage(issuer, MBEDTLS_X509_KU_CRL_SIGN) != 0 ? -1
                                                                                       : signature_ok(c, crl, issuer);
    if (sig != 0) {
        set(v, TP_CRL_UNKNOWN, sig > 0 ? TP_CRL_STOPPED : TP_CRL_BAD_SIGNATURE);
        return;
    }
    bool stopped = false;
    bool listed = serial_listed(c, crl, &cert->serial, &stopped);
    if (stopped) {
        set(v, TP_CRL_UNKNOWN, TP_CRL_STOPPED);
        return;
    }
    if (listed) {
        set(v, TP_CRL_REVOKED, TP_CRL_OK);
        return;
    }
    time_t this_update = tp_x509_time_to_epoch(&crl->this_update);
    time_t next_update = tp_x509_time_to_epoch(&crl->next_update);
    if (this_update > now) {
        set(v, TP_CRL_UNKNOWN, TP_CRL_NOT_YET_VALID);
        return;
    }
    if (next_update != 0 && next_update < now) {
        set(v, TP_CRL_UNKNOWN, TP_CRL_EXPIRED);
        return;
    }
    set(v, TP_CRL_GOOD, TP_CRL_OK);
}

void tp_crl_check(const uint8_t *buf, size_t len, const mbedtls_x509_crt *cert,
                  const mbedtls_x509_crt *issuer, time_t now, tp_crl_verdict *v)
{
    tp_crl c;
    tp_crl_parse(&c, buf, len);
    tp_crl_judge(&c, cert, issuer, now, v);
    tp_crl_free(&c);
}

tp_outcome tp_crl_reason_outcome(tp_crl_reason r)
{
    switch (r) {
    case TP_CRL_OK: return TP_OC_NONE;
    case TP_CRL_UNPARSABLE: return TP_OC_CRL_UNPARSABLE;
    case TP_CRL_CRITICAL_EXT: return TP_OC_CRL_CRITICAL_EXTENSION;
    case TP_CRL_NO_ISSUER: return TP_OC_CRL_NO_ISSUER;
    case TP_CRL_ISSUER_MISMATCH: return TP_OC_CRL_ISSUER_MISMATCH;
    case TP_CRL_BAD_SIGNATURE: return TP_OC_CRL_BAD_SIGNATURE;
    case TP_CRL_NOT_YET_VALID: return TP_OC_CRL_NOT_YET_VALID;
    case TP_CRL_EXPIRED: return TP_OC_CRL_EXPIRED;
    case TP_CRL_NO_MEMORY: return TP_OC_CRL_NO_MEMORY;
    case TP_CRL_STOPPED: return TP_OC_CRL_TIMEOUT;
    }
    return TP_OC_CRL_UNPARSABLE;
}

const char *tp_crl_reason_name(tp_crl_reason r)
{
    return r == TP_CRL_OK ? "ok" : tp_outcome_name(tp_crl_reason_outcome(r));
}

const char *tp_crl_reason_text(tp_crl_reason r)
{
    switch (r) {
    case TP_CRL_OK: return "the CRL is usable";
    case TP_CRL_UNPARSABLE: return "the body is not a CRL";
    case TP_CRL_CRITICAL_EXT:
        return "the CRL carries an extension mbedTLS rejects (a critical one such as "
               "issuingDistributionPoint)";
    case TP_CRL_NO_ISSUER: return "the issuer certificate is neither in the chain nor in the CA store";
    case TP_CRL_ISSUER_MISMATCH: return "the CRL was issued by another CA than the certificate's issuer";
    case TP_CRL_BAD_SIGNATURE: return "the CRL's signature does not verify with the issuer's key";
    case TP_CRL_NOT_YET_VALID: return "the CRL's thisUpdate is in the future";
    case TP_CRL_EXPIRED: return "the CRL's nextUpdate is in the past";
    case TP_CRL_NO_MEMORY: return "out of memory while parsing the CRL";
    case TP_CRL_STOPPED:
        return "the CRL could not be parsed and checked within what its fetch left of the CRL "
               "deadline (limits.timeout_ms.crl)";
    }
    return "the CRL is unusable";
}
