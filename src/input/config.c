/*
 * config.c — the run configuration: built-in defaults, the JSON file (cJSON) with one
 * precise message per error, --path specs, and the cross-checks a merged config needs.
 *
 * Every error message has the shape "WHERE: JSON.PATH: expected WHAT, got WHAT".
 * Values are echoed sanitised (printable ASCII only) and truncated, and never when
 * they may hold a secret: passwords are described as "a string", and proxy URLs
 * have their user-info replaced by "***" before they are shown.
 *
 * Loading works on a deep copy of the caller's config, which replaces the original
 * only when the whole file was accepted: a failed load leaves *c untouched.
 */
#include "input/config.h"
#include "pki/pins.h"
#include "base/jsontext.h"
#include "base/secretfile.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG_MAX_FILE_BYTES (1024 * 1024) /* a config is a few KiB; refuse anything huge */
#define CFG_MAX_ITEMS 256                /* items in any array of the file */
#define CFG_MAX_PINSETS 64
#define CFG_MAX_TOKEN 64                 /* ids, names, service codes */
#define CFG_MAX_ENV_NAME 128
#define JP_MAX 256                       /* a JSON path in a message */
#define SHOW_MAX 80                      /* characters of a value echoed in a message */
#define SHOW_BUF (SHOW_MAX * 4 + 8)      /* worst case: every byte escaped as \xNN */

static const char *const k_formats[] = {"table", "json", "junit", "prom", "html"};
#define N_FORMATS (sizeof k_formats / sizeof k_formats[0])

/* ---------- messages ---------- */

typedef struct cfg_ctx {
    const char *where;   /* the file name (or "configuration") that starts every message */
    const char *dir;     /* the config file's directory for relative names, NULL = none */
    char *err;
    size_t errlen;
} cfg_ctx;

static int cfg_fail(const cfg_ctx *x, const char *jpath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes "WHERE: JPATH: <fmt>" and returns -1, so callers can `return cfg_fail(...)`. */
static int cfg_fail(const cfg_ctx *x, const char *jpath, const char *fmt, ...)
{
    if (!x->err || x->errlen == 0)
        return -1;
    int n;
    if (jpath && *jpath)
        n = snprintf(x->err, x->errlen, "%s: %s: ", x->where, jpath);
    else
        n = snprintf(x->err, x->errlen, "%s: ", x->where);
    if (n < 0 || (size_t)n >= x->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Quotes s for a message: printable ASCII kept, '"' and '\' escaped, other bytes as
 * \xNN, at most SHOW_MAX source bytes (then "..."). Hostile bytes cannot reach a
 * terminal this way. */
static void show_str(const char *s, char *out, size_t n)
{
    size_t o = 0, i = 0;
    if (n < 8) {
        if (n)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (; s[i] && i < SHOW_MAX && o + 8 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch >= 0x20 && ch < 0x7f) {
            out[o++] = (char)ch;
        } else {
            o += (size_t)snprintf(out + o, n - o, "\\x%02X", ch);
        }
    }
    if (s[i] && o + 5 < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Copies s with the user-info of a URL ("user:pass@") replaced by "***@", so a proxy
 * given with credentials can be echoed in a message without them. */
static void redact_userinfo(const char *s, char *out, size_t n)
{
    const char *at = strrchr(s, '@');
    if (!at) {
        snprintf(out, n, "%s", s);
        return;
    }
    const char *scheme = strstr(s, "://");
    const char *start = (scheme && scheme < at) ? scheme + 3 : s;
    /* an "ID=" prefix of a --path spec is not user-info: keep it */
    const char *eq = strchr(s, '=');
    if (!scheme && eq && eq < at && !memchr(s, ':', (size_t)(eq - s)))
        start = eq + 1;
    snprintf(out, n, "%.*s***%s", (int)(start - s), s, at);
}

/* Shows a string that may be a URL with credentials. */
static void show_redacted(const char *s, char *out, size_t n)
{
    char tmp[SHOW_BUF];
    redact_userinfo(s, tmp, sizeof tmp);
    show_str(tmp, out, n);
}

/* Describes a JSON value for the "got ..." part. Secrets are described by type only. */
static void describe(const cJSON *v, bool secret, char *out, size_t n)
{
    if (!v)
        snprintf(out, n, "nothing");
    else if (cJSON_IsString(v))
        secret ? (void)snprintf(out, n, "a string") : show_str(v->valuestring, out, n);
    else if (cJSON_IsNumber(v))
        secret ? (void)snprintf(out, n, "a number") : (void)snprintf(out, n, "%.15g", v->valuedouble);
    else if (cJSON_IsTrue(v))
        snprintf(out, n, "true");
    else if (cJSON_IsFalse(v))
        snprintf(out, n, "false");
    else if (cJSON_IsNull(v))
        snprintf(out, n, "null");
    else if (cJSON_IsArray(v))
        snprintf(out, n, "an array");
    else if (cJSON_IsObject(v))
        snprintf(out, n, "an object");
    else
        snprintf(out, n, "an invalid value");
}

static int fail_got(const cfg_ctx *x, const char *jpath, const char *expected, const cJSON *v,
                    bool secret)
{
    char got[SHOW_BUF];
    describe(v, secret, got, sizeof got);
    return cfg_fail(x, jpath, "expected %s, got %s", expected, got);
}

/* JSON paths: "parent.key" and "parent[i]". Key names are user input: sanitised. */
static void jp_key(char *out, size_t n, const char *parent, const char *key)
{
    char k[CFG_MAX_TOKEN + 4];
    size_t i = 0;
    for (; key[i] && i < CFG_MAX_TOKEN; i++) {
        unsigned char ch = (unsigned char)key[i];
        k[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    if (key[i]) {
        memcpy(k + i, "...", 3);
        i += 3;
    }
    k[i] = '\0';
    if (parent && *parent)
        snprintf(out, n, "%s.%s", parent, k);
    else
        snprintf(out, n, "%s", k);
}

static void jp_idx(char *out, size_t n, const char *parent, size_t i)
{
    /* a path that does not fit is cut short: the message is still one bounded line */
    if (snprintf(out, n, "%s[%zu]", parent, i) >= (int)n && n > 4)
        memcpy(out + n - 4, "...", 4);
}

/* ---------- small validators ---------- */

/* Ids and names: [A-Za-z0-9_.-]{1,64}. */
static bool is_token(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CFG_MAX_TOKEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '_' || ch == '.' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

static bool is_env_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CFG_MAX_ENV_NAME || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return false;
    }
    return true;
}

/* Credentials go into a Proxy-Authorization header: a CR or LF would inject headers. */
static bool has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return true;
    return false;
}

static bool is_known_format(const char *s)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(s, k_formats[i]) == 0)
            return true;
    return false;
}

/* A DNS host name: dot-separated labels of letters, digits and '-', not all-numeric at
 * the end (so "10.0.0.256" is a bad address, not a name). */
static bool is_hostname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
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

static bool is_ip4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

static bool is_ip6(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET6, s, &a) == 1;
}

/* "1".."65535", digits only. */
static int parse_port(const char *s, size_t len, int *port)
{
    if (len == 0 || len > 5)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *port = v;
    return 0;
}

int tp_parse_hostport(const char *s, int default_port, char **host, int *port)
{
    const char *h = s, *p = NULL;
    size_t hlen;
    bool v6 = false;

    if (!s || !*s || !host || !port)
        return -1;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return -1;
        h = s + 1;
        hlen = (size_t)(close - h);
        v6 = true;
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return -1;
    } else {
        const char *colon = strchr(s, ':');
        if (colon && strchr(colon + 1, ':')) {
            hlen = strlen(s); /* more than one ':' and no brackets: a bare IPv6 address */
            v6 = true;
        } else if (colon) {
            hlen = (size_t)(colon - s);
            p = colon + 1;
        } else {
            hlen = strlen(s);
        }
    }
    if (hlen == 0 || hlen > 253)
        return -1;

    int prt = default_port;
    if (p && parse_port(p, strlen(p), &prt) != 0)
        return -1;
    if (!p && (default_port < 1 || default_port > 65535))
        return -1;

    char *hs = tp_strndup(h, hlen);
    if (!hs)
        return -1;
    bool ok = v6 ? is_ip6(hs) : (is_ip4(hs) || is_hostname(hs));
    if (!ok) {
        free(hs);
        return -1;
    }
    *host = hs;
    *port = prt;
    return 0;
}

/* A resolver: an address (no names: they would need a resolver themselves). */
static bool is_resolver(const char *s)
{
    char *host = NULL;
    int port = 0;
    if (tp_parse_hostport(s, 53, &host, &port) != 0)
        return false;
    bool ok = is_ip4(host) || is_ip6(host);
    free(host);
    return ok;
}

/* ---------- paths ---------- */

void tp_path_free(tp_path *p)
{
    if (!p)
        return;
    free(p->id);
    free(p->proxy_host);
    free(p->username);
    if (p->password) {
        /* wipe the secret before giving the memory back */
        volatile char *q = p->password;
        while (*q)
            *q++ = 0;
        free(p->password);
    }
    free(p->crl_via);
    free(p->fallback);
    tp_strlist_free(&p->ca_files);
    memset(p, 0, sizeof *p);
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *q = s;
    while (*q)
        *q++ = 0;
    free(s);
}

static int path_copy(tp_path *dst, const tp_path *src)
{
    memset(dst, 0, sizeof *dst);
    dst->type = src->type;
    dst->proxy_port = src->proxy_port;
    dst->expect_inspection = src->expect_inspection;
    if ((src->id && !(dst->id = strdup(src->id))) ||
        (src->proxy_host && !(dst->proxy_host = strdup(src->proxy_host))) ||
        (src->username && !(dst->username = strdup(src->username))) ||
        (src->password && !(dst->password = strdup(src->password))) ||
        (src->crl_via && !(dst->crl_via = strdup(src->crl_via))) ||
        (src->fallback && !(dst->fallback = strdup(src->fallback))) ||
        tp_strlist_copy(&dst->ca_files, &src->ca_files) != 0) {
        tp_path_free(dst);
        return -1;
    }
    return 0;
}

int tp_config_add_path(tp_config *c, tp_path *p)
{
    tp_path *v = realloc(c->paths, (c->n_paths + 1) * sizeof *v);
    if (!v)
        return -1;
    c->paths = v;
    c->paths[c->n_paths++] = *p;
    memset(p, 0, sizeof *p);
    return 0;
}

void tp_config_clear_paths(tp_config *c)
{
    for (size_t i = 0; i < c->n_paths; i++)
        tp_path_free(&c->paths[i]);
    free(c->paths);
    c->paths = NULL;
    c->n_paths = 0;
}

/* Decodes %XX escapes of URL user-info. Returns a malloc'ed string, or NULL when an
 * escape is malformed, decodes to a control byte, or memory runs out. */
static char *pct_decode(const char *s, size_t len)
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
    memset(d, 0, len + 1); /* never leave decoded secret bytes behind */
    free(d);
    return NULL;
}

