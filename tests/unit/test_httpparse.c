/* test_httpparse.c — the HTTP/1.x parsers fed whole, one byte at a time and split at
 * every position; garbage, truncation, oversize; the request builders' exact bytes. */
#include <malloc.h>
/* glibc rounds a request up (16 bytes for small chunks, a page for mmap'ed ones):
 * the parser's own cap is checked exactly; the allocator's figure gets this slack. */
#define ALLOC_SLACK 4096u
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/httpparse.h"

#define MAX_HEAD (16u * 1024u)
#define BYTEWISE ((size_t)-1)

/* ---------- harness ---------- */

/* Feeds raw[0..len) to a fresh head parser: whole (split == 0 or len), one byte per
 * call (BYTEWISE), or as two pieces split at `split`. Stops at the first result other
 * than TP_HP_MORE. *used = bytes the parser consumed in total. */
static int head_run(tp_http_head *h, size_t max_head, const char *raw, size_t len, size_t split,
                    size_t *used)
{
    const uint8_t *p = (const uint8_t *)raw;
    size_t off = 0;
    int rc = TP_HP_MORE;
    tp_http_head_init(h, max_head);
    *used = 0;
    while (rc == TP_HP_MORE && off < len) {
        size_t n = len - off, c = 0;
        if (split == BYTEWISE)
            n = 1;
        else if (off < split && split < len)
            n = split - off;
        rc = tp_http_head_feed(h, p + off, n, &c);
        assert_true(c <= n);
        if (rc == TP_HP_MORE)
            assert_int_equal(c, n); /* all bytes belong to the head while MORE */
        *used += c;
        off += n;
    }
    return rc;
}

/* Expected facts of a head that parses. */
typedef struct head_expect {
    const char *raw;
    size_t head_len;      /* where the head ends (0: at the end of raw) */
    int status, minor;
    const char *reason;
    long long content_length;
    bool chunked, conn_close;
    const char *schemes;  /* space-separated Proxy-Authenticate schemes, "" if none */
    const char *location; /* NULL if none */
} head_expect;

static void check_facts(const tp_http_head *h, const head_expect *e)
{
    char joined[256] = "";
    size_t i;
    assert_int_equal(h->status, e->status);
    assert_int_equal(h->minor, e->minor);
    assert_non_null(h->reason);
    assert_string_equal(h->reason, e->reason);
    assert_true(h->content_length == e->content_length);
    assert_int_equal(h->chunked, e->chunked);
    assert_int_equal(h->conn_close, e->conn_close);
    for (i = 0; i < h->proxy_authenticate.n; i++) {
        if (i)
            strcat(joined, " ");
        strcat(joined, h->proxy_authenticate.v[i]);
    }
    assert_string_equal(joined, e->schemes);
    if (e->location) {
        assert_non_null(h->location);
        assert_string_equal(h->location, e->location);
    } else {
        assert_null(h->location);
    }
}

/* Runs one good case whole, byte by byte and at every split point. */
static void check_head_ok(const head_expect *e)
{
    size_t len = strlen(e->raw), split, used;
    size_t want_len = e->head_len ? e->head_len : len;
    tp_http_head h;
    for (split = 0; split <= len + 1; split++) {
        size_t s = split == len + 1 ? BYTEWISE : split;
        int rc = head_run(&h, MAX_HEAD, e->raw, len, s, &used);
        if (rc != TP_HP_DONE)
            fail_msg("split %zu: rc %d for %s", split, rc, e->raw);
        assert_int_equal(used, want_len);
        check_facts(&h, e);
        tp_http_head_free(&h);
    }
}

/* Runs one bad case at every split point; each must end with `want`. */
static void check_head_bad_n(const char *raw, size_t len, int want)
{
    size_t split, used;
    tp_http_head h;
    for (split = 0; split <= len + 1; split++) {
        size_t s = split == len + 1 ? BYTEWISE : split;
        int rc = head_run(&h, MAX_HEAD, raw, len, s, &used);
        if (rc != want)
            fail_msg("split %zu: rc %d, want %d for \"%s\"", split, rc, want, raw);
        if (want != TP_HP_MORE) { /* no half-parsed fact survives a failure */
            assert_int_equal(h.status, 0);
            assert_null(h.reason);
            assert_null(h.location);
            assert_int_equal(h.proxy_authenticate.n, 0);
        }
        tp_http_head_free(&h);
    }
}

static void check_head_bad(const char *raw, int want)
{
    check_head_bad_n(raw, strlen(raw), want);
}

/* ---------- head: status line ---------- */

static void test_status_line_basic(void **state)
{
    (void)state;
    head_expect e = {"HTTP/1.1 200 OK\r\n\r\n", 0, 200, 1, "OK", -1, false, false, "", NULL};
    check_head_ok(&e);
    head_expect e10 = {"HTTP/1.0 404 Not Found\r\n\r\n", 0, 404, 0, "Not Found", -1, false, false, "", NULL};
    check_head_ok(&e10);
}

static void test_status_line_empty_reason(void **state)
{
    (void)state;
    head_expect e1 = {"HTTP/1.1 200\r\n\r\n", 0, 200, 1, "OK", -1, false, false, "", NULL};
    check_head_ok(&e1);
    head_expect e2 = {"HTTP/1.1 502 \r\n\r\n", 0, 502, 1, "Bad Gateway", -1, false, false, "", NULL};
    check_head_ok(&e2);
    head_expect e3 = {"HTTP/1.1 100 \r\n\r\n", 0, 100, 1, "Continue", -1, false, false, "", NULL};
    check_head_ok(&e3);
    head_expect e4 = {"HTTP/1.1 599 x\r\n\r\n", 0, 599, 1, "", -1, false, false, "", NULL};
    check_head_ok(&e4);
}

