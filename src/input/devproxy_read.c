/* devproxy_read.c — the readers of a device's proxy settings (devproxy.h): netsh output,
 * .reg exports, mdatp_managed.json, HTTPS_PROXY / NO_PROXY. The paths they imply are
 * built by devproxy_paths.c.
 *
 * Windows tools write these files as UTF-16LE (regedit's export, PowerShell's `>`), so
 * every text reader first decodes to single bytes: ASCII kept, anything else becomes
 * '?' (a proxy name or address is ASCII; a localised label does not need to be read). */
#include "input/devproxy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/hostmatch.h"
#include "base/url.h"

#define LINE_MAX_BYTES 16384 /* a bypass list of a few hundred names fits */
#define VALUE_MAX 8192

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Quotes up to 60 bytes of s for a message (printable ASCII, the rest as '?'). */
static void show(const char *s, char *out, size_t n)
{
    size_t o = 0;
    if (n < 8)
        return;
    out[o++] = '"';
    for (size_t i = 0; s[i] && o + 5 < n; i++) {
        if (i == 60) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    out[o++] = '"';
    out[o] = '\0';
}

void tp_devproxy_init(tp_devproxy *d)
{
    memset(d, 0, sizeof *d);
    d->disable_enterprise_auth = -1;
    d->prefer_static_for_http = -1;
}

void tp_devproxy_free(tp_devproxy *d)
{
    free(d->winhttp_proxy);
    free(d->winhttp_http_proxy);
    tp_strlist_free(&d->winhttp_bypass);
    free(d->telemetry_proxy);
    free(d->mdav_proxy);
    free(d->mdav_pac);
    tp_strlist_free(&d->mdav_bypass);
    free(d->mdatp_proxy);
    free(d->env_proxy);
    tp_strlist_free(&d->env_no_proxy);
    tp_strlist_free(&d->notes);
    tp_devproxy_init(d);
}

static int note(tp_devproxy *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note(tp_devproxy *d, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (tp_strlist_has(&d->notes, buf))
        return 0;
    return tp_strlist_add(&d->notes, buf);
}

/* UTF-16LE (with its BOM) or single-byte text into a NUL-terminated single-byte copy;
 * a UTF-8 BOM is dropped; NUL bytes in single-byte text are refused. NULL + err. */
static char *decode_text(const char *text, size_t len, const char *file, char *err, size_t errlen)
{
    const unsigned char *u = (const unsigned char *)text;
    char *out;
    size_t o = 0;
    if (len > TP_DEVPROXY_MAX_FILE) {
        fail(err, errlen, "%s: expected a file of at most %u bytes, got more", file,
             TP_DEVPROXY_MAX_FILE);
        return NULL;
    }
    if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        if (len % 2) {
            fail(err, errlen, "%s: expected UTF-16LE text (an even number of bytes), got %zu bytes",
                 file, len);
            return NULL;
        }
        if (!(out = malloc(len / 2 + 1)))
            return NULL;
        for (size_t i = 2; i < len; i += 2) {
            unsigned cu = u[i] | (unsigned)u[i + 1] << 8;
            if (cu == 0) {
                free(out);
                fail(err, errlen, "%s: expected text, got a NUL character", file);
                return NULL;
            }
            out[o++] = cu < 0x80 ? (char)cu : '?';
        }
    } else {
        size_t skip = (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) ? 3 : 0;
        if (memchr(text, '\0', len)) {
            fail(err, errlen, "%s: expected text, got a NUL byte (UTF-16 without its BOM?)", file);
            return NULL;
        }
        if (!(out = malloc(len - skip + 1)))
            return NULL;
        memcpy(out, text + skip, len - skip);
        o = len - skip;
    }
    out[o] = '\0';
    return out;
}

/* Next line of *p (CR, LF or CRLF ended) into line; returns false at the end. A line
 * longer than LINE_MAX_BYTES sets *too_long (the callers refuse the file). */
static bool next_line(const char **p, char *line, bool *too_long)
{
    const char *s = *p;
    size_t n = 0;
    if (!*s)
        return false;
    *too_long = false;
    while (*s && *s != '\n' && *s != '\r') {
        if (n + 1 < LINE_MAX_BYTES)
            line[n++] = *s;
        else
            *too_long = true;
        s++;
    }
    if (*s == '\r' && s[1] == '\n')
        s += 2;
    else if (*s)
        s++;
    line[n] = '\0';
    *p = s;
    return true;
}

/* ASCII case-insensitive substring test (strcasestr is a GNU extension). */
static bool ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* A proxy value ("host:port", "http://host:port/", "http://user:pw@host:port") into
 * "host:port" (IPv6 bracketed). https:// and socks proxies are noted and not used.
 * Returns 0 with *out set (or NULL when unusable and noted), -1 on out of memory. */
static int proxy_value(tp_devproxy *d, const char *what, const char *v, char **out)
{
    char shown[96];
    *out = NULL;
    show(v, shown, sizeof shown);
    if (strncasecmp(v, "https://", 8) == 0 || strncasecmp(v, "socks", 5) == 0) {
        /* no credentials can hide here that we print: show() of an https URL might
         * carry user-info, so redact first */
        char red[VALUE_MAX + 16];
        tp_url_redact_proxy(v, red, sizeof red);
        show(red, shown, sizeof shown);
        return note(d, "%s: %s is not an http proxy; tlspath probes HTTP CONNECT proxies only",
                    what, shown);
    }
    /* lower-case "HTTP://" for the parser */
    char buf[VALUE_MAX + 1];
    size_t n = strlen(v);
    if (n > VALUE_MAX)
        return note(d, "%s: a value longer than %d bytes was ignored", what, VALUE_MAX);
    memcpy(buf, v, n + 1);
    if (strncasecmp(buf, "http://", 7) == 0)
        memcpy(buf, "http://", 7);
    /* a trailing path other than "/" is not part of a proxy location */
    tp_proxy_url u;
    const char *exp;
    if (tp_proxy_url_parse(buf, &u, &exp) != 0) {
        char red[VALUE_MAX + 16];
        tp_url_redact_proxy(buf, red, sizeof red);
        show(red, shown, sizeof shown);
        return note(d, "%s: %s is not a proxy location (expected %s); ignored", what, shown, exp);
    }
    if (u.user && note(d, "%s: the proxy URL carries credentials: they were dropped (add an "
                          "\"auth\" with password_env to the path)", what) != 0) {
        tp_proxy_url_free(&u);
        return -1;
    }
    *out = strchr(u.host, ':') ? tp_asprintf("[%s]:%d", u.host, u.port)
                               : tp_asprintf("%s:%d", u.host, u.port);
    tp_proxy_url_free(&u);
    return *out ? 0 : -1;
}

static int set_proxy(tp_devproxy *d, const char *what, const char *v, char **dst)
{
    char *p;
    if (proxy_value(d, what, v, &p) != 0)
        return -1;
    if (!p)
        return 0;
    free(*dst);
    *dst = p;
    return 0;
}

/* ProxyPacUrl: an http:// URL tlspath can fetch; anything else (https://, file://, a
 * bare name) is noted, not used. Returns 0, or -1 on out of memory. */
static int set_pac(tp_devproxy *d, const char *what, const char *v)
{
    char *scheme = NULL, *host = NULL, *path = NULL, shown[96];
    int port;
    if (tp_url_parse(v, &scheme, &host, &port, &path) == 0 && strcmp(scheme, "http") == 0) {
        free(scheme), free(host), free(path);
        free(d->mdav_pac);
        return (d->mdav_pac = strdup(v)) ? 0 : -1;
    }
    free(scheme), free(host), free(path);
    char red[VALUE_MAX + 16];
    tp_url_redact_userinfo(v, red, sizeof red);
    show(red, shown, sizeof shown);
    return note(d, "%s: %s is not an http:// PAC URL tlspath can fetch (copy the script here and "
                   "use --pac FILE)", what, shown);
}

/* ---------- bypass lists ---------- */

static int add_entry(tp_strlist *out, tp_strlist *notes, const char *e)
{
    if (!tp_bypass_entry_valid(e)) {
        char shown[96], msg[160];
        show(e, shown, sizeof shown);
        snprintf(msg, sizeof msg, "bypass entry %s is not a host pattern or prefix; ignored", shown);
        return tp_strlist_has(notes, msg) ? 0 : tp_strlist_add(notes, msg);
    }
    return tp_strlist_has_ci(out, e) ? 0 : tp_strlist_add(out, e);
}

/* Splits list at separators, calling fn on each entry (bounded length). */
static int split_list(const char *list, const char *seps, int (*fn)(const char *, void *), void *ud)
{
    char e[256];
    const char *s = list;
    while (*s) {
        size_t n = strcspn(s, seps);
        if (n > 0) {
            size_t k = n < sizeof e - 1 ? n : sizeof e - 1;
            memcpy(e, s, k);
            e[k] = '\0';
            if (n >= sizeof e - 1)
                e[0] = '\x01'; /* too long: fails validation, noted */
            if (fn(e, ud) != 0)
                return -1;
        }
        s += n;
        if (*s)
            s++;
    }
    return 0;
}

typedef struct bypass_ud {
    tp_strlist *out, *notes;
} bypass_ud;

static int winhttp_entry(const char *e, void *ud)
{
    bypass_ud *b = ud;
    /* WinHTTP allows a scheme prefix ("http://host"): the entry matches that scheme only;
     * the endpoints are https, CRLs http — keep the host part and say so */
    const char *sep = strstr(e, "://");
    if (sep) {
        char msg[160];
        snprintf(msg, sizeof msg, "bypass entries with a scheme prefix are applied to every "
                                  "scheme");
        if (!tp_strlist_has(b->notes, msg) && tp_strlist_add(b->notes, msg) != 0)
            return -1;
        e = sep + 3;
    }
    return add_entry(b->out, b->notes, e);
}

int tp_bypass_from_winhttp(const char *list, tp_strlist *out, tp_strlist *notes)
{
    bypass_ud b = {out, notes};
    if (!list || strcasecmp(list, "(none)") == 0)
        return 0;
    return split_list(list, "; ,\t", winhttp_entry, &b);
}

static int no_proxy_entry(const char *e, void *ud)
{
    bypass_ud *b = ud;
    char buf[300];
    if (strcmp(e, "*") == 0 || strchr(e, '/'))
        return add_entry(b->out, b->notes, e);
    if (e[0] == '.')
        e++;
    if (!*e)
        return 0;
    /* an address (with or without a port) means itself */
    char host[256];
    snprintf(host, sizeof host, "%s", e);
    char *colon = strrchr(host, ':');
    if (colon && strchr(host, ':') == colon)
        *colon = '\0';
    uint8_t a[16];
    if (tp_ip_parse(host, a) || strchr(e, '*'))
        return add_entry(b->out, b->notes, e);
    /* curl: "example.com" matches example.com and every name below it */
    if (add_entry(b->out, b->notes, e) != 0)
        return -1;
    if (strlen(e) > 250)
        return 0;
    snprintf(buf, sizeof buf, "*.%s", e);
    return add_entry(b->out, b->notes, buf);
}

int tp_bypass_from_no_proxy(const char *list, tp_strlist *out, tp_strlist *notes)
{
    bypass_ud b = {out, notes};
    if (!list)
        return 0;
    return split_list(list, ", \t", no_proxy_entry, &b);
}

/* ---------- netsh winhttp show proxy ---------- */

/* The proxy for https out of a WinHTTP proxy list: "host:port", "http=a:80;https=b:443"
 * (the https= entry; none = direct for https), or several plain entries (the first). */
static int winhttp_proxy_list(tp_devproxy *d, char *v)
{
    char *https = NULL, *http = NULL, *plain = NULL;
    for (char *tok = strtok(v, "; "); tok; tok = strtok(NULL, "; ")) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            if (!plain)
                plain = tok;
            continue;
        }
        *eq = '\0';
        if (strcasecmp(tok, "https") == 0)
            https = eq + 1;
        else if (strcasecmp(tok, "http") == 0)
            http = eq + 1;
    }
    const char *use = https ? https : plain;
    if (!use && http)
        return note(d, "netsh: WinHTTP names a proxy for http= only: https goes direct");
    if (use && set_proxy(d, "netsh Proxy Server(s)", use, &d->winhttp_proxy) != 0)
        return -1;
    if (http && (!use || strcmp(http, use) != 0) &&
        set_proxy(d, "netsh Proxy Server(s) http=", http, &d->winhttp_http_proxy) != 0)
        return -1;
    return 0;
}

