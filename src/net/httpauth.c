/* httpauth.c — proxy authentication, both directions (see httptok.h): which schemes a
 * proxy's 407 offers (Proxy-Authenticate, parsed from hostile bytes: the verdict names
 * them, e.g. "the proxy wants NTLM or Negotiate", from a fixed set of registered names so
 * no byte of the proxy's reaches a report), and the Basic Proxy-Authorization line
 * tlspath sends (built from the path's credentials as a secret and wiped after use). */
#include "net/httptok.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "base/secret.h"

/* Proxy-Authenticate: challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]. A
 * comma splits both challenges and auth-params; an element whose leading token is
 * followed by '=' is an auth-param ("realm=x") and belongs to the previous scheme. */
static int challenge_element(tp_http_head *h, const char *e, size_t n)
{
    size_t tl = 0, i;
    int rc = TP_HP_DONE;
    while (tl < n && hp_is_tchar((unsigned char)e[tl]))
        tl++;
    if (tl == 0)
        return TP_HP_DONE; /* junk element: ignored, not fatal */
    i = tl;
    while (i < n && hp_is_ows((unsigned char)e[i]))
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
        if (hp_span_ieq(e, tl, known[k]))
            scheme = known[k];
    if (!tp_strlist_has_ci(&h->proxy_authenticate, scheme) &&
        tp_strlist_add(&h->proxy_authenticate, scheme) != 0)
        rc = TP_HP_NOMEM;
    return rc;
}

int tpn_http_proxy_authenticate(tp_http_head *h, const char *v, size_t n)
{
    return tpn_http_for_each_element(h, v, n, challenge_element);
}

/* A credential from a config or the environment must not be able to add a line to the
 * request: control characters and DEL are refused (spaces are fine in a password). */
static bool safe_credential(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

char *tpn_http_proxy_auth_line(const char *user, const char *pass)
{
    char *plain = NULL, *line = NULL;
    unsigned char *b64 = NULL;
    size_t plen, blen = 0;
    if (!user)
        return tp_strdup("");
    if (!pass)
        pass = "";
    /* RFC 7617: the user-id cannot contain ':'; neither may hold control characters. */
    if (strchr(user, ':') || !safe_credential(user) || !safe_credential(pass))
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
    /* the line holds the token: a secret too (the callers wipe it) */
    line = tp_secret_printf("Proxy-Authorization: Basic %s\r\n", (const char *)b64);
done:
    tp_secret_free(plain);
    tp_secret_free_n(b64, blen + 1);
    return line;
}
