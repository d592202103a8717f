/* httpbody.c — the sans-I/O HTTP/1.x response body decoder (see httpparse.h): a body
 * framed by Content-Length, chunked, or ended by the peer's close. Decoded bytes are kept
 * in a tp_buf bounded by max_body (a CRL) or only counted (an endpoint's answer); either
 * way a body above max_body is TP_HP_TOO_LARGE, so a peer that streams forever is cut
 * off. Chunk framing is a byte-at-a-time state machine: any split of the input decodes
 * the same, and extensions and trailers are skipped within fixed bounds. */
#include "net/httptok.h"

#include <stdlib.h>
#include <string.h>

#define HP_CHUNK_EXT_MAX 4096u /* chunk extensions are ignored, but not endlessly */
#define HP_TRAILER_MAX (16u * 1024u)
/* Largest accepted chunk size: far above any real body, far below overflow of unsigned
 * long long arithmetic (the same bound as a Content-Length, httphead.c). */
#define HP_LENGTH_MAX (1LL << 50)

enum { BM_EMPTY = 0, BM_LENGTH, BM_CHUNKED, BM_CLOSE };

/* Body states; negative values hold the TP_HP_* error that ended the body. */
enum {
    BS_DATA = 0,       /* length / close-delimited data */
    BS_CH_SIZE,        /* chunk-size hex digits */
    BS_CH_SIZE_WS,     /* whitespace after the size (BWS before ';') */
    BS_CH_EXT,         /* chunk extension: skipped */
    BS_CH_SIZE_LF,     /* CR seen, LF expected */
    BS_CH_DATA,        /* chunk data */
    BS_CH_DATA_CR,     /* CRLF after chunk data */
    BS_CH_DATA_LF,
    BS_CH_TRAILER,     /* start of a trailer line (or the final blank line) */
    BS_CH_TRAILER_LINE,
    BS_CH_TRAILER_LF,  /* CR of the final blank line seen */
    BS_DONE = 100
};

void tp_http_body_init(tp_http_body *b, const tp_http_head *h, bool is_head, size_t max_body, bool keep)
{
    memset(b, 0, sizeof(*b));
    b->max_body = max_body;
    b->keep = keep;
    tp_buf_init(&b->kept, max_body, false);
    b->remaining = -1;
    if (is_head || (h && ((h->status >= 100 && h->status < 200) || h->status == 204 || h->status == 304))) {
        b->mode = BM_EMPTY;
        b->state = BS_DONE;
    } else if (h && h->chunked) {
        b->mode = BM_CHUNKED;
        b->state = BS_CH_SIZE;
    } else if (h && h->content_length >= 0) {
        b->mode = BM_LENGTH;
        b->remaining = h->content_length;
        b->state = h->content_length == 0 ? BS_DONE : BS_DATA;
    } else {
        b->mode = BM_CLOSE;
        b->state = BS_DATA;
    }
}

/* Accounts n decoded bytes, storing them when keep (the buffer grows geometrically, never
 * beyond max_body). */
static int body_take(tp_http_body *b, const uint8_t *p, size_t n)
{
    if (n > b->max_body || b->len > b->max_body - n)
        return TP_HP_TOO_LARGE;
    if (n == 0)
        return TP_HP_MORE;
    if (b->keep) {
        int rc = tp_buf_append(&b->kept, p, n);
        if (rc != TP_BUF_OK)
            return rc == TP_BUF_ENOMEM ? TP_HP_NOMEM : TP_HP_TOO_LARGE;
    }
    b->len += n;
    return TP_HP_MORE;
}

