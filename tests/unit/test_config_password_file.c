/* test_config_password_file.c — auth.password_file in a config: the password comes from
 * the file (relative names next to the config, trailing newline stripped), a file that
 * breaks the mode rules or does not exist is a config error naming the key, and neither the
 * error nor anything else quotes the password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input/config.h"

static char dir[] = "/tmp/tp-cfgpw-XXXXXX";
static char cfg_path[80], pw_path[80];

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static int load(const char *auth, tp_config *c, char *err, size_t errlen)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"paths\": [{\"id\": \"corp\", \"type\": \"http\", \"proxy\": \"10.0.0.6:3128\", \"auth\": %s}]}",
             auth);
    write_file(cfg_path, json, 0644);
    memset(c, 0, sizeof *c);
    assert_int_equal(tp_config_defaults(c), 0);
    return tp_config_load_file(cfg_path, c, err, errlen);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(cfg_path, sizeof cfg_path, "%s/config.json", dir);
    snprintf(pw_path, sizeof pw_path, "%s/proxy-pass", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(cfg_path);
    unlink(pw_path);
    rmdir(dir);
    return 0;
}

static void test_password_from_file(void **state)
{
    (void)state;
    tp_config c;
    char err[512] = "";
    write_file(pw_path, "Hunter2-Pw\n", 0400);
    /* relative: found next to the config, whatever the current directory */
    assert_int_equal(load("{\"username\": \"svc\", \"password_file\": \"proxy-pass\"}", &c, err, sizeof err), 0);
    assert_int_equal(c.n_paths, 1);
    assert_string_equal(c.paths[0].username, "svc");
    assert_string_equal(c.paths[0].password, "Hunter2-Pw");
    tp_config_free(&c);
    /* absolute */
    char auth[256];
    snprintf(auth, sizeof auth, "{\"username\": \"svc\", \"password_file\": \"%s\"}", pw_path);
    assert_int_equal(load(auth, &c, err, sizeof err), 0);
    assert_string_equal(c.paths[0].password, "Hunter2-Pw");
    tp_config_free(&c);
}

static void test_bad_file_is_a_config_error(void **state)
{
    (void)state;
    tp_config c;
    char err[512] = "";
    write_file(pw_path, "Hunter2-Pw\n", 0644);
    assert_int_equal(load("{\"username\": \"svc\", \"password_file\": \"proxy-pass\"}", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "paths[0].auth.password_file: "));
    assert_non_null(strstr(err, "accessible to others"));
    assert_null(strstr(err, "Hunter2"));
    tp_config_free(&c);

    assert_int_equal(load("{\"username\": \"svc\", \"password_file\": \"no-such-file\"}", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "paths[0].auth.password_file: cannot open"));
    tp_config_free(&c);

    assert_int_equal(load("{\"username\": \"svc\", \"password_file\": 7}", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "paths[0].auth.password_file: expected a file name"));
    tp_config_free(&c);
}

static void test_exactly_one_source(void **state)
{
    (void)state;
    tp_config c;
    char err[512] = "";
    write_file(pw_path, "Hunter2-Pw\n", 0400);
    assert_int_equal(load("{\"username\": \"svc\", \"password\": \"x\", \"password_file\": \"proxy-pass\"}", &c,
                          err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "expected exactly one of password, password_env, password_file, got more than one"));
    tp_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_from_file),
        cmocka_unit_test(test_bad_file_is_a_config_error),
        cmocka_unit_test(test_exactly_one_source),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
