/* httpreq.c — strict, bounded, sans-I/O HTTP/1.x request-head parser (see httpreq.h).
 * Bytes are taken one at a time, so a head split anywhere parses the same as a head in
 * one piece; the request line is checked as it arrives, so garbage (a TLS ClientHello
 * sent to the HTTP port, a binary blob) is refused on its first bad byte rather than at
 * the head limit or the deadline. */
#include "serve/httpreq.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
    ST_METHOD = 0, ST_TARGET, ST_VERSION, ST_REQLINE_LF, ST_HEADERS, ST_DONE, ST_ERROR
};

static const char VERSION_PREFIX[] = "HTTP/1.";

static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Visible ASCII in a request target: no SP, no controls, no 8-bit bytes. */
static bool is_target_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f;
}

/* Field value bytes: HTAB, SP, visible ASCII, obs-text. */
static bool is_value_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

int tp_httpreq_init(tp_httpreq *r, size_t max_head, size_t max_target, size_t max_headers)
{
    memset(r, 0, sizeof *r);
    if (max_head < 64)
        max_head = 64;
    if (max_head > TP_HRQ_MAX_HEAD_LIMIT)
        max_head = TP_HRQ_MAX_HEAD_LIMIT;
    r->max_head = max_head;
    r->max_target = max_target ? max_target : max_head;
    r->max_headers = max_headers ? max_headers : 64;
    r->buf = calloc(1, max_head + 1);   /* + 1: a NUL after the last byte */
    if (!r->buf)
        return -1;
    r->state = ST_METHOD;
    return 0;
}