static void test_status_line_reason_sanitised(void **state)
{
    (void)state;
    /* The peer's reason text is never kept: only the status code's standard phrase. */
    head_expect e = {"HTTP/1.1 403 A\x01" "B\x7f\xc3\xa9\tC\x1b[31m\r\n\r\n", 0, 403, 1,
                     "Forbidden", -1, false, false, "", NULL};
    check_head_ok(&e);
}

static void test_status_line_reason_bounded(void **state)
{
    (void)state;
    /* A hostile proxy echoing the credentials (and 600 bytes of anything) in the status
     * line leaves nothing of it in the parsed head (issue 15). */
    char raw[1024];
    size_t used;
    tp_http_head h;
    snprintf(raw, sizeof(raw), "HTTP/1.1 407 %0600d\r\n\r\n", 0);
    memcpy(raw + 13, "Proxy-Authorization: Basic c3ZjdXNlcjpacTdIdW50ZXI=", 51);
    assert_int_equal(head_run(&h, MAX_HEAD, raw, strlen(raw), 0, &used), TP_HP_DONE);
    assert_string_equal(h.reason, "Proxy Authentication Required");
    tp_http_head_free(&h);
}

static void test_status_line_rejected(void **state)
{
    static const char *bad[] = {
        "HTTP/0.9 200 OK\r\n\r\n",  "HTTP/2 200\r\n\r\n",       "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",  "HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 600 High\r\n\r\n",
        "HTTP/1.1 000 Zero\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",   "HTTP/1.1 2000 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n",  "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.10 200 OK\r\n\r\n",
        " HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.x 200 OK\r\n\r\n",  "HTTP/1.1\t200 OK\r\n\r\n",
        "HTTP/1.1 -20 OK\r\n\r\n",  "HTTP/1.1\r\n\r\n",         "HTTP/1.1 \r\n\r\n",
        "\r\nHTTP/1.1 200 OK\r\n\r\n", "SSH-2.0-OpenSSH_9.2\r\n\r\n", "GET / HTTP/1.1\r\n\r\n",
        "HTTP/1.1 200 OK\r\r\n\r\n",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_head_bad(bad[i], TP_HP_MALFORMED);
}

/* ---------- head: line endings and the blank line ---------- */

static void test_bare_lf_tolerated(void **state)
{
    (void)state;
    head_expect e = {"HTTP/1.1 204 No Content\nServer: x\nContent-Length: 0\n\n", 0, 204, 1,
                     "No Content", 0, false, false, "", NULL};
    check_head_ok(&e);
    head_expect mixed = {"HTTP/1.1 200 OK\r\nA: b\n\r\n", 0, 200, 1, "OK", -1, false, false, "", NULL};
    check_head_ok(&mixed);
    head_expect mixed2 = {"HTTP/1.1 200 OK\nA: b\r\n\n", 0, 200, 1, "OK", -1, false, false, "", NULL};
    check_head_ok(&mixed2);
}

/* The blank line split across feeds, the two cases the engine meets most. */
static void test_blank_line_split(void **state)
{
    const char *p1 = "HTTP/1.1 200 OK\r\n", *p2 = "\r\n\x16\x03";
    tp_http_head h;
    size_t c;
    (void)state;
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)p1, strlen(p1), &c), TP_HP_MORE);
    assert_int_equal(c, strlen(p1));
    assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)p2, 4, &c), TP_HP_DONE);
    assert_int_equal(c, 2);
    assert_int_equal(h.status, 200);
    tp_http_head_free(&h);

    p1 = "HTTP/1.1 200 OK\r";
    p2 = "\n\r\nrest";
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)p1, strlen(p1), &c), TP_HP_MORE);
    assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)p2, strlen(p2), &c), TP_HP_DONE);
    assert_int_equal(c, 3);
    assert_string_equal(p2 + c, "rest");
    tp_http_head_free(&h);
}

/* A CONNECT 200 followed at once by the proxy relaying the server's TLS records: every
 * byte after the blank line must be left to the TLS layer, at every split point. */
static void test_bytes_after_head_preserved(void **state)
{
    static const char raw[] = "HTTP/1.1 200 Connection established\r\nVia: 1.1 proxy\r\n\r\n"
                              "\x16\x03\x03\x00\x5d\x02\x00\x00\x59\x03\x03";
    const size_t head_len = 55, len = sizeof(raw) - 1;
    size_t split;
    (void)state;
    for (split = 1; split <= len; split++) {
        tp_http_head h;
        size_t c1 = 0, c2 = 0;
        int rc;
        tp_http_head_init(&h, MAX_HEAD);
        rc = tp_http_head_feed(&h, (const uint8_t *)raw, split, &c1);
        if (rc == TP_HP_MORE) {
            assert_int_equal(c1, split);
            rc = tp_http_head_feed(&h, (const uint8_t *)raw + split, len - split, &c2);
            assert_int_equal(rc, TP_HP_DONE);
            assert_memory_equal(raw + split + c2, raw + head_len, len - head_len);
        } else {
            assert_int_equal(rc, TP_HP_DONE);
            assert_int_equal(c1, head_len);
        }
        assert_int_equal(c1 + c2, head_len);
        /* Once done the parser takes nothing more. */
        assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)raw, len, &c2), TP_HP_DONE);
        assert_int_equal(c2, 0);
        tp_http_head_free(&h);
    }
}

/* An interim 100 Continue, then the final answer in the same read: the caller parses
 * the first head, sees 1xx, and starts a new head on the bytes left over. */
static void test_interim_1xx_then_final(void **state)
{
    static const char raw[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const uint8_t *p = (const uint8_t *)raw;
    size_t len = sizeof(raw) - 1, c;
    tp_http_head h;
    tp_http_body b;
    (void)state;
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, p, len, &c), TP_HP_DONE);
    assert_int_equal(h.status, 100);
    tp_http_head_free(&h);
    p += c;
    len -= c;
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, p, len, &c), TP_HP_DONE);
    assert_int_equal(h.status, 200);
    tp_http_body_init(&b, &h, false, 64, true);
    assert_int_equal(tp_http_body_feed(&b, p + c, len - c, &c), TP_HP_DONE);
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.data, "ok", 2);
    tp_http_body_free(&b);
    tp_http_head_free(&h);
}

