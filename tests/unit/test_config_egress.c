/* test_config_egress.c — the path keys of issue 14 (bypass, pac, source, interface,
 * family) and the "dns" section: accepted forms land in the config, every mistake names
 * the key and what was expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/config.h"

static int load(const char *text, tp_config *c, char *err, size_t errlen)
{
    assert_int_equal(tp_config_defaults(c), 0);
    int rc = tp_config_load_mem(text, strlen(text), "c.json", c, err, errlen);
    if (rc == 0)
        rc = tp_config_validate(c, err, errlen);
    return rc;
}

static void test_accepted(void **state)
{
    (void)state;
    tp_config c;
    char err[512] = "";
    const char *text =
        "{\"paths\": ["
        " {\"id\": \"direct\", \"type\": \"direct\", \"source\": \"10.0.0.9\", \"interface\": \"eth1\","
        "  \"family\": \"both\"},"
        " {\"id\": \"corp\", \"proxy\": \"10.0.0.6:8080\", \"bypass\": [\"<local>\", \"*.blob.core.windows.net\","
        "  \"10.0.0.0/8\", \"crl.microsoft.com:80\"], \"family\": \"ipv4\"},"
        " {\"id\": \"wpad\", \"pac\": \"http://10.0.0.1/proxy.pac\", \"crl_via\": \"direct\"}],"
        " \"dns\": {\"block_pages\": [\"198.51.100.7\", \"2001:db8::7\"], \"expect_public\": true}}";
    if (load(text, &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n_paths, 3);
    assert_string_equal(c.paths[0].source, "10.0.0.9");
    assert_string_equal(c.paths[0].interface, "eth1");
    assert_int_equal(c.paths[0].family, TP_FAM_BOTH);
    assert_int_equal(c.paths[1].bypass.n, 4);
    assert_int_equal(c.paths[1].family, TP_FAM_V4);
    assert_int_equal(c.paths[2].type, TP_PATH_PAC); /* "type" left out: a pac makes it pac */
    assert_string_equal(c.paths[2].pac, "http://10.0.0.1/proxy.pac");
    assert_int_equal(c.dns.block_pages.n, 2);
    assert_true(c.dns.expect_public);
    tp_config_free(&c);
}

static void test_rejected(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"{\"paths\": [{\"id\": \"p\", \"type\": \"pac\"}]}",
         "c.json: paths[0].pac: expected a PAC URL or file for a pac path, got nothing"},
        {"{\"paths\": [{\"id\": \"p\", \"type\": \"pac\", \"pac\": \"https://x/p.pac\"}]}",
         "c.json: paths[0].pac: expected an http:// PAC URL"},
        {"{\"paths\": [{\"id\": \"p\", \"type\": \"pac\", \"pac\": \"/nonexistent/p.pac\"}]}",
         "c.json: paths[0].pac: "},
        {"{\"paths\": [{\"id\": \"p\", \"pac\": \"http://x/p.pac\", \"proxy\": \"a:1\"}]}",
         "c.json: paths[0].pac: expected a pac only on a pac path"},
        {"{\"paths\": [{\"id\": \"p\", \"type\": \"pac\", \"pac\": \"http://x/\", \"proxy\": \"a:1\"}]}",
         "c.json: paths[0].proxy: expected no proxy on a pac path"},
        {"{\"paths\": [{\"id\": \"direct\", \"pac\": \"http://x/p.pac\"}]}",
         "c.json: paths[0].id: expected an id other than \"direct\""},
        {"{\"paths\": [{\"id\": \"d\", \"bypass\": [\"a\"]}]}",
         "c.json: paths[0].bypass: expected a bypass list only on an http path"},
        {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"a:1\", \"bypass\": [\"a b\"]}]}",
         "c.json: paths[0].bypass[0]: expected a host pattern"},
        {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"a:1\", \"bypass\": \"a\"}]}",
         "c.json: paths[0].bypass: expected an array"},
        {"{\"paths\": [{\"id\": \"d\", \"source\": \"eth0\"}]}",
         "c.json: paths[0].source: expected a local IPv4 or IPv6 address to bind, got \"eth0\""},
        {"{\"paths\": [{\"id\": \"d\", \"interface\": \"a-very-long-name0\"}]}",
         "c.json: paths[0].interface: expected a network device name"},
        {"{\"paths\": [{\"id\": \"d\", \"family\": \"inet6\"}]}",
         "c.json: paths[0].family: expected \"any\", \"ipv4\", \"ipv6\" or \"both\", got \"inet6\""},
        {"{\"dns\": {\"block_pages\": [\"blocked.example\"]}}",
         "c.json: dns.block_pages[0]: expected an IPv4 or IPv6 address (a block page), got \"blocked.example\""},
        {"{\"dns\": {\"expect_public\": 1}}", "c.json: dns.expect_public: expected"},
        {"{\"dns\": {\"sinkholes\": []}}", "c.json: dns.sinkholes: unknown key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_config c;
        char err[512] = "";
        if (load(cases[i].text, &c, err, sizeof err) == 0)
            fail_msg("case %zu accepted", i);
        if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: got \"%s\"", i, err);
        tp_config_free(&c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
