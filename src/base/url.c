/* url.c — see url.h. One authority splitter and one port parser under every URL and
 * host:port form the program reads; the callers differ only in which hosts they accept
 * (a resolver must be an address, a catalog URL may name any host). */
#include "base/url.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/str.h"

#define HOST_MAX 253u
#define URL_MAX 8192u

int tp_port_parse(const char *s, size_t n)
{
    int v = 0;
    if (!s || n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535 ? v : -1;
}

bool tp_host_is_ip4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

bool tp_host_is_ip6(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET6, s, &a) == 1;
}

bool tp_host_is_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > HOST_MAX)
        return false;
    const char *label = s;
    bool last_numeric = true;
    for (size_t i = 0; i <= n; i++) {
        char ch = s[i];
        if (ch == '.' || ch == '\0') {
            size_t len = (size_t)(s + i - label);
            if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
                return false;
            last_numeric = true;
            for (size_t j = 0; j < len; j++)
                if (!(label[j] >= '0' && label[j] <= '9'))
                    last_numeric = false;
            label = s + i + 1;
        } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '-')) {
            return false;
        }
    }
    return !last_numeric;
}

static bool url_host_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_';
}

bool tp_host_is_url_host(const char *h, size_t n)
{
    size_t label = 0;
    if (n == 0 || n > HOST_MAX || h[0] == '.' || h[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!url_host_char((unsigned char)h[i]))
            return false;
        if (h[i] == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (++label > 63) {
            return false;
        }
    }
    return true;
}

bool tp_host_is_v6_text(const char *h, size_t n)
{
    size_t colons = 0;
    if (n < 2 || n > 45)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        if (c == ':')
            colons++;
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                   c == '.'))
            return false;
    }
    return colons >= 2;
}

int tp_authority_split(const char *s, size_t n, unsigned flags, tp_authority *a)
{
    memset(a, 0, sizeof *a);
    a->port = -1;
    if (!s)
        return -1;
    const char *end = s + n, *colon = NULL;
    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (!rb)
            return -1;
        a->host = s + 1;
        a->host_len = (size_t)(rb - s - 1);
        a->bracketed = true;
        if (rb + 1 < end) {
            if (rb[1] != ':')
                return -1;
            colon = rb + 1;
        }
    } else {
        colon = memchr(s, ':', n);
        a->host = s;
        if (colon && (flags & TP_AUTH_BARE_V6) && memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
            a->host_len = n; /* more than one ':' and no brackets: a bare IPv6 address */
            a->bare_v6 = true;
            return 0;
        }
        a->host_len = colon ? (size_t)(colon - s) : n;
    }
    if (colon && (a->port = tp_port_parse(colon + 1, (size_t)(end - colon - 1))) < 0)
        return -1;
    return 0;
}

int tp_parse_hostport(const char *s, int default_port, char **host, int *port)
{
    tp_authority a;
    if (!s || !*s || !host || !port || tp_authority_split(s, strlen(s), TP_AUTH_BARE_V6, &a) != 0)
        return -1;
    if (a.host_len == 0 || a.host_len > HOST_MAX)
        return -1;
    if (a.port < 0 && (default_port < 1 || default_port > 65535))
        return -1;
    char *hs = tp_strndup(a.host, a.host_len);
    if (!hs)
        return -1;
    bool v6 = a.bracketed || a.bare_v6;
    if (!(v6 ? tp_host_is_ip6(hs) : (tp_host_is_ip4(hs) || tp_host_is_name(hs)))) {
        free(hs);
        return -1;
    }
    *host = hs;
    *port = a.port > 0 ? a.port : default_port;
    return 0;
}