/* ---------- head: headers ---------- */

static void test_header_syntax_rejected(void **state)
{
    static const char *bad[] = {
        "HTTP/1.1 200 OK\r\nA: b\r\n continued\r\n\r\n",  /* obs-fold */
        "HTTP/1.1 200 OK\r\nA: b\r\n\tcontinued\r\n\r\n", /* obs-fold with a tab */
        "HTTP/1.1 200 OK\r\n Lead: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nName : x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n", /* bare CR inside a line */
        "HTTP/1.1 200 OK\r\nA(b): c\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA\x80: c\r\n\r\n",
        "HTTP/1.1 407 Auth\r\nProxy-Authenticate: NTLM\r\nLocation: /x\r\nBad Header\r\n\r\n",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_head_bad(bad[i], TP_HP_MALFORMED);
    /* A NUL anywhere in the head. */
    check_head_bad_n("HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n", 28, TP_HP_MALFORMED);
}

static void test_header_values_trimmed_and_ignored(void **state)
{
    (void)state;
    head_expect e = {"HTTP/1.1 301 Moved\r\nX-Junk: \x01\xff weird\r\nLocation: \t https://a.example/x?y=1 \t\r\n"
                     "Content-Length:7\r\n\r\n",
                     0, 301, 1, "Moved Permanently", 7, false, false, "", "https://a.example/x?y=1"};
    check_head_ok(&e);
}

static void test_location_sanitised_first_kept(void **state)
{
    (void)state;
    head_expect e = {"HTTP/1.1 302 Found\r\nlocation: /a\x1b[2J\r\nLocation: /second\r\n\r\n", 0, 302, 1,
                     "Found", -1, false, false, "", "/a?[2J"};
    check_head_ok(&e);
}

static void test_content_length(void **state)
{
    (void)state;
    head_expect e1 = {"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n", 0, 200, 1, "OK", 42, false, false, "", NULL};
    check_head_ok(&e1);
    head_expect e2 = {"HTTP/1.1 200 OK\r\ncontent-length: 42 , 42\r\n\r\n", 0, 200, 1, "OK", 42, false, false, "", NULL};
    check_head_ok(&e2);
    head_expect e3 = {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nCONTENT-LENGTH: 7\r\n\r\n", 0, 200, 1, "OK", 7,
                      false, false, "", NULL};
    check_head_ok(&e3);
    head_expect e4 = {"HTTP/1.1 200 OK\r\nContent-Length: 000\r\n\r\n", 0, 200, 1, "OK", 0, false, false, "", NULL};
    check_head_ok(&e4);
    head_expect e5 = {"HTTP/1.1 200 OK\r\nContent-Length: 1125899906842624\r\n\r\n", 0, 200, 1, "OK",
                      1125899906842624LL, false, false, "", NULL};
    check_head_ok(&e5);
}

static void test_content_length_rejected(void **state)
{
    static const char *bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 42\r\nContent-Length: 43\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 42, 43\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 4a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1.5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1125899906842625\r\n\r\n", /* above 2^50 */
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_head_bad(bad[i], TP_HP_MALFORMED);
}

static void test_transfer_encoding(void **state)
{
    (void)state;
    head_expect e1 = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 200, 1, "OK", -1, true, false,
                      "", NULL};
    check_head_ok(&e1);
    head_expect e2 = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", 0, 200, 1, "OK", -1, true,
                      false, "", NULL};
    check_head_ok(&e2);
    /* chunked not last: the body runs to the close. */
    head_expect e3 = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 200, 1, "OK", -1, false,
                      false, "", NULL};
    check_head_ok(&e3);
    head_expect e4 = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 200,
                      1, "OK", -1, true, false, "", NULL};
    check_head_ok(&e4);
    /* Transfer-Encoding overrides Content-Length, whichever comes first. */
    head_expect e5 = {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 200, 1,
                      "OK", -1, true, false, "", NULL};
    check_head_ok(&e5);
    head_expect e6 = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\n\r\n", 0, 200, 1,
                      "OK", -1, true, false, "", NULL};
    check_head_ok(&e6);
}

static void test_connection_close(void **state)
{
    (void)state;
    head_expect e1 = {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 0, 200, 1, "OK", -1, false, true, "", NULL};
    check_head_ok(&e1);
    head_expect e2 = {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", 0, 200, 1, "OK", -1, false,
                      true, "", NULL};
    check_head_ok(&e2);
    head_expect e3 = {"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nX-Close: close\r\n\r\n", 0, 200, 1, "OK", -1,
                      false, false, "", NULL};
    check_head_ok(&e3);
    head_expect e4 = {"HTTP/1.1 200 OK\r\nConnection: closed\r\n\r\n", 0, 200, 1, "OK", -1, false, false, "",
                      NULL};
    check_head_ok(&e4);
}

static void test_proxy_authenticate(void **state)
{
    (void)state;
    head_expect one = {"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\r\n",
                       0, 407, 1, "Proxy Authentication Required", -1, false, false, "Basic", NULL};
    check_head_ok(&one);
    head_expect several = {"HTTP/1.1 407 Auth\r\nProxy-Authenticate: Negotiate\r\nProxy-Authenticate: NTLM\r\n"
                           "Proxy-Authenticate: Basic realm=\"corp\", charset=\"UTF-8\"\r\n\r\n",
                           0, 407, 1, "Proxy Authentication Required", -1, false, false, "Negotiate NTLM Basic", NULL};
    check_head_ok(&several);
    /* Comma-separated challenges, auth-params and quoted commas, token68. */
    head_expect list = {"HTTP/1.1 407 Auth\r\nproxy-authenticate: Basic realm=\"a, NotAScheme b\", "
                        "Digest realm=\"x\", qop=\"auth,auth-int\", nonce=\"n\\\"q, r\" , Negotiate YIIB==, NTLM\r\n\r\n",
                        0, 407, 1, "Proxy Authentication Required", -1, false, false, "Basic Digest Negotiate NTLM", NULL};
    check_head_ok(&list);
    /* Duplicates collapse; empty elements and junk are ignored, not fatal. */
    head_expect dup = {"HTTP/1.1 407 Auth\r\nProxy-Authenticate: ,NTLM,, \"junk\", ntlm\r\n"
                       "Proxy-Authenticate:\r\n\r\n",
                       0, 407, 1, "Proxy Authentication Required", -1, false, false, "NTLM", NULL};
    check_head_ok(&dup);
}

