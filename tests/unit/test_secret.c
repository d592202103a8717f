/* test_secret.c — secrets are wiped before their memory goes back, in the -O2 release
 * build too (where GCC drops a memset before free()). free() itself is wrapped at link
 * time (-Wl,--wrap=free, tests/CMakeLists.txt): while a test watches, every block handed
 * back is searched for the password and for its Basic token before the real free(), so
 * any path that releases a copy unwiped — a tp_secret, the config file's text, the
 * parsed JSON tree, the CONNECT request, a scratch buffer — fails the test. A control
 * shows the detector sees an unwiped copy. No hook in the production code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/secret.h"
#include "input/config.h"
#include "net/httpparse.h"

#define PW "Zq-S3cret-pw-0123456789"
/* base64("svc:" PW): what a CONNECT through the proxy carries */
#define PW_TOKEN "c3ZjOlpxLVMzY3JldC1wdy0wMTIzNDU2Nzg5"

typedef struct seen {
    bool on;
    size_t n_freed;        /* blocks handed back while watching */
    size_t n_dirty;        /* ... still holding the password or its token */
    size_t biggest;        /* largest block handed back */
} seen;

static seen watch;

void __real_free(void *p);

static bool holds(const unsigned char *b, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, needle, k) == 0)
            return true;
    return false;
}

void __wrap_free(void *p)
{
    if (p && watch.on) {
        size_t n = malloc_usable_size(p);
        watch.n_freed++;
        if (n > watch.biggest)
            watch.biggest = n;
        if (holds(p, n, PW) || holds(p, n, PW_TOKEN))
            watch.n_dirty++;
    }
    __real_free(p);
}

static void watch_start(void)
{
    memset(&watch, 0, sizeof watch);
    watch.on = true;
}

static int teardown(void **state)
{
    (void)state;
    watch.on = false;
    return 0;
}

/* The detector itself: a copy released without a wipe is seen (through a pointer the
 * optimiser cannot follow, so the copy and the free are really made). */
static void test_detector_sees_plain_free(void **state)
{
    (void)state;
    char *volatile copy = strdup("prefix " PW " suffix");
    assert_non_null(copy);
    watch_start();
    free(copy);
    assert_int_equal(watch.n_freed, 1);
    assert_int_equal(watch.n_dirty, 1);
}

static void test_secret_string(void **state)
{
    (void)state;
    watch_start();
    tp_secret *p = tp_secret_dup(PW);
    assert_string_equal(p, PW);
    tp_secret_free(p);
    assert_int_equal(watch.n_freed, 1);
    assert_int_equal(watch.n_dirty, 0);
    tp_secret *q = tp_secret_printf("%s:%s", "svc", PW);
    assert_string_equal(q, "svc:" PW);
    tp_secret_set(&q, NULL);
    assert_null(q);
    assert_true(watch.n_freed >= 2);   /* the secret, and any scratch printf needed */
    assert_int_equal(watch.n_dirty, 0);
    size_t before = watch.n_freed;
    tp_secret_free(NULL); /* NULL-safe, not a release */
    assert_int_equal(watch.n_freed, before);
}

/* A secret tp_buf: growth moves the bytes by hand and wipes the old block, so no copy
 * of the password is left in memory realloc() gave back. */
static void test_secret_buf_growth(void **state)
{
    (void)state;
    tp_buf b;
    watch_start();
    tp_buf_init(&b, 1 << 20, true);
    for (int i = 0; i < 200; i++)
        assert_int_equal(tp_buf_append(&b, PW, sizeof PW - 1), TP_BUF_OK);
    assert_true(watch.n_freed >= 3); /* 64 -> 128 -> ... -> 8192: each old block wiped */
    assert_int_equal(watch.n_dirty, 0);
    tp_buf_free(&b);
    assert_int_equal(watch.n_dirty, 0);
    assert_true(watch.biggest >= 200 * (sizeof PW - 1));
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

    tp_config c;
    char err[512];
    assert_int_equal(tp_config_defaults(&c), 0);
    watch_start();
    assert_int_equal(tp_config_load_file(name, &c, err, sizeof err), 0);
    unlink(name);
    assert_string_equal(c.paths[0].password, PW);
    /* the file's text went back wiped (the buffer is at least as large as the file) */
    assert_true(watch.biggest >= sizeof json - 1);
    assert_int_equal(watch.n_dirty, 0);
    size_t before = watch.n_freed;
    tp_config_free(&c);
    assert_true(watch.n_freed > before);
    assert_int_equal(watch.n_dirty, 0);
}

/* A failed load wipes as well (the password was already decoded). */
static void test_config_error_wiped(void **state)
{
    (void)state;
    tp_config c;
    char err[512];
    static const char json[] = "{\"paths\": [{\"id\": \"corp\", \"proxy\": \"http://svc:" PW
                               "@127.0.0.1:3128\", \"expect_inspection\": 3}]}";
    assert_int_equal(tp_config_defaults(&c), 0);
    watch_start();
    assert_int_equal(tp_config_load_mem(json, sizeof json - 1, "x.json", &c, err, sizeof err), -1);
    assert_null(strstr(err, PW));
    assert_true(watch.n_freed >= 2); /* the URL scratch copy and the decoded password, at least */
    assert_int_equal(watch.n_dirty, 0);
    tp_config_free(&c);
    assert_int_equal(watch.n_dirty, 0);
}

/* The Basic token's scratch space is wiped; the CONNECT request is released through
 * tp_secret_free_n by its sender (engine.c). */
static void test_basic_token_wiped(void **state)
{
    (void)state;
    watch_start();
    char *req = tp_http_connect_request("a.example", 443, "svc", PW);
    assert_non_null(req);
    assert_non_null(strstr(req, "Proxy-Authorization: Basic " PW_TOKEN "\r\n"));
    assert_true(watch.n_freed >= 3); /* "svc:PW", its base64, the header line */
    assert_int_equal(watch.n_dirty, 0);
    size_t n = strlen(req);
    tp_secret_free_n(req, n);
    assert_int_equal(watch.n_dirty, 0);
    assert_true(watch.biggest >= n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_detector_sees_plain_free, teardown),
        cmocka_unit_test_teardown(test_secret_string, teardown),
        cmocka_unit_test_teardown(test_secret_buf_growth, teardown),
        cmocka_unit_test_teardown(test_config_file_wiped, teardown),
        cmocka_unit_test_teardown(test_config_error_wiped, teardown),
        cmocka_unit_test_teardown(test_basic_token_wiped, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
