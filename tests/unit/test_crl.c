/* test_crl.c — every CRL judgement from CRLs made at test time by openssl:
 * good, revoked, and each unknown reason (garbage, critical extension, bad signature,
 * expired, not yet valid, issuer mismatch, no issuer), DER and PEM. */
#include "tp_testpki.h"

#include "pki/crl.h"

static time_t now(void)
{
    return time(NULL);
}

typedef struct fixture {
    mbedtls_x509_crt root, inter, good, revoked, other;
} fixture;

static int setup(void **state)
{
    if (tp_pki_setup(state) != 0)
        return -1;
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    tp_pki_crt("root.pem", &f->root);
    tp_pki_crt("int.pem", &f->inter);
    tp_pki_crt("good.pem", &f->good);
    tp_pki_crt("revoked.pem", &f->revoked);
    tp_pki_crt("other.pem", &f->other);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mbedtls_x509_crt_free(&f->root);
    mbedtls_x509_crt_free(&f->inter);
    mbedtls_x509_crt_free(&f->good);
    mbedtls_x509_crt_free(&f->revoked);
    mbedtls_x509_crt_free(&f->other);
    free(f);
    return tp_pki_teardown(state);
}

/* Judges file `crl` for `cert` with `issuer` at time t. */
static tp_crl_verdict judge_at(const char *crl, const mbedtls_x509_crt *cert,
                               const mbedtls_x509_crt *issuer, time_t t)
{
    size_t len;
    uint8_t *b = tp_pki_slurp(crl, &len);
    tp_crl_verdict v;
    memset(&v, 0xAA, sizeof v);
    tp_crl_check(b, len, cert, issuer, t, &v);
    free(b);
    return v;
}

static tp_crl_verdict judge(const char *crl, const mbedtls_x509_crt *cert,
                            const mbedtls_x509_crt *issuer)
{
    return judge_at(crl, cert, issuer, now());
}

#define assert_verdict(v, st, rs) do {                     \
        tp_crl_verdict v_ = (v);                            \
        assert_int_equal(v_.status, (st));                  \
        assert_string_equal(tp_crl_reason_name(v_.reason), tp_crl_reason_name(rs)); \
    } while (0)

static void test_good_and_revoked_der(void **state)
{
    fixture *f = *state;
    assert_verdict(judge("int.crl.der", &f->good, &f->inter), TP_CRL_GOOD, TP_CRL_OK);
    assert_verdict(judge("int.crl.der", &f->revoked, &f->inter), TP_CRL_REVOKED, TP_CRL_OK);
    /* the intermediate against the root's (empty) CRL */
    assert_verdict(judge("root.crl.der", &f->inter, &f->root), TP_CRL_GOOD, TP_CRL_OK);
}

static void test_good_and_revoked_pem(void **state)
{
    fixture *f = *state;
    assert_verdict(judge("int.crl.pem", &f->good, &f->inter), TP_CRL_GOOD, TP_CRL_OK);
    assert_verdict(judge("int.crl.pem", &f->revoked, &f->inter), TP_CRL_REVOKED, TP_CRL_OK);
}

static void test_unparsable(void **state)
{
    fixture *f = *state;
    assert_verdict(judge("garbage.crl", &f->good, &f->inter), TP_CRL_UNKNOWN, TP_CRL_UNPARSABLE);
    tp_crl_verdict v;
    tp_crl_check(NULL, 0, &f->good, &f->inter, now(), &v);
    assert_verdict(v, TP_CRL_UNKNOWN, TP_CRL_UNPARSABLE);
    /* every truncation of a real CRL: never good/revoked, never a crash */
    size_t len;
    uint8_t *b = tp_pki_slurp("int.crl.der", &len);
    for (size_t n = 0; n < len; n++) {
        uint8_t *t = tp_exact(b, n);
        tp_crl_check(t, n, &f->revoked, &f->inter, now(), &v);
        assert_int_equal(v.status, TP_CRL_UNKNOWN);
        free(t);
    }
    /* a PEM header followed by garbage */
    static const char pem[] = "-----BEGIN X509 CRL-----\nnot base64 at all\n-----END X509 CRL-----\n";
    tp_crl_check((const uint8_t *)pem, sizeof pem - 1, &f->good, &f->inter, now(), &v);
    assert_verdict(v, TP_CRL_UNKNOWN, TP_CRL_UNPARSABLE);
    free(b);
}

static void test_critical_extension(void **state)
{
    fixture *f = *state;
    assert_verdict(judge("int-critical.crl.der", &f->good, &f->inter), TP_CRL_UNKNOWN,
                   TP_CRL_CRITICAL_EXT);
}

static void test_bad_signature(void **state)
{
    fixture *f = *state;
    assert_verdict(judge("int-badsig.crl.der", &f->good, &f->inter), TP_CRL_UNKNOWN,
                   TP_CRL_BAD_SIGNATURE);
    /* a bad signature must not be trusted to say "revoked" either */
    assert_verdict(judge("int-badsig.crl.der", &f->revoked, &f->inter), TP_CRL_UNKNOWN,
                   TP_CRL_BAD_SIGNATURE);
}