int tp_devproxy_read_netsh(tp_devproxy *d, const char *text, size_t len, const char *file,
                           char *err, size_t errlen)
{
    char *t = decode_text(text, len, file, err, errlen);
    if (!t)
        return err && *err ? -1 : fail(err, errlen, "out of memory");
    char line[LINE_MAX_BYTES];
    const char *p = t;
    bool too_long, direct = false;
    int fields = 0, rc = 0;
    size_t lineno = 0;
    char *proxy_v = NULL, *bypass_v = NULL;
    while (next_line(&p, line, &too_long)) {
        lineno++;
        if (too_long) {
            rc = fail(err, errlen, "%s:%zu: expected a line of at most %d bytes, got more", file,
                      lineno, LINE_MAX_BYTES - 1);
            goto done;
        }
        if (ci_contains(line, "direct access")) {
            direct = true;
            continue;
        }
        /* "    Proxy Server(s) :  host:port" — labels may be localised: the first
         * "label : value" line names the proxies, the second the bypass list */
        char *sep = strstr(line, " :");
        if (!sep)
            continue;
        char *val = trim(sep + 2);
        if (!*val)
            continue;
        char *label = line;
        *sep = '\0';
        label = trim(label);
        bool is_bypass = ci_contains(label, "bypass");
        bool is_proxy = ci_contains(label, "proxy") && !is_bypass;
        if (is_proxy || (!is_bypass && fields == 0)) {
            free(proxy_v);
            proxy_v = strdup(val);
        } else {
            free(bypass_v);
            bypass_v = strdup(val);
        }
        fields++;
    }
    if (!direct && !proxy_v) {
        rc = fail(err, errlen, "%s: expected the output of `netsh winhttp show proxy` (\"Proxy "
                  "Server(s) : ...\" or \"Direct access (no proxy server).\"), got neither", file);
        goto done;
    }
    d->winhttp_read = true;
    if (proxy_v && !direct) {
        if (winhttp_proxy_list(d, proxy_v) != 0 ||
            tp_bypass_from_winhttp(bypass_v, &d->winhttp_bypass, &d->notes) != 0)
            rc = fail(err, errlen, "out of memory");
    }
done:
    free(proxy_v);
    free(bypass_v);
    free(t);
    return rc;
}

