/* test_x509_names.c — certificate names as UTF-8 (issue 15): a UTF8String subject
 * ("München", "東京") is shown as such, not "M??nchen"; BMPString and TeletexString are
 * decoded; control characters in a name are dropped; a non-string value is '#'+hex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsrv.h"
#include "pki/x509.h"

static tpki g_pki;

static int setup(void **state)
{
    (void)state;
    return tpki_init(&g_pki);
}

static int teardown(void **state)
{
    (void)state;
    tpki_free(&g_pki);
    return 0;
}

/* Subject of a leaf for CN=cn, through tp_x509_cert_info. */
static char *subject_of(const char *cn)
{
    tpki_cert c;
    tp_cert_info info;
    assert_int_equal(tpki_leaf(&g_pki, cn, true, &c), 0);
    assert_int_equal(tp_x509_cert_info(&c.chain, &info), 0);
    char *s = strdup(info.subject);
    tp_cert_info_free(&info);
    tpki_cert_free(&c);
    return s;
}

static void test_utf8_subject(void **state)
{
    (void)state;
    char *s = subject_of("M\xc3\xbcnchen \xe6\x9d\xb1\xe4\xba\xac");
    assert_string_equal(s, "CN=M\xc3\xbcnchen \xe6\x9d\xb1\xe4\xba\xac, O=tlspath test");
    free(s);
    /* control characters never leave the certificate layer */
    s = subject_of("evil\x1b]0;title\x07name");
    assert_string_equal(s, "CN=evil]0;titlename, O=tlspath test");
    free(s);
}

/* The other string types, by rewriting the parsed subject's first value in place. */
static void check_value(int tag, const void *bytes, size_t n, const char *want)
{
    tpki_cert c;
    tp_cert_info info;
    assert_int_equal(tpki_leaf(&g_pki, "x", true, &c), 0);
    mbedtls_x509_buf saved = c.chain.subject.val;
    c.chain.subject.val.tag = tag;
    c.chain.subject.val.p = (unsigned char *)bytes;
    c.chain.subject.val.len = n;
    assert_int_equal(tp_x509_cert_info(&c.chain, &info), 0);
    c.chain.subject.val = saved;
    assert_string_equal(info.subject, want);
    tp_cert_info_free(&info);
    tpki_cert_free(&c);
}

static void test_string_types(void **state)
{
    (void)state;
    /* BMPString "Zürich" and a surrogate pair (U+1F512) */
    static const uint8_t bmp[] = {0, 'Z', 0, 0xFC, 0, 'r', 0, 'i', 0, 'c', 0, 'h', 0xD8, 0x3D, 0xDD, 0x12};
    check_value(MBEDTLS_ASN1_BMP_STRING, bmp, sizeof bmp, "CN=Z\xc3\xbcrich\xf0\x9f\x94\x92, O=tlspath test");
    /* TeletexString as Latin-1 */
    check_value(MBEDTLS_ASN1_T61_STRING, "Gen\xe8ve", 6, "CN=Gen\xc3\xa8ve, O=tlspath test");
    /* UniversalString (UCS-4) */
    static const uint8_t ucs4[] = {0, 0, 0x6E, 0x2F, 0, 0, 0, 'x'};
    check_value(MBEDTLS_ASN1_UNIVERSAL_STRING, ucs4, sizeof ucs4, "CN=\xe6\xb8\xaf" "x, O=tlspath test");
    /* broken UTF-8 becomes U+FFFD, not '?' */
    check_value(MBEDTLS_ASN1_UTF8_STRING, "a\xff" "b", 3, "CN=a\xef\xbf\xbd" "b, O=tlspath test");
    /* not a string: RFC 4514 hex */
    check_value(MBEDTLS_ASN1_OCTET_STRING, "\x01\xab", 2, "CN=#01AB, O=tlspath test");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_subject),
        cmocka_unit_test(test_string_types),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