static void test_proxy_authenticate_scheme_bounded(void **state)
{
    char raw[512];
    size_t used;
    tp_http_head h;
    (void)state;
    /* An unregistered or overlong scheme is "other", whatever its bytes: a proxy cannot
     * carry a token (or a password) into auth_schemes (issue 15). */
    memcpy(raw, "HTTP/1.1 407 A\r\nProxy-Authenticate: ", 36);
    memset(raw + 36, 'S', 300);
    memcpy(raw + 336, "\r\nProxy-Authenticate: c3ZjdXNlcjpacTdIdW50ZXI, negotiate, Zq7Hunter\r\n\r\n", 72);
    assert_int_equal(head_run(&h, MAX_HEAD, raw, strlen(raw), 0, &used), TP_HP_DONE);
    assert_int_equal(h.proxy_authenticate.n, 2);
    assert_string_equal(h.proxy_authenticate.v[0], "other");
    assert_string_equal(h.proxy_authenticate.v[1], "Negotiate");
    tp_http_head_free(&h);
}

/* ---------- head: truncation, garbage, oversize ---------- */

static void test_head_truncated(void **state)
{
    const char *raw = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r";
    size_t len = strlen(raw), split, used;
    tp_http_head h;
    (void)state;
    for (split = 0; split <= len + 1; split++) {
        int rc = head_run(&h, MAX_HEAD, raw, len, split == len + 1 ? BYTEWISE : split, &used);
        assert_int_equal(rc, TP_HP_MORE);
        assert_int_equal(used, len);
        tp_http_head_free(&h);
    }
    /* Nothing at all yet. */
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)"", 0, &used), TP_HP_MORE);
    assert_int_equal(used, 0);
    tp_http_head_free(&h);
}

/* A TLS ServerHello where a CONNECT reply was expected (a proxy port that speaks TLS,
 * or a direct connection to 443 read as HTTP): rejected on the first byte. */
static void test_head_tls_server_hello(void **state)
{
    static const uint8_t hello[] = {0x16, 0x03, 0x03, 0x00, 0x5d, 0x02, 0x00, 0x00, 0x59, 0x03, 0x03,
                                    0x5f, 0x2a, 0x0a, 0x0d, 0x0a, 0x0d, 0x0a, 0x0a, 0x00, 0x00, 0x00};
    tp_http_head h;
    size_t used;
    (void)state;
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, hello, sizeof(hello), &used), TP_HP_MALFORMED);
    assert_int_equal(used, 1);
    /* The error sticks. */
    assert_int_equal(tp_http_head_feed(&h, hello, sizeof(hello), &used), TP_HP_MALFORMED);
    assert_int_equal(used, 0);
    tp_http_head_free(&h);
    /* A TLS alert record too. */
    check_head_bad_n("\x15\x03\x01\x00\x02\x02\x28", 7, TP_HP_MALFORMED);
}

static void test_head_binary_garbage(void **state)
{
    uint8_t junk[4096];
    uint32_t x = 2463534242u;
    size_t i, used, round;
    tp_http_head h;
    (void)state;
    for (round = 0; round < 64; round++) {
        for (i = 0; i < sizeof(junk); i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            junk[i] = (uint8_t)x;
        }
        /* Half the rounds start like HTTP so the later stages see the junk too. */
        if (round % 2)
            memcpy(junk, "HTTP/1.1 200 OK\r\n", 17);
        int rc = head_run(&h, MAX_HEAD, (const char *)junk, sizeof(junk), round % 3 ? 0 : BYTEWISE, &used);
        assert_true(rc == TP_HP_MALFORMED || rc == TP_HP_MORE || rc == TP_HP_DONE);
        if (round % 2 == 0 && junk[0] != 'H')
            assert_int_equal(rc, TP_HP_MALFORMED);
        tp_http_head_free(&h);
    }
}

/* 10 MB of header lines with no blank line, in 64 KiB reads: the parser stops at
 * max_head with TOO_LARGE and never buffers more than max_head. */
static void test_head_oversize_stream(void **state)
{
    const size_t total = 10u * 1024u * 1024u, piece = 64u * 1024u;
    const size_t bounds[] = {MAX_HEAD, 1024u * 1024u};
    char *stream = malloc(total);
    size_t b;
    (void)state;
    assert_non_null(stream);
    memcpy(stream, "HTTP/1.1 200 OK\r\n", 17);
    for (size_t i = 17; i < total; i++)
        stream[i] = (i % 64 == 63) ? '\n' : (i % 64 == 62 ? '\r' : 'a');
    for (b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
        tp_http_head h;
        size_t off = 0, used = 0, c;
        int rc = TP_HP_MORE;
        tp_http_head_init(&h, bounds[b]);
        while (rc == TP_HP_MORE && off < total) {
            rc = tp_http_head_feed(&h, (const uint8_t *)stream + off, piece, &c);
            assert_true(h.cap <= bounds[b]);
            if (h.buf)
                assert_true(malloc_usable_size(h.buf) <= bounds[b] + ALLOC_SLACK);
            used += c;
            off += piece;
        }
        assert_int_equal(rc, TP_HP_TOO_LARGE);
        assert_int_equal(used, bounds[b]);
        assert_true(off <= bounds[b] + piece);
        assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)stream, piece, &c), TP_HP_TOO_LARGE);
        assert_int_equal(c, 0);
        tp_http_head_free(&h);
    }
    free(stream);
}