/* ---------- .reg exports ---------- */

enum reg_key { K_NONE, K_DATACOLLECTION, K_ATP, K_DEFENDER_POLICY, K_DEFENDER_PREF };

static enum reg_key reg_key_of(const char *k)
{
    static const struct {
        const char *path;
        enum reg_key key;
    } keys[] = {
        {"SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection", K_DATACOLLECTION},
        {"SOFTWARE\\Policies\\Microsoft\\Windows Advanced Threat Protection", K_ATP},
        {"SOFTWARE\\Policies\\Microsoft\\Windows Defender", K_DEFENDER_POLICY},
        {"SOFTWARE\\Microsoft\\Windows Defender", K_DEFENDER_PREF},
    };
    if (strncasecmp(k, "HKEY_LOCAL_MACHINE\\", 19) == 0)
        k += 19;
    else if (strncasecmp(k, "HKLM\\", 5) == 0)
        k += 5;
    else
        return K_NONE;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcasecmp(k, keys[i].path) == 0)
            return keys[i].key;
    return K_NONE;
}

/* "name"=value → name and a decoded REG_SZ (kind 's') or DWORD (kind 'd'); other kinds
 * (hex:, deletions "-") give kind 0. Returns 0 or -1 for a malformed line. */
static int reg_value(char *line, char *name, size_t nlen, char *val, size_t vlen, char *kind,
                     unsigned long *dw)
{
    char *s = line;
    size_t o = 0;
    *kind = 0;
    if (*s == '@') { /* the key's default value */
        snprintf(name, nlen, "@");
        s++;
    } else {
        if (*s++ != '"')
            return -1;
        while (*s && *s != '"') {
            if (*s == '\\' && s[1])
                s++;
            if (o + 1 >= nlen)
                return -1;
            name[o++] = *s++;
        }
        if (*s++ != '"')
            return -1;
        name[o] = '\0';
    }
    if (*s++ != '=')
        return -1;
    if (*s == '"') {
        s++;
        o = 0;
        while (*s && *s != '"') {
            if (*s == '\\' && s[1])
                s++;
            if (o + 1 >= vlen)
                return -1;
            val[o++] = *s++;
        }
        if (*s != '"' || s[1] != '\0')
            return -1;
        val[o] = '\0';
        *kind = 's';
        return 0;
    }
    if (strncasecmp(s, "dword:", 6) == 0) {
        s += 6;
        if (strlen(s) != 8 || strspn(s, "0123456789abcdefABCDEF") != 8)
            return -1;
        *dw = strtoul(s, NULL, 16);
        *kind = 'd';
    }
    return 0;
}

