/* test_cmd_paths.c — `tlspath paths import` (app/cmd_paths.c): files in, a config out that
 * loads; every usage mistake exits 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cmd_paths.h"
#include "input/config.h"

#define DATA TLSPATH_SOURCE_DIR "/tests/data/devproxy/"

static int run(int argc, char **argv)
{
    /* stderr notes are expected; keep the test output readable */
    fflush(stderr);
    return tp_cmd_paths(argc, argv);
}

static void test_import(void **state)
{
    (void)state;
    char out[] = "/tmp/tlspath-test-paths-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {"tlspath", "paths", "import", "--netsh", DATA "netsh-proxy.txt", "--reg", DATA "defender.reg",
                    "--mdatp", DATA "mdatp_managed.json", "--env-file", DATA "environment", "-o", out, NULL};
    assert_int_equal(run(13, argv), 0);
    tp_config c;
    char err[512] = "";
    assert_int_equal(tp_config_defaults(&c), 0);
    if (tp_config_load_file(out, &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    /* winhttp, edr-static, mdav-static, mdav-pac, mdatp, env, direct */
    assert_int_equal(c.n_paths, 7);
    assert_non_null(tp_config_find_path(&c, "mdav-pac"));
    assert_int_equal(tp_config_find_path(&c, "mdav-pac")->type, TP_PATH_PAC);
    assert_int_equal(tp_config_find_path(&c, "env")->bypass.n, 5);
    tp_config_free(&c);
    unlink(out);
}

static void test_usage(void **state)
{
    (void)state;
    char *none[] = {"tlspath", "paths", "import", NULL};
    assert_int_equal(run(3, none), 2);
    char *sub[] = {"tlspath", "paths", "export", NULL};
    assert_int_equal(run(3, sub), 2);
    char *unknown[] = {"tlspath", "paths", "import", "--netsh", DATA "netsh-proxy.txt", "--bogus", NULL};
    assert_int_equal(run(6, unknown), 2);
    char *missing[] = {"tlspath", "paths", "import", "--reg", "/nonexistent.reg", NULL};
    assert_int_equal(run(5, missing), 2);
    char *wrong[] = {"tlspath", "paths", "import", "--reg", DATA "netsh-proxy.txt", NULL};
    assert_int_equal(run(5, wrong), 2);
    char *extra[] = {"tlspath", "paths", "import", "--env", "stray", NULL};
    assert_int_equal(run(5, extra), 2);
    char *noval[] = {"tlspath", "paths", "import", "--netsh", NULL};
    assert_int_equal(run(4, noval), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
