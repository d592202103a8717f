/* test_x509.c — chain facts from real (test-time generated) certificates, and the
 * CDP / AIA walkers fed hostile DER: truncated, wrong tags, lengths past the end,
 * huge counts, empty, non-URI names. ASan turns any out-of-bounds read into a failure. */
#include "tp_testpki.h"

#include <regex.h>

#include "pki/x509.h"
#include "pki/pins.h"

static const uint8_t OID_CDP[] = {0x55, 0x1D, 0x1F};
static const uint8_t OID_AIA[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01};
static const uint8_t OID_OCSP[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01};
static const uint8_t OID_CAI[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02};

static void assert_rfc3339(const char *s)
{
    regex_t re;
    assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
                             REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, s, 0, NULL, 0);
    regfree(&re);
    assert_int_equal(rc, 0);
}

/* ---------- tp_x509_cert_info on real certificates ---------- */

static void test_cert_info_leaf(void **state)
{
    (void)state;
    mbedtls_x509_crt crt;
    tp_pki_crt("good.pem", &crt);
    tp_cert_info ci;
    assert_int_equal(tp_x509_cert_info(&crt, &ci), 0);
    assert_string_equal(ci.subject, "CN=good.lab.test, O=tlspath lab");
    assert_string_equal(ci.issuer, "CN=TP Test Intermediate, O=tlspath lab");
    assert_string_equal(ci.serial, "1001");
    assert_rfc3339(ci.not_before);
    assert_rfc3339(ci.not_after);
    assert_false(ci.is_ca);
    assert_false(ci.self_signed);
    assert_int_equal(ci.crl_urls.n, 1);
    assert_string_equal(ci.crl_urls.v[0], "http://crl.lab.test/int.crl");
    assert_int_equal(ci.ocsp_urls.n, 1);
    assert_string_equal(ci.ocsp_urls.v[0], "http://ocsp.lab.test/");
    assert_int_equal(ci.ca_issuers.n, 1);
    assert_string_equal(ci.ca_issuers.v[0], "http://crl.lab.test/int.crt");
    assert_int_equal(ci.der_len, crt.raw.len);
    assert_memory_equal(ci.der, crt.raw.p, crt.raw.len);
    assert_int_equal(strlen(ci.spki_sha256), 44);
    uint8_t h[32];
    assert_int_equal(tp_x509_spki_sha256(&crt, h), 0);
    assert_memory_equal(h, ci.spki_raw, 32);
    tp_cert_info_free(&ci);
    mbedtls_x509_crt_free(&crt);
}

static void test_cert_info_root(void **state)
{
    (void)state;
    mbedtls_x509_crt crt;
    tp_pki_crt("root.pem", &crt);
    tp_cert_info ci;
    assert_int_equal(tp_x509_cert_info(&crt, &ci), 0);
    assert_true(ci.is_ca);
    assert_true(ci.self_signed);
    assert_string_equal(ci.serial, "01");
    assert_int_equal(ci.crl_urls.n, 0);
    assert_int_equal(ci.ca_issuers.n, 0);
    tp_cert_info_free(&ci);
    mbedtls_x509_crt_free(&crt);
}

/* The time format is exact: compare with what the anchor file is known to hold. */
static void test_cert_info_known_anchor(void **state)
{
    (void)state;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    assert_int_equal(mbedtls_x509_crt_parse_file(&crt, TLSPATH_SOURCE_DIR
                                                 "/certs/microsoft-secure-server-ca-2011.pem"), 0);
    tp_cert_info ci;
    assert_int_equal(tp_x509_cert_info(&crt, &ci), 0);
    assert_string_equal(ci.not_after, "2026-10-18T23:05:19Z");
    assert_string_equal(ci.spki_sha256, "LGeFnfXVZQ2JS9JdVa4Pa+zTnnRRhtcK8U0h4DSJgnY=");
    assert_non_null(strstr(ci.subject, "CN=Microsoft Secure Server CA 2011"));
    assert_non_null(strstr(ci.issuer, "CN=Microsoft Root Certificate Authority 2011"));
    assert_true(ci.is_ca);
    assert_false(ci.self_signed);
    assert_true(tp_strlist_has(&ci.crl_urls,
        "http://crl.microsoft.com/pki/crl/products/MicRooCerAut2011_2011_03_22.crl"));
    assert_true(tp_strlist_has(&ci.ca_issuers,
        "http://www.microsoft.com/pki/certs/MicRooCerAut2011_2011_03_22.crt"));
    tp_cert_info_free(&ci);
    mbedtls_x509_crt_free(&crt);
}