static void ascii_lower(char *s)
{
    for (; s && *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

/* An IPv6 literal is returned without brackets ("::1"): that is what the resolver and
 * connect() take; whoever writes a Host header adds them back. */
int tp_url_parse(const char *url, char **scheme, char **host, int *port, char **path)
{
    char *s = NULL, *hs = NULL, *ps = NULL;
    const char *auth;
    int prt;
    tp_authority a;

    if (!url || !scheme || !host || !port || !path)
        return -1;
    size_t ulen = strnlen(url, URL_MAX + 1);
    if (ulen == 0 || ulen > URL_MAX)
        return -1;
    for (size_t i = 0; i < ulen; i++) /* a catalog URL is already encoded: no spaces */
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return -1;
    if (strncasecmp(url, "https://", 8) == 0) {
        auth = url + 8;
        prt = 443;
        s = tp_strdup("https");
    } else if (strncasecmp(url, "http://", 7) == 0) {
        auth = url + 7;
        prt = 80;
        s = tp_strdup("http");
    } else {
        return -1;
    }
    if (!s)
        goto fail;
    size_t alen = strcspn(auth, "/?#");
    if (memchr(auth, '@', alen))
        goto fail; /* credentials have no place here */
    if (tp_authority_split(auth, alen, 0, &a) != 0)
        goto fail;
    if (a.bracketed ? !tp_host_is_v6_text(a.host, a.host_len) : !tp_host_is_url_host(a.host, a.host_len))
        goto fail;
    if (a.port > 0)
        prt = a.port;
    if (!(hs = tp_strndup(a.host, a.host_len)))
        goto fail;
    ascii_lower(hs);
    /* path + query; a fragment never goes on the wire */
    const char *p = auth + alen;
    size_t plen = strcspn(p, "#");
    ps = (plen == 0 || *p == '?') ? tp_asprintf("/%.*s", (int)plen, p) : tp_strndup(p, plen);
    if (!ps)
        goto fail;
    *scheme = s;
    *host = hs;
    *port = prt;
    *path = ps;
    return 0;
fail:
    free(s);
    free(hs);
    free(ps);
    return -1;
}

tp_secret *tp_pct_decode(const char *s, size_t len)
{
    char *d = malloc(len + 1);
    size_t o = 0;
    if (!d)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%') {
            unsigned v = 0;
            for (size_t k = 1; k <= 2; k++) {
                char h = i + k < len ? s[i + k] : '\0';
                unsigned dig = (h >= '0' && h <= '9')   ? (unsigned)(h - '0')
                               : (h >= 'a' && h <= 'f') ? (unsigned)(h - 'a' + 10)
                               : (h >= 'A' && h <= 'F') ? (unsigned)(h - 'A' + 10)
                                                        : 16u;
                if (dig == 16u)
                    goto fail;
                v = v * 16 + dig;
            }
            ch = (unsigned char)v;
            i += 2;
        }
        if (ch < 0x20 || ch == 0x7f)
            goto fail;
        d[o++] = (char)ch;
    }
    d[o] = '\0';
    return d;
fail:
    tp_secret_free_n(d, len + 1); /* never leave decoded secret bytes behind */
    return NULL;
}

void tp_proxy_url_free(tp_proxy_url *u)
{
    free(u->host);
    free(u->user);
    tp_secret_free(u->pass);
    memset(u, 0, sizeof *u);
}

int tp_proxy_url_parse(const char *s, tp_proxy_url *u, const char **expected)
{
    const char *rest = s;
    char *buf = NULL;
    size_t len = 0;
    int rc = -1;

    memset(u, 0, sizeof *u);
    *expected = "host:port or http://[user[:password]@]host:port";
    if (strncasecmp(s, "http://", 7) == 0) {
        rest = s + 7;
    } else if (strstr(s, "://")) {
        *expected = "an http:// proxy URL (only plain HTTP CONNECT proxies are supported)";
        goto done;
    } else if (strchr(s, '@')) {
        *expected = "credentials only in an http://user:password@host:port URL";
        goto done;
    }
    len = strlen(rest);
    if (len && rest[len - 1] == '/')
        len--; /* "http://proxy:3128/" is how many tools print a proxy */
    if (!(buf = tp_secret_ndup(rest, len)))
        goto done;

    char *hostport = buf;
    char *at = strrchr(buf, '@');
    if (at) {
        *at = '\0';
        hostport = at + 1;
        char *colon = strchr(buf, ':');
        size_t ulen = colon ? (size_t)(colon - buf) : strlen(buf);
        *expected = "a user name (percent-encoded, without ':' or control characters) before '@'";
        if (ulen == 0 || !(u->user = tp_pct_decode(buf, ulen)) || strchr(u->user, ':'))
            goto done;
        if (colon) {
            *expected = "a percent-encoded password without control characters";
            if (!(u->pass = tp_pct_decode(colon + 1, strlen(colon + 1))))
                goto done;
        }
    }
    *expected = "host:port";
    if (strpbrk(hostport, "/?#") || tp_parse_hostport(hostport, 0, &u->host, &u->port) != 0)
        goto done;
    rc = 0;
done:
    tp_secret_free_n(buf, len + 1);
    if (rc != 0)
        tp_proxy_url_free(u);
    return rc;
}

bool tp_url_redact_userinfo(const char *url, char *out, size_t outlen)
{
    const char *sep = strstr(url, "://"), *auth, *at = NULL, *p;
    auth = sep && (size_t)(sep - url) < strcspn(url, "/?#") ? sep + 3 : url;
    for (p = auth; *p && !strchr("/?#", *p); p++)
        if (*p == '@')
            at = p;
    if (!at)
        return false;
    snprintf(out, outlen, "%.*s***%s", (int)(auth - url), url, at);
    return true;
}

bool tp_url_redact_proxy(const char *s, char *out, size_t outlen)
{
    const char *at = strrchr(s, '@');
    if (!at) {
        snprintf(out, outlen, "%s", s);
        return false;
    }
    const char *scheme = strstr(s, "://");
    const char *start = (scheme && scheme < at) ? scheme + 3 : s;
    /* an "ID=" prefix of a --path spec is not user-info: keep it */
    const char *eq = strchr(s, '=');
    if (!scheme && eq && eq < at && !memchr(s, ':', (size_t)(eq - s)))
        start = eq + 1;
    snprintf(out, outlen, "%.*s***%s", (int)(start - s), s, at);
    return true;
}