/* A parsed proxy location: "host:port", "http://host:port[/]" or
 * "http://user[:pass]@host:port[/]". */
typedef struct proxy_url {
    char *host;
    int port;
    char *user;      /* NULL when the URL has no user-info */
    char *pass;      /* NULL when the user-info has no ':' */
} proxy_url;

static void proxy_url_free(proxy_url *u)
{
    free(u->host);
    free(u->user);
    wipe_free(u->pass);
    memset(u, 0, sizeof *u);
}

/* Returns 0, or -1 with *expected saying what the text should have been. */
static int proxy_url_parse(const char *s, proxy_url *u, const char **expected)
{
    const char *rest = s;
    char *buf = NULL;
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
    size_t len = strlen(rest);
    if (len && rest[len - 1] == '/')
        len--; /* "http://proxy:3128/" is how many tools print a proxy */
    buf = tp_strndup(rest, len);
    if (!buf)
        goto done;

    char *hostport = buf;
    char *at = strrchr(buf, '@');
    if (at) {
        *at = '\0';
        hostport = at + 1;
        char *colon = strchr(buf, ':');
        size_t ulen = colon ? (size_t)(colon - buf) : strlen(buf);
        *expected = "a user name (percent-encoded, without ':' or control characters) before '@'";
        if (ulen == 0 || !(u->user = pct_decode(buf, ulen)) || strchr(u->user, ':'))
            goto done;
        if (colon) {
            *expected = "a percent-encoded password without control characters";
            if (!(u->pass = pct_decode(colon + 1, strlen(colon + 1))))
                goto done;
        }
    }
    *expected = "host:port";
    if (strpbrk(hostport, "/?#") || tp_parse_hostport(hostport, 0, &u->host, &u->port) != 0)
        goto done;
    rc = 0;
done:
    if (buf) {
        memset(buf, 0, len);
        free(buf);
    }
    if (rc != 0)
        proxy_url_free(u);
    return rc;
}

/* Cross-checks of a set of paths: unique ids, crl_via and fallback name paths, no
 * fallback to itself or round in circles. JSON paths are "paths[i].key". */
static int check_paths(const cfg_ctx *x, const tp_path *paths, size_t n)
{
    char jp[JP_MAX], shown[SHOW_BUF];

    if (n == 0)
        return cfg_fail(x, "paths", "expected at least one path, got none");
    for (size_t i = 0; i < n; i++) {
        const tp_path *p = &paths[i];
        snprintf(jp, sizeof jp, "paths[%zu].id", i);
        if (!p->id || !is_token(p->id)) {
            show_str(p->id ? p->id : "", shown, sizeof shown);
            return cfg_fail(x, jp, "expected an id of letters, digits, '_', '.' or '-' "
                                   "(at most %d), got %s", CFG_MAX_TOKEN, shown);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(paths[j].id, p->id) == 0) {
                show_str(p->id, shown, sizeof shown);
                return cfg_fail(x, jp, "duplicate path id %s", shown);
            }
        snprintf(jp, sizeof jp, "paths[%zu].proxy", i);
        if (p->type == TP_PATH_HTTP && (!p->proxy_host || p->proxy_port < 1 || p->proxy_port > 65535))
            return cfg_fail(x, jp, "expected host:port for an http path, got nothing");
        if (p->type == TP_PATH_DIRECT && p->proxy_host)
            return cfg_fail(x, jp, "expected no proxy on a direct path, got one");
        if (p->type == TP_PATH_HTTP && strcmp(p->id, "direct") == 0) {
            snprintf(jp, sizeof jp, "paths[%zu].id", i);
            return cfg_fail(x, jp, "expected an id other than \"direct\" for an http path "
                                   "(\"direct\" means no proxy), got \"direct\"");
        }
        if ((p->username && has_ctl(p->username)) || (p->password && has_ctl(p->password))) {
            snprintf(jp, sizeof jp, "paths[%zu].auth", i);
            return cfg_fail(x, jp, "expected credentials without control characters, got a string");
        }
    }
    for (size_t i = 0; i < n; i++) {
        const tp_path *p = &paths[i];
        if (p->crl_via && strcmp(p->crl_via, TP_CRL_VIA_DIRECT) != 0) {
            bool found = false;
            for (size_t j = 0; j < n && !found; j++)
                found = strcmp(paths[j].id, p->crl_via) == 0;
            if (!found) {
                snprintf(jp, sizeof jp, "paths[%zu].crl_via", i);
                show_str(p->crl_via, shown, sizeof shown);
                return cfg_fail(x, jp, "expected the id of a path or \"direct\", got %s", shown);
            }
        }
        if (!p->fallback)
            continue;
        snprintf(jp, sizeof jp, "paths[%zu].fallback", i);
        show_str(p->fallback, shown, sizeof shown);
        if (p->type != TP_PATH_HTTP)
            return cfg_fail(x, jp, "expected a fallback only on an http path (it is used when "
                                   "the proxy cannot be reached), got %s on a direct path", shown);
        if (strcmp(p->fallback, p->id) == 0)
            return cfg_fail(x, jp, "expected the id of another path, got %s (the path itself)",
                            shown);
        /* Follow the chain: it must end within n steps, or it goes round in circles. */
        const tp_path *cur = p;
        size_t steps = 0;
        while (cur && cur->fallback && steps <= n) {
            const tp_path *next = NULL;
            for (size_t j = 0; j < n && !next; j++)
                if (strcmp(paths[j].id, cur->fallback) == 0)
                    next = &paths[j];
            if (!next && cur == p)
                return cfg_fail(x, jp, "expected the id of a path, got %s", shown);
            cur = next;
            steps++;
        }
        if (steps > n)
            return cfg_fail(x, jp, "expected a fallback chain that ends, got %s which leads "
                                   "round in a circle", shown);
    }
    return 0;
}

