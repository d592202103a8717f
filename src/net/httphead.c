/* httphead.c — the sans-I/O HTTP/1.x response head parser (see httpparse.h): framing the
 * head byte by byte into a bounded tp_buf (max_head), then the status line and the headers
 * that decide how the message is framed (Content-Length, Transfer-Encoding, Connection)
 * or that a verdict reads (Location; Proxy-Authenticate is handed to httpauth.c). Every
 * byte may come from a hostile proxy, an intercepting middlebox or a server that is not
 * HTTP at all (a TLS ServerHello on a plain port): nothing is trusted, every error has a
 * name, and nothing is read past the blank line. */
#include "net/httptok.h"

#include <stdlib.h>
#include <string.h>

#define HP_DEFAULT_MAX_HEAD (16u * 1024u)
#define HP_LOCATION_MAX 2048u
/* Largest accepted Content-Length: far above any real body, far below overflow of long
 * long arithmetic (httpbody.c bounds chunk sizes the same way). */
#define HP_LENGTH_MAX (1LL << 50)

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

/* ---------- framing ---------- */

enum { HS_READING = 0, HS_DONE = 1 }; /* negative states hold the TP_HP_* error */

static const char hp_prefix[] = "HTTP/1.";

void tp_http_head_init(tp_http_head *h, size_t max_head)
{
    memset(h, 0, sizeof(*h));
    h->max_head = max_head ? max_head : HP_DEFAULT_MAX_HEAD;
    h->content_length = -1;
    h->state = HS_READING;
    tp_buf_init(&h->raw, h->max_head, false);
}

/* True when the byte just appended (a '\n') ends an empty line: "\n\n" or "\n\r\n". */
static bool head_at_blank_line(const tp_http_head *h)
{
    const unsigned char *b = h->raw.data;
    size_t n = h->raw.len;
    if (n >= 2 && b[n - 2] == '\n')
        return true;
    return n >= 3 && b[n - 2] == '\r' && b[n - 3] == '\n';
}

/* Rejects what can never become an HTTP/1.x head as soon as it is seen, so a TLS
 * record or binary junk fails on its first byte instead of after max_head bytes. */
static bool head_byte_plausible(const tp_http_head *h, uint8_t c)
{
    size_t pos = h->raw.len - 1; /* c is already appended at pos */
    if (c == '\0')
        return false;
    if (pos < sizeof(hp_prefix) - 1)
        return c == (uint8_t)hp_prefix[pos];
    return true;
}

/* ---------- parsing the complete head ---------- */

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
    if (n < plen + 1 + 1 + 3 || memcmp(p, hp_prefix, plen) != 0 || !hp_is_digit((unsigned char)p[plen]))
        return TP_HP_MALFORMED;
    if (p[plen + 1] != ' ')
        return TP_HP_MALFORMED; /* "HTTP/1.10" or "HTTP/1.1\t200" */
    p += plen + 2;
    n -= plen + 2;
    if (!hp_is_digit((unsigned char)p[0]) || !hp_is_digit((unsigned char)p[1]) || !hp_is_digit((unsigned char)p[2]))
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
        while (i < n && hp_is_ows((unsigned char)v[i]))
            i++;
        while (i < n && hp_is_digit((unsigned char)v[i])) {
            val = val * 10 + (v[i] - '0');
            if (val > HP_LENGTH_MAX)
                return TP_HP_MALFORMED;
            digits++;
            i++;
        }
        while (i < n && hp_is_ows((unsigned char)v[i]))
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

int tpn_http_for_each_element(tp_http_head *h, const char *v, size_t n, tpn_http_elem_fn fn)
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
            const char *e = hp_trim_ows(v + start, &en);
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
    while (tl < n && hp_is_tchar((unsigned char)e[tl]))
        tl++;
    h->chunked = hp_span_ieq(e, tl, "chunked");
    return TP_HP_DONE;
}

static int connection_element(tp_http_head *h, const char *e, size_t n)
{
    if (hp_span_ieq(e, n, "close"))
        h->conn_close = true;
    return TP_HP_DONE;
}

/* "Name: value" — the name is 1*tchar directly followed by ':' (whitespace before the
 * colon is rejected, RFC 9112 §5.1); obs-fold continuation lines are malformed. */
static int parse_header_line(tp_http_head *h, const hp_line *l, bool *cl_seen, bool *te_seen)
{
    size_t nl = 0, vn;
    const char *v;
    if (l->n > 0 && hp_is_ows((unsigned char)l->p[0]))
        return TP_HP_MALFORMED; /* obs-fold */
    while (nl < l->n && hp_is_tchar((unsigned char)l->p[nl]))
        nl++;
    if (nl == 0 || nl >= l->n || l->p[nl] != ':')
        return TP_HP_MALFORMED;
    vn = l->n - nl - 1;
    v = hp_trim_ows(l->p + nl + 1, &vn);

    if (hp_span_ieq(l->p, nl, "Content-Length"))
        return parse_content_length(h, v, vn, cl_seen);
    if (hp_span_ieq(l->p, nl, "Transfer-Encoding")) {
        *te_seen = true;
        return tpn_http_for_each_element(h, v, vn, te_element);
    }
    if (hp_span_ieq(l->p, nl, "Connection"))
        return tpn_http_for_each_element(h, v, vn, connection_element);
    if (hp_span_ieq(l->p, nl, "Proxy-Authenticate")) {
        h->proxy_generated = true;
        return tpn_http_proxy_authenticate(h, v, vn);
    }
    /* headers only a proxy puts on an answer it generated (its own error page) */
    if (hp_span_ieq(l->p, nl, "Proxy-Status") || hp_span_ieq(l->p, nl, "X-Squid-Error"))
        h->proxy_generated = true;
    if (hp_span_ieq(l->p, nl, "Location") && !h->location) {
        h->location = sanitized_copy(v, vn, HP_LOCATION_MAX);
        return h->location ? TP_HP_DONE : TP_HP_NOMEM;
    }
    return TP_HP_DONE;
}

/* Parses the complete head in h->raw (which ends with the blank line). */
static int head_parse(tp_http_head *h)
{
    const char *buf = tp_buf_str(&h->raw);
    size_t pos = 0;
    hp_line l;
    bool cl_seen = false, te_seen = false;
    int rc = next_line(buf, h->raw.len, &pos, &l);
    if (rc == TP_HP_DONE)
        rc = parse_status_line(h, &l);
    while (rc == TP_HP_DONE) {
        rc = next_line(buf, h->raw.len, &pos, &l);
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
    h->chunked = h->conn_close = h->proxy_generated = false;
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
        int brc = tp_buf_append_byte(&h->raw, c);
        if (brc != TP_BUF_OK) {
            /* the byte that would pass max_head is not taken */
            rc = brc == TP_BUF_EBOUND ? TP_HP_TOO_LARGE : TP_HP_NOMEM;
            break;
        }
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
    tp_buf_free(&h->raw);
    return rc;
}

void tp_http_head_free(tp_http_head *h)
{
    if (!h)
        return;
    tp_buf_free(&h->raw);
    free(h->reason);
    free(h->location);
    tp_strlist_free(&h->proxy_authenticate);
    h->reason = h->location = NULL;
}
