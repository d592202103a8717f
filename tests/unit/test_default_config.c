/* test_default_config.c — without --config, `tlspath run` reads the installed default
 * config (SYSCONFDIR/tlspath/config.json) if it exists, else the built-in defaults; a
 * --config always wins; a default config that exists but is broken is an error naming it. */
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

static char dir[] = "/tmp/tp-defcfg-XXXXXX";
static char file[64], other[64];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static int build(const char *config_opt, tp_config *cfg, char *err, size_t errlen)
{
    tp_cli c;
    char *argv[] = {"tlspath", "run", "--config", (char *)config_opt, NULL};
    assert_int_equal(tp_cli_parse(config_opt ? 4 : 2, argv, &c, err, errlen), 0);
    memset(cfg, 0, sizeof *cfg);
    int rc = tp_cli_build_config(&c, cfg, err, errlen);
    tp_cli_free(&c);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(file, sizeof file, "%s/config.json", dir);
    snprintf(other, sizeof other, "%s/other.json", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(file);
    unlink(other);
    rmdir(dir);
    return 0;
}

static void test_compiled_in_location(void **state)
{
    (void)state;
    /* the install's SYSCONFDIR, never a relative name */
    assert_non_null(tp_cli_default_config);
    assert_true(tp_cli_default_config[0] == '/');
    assert_non_null(strstr(tp_cli_default_config, "/tlspath/config.json"));
}

static void test_default_file_used_when_present(void **state)
{
    (void)state;
    char err[512];
    tp_config cfg;
    tp_cli_default_config = file;
    write_file(file, "{\"paths\": [{\"id\": \"site-proxy\", \"type\": \"http\", \"proxy\": \"127.0.0.1:3128\"}]}");
    assert_int_equal(build(NULL, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.n_paths, 1);
    assert_string_equal(cfg.paths[0].id, "site-proxy");
    tp_config_free(&cfg);

    /* --config wins over the default file */
    write_file(other, "{\"paths\": [{\"id\": \"other\", \"type\": \"direct\"}]}");
    assert_int_equal(build(other, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.paths[0].id, "other");
    tp_config_free(&cfg);
    unlink(file);
}

static void test_builtin_defaults_when_absent(void **state)
{
    (void)state;
    char err[512];
    tp_config cfg;
    tp_cli_default_config = file; /* does not exist */
    assert_int_equal(build(NULL, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.n_paths, 1);
    assert_string_equal(cfg.paths[0].id, "direct");
    tp_config_free(&cfg);
}

static void test_broken_default_is_an_error(void **state)
{
    (void)state;
    char err[512];
    tp_config cfg;
    tp_cli_default_config = file;
    write_file(file, "{\"paths\": 42}");
    assert_int_equal(build(NULL, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, file)); /* the message names the file it read */
    tp_config_free(&cfg);
    unlink(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiled_in_location),
        cmocka_unit_test(test_default_file_used_when_present),
        cmocka_unit_test(test_builtin_defaults_when_absent),
        cmocka_unit_test(test_broken_default_is_an_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