void tp_httpreq_free(tp_httpreq *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

static int refuse(tp_httpreq *r, int status, const char *reason)
{
    r->state = ST_ERROR;
    r->status = status;
    r->reason = reason;
    return TP_HRQ_ERROR;
}

/* Called with the method's bytes complete (the SP just arrived). */
static int end_method(tp_httpreq *r, size_t end)
{
    size_t n = end;
    if (n == 3 && !memcmp(r->buf, "GET", 3))
        r->method = TP_HRQ_GET;
    else if (n == 4 && !memcmp(r->buf, "HEAD", 4))
        r->method = TP_HRQ_HEAD;
    else
        return refuse(r, 405, "only GET and HEAD are served");
    r->rl.method_end = end;
    r->rl.target_start = end + 1;
    r->state = ST_TARGET;
    return TP_HRQ_MORE;
}

/* One request-line byte (already stored at r->buf[r->len - 1]). */
static int reqline_byte(tp_httpreq *r, unsigned char c)
{
    size_t pos = r->len - 1;
    struct tp_httpreq_rl *o = &r->rl;
    switch (r->state) {
    case ST_METHOD:
        if (c == ' ')
            return pos == 0 ? refuse(r, 400, "the request line starts with a space") : end_method(r, pos);
        if (!is_tchar(c))
            return refuse(r, 400, "the method is not an HTTP token");
        if (pos + 1 > TP_HRQ_METHOD_MAX)
            return refuse(r, 501, "the method is too long");
        return TP_HRQ_MORE;
    case ST_TARGET:
        if (pos == o->target_start && c != '/')
            return refuse(r, 400, "the request target must be a path starting with /");
        if (c == ' ') {
            o->target_end = pos;
            o->version_start = pos + 1;
            r->state = ST_VERSION;
            return TP_HRQ_MORE;
        }
        if (!is_target_char(c))
            return refuse(r, 400, "the request target holds a byte that is not visible ASCII");
        if (pos - o->target_start + 1 > r->max_target)
            return refuse(r, 414, "the request target is too long");
        return TP_HRQ_MORE;
    case ST_VERSION: {
        size_t k = pos - o->version_start;
        if (c == '\r') {
            if (k != sizeof VERSION_PREFIX)   /* "HTTP/1." + one digit */
                return refuse(r, 400, "the request line does not end in HTTP/1.x");
            r->state = ST_REQLINE_LF;
            return TP_HRQ_MORE;
        }
        if (k < 5 && c != (unsigned char)VERSION_PREFIX[k])
            return refuse(r, 400, "the request line does not end in HTTP/1.x");
        if (k == 5 && c != '1')
            return refuse(r, c >= '0' && c <= '9' ? 505 : 400,
                          c >= '0' && c <= '9' ? "only HTTP/1.x is served" : "malformed HTTP version");
        if (k == 6 && c != '.')
            return refuse(r, 400, "malformed HTTP version");
        if (k == 7) {
            if (c < '0' || c > '9')
                return refuse(r, 400, "malformed HTTP version");
            r->version_minor = c == '0' ? 0 : 1;   /* 1.2+ is answered as 1.1 */
        }
        if (k > 7)
            return refuse(r, 400, "the request line does not end in HTTP/1.x");
        return TP_HRQ_MORE;
    }
    case ST_REQLINE_LF:
        if (c != '\n')
            return refuse(r, 400, "a CR not followed by LF");
        /* NUL-terminate method and target in place; the path ends at '?' */
        r->buf[o->method_end] = '\0';
        r->buf[o->target_end] = '\0';
        r->target = r->buf + o->target_start;
        char *q = strchr(r->buf + o->target_start, '?');
        if (q)
            *q = '\0';
        r->path = r->target;
        r->buf[pos - 1] = '\0';
        r->line_start = r->len;
        r->state = ST_HEADERS;
        return TP_HRQ_MORE;
    default:
        return TP_HRQ_ERROR;
    }
}

static bool name_is(const char *name, size_t n, const char *want)
{
    return strlen(want) == n && !strncasecmp(name, want, n);
}

/* One complete header line buf[line_start .. len-2) (CR at len-2, LF at len-1). */
static int header_line(tp_httpreq *r)
{
    char *line = r->buf + r->line_start;
    size_t n = r->len - 2 - r->line_start;
    line[n] = '\0';
    r->line_start = r->len;
    if (n == 0) {
        if (r->version_minor == 1 && !r->host)
            return refuse(r, 400, "an HTTP/1.1 request without Host");
        r->state = ST_DONE;
        return TP_HRQ_DONE;
    }
    if (line[0] == ' ' || line[0] == '\t')
        return refuse(r, 400, "folded header lines are not accepted");
    if (++r->n_headers > r->max_headers)
        return refuse(r, 431, "too many header lines");
    size_t nl = 0;
    while (nl < n && is_tchar((unsigned char)line[nl]))
        nl++;
    if (nl == 0 || nl >= n || line[nl] != ':')
        return refuse(r, 400, "a header line is not `name: value`");
    char *v = line + nl + 1, *end = line + n;
    for (char *p = v; p < end; p++)
        if (!is_value_char((unsigned char)*p))
            return refuse(r, 400, "a header value holds a control byte");
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    if (name_is(line, nl, "host")) {
        if (r->host)
            return refuse(r, 400, "Host given twice");
        r->host = v;
    } else if (name_is(line, nl, "authorization")) {
        if (r->authorization)
            return refuse(r, 400, "Authorization given twice");
        r->authorization = v;
    } else if (name_is(line, nl, "content-length")) {
        /* no body is read: only an explicit zero is harmless */
        for (const char *p = v; *p; p++)
            if (*p < '0' || *p > '9')
                return refuse(r, 400, "Content-Length is not a number");
        if (!*v)
            return refuse(r, 400, "Content-Length is empty");
        if (strspn(v, "0") != strlen(v))
            return refuse(r, 413, "request bodies are not accepted");
    } else if (name_is(line, nl, "transfer-encoding")) {
        return refuse(r, 501, "Transfer-Encoding is not accepted");
    }
    return TP_HRQ_MORE;
}

int tp_httpreq_feed(tp_httpreq *r, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t i = 0;
    int rc = r->state == ST_DONE ? TP_HRQ_DONE : r->state == ST_ERROR ? TP_HRQ_ERROR : TP_HRQ_MORE;
    while (rc == TP_HRQ_MORE && i < len) {
        unsigned char c = data[i++];
        if (r->len >= r->max_head) {
            rc = r->state <= ST_VERSION ? refuse(r, 414, "the request line is too long")
                                        : refuse(r, 431, "the request head is too large");
            break;
        }
        /* a CR must be followed by LF; a LF must follow a CR */
        bool after_cr = r->len > 0 && r->buf[r->len - 1] == '\r';
        r->buf[r->len++] = (char)c;
        if (r->state <= ST_REQLINE_LF) {
            rc = reqline_byte(r, c);
            continue;
        }
        if (after_cr && c != '\n') {
            rc = refuse(r, 400, "a CR not followed by LF");
        } else if (c == '\n') {
            rc = after_cr ? header_line(r) : refuse(r, 400, "a bare LF ends a line");
        }
    }
    if (consumed)
        *consumed = i;
    return rc;
}

bool tp_httpreq_bearer_ok(const tp_httpreq *r, const char *token)
{
    if (!r->authorization || !token || !*token)
        return false;
    const char *a = r->authorization;
    if (strncasecmp(a, "Bearer ", 7) != 0)
        return false;
    a += 7;
    while (*a == ' ')
        a++;
    size_t na = strlen(a), nt = strlen(token);
    /* every byte of the token is compared whatever the sent value is; the length check is
     * folded in, so the time depends on the token's length only */
    unsigned diff = na != nt;
    for (size_t i = 0; i < nt; i++)
        diff |= (unsigned char)token[i] ^ (unsigned char)(i < na ? a[i] : 0);
    return diff == 0;
}

const char *tp_http_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}
