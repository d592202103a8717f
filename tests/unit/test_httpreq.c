/* test_httpreq.c — serve's request-head parser (src/serve/httpreq.c): good heads whole,
 * byte by byte and split at every offset; every refusal with its status and as early as
 * the bytes show it; the limits; the bearer check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "serve/httpreq.h"

#define GOOD "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9810\r\nAuthorization:  Bearer abc \r\nAccept: */*\r\n\r\n"

/* Feeds s in chunks of `step` bytes (0 = all at once). Returns the final rc; *used is the
 * total consumed. */
static int feed(tp_httpreq *r, const char *s, size_t len, size_t step, size_t *used)
{
    size_t off = 0, c;
    int rc = TP_HRQ_MORE;
    *used = 0;
    while (off < len && rc == TP_HRQ_MORE) {
        size_t n = step && len - off > step ? step : len - off;
        rc = tp_httpreq_feed(r, (const uint8_t *)s + off, n, &c);
        assert_true(c <= n);
        if (rc == TP_HRQ_MORE)
            assert_int_equal(c, n);
        *used += c;
        off += n;
    }
    return rc;
}

static int parse(const char *s, size_t step, tp_httpreq *r)
{
    size_t used;
    assert_int_equal(tp_httpreq_init(r, 1024, 256, 16), 0);
    return feed(r, s, strlen(s), step, &used);
}

static void check_good(const tp_httpreq *r)
{
    assert_int_equal(r->method, TP_HRQ_GET);
    assert_string_equal(r->path, "/metrics");
    assert_int_equal(r->version_minor, 1);
    assert_string_equal(r->host, "127.0.0.1:9810");
    assert_string_equal(r->authorization, "Bearer abc");
}

static void test_good_whole_and_byte_by_byte(void **state)
{
    (void)state;
    for (size_t step = 0; step <= 7; step++) {
        tp_httpreq r;
        assert_int_equal(parse(GOOD, step, &r), TP_HRQ_DONE);
        check_good(&r);
        tp_httpreq_free(&r);
    }
}

static void test_good_split_everywhere(void **state)
{
    (void)state;
    size_t len = strlen(GOOD);
    for (size_t cut = 0; cut <= len; cut++) {
        tp_httpreq r;
        size_t c1 = 0, c2 = 0;
        assert_int_equal(tp_httpreq_init(&r, 1024, 256, 16), 0);
        int rc = tp_httpreq_feed(&r, (const uint8_t *)GOOD, cut, &c1);
        if (cut < len) {
            assert_int_equal(rc, TP_HRQ_MORE);
            rc = tp_httpreq_feed(&r, (const uint8_t *)GOOD + cut, len - cut, &c2);
        }
        assert_int_equal(rc, TP_HRQ_DONE);
        assert_int_equal(c1 + c2, len);
        check_good(&r);
        tp_httpreq_free(&r);
    }
}

static void test_stops_at_blank_line(void **state)
{
    (void)state;
    const char *s = "HEAD / HTTP/1.0\r\n\r\nGET /other HTTP/1.1\r\n";
    tp_httpreq r;
    size_t used;
    assert_int_equal(tp_httpreq_init(&r, 1024, 256, 16), 0);
    assert_int_equal(feed(&r, s, strlen(s), 0, &used), TP_HRQ_DONE);
    assert_int_equal(used, strlen("HEAD / HTTP/1.0\r\n\r\n"));
    assert_int_equal(r.method, TP_HRQ_HEAD);
    assert_int_equal(r.version_minor, 0);
    assert_null(r.host);                       /* HTTP/1.0 needs no Host */
    assert_string_equal(r.path, "/");
    /* after DONE nothing more is read */
    size_t c = 99;
    assert_int_equal(tp_httpreq_feed(&r, (const uint8_t *)"x", 1, &c), TP_HRQ_DONE);
    assert_int_equal(c, 0);
    tp_httpreq_free(&r);
}

typedef struct bad {
    const char *in;
    int status;
    size_t refused_at;   /* bytes consumed when refused, feeding byte by byte (0 = do not check) */
} bad;

