/* httpparse_entry.h — body of fuzz_httpparse (shared with tests/unit/test_fuzz_replay.c):
 * the HTTP/1.x head and body parsers and the request builders.
 *
 * Input layout: byte 0 picks the read size (1..64 bytes per feed, or all at once) and
 * the body mode (HEAD or not, kept or counted); the rest is the response stream. The
 * same input also drives the builders, split at the first NUL into host and path.
 * Invariants checked (abort on violation, so libFuzzer reports them):
 *   - consumed never exceeds what was fed; while MORE, everything was consumed;
 *   - the head never buffers more than max_head, the body never holds more than max_body;
 *   - the reason phrase and Location hold printable ASCII only;
 *   - a built request holds exactly one blank line, at its end (no injection). */
#ifndef TP_FUZZ_HTTPPARSE_ENTRY_H
#define TP_FUZZ_HTTPPARSE_ENTRY_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/httpparse.h"

#define FZ_MAX_HEAD 1024u
#define FZ_MAX_BODY 4096u

static void check(int cond)
{
    if (!cond)
        abort();
}

static void check_printable(const char *s)
{
    if (!s)
        return;
    for (; *s; s++)
        check(*s >= 0x20 && *s <= 0x7e);
}

static void check_single_blank_line(const char *req)
{
    const char *end;
    size_t n;
    if (!req)
        return;
    n = strlen(req);
    end = strstr(req, "\r\n\r\n");
    check(end && end == req + n - 4);
    /* Every LF is preceded by CR and every CR followed by LF: one line per header. */
    for (size_t i = 0; i < n; i++) {
        if (req[i] == '\n')
            check(i > 0 && req[i - 1] == '\r');
        if (req[i] == '\r')
            check(i + 1 < n && req[i + 1] == '\n');
    }
}

static void fuzz_parsers(uint8_t mode, const uint8_t *data, size_t size)
{
    size_t step = (mode & 0x3f) ? (mode & 0x3f) : size, off = 0, c;
    bool is_head = mode & 0x40, keep = mode & 0x80;
    tp_http_head h;
    tp_http_body b;
    int hrc = TP_HP_MORE, brc = TP_HP_MORE;
    bool body = false;

    tp_http_head_init(&h, FZ_MAX_HEAD);
    memset(&b, 0, sizeof(b));
    while (off < size && (hrc == TP_HP_MORE || (hrc == TP_HP_DONE && brc == TP_HP_MORE))) {
        size_t n = size - off < step ? size - off : step;
        const uint8_t *p = data + off;
        if (hrc == TP_HP_MORE) {
            hrc = tp_http_head_feed(&h, p, n, &c);
            check(c <= n);
            check(h.raw.len <= FZ_MAX_HEAD && h.raw.cap <= FZ_MAX_HEAD + 1); /* + tp_buf's NUL */
            if (hrc == TP_HP_MORE)
                check(c == n);
            p += c;
            n -= c;
        }
        if (hrc == TP_HP_DONE) {
            if (!body) {
                check(h.status >= 100 && h.status <= 599);
                check_printable(h.reason);
                check_printable(h.location);
                tp_http_body_init(&b, &h, is_head, FZ_MAX_BODY, keep);
                body = true;
            }
            brc = tp_http_body_feed(&b, p, n, &c);
            check(c <= n);
            if (brc == TP_HP_MORE)
                check(c == n);
            check(b.len <= FZ_MAX_BODY);
            check(keep ? b.kept.len == b.len : b.kept.data == NULL);
        }
        off += step;
    }
    if (body && brc == TP_HP_MORE) {
        brc = tp_http_body_eof(&b);
        check(brc == TP_HP_DONE || brc == TP_HP_TRUNCATED);
    }
    tp_http_body_free(&b);
    tp_http_head_free(&h);
}

static void fuzz_builders(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *host, *path, *req;
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    host = s;
    path = s + strlen(s);
    if (path < s + size)
        path++; /* the part after the first NUL */
    req = tp_http_connect_request(host, 443, "user", path);
    check_single_blank_line(req);
    free(req);
    req = tp_http_request("GET", "http", host, 8080, path, true, path, "pw");
    check_single_blank_line(req);
    free(req);
    free(s);
}

static void fuzz_httpparse_one(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    fuzz_parsers(data[0], data + 1, size - 1);
    fuzz_builders(data + 1, size - 1);
}
#endif