static int hex_value(int c)
{
    if (hp_is_digit(c))
        return c - '0';
    c = hp_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Chunk framing, one byte (or one run of data) at a time. b->chunk_left counts data
 * still due in this chunk; b->size_digits says a size digit was seen; b->skipped bounds
 * the extension / trailer bytes ignored. */
static int chunked_step(tp_http_body *b, const uint8_t *data, size_t len, size_t *i)
{
    uint8_t c = data[*i];
    int hv;
    switch (b->state) {
    case BS_CH_SIZE:
        hv = hex_value(c);
        if (hv >= 0) {
            /* chunk_left <= 2^50 here, so the shift cannot overflow. */
            b->chunk_left = (b->chunk_left << 4) | (unsigned)hv;
            if (b->chunk_left > (unsigned long long)HP_LENGTH_MAX)
                return TP_HP_MALFORMED;
            b->size_digits = true;
            break;
        }
        if (!b->size_digits)
            return TP_HP_MALFORMED;
        if (hp_is_ows(c))
            b->state = BS_CH_SIZE_WS;
        else if (c == ';')
            b->state = BS_CH_EXT;
        else if (c == '\r')
            b->state = BS_CH_SIZE_LF;
        else if (c == '\n')
            goto size_line_done;
        else
            return TP_HP_MALFORMED;
        break;
    case BS_CH_SIZE_WS:
        if (c == ';')
            b->state = BS_CH_EXT;
        else if (c == '\r')
            b->state = BS_CH_SIZE_LF;
        else if (c == '\n')
            goto size_line_done;
        else if (!hp_is_ows(c))
            return TP_HP_MALFORMED;
        if (++b->skipped > HP_CHUNK_EXT_MAX)
            return TP_HP_MALFORMED;
        break;
    case BS_CH_EXT:
        if (c == '\r')
            b->state = BS_CH_SIZE_LF;
        else if (c == '\n')
            goto size_line_done;
        else if (++b->skipped > HP_CHUNK_EXT_MAX)
            return TP_HP_MALFORMED;
        break;
    case BS_CH_SIZE_LF:
        if (c != '\n')
            return TP_HP_MALFORMED;
        goto size_line_done;
    case BS_CH_DATA: {
        size_t avail = len - *i, n = avail;
        int rc;
        if ((unsigned long long)n > b->chunk_left)
            n = (size_t)b->chunk_left;
        rc = body_take(b, data + *i, n);
        if (rc != TP_HP_MORE)
            return rc;
        b->chunk_left -= n;
        *i += n;
        if (b->chunk_left == 0)
            b->state = BS_CH_DATA_CR;
        return TP_HP_MORE;
    }
    case BS_CH_DATA_CR:
        if (c == '\r')
            b->state = BS_CH_DATA_LF;
        else if (c == '\n')
            goto next_chunk;
        else
            return TP_HP_MALFORMED;
        break;
    case BS_CH_DATA_LF:
        if (c != '\n')
            return TP_HP_MALFORMED;
        goto next_chunk;
    case BS_CH_TRAILER:
        if (c == '\r') {
            b->state = BS_CH_TRAILER_LF;
        } else if (c == '\n') {
            b->state = BS_DONE;
        } else {
            b->state = BS_CH_TRAILER_LINE;
            if (++b->skipped > HP_TRAILER_MAX)
                return TP_HP_TOO_LARGE;
        }
        break;
    case BS_CH_TRAILER_LINE:
        if (c == '\n')
            b->state = BS_CH_TRAILER;
        else if (++b->skipped > HP_TRAILER_MAX)
            return TP_HP_TOO_LARGE;
        break;
    case BS_CH_TRAILER_LF:
        if (c != '\n')
            return TP_HP_MALFORMED;
        b->state = BS_DONE;
        break;
    default:
        return TP_HP_MALFORMED;
    }
    (*i)++;
    return b->state == BS_DONE ? TP_HP_DONE : TP_HP_MORE;

size_line_done:
    (*i)++;
    b->skipped = 0;
    b->size_digits = false;
    b->state = b->chunk_left == 0 ? BS_CH_TRAILER : BS_CH_DATA;
    return TP_HP_MORE;

next_chunk:
    (*i)++;
    b->skipped = 0;
    b->state = BS_CH_SIZE;
    return TP_HP_MORE;
}

static int body_feed_chunked(tp_http_body *b, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t i = 0;
    int rc = TP_HP_MORE;
    while (i < len && rc == TP_HP_MORE)
        rc = chunked_step(b, data, len, &i);
    *consumed = i;
    return rc;
}

static int body_feed_length(tp_http_body *b, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t n = len;
    int rc;
    *consumed = 0;
    if ((unsigned long long)b->remaining > (unsigned long long)b->max_body - b->len)
        return TP_HP_TOO_LARGE; /* announced beyond the bound: no point reading it */
    if ((unsigned long long)n > (unsigned long long)b->remaining)
        n = (size_t)b->remaining;
    rc = body_take(b, data, n);
    if (rc != TP_HP_MORE)
        return rc;
    b->remaining -= (long long)n;
    *consumed = n;
    return b->remaining == 0 ? TP_HP_DONE : TP_HP_MORE;
}

int tp_http_body_feed(tp_http_body *b, const uint8_t *data, size_t len, size_t *consumed)
{
    int rc;
    *consumed = 0;
    if (b->state == BS_DONE)
        return TP_HP_DONE;
    if (b->state < 0)
        return b->state;
    switch (b->mode) {
    case BM_LENGTH:
        rc = body_feed_length(b, data, len, consumed);
        break;
    case BM_CHUNKED:
        rc = body_feed_chunked(b, data, len, consumed);
        break;
    case BM_CLOSE:
        rc = body_take(b, data, len);
        if (rc == TP_HP_MORE)
            *consumed = len;
        break;
    default:
        rc = TP_HP_DONE;
        break;
    }
    if (rc == TP_HP_DONE)
        b->state = BS_DONE;
    else if (rc < 0)
        b->state = rc;
    return rc;
}

int tp_http_body_eof(tp_http_body *b)
{
    if (b->state == BS_DONE)
        return TP_HP_DONE;
    if (b->state < 0)
        return b->state;
    if (b->mode == BM_CLOSE) {
        b->state = BS_DONE;
        return TP_HP_DONE;
    }
    b->state = TP_HP_TRUNCATED;
    return TP_HP_TRUNCATED;
}

uint8_t *tp_http_body_take(tp_http_body *b, size_t *len)
{
    size_t n = 0;
    uint8_t *d = (uint8_t *)tp_buf_take(&b->kept, &n);
    *len = d ? n : 0;
    b->len = 0;
    return d;
}

void tp_http_body_free(tp_http_body *b)
{
    if (!b)
        return;
    tp_buf_free(&b->kept);
    b->len = 0;
}
