/* url_entry.h — body of fuzz_url: the one URL / authority parser (base/url.h) on hostile
 * text. The input is cut at its first NUL (every caller hands the parser a C string).
 * Invariants: an accepted URL or host:port has a port in 1..65535 and a non-empty,
 * host without upper case or control bytes; a proxy URL with user-info is redacted up
 * to its last '@'; the authority splitter never points outside its input. */
#ifndef TP_FUZZ_URL_ENTRY_H
#define TP_FUZZ_URL_ENTRY_H
#include <stdlib.h>
#include <string.h>

#include "base/url.h"
#include "fuzz_common.h"

static void fuzz_url_one(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s);

    tp_authority a;
    if (tp_authority_split(s, n, TP_AUTH_BARE_V6, &a) == 0) {
        fz_check(a.host >= s && a.host + a.host_len <= s + n);
        fz_check(a.port == -1 || (a.port >= 1 && a.port <= 65535));
    }
    char *scheme, *host, *path;
    int port;
    if (tp_url_parse(s, &scheme, &host, &port, &path) == 0) {
        fz_check(port >= 1 && port <= 65535 && host[0] != '\0' && path[0] == '/');
        for (const char *c = host; *c; c++)
            fz_check(!(*c >= 'A' && *c <= 'Z') && (unsigned char)*c > 0x20);
        free(scheme), free(host), free(path);
    }
    if (tp_parse_hostport(s, 53, &host, &port) == 0) {
        fz_check(port >= 1 && port <= 65535 && host[0] != '\0');
        free(host);
    }
    tp_proxy_url u;
    const char *exp;
    if (tp_proxy_url_parse(s, &u, &exp) == 0) {
        fz_check(u.port >= 1 && u.port <= 65535);
        char red[4096];
        /* user-info present: the redacted form replaces all of it, up to the last '@' */
        if (u.user) {
            fz_check(tp_url_redact_proxy(s, red, sizeof red));
            fz_check(strncmp(red + 7, "***@", 4) == 0 && strchr(red + 11, '@') == NULL);
        }
        tp_proxy_url_free(&u);
    } else {
        fz_check(exp != NULL && exp[0] != '\0');
    }
    free(s);
}
#endif