/* ---------- files ---------- */

/* 0 when `name` opens for reading and is a regular file; else -1 with errno set. */
static int probe_file(const char *name)
{
    /* O_NONBLOCK: a FIFO named as a CA file must not hang the run */
    int fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    struct stat st;
    int rc = fstat(fd, &st);
    int e = errno;
    close(fd);
    if (rc != 0) {
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    return 0;
}

/* Why probe_file failed, for a message. */
static const char *probe_why(int e)
{
    return e == EINVAL ? "not a regular file" : strerror(e);
}

/* Resolves a file named in the config: as given (relative to the current directory),
 * else relative to the config file's directory. *out gets the name that opened. */
static int resolve_file(const cfg_ctx *x, const char *jp, const char *name, char **out)
{
    char shown[SHOW_BUF];
    int e;

    show_str(name, shown, sizeof shown);
    if (!*name)
        return cfg_fail(x, jp, "expected a file name, got \"\"");
    if (probe_file(name) == 0) {
        *out = strdup(name);
        return *out ? 0 : cfg_fail(x, jp, "out of memory");
    }
    e = errno;
    if (name[0] != '/' && x->dir) {
        char *joined = tp_asprintf("%s/%s", x->dir, name);
        if (!joined)
            return cfg_fail(x, jp, "out of memory");
        if (probe_file(joined) == 0) {
            *out = joined;
            return 0;
        }
        if (e == ENOENT)
            e = errno; /* "permission denied" there says more than "not here" */
        free(joined);
    }
    return cfg_fail(x, jp, "cannot open %s: %s", shown, probe_why(e));
}

/* ---------- config copy (loads work on a copy) ---------- */

static int pinset_copy(tp_pinset *dst, const tp_pinset *src)
{
    memset(dst, 0, sizeof *dst);
    dst->name = strdup(src->name ? src->name : "");
    if (!dst->name)
        return -1;
    if (src->n) {
        dst->spki = malloc(src->n * sizeof *dst->spki);
        if (!dst->spki) {
            free(dst->name);
            dst->name = NULL;
            return -1;
        }
        memcpy(dst->spki, src->spki, src->n * sizeof *dst->spki);
    }
    dst->n = src->n;
    return 0;
}

static int config_copy(tp_config *dst, const tp_config *src)
{
    memset(dst, 0, sizeof *dst);
    dst->select.include_optional = src->select.include_optional;
    dst->system_ca = src->system_ca;
    dst->limits = src->limits;
    dst->no_color = src->no_color;
    dst->quiet = src->quiet;
    dst->dry_run = src->dry_run;
    if ((src->file && !(dst->file = strdup(src->file))) ||
        tp_strlist_copy(&dst->catalogs, &src->catalogs) ||
        tp_strlist_copy(&dst->select.services, &src->select.services) ||
        tp_strlist_copy(&dst->select.geography, &src->select.geography) ||
        (src->select.os && !(dst->select.os = strdup(src->select.os))) ||
        (src->select.onboarding && !(dst->select.onboarding = strdup(src->select.onboarding))) ||
        tp_strlist_copy(&dst->resolvers, &src->resolvers) ||
        tp_strlist_copy(&dst->ca_files, &src->ca_files) ||
        tp_strlist_copy(&dst->formats, &src->formats) ||
        (src->output && !(dst->output = strdup(src->output))) ||
        (src->output_dir && !(dst->output_dir = strdup(src->output_dir))))
        goto fail;
    if (src->n_paths) {
        dst->paths = calloc(src->n_paths, sizeof *dst->paths);
        if (!dst->paths)
            goto fail;
        for (; dst->n_paths < src->n_paths; dst->n_paths++)
            if (path_copy(&dst->paths[dst->n_paths], &src->paths[dst->n_paths]) != 0)
                goto fail;
    }
    if (src->n_pinsets) {
        dst->pinsets = calloc(src->n_pinsets, sizeof *dst->pinsets);
        if (!dst->pinsets)
            goto fail;
        for (; dst->n_pinsets < src->n_pinsets; dst->n_pinsets++)
            if (pinset_copy(&dst->pinsets[dst->n_pinsets], &src->pinsets[dst->n_pinsets]) != 0)
                goto fail;
    }
    return 0;
fail:
    tp_config_free(dst);
    return -1;
}

/* ---------- defaults ---------- */

static void limits_defaults(tp_limits *l)
{
    l->concurrency = 128;
    l->dns_ms = 5000;
    l->connect_ms = 5000;
    l->proxy_ms = 5000;
    l->tls_ms = 10000;
    l->http_ms = 10000;
    l->crl_ms = 10000;
    l->total_ms = 30000;
    l->crl_max_bytes = (size_t)32 * 1024 * 1024;
    l->header_max_bytes = (size_t)16 * 1024;
    l->body_max_bytes = (size_t)64 * 1024;
}

int tp_config_defaults(tp_config *c)
{
    tp_path direct;

    memset(c, 0, sizeof *c);
    memset(&direct, 0, sizeof direct);
    c->system_ca = true;
    c->select.include_optional = true;
    limits_defaults(&c->limits);
    direct.type = TP_PATH_DIRECT;
    direct.id = strdup("direct");
    if (!direct.id || tp_config_add_path(c, &direct) != 0)
        goto fail;
    if (tp_strlist_add(&c->formats, "table") != 0)
        goto fail;
    if (tp_pins_builtin(&c->pinsets, &c->n_pinsets) != 0)
        goto fail;
    return 0;
fail:
    tp_path_free(&direct);
    tp_config_free(c);
    return -1;
}

/* ---------- JSON readers ---------- */

/* Checks an object's keys: each one known (or "$comment", ignored anywhere) and given
 * once. cJSON keeps duplicate keys; silently taking one of them would hide a typo. */
static int check_keys(const cfg_ctx *x, const cJSON *obj, const char *jp,
                      const char *const *allowed, size_t n_allowed)
{
    bool seen[16] = {false};
    char kjp[JP_MAX], list[256];

    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *key = it->string ? it->string : "";
        if (strcmp(key, "$comment") == 0)
            continue;
        size_t k = 0;
        while (k < n_allowed && strcmp(key, allowed[k]) != 0)
            k++;
        jp_key(kjp, sizeof kjp, jp, key);
        if (k == n_allowed) {
            size_t o = 0;
            list[0] = '\0';
            for (size_t i = 0; i < n_allowed && o < sizeof list; i++)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", allowed[i]);
            return cfg_fail(x, kjp, "unknown key: expected one of %s", list);
        }
        if (k < sizeof seen / sizeof seen[0]) {
            if (seen[k])
                return cfg_fail(x, kjp, "expected each key once, got it twice");
            seen[k] = true;
        }
    }
    return 0;
}