static void test_refusals(void **state)
{
    (void)state;
    static const bad cases[] = {
        {"POST / HTTP/1.1\r\n", 405, 5},                    /* refused at the space after POST */
        {"get / HTTP/1.1\r\nHost: x\r\n\r\n", 405, 4},
        {"\x16\x03\x01\x00\xa5", 400, 1},                   /* a TLS ClientHello: first byte */
        {" GET / HTTP/1.1\r\n", 400, 1},
        {"GETTINGVERYLONGMETHOD / HTTP/1.1\r\n", 501, 17},
        {"GET metrics HTTP/1.1\r\n", 400, 5},
        {"GET http://x/ HTTP/1.1\r\n", 400, 5},
        {"GET /a\x7f HTTP/1.1\r\n", 400, 7},
        {"GET /\xc3\xa9 HTTP/1.1\r\n", 400, 6},
        {"GET / HTTP/2.0\r\n", 505, 12},
        {"GET / HTTP/1.1x\r\n", 400, 15},
        {"GET / HTTX/1.1\r\n", 400, 10},
        {"GET / HTTP/1.1\r\r\n", 400, 0},
        {"GET / HTTP/1.1\nHost: x\n\n", 400, 0},
        {"GET / HTTP/1.1\r\n\r\n", 400, 0},                 /* HTTP/1.1 without Host */
        {"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400, 0}, /* bare LF in the headers */
        {"GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, 0}, /* bare CR */
        {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\n: x\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01" "b\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nauthorization: b\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n", 413, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400, 0},
        {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t step = 0; step <= 1; step++) {
            tp_httpreq r;
            size_t used;
            assert_int_equal(tp_httpreq_init(&r, 1024, 256, 16), 0);
            int rc = feed(&r, cases[i].in, strlen(cases[i].in), step, &used);
            if (rc != TP_HRQ_ERROR || r.status != cases[i].status)
                fail_msg("case %zu (step %zu): rc %d status %d, expected %d", i, step, rc, r.status,
                         cases[i].status);
            assert_non_null(r.reason);
            if (step == 1 && cases[i].refused_at && used != cases[i].refused_at)
                fail_msg("case %zu: refused after %zu bytes, expected %zu", i, used, cases[i].refused_at);
            size_t c = 9;
            assert_int_equal(tp_httpreq_feed(&r, (const uint8_t *)"GET", 3, &c), TP_HRQ_ERROR);
            assert_int_equal(c, 0);
            tp_httpreq_free(&r);
        }
    }
    /* an explicit zero length is harmless */
    tp_httpreq r;
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 000\r\n\r\n", 1, &r), TP_HRQ_DONE);
    tp_httpreq_free(&r);
}

static void test_limits(void **state)
{
    (void)state;
    char buf[4096];
    tp_httpreq r;
    size_t used;
    /* target over max_target: 414 as soon as it is one byte too long */
    int n = snprintf(buf, sizeof buf, "GET /");
    memset(buf + n, 'a', 300);
    buf[n + 300] = '\0';
    assert_int_equal(tp_httpreq_init(&r, 1024, 256, 16), 0);
    assert_int_equal(feed(&r, buf, strlen(buf), 1, &used), TP_HRQ_ERROR);
    assert_int_equal(r.status, 414);
    assert_int_equal(used, 4 + 256 + 1);
    tp_httpreq_free(&r);
    /* head over max_head: 431, never more than max_head bytes buffered */
    n = snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: x\r\nX: ");
    memset(buf + n, 'b', 2000);
    buf[n + 2000] = '\0';
    assert_int_equal(tp_httpreq_init(&r, 1024, 256, 16), 0);
    assert_int_equal(feed(&r, buf, strlen(buf), 0, &used), TP_HRQ_ERROR);
    assert_int_equal(r.status, 431);
    assert_int_equal(used, 1025);   /* the byte over the limit is the one refused */
    assert_true(r.len <= 1024);
    tp_httpreq_free(&r);
    /* too many header lines: 431 */
    n = snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 20; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "X-%d: y\r\n", i);
    snprintf(buf + n, sizeof buf - (size_t)n, "\r\n");
    assert_int_equal(parse(buf, 0, &r), TP_HRQ_ERROR);
    assert_int_equal(r.status, 431);
    tp_httpreq_free(&r);
    /* a request line longer than the head: 414 */
    memset(buf, 'G', 2000);
    buf[2000] = '\0';
    memcpy(buf, "GET /", 5);
    assert_int_equal(tp_httpreq_init(&r, 64, 0, 0), 0);   /* max_target defaults to the head */
    assert_int_equal(feed(&r, buf, 2000, 0, &used), TP_HRQ_ERROR);
    assert_int_equal(r.status, 414);
    tp_httpreq_free(&r);
}

static void test_bearer(void **state)
{
    (void)state;
    static const struct { const char *auth; bool ok; } cases[] = {
        {"Bearer s3cret", true},   {"bearer s3cret", true},   {"BEARER   s3cret", true},
        {"Bearer s3cre", false},   {"Bearer s3cret2", false}, {"Bearer S3cret", false},
        {"Basic s3cret", false},   {"s3cret", false},         {"Bearer ", false},
        {"Bearers3cret", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char req[256];
        snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n", cases[i].auth);
        tp_httpreq r;
        assert_int_equal(parse(req, 0, &r), TP_HRQ_DONE);
        if (tp_httpreq_bearer_ok(&r, "s3cret") != cases[i].ok)
            fail_msg("case %zu: \"%s\"", i, cases[i].auth);
        assert_false(tp_httpreq_bearer_ok(&r, ""));
        assert_false(tp_httpreq_bearer_ok(&r, NULL));
        tp_httpreq_free(&r);
    }
    tp_httpreq r;
    assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", 0, &r), TP_HRQ_DONE);
    assert_false(tp_httpreq_bearer_ok(&r, "s3cret"));   /* no header at all */
    tp_httpreq_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_whole_and_byte_by_byte),
        cmocka_unit_test(test_good_split_everywhere),
        cmocka_unit_test(test_stops_at_blank_line),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_bearer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
