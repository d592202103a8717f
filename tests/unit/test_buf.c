/* test_buf.c — the bounded byte buffer: appends stop at the bound without changing
 * anything, reads never pass the end, files larger than the bound are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"

static void test_append_bound(void **state)
{
    (void)state;
    tp_buf b;
    tp_buf_init(&b, 10, false);
    assert_string_equal(tp_buf_str(&b), "");
    assert_int_equal(tp_buf_append(&b, "hello", 5), TP_BUF_OK);
    assert_int_equal(tp_buf_append(&b, "world", 5), TP_BUF_OK);
    assert_int_equal(b.len, 10);
    assert_string_equal(tp_buf_str(&b), "helloworld");
    /* one byte over: refused, the content unchanged */
    assert_int_equal(tp_buf_append_byte(&b, '!'), TP_BUF_EBOUND);
    assert_int_equal(tp_buf_append(&b, "xy", 2), TP_BUF_EBOUND);
    assert_int_equal(b.len, 10);
    assert_string_equal(tp_buf_str(&b), "helloworld");
    /* a huge n cannot wrap the bound check */
    assert_int_equal(tp_buf_append(&b, "x", (size_t)-1), TP_BUF_EBOUND);
    tp_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(tp_buf_append(&b, "abc", 3), TP_BUF_OK);
    size_t n = 0;
    char *t = tp_buf_take(&b, &n);
    assert_string_equal(t, "abc");
    assert_int_equal(n, 3);
    free(t);
    assert_int_equal(b.len, 0);
    tp_buf_free(&b);
}

static void test_reads(void **state)
{
    (void)state;
    tp_buf v;
    unsigned char c;
    tp_buf_view(&v, "GET /", 5);
    assert_true(tp_buf_match_ci(&v, "get"));
    assert_false(tp_buf_match_ci(&v, " /x")); /* longer than what is left */
    assert_int_equal(tp_buf_span_until(&v, "/"), 1);
    assert_int_equal(tp_buf_fetch(&v, &c), TP_BUF_OK);
    assert_int_equal(c, ' ');
    assert_int_equal(tp_buf_peek_at(&v, 0, &c), TP_BUF_OK);
    assert_int_equal(c, '/');
    assert_int_equal(tp_buf_peek_at(&v, 1, &c), TP_BUF_EEND);
    assert_int_equal(tp_buf_skip(&v, 2), TP_BUF_EEND);
    assert_int_equal(tp_buf_skip(&v, 1), TP_BUF_OK);
    assert_int_equal(tp_buf_remaining(&v), 0);
    assert_int_equal(tp_buf_fetch(&v, &c), TP_BUF_EEND);
    assert_int_equal(tp_buf_peek(&v, &c), TP_BUF_EEND);
    /* a view cannot grow and frees nothing */
    assert_int_equal(tp_buf_append_byte(&v, 'x'), TP_BUF_EBOUND);
    tp_buf_free(&v);
    tp_buf_view(&v, NULL, 7);
    assert_int_equal(tp_buf_remaining(&v), 0);
}

static void test_read_file(void **state)
{
    (void)state;
    char name[] = "/tmp/tlspath-buf-XXXXXX";
    int fd = mkstemp(name);
    assert_true(fd >= 0);
    char data[40000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
    close(fd);
    tp_buf b;
    tp_buf_init(&b, sizeof data, false);
    assert_int_equal(tp_buf_read_file(&b, name), TP_BUF_OK); /* exactly the bound */
    assert_int_equal(b.len, sizeof data);
    assert_memory_equal(b.data, data, sizeof data);
    tp_buf_free(&b);
    tp_buf_init(&b, sizeof data - 1, false);
    assert_int_equal(tp_buf_read_file(&b, name), TP_BUF_EBOUND);
    tp_buf_free(&b);
    unlink(name);
    tp_buf_init(&b, 10, false);
    assert_int_equal(tp_buf_read_file(&b, name), TP_BUF_EIO);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(tp_buf_read_file(&b, "/tmp"), TP_BUF_EIO);
    assert_int_equal(errno, EISDIR);
    tp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_bound),
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