static void test_cert_info_null(void **state)
{
    (void)state;
    tp_cert_info ci;
    assert_int_equal(tp_x509_cert_info(NULL, &ci), -1);
    uint8_t h[32];
    assert_int_equal(tp_x509_spki_sha256(NULL, h), -1);
}

/* ---------- hand-built extensions ---------- */

/* cRLDistributionPoints extnValue with the given URIs, each in its own DistributionPoint. */
static void build_cdp(tp_der *out, const char *const *uris, size_t n)
{
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        tp_der gn = {.n = 0}, dp;
        tp_der_tlv(&gn, 0x86, uris[i], strlen(uris[i]));
        tp_der_wrap(&gn, 0xA0);   /* fullName */
        tp_der_wrap(&gn, 0xA0);   /* distributionPoint */
        dp = gn;
        tp_der_wrap(&dp, 0x30);   /* DistributionPoint */
        tp_der_raw(out, dp.b, dp.n);
    }
    tp_der_wrap(out, 0x30);
}

static void build_aia(tp_der *out)
{
    tp_der ad1 = {.n = 0}, ad2 = {.n = 0}, ad3 = {.n = 0};
    tp_der_tlv(&ad1, 0x06, OID_OCSP, sizeof OID_OCSP);
    tp_der_tlv(&ad1, 0x86, "http://o.test/", 14);
    tp_der_wrap(&ad1, 0x30);
    tp_der_tlv(&ad2, 0x06, OID_CAI, sizeof OID_CAI);
    tp_der_tlv(&ad2, 0x86, "http://c.test/x.crt", 19);
    tp_der_wrap(&ad2, 0x30);
    static const uint8_t other_oid[] = {0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x05};
    tp_der_tlv(&ad3, 0x06, other_oid, sizeof other_oid);
    tp_der_tlv(&ad3, 0x86, "http://repo.test/", 17);
    tp_der_wrap(&ad3, 0x30);
    out->n = 0;
    tp_der_raw(out, ad1.b, ad1.n);
    tp_der_raw(out, ad2.b, ad2.n);
    tp_der_raw(out, ad3.b, ad3.n);
    tp_der_wrap(out, 0x30);
}

/* SEQUENCE OF Extension: an unrelated critical one, CDP and AIA. */
static void build_extensions(tp_der *out)
{
    static const char *const uris[] = {"http://crl.test/a.crl", "ldap://x.test/cn=y"};
    tp_der cdp, aia, e1 = {.n = 0}, e2 = {.n = 0}, e3 = {.n = 0};
    build_cdp(&cdp, uris, 2);
    build_aia(&aia);
    static const uint8_t oid_bc[] = {0x55, 0x1D, 0x13};
    static const uint8_t bc_val[] = {0x30, 0x03, 0x01, 0x01, 0xFF};
    static const uint8_t bool_true[] = {0xFF};
    tp_der_tlv(&e1, 0x06, oid_bc, sizeof oid_bc);
    tp_der_tlv(&e1, 0x01, bool_true, 1);
    tp_der_tlv(&e1, 0x04, bc_val, sizeof bc_val);
    tp_der_wrap(&e1, 0x30);
    tp_der_tlv(&e2, 0x06, OID_CDP, sizeof OID_CDP);
    tp_der_tlv(&e2, 0x04, cdp.b, cdp.n);
    tp_der_wrap(&e2, 0x30);
    tp_der_tlv(&e3, 0x06, OID_AIA, sizeof OID_AIA);
    tp_der_tlv(&e3, 0x04, aia.b, aia.n);
    tp_der_wrap(&e3, 0x30);
    out->n = 0;
    tp_der_raw(out, e1.b, e1.n);
    tp_der_raw(out, e2.b, e2.n);
    tp_der_raw(out, e3.b, e3.n);
    tp_der_wrap(out, 0x30);
}

static void test_extensions_hand_built(void **state)
{
    (void)state;
    tp_der d;
    build_extensions(&d);
    uint8_t *b = tp_exact(d.b, d.n);
    tp_strlist cdp = {0}, ocsp = {0}, cai = {0};
    assert_int_equal(tp_x509_parse_extensions(b, d.n, &cdp, &ocsp, &cai), 0);
    assert_int_equal(cdp.n, 2);
    assert_string_equal(cdp.v[0], "http://crl.test/a.crl");
    assert_string_equal(cdp.v[1], "ldap://x.test/cn=y");
    assert_int_equal(ocsp.n, 1);
    assert_string_equal(ocsp.v[0], "http://o.test/");
    assert_int_equal(cai.n, 1);
    assert_string_equal(cai.v[0], "http://c.test/x.crt");
    tp_strlist_free(&cdp); tp_strlist_free(&ocsp); tp_strlist_free(&cai);
    free(b);
}

