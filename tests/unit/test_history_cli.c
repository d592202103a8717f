/* test_history_cli.c — the history's options: the config's "history" object (defaults,
 * every key, precise errors), the command-line options over it, and what needs a state
 * directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "input/config.h"

#define ARGV(...) ((char *[]){"tlspath", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"tlspath", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cli, err, ...) tp_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (cli), (err), sizeof(err))

static int load(const char *json, tp_config *c, char *err, size_t errlen)
{
    assert_int_equal(tp_config_defaults(c), 0);
    return tp_config_load_mem(json, strlen(json), "h.json", c, err, errlen);
}

static void test_config_defaults(void **state)
{
    (void)state;
    tp_config c;
    assert_int_equal(tp_config_defaults(&c), 0);
    assert_null(c.history.state_dir);
    assert_int_equal(c.history.keep_runs, TP_HISTORY_KEEP_RUNS);
    assert_int_equal(c.history.keep_days, TP_HISTORY_KEEP_DAYS);
    assert_int_equal(c.history.fail_on, TP_FAIL_ON_ANY);
    assert_null(c.history.on_change);
    tp_config_free(&c);
}

static void test_config_history(void **state)
{
    (void)state;
    tp_config c;
    char err[512] = "";
    if (load("{\"history\": {\"state_dir\": \"/var/lib/tlspath\", \"keep_runs\": 0, \"keep_days\": 7,"
             " \"fail_on\": \"regression\", \"on_change\": \"logger -t tlspath\"}}", &c, err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(c.history.state_dir, "/var/lib/tlspath");
    assert_int_equal(c.history.keep_runs, 0);
    assert_int_equal(c.history.keep_days, 7);
    assert_int_equal(c.history.fail_on, TP_FAIL_ON_REGRESSION);
    assert_string_equal(c.history.on_change, "logger -t tlspath");
    tp_config_free(&c);
}

static void expect_config_error(const char *json, const char *needle)
{
    tp_config c;
    char err[512] = "";
    assert_int_equal(load(json, &c, err, sizeof err), -1);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
    tp_config_free(&c);
}

static void test_config_errors(void **state)
{
    (void)state;
    expect_config_error("{\"history\": {\"keep\": 3}}", "h.json: history.keep: unknown key");
    expect_config_error("{\"history\": {\"keep_runs\": -1}}", "history.keep_runs: expected an integer");
    expect_config_error("{\"history\": {\"keep_days\": 1.5}}", "history.keep_days");
    expect_config_error("{\"history\": {\"fail_on\": \"regressions\"}}", "history.fail_on: expected \"any\" or \"regression\"");
    expect_config_error("{\"history\": {\"state_dir\": \"\"}}", "history.state_dir: expected a directory name");
    expect_config_error("{\"history\": {\"on_change\": 5}}", "history.on_change: expected a string");
    expect_config_error("{\"history\": []}", "history: expected an object");
}

static void test_cli_options(void **state)
{
    (void)state;
    tp_cli cli;
    char err[512] = "";
    assert_int_equal(PARSE(&cli, err, "run", "--state-dir", "/tmp/st", "--keep-runs", "0", "--keep-days=3",
                           "--fail-on", "regression", "--on-change", "cat >/dev/null"), 0);
    tp_config cfg;
    if (tp_cli_build_config(&cli, &cfg, err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(cfg.history.state_dir, "/tmp/st");
    assert_int_equal(cfg.history.keep_runs, 0);
    assert_int_equal(cfg.history.keep_days, 3);
    assert_int_equal(cfg.history.fail_on, TP_FAIL_ON_REGRESSION);
    assert_string_equal(cfg.history.on_change, "cat >/dev/null");
    tp_config_free(&cfg);
    tp_cli_free(&cli);

    /* the command line overrides the config file */
    char path[] = "/tmp/tlspath-hcli-XXXXXX.json";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    const char json[] = "{\"history\": {\"state_dir\": \"/from/config\", \"keep_runs\": 5, \"fail_on\": \"regression\"}}";
    assert_int_equal(write(fd, json, sizeof json - 1), (ssize_t)(sizeof json - 1));
    close(fd);
    assert_int_equal(PARSE(&cli, err, "run", "--config", path, "--state-dir", "/from/cli", "--fail-on", "any"), 0);
    if (tp_cli_build_config(&cli, &cfg, err, sizeof err))
        fail_msg("%s", err);
    assert_string_equal(cfg.history.state_dir, "/from/cli");
    assert_int_equal(cfg.history.keep_runs, 5);
    assert_int_equal(cfg.history.fail_on, TP_FAIL_ON_ANY);
    tp_config_free(&cfg);
    tp_cli_free(&cli);
    unlink(path);
}

static void test_cli_errors(void **state)
{
    (void)state;
    tp_cli cli;
    char err[512] = "";
    assert_int_equal(PARSE(&cli, err, "run", "--fail-on", "sometimes"), -1);
    assert_non_null(strstr(err, "--fail-on: expected any or regression"));
    tp_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "run", "--keep-runs", "many"), -1);
    assert_non_null(strstr(err, "--keep-runs"));
    tp_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "run", "--keep-days", "-2"), -1);
    assert_non_null(strstr(err, "--keep-days"));
    tp_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "catalog", "list", "--state-dir", "x"), -1);
    tp_cli_free(&cli);

    /* regression and hooks need a history */
    tp_config cfg;
    assert_int_equal(PARSE(&cli, err, "run", "--fail-on", "regression"), 0);
    assert_int_equal(tp_cli_build_config(&cli, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "--fail-on regression needs a history: give --state-dir"));
    tp_config_free(&cfg);
    tp_cli_free(&cli);
    assert_int_equal(PARSE(&cli, err, "run", "--on-change", "true"), 0);
    assert_int_equal(tp_cli_build_config(&cli, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "--on-change needs a history"));
    tp_config_free(&cfg);
    tp_cli_free(&cli);
}

static void test_help_lists_options(void **state)
{
    (void)state;
    const char *h = tp_cli_help(TP_CMD_RUN);
    const char *opts[] = {"--state-dir DIR", "--keep-runs N", "--keep-days D", "--fail-on WHAT", "--on-change CMD"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (!strstr(h, opts[i]))
            fail_msg("run --help does not list %s", opts[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_history),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_cli_options),
        cmocka_unit_test(test_cli_errors),
        cmocka_unit_test(test_help_lists_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
