/* url.h — the one parser of URLs and authorities (host, host:port, [v6]:port,
 * user:password@) and the one port parser, shared by catalog URLs, CSV import, config
 * proxies and resolvers, --path specs and CRL fetch URLs.
 *
 * Every function reads hostile text: lengths are bounded, nothing is read past the
 * terminating NUL, and a failure frees whatever was half-built. */
#ifndef TLSPATH_BASE_URL_H
#define TLSPATH_BASE_URL_H
#include <stdbool.h>
#include <stddef.h>

#include "base/secret.h"

/* The port parser: 1 to 5 ASCII digits, value 1..65535 (no sign, no spaces, no
 * leading "+"). Returns the port, or -1. */
int tp_port_parse(const char *s, size_t n);

/* Host checks. tp_host_is_name: a DNS name of letters, digits and '-' whose last label
 * is not all digits (so "10.0.0.256" is a bad address, not a name). tp_host_is_url_host:
 * what a catalog URL may carry (also '_' and numeric labels; no empty label).
 * tp_host_is_v6_text: hex digits, ':' and '.', at least two ':' (a cheap check; use
 * tp_host_is_ip6 to know it is an address). */
bool tp_host_is_ip4(const char *s);
bool tp_host_is_ip6(const char *s);
bool tp_host_is_name(const char *s);
bool tp_host_is_url_host(const char *h, size_t n);
bool tp_host_is_v6_text(const char *h, size_t n);

/* An authority split into its parts, pointing into the input. */
typedef struct tp_authority {
    const char *host;   /* without brackets */
    size_t host_len;
    bool bracketed;     /* was "[...]" */
    bool bare_v6;       /* several ':' and no brackets: the whole text is the host */
    int port;           /* -1 when none is given */
} tp_authority;

#define TP_AUTH_BARE_V6 1u /* accept "::1" without brackets (then no port) */

/* Splits "host", "host:port", "[v6]", "[v6]:port" (and with TP_AUTH_BARE_V6 a bare
 * IPv6 literal) of exactly n bytes. No user-info here: the caller strips it. Returns 0,
 * or -1 for a missing ']', text after ']' other than ":port", or a bad port. The host is
 * not validated (it may be empty). */
int tp_authority_split(const char *s, size_t n, unsigned flags, tp_authority *a);

/* "ip", "ip:port", "[v6]:port", a bare IPv6 address, "name" or "name:port" (strict
 * tp_host_is_name). default_port applies when none is given (and must then be 1..65535).
 * *host is malloc'ed, without brackets. Returns 0 or -1. */
int tp_parse_hostport(const char *s, int default_port, char **host, int *port);

/* Splits an http(s) URL into parts (each malloc'ed; host lower-cased and without
 * brackets; port defaulted from the scheme; path at least "/", with the query and
 * without the fragment). Printable ASCII only, no user-info. Returns 0 or -1. */
int tp_url_parse(const char *url, char **scheme, char **host, int *port, char **path);

/* A proxy location: "host:port", "http://host:port[/]" or
 * "http://user[:pass]@host:port[/]" (user and password percent-decoded; a password may
 * also hold an unencoded '/' or '@': the user-info ends at the last '@'). */
typedef struct tp_proxy_url {
    char *host;
    int port;
    char *user;        /* NULL when the URL has no user-info */
    tp_secret *pass;   /* NULL when the user-info has no ':' */
} tp_proxy_url;

/* Returns 0, or -1 with *expected saying what the text should have been (a phrase for
 * "expected %s"). Nothing of the password is kept on failure. */
int tp_proxy_url_parse(const char *s, tp_proxy_url *u, const char **expected);
void tp_proxy_url_free(tp_proxy_url *u);

/* Decodes %XX escapes into a secret (user-info). NULL when an escape is malformed, a
 * byte decodes to a control character, or memory runs out. */
tp_secret *tp_pct_decode(const char *s, size_t n);

/* Copies a URL for a message with its user-info replaced by "***": returns true when
 * there was some. tp_url_redact_userinfo follows RFC 3986 (the authority ends at the
 * first '/', '?' or '#'; catalog and CSV URLs). tp_url_redact_proxy is the cautious form
 * for proxy URLs and --path specs, whose passwords may hold an unencoded '/': everything
 * up to the last '@' goes (an "ID=" prefix of a spec is kept). */
bool tp_url_redact_userinfo(const char *url, char *out, size_t outlen);
bool tp_url_redact_proxy(const char *s, char *out, size_t outlen);
#endif
