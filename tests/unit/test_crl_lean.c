/* test_crl_lean.c — the lean DER path of pki/crl.c (entries walked in place, no mbedTLS
 * entry list) against generated CRLs of the test CA: good and revoked found, the parse
 * keeps no pointer into the caller's buffer, and — the differential check — for every
 * truncation and every single-bit change of a small CRL, the lean DER judgement equals
 * the ordinary mbedTLS judgement of the same bytes (fed as PEM, which takes the full
 * mbedtls_x509_crl_parse path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"

#include <mbedtls/pem.h>

#include "pki/crl.h"

static tpki pki;
static tpki_cert good, revoked;

static int serial_int(const mbedtls_x509_crt *c)
{
    int v = 0;
    for (size_t i = 0; i < c->serial.len; i++)
        v = v * 256 + c->serial.p[i];
    return v;
}

static int group_setup(void **state)
{
    (void)state;
    if (tpki_init(&pki) != 0)
        return -1;
    if (tpki_leaf_cdp(&pki, "good.test", false, "http://127.0.0.1/ca.crl", &good) != 0 ||
        tpki_leaf_cdp(&pki, "revoked.test", false, "http://127.0.0.1/ca.crl", &revoked) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tpki_cert_free(&good);
    tpki_cert_free(&revoked);
    tpki_free(&pki);
    return 0;
}

static void judge_der(const uint8_t *b, size_t n, const tpki_cert *c, tp_crl_verdict *v)
{
    tp_crl_check(b, n, &c->chain, c->chain.next, time(NULL), v);
}

/* The same bytes through mbedTLS's own parser (PEM input never takes the lean path). */
static void judge_full(const uint8_t *b, size_t n, const tpki_cert *c, tp_crl_verdict *v)
{
    size_t cap = n * 2 + 200, olen = 0;
    unsigned char *pem = malloc(cap);
    assert_non_null(pem);
    assert_int_equal(mbedtls_pem_write_buffer("-----BEGIN X509 CRL-----\n", "-----END X509 CRL-----\n", b, n, pem,
                                              cap, &olen),
                     0);
    tp_crl_check(pem, olen - 1, &c->chain, c->chain.next, time(NULL), v);   /* olen counts the NUL */
    free(pem);
}

static void test_large_good_and_revoked(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t *der = tpki_crl_der(&pki, 20000, serial_int(&revoked.chain), &n);
    assert_non_null(der);
    assert_true(n > 20000 * 27);
    tp_crl c;
    tp_crl_parse(&c, der, n);
    memset(der, 0, n);   /* the parse keeps its own copy */
    free(der);
    assert_int_equal(c.parse_reason, TP_CRL_OK);
    assert_true(c.lean);
    tp_crl_verdict v;
    tp_crl_judge(&c, &good.chain, good.chain.next, time(NULL), &v);
    assert_int_equal(v.status, TP_CRL_GOOD);
    tp_crl_judge(&c, &revoked.chain, revoked.chain.next, time(NULL), &v);
    assert_int_equal(v.status, TP_CRL_REVOKED);
    assert_int_equal(c.n_memo, 1);
    tp_crl_free(&c);
    tp_crl_free(&c);   /* twice is harmless */

    /* taking a buffer over: judged in place, freed by tp_crl_free */
    der = tpki_crl_der(&pki, 100, 0, &n);
    assert_non_null(der);
    tp_crl_parse_take(&c, der, n);
    assert_true(c.lean);
    tp_crl_judge(&c, &revoked.chain, revoked.chain.next, time(NULL), &v);
    assert_int_equal(v.status, TP_CRL_GOOD);
    tp_crl_free(&c);
}

static void assert_same(const uint8_t *b, size_t n, const tpki_cert *c, size_t at)
{
    tp_crl_verdict lean, full;
    judge_der(b, n, c, &lean);
    judge_full(b, n, c, &full);
    if (lean.status != full.status || lean.reason != full.reason)
        fail_msg("at %zu (len %zu): lean %d/%s, mbedTLS %d/%s", at, n, lean.status, tp_crl_reason_name(lean.reason),
                 full.status, tp_crl_reason_name(full.reason));
}

static void test_same_as_mbedtls_when_hostile(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t *der = tpki_crl_der(&pki, 3, serial_int(&revoked.chain), &n);
    assert_non_null(der);
    assert_same(der, n, &revoked, 0);
    assert_same(der, n, &good, 0);
    tp_crl_verdict v;
    judge_der(der, n, &revoked, &v);
    assert_int_equal(v.status, TP_CRL_REVOKED);
    for (size_t len = 1; len < n; len++) {
        uint8_t *t = malloc(len);   /* exact size: ASan sees any over-read */
        assert_non_null(t);
        memcpy(t, der, len);
        judge_der(t, len, &revoked, &v);
        assert_int_equal(v.status, TP_CRL_UNKNOWN);
        free(t);
    }
    for (size_t i = 0; i < n; i++) {
        static const uint8_t flips[] = {0x01, 0x80};
        for (size_t k = 0; k < sizeof flips; k++) {
            der[i] ^= flips[k];
            assert_same(der, n, &revoked, i);
            der[i] ^= flips[k];
        }
    }
    free(der);
}

/* A CRL without revokedCertificates takes the ordinary parse and is judged the same. */
static void test_empty_and_no_entries(void **state)
{
    (void)state;
    size_t n = 0;
    uint8_t *der = tpki_crl_der(&pki, 0, 0, &n);   /* no revokedCertificates at all */
    assert_non_null(der);
    tp_crl c;
    tp_crl_parse(&c, der, n);
    assert_int_equal(c.parse_reason, TP_CRL_OK);
    assert_false(c.lean);   /* nothing to strip: the ordinary parse */
    tp_crl_free(&c);
    assert_same(der, n, &good, 0);
    free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_good_and_revoked),
        cmocka_unit_test(test_same_as_mbedtls_when_hostile),
        cmocka_unit_test(test_empty_and_no_entries),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