/* A head of exactly max_head bytes fits; one byte more does not. */
static void test_head_exact_bound(void **state)
{
    const char *raw = "HTTP/1.1 200 OK\r\nA: bcd\r\n\r\n";
    size_t len = strlen(raw), used;
    tp_http_head h;
    (void)state;
    assert_int_equal(head_run(&h, len, raw, len, BYTEWISE, &used), TP_HP_DONE);
    assert_int_equal(used, len);
    tp_http_head_free(&h);
    assert_int_equal(head_run(&h, len - 1, raw, len, 0, &used), TP_HP_TOO_LARGE);
    assert_int_equal(used, len - 1);
    tp_http_head_free(&h);
    /* max_head 0 selects the 16 KiB default. */
    tp_http_head_init(&h, 0);
    assert_int_equal(h.max_head, MAX_HEAD);
    assert_int_equal(h.content_length, -1);
    tp_http_head_free(&h);
}

/* ---------- body ---------- */

/* Parses head+body from raw, splitting the whole stream at `split` (or BYTEWISE), the
 * way bytes arrive from a socket: the head's leftovers go to the body. Returns the
 * body's final rc; *after = bytes of raw left unconsumed at the end. */
static int body_run(const char *raw, size_t len, size_t split, bool is_head, size_t max_body, bool keep,
                    bool eof, tp_http_body *b, size_t *after)
{
    const uint8_t *p = (const uint8_t *)raw;
    tp_http_head h;
    size_t off = 0, c;
    int hrc = TP_HP_MORE, rc = TP_HP_MORE;
    bool body_started = false;
    tp_http_head_init(&h, MAX_HEAD);
    memset(b, 0, sizeof(*b));
    while (off < len && rc == TP_HP_MORE) {
        size_t n = len - off;
        if (split == BYTEWISE)
            n = 1;
        else if (off < split && split < len)
            n = split - off;
        const uint8_t *q = p + off;
        size_t qn = n;
        if (hrc == TP_HP_MORE) {
            hrc = tp_http_head_feed(&h, q, qn, &c);
            assert_true(hrc == TP_HP_MORE || hrc == TP_HP_DONE);
            q += c;
            qn -= c;
        }
        if (hrc == TP_HP_DONE) {
            if (!body_started) {
                tp_http_body_init(b, &h, is_head, max_body, keep);
                body_started = true;
            }
            rc = tp_http_body_feed(b, q, qn, &c);
            assert_true(c <= qn);
            if (rc == TP_HP_MORE)
                assert_int_equal(c, qn);
            q += c;
        }
        off += n;
        *after = len - (size_t)(q - p);
        if (rc != TP_HP_MORE)
            break;
    }
    if (!body_started) {
        tp_http_body_init(b, &h, is_head, max_body, keep);
        rc = tp_http_body_feed(b, (const uint8_t *)"", 0, &c);
        *after = 0;
    }
    if (rc == TP_HP_MORE && eof)
        rc = tp_http_body_eof(b);
    tp_http_head_free(&h);
    return rc;
}

/* Every split point and byte by byte: the decoded body and the leftover are the same. */
static void check_body(const char *raw, size_t len, bool is_head, size_t max_body, bool keep, bool eof, int want,
                       const char *body, size_t body_len, size_t after_want)
{
    size_t split;
    for (split = 0; split <= len + 1; split++) {
        tp_http_body b;
        size_t after = 0;
        int rc = body_run(raw, len, split == len + 1 ? BYTEWISE : split, is_head, max_body, keep, eof, &b, &after);
        if (rc != want)
            fail_msg("split %zu: rc %d, want %d for \"%s\"", split, rc, want, raw);
        if (want == TP_HP_DONE) {
            assert_int_equal(b.len, body_len);
            assert_int_equal(after, after_want);
            if (keep && body_len)
                assert_memory_equal(b.data, body, body_len);
            if (!keep)
                assert_null(b.data);
        }
        tp_http_body_free(&b);
    }
}

#define RAW(s) (s), (sizeof(s) - 1)

static void test_body_content_length(void **state)
{
    (void)state;
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA"), false, 1024, true, false, TP_HP_DONE,
               "hello", 5, 5);
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nX"), false, 1024, true, false, TP_HP_DONE, "", 0, 1);
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"), false, 1024, true, true, TP_HP_TRUNCATED,
               NULL, 0, 0);
    /* Counting only. */
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), false, 1024, false, false, TP_HP_DONE,
               NULL, 5, 0);
}

static void test_body_chunked(void **state)
{
    (void)state;
    check_body(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n6;name=\"v;x\"\r\n world\r\nA \t;ext\r\n0123456789\r\n0\r\nX-Trailer: t\r\nX-Two: 2\r\n\r\nNEXT"),
               false, 1024, true, false, TP_HP_DONE, "hello world0123456789", 21, 4);
    /* Bare LF everywhere, upper- and lower-case hex, leading zeros. */
    check_body(RAW("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n00000b\nhello world\nB\nHELLO WORLD\n000\n\n"),
               false, 1024, true, false, TP_HP_DONE, "hello worldHELLO WORLD", 22, 0);
    /* Empty chunked body. */
    check_body(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), false, 1024, true, false,
               TP_HP_DONE, "", 0, 0);
    /* Truncated in the middle of each part. */
    check_body(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), false, 1024, true, true,
               TP_HP_TRUNCATED, NULL, 0, 0);
    check_body(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nTrail: x\r\n"), false,
               1024, true, true, TP_HP_TRUNCATED, NULL, 0, 0);
}

