/* test_cli.c — argument parsing for every sub-command and the merge over config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "plan/plan.h"

#define ARGV(...) ((char *[]){"tlspath", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"tlspath", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cli, err, ...) tp_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (cli), (err), sizeof(err))

static void test_no_args_is_help(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    char *argv[] = {"tlspath", NULL};
    assert_int_equal(tp_cli_parse(1, argv, &c, err, sizeof err), 0);
    assert_int_equal(c.cmd, TP_CMD_HELP);
    tp_cli_free(&c);
}

static void test_run_full(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "run", "--config", "c.json", "--catalog", "a.json", "--catalog=b.json",
                           "--path", "direct", "--path", "corp=http://10.0.0.6:8080", "--resolver",
                           "10.0.0.53", "--service", "maps", "--geo", "US", "--format", "json",
                           "--format", "table", "--cacert", "ca.pem", "--output", "-", "--concurrency",
                           "16", "--timeout", "2500", "--no-color", "--quiet", "--dry-run"),
                     0);
    assert_int_equal(c.cmd, TP_CMD_RUN);
    assert_string_equal(c.config_file, "c.json");
    assert_int_equal(c.catalogs.n, 2);
    assert_string_equal(c.catalogs.v[1], "b.json");
    assert_int_equal(c.path_specs.n, 2);
    assert_string_equal(c.path_specs.v[1], "corp=http://10.0.0.6:8080");
    assert_int_equal(c.formats.n, 2);
    assert_int_equal(c.concurrency, 16);
    assert_int_equal(c.timeout_ms, 2500);
    assert_true(c.no_color && c.quiet && c.dry_run);
    assert_string_equal(c.output, "-");
    tp_cli_free(&c);
}

static void test_run_errors(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "run", "--bogus"), -1);
    assert_non_null(strstr(err, "--bogus"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--format", "xml"), -1);
    assert_non_null(strstr(err, "xml"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--concurrency", "0"), -1);
    assert_non_null(strstr(err, "--concurrency"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--timeout", "12abc"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--config"), -1);
    assert_non_null(strstr(err, "expected a value"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--quiet=yes"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--output", "a", "--output-dir", "d"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--config", "a", "--config", "b"), -1);
    assert_non_null(strstr(err, "twice"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "stray"), -1);
    tp_cli_free(&c);
    /* run-only options are not accepted by catalog list, and vice versa */
    assert_int_equal(PARSE(&c, err, "catalog", "list", "--path", "direct"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--csv", "x.csv"), -1);
    tp_cli_free(&c);
}

/* The common flags have short forms (getopt_long); errors keep tlspath's messages. */
static void test_short_options(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "run", "-c", "c.json", "-p", "direct", "-pcorp=http://10.0.0.6:8080",
                           "-o", "-", "-f", "json", "-q"),
                     0);
    assert_string_equal(c.config_file, "c.json");
    assert_int_equal(c.path_specs.n, 2);
    assert_string_equal(c.path_specs.v[1], "corp=http://10.0.0.6:8080");
    assert_string_equal(c.output, "-");
    assert_true(tp_strlist_has(&c.formats, "json"));
    assert_true(c.quiet);
    tp_cli_free(&c);
    /* clustered flags: -q then -c with its value */
    assert_int_equal(PARSE(&c, err, "run", "-qc", "x.json"), 0);
    assert_true(c.quiet);
    assert_string_equal(c.config_file, "x.json");
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog", "list", "-f", "json"), 0);
    assert_true(tp_strlist_has(&c.formats, "json"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog", "import", "--csv", "a.csv", "-o", "b.json"), 0);
    assert_string_equal(c.output, "b.json");
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "-h"), 0);
    assert_int_equal(c.cmd, TP_CMD_HELP);
    assert_int_equal(c.help_for, TP_CMD_RUN);
    tp_cli_free(&c);
}

