/*
 * x509.c — chain facts from mbedTLS certificates.
 *
 * mbedTLS 2.28 parses names, serial, validity and the key, but not the CRL
 * Distribution Points nor the Authority Information Access extensions. Those are
 * walked here from the raw extensions (crt->v3_ext: a SEQUENCE OF Extension) with
 * mbedtls_asn1_*, whose every read checks the length against the end pointer.
 * Certificates come from the network, so every byte here is hostile: nothing is
 * read past `end`, URL counts and lengths are capped, and only printable ASCII
 * URLs are kept.
 */
#include "pki/x509.h"

#include <arpa/inet.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/sha256.h>
#include <mbedtls/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki/pins.h"

/* Bounds on what one certificate may contribute (a real one has 1-3 URLs). */
#define TP_X509_MAX_URLS 16
#define TP_X509_MAX_URL_LEN 2048

/* DER contents of the OIDs we look for (tag and length stripped). */
static const uint8_t OID_CDP[] = {0x55, 0x1D, 0x1F};                                 /* 2.5.29.31 */
static const uint8_t OID_AIA[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};   /* 1.3.6.1.5.5.7.1.1 */
static const uint8_t OID_OCSP[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};  /* ...48.1 */
static const uint8_t OID_CA_ISSUERS[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02}; /* ...48.2 */

/* Internal results: malformed DER and allocation failure are told apart so that a
 * hostile extension only loses URLs, while running out of memory fails the caller. */
#define X_OK 0
#define X_MALFORMED (-1)
#define X_NOMEM (-2)

#define TAG_SEQ (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)
#define TAG_GN_URI 0x86   /* GeneralName uniformResourceIdentifier [6] IMPLICIT IA5String */
#define TAG_CTX0_C 0xA0   /* [0] constructed: distributionPoint, and fullName inside it */

static bool oid_is(const uint8_t *p, size_t len, const uint8_t *oid, size_t oid_len)
{
    return len == oid_len && memcmp(p, oid, len) == 0;
}

/* Reads any one TLV header: *tag and *len, with p advanced to the contents.
 * The contents are guaranteed to lie within [p, end). Returns 0 or -1. */
static int read_tlv(unsigned char **p, const unsigned char *end, int *tag, size_t *len)
{
    if (*p >= end)
        return -1;
    *tag = **p;
    (*p)++;
    if (mbedtls_asn1_get_len(p, end, len) != 0)
        return -1;
    return 0;
}

/* A URL worth keeping: bounded, non-empty, printable ASCII without spaces. */
static bool url_acceptable(const unsigned char *s, size_t len)
{
    if (len == 0 || len > TP_X509_MAX_URL_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7F)
            return false;
    return true;
}

/* Appends the URI if acceptable and the list is not full. Returns X_OK or X_NOMEM. */
static int add_url(tp_strlist *l, const unsigned char *s, size_t len)
{
    if (!l || !url_acceptable(s, len) || l->n >= TP_X509_MAX_URLS)
        return X_OK;
    char *copy = tp_strndup((const char *)s, len);
    if (!copy)
        return X_NOMEM;
    int rc = tp_strlist_has(l, copy) ? 0 : tp_strlist_add(l, copy);
    free(copy);
    return rc == 0 ? X_OK : X_NOMEM;
}

/* Walks GeneralName items in [p, end) and keeps the URIs; other names are skipped. */
static int parse_general_names(unsigned char *p, const unsigned char *end, tp_strlist *urls)
{
    while (p < end) {
        int tag;
        size_t len;
        if (read_tlv(&p, end, &tag, &len) != 0)
            return -1;
        if (tag == TAG_GN_URI) {
            int rc = add_url(urls, p, len);
            if (rc != X_OK)
                return rc;
        }
        p += len;
    }
    return 0;
}

/* DistributionPoint ::= SEQUENCE { distributionPoint [0] DistributionPointName OPTIONAL,
 *   reasons [1] OPTIONAL, cRLIssuer [2] OPTIONAL };  DistributionPointName ::= CHOICE {
 *   fullName [0] GeneralNames, nameRelativeToCRLIssuer [1] RDN }. Only fullName URIs count. */
static int parse_distribution_point(unsigned char *p, const unsigned char *end, tp_strlist *urls)
{
    while (p < end) {
        int tag;
        size_t len;
        if (read_tlv(&p, end, &tag, &len) != 0)
            return -1;
        if (tag == TAG_CTX0_C) {
            unsigned char *q = p;
            const unsigned char *qend = p + len;
            while (q < qend) {
                int t2;
                size_t l2;
                if (read_tlv(&q, qend, &t2, &l2) != 0)
                    return -1;
                if (t2 == TAG_CTX0_C) {
                    int rc = parse_general_names(q, q + l2, urls);
                    if (rc != X_OK)
                        return rc;
                }
                q += l2;
            }
        }
        p += len;
    }
    return 0;
}

