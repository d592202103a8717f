/* test_x509_san.c — iPAddress subjectAltName matching (mbedTLS 2.28 ignores those entries). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pki/x509.h"

/* SEQUENCE OF Extension with one subjectAltName: dNSName a.test, iPAddress 127.0.0.1, ::1 */
static const uint8_t EXT[] = {
    0x30, 0x2B,
    0x30, 0x29,
    0x06, 0x03, 0x55, 0x1D, 0x11,
    0x04, 0x22,
    0x30, 0x20,
    0x82, 0x06, 'a', '.', 't', 'e', 's', 't',
    0x87, 0x04, 0x7F, 0x00, 0x00, 0x01,
    0x87, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

static void test_matches(void **state)
{
    (void)state;
    assert_int_equal(tp_x509_san_ip_match(EXT, sizeof EXT, "127.0.0.1"), 1);
    assert_int_equal(tp_x509_san_ip_match(EXT, sizeof EXT, "::1"), 1);
    assert_int_equal(tp_x509_san_ip_match(EXT, sizeof EXT, "0:0::1"), 1);
    assert_int_equal(tp_x509_san_ip_match(EXT, sizeof EXT, "127.0.0.2"), 0);
    assert_int_equal(tp_x509_san_ip_match(EXT, sizeof EXT, "::2"), 0);
    /* a name is never matched as an address, even one that looks alike */
    assert_int_equal(tp_x509_san_ip_match(EXT, sizeof EXT, "a.test"), 0);
    assert_int_equal(tp_x509_san_ip_match(EXT, 0, "127.0.0.1"), 0);
}

static void test_hostile(void **state)
{
    (void)state;
    uint8_t buf[sizeof EXT];
    /* every truncation is refused or unmatched, never read past the end */
    for (size_t n = 1; n < sizeof EXT; n++) {
        int rc = tp_x509_san_ip_match(EXT, n, "::1");
        assert_true(rc == -1 || rc == 0);
    }
    /* a GeneralName length that runs past its SEQUENCE */
    memcpy(buf, EXT, sizeof EXT);
    buf[28] = 0x7F;
    assert_int_equal(tp_x509_san_ip_match(buf, sizeof buf, "::1"), -1);
    /* a 4-byte iPAddress is not an IPv6 address */
    assert_int_equal(tp_x509_san_ip_match(EXT, sizeof EXT, "::7f00:1"), 0);
    assert_int_equal(tp_x509_san_ip_match(NULL, 0, "::1"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