static void test_expired_and_not_yet_valid(void **state)
{
    fixture *f = *state;
    assert_verdict(judge("int-expired.crl.der", &f->good, &f->inter), TP_CRL_UNKNOWN,
                   TP_CRL_EXPIRED);
    assert_verdict(judge("int-future.crl.der", &f->good, &f->inter), TP_CRL_UNKNOWN,
                   TP_CRL_NOT_YET_VALID);
    /* revocation is permanent: a stale CRL that lists the serial still says revoked */
    assert_verdict(judge("int-expired.crl.der", &f->revoked, &f->inter), TP_CRL_REVOKED,
                   TP_CRL_OK);
    /* "now" is the caller's: the current CRL judged 60 days later has expired */
    assert_verdict(judge_at("int.crl.der", &f->good, &f->inter, now() + 60 * 86400),
                   TP_CRL_UNKNOWN, TP_CRL_EXPIRED);
    assert_verdict(judge_at("int.crl.der", &f->good, &f->inter, now() - 86400),
                   TP_CRL_UNKNOWN, TP_CRL_NOT_YET_VALID);
}

static void test_issuer_problems(void **state)
{
    fixture *f = *state;
    /* a CRL from another CA for int's leaf */
    assert_verdict(judge("other.crl.der", &f->good, &f->inter), TP_CRL_UNKNOWN,
                   TP_CRL_ISSUER_MISMATCH);
    /* the right CRL but a wrong issuer certificate */
    assert_verdict(judge("int.crl.der", &f->good, &f->other), TP_CRL_UNKNOWN,
                   TP_CRL_ISSUER_MISMATCH);
    /* no issuer certificate at all */
    assert_verdict(judge("int.crl.der", &f->good, NULL), TP_CRL_UNKNOWN, TP_CRL_NO_ISSUER);
}

/* One parse, many judgements (how verdict.c uses it). */
static void test_parse_once_judge_many(void **state)
{
    fixture *f = *state;
    size_t len;
    uint8_t *b = tp_pki_slurp("int.crl.der", &len);
    tp_crl c;
    tp_crl_parse(&c, b, len);
    free(b);  /* the parsed CRL owns its copy */
    assert_int_equal(c.parse_reason, TP_CRL_OK);
    tp_crl_verdict v;
    tp_crl_judge(&c, &f->good, &f->inter, now(), &v);
    assert_int_equal(v.status, TP_CRL_GOOD);
    tp_crl_judge(&c, &f->revoked, &f->inter, now(), &v);
    assert_int_equal(v.status, TP_CRL_REVOKED);
    assert_int_equal(c.n_memo, 1);   /* one signature check for both */
    tp_crl_free(&c);

    /* the memo remembers failures too, and never turns them into successes */
    b = tp_pki_slurp("int-badsig.crl.der", &len);
    tp_crl_parse(&c, b, len);
    free(b);
    for (int i = 0; i < 3; i++) {
        tp_crl_judge(&c, i == 1 ? &f->revoked : &f->good, &f->inter, now(), &v);
        assert_int_equal(v.status, TP_CRL_UNKNOWN);
        assert_int_equal(v.reason, TP_CRL_BAD_SIGNATURE);
    }
    assert_int_equal(c.n_memo, 1);
    tp_crl_free(&c);
}

/* Random byte flips and truncations of real DER and PEM CRLs: never a crash, never an
 * out-of-bounds read (ASan), always one of the three answers with a consistent reason. */
static void test_mutations_never_crash(void **state)
{
    fixture *f = *state;
    static const char *const files[] = {"int.crl.der", "int.crl.pem"};
    uint32_t x = 424242;
    for (size_t fi = 0; fi < 2; fi++) {
        size_t len;
        uint8_t *orig = tp_pki_slurp(files[fi], &len);
        for (int iter = 0; iter < 1500; iter++) {
            uint8_t *b = tp_exact(orig, len);
            for (int k = 0; k < 1 + iter % 3; k++) {
                x = x * 1103515245u + 12345u;
                b[(x >> 8) % len] = (uint8_t)(x >> 20);
            }
            size_t n = len - (size_t)(iter % 5);
            tp_crl_verdict v;
            tp_crl_check(b, n, iter % 2 ? &f->revoked : &f->good, &f->inter, now(), &v);
            assert_true(v.status == TP_CRL_GOOD || v.status == TP_CRL_REVOKED ||
                        v.status == TP_CRL_UNKNOWN);
            if (v.status != TP_CRL_UNKNOWN)
                assert_int_equal(v.reason, TP_CRL_OK);
            free(b);
        }
        free(orig);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(tp_crl_reason_name(TP_CRL_EXPIRED), "crl_expired");
    assert_string_equal(tp_crl_reason_name((tp_crl_reason)99), "crl_unparsable");
    assert_non_null(strstr(tp_crl_reason_text(TP_CRL_EXPIRED), "nextUpdate"));
    mbedtls_x509_time t = {.year = 2026, .mon = 1, .day = 2, .hour = 3, .min = 4, .sec = 5};
    assert_int_equal((long long)tp_x509_time_to_epoch(&t), 1767323045LL);
    mbedtls_x509_time z = {0};
    assert_int_equal((long long)tp_x509_time_to_epoch(&z), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_and_revoked_der),
        cmocka_unit_test(test_good_and_revoked_pem),
        cmocka_unit_test(test_unparsable),
        cmocka_unit_test(test_critical_extension),
        cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_expired_and_not_yet_valid),
        cmocka_unit_test(test_issuer_problems),
        cmocka_unit_test(test_parse_once_judge_many),
        cmocka_unit_test(test_mutations_never_crash),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