static int want_object(const cfg_ctx *x, const cJSON *v, const char *jp)
{
    return cJSON_IsObject(v) ? 0 : fail_got(x, jp, "an object", v, false);
}

static int get_bool(const cfg_ctx *x, const cJSON *v, const char *jp, bool *out)
{
    if (!cJSON_IsBool(v))
        return fail_got(x, jp, "true or false", v, false);
    *out = cJSON_IsTrue(v);
    return 0;
}

static int get_string(const cfg_ctx *x, const cJSON *v, const char *jp, bool secret,
                      const char **out)
{
    if (!cJSON_IsString(v) || !v->valuestring)
        return fail_got(x, jp, "a string", v, secret);
    *out = v->valuestring;
    return 0;
}

/* A string that must be a token (ids, names, codes). */
static int get_token(const cfg_ctx *x, const cJSON *v, const char *jp, const char *what,
                     const char **out)
{
    char expected[128];
    snprintf(expected, sizeof expected, "%s of letters, digits, '_', '.' or '-' (at most %d)",
             what, CFG_MAX_TOKEN);
    if (!cJSON_IsString(v) || !v->valuestring || !is_token(v->valuestring))
        return fail_got(x, jp, expected, v, false);
    *out = v->valuestring;
    return 0;
}

static int set_str(const cfg_ctx *x, const char *jp, char **dst, const char *s)
{
    char *d = strdup(s);
    if (!d)
        return cfg_fail(x, jp, "out of memory");
    free(*dst);
    *dst = d;
    return 0;
}

static int get_int(const cfg_ctx *x, const cJSON *v, const char *jp, double lo, double hi,
                   double *out)
{
    char expected[96];
    snprintf(expected, sizeof expected, "an integer from %.0f to %.0f", lo, hi);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || floor(v->valuedouble) != v->valuedouble ||
        v->valuedouble < lo || v->valuedouble > hi)
        return fail_got(x, jp, expected, v, false);
    *out = v->valuedouble;
    return 0;
}

/* An array of at most CFG_MAX_ITEMS elements (optionally at least one). */
static int want_array(const cfg_ctx *x, const cJSON *v, const char *jp, const char *of,
                      bool nonempty)
{
    char expected[128];
    snprintf(expected, sizeof expected, "an array (each element %s)", of);
    if (!cJSON_IsArray(v))
        return fail_got(x, jp, expected, v, false);
    int n = cJSON_GetArraySize(v);
    if (nonempty && n == 0)
        return cfg_fail(x, jp, "expected at least one element, got an empty array");
    if (n > CFG_MAX_ITEMS)
        return cfg_fail(x, jp, "expected at most %d elements, got %d", CFG_MAX_ITEMS, n);
    return 0;
}

typedef bool (*str_check)(const char *);

/* Reads an array of strings into a fresh list, each passing `check` (when given). */
static int get_strlist(const cfg_ctx *x, const cJSON *v, const char *jp, const char *what,
                       str_check check, bool nonempty, bool unique, tp_strlist *out)
{
    char ejp[JP_MAX];
    tp_strlist l = {0};
    size_t i = 0;

    if (want_array(x, v, jp, what, nonempty) != 0)
        return -1;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        jp_idx(ejp, sizeof ejp, jp, i);
        if (!cJSON_IsString(it) || !it->valuestring || (check && !check(it->valuestring))) {
            fail_got(x, ejp, what, it, false);
            goto fail;
        }
        if (unique && tp_strlist_has(&l, it->valuestring)) {
            char shown[SHOW_BUF];
            show_str(it->valuestring, shown, sizeof shown);
            cfg_fail(x, ejp, "expected each value once, got %s twice", shown);
            goto fail;
        }
        if (tp_strlist_add(&l, it->valuestring) != 0) {
            cfg_fail(x, ejp, "out of memory");
            goto fail;
        }
    }
    tp_strlist_free(out);
    *out = l;
    return 0;
fail:
    tp_strlist_free(&l);
    return -1;
}

/* An array of file names, each resolved (see resolve_file) and stored resolved. */
static int get_filelist(const cfg_ctx *x, const cJSON *v, const char *jp, bool builtin_ok,
                        tp_strlist *out)
{
    char ejp[JP_MAX];
    tp_strlist l = {0};
    size_t i = 0;
    char *resolved = NULL;

    if (want_array(x, v, jp, builtin_ok ? "a catalog file or \"" TP_CATALOG_BUILTIN "\""
                                        : "a PEM file name", builtin_ok) != 0)
        return -1;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        jp_idx(ejp, sizeof ejp, jp, i);
        if (!cJSON_IsString(it) || !it->valuestring) {
            fail_got(x, ejp, "a file name", it, false);
            goto fail;
        }
        const char *name = it->valuestring;
        if (builtin_ok && strncmp(name, "builtin:", 8) == 0) {
            if (strcmp(name, TP_CATALOG_BUILTIN) != 0) {
                fail_got(x, ejp, "\"" TP_CATALOG_BUILTIN "\" or a catalog file", it, false);
                goto fail;
            }
            resolved = strdup(name);
            if (!resolved) {
                cfg_fail(x, ejp, "out of memory");
                goto fail;
            }
        } else if (resolve_file(x, ejp, name, &resolved) != 0) {
            goto fail;
        }
        if (tp_strlist_has(&l, resolved)) {
            char shown[SHOW_BUF];
            show_str(name, shown, sizeof shown);
            cfg_fail(x, ejp, "expected each file once, got %s twice", shown);
            goto fail;
        }
        if (tp_strlist_add(&l, resolved) != 0) {
            cfg_fail(x, ejp, "out of memory");
            goto fail;
        }
        free(resolved);
        resolved = NULL;
    }
    tp_strlist_free(out);
    *out = l;
    return 0;
fail:
    free(resolved);
    tp_strlist_free(&l);
    return -1;
}

/* ---------- sections ---------- */

static bool is_onboarding(const char *s)
{
    return strcmp(s, "standard") == 0 || strcmp(s, "streamlined") == 0;
}

static int parse_select(const cfg_ctx *x, const cJSON *o, tp_config *c)
{
    static const char *const keys[] = {"services", "geography", "os", "onboarding",
                                       "include_optional"};
    const cJSON *v;
    const char *s = NULL;

    if (want_object(x, o, "select") || check_keys(x, o, "select", keys, 5))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "services")) &&
        get_strlist(x, v, "select.services", "a service name such as \"maps\"", is_token, false,
                    true, &c->select.services))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "geography")) &&
        get_strlist(x, v, "select.geography", "a geography code such as \"WW\"", is_token, false,
                    true, &c->select.geography))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "os"))) {
        if (get_token(x, v, "select.os", "an OS name such as \"windows\"", &s) ||
            set_str(x, "select.os", &c->select.os, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "onboarding"))) {
        if (!cJSON_IsString(v) || !is_onboarding(v->valuestring))
            return fail_got(x, "select.onboarding", "\"standard\" or \"streamlined\"", v, false);
        if (set_str(x, "select.onboarding", &c->select.onboarding, v->valuestring))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "include_optional")) &&
        get_bool(x, v, "select.include_optional", &c->select.include_optional))
        return -1;
    return 0;
}

