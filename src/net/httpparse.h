/* httpparse.h — sans-I/O HTTP/1.x response parsing over bounded buffers: the CONNECT
 * reply from a proxy, an endpoint's answer, a CRL download. Bytes in, facts out; no
 * sockets. The head parser never reads past the blank line: what follows belongs to
 * the next layer (TLS after CONNECT, the body otherwise) and is reported, not lost. */
#ifndef TLSPATH_HTTPPARSE_H
#define TLSPATH_HTTPPARSE_H
#include <stddef.h>
#include <stdint.h>
#include "core/model.h"

enum {
    TP_HP_DONE = 0,          /* head (or body) complete */
    TP_HP_MORE = 1,          /* need more bytes */
    TP_HP_MALFORMED = -1,    /* not an HTTP/1.x response */
    TP_HP_TOO_LARGE = -2,    /* head above max_head, or body above max_body */
    TP_HP_NOMEM = -3,
    TP_HP_TRUNCATED = -4     /* peer closed before the message was complete */
};

typedef struct tp_http_head {
    /* configuration */
    size_t max_head;         /* bound for status line + headers (e.g. 16 KiB) */
    /* results (valid after TP_HP_DONE) */
    int status;              /* 100..599 */
    int minor;               /* HTTP/1.<minor> */
    char *reason;            /* the standard reason phrase of status ("" if none): never the peer's text */
    long long content_length;/* -1 when absent */
    bool chunked;            /* Transfer-Encoding: chunked */
    bool conn_close;         /* Connection: close */
    tp_strlist proxy_authenticate; /* the scheme of each Proxy-Authenticate, from a fixed set of
                                      registered names ("Basic", "NTLM", ...) or "other" */
    char *location;          /* Location header, if any */
    bool proxy_generated;    /* the proxy made this answer itself: Proxy-Status (RFC 9209),
                                X-Squid-Error or Proxy-Authenticate present */
    /* private */
    uint8_t *buf;
    size_t len, cap;
    int state;
} tp_http_head;

void tp_http_head_init(tp_http_head *h, size_t max_head);
/* The RFC 9110 reason phrase of status, or "" for a status without one. */
const char *tp_http_reason_phrase(int status);
/* Feeds len bytes. *consumed = bytes that belonged to the head (always all of them while
 * TP_HP_MORE; on TP_HP_DONE, data + *consumed is the first byte after the blank line).
 * Returns TP_HP_DONE, TP_HP_MORE, TP_HP_MALFORMED, TP_HP_TOO_LARGE or TP_HP_NOMEM. */
int tp_http_head_feed(tp_http_head *h, const uint8_t *data, size_t len, size_t *consumed);
void tp_http_head_free(tp_http_head *h);

/* Body of a response whose head was parsed: Content-Length, chunked, or until close. */
typedef struct tp_http_body {
    size_t max_body;         /* bound on decoded bytes kept */
    bool keep;               /* store the decoded body (CRL) or only count it */
    uint8_t *data;           /* decoded body when keep */
    size_t len;              /* decoded length so far */
    /* private */
    long long remaining;
    int mode, state;
    unsigned long long chunk_left;
    char line[32];
    size_t line_len;
} tp_http_body;

/* For a response to HEAD, or status 1xx/204/304, the body is empty: pass is_head = true. */
void tp_http_body_init(tp_http_body *b, const tp_http_head *h, bool is_head, size_t max_body, bool keep);
/* Returns TP_HP_DONE, TP_HP_MORE, TP_HP_MALFORMED (bad chunk syntax), TP_HP_TOO_LARGE, TP_HP_NOMEM. */
int tp_http_body_feed(tp_http_body *b, const uint8_t *data, size_t len, size_t *consumed);
/* The peer closed: TP_HP_DONE if a close-delimited body ended, else TP_HP_TRUNCATED. */
int tp_http_body_eof(tp_http_body *b);
void tp_http_body_free(tp_http_body *b);

/* Builds "CONNECT host:port HTTP/1.1" with Host, optional Proxy-Authorization: Basic
 * (base64 of user:pass), User-Agent. malloc'ed; NULL on failure. */
char *tp_http_connect_request(const char *host, int port, const char *user, const char *pass);
/* Builds a request: origin-form ("GET /path") or, when absolute (through a proxy for an
 * http:// URL), absolute-form ("GET http://host:port/path"), with Host, User-Agent:
 * tlspath/<version>, Accept: star/star, Connection: close, and optional Proxy-Authorization. */
char *tp_http_request(const char *method, const char *scheme, const char *host, int port,
                      const char *path, bool absolute, const char *user, const char *pass);

/* Behaviour notes (httpparse.c):
 * - max_head 0 means 16 KiB. The head is rejected as TP_HP_MALFORMED on the first byte
 *   that cannot start "HTTP/1." (a TLS record, HTTP/0.9, "HTTP/2"), and on a NUL byte.
 * - With Transfer-Encoding present, content_length is reported as -1 (TE overrides CL).
 * - On any head error the result fields are cleared (status 0, no reason): nothing
 *   half-parsed is reported. A 1xx head is complete on its own: start a new head on
 *   the bytes after it.
 * - max_body bounds the decoded body whether kept or only counted: a longer body is
 *   TP_HP_TOO_LARGE (a Content-Length above max_body fails on the first feed).
 * - Builders return NULL for a host, path, method or credential holding a control
 *   character or space (CR/LF smuggling), a user-id with ':', or a port outside
 *   1..65535. tp_http_request sends Proxy-Authorization only with absolute = true:
 *   in origin-form the request goes to the origin, which must never see proxy
 *   credentials. The Host header omits the scheme's default port. The returned
 *   request may hold credentials: callers should wipe it before free. */
#endif
