/* httpreq.h — the request side of `tlspath serve`'s HTTP: a sans-I/O parser for one
 * HTTP/1.x request head (bytes in, request out; no sockets), strict and bounded.
 *
 * Why our own and not a library: the server answers GET/HEAD only, reads no body and
 * closes after one response, so all it needs is a request head. Debian 12 packages only
 * nodejs' archived http-parser (2.9, unmaintained since 2022); llhttp is not packaged as a
 * C library. A 300-line strict parser that the fuzzer and the byte-by-byte tests cover is
 * the smaller risk.
 *
 * What it accepts: `METHOD SP origin-form SP HTTP/1.0|HTTP/1.1 CRLF`, header lines
 * `name: value CRLF` (name a token, value visible ASCII / SP / HTAB / obs-text), an empty
 * line. Everything else is refused as early as the bytes show it, with the status the
 * server should answer (400, 405, 413, 414, 431, 501, 505). */
#ifndef TLSPATH_SERVE_HTTPREQ_H
#define TLSPATH_SERVE_HTTPREQ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_HRQ_MORE 0    /* need more bytes */
#define TP_HRQ_DONE 1    /* the head is complete: method, target, ... are set */
#define TP_HRQ_ERROR (-1) /* refused: status and reason say why; feeding more changes nothing */

#define TP_HRQ_MAX_HEAD_LIMIT 65536u
#define TP_HRQ_METHOD_MAX 16u

typedef enum tp_hrq_method { TP_HRQ_GET = 1, TP_HRQ_HEAD = 2 } tp_hrq_method;

typedef struct tp_httpreq {
    /* limits (set by init) */
    size_t max_head;     /* bytes of request line + headers + blank line */
    size_t max_target;   /* bytes of the request target */
    size_t max_headers;  /* header lines */

    /* parser state */
    char *buf;           /* max_head bytes; lines are NUL-terminated in place once complete */
    size_t len;
    size_t line_start;
    size_t n_headers;
    int state;           /* internal */
    struct tp_httpreq_rl { size_t method_end, target_start, target_end, version_start; } rl;

    /* result (valid after DONE; pointers into buf) */
    tp_hrq_method method;
    const char *target;  /* "/path?query" as sent */
    const char *path;    /* the target up to '?' (a copy in buf, NUL-terminated) */
    int version_minor;   /* 0 or 1 */
    const char *host;          /* NULL if absent */
    const char *authorization; /* NULL if absent */

    /* error (valid after ERROR) */
    int status;          /* the status to answer: 400, 405, 413, 414, 431, 501 or 505 */
    const char *reason;  /* a static, human phrase naming what was wrong */
} tp_httpreq;

/* Prepares r. max_head is clamped to 64..TP_HRQ_MAX_HEAD_LIMIT. Returns 0, or -1 when
 * the buffer cannot be allocated. */
int tp_httpreq_init(tp_httpreq *r, size_t max_head, size_t max_target, size_t max_headers);
void tp_httpreq_free(tp_httpreq *r);

/* Feeds len bytes. *consumed is set to the bytes taken: all of them while MORE; on DONE
 * the bytes up to and including the blank line (anything after belongs to no one: the
 * server answers one request per connection). Returns TP_HRQ_MORE, TP_HRQ_DONE or
 * TP_HRQ_ERROR; after DONE or ERROR further calls return the same without reading. */
int tp_httpreq_feed(tp_httpreq *r, const uint8_t *data, size_t len, size_t *consumed);

/* True when the request carries `Authorization: Bearer <token>` with exactly token
 * (scheme case-insensitive; compared in time independent of where they differ). */
bool tp_httpreq_bearer_ok(const tp_httpreq *r, const char *token);

/* The reason phrase of a status this server sends ("Not Found", ...). */
const char *tp_http_status_text(int status);
#endif