static void test_option_errors_exact(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    static const struct { const char *a, *b; const char *msg; } cases[] = {
        {"--bogus", NULL, "run: unknown option \"--bogus\" (see `tlspath run --help`)"},
        {"--bogus=1", NULL, "run: unknown option \"--bogus\" (see `tlspath run --help`)"},
        {"-x", NULL, "run: unknown option \"-x\" (see `tlspath run --help`)"},
        {"--conf", "a", "run: unknown option \"--conf\" (see `tlspath run --help`)"}, /* no abbreviations */
        {"--config", NULL, "--config: expected a value"},
        {"-c", NULL, "--config: expected a value"},
        {"--quiet=yes", NULL, "--quiet takes no value"},
        {"stray", NULL, "run: unexpected argument \"stray\""},
        {"--", "x", "run: unexpected argument \"x\""},
        {"-o", "a", "--output given twice"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {"tlspath", "run", (char *)cases[i].a, (char *)cases[i].b, NULL, NULL};
        int argc = cases[i].b ? 4 : 3;
        if (strcmp(cases[i].a, "-o") == 0) {
            argv[4] = "-oz";
            argc = 5;
        }
        assert_int_equal(tp_cli_parse(argc, argv, &c, err, sizeof err), -1);
        if (strcmp(err, cases[i].msg) != 0)
            fail_msg("%s: got \"%s\"", cases[i].a, err);
        tp_cli_free(&c);
    }
    assert_int_equal(PARSE(&c, err, "catalog", "list", "-p", "direct"), -1);
    assert_string_equal(err, "catalog list: unknown option \"-p\" (see `tlspath catalog --help`)");
    tp_cli_free(&c);
}

static void test_catalog_commands(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "catalog", "list", "--service", "maps", "--geo", "EU", "--os",
                           "windows", "--onboarding", "streamlined", "--required-only", "--format", "json"),
                     0);
    assert_int_equal(c.cmd, TP_CMD_CATALOG_LIST);
    assert_true(c.required_only);
    assert_string_equal(c.os, "windows");
    assert_string_equal(c.onboarding, "streamlined");
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog", "list", "--format", "html"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog", "import", "--csv", "x.csv", "--output", "y.json"), 0);
    assert_int_equal(c.cmd, TP_CMD_CATALOG_IMPORT);
    assert_string_equal(c.csv, "x.csv");
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog", "import"), -1);
    assert_non_null(strstr(err, "--csv"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog", "frobnicate"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "frobnicate"), -1);
    tp_cli_free(&c);
}

static void test_help_everywhere(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "run", "--help"), 0);
    assert_int_equal(c.cmd, TP_CMD_HELP);
    assert_int_equal(c.help_for, TP_CMD_RUN);
    assert_non_null(strstr(tp_cli_help(c.help_for), "--dry-run"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "catalog", "import", "-h"), 0);
    assert_int_equal(c.help_for, TP_CMD_CATALOG_IMPORT);
    assert_non_null(strstr(tp_cli_help(c.help_for), "--csv"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "help", "catalog"), 0);
    assert_int_equal(c.cmd, TP_CMD_HELP);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "version"), 0);
    assert_int_equal(c.cmd, TP_CMD_VERSION);
    tp_cli_free(&c);
    /* every option the run help mentions is one the parser accepts */
    const char *opts[] = {"--config", "--catalog", "--path", "--resolver", "--cacert", "--service", "--geo",
                          "--os", "--onboarding", "--required-only", "--format", "--output", "--output-dir",
                          "--no-color", "--quiet", "--concurrency", "--timeout", "--dry-run", "--crl-via"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        assert_non_null(strstr(tp_cli_help(TP_CMD_RUN), opts[i]));
}

static void test_build_config_overrides(void **state)
{
    (void)state;
    tp_cli c;
    char err[512];
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(PARSE(&c, err, "run", "--path", "direct", "--path", "http://u:secretpw@127.0.0.1:3128",
                           "--path", "corp=http://127.0.0.1:3129", "--resolver", "127.0.0.1:5353", "--timeout",
                           "1500", "--concurrency", "7", "--required-only", "--geo", "EU"),
                     0);
    assert_int_equal(tp_cli_build_config(&c, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.n_paths, 3);
    assert_string_equal(cfg.paths[0].id, "direct");
    assert_string_equal(cfg.paths[1].id, "proxy1");
    assert_string_equal(cfg.paths[1].proxy_host, "127.0.0.1");
    assert_int_equal(cfg.paths[1].proxy_port, 3128);
    assert_string_equal(cfg.paths[1].username, "u");
    assert_string_equal(cfg.paths[1].password, "secretpw");
    assert_string_equal(cfg.paths[2].id, "corp");
    assert_int_equal(cfg.limits.total_ms, 1500);
    /* no phase deadline may exceed the probe's: the plan resolves that, whatever the entry */
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &cfg, err, sizeof err), 0);
    assert_int_equal(pl.limits.total_ms, 1500);
    assert_true(pl.limits.tls_ms == 1500 && pl.limits.dns_ms <= 1500 && pl.limits.crl_ms == 1500);
    tp_plan_release(&pl);
    assert_int_equal(cfg.limits.concurrency, 7);
    assert_false(cfg.select.include_optional);
    assert_true(tp_strlist_has(&cfg.select.geography, "EU"));
    assert_true(tp_strlist_has(&cfg.resolvers, "127.0.0.1:5353"));
    tp_config_free(&cfg);
    tp_cli_free(&c);
}