int tp_devproxy_read_reg(tp_devproxy *d, const char *text, size_t len, const char *file,
                         char *err, size_t errlen)
{
    char *t = decode_text(text, len, file, err, errlen);
    if (!t)
        return err && *err ? -1 : fail(err, errlen, "out of memory");
    char line[LINE_MAX_BYTES], name[256], val[VALUE_MAX + 1];
    const char *p = t;
    bool too_long, header = false, continued = false;
    size_t lineno = 0;
    enum reg_key key = K_NONE;
    int rc = 0;
    /* Set-MpPreference values are kept aside: a policy value wins over them */
    char *pref_proxy = NULL, *pref_pac = NULL, *pref_bypass = NULL;
    bool pol_proxy = false, pol_pac = false, pol_bypass = false;
    while (next_line(&p, line, &too_long)) {
        lineno++;
        char *l = trim(line);
        if (too_long) {
            rc = fail(err, errlen, "%s:%zu: expected a line of at most %d bytes, got more", file,
                      lineno, LINE_MAX_BYTES - 1);
            goto done;
        }
        /* hex values continue with a trailing backslash: skip the continuation lines */
        bool cont_next = l[0] && l[strlen(l) - 1] == '\\';
        if (continued) {
            continued = cont_next;
            continue;
        }
        continued = cont_next;
        if (!*l || *l == ';')
            continue;
        if (!header) {
            if (strcmp(l, "Windows Registry Editor Version 5.00") != 0 && strcmp(l, "REGEDIT4") != 0) {
                char shown[96];
                show(l, shown, sizeof shown);
                rc = fail(err, errlen, "%s:%zu: expected \"Windows Registry Editor Version 5.00\" "
                          "(a .reg export), got %s", file, lineno, shown);
                goto done;
            }
            header = true;
            continue;
        }
        if (*l == '[') {
            size_t n = strlen(l);
            if (n < 3 || l[n - 1] != ']') {
                rc = fail(err, errlen, "%s:%zu: expected a key line \"[HKEY_...]\", got an "
                          "unterminated one", file, lineno);
                goto done;
            }
            l[n - 1] = '\0';
            key = l[1] == '-' ? K_NONE : reg_key_of(l + 1);
            continue;
        }
        char kind;
        unsigned long dw = 0;
        if (reg_value(l, name, sizeof name, val, sizeof val, &kind, &dw) != 0) {
            char shown[96];
            show(l, shown, sizeof shown);
            rc = fail(err, errlen, "%s:%zu: expected \"name\"=\"text\" or \"name\"=dword:XXXXXXXX, "
                      "got %s", file, lineno, shown);
            goto done;
        }
        if (key == K_NONE || kind == 0)
            continue;
        char what[600];
        snprintf(what, sizeof what, "%.300s %s", file, name);
        if (key == K_DATACOLLECTION && kind == 's' && strcasecmp(name, "TelemetryProxyServer") == 0) {
            if (set_proxy(d, what, val, &d->telemetry_proxy) != 0)
                goto oom;
        } else if (key == K_DATACOLLECTION && kind == 'd' &&
                   strcasecmp(name, "DisableEnterpriseAuthProxy") == 0) {
            d->disable_enterprise_auth = (int)(dw & 0x7FFFFFFF);
        } else if (key == K_ATP && kind == 'd' &&
                   strcasecmp(name, "PreferStaticProxyForHttpRequest") == 0) {
            d->prefer_static_for_http = (int)(dw & 0x7FFFFFFF);
        } else if ((key == K_DEFENDER_POLICY || key == K_DEFENDER_PREF) && kind == 's') {
            bool pol = key == K_DEFENDER_POLICY;
            char **pref = NULL;
            bool *polset = NULL;
            if (strcasecmp(name, "ProxyServer") == 0)
                pref = &pref_proxy, polset = &pol_proxy;
            else if (strcasecmp(name, "ProxyPacUrl") == 0)
                pref = &pref_pac, polset = &pol_pac;
            else if (strcasecmp(name, "ProxyBypass") == 0)
                pref = &pref_bypass, polset = &pol_bypass;
            if (!pref)
                continue;
            if (!pol) {
                free(*pref);
                if (!(*pref = strdup(val)))
                    goto oom;
                continue;
            }
            *polset = true;
            if (pref == &pref_proxy && set_proxy(d, what, val, &d->mdav_proxy) != 0)
                goto oom;
            if (pref == &pref_pac && set_pac(d, what, val) != 0)
                goto oom;
            if (pref == &pref_bypass) {
                tp_strlist_free(&d->mdav_bypass);
                if (tp_bypass_from_winhttp(val, &d->mdav_bypass, &d->notes) != 0)
                    goto oom;
            }
        }
    }
    if (!header) {
        rc = fail(err, errlen, "%s: expected a .reg export (\"Windows Registry Editor Version "
                  "5.00\"), got an empty file", file);
        goto done;
    }
    /* Set-MpPreference values, where no policy overrides them */
    if (pref_proxy && !pol_proxy &&
        set_proxy(d, file, pref_proxy, &d->mdav_proxy) != 0)
        goto oom;
    if (pref_pac && !pol_pac && set_pac(d, file, pref_pac) != 0)
        goto oom;
    if (pref_bypass && !pol_bypass) {
        tp_strlist_free(&d->mdav_bypass);
        if (tp_bypass_from_winhttp(pref_bypass, &d->mdav_bypass, &d->notes) != 0)
            goto oom;
    }
    goto done;
oom:
    rc = fail(err, errlen, "out of memory");
done:
    free(pref_proxy);
    free(pref_pac);
    free(pref_bypass);
    free(t);
    return rc;
}

