/* test_anchors.c — expiry warnings for the built-in and configured trust anchors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pki/anchors.h"

/* 2026-11-23T00:00:00Z, 2026-08-01, 2026-01-01 */
#define T_NOV_2026 1795392000LL
#define T_AUG_2026 1785542400LL
#define T_JAN_2026 1767225600LL

static void test_builtin_intermediate_expired(void **state)
{
    (void)state;
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tp_strlist w = {0};
    assert_int_equal(tp_anchor_warnings(&cfg, T_NOV_2026, &w), 0);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.v[0], "Microsoft Secure Server CA 2011"));
    assert_non_null(strstr(w.v[0], "expired on 2026-10-18"));
    assert_non_null(strstr(w.v[0], "built-in"));
    tp_strlist_free(&w);
}

static void test_expiring_soon_and_fine(void **state)
{
    (void)state;
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tp_strlist w = {0};
    assert_int_equal(tp_anchor_warnings(&cfg, T_AUG_2026, &w), 0);
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.v[0], "expires on 2026-10-18, in 78 day(s)"));
    tp_strlist_free(&w);
    assert_int_equal(tp_anchor_warnings(&cfg, T_JAN_2026, &w), 0);
    assert_int_equal(w.n, 0);   /* the root is good until 2036 */
}

static void test_configured_files(void **state)
{
    (void)state;
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tp_strlist w = {0};
    assert_int_equal(tp_strlist_add(&cfg.ca_files, TLSPATH_SOURCE_DIR "/certs/microsoft-secure-server-ca-2011.pem"), 0);
    assert_int_equal(tp_strlist_add(&cfg.ca_files, "/nonexistent/ca.pem"), 0);           /* not judged here */
    assert_int_equal(tp_strlist_add(&cfg.ca_files, TLSPATH_SOURCE_DIR "/README.md"), 0);  /* not a PEM */
    assert_int_equal(tp_anchor_warnings(&cfg, T_NOV_2026, &w), 0);
    assert_int_equal(w.n, 2);
    assert_non_null(strstr(w.v[1], "microsoft-secure-server-ca-2011.pem"));
    tp_strlist_free(&w);
    tp_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_intermediate_expired),
        cmocka_unit_test(test_expiring_soon_and_fine),
        cmocka_unit_test(test_configured_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