int tp_x509_parse_cdp(const uint8_t *der, size_t len, tp_strlist *urls)
{
    if (!der)
        return -1;
    unsigned char *p = (unsigned char *)der;
    const unsigned char *end = der + len;
    size_t seq_len;
    if (mbedtls_asn1_get_tag(&p, end, &seq_len, TAG_SEQ) != 0 || p + seq_len != end)
        return -1;
    while (p < end) {
        size_t dp_len;
        if (mbedtls_asn1_get_tag(&p, end, &dp_len, TAG_SEQ) != 0)
            return -1;
        int rc = parse_distribution_point(p, p + dp_len, urls);
        if (rc != X_OK)
            return rc;
        p += dp_len;
    }
    return 0;
}

/* AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription { accessMethod OID,
 *   accessLocation GeneralName }. */
int tp_x509_parse_aia(const uint8_t *der, size_t len, tp_strlist *ocsp, tp_strlist *ca_issuers)
{
    if (!der)
        return -1;
    unsigned char *p = (unsigned char *)der;
    const unsigned char *end = der + len;
    size_t seq_len;
    if (mbedtls_asn1_get_tag(&p, end, &seq_len, TAG_SEQ) != 0 || p + seq_len != end)
        return -1;
    while (p < end) {
        size_t ad_len, oid_len;
        if (mbedtls_asn1_get_tag(&p, end, &ad_len, TAG_SEQ) != 0)
            return -1;
        unsigned char *ad_end = p + ad_len;
        if (mbedtls_asn1_get_tag(&p, ad_end, &oid_len, MBEDTLS_ASN1_OID) != 0)
            return -1;
        const unsigned char *oid = p;
        p += oid_len;
        tp_strlist *dst = NULL;
        if (oid_is(oid, oid_len, OID_OCSP, sizeof OID_OCSP))
            dst = ocsp;
        else if (oid_is(oid, oid_len, OID_CA_ISSUERS, sizeof OID_CA_ISSUERS))
            dst = ca_issuers;
        /* accessLocation is exactly one GeneralName: the rest of the SEQUENCE. */
        int rc = parse_general_names(p, ad_end, dst);
        if (rc != X_OK)
            return rc;
        p = ad_end;
    }
    return 0;
}

/* Calls visit(oid, oid_len, value, value_len, ctx) for each Extension of a SEQUENCE OF
 * Extension (crt->v3_ext), stopping at the first non-zero return, which it returns.
 * Malformed input: -1. An empty input (a v1 certificate) visits nothing. */
typedef int (*ext_visit_fn)(const unsigned char *oid, size_t oid_len, unsigned char *val, size_t val_len,
                            void *ctx);

static int walk_extensions(const uint8_t *der, size_t len, ext_visit_fn visit, void *ctx)
{
    if (!der)
        return -1;
    if (len == 0)
        return 0;
    unsigned char *p = (unsigned char *)der;
    const unsigned char *end = der + len;
    size_t seq_len;
    if (mbedtls_asn1_get_tag(&p, end, &seq_len, TAG_SEQ) != 0 || p + seq_len != end)
        return -1;
    while (p < end) {
        size_t ext_len, oid_len, val_len;
        if (mbedtls_asn1_get_tag(&p, end, &ext_len, TAG_SEQ) != 0)
            return -1;
        unsigned char *ext_end = p + ext_len;
        if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID) != 0)
            return -1;
        const unsigned char *oid = p;
        p += oid_len;
        int critical = 0;
        int rc = mbedtls_asn1_get_bool(&p, ext_end, &critical);
        if (rc != 0 && rc != MBEDTLS_ERR_ASN1_UNEXPECTED_TAG)
            return -1;
        if (mbedtls_asn1_get_tag(&p, ext_end, &val_len, MBEDTLS_ASN1_OCTET_STRING) != 0)
            return -1;
        rc = visit(oid, oid_len, p, val_len, ctx);
        if (rc != 0)
            return rc;
        p = ext_end;
    }
    return 0;
}

typedef struct url_lists {
    tp_strlist *cdp, *ocsp, *ca_issuers;
} url_lists;

static int visit_urls(const unsigned char *oid, size_t oid_len, unsigned char *val, size_t val_len, void *ctx)
{
    url_lists *u = ctx;
    if (oid_is(oid, oid_len, OID_CDP, sizeof OID_CDP))
        return tp_x509_parse_cdp(val, val_len, u->cdp);
    if (oid_is(oid, oid_len, OID_AIA, sizeof OID_AIA))
        return tp_x509_parse_aia(val, val_len, u->ocsp, u->ca_issuers);
    return X_OK;
}