/* ---------- mdatp_managed.json ---------- */

int tp_devproxy_read_mdatp(tp_devproxy *d, const char *text, size_t len, const char *file,
                           char *err, size_t errlen)
{
    if (len > TP_DEVPROXY_MAX_FILE)
        return fail(err, errlen, "%s: expected a file of at most %u bytes, got more", file,
                    TP_DEVPROXY_MAX_FILE);
    if (memchr(text, '\0', len))
        return fail(err, errlen, "%s: expected JSON text, got a NUL byte", file);
    /* a NUL-terminated copy: cJSON then checks that nothing but white space follows */
    char *copy = malloc(len + 1);
    if (!copy)
        return fail(err, errlen, "out of memory");
    memcpy(copy, text, len);
    copy[len] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(copy, &end, true);
    size_t at = end ? (size_t)(end - copy) : 0;
    free(copy);
    if (!root)
        return fail(err, errlen, "%s: expected valid JSON (mdatp_managed.json), got a syntax "
                    "error near byte %zu", file, at);
    int rc = 0;
    if (!cJSON_IsObject(root)) {
        rc = fail(err, errlen, "%s: expected an object at the top, got something else", file);
        goto done;
    }
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(root, "cloudService");
    if (!cs)
        goto done;
    if (!cJSON_IsObject(cs)) {
        rc = fail(err, errlen, "%s: cloudService: expected an object, got something else", file);
        goto done;
    }
    const cJSON *px = cJSON_GetObjectItemCaseSensitive(cs, "proxy");
    if (!px)
        goto done;
    if (!cJSON_IsString(px)) {
        rc = fail(err, errlen, "%s: cloudService.proxy: expected a string such as "
                  "\"http://proxy.server:port/\", got something else", file);
        goto done;
    }
    if (*px->valuestring) {
        char what[300];
        snprintf(what, sizeof what, "%s cloudService.proxy", file);
        if (set_proxy(d, what, px->valuestring, &d->mdatp_proxy) != 0)
            rc = fail(err, errlen, "out of memory");
    }
done:
    cJSON_Delete(root);
    return rc;
}

