/* test_url.c — the one URL / authority parser and the one port parser (base/url.h),
 * including hostile input: every prefix and random byte flips of valid URLs end in 0
 * or -1, never a crash or a leak (ASan watches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/url.h"

static void test_port(void **state)
{
    (void)state;
    assert_int_equal(tp_port_parse("1", 1), 1);
    assert_int_equal(tp_port_parse("443", 3), 443);
    assert_int_equal(tp_port_parse("65535", 5), 65535);
    assert_int_equal(tp_port_parse("8080xyz", 4), 8080); /* exactly n bytes */
    static const char *const bad[] = {"", "0", "65536", "99999", "000000", "+80", "-1", " 80",
                                      "80 ", "8o", "0x50", "123456"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tp_port_parse(bad[i], strlen(bad[i])) != -1)
            fail_msg("accepted port \"%s\"", bad[i]);
    assert_int_equal(tp_port_parse(NULL, 3), -1);
}

static void test_authority(void **state)
{
    (void)state;
    tp_authority a;
    assert_int_equal(tp_authority_split("h.example:8443", 14, 0, &a), 0);
    assert_int_equal(a.host_len, 9);
    assert_memory_equal(a.host, "h.example", 9);
    assert_int_equal(a.port, 8443);
    assert_int_equal(tp_authority_split("[::1]:53", 8, 0, &a), 0);
    assert_true(a.bracketed);
    assert_int_equal(a.host_len, 3);
    assert_int_equal(a.port, 53);
    assert_int_equal(tp_authority_split("[::1]", 5, 0, &a), 0);
    assert_int_equal(a.port, -1);
    assert_int_equal(tp_authority_split("fe80::1:2", 9, TP_AUTH_BARE_V6, &a), 0);
    assert_true(a.bare_v6);
    assert_int_equal(a.host_len, 9);
    /* without the flag a second ':' is a bad port */
    assert_int_equal(tp_authority_split("fe80::1:2", 9, 0, &a), -1);
    static const char *const bad[] = {"[::1", "[::1]x", "[::1]:", "h:", "h:0", "h:65536", "h:1a",
                                      "[::1]:99999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tp_authority_split(bad[i], strlen(bad[i]), TP_AUTH_BARE_V6, &a) != -1)
            fail_msg("accepted authority \"%s\"", bad[i]);
    /* bounded by n, not by the terminator: "h:80" of "h:8080" */
    assert_int_equal(tp_authority_split("h:8080", 4, 0, &a), 0);
    assert_int_equal(a.port, 80);
}

static void test_hostport(void **state)
{
    (void)state;
    char *h = NULL;
    int p = 0;
    assert_int_equal(tp_parse_hostport("10.0.0.53", 53, &h, &p), 0);
    assert_string_equal(h, "10.0.0.53");
    assert_int_equal(p, 53);
    free(h);
    assert_int_equal(tp_parse_hostport("[2001:db8::1]:5353", 53, &h, &p), 0);
    assert_string_equal(h, "2001:db8::1");
    assert_int_equal(p, 5353);
    free(h);
    assert_int_equal(tp_parse_hostport("2001:db8::1", 53, &h, &p), 0);
    free(h);
    assert_int_equal(tp_parse_hostport("proxy.corp:3128", 0, &h, &p), 0);
    assert_int_equal(p, 3128);
    free(h);
    static const char *const bad[] = {"10.0.0.256", "proxy.corp", "a..b:1", "-a.b:1", "[x]:1",
                                      "[10.0.0.1]:1", "h_b.example:1", "a b:1", ":80", "[]:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tp_parse_hostport(bad[i], 0, &h, &p) != -1)
            fail_msg("accepted host:port \"%s\"", bad[i]);
}

static void test_proxy_url(void **state)
{
    (void)state;
    tp_proxy_url u;
    const char *exp;
    assert_int_equal(tp_proxy_url_parse("http://svc:p%40ss/w%3Ard@proxy.corp:3128/", &u, &exp), 0);
    assert_string_equal(u.user, "svc");
    assert_string_equal(u.pass, "p@ss/w:rd");
    assert_string_equal(u.host, "proxy.corp");
    assert_int_equal(u.port, 3128);
    tp_proxy_url_free(&u);
    assert_int_equal(tp_proxy_url_parse("10.0.0.6:8080", &u, &exp), 0);
    assert_null(u.user);
    tp_proxy_url_free(&u);
    assert_int_equal(tp_proxy_url_parse("https://p:1", &u, &exp), -1);
    assert_non_null(strstr(exp, "http://"));
    assert_int_equal(tp_proxy_url_parse("u:p@h:1", &u, &exp), -1);
    assert_non_null(strstr(exp, "credentials only"));
    assert_int_equal(tp_proxy_url_parse("http://u:%0d%0aX@h:1", &u, &exp), -1); /* CR LF */
    assert_non_null(strstr(exp, "password"));
    assert_int_equal(tp_proxy_url_parse("http://h:1/path", &u, &exp), -1);
    assert_string_equal(exp, "host:port");
}

static void test_url(void **state)
{
    (void)state;
    char *s, *h, *p;
    int port;
    assert_int_equal(tp_url_parse("HTTP://Crl.Example:8080?x#frag", &s, &h, &port, &p), 0);
    assert_string_equal(s, "http");
    assert_string_equal(h, "crl.example");
    assert_int_equal(port, 8080);
    assert_string_equal(p, "/?x");
    free(s), free(h), free(p);
    assert_int_equal(tp_url_parse("https://[2001:DB8::1]/a", &s, &h, &port, &p), 0);
    assert_string_equal(h, "2001:db8::1");
    assert_int_equal(port, 443);
    free(s), free(h), free(p);
    static const char *const bad[] = {"ftp://a/", "http://", "http://a b/", "http://u@a/",
                                      "http://a:0/", "http://[::1/", "http://a:80:80/",
                                      "http://\x01/", "https://a..b/", "http://a/\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tp_url_parse(bad[i], &s, &h, &port, &p) != -1)
            fail_msg("accepted URL \"%s\"", bad[i]);
}

static void test_redact(void **state)
{
    (void)state;
    char out[128];
    assert_true(tp_url_redact_userinfo("https://u:pw@h/x@y", out, sizeof out));
    assert_string_equal(out, "https://***@h/x@y");
    assert_false(tp_url_redact_userinfo("https://h/x@y", out, sizeof out));
    /* proxies: a password with an unencoded '/' is still hidden */
    assert_true(tp_url_redact_proxy("http://u:pa/ss@h:1", out, sizeof out));
    assert_string_equal(out, "http://***@h:1");
    assert_true(tp_url_redact_proxy("corp=u:pw@h:1", out, sizeof out));
    assert_string_equal(out, "corp=***@h:1");
}

/* Hostile bytes: prefixes and flips of valid inputs through every entry point. */
static void test_hostile(void **state)
{
    (void)state;
    static const char *const seeds[] = {"http://svc:pw@[2001:db8::1]:3128/",
                                        "https://unitedstates.cp.wd.microsoft.com:443/wdcp.svc?x=1#f",
                                        "[fe80::1]:53"};
    unsigned seed = 7;
    char buf[128];
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        size_t len = strlen(seeds[k]);
        for (int round = 0; round < 2000; round++) {
            size_t n = round < (int)len ? (size_t)round : len;
            memcpy(buf, seeds[k], n);
            buf[n] = '\0';
            if (round >= (int)len)
                for (int f = 0; f < 3; f++) {
                    seed = seed * 1103515245u + 12345u;
                    buf[(seed >> 8) % n] = (char)((seed >> 16) | 1); /* never NUL */
                }
            char *s, *h, *p;
            int port;
            if (tp_url_parse(buf, &s, &h, &port, &p) == 0) {
                assert_true(port >= 1 && port <= 65535);
                free(s), free(h), free(p);
            }
            tp_proxy_url u;
            const char *exp;
            if (tp_proxy_url_parse(buf, &u, &exp) == 0) {
                assert_true(u.port >= 1 && u.port <= 65535);
                tp_proxy_url_free(&u);
            }
            if (tp_parse_hostport(buf, 53, &h, &port) == 0)
                free(h);
            char out[64];
            tp_url_redact_proxy(buf, out, sizeof out);
            tp_url_redact_userinfo(buf, out, sizeof out);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port),     cmocka_unit_test(test_authority),
        cmocka_unit_test(test_hostport), cmocka_unit_test(test_proxy_url),
        cmocka_unit_test(test_url),      cmocka_unit_test(test_redact),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
