/* pac_answer.c — what FindProxyForURL returned, read the way WinHTTP reads it: entries
 * separated by ';', each "DIRECT" or "PROXY host[:port]" (port 80 when none), tried in
 * order. "HTTP host:port" is read as PROXY (Chromium's spelling); HTTPS and SOCKS entries
 * are kept but marked unsupported (WinHTTP skips them; tlspath probes HTTP CONNECT). */
#include "plan/pac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/url.h"

void tp_pac_hops_free(tp_pac_hop *hops, size_t n)
{
    for (size_t i = 0; hops && i < n; i++) {
        free(hops[i].host);
        free(hops[i].text);
    }
    free(hops);
}

char *tp_pac_answer_redact(const char *answer)
{
    size_t n = strlen(answer);
    char *out = malloc(n * 4 + 4);   /* "***" may be longer than what it replaces */
    if (!out)
        return NULL;
    size_t o = 0;
    const char *s = answer;
    while (*s) {
        size_t len = strcspn(s, ";");
        const char *at = memchr(s, '@', len);
        if (at) {
            /* keep the keyword and the spaces after it, then "***" in place of the user-info */
            size_t kw = 0;
            while (kw < len && s[kw] == ' ')
                kw++;
            while (kw < len && s[kw] != ' ' && s + kw < at)
                kw++;
            while (kw < len && s[kw] == ' ')
                kw++;
            memcpy(out + o, s, kw);
            o += kw;
            memcpy(out + o, "***", 3);
            o += 3;
            size_t rest = len - (size_t)(at - s);
            memcpy(out + o, at, rest);
            o += rest;
        } else {
            memcpy(out + o, s, len);
            o += len;
        }
        s += len;
        if (*s)
            out[o++] = *s++;
    }
    out[o] = '\0';
    return out;
}

/* Quotes an entry for a message, its user-info (if any) redacted. */
static void show(const char *s, size_t n, char *out, size_t outlen)
{
    char buf[128];
    size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
    memcpy(buf, s, k);
    buf[k] = '\0';
    char *red = tp_pac_answer_redact(buf);
    const char *t = red ? red : "(entry)";
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; t[i] && i < 60 && o + 3 < outlen; i++)
        out[o++] = (t[i] >= 0x20 && t[i] < 0x7F) ? t[i] : '?';
    out[o++] = '"';
    out[o] = '\0';
    free(red);
}

int tp_pac_answer_parse(const char *answer, tp_pac_hop **hops, size_t *n, char *err, size_t errlen)
{
    tp_pac_hop *v = calloc(TP_PAC_MAX_HOPS, sizeof *v);
    size_t k = 0;
    char shown[80];
    *hops = NULL;
    *n = 0;
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *s = answer ? answer : "";
    if (strlen(s) > TP_PAC_MAX_ANSWER) {
        snprintf(err, errlen, "expected a PAC answer of at most %u bytes, got more", TP_PAC_MAX_ANSWER);
        goto fail;
    }
    while (*s) {
        size_t len = strcspn(s, ";");
        const char *e = s, *end = s + len;
        s = *end ? end + 1 : end;
        while (e < end && (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n'))
            e++;
        while (end > e && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
            end--;
        if (e == end)
            continue;
        if (k == TP_PAC_MAX_HOPS) {
            snprintf(err, errlen, "expected at most %u entries in a PAC answer, got more", TP_PAC_MAX_HOPS);
            goto fail;
        }
        size_t kw = 0;
        while (e + kw < end && e[kw] != ' ' && e[kw] != '\t')
            kw++;
        const char *arg = e + kw;
        while (arg < end && (*arg == ' ' || *arg == '\t'))
            arg++;
        tp_pac_hop *h = &v[k];
        if (!(h->text = strndup(e, (size_t)(end - e))))
            goto oom;
        if (kw == 6 && strncasecmp(e, "DIRECT", 6) == 0 && arg == end) {
            h->kind = TP_HOP_DIRECT;
        } else if (((kw == 5 && strncasecmp(e, "PROXY", 5) == 0) || (kw == 4 && strncasecmp(e, "HTTP", 4) == 0)) &&
                   arg < end) {
            char hp[300];
            size_t an = (size_t)(end - arg);
            char *host;
            int port;
            if (an >= sizeof hp) {
                show(e, (size_t)(end - e), shown, sizeof shown);
                snprintf(err, errlen, "expected PROXY host:port, got %s", shown);
                goto fail;
            }
            memcpy(hp, arg, an);
            hp[an] = '\0';
            if (tp_parse_hostport(hp, 80, &host, &port) != 0) {
                show(e, (size_t)(end - e), shown, sizeof shown);
                snprintf(err, errlen, "expected PROXY host:port, got %s", shown);
                goto fail;
            }
            h->kind = TP_HOP_PROXY;
            h->host = host;
            h->port = port;
        } else if (((kw == 5 && strncasecmp(e, "HTTPS", 5) == 0) || (kw >= 5 && strncasecmp(e, "SOCKS", 5) == 0)) &&
                   arg < end) {
            h->kind = TP_HOP_UNSUPPORTED;
        } else {
            show(e, (size_t)(end - e), shown, sizeof shown);
            snprintf(err, errlen, "expected DIRECT or PROXY host:port, got %s", shown);
            goto fail;
        }
        k++;
    }
    if (k == 0) {
        /* an empty answer: nothing to try but a direct connection */
        if (!(v[0].text = strdup("DIRECT")))
            goto oom;
        v[0].kind = TP_HOP_DIRECT;
        k = 1;
    }
    *hops = v;
    *n = k;
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    tp_pac_hops_free(v, TP_PAC_MAX_HOPS);
    return -1;
}