/* Takes a credential from the named environment variable. The value is never shown. */
static int cred_from_env(const cfg_ctx *x, const cJSON *v, const char *jp, bool is_user,
                         char **out)
{
    const char *name;
    if (!cJSON_IsString(v) || !is_env_name(v->valuestring))
        return fail_got(x, jp, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", v, false);
    name = v->valuestring;
    const char *val = getenv(name);
    if (!val)
        return cfg_fail(x, jp, "environment variable \"%s\" is not set", name);
    if (has_ctl(val) || (is_user && (!*val || strchr(val, ':'))))
        return cfg_fail(x, jp, "expected environment variable \"%s\" to hold a %s, got a string "
                               "that does not", name,
                        is_user ? "user name (not empty, without ':' or control characters)"
                                : "password without control characters");
    char *d = strdup(val);
    if (!d)
        return cfg_fail(x, jp, "out of memory");
    wipe_free(*out);
    *out = d;
    return 0;
}

/* password_file: a Docker/Kubernetes secret or systemd credential (base/secretfile.h has
 * the mode and owner rules); a relative name is found like every other file. */
static int cred_from_file(const cfg_ctx *x, const cJSON *v, const char *jp, char **out)
{
    char kjp[JP_MAX], why[512];
    char *file = NULL, *d = NULL;

    jp_key(kjp, sizeof kjp, jp, "password_file");
    if (!cJSON_IsString(v))
        return fail_got(x, kjp, "a file name", v, false);
    if (resolve_file(x, kjp, v->valuestring, &file))
        return -1;
    int rc = tp_secret_read_file(file, &d, why, sizeof why);
    free(file);
    if (rc)
        return cfg_fail(x, kjp, "%s", why);
    wipe_free(*out);
    *out = d;
    return 0;
}

/* auth {type "basic", username | username_env, password | password_env | password_file} */
static int parse_auth(const cfg_ctx *x, const cJSON *o, const char *jp, tp_path *p)
{
    static const char *const keys[] = {"type", "username", "username_env", "password",
                                       "password_env", "password_file"};
    char kjp[JP_MAX];
    const cJSON *v, *u, *ue, *pw, *pe, *pf;

    if (want_object(x, o, jp) || check_keys(x, o, jp, keys, 6))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "type")) &&
        (!cJSON_IsString(v) || strcmp(v->valuestring, "basic") != 0)) {
        jp_key(kjp, sizeof kjp, jp, "type");
        return fail_got(x, kjp, "\"basic\"", v, false);
    }
    u = cJSON_GetObjectItemCaseSensitive(o, "username");
    ue = cJSON_GetObjectItemCaseSensitive(o, "username_env");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    pe = cJSON_GetObjectItemCaseSensitive(o, "password_env");
    pf = cJSON_GetObjectItemCaseSensitive(o, "password_file");
    if (!!u == !!ue)
        return cfg_fail(x, jp, "expected exactly one of username, username_env, got %s",
                        u ? "both" : "neither");
    if (!!pw + !!pe + !!pf != 1)
        return cfg_fail(x, jp, "expected exactly one of password, password_env, password_file, got %s",
                        pw || pe || pf ? "more than one" : "none");
    if (u) {
        jp_key(kjp, sizeof kjp, jp, "username");
        if (!cJSON_IsString(u) || !*u->valuestring || strchr(u->valuestring, ':') ||
            has_ctl(u->valuestring))
            return fail_got(x, kjp, "a user name (not empty, without ':' or control characters)",
                            u, false);
        if (set_str(x, kjp, &p->username, u->valuestring))
            return -1;
    } else {
        jp_key(kjp, sizeof kjp, jp, "username_env");
        if (cred_from_env(x, ue, kjp, true, &p->username))
            return -1;
    }
    if (pw) {
        jp_key(kjp, sizeof kjp, jp, "password");
        if (!cJSON_IsString(pw) || has_ctl(pw->valuestring))
            return fail_got(x, kjp, "a string without control characters", pw, true);
        char *d = strdup(pw->valuestring);
        if (!d)
            return cfg_fail(x, kjp, "out of memory");
        wipe_free(p->password);
        p->password = d;
    } else if (pe) {
        jp_key(kjp, sizeof kjp, jp, "password_env");
        if (cred_from_env(x, pe, kjp, false, &p->password))
            return -1;
    } else if (cred_from_file(x, pf, jp, &p->password)) {
        return -1;
    }
    return 0;
}

static int parse_proxy(const cfg_ctx *x, const cJSON *v, const char *jp, tp_path *p)
{
    proxy_url u;
    const char *expected;
    char shown[SHOW_BUF];

    if (!cJSON_IsString(v))
        return fail_got(x, jp, "host:port", v, false);
    if (proxy_url_parse(v->valuestring, &u, &expected) != 0) {
        show_redacted(v->valuestring, shown, sizeof shown);
        return cfg_fail(x, jp, "expected %s, got %s", expected, shown);
    }
    if (u.user && !u.pass) {
        proxy_url_free(&u);
        return cfg_fail(x, jp, "expected user:password@ in the URL (or use \"auth\"), got a user "
                               "without a password");
    }
    p->proxy_host = u.host;
    p->proxy_port = u.port;
    p->username = u.user;
    p->password = u.pass;
    memset(&u, 0, sizeof u);
    return 0;
}

/* One element of "paths". */
static int parse_path(const cfg_ctx *x, const cJSON *o, const char *jp, tp_path *p)
{
    static const char *const keys[] = {"id", "type", "proxy", "auth", "expect_inspection",
                                       "crl_via", "fallback", "ca_files"};
    char kjp[JP_MAX];
    const cJSON *v;
    const char *s = NULL;

    if (want_object(x, o, jp) || check_keys(x, o, jp, keys, 8))
        return -1;
    jp_key(kjp, sizeof kjp, jp, "id");
    if (get_token(x, cJSON_GetObjectItemCaseSensitive(o, "id"), kjp, "a path id", &s) ||
        set_str(x, kjp, &p->id, s))
        return -1;

    const cJSON *proxy = cJSON_GetObjectItemCaseSensitive(o, "proxy");
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(o, "auth");
    /* "type" may be left out: a proxy makes the path http, none makes it direct */
    p->type = proxy ? TP_PATH_HTTP : TP_PATH_DIRECT;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "type"))) {
        jp_key(kjp, sizeof kjp, jp, "type");
        if (!cJSON_IsString(v) || (strcmp(v->valuestring, "direct") && strcmp(v->valuestring, "http")))
            return fail_got(x, kjp, "\"direct\" or \"http\"", v, false);
        p->type = strcmp(v->valuestring, "http") == 0 ? TP_PATH_HTTP : TP_PATH_DIRECT;
    }
    jp_key(kjp, sizeof kjp, jp, "proxy");
    if (p->type == TP_PATH_HTTP && !proxy)
        return cfg_fail(x, kjp, "expected host:port for an http path, got nothing");
    if (p->type == TP_PATH_DIRECT && proxy)
        return cfg_fail(x, kjp, "expected no proxy on a direct path (or \"type\": \"http\"), got one");
    if (proxy && parse_proxy(x, proxy, kjp, p))
        return -1;

    if (auth) {
        jp_key(kjp, sizeof kjp, jp, "auth");
        if (p->type != TP_PATH_HTTP)
            return cfg_fail(x, kjp, "expected auth only on an http path, got it on a direct path");
        if (p->username)
            return cfg_fail(x, kjp, "expected credentials either in the proxy URL or in auth, "
                                    "got both");
        if (parse_auth(x, auth, kjp, p))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "expect_inspection"))) {
        jp_key(kjp, sizeof kjp, jp, "expect_inspection");
        if (get_bool(x, v, kjp, &p->expect_inspection))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "crl_via"))) {
        jp_key(kjp, sizeof kjp, jp, "crl_via");
        if (get_token(x, v, kjp, "a path id or \"direct\"", &s) || set_str(x, kjp, &p->crl_via, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "fallback"))) {
        jp_key(kjp, sizeof kjp, jp, "fallback");
        if (get_token(x, v, kjp, "a path id", &s) || set_str(x, kjp, &p->fallback, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "ca_files"))) {
        jp_key(kjp, sizeof kjp, jp, "ca_files");
        if (get_filelist(x, v, kjp, false, &p->ca_files))
            return -1;
    }
    return 0;
}