int tp_x509_parse_extensions(const uint8_t *der, size_t len, tp_strlist *cdp, tp_strlist *ocsp,
                             tp_strlist *ca_issuers)
{
    url_lists u = {cdp, ocsp, ca_issuers};
    return walk_extensions(der, len, visit_urls, &u);
}

static const uint8_t OID_SAN[] = {0x55, 0x1D, 0x11};   /* 2.5.29.17 subjectAltName */
#define TAG_GN_IP 0x87   /* GeneralName iPAddress [7] IMPLICIT OCTET STRING */

/* Sans-I/O: does the subjectAltName in a SEQUENCE OF Extension name the IP address ip
 * (a textual IPv4/IPv6 literal)? mbedTLS 2.28 keeps only dNSName SAN entries and so
 * cannot match an endpoint addressed by IP (RFC 6125 / 5280 iPAddress). Returns 1 on a
 * match, 0 otherwise, -1 on malformed input. */
typedef struct ip_want {
    uint8_t addr[16];
    size_t len;
} ip_want;

/* 1 when this subjectAltName value names the address, 0 when not, -1 when malformed. */
static int visit_san(const unsigned char *oid, size_t oid_len, unsigned char *val, size_t val_len, void *ctx)
{
    const ip_want *want = ctx;
    if (!oid_is(oid, oid_len, OID_SAN, sizeof OID_SAN))
        return 0;
    unsigned char *q = val;
    const unsigned char *val_end = val + val_len;
    size_t names_len;
    if (mbedtls_asn1_get_tag(&q, val_end, &names_len, TAG_SEQ) != 0 || q + names_len != val_end)
        return -1;
    while (q < val_end) {
        int tag;
        size_t n;
        if (read_tlv(&q, val_end, &tag, &n) != 0 || n > (size_t)(val_end - q))
            return -1;
        if (tag == TAG_GN_IP && n == want->len && memcmp(q, want->addr, n) == 0)
            return 1;
        q += n;
    }
    return 0;
}

int tp_x509_san_ip_match(const uint8_t *der, size_t len, const char *ip)
{
    ip_want want;
    if (!der || !ip)
        return -1;
    if (inet_pton(AF_INET, ip, want.addr) == 1)
        want.len = 4;
    else if (inet_pton(AF_INET6, ip, want.addr) == 1)
        want.len = 16;
    else
        return 0;
    return walk_extensions(der, len, visit_san, &want);
}

int tp_x509_spki_sha256(const mbedtls_x509_crt *crt, uint8_t out[32])
{
    memset(out, 0, 32);
    /* pk_raw is the whole SubjectPublicKeyInfo TLV — what HPKP-style pins hash. */
    if (!crt || !crt->pk_raw.p || crt->pk_raw.len == 0)
        return -1;
    return mbedtls_sha256_ret(crt->pk_raw.p, crt->pk_raw.len, out, 0) == 0 ? 0 : -1;
}

/* "2026-01-02T03:04:05Z" */
static char *format_time(const mbedtls_x509_time *t)
{
    return tp_asprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", t->year, t->mon, t->day, t->hour,
                       t->min, t->sec);
}

/* Upper-case hex, no colons; DER's leading 0x00 sign-padding dropped (as openssl prints). */
static char *format_serial(const mbedtls_x509_buf *s)
{
    const unsigned char *p = s->p;
    size_t n = s->len;
    while (n > 1 && p[0] == 0) {
        p++;
        n--;
    }
    char *out = malloc(n * 2 + 1);
    if (!out)
        return NULL;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 0x0F];
    }
    out[2 * n] = '\0';
    return out;
}

/* ---------- distinguished names as UTF-8 ---------- */

#define TP_DN_MAX 1024 /* bytes of a printed name; a longer one is cut at a character */

typedef struct dnbuf {
    char b[TP_DN_MAX + 8];
    size_t n;
    bool full;
} dnbuf;

static void dn_put(dnbuf *d, const char *s, size_t n)
{
    if (d->full || d->n + n > TP_DN_MAX) {
        d->full = true;
        return;
    }
    memcpy(d->b + d->n, s, n);
    d->n += n;
}

/* Appends code point cp as UTF-8; control characters (C0, DEL, C1), surrogates and
 * non-characters out of range are dropped: a name is text, never terminal commands. */
static void dn_put_cp(dnbuf *d, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    dn_put(d, u, n);
}

/* Decodes one strict UTF-8 sequence at p (n > 0 bytes); U+FFFD for a bad one, which
 * then consumes one byte. Returns the bytes used. */
static size_t utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t v, min;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2, v = p[0] & 0x1F, min = 0x80;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3, v = p[0] & 0x0F, min = 0x800;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4, v = p[0] & 0x07, min = 0x10000;
    else
        len = 0, v = 0, min = 0;
    if (len == 0 || n < len) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return len;
}