static void test_build_config_bad_path_hides_password(void **state)
{
    (void)state;
    tp_cli c;
    char err[512];
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(PARSE(&c, err, "run", "--path", "http://u:hunter2@127.0.0.1:notaport"), 0);
    assert_int_equal(tp_cli_build_config(&c, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "--path"));
    assert_null(strstr(err, "hunter2"));
    tp_config_free(&cfg);
    tp_cli_free(&c);
}

static void test_build_config_duplicate_path_ids(void **state)
{
    (void)state;
    tp_cli c;
    char err[512];
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(PARSE(&c, err, "run", "--path", "a=direct", "--path", "a=http://127.0.0.1:3128"), 0);
    assert_int_equal(tp_cli_build_config(&c, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"a\""));
    tp_config_free(&cfg);
    tp_cli_free(&c);
}

static void test_crl_via_option(void **state)
{
    (void)state;
    tp_cli c;
    char err[512];
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(PARSE(&c, err, "run", "--path", "direct", "--path", "a=http://127.0.0.1:3128",
                           "--path", "b=http://127.0.0.1:3129", "--crl-via", "direct"),
                     0);
    assert_int_equal(tp_cli_build_config(&c, &cfg, err, sizeof err), 0);
    assert_null(cfg.paths[0].crl_via);              /* direct paths need none */
    assert_string_equal(cfg.paths[1].crl_via, "direct");
    assert_string_equal(cfg.paths[2].crl_via, "direct");
    tp_config_free(&cfg);
    tp_cli_free(&c);
    /* a path id that does not exist is refused */
    assert_int_equal(PARSE(&c, err, "run", "--path", "a=http://127.0.0.1:3128", "--crl-via", "nosuch"), 0);
    assert_int_equal(tp_cli_build_config(&c, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "nosuch"));
    tp_config_free(&cfg);
    tp_cli_free(&c);
}

static void test_rules_options(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "rules", "--format", "pac", "--proxy", "10.0.0.5:8080", "--service", "maps",
                           "--from", "r.json", "--output", "x.pac", "--required-only"),
                     0);
    assert_int_equal(c.cmd, TP_CMD_RULES);
    assert_string_equal(c.formats.v[0], "pac");
    assert_string_equal(c.proxy, "10.0.0.5:8080");
    assert_string_equal(c.from, "r.json");
    assert_true(c.required_only);
    tp_cli_free(&c);
    /* a report format is not a rules format, and one format a run */
    assert_int_equal(PARSE(&c, err, "rules", "--format", "json"), -1);
    assert_non_null(strstr(err, "fqdn, squid, pac"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "rules", "--format", "fqdn", "--format", "crl"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "rules"), -1);
    assert_non_null(strstr(err, "expected --format"));
    tp_cli_free(&c);
    /* run-only options are refused; rules-only options are refused by run */
    assert_int_equal(PARSE(&c, err, "rules", "--format", "fqdn", "--path", "direct"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--from", "r.json"), -1);
    tp_cli_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_args_is_help),
        cmocka_unit_test(test_run_full),
        cmocka_unit_test(test_run_errors),
        cmocka_unit_test(test_short_options),
        cmocka_unit_test(test_option_errors_exact),
        cmocka_unit_test(test_catalog_commands),
        cmocka_unit_test(test_help_everywhere),
        cmocka_unit_test(test_build_config_overrides),
        cmocka_unit_test(test_build_config_bad_path_hides_password),
        cmocka_unit_test(test_build_config_duplicate_path_ids),
        cmocka_unit_test(test_crl_via_option),
        cmocka_unit_test(test_rules_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