/* "paths": replaces the current paths (the default direct one) when accepted. */
static int parse_paths(const cfg_ctx *x, const cJSON *v, tp_config *c)
{
    char jp[JP_MAX];
    tp_path *paths = NULL;
    size_t n = 0, i = 0;
    int rc = -1;

    if (want_array(x, v, "paths", "a path object", true))
        return -1;
    paths = calloc((size_t)cJSON_GetArraySize(v), sizeof *paths);
    if (!paths)
        return cfg_fail(x, "paths", "out of memory");
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        jp_idx(jp, sizeof jp, "paths", i);
        n = i + 1; /* the element is freed below even when half-built */
        if (parse_path(x, it, jp, &paths[i]))
            goto done;
    }
    if (check_paths(x, paths, n))
        goto done;
    tp_config_clear_paths(c);
    c->paths = paths;
    c->n_paths = n;
    paths = NULL;
    n = 0;
    rc = 0;
done:
    for (size_t k = 0; k < n; k++)
        tp_path_free(&paths[k]);
    free(paths);
    return rc;
}

/* "pinsets": {name: ["sha256/...", ...]}: a name already present (built-in) is
 * replaced, a new name is added. */
static int parse_pinsets(const cfg_ctx *x, const cJSON *o, tp_config *c)
{
    char jp[JP_MAX], ejp[JP_MAX];
    tp_pinset ps = {0};

    if (want_object(x, o, "tls.pinsets"))
        return -1;
    if (cJSON_GetArraySize(o) > CFG_MAX_PINSETS)
        return cfg_fail(x, "tls.pinsets", "expected at most %d pin sets, got %d", CFG_MAX_PINSETS,
                        cJSON_GetArraySize(o));
    for (const cJSON *it = o->child; it; it = it->next) {
        const char *name = it->string ? it->string : "";
        if (strcmp(name, "$comment") == 0)
            continue;
        jp_key(jp, sizeof jp, "tls.pinsets", name);
        if (!is_token(name)) {
            char shown[SHOW_BUF];
            show_str(name, shown, sizeof shown);
            return cfg_fail(x, jp, "expected a pin set name of letters, digits, '_', '.' or '-' "
                                   "(at most %d), got %s", CFG_MAX_TOKEN, shown);
        }
        for (const cJSON *prev = o->child; prev != it; prev = prev->next)
            if (prev->string && strcmp(prev->string, name) == 0)
                return cfg_fail(x, jp, "expected each pin set once, got it twice");
        if (want_array(x, it, jp, "a pin \"sha256/<base64>\"", true))
            return -1;
        memset(&ps, 0, sizeof ps);
        ps.name = strdup(name);
        ps.spki = calloc((size_t)cJSON_GetArraySize(it), sizeof *ps.spki);
        if (!ps.name || !ps.spki) {
            cfg_fail(x, jp, "out of memory");
            goto fail;
        }
        for (const cJSON *pin = it->child; pin; pin = pin->next, ps.n++) {
            jp_idx(ejp, sizeof ejp, jp, ps.n);
            if (!cJSON_IsString(pin) || tp_pin_parse(pin->valuestring, ps.spki[ps.n]) != 0) {
                fail_got(x, ejp, "\"sha256/\" and the base64 of a 32-byte SPKI SHA-256", pin,
                         false);
                goto fail;
            }
        }
        tp_pinset *slot = (tp_pinset *)tp_config_find_pinset(c, name);
        if (!slot) {
            tp_pinset *v = realloc(c->pinsets, (c->n_pinsets + 1) * sizeof *v);
            if (!v) {
                cfg_fail(x, jp, "out of memory");
                goto fail;
            }
            c->pinsets = v;
            slot = &c->pinsets[c->n_pinsets++];
        } else {
            free(slot->name);
            free(slot->spki);
        }
        *slot = ps;
        memset(&ps, 0, sizeof ps);
    }
    return 0;
fail:
    free(ps.name);
    free(ps.spki);
    return -1;
}

static int parse_tls(const cfg_ctx *x, const cJSON *o, tp_config *c)
{
    static const char *const keys[] = {"ca_files", "system_ca", "pinsets"};
    const cJSON *v;

    if (want_object(x, o, "tls") || check_keys(x, o, "tls", keys, 3))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "ca_files")) &&
        get_filelist(x, v, "tls.ca_files", false, &c->ca_files))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "system_ca")) &&
        get_bool(x, v, "tls.system_ca", &c->system_ca))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "pinsets")) && parse_pinsets(x, v, c))
        return -1;
    return 0;
}

/* Ranges: wide enough for any real network, narrow enough to catch a unit mistake
 * (seconds for milliseconds) and to keep every value in an int or size_t. */
#define MAX_CONCURRENCY 100000
#define MAX_TIMEOUT_MS 3600000
#define MAX_CRL_BYTES (1024.0 * 1024 * 1024)
#define MAX_HEADER_BYTES (1024.0 * 1024)
#define MAX_BODY_BYTES (64.0 * 1024 * 1024)

static int parse_timeouts(const cfg_ctx *x, const cJSON *o, tp_limits *l)
{
    static const char *const keys[] = {"dns", "connect", "proxy", "tls", "http", "crl", "total"};
    int *dst[] = {&l->dns_ms, &l->connect_ms, &l->proxy_ms, &l->tls_ms, &l->http_ms, &l->crl_ms,
                  &l->total_ms};
    char jp[JP_MAX];
    double d = 0;

    if (want_object(x, o, "limits.timeout_ms") || check_keys(x, o, "limits.timeout_ms", keys, 7))
        return -1;
    for (size_t i = 0; i < 7; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (!v)
            continue;
        jp_key(jp, sizeof jp, "limits.timeout_ms", keys[i]);
        if (get_int(x, v, jp, 1, MAX_TIMEOUT_MS, &d))
            return -1;
        *dst[i] = (int)d;
    }
    return 0;
}

static int parse_limits(const cfg_ctx *x, const cJSON *o, tp_limits *l)
{
    static const char *const keys[] = {"concurrency", "timeout_ms", "crl_max_bytes",
                                       "header_max_bytes", "body_max_bytes"};
    const cJSON *v;
    double d = 0;

    if (want_object(x, o, "limits") || check_keys(x, o, "limits", keys, 5))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "concurrency"))) {
        if (get_int(x, v, "limits.concurrency", 1, MAX_CONCURRENCY, &d))
            return -1;
        l->concurrency = (int)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "timeout_ms")) && parse_timeouts(x, v, l))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "crl_max_bytes"))) {
        if (get_int(x, v, "limits.crl_max_bytes", 1024, MAX_CRL_BYTES, &d))
            return -1;
        l->crl_max_bytes = (size_t)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "header_max_bytes"))) {
        if (get_int(x, v, "limits.header_max_bytes", 1024, MAX_HEADER_BYTES, &d))
            return -1;
        l->header_max_bytes = (size_t)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "body_max_bytes"))) {
        if (get_int(x, v, "limits.body_max_bytes", 0, MAX_BODY_BYTES, &d))
            return -1;
        l->body_max_bytes = (size_t)d;
    }
    return 0;
}

static int parse_report(const cfg_ctx *x, const cJSON *o, tp_config *c)
{
    static const char *const keys[] = {"formats", "output", "output_dir", "quiet", "color"};
    const cJSON *v;
    const char *s = NULL;
    bool color = true;

    if (want_object(x, o, "report") || check_keys(x, o, "report", keys, 5))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "formats")) &&
        get_strlist(x, v, "report.formats", "one of table, json, junit, prom, html",
                    is_known_format, true, true, &c->formats))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "output"))) {
        if (get_string(x, v, "report.output", false, &s))
            return -1;
        if (!*s)
            return fail_got(x, "report.output", "a file name or \"-\"", v, false);
        if (set_str(x, "report.output", &c->output, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "output_dir"))) {
        if (get_string(x, v, "report.output_dir", false, &s))
            return -1;
        if (!*s)
            return fail_got(x, "report.output_dir", "a directory name", v, false);
        if (set_str(x, "report.output_dir", &c->output_dir, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "quiet")) && get_bool(x, v, "report.quiet", &c->quiet))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "color"))) {
        if (get_bool(x, v, "report.color", &color))
            return -1;
        c->no_color = !color;
    }
    return 0;
}

