/* test_hostmatch.c — globs, address prefixes and proxy bypass entries (base/hostmatch.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/hostmatch.h"
#include "core/dnsclass.h"

static void test_glob(void **state)
{
    (void)state;
    assert_true(tp_glob_match("*.microsoft.com", "x.wd.Microsoft.com"));
    assert_false(tp_glob_match("*.microsoft.com", "microsoft.com"));
    assert_true(tp_glob_match("*", ""));
    assert_true(tp_glob_match("a?c", "abc"));
    assert_false(tp_glob_match("a?c", "ac"));
    assert_true(tp_glob_match("*a*b*c*", "xxaxxbxxcxx"));
    assert_false(tp_glob_match("*a*b*c*", "xxaxxcxxbxx"));
    assert_true(tp_glob_match("10.*", "10.1.2.3"));
    assert_false(tp_glob_match("", "a"));
    assert_false(tp_glob_match(NULL, "a"));
    /* a hostile pattern stays linear-ish: 2000 stars against 4000 bytes ends at once */
    char *p = malloc(2002), *t = malloc(4001);
    assert_non_null(p);
    assert_non_null(t);
    for (int i = 0; i < 2000; i++)
        p[i] = i % 2 ? '*' : 'a';
    p[2000] = 'b';
    p[2001] = '\0';
    memset(t, 'a', 4000);
    t[4000] = '\0';
    assert_false(tp_glob_match(p, t));
    free(p);
    free(t);
}

static void test_cidr(void **state)
{
    (void)state;
    uint8_t a[16];
    assert_int_equal(tp_ip_parse("10.0.0.1", a), 4);
    assert_int_equal(tp_ip_parse("fd00::1", a), 16);
    assert_int_equal(tp_ip_parse("host", a), 0);
    assert_int_equal(tp_ip_parse("10.0.0.256", a), 0);
    assert_true(tp_cidr_contains("10.0.0.0/8", "10.200.3.4"));
    assert_false(tp_cidr_contains("10.0.0.0/8", "11.0.0.1"));
    assert_true(tp_cidr_contains("192.168.1.0/23", "192.168.0.7"));
    assert_false(tp_cidr_contains("192.168.1.0/24", "192.168.0.7"));
    assert_true(tp_cidr_contains("fc00::/7", "fd12::5"));
    assert_false(tp_cidr_contains("fc00::/7", "fe80::1"));
    assert_false(tp_cidr_contains("10.0.0.0/8", "fd00::1")); /* families differ */
    assert_false(tp_cidr_contains("10.0.0.0/33", "10.0.0.1"));
    assert_false(tp_cidr_contains("10.0.0.0/", "10.0.0.1"));
    assert_true(tp_cidr_contains("0.0.0.0/0", "8.8.8.8"));
    assert_true(tp_cidr_contains("10.1.2.3", "10.1.2.3")); /* bare = host */
    assert_true(tp_ip4_in_net("198.95.249.79", "198.95.249.79", "255.255.255.255"));
    assert_true(tp_ip4_in_net("198.95.6.8", "198.95.0.0", "255.255.0.0"));
    assert_false(tp_ip4_in_net("198.96.6.8", "198.95.0.0", "255.255.0.0"));
    assert_false(tp_ip4_in_net("fd00::1", "198.95.0.0", "255.255.0.0"));
}

