/* httpbuild.c — the requests tlspath sends (see httpparse.h): CONNECT to a proxy, and GET or
 * HEAD in origin-form (to the origin, inside a tunnel or direct) or absolute-form (a
 * plain-HTTP URL through a proxy). Every field comes from a catalog, a config or the
 * environment: none may add a line to the request, and proxy credentials go only where
 * a proxy reads them. */
#include "net/httptok.h"

#include <stdlib.h>
#include <string.h>

#include "base/secret.h"

#ifndef TLSPATH_VERSION
#define TLSPATH_VERSION "0.0.0"
#endif

/* A host or path taken from a catalog or config must not be able to add a line to the
 * request: any control character, space or DEL is refused. */
static bool safe_field(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || c == ' ')
            return false;
    }
    return true;
}

static bool valid_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        if (!hp_is_tchar((unsigned char)*s))
            return false;
    }
    return true;
}

static bool valid_host(const char *host)
{
    return host && *host && strlen(host) <= 1024 && safe_field(host) && !strpbrk(host, "/?#@");
}

/* "host" or "[v6]" — an IPv6 literal needs brackets to be followed by ":port". */
static char *authority_host(const char *host)
{
    if (strchr(host, ':') && host[0] != '[')
        return tp_asprintf("[%s]", host);
    return tp_strdup(host);
}

char *tp_http_connect_request(const char *host, int port, const char *user, const char *pass)
{
    char *h = NULL, *auth = NULL, *req = NULL;
    if (!valid_host(host) || port < 1 || port > 65535)
        goto done;
    h = authority_host(host);
    auth = tpn_http_proxy_auth_line(user, pass);
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
    tp_secret_free(auth);
    return req;
}

static bool default_port(const char *scheme, int port)
{
    return (port == 80 && strcmp(scheme, "http") == 0) || (port == 443 && strcmp(scheme, "https") == 0);
}

char *tp_http_request(const char *method, const char *scheme, const char *host, int port, const char *path,
                      bool absolute, const char *user, const char *pass)
{
    char *h = NULL, *hostport = NULL, *target = NULL, *auth = NULL, *req = NULL;
    if (!path || !*path)
        path = "/";
    if (!scheme)
        scheme = "http";
    if (!valid_token(method) || !valid_token(scheme) || !valid_host(host) || port < 1 || port > 65535 ||
        path[0] != '/' || !safe_field(path))
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
    auth = absolute ? tpn_http_proxy_auth_line(user, pass) : tp_strdup("");
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
    tp_secret_free(auth);
    return req;
}
