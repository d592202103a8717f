/* httpreq_entry.h — body of fuzz_httpreq (shared with tests/unit/test_fuzz_replay.c): serve's
 * request-head parser (src/serve/httpreq.c).
 *
 * Input layout: byte 0 picks the read size (1..64 bytes per feed, or all at once, low six
 * bits) and a small head limit (bit 6: 128 bytes, else 2048); the rest is the request
 * stream. Invariants checked (abort on violation, so libFuzzer reports them):
 *   - consumed never exceeds what was fed; while MORE, everything was consumed; after
 *     DONE or ERROR nothing more is consumed;
 *   - the buffer never holds more than max_head bytes;
 *   - DONE: method GET or HEAD, path starts with '/' and holds visible ASCII only,
 *     version 1.0 or 1.1, HTTP/1.1 has a Host; header values hold no CR, LF or NUL;
 *   - ERROR: a 4xx/5xx status the server sends and a reason;
 *   - the outcome (rc, status, path, consumed) does not depend on how the bytes were split
 *     (the same input is parsed again whole and compared). */
#ifndef TP_FUZZ_HTTPREQ_ENTRY_H
#define TP_FUZZ_HTTPREQ_ENTRY_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "serve/httpreq.h"

static int fz_hrq_parse(const uint8_t *data, size_t size, size_t step, size_t max_head, tp_httpreq *r,
                        size_t *total)
{
    size_t off = 0, c;
    int rc = TP_HRQ_MORE;
    *total = 0;
    fz_check(tp_httpreq_init(r, max_head, 0, 32) == 0);
    while (off < size) {
        size_t n = step && size - off > step ? step : size - off;
        rc = tp_httpreq_feed(r, data + off, n, &c);
        fz_check(c <= n);
        fz_check(r->len <= r->max_head);
        if (rc == TP_HRQ_MORE)
            fz_check(c == n);
        *total += c;
        off += n;
        if (rc != TP_HRQ_MORE) {
            size_t again = 7;
            fz_check(tp_httpreq_feed(r, data, size, &again) == rc && again == 0);
            break;
        }
    }
    return rc;
}

static void fz_hrq_check_value(const char *v)
{
    if (v)
        fz_check(strpbrk(v, "\r\n") == NULL);
}

static void fuzz_httpreq_one(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    size_t step = data[0] & 0x3f, max_head = (data[0] & 0x40) ? 128 : 2048, n1, n2;
    tp_httpreq a, b;
    int rc = fz_hrq_parse(data + 1, size - 1, step, max_head, &a, &n1);
    int rc2 = fz_hrq_parse(data + 1, size - 1, 0, max_head, &b, &n2);
    fz_check(rc == rc2 && n1 == n2);
    if (rc == TP_HRQ_DONE) {
        fz_check(a.method == TP_HRQ_GET || a.method == TP_HRQ_HEAD);
        fz_check(a.path && a.path[0] == '/');
        for (const char *p = a.path; *p; p++)
            fz_check(*p > 0x20 && *p < 0x7f);
        fz_check(strcmp(a.path, b.path) == 0);
        fz_check(a.version_minor == 0 || a.version_minor == 1);
        if (a.version_minor == 1)
            fz_check(a.host != NULL);
        fz_hrq_check_value(a.host);
        fz_hrq_check_value(a.authorization);
        (void)tp_httpreq_bearer_ok(&a, "token");
    } else if (rc == TP_HRQ_ERROR) {
        static const int ok[] = {400, 405, 413, 414, 431, 501, 505};
        bool known = false;
        for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
            known |= a.status == ok[i];
        fz_check(known && a.status == b.status && a.reason != NULL);
        fz_check(strcmp(tp_http_status_text(a.status), "Unknown") != 0);
    }
    tp_httpreq_free(&a);
    tp_httpreq_free(&b);
}
#endif
