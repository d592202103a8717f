/* test_secretfile.c — password files (Docker/Kubernetes secrets, systemd credentials): the
 * one trailing newline is stripped, the mode and owner rules hold, odd files are refused
 * without blocking, and no message ever quotes the content. */
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

#include "base/secretfile.h"

#define SECRET "s3cr3t-Pw"

static char dir[] = "/tmp/tp-secret-XXXXXX";
static char path[80], link_path[80];

static void put(const char *content, size_t len, mode_t mode)
{
    unlink(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* Reads and expects success with `want`. */
static void ok(const char *content, mode_t mode, const char *want)
{
    char err[256] = "", *out = NULL;
    put(content, strlen(content), mode);
    assert_int_equal(tp_secret_read_file(path, &out, err, sizeof err), 0);
    assert_non_null(out);
    assert_string_equal(out, want);
    tp_secret_free(out);
}

/* Reads and expects a refusal whose message contains `why` and never the secret. */
static void refused(const char *p, const char *why)
{
    char err[256] = "", *out = NULL;
    assert_int_equal(tp_secret_read_file(p, &out, err, sizeof err), -1);
    assert_null(out);
    if (!strstr(err, why))
        fail_msg("message \"%s\" does not say \"%s\"", err, why);
    assert_null(strstr(err, "s3cr3t"));
    assert_non_null(strstr(err, p)); /* names the file */
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/pw", dir);
    snprintf(link_path, sizeof link_path, "%s/link", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char fifo[96];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    unlink(fifo);
    unlink(link_path);
    unlink(path);
    rmdir(dir);
    return 0;
}

static void test_newline_stripped_once(void **state)
{
    (void)state;
    ok(SECRET "\n", 0600, SECRET);
    ok(SECRET "\r\n", 0400, SECRET);
    ok(SECRET, 0400, SECRET);
    ok(" spaces inside and around ", 0600, " spaces inside and around ");
    /* a second newline is not "the" trailing newline: refused, not silently kept */
    put(SECRET "\n\n", strlen(SECRET) + 2, 0600);
    refused(path, "control character");
    put(SECRET "\0tail", strlen(SECRET) + 5, 0600);
    refused(path, "NUL");
    put("a\tb", 3, 0600);
    refused(path, "control character");
}

static void test_modes(void **state)
{
    (void)state;
    ok(SECRET "\n", 0440, SECRET); /* Kubernetes: defaultMode 0440 + fsGroup */
    ok(SECRET "\n", 0640, SECRET);
    put(SECRET, strlen(SECRET), 0644);
    refused(path, "accessible to others (mode 0644)");
    put(SECRET, strlen(SECRET), 0604);
    refused(path, "accessible to others");
    put(SECRET, strlen(SECRET), 0401);
    refused(path, "accessible to others");
    put(SECRET, strlen(SECRET), 0620);
    refused(path, "writable by group or others (mode 0620)");
    put(SECRET, strlen(SECRET), 0602);
    refused(path, "writable by group or others");
}

static void test_owner(void **state)
{
    (void)state;
    put(SECRET, strlen(SECRET), 0400);
    if (geteuid() != 0) {
        /* our own file is fine; another owner needs root to arrange */
        ok(SECRET, 0400, SECRET);
        skip();
    }
    assert_int_equal(chown(path, 4242, 4242), 0);
    refused(path, "owned by uid 4242");
    assert_int_equal(chown(path, 0, 4242), 0); /* root-owned, another group: fine */
    char err[256], *out = NULL;
    assert_int_equal(tp_secret_read_file(path, &out, err, sizeof err), 0);
    tp_secret_free(out);
}

static void test_odd_files(void **state)
{
    (void)state;
    char missing[96], fifo[96];
    snprintf(missing, sizeof missing, "%s/nope", dir);
    refused(missing, "No such file");
    refused(dir, "not a regular file");
    put("", 0, 0600);
    refused(path, "empty");
    put("\n", 1, 0600);
    refused(path, "empty");
    /* a FIFO nobody writes to: refused at once, not a hang */
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    refused(fifo, "not a regular file");
    /* too big */
    char *big = malloc(TP_SECRET_MAX_BYTES + 10);
    assert_non_null(big);
    memset(big, 'a', TP_SECRET_MAX_BYTES + 10);
    put(big, TP_SECRET_MAX_BYTES + 10, 0600);
    free(big);
    refused(path, "larger than");
    /* exactly the limit is fine */
    big = calloc(1, TP_SECRET_MAX_BYTES + 1);
    assert_non_null(big);
    memset(big, 'b', TP_SECRET_MAX_BYTES);
    ok(big, 0600, big);
    free(big);
}

static void test_symlink_followed(void **state)
{
    (void)state;
    /* Kubernetes mounts a secret key as name -> ..data/name */
    put(SECRET "\n", strlen(SECRET) + 1, 0440);
    unlink(link_path);
    assert_int_equal(symlink(path, link_path), 0);
    char err[256], *out = NULL;
    assert_int_equal(tp_secret_read_file(link_path, &out, err, sizeof err), 0);
    assert_string_equal(out, SECRET);
    tp_secret_free(out);
    /* the target's mode counts, not the link's */
    assert_int_equal(chmod(path, 0444), 0);
    refused(link_path, "accessible to others");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newline_stripped_once),
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_owner),
        cmocka_unit_test(test_odd_files),
        cmocka_unit_test(test_symlink_followed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