static void test_bypass(void **state)
{
    (void)state;
    assert_true(tp_bypass_entry_match("<local>", "intranet", 443));
    assert_false(tp_bypass_entry_match("<local>", "intranet.corp", 443));
    assert_true(tp_bypass_entry_match("*.contoso.com", "a.b.CONTOSO.com", 443));
    assert_true(tp_bypass_entry_match("crl.microsoft.com", "crl.microsoft.com", 80));
    assert_false(tp_bypass_entry_match("crl.microsoft.com", "xcrl.microsoft.com", 80));
    assert_true(tp_bypass_entry_match("crl.microsoft.com:80", "crl.microsoft.com", 80));
    assert_false(tp_bypass_entry_match("crl.microsoft.com:80", "crl.microsoft.com", 443));
    assert_true(tp_bypass_entry_match("10.0.0.0/8", "10.1.1.1", 443));
    assert_false(tp_bypass_entry_match("10.0.0.0/8", "ten.example", 443));
    assert_true(tp_bypass_entry_match("10.*", "10.1.1.1", 443));
    assert_true(tp_bypass_entry_match("fd00::1", "fd00:0::1", 443));   /* same address */
    assert_true(tp_bypass_entry_match("[fd00::1]:443", "fd00::1", 443));
    assert_false(tp_bypass_entry_match("[fd00::1]:443", "fd00::1", 80));
    assert_true(tp_bypass_entry_match("*", "anything.example", 1));
    static const char *const bad[] = {"", "a b", "a;b", "a,b", "10.0.0.0/99", "x/8", "\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(tp_bypass_entry_valid(bad[i]));
        assert_false(tp_bypass_entry_match(bad[i], "a", 1));
    }
    char *list[] = {"<local>", "*.blob.core.windows.net"};
    assert_true(tp_bypass_match(list, 2, "x.blob.core.windows.net", 443));
    assert_false(tp_bypass_match(list, 2, "x.wd.microsoft.com", 443));
    assert_false(tp_bypass_match(list, 0, "intranet", 443));
}

/* core/dnsclass.h: sinkholes and private answers */
static void test_dnsclass(void **state)
{
    (void)state;
    static const char *const sink[] = {"0.0.0.0", "127.0.0.1", "127.9.9.9", "::", "::1",
                                       "::ffff:0.0.0.0", "::ffff:127.0.0.1", "0.1.2.3"};
    for (size_t i = 0; i < sizeof sink / sizeof sink[0]; i++)
        if (!tp_addr_is_sinkhole(sink[i], NULL, true))
            fail_msg("%s is a sinkhole", sink[i]);
    static const char *const notsink[] = {"10.0.0.1", "198.18.0.1", "fd00::1", "name", "", "1.2.3.4"};
    for (size_t i = 0; i < sizeof notsink / sizeof notsink[0]; i++)
        if (tp_addr_is_sinkhole(notsink[i], NULL, true))
            fail_msg("%s is not a sinkhole", notsink[i]);
    char *bp[] = {"198.51.100.7", "2001:db8::7"};
    tp_strlist pages = {bp, 2};
    assert_true(tp_addr_is_sinkhole("198.51.100.7", &pages, true));
    assert_true(tp_addr_is_sinkhole("2001:db8:0::7", &pages, true));
    assert_false(tp_addr_is_sinkhole("198.51.100.8", &pages, true));
    /* loopback counts only when asked (tests resolve names to 127.0.0.1 on purpose) */
    assert_false(tp_addr_is_sinkhole("127.0.0.1", NULL, false));
    assert_true(tp_addr_is_sinkhole("0.0.0.0", NULL, false));

    char *a1[] = {"0.0.0.0", "::"}, *a2[] = {"0.0.0.0", "203.0.113.5"};
    tp_strlist all = {a1, 2}, mixed = {a2, 2}, none = {NULL, 0};
    assert_true(tp_dns_all_sinkhole(&all, NULL, true));
    assert_false(tp_dns_all_sinkhole(&mixed, NULL, true));
    assert_false(tp_dns_all_sinkhole(&none, NULL, true));

    static const char *const priv[] = {"10.1.1.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                                       "100.64.0.1", "169.254.1.1", "fd00::1", "fe80::1"};
    for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
        if (!tp_addr_is_private(priv[i]))
            fail_msg("%s is private", priv[i]);
    static const char *const pub[] = {"172.32.0.1", "20.190.128.1", "2603:1000::1", "0.0.0.0x"};
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        if (tp_addr_is_private(pub[i]))
            fail_msg("%s is not private", pub[i]);
    char *a3[] = {"20.1.1.1", "10.0.0.5"};
    tp_strlist some = {a3, 2};
    assert_true(tp_dns_any_private(&some));
    assert_false(tp_dns_any_private(&mixed));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_bypass),
        cmocka_unit_test(test_dnsclass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