/* ---------- validation shared by load and tp_config_validate ---------- */

static int check_files(const cfg_ctx *x, const tp_strlist *l, const char *jp, bool builtin_ok)
{
    char ejp[JP_MAX], shown[SHOW_BUF];
    for (size_t i = 0; i < l->n; i++) {
        if (builtin_ok && strcmp(l->v[i], TP_CATALOG_BUILTIN) == 0)
            continue;
        if (probe_file(l->v[i]) != 0) {
            int e = errno;
            jp_idx(ejp, sizeof ejp, jp, i);
            show_str(l->v[i], shown, sizeof shown);
            return cfg_fail(x, ejp, "cannot open %s: %s", shown, probe_why(e));
        }
    }
    return 0;
}

static int check_config(const cfg_ctx *x, const tp_config *c)
{
    char jp[JP_MAX], shown[SHOW_BUF];
    const tp_limits *l = &c->limits;

    if (check_paths(x, c->paths, c->n_paths))
        return -1;
    for (size_t i = 0; i < c->resolvers.n; i++)
        if (!is_resolver(c->resolvers.v[i])) {
            jp_idx(jp, sizeof jp, "resolvers", i);
            show_str(c->resolvers.v[i], shown, sizeof shown);
            return cfg_fail(x, jp, "expected an IP address, ip:port or [ipv6]:port, got %s", shown);
        }
    if (c->formats.n == 0)
        return cfg_fail(x, "report.formats", "expected at least one format, got none");
    size_t non_table = 0;
    for (size_t i = 0; i < c->formats.n; i++) {
        jp_idx(jp, sizeof jp, "report.formats", i);
        show_str(c->formats.v[i], shown, sizeof shown);
        if (!is_known_format(c->formats.v[i]))
            return cfg_fail(x, jp, "expected one of table, json, junit, prom, html, got %s", shown);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->formats.v[j], c->formats.v[i]) == 0)
                return cfg_fail(x, jp, "expected each format once, got %s twice", shown);
        non_table += strcmp(c->formats.v[i], "table") != 0;
    }
    /* one file cannot hold two documents: several formats need output_dir */
    if (c->output && non_table > 1)
        return cfg_fail(x, "report.output", "expected at most one non-table format for a single "
                                            "output file (use output_dir), got %zu", non_table);
    const struct { const char *name; long v; } lim[] = {
        {"limits.concurrency", l->concurrency},     {"limits.timeout_ms.dns", l->dns_ms},
        {"limits.timeout_ms.connect", l->connect_ms}, {"limits.timeout_ms.proxy", l->proxy_ms},
        {"limits.timeout_ms.tls", l->tls_ms},       {"limits.timeout_ms.http", l->http_ms},
        {"limits.timeout_ms.crl", l->crl_ms},       {"limits.timeout_ms.total", l->total_ms},
        {"limits.crl_max_bytes", l->crl_max_bytes > 0},
        {"limits.header_max_bytes", l->header_max_bytes > 0},
    };
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        if (lim[i].v <= 0)
            return cfg_fail(x, lim[i].name, "expected a positive number, got %ld", lim[i].v);
    for (size_t i = 0; i < c->n_pinsets; i++) {
        jp_key(jp, sizeof jp, "tls.pinsets", c->pinsets[i].name ? c->pinsets[i].name : "");
        if (!c->pinsets[i].name || !is_token(c->pinsets[i].name) || c->pinsets[i].n == 0)
            return cfg_fail(x, jp, "expected a named pin set with at least one pin, got none");
    }
    if (check_files(x, &c->catalogs, "catalogs", true) || check_files(x, &c->ca_files, "tls.ca_files", false))
        return -1;
    for (size_t i = 0; i < c->n_paths; i++) {
        snprintf(jp, sizeof jp, "paths[%zu].ca_files", i);
        if (check_files(x, &c->paths[i].ca_files, jp, false))
            return -1;
    }
    return 0;
}

int tp_config_validate(const tp_config *c, char *err, size_t errlen)
{
    cfg_ctx x = {"configuration", NULL, err, errlen};
    if (err && errlen)
        err[0] = '\0';
    return check_config(&x, c);
}

/* ---------- loading ---------- */

/* The location of a JSON syntax error as "FILE:LINE:COLUMN" plus what was found there. */
static int fail_syntax(const cfg_ctx *x, const char *text, size_t len, size_t pos,
                       const char *expected)
{
    size_t line = 1, col = 1;
    /* cJSON points just past the offending character when it is followed by white
     * space ("{"a": 1,}\n" points at the line break): step back onto it */
    while (pos > 0 && pos < len && strchr(" \t\r\n", text[pos]) && text[pos] != '\0')
        pos--;
    for (size_t i = 0; i < pos && i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char got[32];
    if (pos >= len)
        snprintf(got, sizeof got, "the end of the file");
    else if ((unsigned char)text[pos] >= 0x20 && (unsigned char)text[pos] < 0x7f)
        snprintf(got, sizeof got, "'%c'", text[pos]); /* one character: never a whole secret */
    else
        snprintf(got, sizeof got, "byte 0x%02X", (unsigned char)text[pos]);
    if (x->err && x->errlen)
        snprintf(x->err, x->errlen, "%s:%zu:%zu: expected %s, got %s", x->where, line, col,
                 expected, got);
    return -1;
}

static int parse_root(const cfg_ctx *x, const cJSON *root, tp_config *c)
{
    static const char *const keys[] = {"catalogs", "select", "resolvers", "paths",
                                       "tls", "limits", "report"};
    if (!cJSON_IsObject(root))
        return fail_got(x, "top level", "an object", root, false);
    if (check_keys(x, root, "", keys, 7))
        return -1;
    /* in document order, so the first mistake in the file is the one reported */
    for (const cJSON *it = root->child; it; it = it->next) {
        const char *k = it->string;
        int rc = 0;
        if (strcmp(k, "catalogs") == 0)
            rc = get_filelist(x, it, "catalogs", true, &c->catalogs);
        else if (strcmp(k, "select") == 0)
            rc = parse_select(x, it, c);
        else if (strcmp(k, "resolvers") == 0)
            rc = get_strlist(x, it, "resolvers", "an IP address, ip:port or [ipv6]:port (no names)",
                             is_resolver, false, true, &c->resolvers);
        else if (strcmp(k, "paths") == 0)
            rc = parse_paths(x, it, c);
        else if (strcmp(k, "tls") == 0)
            rc = parse_tls(x, it, c);
        else if (strcmp(k, "limits") == 0)
            rc = parse_limits(x, it, &c->limits);
        else if (strcmp(k, "report") == 0)
            rc = parse_report(x, it, c);
        if (rc)
            return -1;
    }
    return check_config(x, c);
}

int tp_config_load_mem(const char *text, size_t len, const char *file, tp_config *c, char *err,
                       size_t errlen)
{
    cfg_ctx x = {file ? file : "<config>", NULL, err, errlen};
    char *dir = NULL;
    cJSON *root = NULL;
    tp_config tmp;
    const char *end = NULL;
    int rc = -1;

    memset(&tmp, 0, sizeof tmp);
    if (err && errlen)
        err[0] = '\0';
    if (!text && len) {
        cfg_fail(&x, NULL, "expected a configuration, got nothing");
        goto done;
    }
    if (file) {
        const char *slash = strrchr(file, '/');
        if (slash) {
            dir = slash == file ? strdup("/") : tp_strndup(file, (size_t)(slash - file));
            if (!dir) {
                cfg_fail(&x, NULL, "out of memory");
                goto done;
            }
        }
    }
    x.dir = dir;
    if (!text)
        text = ""; /* len is 0 here */
    {
        bool raw;
        size_t nl = tp_json_nul_line(text, len, &raw);
        if (nl) { /* never quote the text around it: it may be a password */
            cfg_fail(&x, NULL, "line %zu: %s", nl,
                     raw ? "a NUL byte is not allowed" : "\\u0000 is not allowed in strings");
            goto done;
        }
    }
    root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        size_t pos = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        fail_syntax(&x, text, len, pos, "valid JSON");
        goto done;
    }
    for (size_t pos = (size_t)(end - text); pos < len; pos++)
        if (!strchr(" \t\r\n", text[pos]) || text[pos] == '\0') {
            fail_syntax(&x, text, len, pos, "nothing after the top-level object");
            goto done;
        }
    if (config_copy(&tmp, c) != 0) {
        cfg_fail(&x, NULL, "out of memory");
        goto done;
    }
    if (file && set_str(&x, NULL, &tmp.file, file))
        goto done;
    if (parse_root(&x, root, &tmp) != 0)
        goto done;
    tp_config_free(c);
    *c = tmp;
    memset(&tmp, 0, sizeof tmp);
    rc = 0;
done:
    tp_config_free(&tmp);
    cJSON_Delete(root);
    free(dir);
    return rc;
}