static void test_body_chunked_malformed(void **state)
{
    static const char *bad[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\ng\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rX",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4000000000001\r\n", /* 2^50 + 1 */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\rX",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_body(bad[i], strlen(bad[i]), false, 1u << 20, true, false, TP_HP_MALFORMED, NULL, 0, 0);
}

/* Builds a chunked response whose body part is `prefix`, then `n` copies of `fill`,
 * then `suffix`. malloc'ed; *len set. */
static char *chunked_with_run(const char *prefix, char fill, size_t n, const char *suffix, size_t *len)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t hl = strlen(head), pl = strlen(prefix), sl = strlen(suffix);
    char *raw = malloc(hl + pl + n + sl + 1);
    assert_non_null(raw);
    memcpy(raw, head, hl);
    memcpy(raw + hl, prefix, pl);
    memset(raw + hl + pl, fill, n);
    memcpy(raw + hl + pl + n, suffix, sl + 1);
    *len = hl + pl + n + sl;
    return raw;
}

/* Ignored parts of the chunked framing are still bounded: endless chunk extensions
 * and endless trailers are cut off instead of being skipped forever. */
static void test_body_chunk_extension_bounded(void **state)
{
    tp_http_body b;
    size_t len, after;
    char *raw;
    (void)state;
    raw = chunked_with_run("5;", 'e', 10000, "\r\nhello\r\n0\r\n\r\n", &len);
    assert_int_equal(body_run(raw, len, 0, false, 1024, true, false, &b, &after), TP_HP_MALFORMED);
    tp_http_body_free(&b);
    free(raw);
    /* Just under the bound is fine. */
    raw = chunked_with_run("5;", 'e', 4000, "\r\nhello\r\n0\r\n\r\n", &len);
    assert_int_equal(body_run(raw, len, 0, false, 1024, true, false, &b, &after), TP_HP_DONE);
    assert_memory_equal(b.data, "hello", 5);
    tp_http_body_free(&b);
    free(raw);
    raw = chunked_with_run("0\r\nT: ", 't', 20000, "\r\n\r\n", &len);
    assert_int_equal(body_run(raw, len, 0, false, 1024, true, false, &b, &after), TP_HP_TOO_LARGE);
    tp_http_body_free(&b);
    free(raw);
}

static void test_body_close_delimited(void **state)
{
    (void)state;
    check_body(RAW("HTTP/1.0 200 OK\r\n\r\nall of it"), false, 1024, true, true, TP_HP_DONE, "all of it", 9, 0);
    /* A coding other than chunked last: read to the close. */
    check_body(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabcdef"), false, 1024,
               true, true, TP_HP_DONE, "abcdef", 6, 0);
    /* eof with no body byte at all. */
    check_body(RAW("HTTP/1.0 200 OK\r\n\r\n"), false, 1024, true, true, TP_HP_DONE, "", 0, 0);
}

static void test_body_empty_statuses(void **state)
{
    static const char *heads[] = {
        "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello",
        "HTTP/1.1 101 Switching\r\nTransfer-Encoding: chunked\r\n\r\nhello",
        "HTTP/1.1 199 Info\r\n\r\nhello",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
        check_body(heads[i], strlen(heads[i]), false, 1024, true, false, TP_HP_DONE, "", 0, 5);
    /* A response to HEAD announces a length it does not send. */
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nhello"), true, 1024, true, false, TP_HP_DONE, "",
               0, 5);
    check_body(RAW("HTTP/1.1 200 OK\r\n\r\n"), true, 1024, true, false, TP_HP_DONE, "", 0, 0);
}

static void test_body_max_body(void **state)
{
    (void)state;
    /* Exactly the bound fits, kept or counted. */
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"), false, 10, true, false, TP_HP_DONE,
               "0123456789", 10, 0);
    check_body(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n"),
               false, 10, true, false, TP_HP_DONE, "0123456789", 10, 0);
    /* One byte more does not, in every framing. */
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789A"), false, 10, true, false,
               TP_HP_TOO_LARGE, NULL, 0, 0);
    check_body(RAW("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789A"), false, 10, false, false,
               TP_HP_TOO_LARGE, NULL, 0, 0);
    check_body(RAW("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n6\r\n56789A\r\n0\r\n\r\n"),
               false, 10, true, false, TP_HP_TOO_LARGE, NULL, 0, 0);
    check_body(RAW("HTTP/1.0 200 OK\r\n\r\n0123456789A"), false, 10, true, true, TP_HP_TOO_LARGE, NULL, 0, 0);
    check_body(RAW("HTTP/1.0 200 OK\r\n\r\n0123456789A"), false, 10, false, true, TP_HP_TOO_LARGE, NULL, 0, 0);
    /* A huge announced length fails at once, before any byte is read. */
    {
        tp_http_body b;
        size_t after;
        const char *raw = "HTTP/1.1 200 OK\r\nContent-Length: 1125899906842624\r\n\r\n";
        assert_int_equal(body_run(raw, strlen(raw), 0, false, 32u << 20, true, false, &b, &after),
                         TP_HP_TOO_LARGE);
        assert_null(b.data);
        tp_http_body_free(&b);
    }
}

/* A 1 MiB kept body grows geometrically and never beyond max_body. */
static void test_body_growth_bounded(void **state)
{
    const size_t max_body = 1000000 + 17;
    tp_http_head h;
    tp_http_body b;
    uint8_t piece[4096];
    size_t c, fed = 0;
    int rc = TP_HP_MORE;
    const char *head = "HTTP/1.1 200 OK\r\n\r\n";
    (void)state;
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)head, strlen(head), &c), TP_HP_DONE);
    tp_http_body_init(&b, &h, false, max_body, true);
    memset(piece, 'z', sizeof(piece));
    while (fed < max_body) {
        size_t n = max_body - fed < sizeof(piece) ? max_body - fed : sizeof(piece);
        rc = tp_http_body_feed(&b, piece, n, &c);
        assert_int_equal(rc, TP_HP_MORE);
        assert_int_equal(c, n);
        fed += n;
        assert_true(malloc_usable_size(b.data) <= max_body + ALLOC_SLACK);
    }
    assert_int_equal(b.len, max_body);
    assert_int_equal(tp_http_body_feed(&b, piece, 1, &c), TP_HP_TOO_LARGE);
    assert_int_equal(tp_http_body_eof(&b), TP_HP_TOO_LARGE);
    tp_http_body_free(&b);
    tp_http_head_free(&h);
}