/* Every proper prefix is malformed: -1 and no read past the (exact-size) buffer. */
static void test_extensions_truncated(void **state)
{
    (void)state;
    tp_der d;
    build_extensions(&d);
    for (size_t n = 0; n < d.n; n++) {
        uint8_t *b = tp_exact(d.b, n);
        tp_strlist cdp = {0}, ocsp = {0}, cai = {0};
        int rc = tp_x509_parse_extensions(b, n, &cdp, &ocsp, &cai);
        assert_int_equal(rc, n == 0 ? 0 : -1);  /* empty = no extensions, fine */
        tp_strlist_free(&cdp); tp_strlist_free(&ocsp); tp_strlist_free(&cai);
        free(b);
    }
    tp_der c;
    static const char *const uris[] = {"http://crl.test/a.crl"};
    build_cdp(&c, uris, 1);
    for (size_t n = 0; n < c.n; n++) {
        uint8_t *b = tp_exact(c.b, n);
        tp_strlist l = {0};
        assert_int_equal(tp_x509_parse_cdp(b, n, &l), -1);
        tp_strlist_free(&l);
        free(b);
    }
}

static void test_wrong_tags_and_lengths(void **state)
{
    (void)state;
    tp_strlist l = {0}, o = {0}, c = {0};
    static const uint8_t set_not_seq[] = {0x31, 0x00};
    static const uint8_t len_past_end[] = {0x30, 0x82, 0xFF, 0xFF, 0x30, 0x00};
    static const uint8_t len_huge[] = {0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF};
    static const uint8_t trailing[] = {0x30, 0x00, 0x00};
    static const uint8_t inner_past_end[] = {0x30, 0x04, 0x30, 0x10, 0xA0, 0x00};
    static const uint8_t indefinite[] = {0x30, 0x80, 0x00, 0x00};
    const struct { const uint8_t *p; size_t n; } cases[] = {
        {set_not_seq, sizeof set_not_seq}, {len_past_end, sizeof len_past_end},
        {len_huge, sizeof len_huge}, {trailing, sizeof trailing},
        {inner_past_end, sizeof inner_past_end}, {indefinite, sizeof indefinite},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *b = tp_exact(cases[i].p, cases[i].n);
        assert_int_equal(tp_x509_parse_cdp(b, cases[i].n, &l), -1);
        assert_int_equal(tp_x509_parse_aia(b, cases[i].n, &o, &c), -1);
        assert_int_equal(tp_x509_parse_extensions(b, cases[i].n, &l, &o, &c), -1);
        free(b);
    }
    assert_int_equal(l.n + o.n + c.n, 0);
    assert_int_equal(tp_x509_parse_cdp(NULL, 0, &l), -1);
    /* An empty SEQUENCE OF is well-formed and yields nothing. */
    static const uint8_t empty_seq[] = {0x30, 0x00};
    assert_int_equal(tp_x509_parse_cdp(empty_seq, 2, &l), 0);
    assert_int_equal(tp_x509_parse_aia(empty_seq, 2, &o, &c), 0);
    assert_int_equal(tp_x509_parse_extensions(empty_seq, 2, &l, &o, &c), 0);
    assert_int_equal(l.n + o.n + c.n, 0);
}

/* 100 URIs: only the first 16 kept; URIs that are not printable, too long or
 * empty are skipped; non-URI GeneralNames (dNSName, directoryName) ignored. */
