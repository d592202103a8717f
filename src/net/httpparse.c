/* httpparse.c — sans-I/O HTTP/1.x response head and body parsers, and the two request
 * builders (CONNECT, GET/HEAD). Every byte here may come from a hostile proxy, an
 * intercepting middlebox or a server that is not HTTP at all (a TLS ServerHello on a
 * plain port): nothing is trusted, every buffer is bounded, every error has a name. */
#include "net/httpparse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#ifndef TLSPATH_VERSION
#define TLSPATH_VERSION "0.0.0"
#endif

#define HP_DEFAULT_MAX_HEAD (16u * 1024u)
#define HP_MIN_BUF 256u
#define HP_LOCATION_MAX 2048u
#define HP_CHUNK_EXT_MAX 4096u /* chunk extensions are ignored, but not endlessly */
#define HP_TRAILER_MAX (16u * 1024u)
/* Largest accepted Content-Length / chunk size: far above any real body, far below
 * overflow of long long / unsigned long long arithmetic. */
#define HP_LENGTH_MAX (1LL << 50)

/* ---------- character classes ---------- */

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* RFC 9110 tchar: the characters of a token (header names, auth-schemes). */
static bool is_tchar(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_ows(int c) { return c == ' ' || c == '\t'; }

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Case-insensitive compare of a counted string with a NUL-terminated literal. */
static bool span_ieq(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (lit[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
            return false;
    }
    return lit[n] == '\0';
}

/* Copy of s[0..n) fit for a report: printable ASCII kept, anything else becomes '?',
 * at most max characters. NULL on allocation failure. */
static char *sanitized_copy(const char *s, size_t n, size_t max)
{
    char *out;
    size_t i;
    if (n > max)
        n = max;
    out = malloc(n + 1);
    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : (c == '\t' ? ' ' : '?');
    }
    out[n] = '\0';
    return out;
}

/* Trims optional whitespace at both ends of s[0..*n); returns the new start. */
static const char *trim_ows(const char *s, size_t *n)
{
    while (*n > 0 && is_ows((unsigned char)s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && is_ows((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

/* ---------- head: framing ---------- */

enum { HS_READING = 0, HS_DONE = 1 }; /* negative states hold the TP_HP_* error */

static const char hp_prefix[] = "HTTP/1.";

void tp_http_head_init(tp_http_head *h, size_t max_head)
{
    memset(h, 0, sizeof(*h));
    h->max_head = max_head ? max_head : HP_DEFAULT_MAX_HEAD;
    h->content_length = -1;
    h->state = HS_READING;
}

/* Makes room for one more byte, doubling the buffer up to max_head. */
static int head_reserve(tp_http_head *h)
{
    size_t ncap;
    uint8_t *nb;
    if (h->len < h->cap)
        return TP_HP_DONE;
    if (h->len >= h->max_head)
        return TP_HP_TOO_LARGE;
    ncap = h->cap ? h->cap * 2 : HP_MIN_BUF;
    if (ncap > h->max_head || ncap < h->cap)
        ncap = h->max_head;
    nb = realloc(h->buf, ncap);
    if (!nb)
        return TP_HP_NOMEM;
    h->buf = nb;
    h->cap = ncap;
    return TP_HP_DONE;
}

/* True when the byte just appended (a '\n') ends an empty line: "\n\n" or "\n\r\n". */
static bool head_at_blank_line(const tp_http_head *h)
{
    const uint8_t *b = h->buf;
    size_t n = h->len;
    if (n >= 2 && b[n - 2] == '\n')
        return true;
    return n >= 3 && b[n - 2] == '\r' && b[n - 3] == '\n';
}

/* Rejects what can never become an HTTP/1.x head as soon as it is seen, so a TLS
 * record or binary junk fails on its first byte instead of after max_head bytes. */
static bool head_byte_plausible(const tp_http_head *h, uint8_t c)
{
    size_t pos = h->len - 1; /* c is already appended at pos */
    if (c == '\0')
        return false;
    if (pos < sizeof(hp_prefix) - 1)
        return c == (uint8_t)hp_prefix[pos];
    return true;
}

/* ---------- head: parsing the complete head ---------- */

/* One line of the head, without its terminator. */
typedef struct hp_line {
    const char *p;
    size_t n;
} hp_line;

/* Splits off the next line at *pos (ending in "\r\n" or a bare "\n"). A CR that does
 * not precede LF is malformed: it is how response-splitting tricks hide. */
static int next_line(const char *buf, size_t len, size_t *pos, hp_line *out)
{
    size_t start = *pos, i;
    for (i = start; i < len; i++) {
        if (buf[i] == '\n')
            break;
        if (buf[i] == '\r' && !(i + 1 < len && buf[i + 1] == '\n'))
            return TP_HP_MALFORMED;
    }
    if (i >= len)
        return TP_HP_MALFORMED; /* cannot happen: the framing ended on '\n' */
    out->p = buf + start;
    out->n = i - start;
    if (out->n > 0 && out->p[out->n - 1] == '\r')
        out->n--;
    *pos = i + 1;
    return TP_HP_DONE;
}

/* "HTTP/1.x SSS reason" — the reason may be empty and the space before it absent. */
static int parse_status_line(tp_http_head *h, const hp_line *l)
{
    const char *p = l->p;
    size_t n = l->n, plen = sizeof(hp_prefix) - 1;
    int status;
    if (n < plen + 1 + 1 + 3 || memcmp(p, hp_prefix, plen) != 0 || !is_digit((unsigned char)p[plen]))
        return TP_HP_MALFORMED;
    if (p[plen + 1] != ' ')
        return TP_HP_MALFORMED; /* "HTTP/1.10" or "HTTP/1.1\t200" */
    p += plen + 2;
    n -= plen + 2;
    if (!is_digit((unsigned char)p[0]) || !is_digit((unsigned char)p[1]) || !is_digit((unsigned char)p[2]))
        return TP_HP_MALFORMED;
    if (n > 3 && p[3] != ' ')
        return TP_HP_MALFORMED; /* "HTTP/1.1 2000" */
    status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (status < 100 || status > 599)
        return TP_HP_MALFORMED;
    h->minor = l->p[plen] - '0';
    h->status = status;
    p += 3;
    n -= 3;
    if (n > 0) { /* skip the single SP */
        p++;
        n--;
    }
    /* The peer's own reason text is dropped unread: a hostile proxy echoes the
     * Proxy-Authorization line there (issue 15), and nothing in a verdict needs it. */
    (void)p;
    (void)n;
    h->reason = tp_strdup(tp_http_reason_phrase(status));
    return h->reason ? TP_HP_DONE : TP_HP_NOMEM;
}

const char *tp_http_reason_phrase(int status)
{
    static const struct {
        int status;
        const char *phrase;
    } phrases[] = {
        {100, "Continue"}, {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"},
        {202, "Accepted"}, {203, "Non-Authoritative Information"}, {204, "No Content"},
        {205, "Reset Content"}, {206, "Partial Content"}, {300, "Multiple Choices"},
        {301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"}, {304, "Not Modified"},
        {305, "Use Proxy"}, {307, "Temporary Redirect"}, {308, "Permanent Redirect"},
        {400, "Bad Request"}, {401, "Unauthorized"}, {402, "Payment Required"}, {403, "Forbidden"},
        {404, "Not Found"}, {405, "Method Not Allowed"}, {406, "Not Acceptable"},
        {407, "Proxy Authentication Required"}, {408, "Request Timeout"}, {409, "Conflict"},
        {410, "Gone"}, {411, "Length Required"}, {412, "Precondition Failed"},
        {413, "Content Too Large"}, {414, "URI Too Long"}, {415, "Unsupported Media Type"},
        {416, "Range Not Satisfiable"}, {417, "Expectation Failed"}, {421, "Misdirected Request"},
        {422, "Unprocessable Content"}, {426, "Upgrade Required"}, {428, "Precondition Required"},
        {429, "Too Many Requests"}, {431, "Request Header Fields Too Large"},
        {451, "Unavailable For Legal Reasons"}, {500, "Internal Server Error"},
        {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
        {504, "Gateway Timeout"}, {505, "HTTP Version Not Supported"},
        {511, "Network Authentication Required"},
    };
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++)
        if (phrases[i].status == status)
            return phrases[i].phrase;
    return "";
}

/* Content-Length: 1*DIGIT, or a list of identical values ("42, 42") which RFC 9110
 * lets a recipient collapse. Any disagreement, with this or an earlier header, is
 * malformed: two framings for one body is how responses get smuggled. */
static int parse_content_length(tp_http_head *h, const char *v, size_t n, bool *seen)
{
    size_t i = 0;
    while (i <= n) {
        long long val = 0;
        size_t digits = 0;
        while (i < n && is_ows((unsigned char)v[i]))
            i++;
        while (i < n && is_digit((unsigned char)v[i])) {
            val = val * 10 + (v[i] - '0');
            if (val > HP_LENGTH_MAX)
                return TP_HP_MALFORMED;
            digits++;
            i++;
        }
        while (i < n && is_ows((unsigned char)v[i]))
            i++;
        if (digits == 0 || (i < n && v[i] != ','))
            return TP_HP_MALFORMED;
        if (*seen && h->content_length != val)
            return TP_HP_MALFORMED;
        h->content_length = val;
        *seen = true;
        i++; /* past ',' (or past the end, which ends the loop) */
    }
    return TP_HP_DONE;
}

/* Calls fn on each comma-separated element (trimmed, empty ones skipped), with commas
 * inside quoted strings left alone. */
typedef int (*hp_elem_fn)(tp_http_head *h, const char *e, size_t n);

static int for_each_element(tp_http_head *h, const char *v, size_t n, hp_elem_fn fn)
{
    size_t i, start = 0;
    bool quoted = false;
    int rc = TP_HP_DONE;
    for (i = 0; i <= n && rc == TP_HP_DONE; i++) {
        if (i < n && quoted && v[i] == '\\' && i + 1 < n) {
            i++;
            continue;
        }
        if (i < n && v[i] == '"')
            quoted = !quoted;
        if (i == n || (!quoted && v[i] == ',')) {
            size_t en = i - start;
            const char *e = trim_ows(v + start, &en);
            if (en > 0)
                rc = fn(h, e, en);
            start = i + 1;
        }
    }
    return rc;
}

/* Transfer-Encoding: only the last coding decides whether the body is chunked. */
static int te_element(tp_http_head *h, const char *e, size_t n)
{
    size_t tl = 0;
    while (tl < n && is_tchar((unsigned char)e[tl]))
        tl++;
    h->chunked = span_ieq(e, tl, "chunked");
    return TP_HP_DONE;
}

static int connection_element(tp_http_head *h, const char *e, size_t n)
{
    if (span_ieq(e, n, "close"))
        h->conn_close = true;
    return TP_HP_DONE;
}

/* Proxy-Authenticate: challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]. A
 * comma splits both challenges and auth-params; an element whose leading token is
 * followed by '=' is an auth-param ("realm=x") and belongs to the previous scheme. */
static int challenge_element(tp_http_head *h, const char *e, size_t n)
{
    size_t tl = 0, i;
    int rc = TP_HP_DONE;
    while (tl < n && is_tchar((unsigned char)e[tl]))
        tl++;
    if (tl == 0)
        return TP_HP_DONE; /* junk element: ignored, not fatal */
    i = tl;
    while (i < n && is_ows((unsigned char)e[i]))
        i++;
    if (i < n && e[i] == '=')
        return TP_HP_DONE;
    /* Only registered scheme names are kept, in their registered spelling, and anything
     * else is "other": the proxy's bytes never reach a report, so a hostile proxy cannot
     * smuggle the Proxy-Authorization token back in as a "scheme" (issue 15). */
    static const char *const known[] = {"Basic", "Bearer", "Digest", "HOBA", "Mutual", "Negotiate",
                                        "NTLM", "Kerberos", "OAuth", "SCRAM-SHA-1", "SCRAM-SHA-256",
                                        "vapid", "PrivateToken", "Concealed", "DPoP", "GSSAPI"};
    const char *scheme = "other";
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (span_ieq(e, tl, known[k]))
            scheme = known[k];
    if (!tp_strlist_has_ci(&h->proxy_authenticate, scheme) &&
        tp_strlist_add(&h->proxy_authenticate, scheme) != 0)
        rc = TP_HP_NOMEM;
    return rc;
}

/* "Name: value" — the name is 1*tchar directly followed by ':' (whitespace before the
 * colon is rejected, RFC 9112 §5.1); obs-fold continuation lines are malformed. */
static int parse_header_line(tp_http_head *h, const hp_line *l, bool *cl_seen, bool *te_seen)
{
    size_t nl = 0, vn;
    const char *v;
    if (l->n > 0 && is_ows((unsigned char)l->p[0]))
        return TP_HP_MALFORMED; /* obs-fold */
    while (nl < l->n && is_tchar((unsigned char)l->p[nl]))
        nl++;
    if (nl == 0 || nl >= l->n || l->p[nl] != ':')
        return TP_HP_MALFORMED;
    vn = l->n - nl - 1;
    v = trim_ows(l->p + nl + 1, &vn);

    if (span_ieq(l->p, nl, "Content-Length"))
        return parse_content_length(h, v, vn, cl_seen);
    if (span_ieq(l->p, nl, "Transfer-Encoding")) {
        *te_seen = true;
        return for_each_element(h, v, vn, te_element);
    }
    if (span_ieq(l->p, nl, "Connection"))
        return for_each_element(h, v, vn, connection_element);
    if (span_ieq(l->p, nl, "Proxy-Authenticate")) {
        h->proxy_generated = true;
        return for_each_element(h, v, vn, challenge_element);
    }
    /* headers only a proxy puts on an answer it generated (its own error page) */
    if (span_ieq(l->p, nl, "Proxy-Status") || span_ieq(l->p, nl, "X-Squid-Error"))
        h->proxy_generated = true;
    if (span_ieq(l->p, nl, "Location") && !h->location) {
        h->location = sanitized_copy(v, vn, HP_LOCATION_MAX);
        return h->location ? TP_HP_DONE : TP_HP_NOMEM;
    }
    return TP_HP_DONE;
}

/* Parses the complete head in h->buf (which ends with the blank line). */
static int head_parse(tp_http_head *h)
{
    const char *buf = (const char *)h->buf;
    size_t pos = 0;
    hp_line l;
    bool cl_seen = false, te_seen = false;
    int rc = next_line(buf, h->len, &pos, &l);
    if (rc == TP_HP_DONE)
        rc = parse_status_line(h, &l);
    while (rc == TP_HP_DONE) {
        rc = next_line(buf, h->len, &pos, &l);
        if (rc != TP_HP_DONE || l.n == 0)
            break;
        rc = parse_header_line(h, &l, &cl_seen, &te_seen);
    }
    /* Transfer-Encoding overrides Content-Length (RFC 9112 §6.3): the length is
     * meaningless then, and reporting it would invite a second framing. */
    if (rc == TP_HP_DONE && te_seen)
        h->content_length = -1;
    return rc;
}

/* After a failure no half-parsed fact may be mistaken for a result: a 407 status
 * read before a malformed header line is not an answer. */
static void head_clear_facts(tp_http_head *h)
{
    free(h->reason);
    free(h->location);
    tp_strlist_free(&h->proxy_authenticate);
    h->reason = h->location = NULL;
    h->status = h->minor = 0;
    h->content_length = -1;
    h->chunked = h->conn_close = false;
}

int tp_http_head_feed(tp_http_head *h, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t i = 0;
    int rc = TP_HP_MORE;
    if (h->state != HS_READING) {
        *consumed = 0;
        return h->state == HS_DONE ? TP_HP_DONE : h->state;
    }
    while (i < len && rc == TP_HP_MORE) {
        uint8_t c = data[i];
        rc = head_reserve(h);
        if (rc != TP_HP_DONE)
            break;
        rc = TP_HP_MORE;
        h->buf[h->len++] = c;
        i++;
        if (!head_byte_plausible(h, c))
            rc = TP_HP_MALFORMED;
        else if (c == '\n' && head_at_blank_line(h))
            rc = head_parse(h);
    }
    *consumed = i;
    if (rc == TP_HP_MORE)
        return rc;
    h->state = rc == TP_HP_DONE ? HS_DONE : rc;
    if (rc != TP_HP_DONE)
        head_clear_facts(h);
    /* The raw head is no longer needed: every fact is extracted. */
    free(h->buf);
    h->buf = NULL;
    h->len = h->cap = 0;
    return rc;
}

void tp_http_head_free(tp_http_head *h)
{
    if (!h)
        return;
    free(h->buf);
    free(h->reason);
    free(h->location);
    tp_strlist_free(&h->proxy_authenticate);
    h->buf = NULL;
    h->reason = h->location = NULL;
    h->len = h->cap = 0;
}

/* ---------- body ---------- */

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

/* Capacity of the kept buffer when it holds len bytes: a power of two from 1 KiB up,
 * clamped to max_body. Derived, not stored, so growth stays geometric and bounded
 * without another field in the public struct. */
static size_t body_cap_for(const tp_http_body *b, size_t len)
{
    size_t cap = 1024;
    if (len == 0)
        return 0;
    while (cap < len && cap <= b->max_body / 2)
        cap *= 2;
    return cap < len || cap > b->max_body ? b->max_body : cap;
}

/* Accounts n decoded bytes, storing them when keep. The buffer grows geometrically but
 * never beyond max_body; a body above max_body is TP_HP_TOO_LARGE either way, so a
 * peer that streams forever is cut off. */
static int body_take(tp_http_body *b, const uint8_t *p, size_t n)
{
    size_t need, cap;
    if (n > b->max_body || b->len > b->max_body - n)
        return TP_HP_TOO_LARGE;
    if (n == 0)
        return TP_HP_MORE;
    need = b->len + n;
    if (b->keep) {
        cap = body_cap_for(b, need);
        if (cap != body_cap_for(b, b->len) || !b->data) {
            uint8_t *nd = realloc(b->data, cap);
            if (!nd)
                return TP_HP_NOMEM;
            b->data = nd;
        }
        memcpy(b->data + b->len, p, n);
    }
    b->len = need;
    return TP_HP_MORE;
}

static int hex_value(int c)
{
    if (is_digit(c))
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Chunk framing, one byte (or one run of data) at a time. b->chunk_left counts data
 * still due in this chunk; b->line[0] marks "at least one size digit seen";
 * b->line[1..] is unused. *skipped bounds the extension/trailer bytes ignored. */
static int chunked_step(tp_http_body *b, const uint8_t *data, size_t len, size_t *i,
                        size_t *skipped)
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
            b->line[0] = 1;
            break;
        }
        if (!b->line[0])
            return TP_HP_MALFORMED;
        if (is_ows(c))
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
        else if (!is_ows(c))
            return TP_HP_MALFORMED;
        if (++*skipped > HP_CHUNK_EXT_MAX)
            return TP_HP_MALFORMED;
        break;
    case BS_CH_EXT:
        if (c == '\r')
            b->state = BS_CH_SIZE_LF;
        else if (c == '\n')
            goto size_line_done;
        else if (++*skipped > HP_CHUNK_EXT_MAX)
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
            if (++*skipped > HP_TRAILER_MAX)
                return TP_HP_TOO_LARGE;
        }
        break;
    case BS_CH_TRAILER_LINE:
        if (c == '\n')
            b->state = BS_CH_TRAILER;
        else if (++*skipped > HP_TRAILER_MAX)
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
    *skipped = 0;
    b->line[0] = 0;
    b->state = b->chunk_left == 0 ? BS_CH_TRAILER : BS_CH_DATA;
    return TP_HP_MORE;

next_chunk:
    (*i)++;
    *skipped = 0;
    b->state = BS_CH_SIZE;
    return TP_HP_MORE;
}

/* b->line_len counts the chunk-extension / trailer bytes skipped so far. */
static int body_feed_chunked(tp_http_body *b, const uint8_t *data, size_t len, size_t *consumed)
{
    size_t i = 0;
    int rc = TP_HP_MORE;
    while (i < len && rc == TP_HP_MORE)
        rc = chunked_step(b, data, len, &i, &b->line_len);
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

void tp_http_body_free(tp_http_body *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

/* ---------- request builders ---------- */

/* A host, path or credential taken from a catalog or config must not be able to add a
 * line to the request: any control character, space or DEL is refused. */
static bool safe_field(const char *s, bool allow_space)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space))
            return false;
    }
    return true;
}

static bool valid_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (!is_tchar((unsigned char)*s))
            return false;
    }
    return true;
}

static bool valid_host(const char *host)
{
    return host && *host && strlen(host) <= 1024 && safe_field(host, false) &&
           !strpbrk(host, "/?#@");
}

/* "host" or "[v6]" — an IPv6 literal needs brackets to be followed by ":port". */
static char *authority_host(const char *host)
{
    if (strchr(host, ':') && host[0] != '[')
        return tp_asprintf("[%s]", host);
    return tp_strdup(host);
}

/* "Proxy-Authorization: Basic <b64(user:pass)>\r\n", or "" without a user. The
 * cleartext is wiped before its memory is released. NULL on failure. */
static char *proxy_auth_line(const char *user, const char *pass)
{
    char *plain = NULL, *line = NULL;
    unsigned char *b64 = NULL;
    size_t plen, blen = 0;
    if (!user)
        return tp_strdup("");
    if (!pass)
        pass = "";
    /* RFC 7617: the user-id cannot contain ':'; neither may hold control characters. */
    if (strchr(user, ':') || !safe_field(user, true) || !safe_field(pass, true))
        goto done;
    plain = tp_secret_printf("%s:%s", user, pass);
    if (!plain)
        goto done;
    plen = strlen(plain);
    mbedtls_base64_encode(NULL, 0, &blen, (const unsigned char *)plain, plen);
    b64 = malloc(blen + 1);
    if (!b64 || mbedtls_base64_encode(b64, blen + 1, &blen, (const unsigned char *)plain, plen) != 0)
        goto done;
    b64[blen] = '\0';
    line = tp_asprintf("Proxy-Authorization: Basic %s\r\n", (const char *)b64);
done:
    tp_secret_free(plain);
    tp_secret_free_n(b64, blen + 1);
    return line;
}

static void free_secret(char *s)
{
    tp_secret_free(s);
}

char *tp_http_connect_request(const char *host, int port, const char *user, const char *pass)
{
    char *h = NULL, *auth = NULL, *req = NULL;
    if (!valid_host(host) || port < 1 || port > 65535)
        goto done;
    h = authority_host(host);
    auth = proxy_auth_line(user, pass);
    if (!h || !auth)
        goto done;
    req = tp_asprintf("CONNECT %s:%d HTTP/1.1\r\n"
                      "Host: %s:%d\r\n"
                      "User-Agent: tlspath/" TLSPATH_VERSION "\r\n"
                      "%s"
                      "\r\n",
                      h, port, h, port, auth);
done:
    free(h);
    free_secret(auth);
    return req;
}

static bool default_port(const char *scheme, int port)
{
    return (port == 80 && strcmp(scheme, "http") == 0) ||
           (port == 443 && strcmp(scheme, "https") == 0);
}

char *tp_http_request(const char *method, const char *scheme, const char *host, int port,
                      const char *path, bool absolute, const char *user, const char *pass)
{
    char *h = NULL, *hostport = NULL, *target = NULL, *auth = NULL, *req = NULL;
    if (!path || !*path)
        path = "/";
    if (!scheme)
        scheme = "http";
    if (!valid_token(method) || !valid_token(scheme) || !valid_host(host) || port < 1 ||
        port > 65535 || path[0] != '/' || !safe_field(path, false))
        goto done;
    h = authority_host(host);
    if (!h)
        goto done;
    hostport = default_port(scheme, port) ? tp_strdup(h) : tp_asprintf("%s:%d", h, port);
    if (!hostport)
        goto done;
    target = absolute ? tp_asprintf("%s://%s%s", scheme, hostport, path) : tp_strdup(path);
    /* Proxy credentials are for the proxy: only an absolute-form request goes to one.
     * Sent in origin-form (inside a tunnel) they would leak to the origin server. */
    auth = absolute ? proxy_auth_line(user, pass) : tp_strdup("");
    if (!target || !auth)
        goto done;
    req = tp_asprintf("%s %s HTTP/1.1\r\n"
                      "Host: %s\r\n"
                      "User-Agent: tlspath/" TLSPATH_VERSION "\r\n"
                      "Accept: */*\r\n"
                      "Connection: close\r\n"
                      "%s"
                      "\r\n",
                      method, target, hostport, auth);
done:
    free(h);
    free(hostport);
    free(target);
    free_secret(auth);
    return req;
}