static void test_body_eof_and_sticky_states(void **state)
{
    tp_http_head h;
    tp_http_body b;
    size_t c;
    const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
    (void)state;
    tp_http_head_init(&h, MAX_HEAD);
    assert_int_equal(tp_http_head_feed(&h, (const uint8_t *)head, strlen(head), &c), TP_HP_DONE);
    tp_http_body_init(&b, &h, false, 100, true);
    assert_int_equal(tp_http_body_feed(&b, (const uint8_t *)"ok", 2, &c), TP_HP_DONE);
    assert_int_equal(tp_http_body_feed(&b, (const uint8_t *)"more", 4, &c), TP_HP_DONE);
    assert_int_equal(c, 0);
    assert_int_equal(tp_http_body_eof(&b), TP_HP_DONE);
    tp_http_body_free(&b);
    tp_http_body_free(&b); /* idempotent */
    tp_http_head_free(&h);
    tp_http_head_free(&h);
}

/* ---------- request builders ---------- */

static void test_connect_request(void **state)
{
    char *r;
    (void)state;
    r = tp_http_connect_request("unitedstates.cp.wd.microsoft.com", 443, NULL, NULL);
    assert_non_null(r);
    assert_string_equal(r, "CONNECT unitedstates.cp.wd.microsoft.com:443 HTTP/1.1\r\n"
                           "Host: unitedstates.cp.wd.microsoft.com:443\r\n"
                           "User-Agent: tlspath/" TLSPATH_VERSION "\r\n"
                           "\r\n");
    free(r);
    r = tp_http_connect_request("winatp-gw-cus.microsoft.com", 443, "Aladdin", "open sesame");
    assert_non_null(r);
    assert_string_equal(r, "CONNECT winatp-gw-cus.microsoft.com:443 HTTP/1.1\r\n"
                           "Host: winatp-gw-cus.microsoft.com:443\r\n"
                           "User-Agent: tlspath/" TLSPATH_VERSION "\r\n"
                           "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
                           "\r\n");
    free(r);
    /* A user without a password: "svc:" */
    r = tp_http_connect_request("a.example", 8443, "svc", NULL);
    assert_non_null(r);
    assert_non_null(strstr(r, "Proxy-Authorization: Basic c3ZjOg==\r\n"));
    free(r);
}

static void test_connect_request_ipv6(void **state)
{
    char *r;
    (void)state;
    r = tp_http_connect_request("2001:db8::1", 443, NULL, NULL);
    assert_non_null(r);
    assert_string_equal(r, "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n"
                           "User-Agent: tlspath/" TLSPATH_VERSION "\r\n\r\n");
    free(r);
    r = tp_http_connect_request("[::1]", 8080, NULL, NULL);
    assert_non_null(r);
    assert_true(strncmp(r, "CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n", 47) == 0);
    free(r);
}

static void test_connect_request_rejects_injection(void **state)
{
    (void)state;
    assert_null(tp_http_connect_request("evil.example\r\nX-Injected: 1", 443, NULL, NULL));
    assert_null(tp_http_connect_request("evil.example\n", 443, NULL, NULL));
    assert_null(tp_http_connect_request("evil.example\r", 443, NULL, NULL));
    assert_null(tp_http_connect_request("evil example", 443, NULL, NULL));
    assert_null(tp_http_connect_request("a\tb", 443, NULL, NULL));
    assert_null(tp_http_connect_request("user@host", 443, NULL, NULL));
    assert_null(tp_http_connect_request("", 443, NULL, NULL));
    assert_null(tp_http_connect_request(NULL, 443, NULL, NULL));
    assert_null(tp_http_connect_request("a.example", 0, NULL, NULL));
    assert_null(tp_http_connect_request("a.example", 65536, NULL, NULL));
    assert_null(tp_http_connect_request("a.example", -1, NULL, NULL));
    assert_null(tp_http_connect_request("a.example", 443, "svc\r\nX: y", "p"));
    assert_null(tp_http_connect_request("a.example", 443, "svc", "p\r\nX: y"));
    assert_null(tp_http_connect_request("a.example", 443, "svc", "p\n"));
    assert_null(tp_http_connect_request("a.example", 443, "dom:user", "p"));
}

