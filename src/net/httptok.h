/* httptok.h — internal to the HTTP/1.x modules of net/ (httphead.c, httpauth.c,
 * httpbody.c, httpbuild.c): the RFC 9110 character classes and the small text helpers they
 * share, and the two entry points one module offers another. Not a public header: the
 * contract is net/httpparse.h.
 *
 *   httphead.c  a response head: framing over a bounded tp_buf, status line, the headers
 *               that decide framing (Content-Length, Transfer-Encoding, Connection), Location
 *   httpauth.c  proxy authentication both ways: the Proxy-Authenticate challenges of a 407,
 *               and the Basic Proxy-Authorization line we send (built and wiped as a secret)
 *   httpbody.c  a response body: Content-Length, chunked or close-delimited, kept in a
 *               bounded tp_buf or only counted
 *   httpbuild.c the requests: CONNECT, and GET/HEAD in origin- or absolute-form */
#ifndef TLSPATH_NET_HTTPTOK_H
#define TLSPATH_NET_HTTPTOK_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "net/httpparse.h"

static inline bool hp_is_digit(int c) { return c >= '0' && c <= '9'; }

/* RFC 9110 tchar: the characters of a token (header names, auth-schemes). */
static inline bool hp_is_tchar(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || hp_is_digit(c))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static inline bool hp_is_ows(int c) { return c == ' ' || c == '\t'; }

static inline int hp_lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Case-insensitive compare of a counted string with a NUL-terminated literal. */
static inline bool hp_span_ieq(const char *s, size_t n, const char *lit)
{
    for (size_t i = 0; i < n; i++)
        if (lit[i] == '\0' || hp_lower((unsigned char)s[i]) != hp_lower((unsigned char)lit[i]))
            return false;
    return lit[n] == '\0';
}

/* Trims optional whitespace at both ends of s[0..*n); returns the new start. */
static inline const char *hp_trim_ows(const char *s, size_t *n)
{
    while (*n > 0 && hp_is_ows((unsigned char)s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && hp_is_ows((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

/* Calls fn on each comma-separated element of a header value (trimmed, empty ones
 * skipped), with commas inside quoted strings left alone; stops at the first error.
 * Returns TP_HP_DONE or fn's error. (httphead.c) */
typedef int (*tpn_http_elem_fn)(tp_http_head *h, const char *e, size_t n);
int tpn_http_for_each_element(tp_http_head *h, const char *v, size_t n, tpn_http_elem_fn fn);

/* One Proxy-Authenticate header value: each challenge's scheme is added (once, any case)
 * to h->proxy_authenticate. Returns TP_HP_DONE or TP_HP_NOMEM. (httpauth.c) */
int tpn_http_proxy_authenticate(tp_http_head *h, const char *v, size_t n);

/* "Proxy-Authorization: Basic <b64(user:pass)>\r\n", or "" without a user; a secret
 * (tp_secret_free). NULL for a user-id with ':' or a control character in either, or out
 * of memory. (httpauth.c) */
char *tpn_http_proxy_auth_line(const char *user, const char *pass);
#endif
