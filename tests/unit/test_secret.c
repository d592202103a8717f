/* test_secret.c — secrets are wiped before their memory goes back, in the -O2 release
 * build too (where GCC drops a memset before free()). A release hook (secret.h) sees
 * every secret buffer after the wipe and before free(): every byte must be zero, and
 * the buffers we know held the password (the config file's text, the password string,
 * the Basic token, the CONNECT request) must be among them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/secret.h"
#include "input/config.h"
#include "net/httpparse.h"

#define PW "Zq-S3cret-pw-0123456789"

typedef struct seen {
    size_t n_released;
    size_t n_dirty;        /* released with a non-zero byte */
    size_t biggest;        /* largest buffer released */
    size_t exact[8];       /* sizes released, first 8 */
} seen;

static void hook(const void *p, size_t n, void *ctx)
{
    seen *s = ctx;
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) {
            s->n_dirty++;
            break;
        }
    if (s->n_released < 8)
        s->exact[s->n_released] = n;
    s->n_released++;
    if (n > s->biggest)
        s->biggest = n;
}

static bool released_size(const seen *s, size_t n)
{
    for (size_t i = 0; i < s->n_released && i < 8; i++)
        if (s->exact[i] == n)
            return true;
    return false;
}

static int teardown(void **state)
{
    (void)state;
    tp_secret_set_release_hook(NULL, NULL);
    return 0;
}

static void test_secret_string(void **state)
{
    (void)state;
    seen s = {0};
    tp_secret_set_release_hook(hook, &s);
    tp_secret *p = tp_secret_dup(PW);
    assert_string_equal(p, PW);
    tp_secret_free(p);
    assert_int_equal(s.n_released, 1);
    assert_int_equal(s.exact[0], sizeof PW); /* the terminator too */
    assert_int_equal(s.n_dirty, 0);
    tp_secret *q = tp_secret_printf("%s:%s", "svc", PW);
    assert_string_equal(q, "svc:" PW);
    tp_secret_set(&q, NULL);
    assert_null(q);
    assert_int_equal(s.n_released, 2);
    assert_int_equal(s.n_dirty, 0);
    tp_secret_free(NULL); /* NULL-safe, not a release */
    assert_int_equal(s.n_released, 2);
}

/* A secret tp_buf: growth moves the bytes by hand and wipes the old block, so no copy
 * of the password is left in memory realloc() gave back. */
static void test_secret_buf_growth(void **state)
{
    (void)state;
    seen s = {0};
    tp_buf b;
    tp_secret_set_release_hook(hook, &s);
    tp_buf_init(&b, 1 << 20, true);
    for (int i = 0; i < 200; i++)
        assert_int_equal(tp_buf_append(&b, PW, sizeof PW - 1), TP_BUF_OK);
    assert_true(s.n_released >= 3); /* 64 -> 128 -> ... -> 8192 */
    tp_buf_free(&b);
    assert_int_equal(s.n_dirty, 0);
    assert_true(s.biggest >= 200 * (sizeof PW - 1));
}

/* The whole config path: file text (secret tp_buf), the parsed tree (wiped before
 * cJSON_Delete), the password in the path, its copy in the loaded config. */
static void test_config_file_wiped(void **state)
{
    (void)state;
    char name[] = "/tmp/tlspath-secret-XXXXXX";
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    static const char json[] =
        "{\"paths\": [{\"id\": \"corp\", \"proxy\": \"127.0.0.1:3128\",\n"
        "  \"auth\": {\"type\": \"basic\", \"username\": \"svc\", \"password\": \"" PW "\"}}]}\n";
    assert_int_equal(write(fd, json, sizeof json - 1), (ssize_t)(sizeof json - 1));
    close(fd);

    seen s = {0};
    tp_config c;
    char err[512];
    assert_int_equal(tp_config_defaults(&c), 0);
    tp_secret_set_release_hook(hook, &s);
    assert_int_equal(tp_config_load_file(name, &c, err, sizeof err), 0);
    unlink(name);
    assert_string_equal(c.paths[0].password, PW);
    /* the file's text went back wiped (the buffer is at least as large as the file) */
    assert_true(s.biggest >= sizeof json - 1);
    assert_int_equal(s.n_dirty, 0);
    size_t before = s.n_released;
    tp_config_free(&c);
    assert_true(s.n_released > before);
    assert_true(released_size(&s, sizeof PW) || s.n_released > 8);
    assert_int_equal(s.n_dirty, 0);
}

/* A failed load wipes as well (the password was already decoded). */
static void test_config_error_wiped(void **state)
{
    (void)state;
    seen s = {0};
    tp_config c;
    char err[512];
    static const char json[] = "{\"paths\": [{\"id\": \"corp\", \"proxy\": \"http://svc:" PW
                               "@127.0.0.1:3128\", \"expect_inspection\": 3}]}";
    assert_int_equal(tp_config_defaults(&c), 0);
    tp_secret_set_release_hook(hook, &s);
    assert_int_equal(tp_config_load_mem(json, sizeof json - 1, "x.json", &c, err, sizeof err), -1);
    assert_null(strstr(err, PW));
    assert_true(s.n_released >= 2); /* the URL scratch copy and the decoded password */
    assert_int_equal(s.n_dirty, 0);
    tp_config_free(&c);
}

/* The Basic token's scratch space is wiped; the CONNECT request is released through
 * tp_secret_free_n by its sender (engine.c). */
static void test_basic_token_wiped(void **state)
{
    (void)state;
    seen s = {0};
    tp_secret_set_release_hook(hook, &s);
    char *req = tp_http_connect_request("a.example", 443, "svc", PW);
    assert_non_null(req);
    assert_non_null(strstr(req, "Proxy-Authorization: Basic "));
    assert_true(s.n_released >= 2); /* "svc:PW" and its base64 */
    assert_int_equal(s.n_dirty, 0);
    size_t n = strlen(req);
    tp_secret_free_n(req, n);
    assert_int_equal(s.n_dirty, 0);
    assert_true(s.biggest >= n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_secret_string, teardown),
        cmocka_unit_test_teardown(test_secret_buf_growth, teardown),
        cmocka_unit_test_teardown(test_config_file_wiped, teardown),
        cmocka_unit_test_teardown(test_config_error_wiped, teardown),
        cmocka_unit_test_teardown(test_basic_token_wiped, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