static void test_request_origin_form(void **state)
{
    char *r;
    (void)state;
    r = tp_http_request("GET", "https", "unitedstates.cp.wd.microsoft.com", 443, "/wdcp.svc/bond/submitReport/test",
                        false, NULL, NULL);
    assert_non_null(r);
    assert_string_equal(r, "GET /wdcp.svc/bond/submitReport/test HTTP/1.1\r\n"
                           "Host: unitedstates.cp.wd.microsoft.com\r\n"
                           "User-Agent: tlspath/" TLSPATH_VERSION "\r\n"
                           "Accept: */*\r\n"
                           "Connection: close\r\n"
                           "\r\n");
    free(r);
    r = tp_http_request("HEAD", "https", "a.example", 8443, NULL, false, NULL, NULL);
    assert_non_null(r);
    assert_string_equal(r, "HEAD / HTTP/1.1\r\nHost: a.example:8443\r\nUser-Agent: tlspath/" TLSPATH_VERSION
                           "\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    free(r);
    /* Inside a tunnel the origin must never see the proxy's credentials. */
    r = tp_http_request("GET", "https", "a.example", 443, "/", false, "Aladdin", "open sesame");
    assert_non_null(r);
    assert_null(strstr(r, "Proxy-Authorization"));
    assert_null(strstr(r, "QWxhZGRpbjpvcGVuIHNlc2FtZQ"));
    free(r);
    r = tp_http_request("GET", "http", "fe80::1", 80, "/x", false, NULL, NULL);
    assert_non_null(r);
    assert_non_null(strstr(r, "\r\nHost: [fe80::1]\r\n"));
    free(r);
}

static void test_request_absolute_form(void **state)
{
    char *r;
    (void)state;
    r = tp_http_request("GET", "http", "crl.microsoft.com", 80, "/pki/crl/products/MicRooCerAut2011_2011_03_22.crl",
                        true, "Aladdin", "open sesame");
    assert_non_null(r);
    assert_string_equal(r, "GET http://crl.microsoft.com/pki/crl/products/MicRooCerAut2011_2011_03_22.crl HTTP/1.1\r\n"
                           "Host: crl.microsoft.com\r\n"
                           "User-Agent: tlspath/" TLSPATH_VERSION "\r\n"
                           "Accept: */*\r\n"
                           "Connection: close\r\n"
                           "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"
                           "\r\n");
    free(r);
    r = tp_http_request("GET", "http", "10.0.0.5", 8080, "/a?b=c", true, NULL, NULL);
    assert_non_null(r);
    assert_string_equal(r, "GET http://10.0.0.5:8080/a?b=c HTTP/1.1\r\nHost: 10.0.0.5:8080\r\nUser-Agent: tlspath/"
                           TLSPATH_VERSION "\r\nAccept: */*\r\nConnection: close\r\n\r\n");
    free(r);
    r = tp_http_request("GET", "http", "::1", 8080, "/", true, NULL, NULL);
    assert_non_null(r);
    assert_true(strncmp(r, "GET http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]:8080\r\n", 51) == 0);
    free(r);
}

static void test_request_rejects_injection(void **state)
{
    (void)state;
    assert_null(tp_http_request("GET", "http", "a.example", 80, "/x\r\nX-Injected: 1", false, NULL, NULL));
    assert_null(tp_http_request("GET", "http", "a.example", 80, "/x\n", false, NULL, NULL));
    assert_null(tp_http_request("GET", "http", "a.example", 80, "/x y", false, NULL, NULL));
    assert_null(tp_http_request("GET", "http", "a.example", 80, "x", false, NULL, NULL));
    assert_null(tp_http_request("GET", "http", "a.example\r\n", 80, "/", false, NULL, NULL));
    assert_null(tp_http_request("GET", "http", "a.example/evil", 80, "/", true, NULL, NULL));
    assert_null(tp_http_request("GET\r\n", "http", "a.example", 80, "/", false, NULL, NULL));
    assert_null(tp_http_request("G T", "http", "a.example", 80, "/", false, NULL, NULL));
    assert_null(tp_http_request(NULL, "http", "a.example", 80, "/", false, NULL, NULL));
    assert_null(tp_http_request("GET", "ht tp", "a.example", 80, "/", true, NULL, NULL));
    assert_null(tp_http_request("GET", "http", "a.example", 0, "/", false, NULL, NULL));
    assert_null(tp_http_request("GET", "http", "a.example", 80, "/", true, "u\r\n", "p"));
    assert_null(tp_http_request("GET", "http", "a.example", 80, "/", true, "u", "p\r\nX: 1"));
}

/* Whatever a builder makes, the head parser's own rules would accept as one request
 * line plus headers: exactly one blank line, at the very end. */
static void test_builders_single_blank_line(void **state)
{
    char *r1 = tp_http_connect_request("a.example", 443, "u", "p");
    char *r2 = tp_http_request("GET", "http", "a.example", 80, "/", true, "u", "p");
    (void)state;
    assert_non_null(r1);
    assert_non_null(r2);
    assert_ptr_equal(strstr(r1, "\r\n\r\n"), r1 + strlen(r1) - 4);
    assert_ptr_equal(strstr(r2, "\r\n\r\n"), r2 + strlen(r2) - 4);
    free(r1);
    free(r2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_line_basic),
        cmocka_unit_test(test_status_line_empty_reason),
        cmocka_unit_test(test_status_line_reason_sanitised),
        cmocka_unit_test(test_status_line_reason_bounded),
        cmocka_unit_test(test_status_line_rejected),
        cmocka_unit_test(test_bare_lf_tolerated),
        cmocka_unit_test(test_blank_line_split),
        cmocka_unit_test(test_bytes_after_head_preserved),
        cmocka_unit_test(test_interim_1xx_then_final),
        cmocka_unit_test(test_header_syntax_rejected),
        cmocka_unit_test(test_header_values_trimmed_and_ignored),
        cmocka_unit_test(test_location_sanitised_first_kept),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_content_length_rejected),
        cmocka_unit_test(test_transfer_encoding),
        cmocka_unit_test(test_connection_close),
        cmocka_unit_test(test_proxy_authenticate),
        cmocka_unit_test(test_proxy_authenticate_scheme_bounded),
        cmocka_unit_test(test_head_truncated),
        cmocka_unit_test(test_head_tls_server_hello),
        cmocka_unit_test(test_head_binary_garbage),
        cmocka_unit_test(test_head_oversize_stream),
        cmocka_unit_test(test_head_exact_bound),
        cmocka_unit_test(test_body_content_length),
        cmocka_unit_test(test_body_chunked),
        cmocka_unit_test(test_body_chunked_malformed),
        cmocka_unit_test(test_body_chunk_extension_bounded),
        cmocka_unit_test(test_body_close_delimited),
        cmocka_unit_test(test_body_empty_statuses),
        cmocka_unit_test(test_body_max_body),
        cmocka_unit_test(test_body_growth_bounded),
        cmocka_unit_test(test_body_eof_and_sticky_states),
        cmocka_unit_test(test_connect_request),
        cmocka_unit_test(test_connect_request_ipv6),
        cmocka_unit_test(test_connect_request_rejects_injection),
        cmocka_unit_test(test_request_origin_form),
        cmocka_unit_test(test_request_absolute_form),
        cmocka_unit_test(test_request_rejects_injection),
        cmocka_unit_test(test_builders_single_blank_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
