/* test_app_rules.c — `tlspath rules` in-process (tp_app_main): every selection means what it
 * means for `run`, the formats reach stdout or a file written atomically, --proxy only for a
 * PAC file, and --from adds what a real run saw (a run against the loopback lab of
 * app_harness.h, its JSON report read back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "app_harness.h"

static void test_rules_formats(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "rules", "--format", "fqdn", "--service", "maps");
    assert_rc(&o, 0);
    assert_has(o.out, "*.wd.microsoft.com\n");
    assert_null(strstr(o.out, "winatp-gw"));   /* an EDR host: not selected */
    app_out_free(&o);
    APP(&o, "rules", "--format", "pac", "--proxy", "10.0.0.1:8080", "--service", "maps");
    assert_rc(&o, 0);
    assert_has(o.out, "function FindProxyForURL(url, host)");
    assert_has(o.out, "PROXY 10.0.0.1:8080");
    app_out_free(&o);
    char file[192];
    lab_file(file, sizeof file, "squid.conf");
    APP(&o, "rules", "--format", "squid", "--service", "maps", "-o", file);
    assert_rc(&o, 0);
    assert_has(o.err, "wrote ");
    assert_has(o.err, "(squid)");
    char *text = app_slurp(file);
    assert_non_null(text);
    assert_has(text, "dstdomain");
    free(text);
    app_out_free(&o);
}

static void test_rules_refusals(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "rules");
    assert_rc(&o, 2);
    assert_has(o.err, "rules: expected --format");
    app_out_free(&o);
    APP(&o, "rules", "--format", "fqdn", "--proxy", "10.0.0.1:8080");
    assert_rc(&o, 2);
    assert_has(o.err, "--proxy: only --format pac takes a proxy");
    app_out_free(&o);
    APP(&o, "rules", "--format", "fqdn", "--service", "edr", "--required-only", "--catalog", lab.catalog);
    assert_rc(&o, 2);
    assert_has(o.err, "the selection matches no endpoint");
    app_out_free(&o);
    APP(&o, "rules", "--format", "fqdn", "--geo", "XX", "--catalog", lab.catalog);
    assert_rc(&o, 2);
    assert_has(o.err, "--geo: expected one of the catalog's values");
    app_out_free(&o);
    APP(&o, "rules", "--format", "fqdn", "--from", "/nonexistent/report.json");
    assert_rc(&o, 2);
    assert_has(o.err, "--from: cannot read /nonexistent/report.json");
    app_out_free(&o);
    APP(&o, "rules", "--format", "fqdn", "-o", "/nonexistent/rules.txt");
    assert_rc(&o, 2);
    assert_has(o.err, "/nonexistent/rules.txt");
    app_out_free(&o);
    APP(&o, "rules", "--format", "fqdn", "--from", lab.dir);
    assert_rc(&o, 2);
    assert_has(o.err, ": Is a directory");
    app_out_free(&o);
    APP(&o, "rules", "--format", "fqdn", "-o", "/dev/full");
    assert_rc(&o, 2);
    assert_has(o.err, "/dev/full");
    app_out_free(&o);
    char bad[192];
    lab_file(bad, sizeof bad, "not-a-report.json");
    app_write(bad, "{\"results\": 5}");
    APP(&o, "rules", "--format", "fqdn", "--from", bad);
    assert_rc(&o, 2);
    assert_has(o.err, "not-a-report.json");
    app_out_free(&o);
}

/* An endpoint addressed by an IPv6 literal has no name to allow: said, not dropped silently. */
static void test_rules_ipv6_literal(void **state)
{
    (void)state;
    char cat[192];
    lab_file(cat, sizeof cat, "v6.json");
    app_write(cat, "{\"name\": \"v6\", \"source\": \"t\", \"endpoints\": ["
                   "{\"id\": \"lit\", \"service\": \"maps\", \"url\": \"https://[2001:db8::5]/\"},"
                   "{\"id\": \"named\", \"service\": \"maps\", \"url\": \"https://a.example/\"}]}");
    app_out o;
    APP(&o, "rules", "--format", "fqdn", "--catalog", cat);
    assert_rc(&o, 0);
    assert_has(o.err, "1 endpoint(s) addressed by an IPv6 literal have no name rule");
    assert_has(o.out, "a.example\n");
    app_out_free(&o);
}

/* --from: the addresses and CRL hosts a real run met become rules. */
static void test_rules_from_a_run(void **state)
{
    (void)state;
    char report[192];
    lab_file(report, sizeof report, "run.json");
    app_out o;
    APP(&o, "run", "-c", lab.config, "-f", "json", "-o", report, "-q");
    assert_rc(&o, 0);
    app_out_free(&o);
    /* nft takes addresses: the lab's 127.0.0.1 as resolved by the run */
    APP(&o, "rules", "--format", "nft", "-c", lab.config, "--from", report);
    assert_rc(&o, 0);
    assert_has(o.out, "127.0.0.1");
    app_out_free(&o);
    /* the CRL list names the host of the CRL the leaf pointed at */
    APP(&o, "rules", "--format", "crl", "-c", lab.config, "--from", report);
    assert_rc(&o, 0);
    assert_has(o.out, "127.0.0.1");
    app_out_free(&o);
    /* a report about other endpoints adds nothing, and says so */
    APP(&o, "rules", "--format", "fqdn", "--service", "maps", "--from", report);
    assert_rc(&o, 0);
    assert_has(o.err, "has no result for the selected endpoints");
    app_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_formats),
        cmocka_unit_test(test_rules_refusals),
        cmocka_unit_test(test_rules_ipv6_literal),
        cmocka_unit_test(test_rules_from_a_run),
    };
    return cmocka_run_group_tests(tests, lab_setup, lab_teardown);
}
