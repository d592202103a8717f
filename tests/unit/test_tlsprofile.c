/* test_tlsprofile.c — the named client profiles: names, the fallback for an unknown id, and
 * what an ssl_config offers once a profile is applied (order kept, no suite or group the
 * device would not offer). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "net/tlsprofile.h"

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(tp_tls_profile_parse("windows"), TP_TLSP_WINDOWS);
    assert_int_equal(tp_tls_profile_parse("openssl"), TP_TLSP_OPENSSL);
    assert_int_equal(tp_tls_profile_parse("Windows"), -1);   /* names are exact */
    assert_int_equal(tp_tls_profile_parse(""), -1);
    assert_int_equal(tp_tls_profile_parse(NULL), -1);
    assert_string_equal(tp_tls_profile_get(TP_TLSP_OPENSSL)->name, "openssl");
    /* an id from nowhere is the Windows profile, never a read past the table */
    assert_string_equal(tp_tls_profile_get((tp_tls_profile_id)99)->name, "windows");
}

/* Windows offers x25519, P-256, P-384 in that order and never P-521 (mbedTLS's first). */
static void test_windows_groups(void **state)
{
    (void)state;
    const tp_tls_profile *p = tp_tls_profile_get(TP_TLSP_WINDOWS);
    assert_int_equal(p->groups[0], MBEDTLS_ECP_DP_CURVE25519);
    assert_int_equal(p->groups[1], MBEDTLS_ECP_DP_SECP256R1);
    assert_int_equal(p->groups[2], MBEDTLS_ECP_DP_SECP384R1);
    assert_int_equal(p->groups[3], MBEDTLS_ECP_DP_NONE);
    assert_int_equal(p->sig_hashes[0], MBEDTLS_MD_SHA256);
}

/* Applied to a config: the suites offered are the profile's, in its order, only those the
 * library has, and none Windows lacks (no CHACHA20, no DHE). */
static void test_apply(void **state)
{
    (void)state;
    for (int id = TP_TLSP_WINDOWS; id <= TP_TLSP_OPENSSL; id++) {
        const tp_tls_profile *p = tp_tls_profile_get((tp_tls_profile_id)id);
        mbedtls_ssl_config conf;
        mbedtls_ssl_config_init(&conf);
        assert_int_equal(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                                     MBEDTLS_SSL_PRESET_DEFAULT), 0);
        tp_tls_profile_apply(&conf, p);
        const int *offered = conf.ciphersuite_list[MBEDTLS_SSL_MINOR_VERSION_3];
        assert_non_null(offered);
        assert_ptr_equal(conf.curve_list, p->groups);
        assert_ptr_equal(conf.sig_hashes, p->sig_hashes);
        size_t n = 0;
        const int *want = p->ciphersuites;
        for (; offered[n]; n++) {
            /* each offered suite is the profile's next one the library knows */
            while (*want && *want != offered[n])
                want++;
            assert_int_equal(*want, offered[n]);
            assert_non_null(mbedtls_ssl_ciphersuite_from_id(offered[n]));
            if (id == TP_TLSP_WINDOWS) {
                const char *name = mbedtls_ssl_get_ciphersuite_name(offered[n]);
                assert_null(strstr(name, "CHACHA20"));
                assert_null(strstr(name, "-DHE-"));
            }
            want++;
        }
        assert_true(n > 0);
        mbedtls_ssl_config_free(&conf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_windows_groups),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