/* ---------- environment ---------- */

int tp_devproxy_read_env(tp_devproxy *d, const char *https_proxy, const char *no_proxy,
                         const char *source, char *err, size_t errlen)
{
    char what[300];
    snprintf(what, sizeof what, "%s HTTPS_PROXY", source);
    if (https_proxy && *https_proxy && set_proxy(d, what, https_proxy, &d->env_proxy) != 0)
        return fail(err, errlen, "out of memory");
    if (no_proxy && *no_proxy) {
        tp_strlist_free(&d->env_no_proxy);
        if (tp_bypass_from_no_proxy(no_proxy, &d->env_no_proxy, &d->notes) != 0)
            return fail(err, errlen, "out of memory");
    }
    return 0;
}

int tp_devproxy_read_envfile(tp_devproxy *d, const char *text, size_t len, const char *file,
                             char *err, size_t errlen)
{
    char *t = decode_text(text, len, file, err, errlen);
    if (!t)
        return err && *err ? -1 : fail(err, errlen, "out of memory");
    char line[LINE_MAX_BYTES];
    const char *p = t;
    bool too_long;
    size_t lineno = 0;
    int rc = 0;
    char *https = NULL, *https_lc = NULL, *np = NULL, *np_lc = NULL;
    while (next_line(&p, line, &too_long)) {
        lineno++;
        if (too_long) {
            rc = fail(err, errlen, "%s:%zu: expected a line of at most %d bytes, got more", file,
                      lineno, LINE_MAX_BYTES - 1);
            goto done;
        }
        char *l = trim(line);
        if (strncmp(l, "export ", 7) == 0)
            l = trim(l + 7);
        if (!*l || *l == '#')
            continue;
        char *eq = strchr(l, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *v = trim(eq + 1);
        size_t n = strlen(v);
        if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
            v[n - 1] = '\0';
            v++;
        }
        char **dst = strcmp(l, "HTTPS_PROXY") == 0   ? &https
                     : strcmp(l, "https_proxy") == 0 ? &https_lc
                     : strcmp(l, "NO_PROXY") == 0    ? &np
                     : strcmp(l, "no_proxy") == 0    ? &np_lc
                                                     : NULL;
        if (!dst)
            continue;
        free(*dst);
        if (!(*dst = strdup(v))) {
            rc = fail(err, errlen, "out of memory");
            goto done;
        }
    }
    /* curl and most tools prefer the lower-case spelling when both are set */
    rc = tp_devproxy_read_env(d, https_lc ? https_lc : https, np_lc ? np_lc : np, file, err,
                              errlen);
done:
    free(https);
    free(https_lc);
    free(np);
    free(np_lc);
    free(t);
    return rc;
}