static void test_bounds_and_filters(void **state)
{
    (void)state;
    static char bufs[100][32];
    const char *uris[100];
    for (int i = 0; i < 100; i++) {
        snprintf(bufs[i], sizeof bufs[i], "http://c%d.test/x.crl", i);
        uris[i] = bufs[i];
    }
    tp_der d;
    build_cdp(&d, uris, 100);
    tp_strlist l = {0};
    assert_int_equal(tp_x509_parse_cdp(d.b, d.n, &l), 0);
    assert_int_equal(l.n, 16);
    assert_string_equal(l.v[15], "http://c15.test/x.crl");
    tp_strlist_free(&l);

    static const char *const bad[] = {"http://sp ace/", "", "http://ctl\x01.test/",
                                      "http://hi\xC3\xA9.test/"};
    build_cdp(&d, bad, 4);
    assert_int_equal(tp_x509_parse_cdp(d.b, d.n, &l), 0);
    assert_int_equal(l.n, 0);

    static char longurl[3000];
    memset(longurl, 'a', sizeof longurl - 1);
    memcpy(longurl, "http://", 7);
    const char *lu[] = {longurl};
    build_cdp(&d, lu, 1);
    assert_int_equal(tp_x509_parse_cdp(d.b, d.n, &l), 0);
    assert_int_equal(l.n, 0);
    longurl[2048] = '\0';   /* exactly 2048 bytes: kept */
    build_cdp(&d, lu, 1);
    assert_int_equal(tp_x509_parse_cdp(d.b, d.n, &l), 0);
    assert_int_equal(l.n, 1);
    tp_strlist_free(&l);

    /* fullName holding a dNSName and a directoryName, then a URI. */
    tp_der gn = {.n = 0};
    tp_der_tlv(&gn, 0x82, "crl.test", 8);
    static const uint8_t dirname[] = {0x30, 0x00};
    tp_der_tlv(&gn, 0xA4, dirname, sizeof dirname);
    tp_der_tlv(&gn, 0x86, "http://u.test/", 14);
    tp_der_wrap(&gn, 0xA0);
    tp_der_wrap(&gn, 0xA0);
    tp_der_wrap(&gn, 0x30);
    tp_der_wrap(&gn, 0x30);
    assert_int_equal(tp_x509_parse_cdp(gn.b, gn.n, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "http://u.test/");
    tp_strlist_free(&l);

    /* nameRelativeToCRLIssuer ([1]) and cRLIssuer ([2]) carry no URL for us. */
    tp_der rel = {.n = 0};
    tp_der_tlv(&rel, 0x86, "http://no.test/", 15);
    tp_der_wrap(&rel, 0xA1);
    tp_der_wrap(&rel, 0xA0);
    tp_der_tlv(&rel, 0xA2, "\x86\x03x:y", 5);
    tp_der_wrap(&rel, 0x30);
    tp_der_wrap(&rel, 0x30);
    assert_int_equal(tp_x509_parse_cdp(rel.b, rel.n, &l), 0);
    assert_int_equal(l.n, 0);
}

/* Random byte flips of a valid blob: any result is fine, crashing or reading out of
 * bounds is not (ASan). */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    tp_der d;
    build_extensions(&d);
    uint32_t x = 12345;
    for (int iter = 0; iter < 5000; iter++) {
        uint8_t *b = tp_exact(d.b, d.n);
        for (int k = 0; k < 1 + iter % 4; k++) {
            x = x * 1103515245u + 12345u;
            b[(x >> 8) % d.n] = (uint8_t)(x >> 20);
        }
        size_t n = d.n - (size_t)(iter % 7);
        tp_strlist l = {0}, o = {0}, c = {0};
        int rc = tp_x509_parse_extensions(b, n, &l, &o, &c);
        assert_true(rc == 0 || rc == -1);
        assert_true(l.n <= 16 && o.n <= 16 && c.n <= 16);
        for (size_t i = 0; i < l.n; i++)
            assert_true(strlen(l.v[i]) <= 2048);
        tp_strlist_free(&l); tp_strlist_free(&o); tp_strlist_free(&c);
        free(b);
    }
}

/* The raw extensions of a real certificate walk to the same URLs openssl wrote. */
static void test_extensions_of_real_cert(void **state)
{
    (void)state;
    mbedtls_x509_crt crt;
    tp_pki_crt("int.pem", &crt);
    tp_strlist l = {0}, o = {0}, c = {0};
    assert_int_equal(tp_x509_parse_extensions(crt.v3_ext.p, crt.v3_ext.len, &l, &o, &c), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0], "http://crl.lab.test/root.crl");
    assert_int_equal(o.n, 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.v[0], "http://crl.lab.test/root.crt");
    tp_strlist_free(&l); tp_strlist_free(&o); tp_strlist_free(&c);
    mbedtls_x509_crt_free(&crt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cert_info_leaf),
        cmocka_unit_test(test_cert_info_root),
        cmocka_unit_test(test_cert_info_known_anchor),
        cmocka_unit_test(test_cert_info_null),
        cmocka_unit_test(test_extensions_hand_built),
        cmocka_unit_test(test_extensions_truncated),
        cmocka_unit_test(test_wrong_tags_and_lengths),
        cmocka_unit_test(test_bounds_and_filters),
        cmocka_unit_test(test_mutations_never_crash),
        cmocka_unit_test(test_extensions_of_real_cert),
    };
    return cmocka_run_group_tests(tests, tp_pki_setup, tp_pki_teardown);
}