int tp_config_load_file(const char *file, tp_config *c, char *err, size_t errlen)
{
    cfg_ctx x = {file ? file : "<config>", NULL, err, errlen};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = NULL;
    int rc = -1;

    if (err && errlen)
        err[0] = '\0';
    if (!file || !*file)
        return cfg_fail(&x, NULL, "expected a config file name, got nothing");
    f = fopen(file, "rb");
    if (!f) {
        cfg_fail(&x, NULL, "cannot open: %s", strerror(errno));
        goto done;
    }
    buf = malloc(CFG_MAX_FILE_BYTES + 1);
    if (!buf) {
        cfg_fail(&x, NULL, "out of memory");
        goto done;
    }
    len = fread(buf, 1, CFG_MAX_FILE_BYTES + 1, f);
    if (ferror(f)) {
        cfg_fail(&x, NULL, "cannot read: %s", strerror(errno));
        goto done;
    }
    if (len > CFG_MAX_FILE_BYTES) {
        cfg_fail(&x, NULL, "expected a file of at most %d bytes, got more", CFG_MAX_FILE_BYTES);
        goto done;
    }
    rc = tp_config_load_mem(buf, len, file, c, err, errlen);
done:
    if (f)
        fclose(f);
    if (buf) {
        memset(buf, 0, len); /* the file may hold a password */
        free(buf);
    }
    return rc;
}

/* ---------- --path specs ---------- */

static int spec_fail(char *err, size_t errlen, const char *spec, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "SPEC: <fmt>" with the spec's credentials redacted. */
static int spec_fail(char *err, size_t errlen, const char *spec, const char *fmt, ...)
{
    char shown[SHOW_BUF];
    if (!err || !errlen)
        return -1;
    show_redacted(spec, shown, sizeof shown);
    int n = snprintf(err, errlen, "%s: ", shown);
    if (n < 0 || (size_t)n >= errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

#define SPEC_SHAPE "[ID=]direct or [ID=]http://[user[:password]@]host:port"

/* Credentials a --path spec did not carry come from the environment:
 * user without password -> TLSPATH_PROXY_PASSWORD; no user -> TLSPATH_PROXY_USER (and
 * TLSPATH_PROXY_PASSWORD) when set. */
static int spec_env_creds(const char *spec, proxy_url *u, char *err, size_t errlen)
{
    const char *env_user = getenv("TLSPATH_PROXY_USER");
    const char *env_pass = getenv("TLSPATH_PROXY_PASSWORD");

    if (!u->user && env_user && *env_user) {
        if (strchr(env_user, ':') || has_ctl(env_user))
            return spec_fail(err, errlen, spec, "expected TLSPATH_PROXY_USER to hold a user name "
                                                "without ':' or control characters, got a string "
                                                "that does not");
        if (!(u->user = strdup(env_user)))
            return spec_fail(err, errlen, spec, "out of memory");
    } else if (!u->user || u->pass) {
        return 0; /* no credentials at all, or complete ones */
    }
    if (!env_pass)
        return spec_fail(err, errlen, spec, "expected a password for the proxy user in the URL or "
                                            "in TLSPATH_PROXY_PASSWORD, got neither");
    if (has_ctl(env_pass))
        return spec_fail(err, errlen, spec, "expected TLSPATH_PROXY_PASSWORD without control "
                                            "characters, got a string with some");
    if (!(u->pass = strdup(env_pass)))
        return spec_fail(err, errlen, spec, "out of memory");
    return 0;
}

int tp_path_parse_spec(const char *spec, int proxy_index, tp_path *out, char *err, size_t errlen)
{
    proxy_url u;
    const char *rest, *expected;
    char *id = NULL;
    int rc = -1;

    memset(&u, 0, sizeof u);
    if (out)
        memset(out, 0, sizeof *out);
    if (err && errlen)
        err[0] = '\0';
    if (!spec || !out || !*spec)
        return spec_fail(err, errlen, spec ? spec : "", "expected " SPEC_SHAPE ", got nothing");

    /* "ID=" only when the text before '=' cannot be part of a URL */
    rest = spec;
    const char *eq = strchr(spec, '=');
    if (eq && !memchr(spec, ':', (size_t)(eq - spec)) && !memchr(spec, '/', (size_t)(eq - spec)) &&
        !memchr(spec, '@', (size_t)(eq - spec))) {
        if (!(id = tp_strndup(spec, (size_t)(eq - spec))))
            return spec_fail(err, errlen, spec, "out of memory");
        if (!is_token(id)) {
            char shown[SHOW_BUF];
            show_str(id, shown, sizeof shown);
            spec_fail(err, errlen, spec, "expected an id of letters, digits, '_', '.' or '-' "
                                         "(at most %d) before '=', got %s", CFG_MAX_TOKEN, shown);
            goto done;
        }
        rest = eq + 1;
    }

    if (strcmp(rest, "direct") == 0) {
        out->type = TP_PATH_DIRECT;
        if (!id && !(id = strdup("direct"))) {
            spec_fail(err, errlen, spec, "out of memory");
            goto done;
        }
    } else {
        if (proxy_url_parse(rest, &u, &expected) != 0) {
            char shown[SHOW_BUF];
            show_redacted(rest, shown, sizeof shown);
            spec_fail(err, errlen, spec, "expected %s, got %s", expected, shown);
            goto done;
        }
        if (spec_env_creds(spec, &u, err, errlen) != 0)
            goto done;
        if (!id && !(id = tp_asprintf("proxy%d", proxy_index))) {
            spec_fail(err, errlen, spec, "out of memory");
            goto done;
        }
        if (strcmp(id, "direct") == 0) {
            spec_fail(err, errlen, spec, "expected an id other than \"direct\" for a proxy path, "
                                         "got \"direct\"");
            goto done;
        }
        out->type = TP_PATH_HTTP;
        out->proxy_host = u.host;
        out->proxy_port = u.port;
        out->username = u.user;
        out->password = u.pass;
        memset(&u, 0, sizeof u);
    }
    out->id = id;
    id = NULL;
    rc = 0;
done:
    free(id);
    proxy_url_free(&u);
    if (rc != 0)
        tp_path_free(out);
    return rc;
}