/* One attribute value by its ASN.1 string type: UTF8String (and the ASCII types) as
 * UTF-8, BMPString as UCS-2 and UniversalString as UCS-4 big-endian, TeletexString as
 * Latin-1; anything else as '#' and hex (RFC 4514). mbedtls_x509_dn_gets would print
 * every byte above 0x7E as '?' ("M?nchen"). */
static void dn_put_value(dnbuf *d, const mbedtls_x509_buf *v)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = v->p;
    size_t n = v->len;
    switch (v->tag) {
    case MBEDTLS_ASN1_UTF8_STRING:
    case MBEDTLS_ASN1_PRINTABLE_STRING:
    case MBEDTLS_ASN1_IA5_STRING:
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            i += utf8_next(p + i, n - i, &cp);
            dn_put_cp(d, cp);
        }
        return;
    case MBEDTLS_ASN1_BMP_STRING:
        for (size_t i = 0; i + 1 < n; i += 2) {
            uint32_t cp = (uint32_t)p[i] << 8 | p[i + 1];
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < n) { /* a surrogate pair (UTF-16) */
                uint32_t lo = (uint32_t)p[i + 2] << 8 | p[i + 3];
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                }
            }
            dn_put_cp(d, cp);
        }
        return;
    case MBEDTLS_ASN1_UNIVERSAL_STRING:
        for (size_t i = 0; i + 3 < n; i += 4)
            dn_put_cp(d, (uint32_t)p[i] << 24 | (uint32_t)p[i + 1] << 16 | (uint32_t)p[i + 2] << 8 | p[i + 3]);
        return;
    case MBEDTLS_ASN1_T61_STRING:
        for (size_t i = 0; i < n; i++)
            dn_put_cp(d, p[i]);
        return;
    default:
        dn_put(d, "#", 1);
        for (size_t i = 0; i < n; i++) {
            char h[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
            dn_put(d, h, 2);
        }
        return;
    }
}

/* "CN=..., O=..." in certificate order, as mbedtls_x509_dn_gets lays it out (", "
 * between RDNs, " + " inside a multi-valued one), but with values as UTF-8. A name
 * longer than TP_DN_MAX bytes is cut at a character boundary. */
static char *format_dn(const mbedtls_x509_name *dn)
{
    dnbuf d = {.n = 0};
    bool merged = false;
    for (const mbedtls_x509_name *name = dn; name && !d.full; name = name->next) {
        if (!name->oid.p)
            continue;
        if (d.n > 0)
            dn_put(&d, merged ? " + " : ", ", merged ? 3 : 2);
        const char *short_name = NULL;
        char oid[64];
        if (mbedtls_oid_get_attr_short_name(&name->oid, &short_name) != 0) {
            if (mbedtls_oid_get_numeric_string(oid, sizeof oid, &name->oid) < 0)
                snprintf(oid, sizeof oid, "?");
            short_name = oid;
        }
        dn_put(&d, short_name, strlen(short_name));
        dn_put(&d, "=", 1);
        dn_put_value(&d, &name->val);
        merged = name->next_merged != 0;
    }
    d.b[d.n] = '\0'; /* dn_put writes whole characters only: a cut never splits one */
    return tp_strdup(d.b);
}

int tp_x509_cert_info(const mbedtls_x509_crt *crt, tp_cert_info *out)
{
    memset(out, 0, sizeof *out);
    if (!crt || !crt->raw.p)
        return -1;
    out->subject = format_dn(&crt->subject);
    out->issuer = format_dn(&crt->issuer);
    out->serial = format_serial(&crt->serial);
    out->not_before = format_time(&crt->valid_from);
    out->not_after = format_time(&crt->valid_to);
    if (!out->subject || !out->issuer || !out->serial || !out->not_before || !out->not_after)
        goto fail;
    if (tp_x509_spki_sha256(crt, out->spki_raw) != 0)
        goto fail;
    tp_pin_format_b64(out->spki_raw, out->spki_sha256);
    out->is_ca = crt->ca_istrue != 0;
    out->self_signed = crt->subject_raw.len == crt->issuer_raw.len &&
                       memcmp(crt->subject_raw.p, crt->issuer_raw.p, crt->subject_raw.len) == 0;
    /* A malformed CDP/AIA does not make the certificate's other facts wrong: keep what
     * parsed; the missing URLs simply mean "no revocation source". Out of memory does. */
    if (crt->v3_ext.p && crt->v3_ext.len > 0 &&
        tp_x509_parse_extensions(crt->v3_ext.p, crt->v3_ext.len, &out->crl_urls,
                                 &out->ocsp_urls, &out->ca_issuers) == X_NOMEM)
        goto fail;
    out->der = malloc(crt->raw.len);
    if (!out->der)
        goto fail;
    memcpy(out->der, crt->raw.p, crt->raw.len);
    out->der_len = crt->raw.len;
    return 0;
fail:
    tp_cert_info_free(out);
    return -1;
}
