/* catalog.c — endpoint catalogs: URL parsing, loading and validating catalog JSON
 * (files, memory, the built-in catalog), selection filters, and the import of
 * Microsoft's URL spreadsheet saved as CSV.
 *
 * Catalog files and CSV files are user input: every field is type-checked, every
 * error names the file, the place (JSON path or CSV line and column) and what was
 * expected, and a half-built catalog is never handed back. */
#include "input/catalog.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base/embedded.h"
#include "base/fileout.h"
#include "base/jsontext.h"

#define CAT_MAX_FILE_BYTES (16u * 1024u * 1024u) /* a catalog is kilobytes; 16 MiB is abuse */
#define CSV_MAX_FILE_BYTES (32u * 1024u * 1024u)
#define CSV_MAX_FIELD_BYTES (64u * 1024u)
#define CSV_MAX_FIELDS 256u
#define CSV_MAX_ROWS 100000u
#define CSV_HEADER_SEARCH_ROWS 10u /* title rows Excel may put above the header */
#define CSV_MAX_PORTS 4u
#define HOST_MAX 253u
#define ID_MAX 96u
#define GOT_MAX 60u /* how much of an offending value an error message quotes */
#define DESC_MAX 1024u

/* ---------- small helpers ---------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int lower_c(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Quotes s for an error message: printable ASCII kept, quotes and backslashes escaped,
 * other bytes as \xNN, cut after GOT_MAX bytes with "...". Always NUL-terminates. */
static void quote_for_msg(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0, i;
    if (outlen < 8) {
        if (outlen)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (i = 0; i < n && o + 6 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= GOT_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
        } else {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", c);
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Lower-case in place (ASCII only: host names and ids are ASCII). */
static void ascii_lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)lower_c((unsigned char)*s);
}

/* A URL (or a bare "user:pw@host") with credentials before the host: the userinfo is
 * everything before the last '@' of the authority (which ends at the first '/', '?' or
 * '#'). When there is one, out gets the URL with the userinfo replaced by three stars
 * ("https://user:pw@host/" becomes "https:" "//" "***@host/"), fit for a message, and
 * the result is true. */
static bool url_redact_userinfo(const char *url, char *out, size_t outlen)
{
    const char *sep = strstr(url, "://"), *auth, *at = NULL, *p;
    size_t plen;
    auth = sep && (size_t)(sep - url) < strcspn(url, "/?#") ? sep + 3 : url;
    for (p = auth; *p && !strchr("/?#", *p); p++)
        if (*p == '@')
            at = p;
    if (!at)
        return false;
    plen = (size_t)(auth - url);
    snprintf(out, outlen, "%.*s***%s", (int)plen, url, at);
    return true;
}

/* ---------- URLs ---------- */

static bool host_char_ok(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_';
}

/* Path and query: printable ASCII without spaces (a catalog URL is already encoded). */
static bool path_char_ok(int c)
{
    return c > 0x20 && c < 0x7f;
}

/* Validates a DNS name or IPv4 literal: label characters, no empty labels. */
static bool host_name_ok(const char *h, size_t n)
{
    size_t i, label = 0;
    if (n == 0 || n > HOST_MAX || h[0] == '.' || h[0] == '-')
        return false;
    for (i = 0; i < n; i++) {
        if (!host_char_ok((unsigned char)h[i]))
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

static bool v6_literal_ok(const char *h, size_t n)
{
    size_t i, colons = 0;
    if (n < 2 || n > 45)
        return false;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)h[i];
        if (c == ':')
            colons++;
        else if (!isxdigit(c) && c != '.')
            return false;
    }
    return colons >= 2;
}

/* Parses "[:digits]" after the host. Returns the port or -1. */
static int parse_port(const char *s, size_t n)
{
    long v = 0;
    size_t i;
    if (n == 0 || n > 5)
        return -1;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return (v >= 1 && v <= 65535) ? (int)v : -1;
}

/* An IPv6 literal is returned without brackets ("::1"): that is what the resolver and
 * connect() take; whoever writes a Host header adds them back. */
int tp_url_parse(const char *url, char **scheme, char **host, int *port, char **path)
{
    const char *p, *auth, *auth_end, *h, *h_end, *colon = NULL;
    char *s = NULL, *hs = NULL, *ps = NULL;
    int prt;
    size_t i, ulen;

    if (!url || !scheme || !host || !port || !path)
        return -1;
    ulen = strlen(url);
    if (ulen == 0 || ulen > 8192)
        return -1;
    for (i = 0; i < ulen; i++)
        if (!path_char_ok((unsigned char)url[i]))
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
    auth_end = auth + strcspn(auth, "/?#");
    if (memchr(auth, '@', (size_t)(auth_end - auth)))
        goto fail; /* credentials have no place in a catalog URL */
    if (*auth == '[') {
        h = auth + 1;
        h_end = memchr(h, ']', (size_t)(auth_end - h));
        if (!h_end || !v6_literal_ok(h, (size_t)(h_end - h)))
            goto fail;
        p = h_end + 1;
        if (p < auth_end && *p != ':')
            goto fail;
        colon = p < auth_end ? p : NULL;
    } else {
        h = auth;
        colon = memchr(auth, ':', (size_t)(auth_end - auth));
        h_end = colon ? colon : auth_end;
        if (!host_name_ok(h, (size_t)(h_end - h)))
            goto fail;
    }
    if (colon) {
        prt = parse_port(colon + 1, (size_t)(auth_end - colon - 1));
        if (prt < 0)
            goto fail;
    }
    hs = tp_strndup(h, (size_t)(h_end - h));
    if (!hs)
        goto fail;
    ascii_lower(hs);
    /* path + query; a fragment never goes on the wire */
    p = auth_end;
    {
        size_t plen = strcspn(p, "#");
        if (plen == 0 || *p == '?')
            ps = tp_asprintf("/%.*s", (int)plen, p);
        else
            ps = tp_strndup(p, plen);
    }
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

/* ---------- catalog JSON ---------- */

typedef struct load_ctx {
    const char *file;
    char *err;
    size_t errlen;
    char where[48]; /* "endpoints[12]" */
} load_ctx;

/* Describes a JSON value for "got ..." in messages. */
static void describe_json(const cJSON *v, char *out, size_t outlen)
{
    if (!v)
        snprintf(out, outlen, "nothing");
    else if (cJSON_IsString(v))
        quote_for_msg(v->valuestring, strlen(v->valuestring), out, outlen);
    else if (cJSON_IsNumber(v))
        snprintf(out, outlen, "%.17g", v->valuedouble);
    else if (cJSON_IsBool(v))
        snprintf(out, outlen, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v))
        snprintf(out, outlen, "null");
    else if (cJSON_IsArray(v))
        snprintf(out, outlen, "an array");
    else if (cJSON_IsObject(v))
        snprintf(out, outlen, "an object");
    else
        snprintf(out, outlen, "an invalid value");
}

/* "FILE: endpoints[3].key: expected WHAT, got GOT" (key may be NULL). Returns -1. */
static int expected(load_ctx *c, const char *key, const char *what, const cJSON *got)
{
    char g[GOT_MAX + 16], loc[128];
    describe_json(got, g, sizeof g);
    snprintf(loc, sizeof loc, "%s%s%s", c->where, c->where[0] && key ? "." : "", key ? key : "");
    set_err(c->err, c->errlen, "%s: %s%sexpected %s, got %s", c->file, loc, loc[0] ? ": " : "",
            what, g);
    return -1;
}

/* Same, for a string value given as text (already redacted where it must be). */
static int expected_text(load_ctx *c, const char *key, const char *what, const char *got)
{
    char g[GOT_MAX + 16], loc[128];
    quote_for_msg(got, strlen(got), g, sizeof g);
    snprintf(loc, sizeof loc, "%s%s%s", c->where, c->where[0] && key ? "." : "", key ? key : "");
    set_err(c->err, c->errlen, "%s: %s%sexpected %s, got %s", c->file, loc, loc[0] ? ": " : "",
            what, g);
    return -1;
}

static int missing(load_ctx *c, const char *key, const char *what)
{
    set_err(c->err, c->errlen, "%s: %s%smissing key \"%s\" (expected %s)", c->file, c->where,
            c->where[0] ? ": " : "", key, what);
    return -1;
}

/* A string member: required or optional (NULL out when absent or, if null_ok, null). */
static int get_str(load_ctx *c, const cJSON *o, const char *key, bool required, bool null_ok,
                   bool nonempty, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    const char *what = nonempty ? "a non-empty string" : "a string";
    *out = NULL;
    if (!v) {
        if (required)
            return missing(c, key, what);
        return 0;
    }
    if (null_ok && cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || (nonempty && v->valuestring[0] == '\0'))
        return expected(c, key, null_ok ? (nonempty ? "a non-empty string or null"
                                                    : "a string or null")
                                        : what,
                        v);
    *out = tp_strdup(v->valuestring);
    if (!*out) {
        set_err(c->err, c->errlen, "%s: out of memory", c->file);
        return -1;
    }
    return 0;
}

static int get_bool(load_ctx *c, const cJSON *o, const char *key, bool dflt, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = dflt;
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return expected(c, key, "true or false", v);
    *out = cJSON_IsTrue(v);
    return 0;
}

/* An array of non-empty strings; allowed (if not NULL) restricts the values. */
static int get_strlist(load_ctx *c, const cJSON *o, const char *key, const char *const *allowed,
                       const char *what, tp_strlist *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key), *it;
    char k[64];
    int i = 0;
    if (!v)
        return 0;
    if (!cJSON_IsArray(v))
        return expected(c, key, what, v);
    cJSON_ArrayForEach(it, v) {
        bool ok = cJSON_IsString(it) && it->valuestring[0] != '\0';
        if (ok && allowed) {
            const char *const *a;
            ok = false;
            for (a = allowed; *a; a++)
                ok = ok || strcmp(*a, it->valuestring) == 0;
        }
        if (!ok) {
            snprintf(k, sizeof k, "%s[%d]", key, i);
            return expected(c, k, what, it);
        }
        if (tp_strlist_add(out, it->valuestring) != 0) {
            set_err(c->err, c->errlen, "%s: out of memory", c->file);
            return -1;
        }
        i++;
    }
    return 0;
}

static int get_expect_status(load_ctx *c, const cJSON *o, tp_endpoint *e)
{
    static const char what[] = "an array of at most 8 HTTP status codes (integers 100..599)";
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "expect_status"), *it;
    char k[40];
    if (!v)
        return 0;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > TP_MAX_EXPECT_STATUS)
        return expected(c, "expect_status", what, v);
    cJSON_ArrayForEach(it, v) {
        double d = cJSON_IsNumber(it) ? it->valuedouble : -1;
        if (!(d >= 100 && d <= 599) || d != (double)(int)d) {
            snprintf(k, sizeof k, "expect_status[%zu]", e->n_expect_status);
            return expected(c, k, "an HTTP status code (an integer 100..599)", it);
        }
        e->expect_status[e->n_expect_status++] = (int)d;
    }
    return 0;
}

/* Ids travel into report file names, JUnit test names and Prometheus labels: keep them
 * to a safe alphabet. */
static bool id_ok(const char *id)
{
    size_t n = strlen(id), i;
    if (n == 0 || n > ID_MAX)
        return false;
    for (i = 0; i < n; i++) {
        int ch = (unsigned char)id[i];
        if (!(isalnum(ch) || ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

/* "*.wd.microsoft.com" must cover the concrete host (or be its suffix, which is how an
 * imported wildcard row with no derivable host is written). Other shapes are free text. */
static bool wildcard_covers(const char *wildcard, const char *host)
{
    size_t hl, sl;
    const char *suffix;
    if (strncmp(wildcard, "*.", 2) != 0)
        return true;
    suffix = wildcard + 2;
    hl = strlen(host);
    sl = strlen(suffix);
    if (strcasecmp(host, suffix) == 0)
        return true;
    return hl > sl + 1 && host[hl - sl - 1] == '.' && strcasecmp(host + hl - sl, suffix) == 0;
}

static const char *const k_endpoint_keys[] = {
    "id", "service", "url", "method", "required", "geography", "os", "onboarding", "pinset",
    "inspection_allowed", "expect_status", "wildcard", "source", "description", "cloud",
    "condition", "direct_only", "placeholder", NULL};

/* Every key must be known and appear once: a typo ("requried") must not silently
 * become a default. */
static int check_keys(load_ctx *c, const cJSON *o, const char *const *keys)
{
    const cJSON *it;
    unsigned seen = 0;
    cJSON_ArrayForEach(it, o) {
        size_t k;
        for (k = 0; keys[k]; k++)
            if (it->string && strcmp(it->string, keys[k]) == 0)
                break;
        if (!keys[k]) {
            char q[GOT_MAX + 16];
            quote_for_msg(it->string ? it->string : "", it->string ? strlen(it->string) : 0, q,
                          sizeof q);
            set_err(c->err, c->errlen, "%s: %s%sunknown key %s", c->file, c->where,
                    c->where[0] ? ": " : "", q);
            return -1;
        }
        if (seen & (1u << k)) {
            set_err(c->err, c->errlen, "%s: %s%sduplicate key \"%s\"", c->file, c->where,
                    c->where[0] ? ": " : "", keys[k]);
            return -1;
        }
        seen |= 1u << k;
    }
    return 0;
}

static const char *const k_os_values[] = {"windows", "macos", "linux", NULL};
static const char *const k_onboarding_values[] = {"standard", "streamlined", NULL};

const char *const tp_known_clouds[] = {"commercial", "gcc", "gcc-high", "dod", NULL};
const char *const tp_known_placeholders[] = {"mma_workspace", NULL};

/* "required" is true/false (older catalogs) or Microsoft's own word: "required",
 * "optional" or "conditional" (needed in some set-ups; "condition" says which). Only
 * "required" counts toward the exit status. "cloud" is one name or an array of them. */
static int load_requirement(load_ctx *c, const cJSON *o, tp_endpoint *e)
{
    static const char what[] = "true, false, \"required\", \"optional\" or \"conditional\"";
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "required");
    e->requirement = TP_REQ_REQUIRED;
    if (v && cJSON_IsBool(v))
        e->requirement = cJSON_IsTrue(v) ? TP_REQ_REQUIRED : TP_REQ_OPTIONAL;
    else if (v && cJSON_IsString(v) && !strcmp(v->valuestring, "required"))
        e->requirement = TP_REQ_REQUIRED;
    else if (v && cJSON_IsString(v) && !strcmp(v->valuestring, "optional"))
        e->requirement = TP_REQ_OPTIONAL;
    else if (v && cJSON_IsString(v) && !strcmp(v->valuestring, "conditional"))
        e->requirement = TP_REQ_CONDITIONAL;
    else if (v)
        return expected(c, "required", what, v);
    e->required = e->requirement == TP_REQ_REQUIRED;
    if (get_str(c, o, "condition", false, true, true, &e->condition) != 0)
        return -1;
    if (e->requirement == TP_REQ_CONDITIONAL && !e->condition)
        return missing(c, "condition", "a non-empty string saying when a conditional endpoint is needed");
    if (get_bool(c, o, "direct_only", false, &e->direct_only) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(o, "cloud");
    if (v && cJSON_IsString(v)) {
        size_t k = 0;
        while (tp_known_clouds[k] && strcmp(tp_known_clouds[k], v->valuestring) != 0)
            k++;
        if (!tp_known_clouds[k])
            return expected(c, "cloud", "\"commercial\", \"gcc\", \"gcc-high\" or \"dod\"", v);
        if (tp_strlist_add(&e->clouds, v->valuestring) != 0)
            goto oom;
    } else if (v && get_strlist(c, o, "cloud", tp_known_clouds,
                                "an array of \"commercial\", \"gcc\", \"gcc-high\" or \"dod\"",
                                &e->clouds) != 0) {
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "placeholder");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v) || strcmp(v->valuestring, "mma_workspace") != 0)
            return expected(c, "placeholder", "\"mma_workspace\" or null", v);
        if (!strchr(e->host, '.'))
            return expected(c, "placeholder", "a URL whose host has a first label to replace", v);
        if (!(e->placeholder = tp_strdup(v->valuestring)))
            goto oom;
    }
    return 0;
oom:
    set_err(c->err, c->errlen, "%s: out of memory", c->file);
    return -1;
}

static int load_endpoint(load_ctx *c, const cJSON *o, tp_endpoint *e)
{
    static const char url_what[] = "an http:// or https:// URL";
    const cJSON *u;

    if (!cJSON_IsObject(o))
        return expected(c, NULL, "an object", o);
    if (check_keys(c, o, k_endpoint_keys) != 0)
        return -1;
    if (get_str(c, o, "id", true, false, true, &e->id) != 0)
        return -1;
    if (!id_ok(e->id))
        return expected(c, "id", "an id of letters, digits, '-', '_' or '.' (at most 96)",
                        cJSON_GetObjectItemCaseSensitive(o, "id"));
    if (get_str(c, o, "service", true, false, true, &e->service) != 0)
        return -1;
    u = cJSON_GetObjectItemCaseSensitive(o, "url");
    if (!u)
        return missing(c, "url", url_what);
    if (cJSON_IsString(u)) {
        char red[GOT_MAX * 2];
        if (url_redact_userinfo(u->valuestring, red, sizeof red))
            return expected_text(c, "url", "a URL without credentials", red);
    }
    if (!cJSON_IsString(u) ||
        tp_url_parse(u->valuestring, &e->scheme, &e->host, &e->port, &e->path) != 0)
        return expected(c, "url", url_what, u);
    if (get_str(c, o, "url", true, false, true, &e->url) != 0)
        return -1;
    if (get_str(c, o, "method", false, false, true, &e->method) != 0)
        return -1;
    if (e->method && strcmp(e->method, "GET") != 0 && strcmp(e->method, "HEAD") != 0)
        return expected(c, "method", "\"GET\" or \"HEAD\"",
                        cJSON_GetObjectItemCaseSensitive(o, "method"));
    if (!e->method && !(e->method = tp_strdup("GET")))
        goto oom;
    if (load_requirement(c, o, e) != 0 ||
        get_bool(c, o, "inspection_allowed", false, &e->inspection_allowed) != 0)
        return -1;
    if (get_str(c, o, "geography", false, false, true, &e->geography) != 0)
        return -1;
    if (!e->geography && !(e->geography = tp_strdup("WW")))
        goto oom;
    if (get_strlist(c, o, "os", k_os_values,
                    "an array of \"windows\", \"macos\" or \"linux\"", &e->os) != 0 ||
        get_strlist(c, o, "onboarding", k_onboarding_values,
                    "an array of \"standard\" or \"streamlined\"", &e->onboarding) != 0)
        return -1;
    if (get_str(c, o, "pinset", false, true, true, &e->pinset) != 0 ||
        get_expect_status(c, o, e) != 0 ||
        get_str(c, o, "wildcard", false, true, true, &e->wildcard) != 0 ||
        get_str(c, o, "source", false, false, true, &e->source) != 0 ||
        get_str(c, o, "description", false, true, false, &e->description) != 0)
        return -1;
    if (e->wildcard && !wildcard_covers(e->wildcard, e->host)) {
        char what[HOST_MAX + 64];
        snprintf(what, sizeof what, "a wildcard that covers the URL's host \"%s\"", e->host);
        return expected(c, "wildcard", what, cJSON_GetObjectItemCaseSensitive(o, "wildcard"));
    }
    return 0;
oom:
    set_err(c->err, c->errlen, "%s: out of memory", c->file);
    return -1;
}

typedef struct id_ref {
    const char *id;
    size_t index;
} id_ref;

static int id_ref_cmp(const void *a, const void *b)
{
    const id_ref *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r != 0)
        return r;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Sort-based so a hostile catalog with many endpoints stays O(n log n). */
static int check_unique_ids(load_ctx *c, const tp_catalog *cat)
{
    id_ref *refs;
    size_t i, dup = (size_t)-1, first = 0;
    if (cat->n < 2)
        return 0;
    refs = malloc(cat->n * sizeof *refs);
    if (!refs) {
        set_err(c->err, c->errlen, "%s: out of memory", c->file);
        return -1;
    }
    for (i = 0; i < cat->n; i++) {
        refs[i].id = cat->endpoints[i].id;
        refs[i].index = i;
    }
    qsort(refs, cat->n, sizeof *refs, id_ref_cmp);
    /* report the earliest second occurrence, so the message is stable */
    for (i = 1; i < cat->n; i++)
        if (strcmp(refs[i].id, refs[i - 1].id) == 0 && refs[i].index < dup) {
            dup = refs[i].index;
            first = refs[i - 1].index;
        }
    free(refs);
    if (dup == (size_t)-1)
        return 0;
    {
        char q[GOT_MAX + 16];
        const char *id = cat->endpoints[dup].id;
        quote_for_msg(id, strlen(id), q, sizeof q);
        set_err(c->err, c->errlen, "%s: endpoints[%zu].id: duplicate id %s (first used by endpoints[%zu])",
                c->file, dup, q, first);
    }
    return -1;
}

/* 1-based line and column of byte offset off in text, for JSON syntax errors. */
static void line_col(const char *text, size_t len, size_t off, size_t *line, size_t *col)
{
    size_t i;
    *line = 1;
    *col = 1;
    for (i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static const char *const k_catalog_keys[] = {"name", "source", "description", "version",
                                            "date", "endpoints", NULL};

int tp_catalog_load_mem(const char *text, size_t len, const char *file, tp_catalog *out,
                        char *err, size_t errlen)
{
    load_ctx c = {.file = file ? file : "<catalog>", .err = err, .errlen = errlen};
    cJSON *root = NULL;
    const cJSON *eps, *it;
    const char *end = NULL;
    int n, rc = -1;
    size_t i = 0;

    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!text || len == 0) {
        set_err(err, errlen, "%s: empty file (expected a JSON catalog object)", c.file);
        return -1;
    }
    {
        bool raw;
        size_t nl = tp_json_nul_line(text, len, &raw);
        if (nl) { /* never quote the text around it: it may be anything */
            set_err(err, errlen, "%s: line %zu: %s", c.file, nl,
                    raw ? "a NUL byte is not allowed" : "\\u0000 is not allowed in strings");
            return -1;
        }
    }
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t line, col, off = end && end >= text ? (size_t)(end - text) : 0;
        line_col(text, len, off, &line, &col);
        set_err(err, errlen, "%s: line %zu column %zu: invalid JSON", c.file, line, col);
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        expected(&c, NULL, "a JSON object with \"name\", \"source\" and \"endpoints\"", root);
        goto done;
    }
    if (check_keys(&c, root, k_catalog_keys) != 0 ||
        get_str(&c, root, "name", true, false, true, &out->name) != 0 ||
        get_str(&c, root, "source", true, false, true, &out->source) != 0 ||
        get_str(&c, root, "version", false, false, true, &out->version) != 0 ||
        get_str(&c, root, "date", false, false, true, &out->date) != 0)
        goto done;
    eps = cJSON_GetObjectItemCaseSensitive(root, "endpoints");
    if (!eps) {
        missing(&c, "endpoints", "an array of endpoint objects");
        goto done;
    }
    if (!cJSON_IsArray(eps)) {
        expected(&c, "endpoints", "an array of endpoint objects", eps);
        goto done;
    }
    out->file = tp_strdup(c.file);
    n = cJSON_GetArraySize(eps);
    out->endpoints = n > 0 ? calloc((size_t)n, sizeof *out->endpoints) : NULL;
    if (!out->file || (n > 0 && !out->endpoints)) {
        set_err(err, errlen, "%s: out of memory", c.file);
        goto done;
    }
    out->n = (size_t)n;
    cJSON_ArrayForEach(it, eps) {
        snprintf(c.where, sizeof c.where, "endpoints[%zu]", i);
        if (load_endpoint(&c, it, &out->endpoints[i]) != 0)
            goto done;
        i++;
    }
    c.where[0] = '\0';
    if (check_unique_ids(&c, out) != 0)
        goto done;
    rc = 0;
done:
    cJSON_Delete(root);
    if (rc != 0)
        tp_catalog_free(out);
    return rc;
}

/* Reads a whole file, at most max bytes. Returns 0, or -1 with err set. */
static int read_file(const char *file, size_t max, char **data, size_t *len, char *err,
                     size_t errlen)
{
    FILE *f = fopen(file, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int rc = -1;

    *data = NULL;
    *len = 0;
    if (!f) {
        set_err(err, errlen, "%s: cannot open: %s", file, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb;
            if (cap > max) {
                set_err(err, errlen, "%s: too large (more than %zu bytes)", file, max);
                goto done;
            }
            nb = realloc(buf, ncap + 1);
            if (!nb) {
                set_err(err, errlen, "%s: out of memory", file);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        set_err(err, errlen, "%s: cannot read: %s", file, strerror(errno));
        goto done;
    }
    if (n > max) {
        set_err(err, errlen, "%s: too large (more than %zu bytes)", file, max);
        goto done;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    fclose(f);
    return rc;
}

int tp_catalog_load_file(const char *file, tp_catalog *out, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    int rc;
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!file) {
        set_err(err, errlen, "(null): cannot open: no file name");
        return -1;
    }
    if (read_file(file, CAT_MAX_FILE_BYTES, &data, &len, err, errlen) != 0)
        return -1;
    rc = tp_catalog_load_mem(data, len, file, out, err, errlen);
    free(data);
    return rc;
}

int tp_catalog_load_builtin(tp_catalog *out, char *err, size_t errlen)
{
    return tp_catalog_load_mem(tp_embed_catalog_mde, tp_embed_catalog_mde_len, "<built-in>", out,
                               err, errlen);
}

/* ---------- selection ---------- */

/* Microsoft's rule for the standard list is "open every WW row, plus your data
 * location's rows": selecting a geography keeps the worldwide rows. An endpoint with
 * no os or onboarding list applies to every OS or onboarding mode. */
bool tp_endpoint_selected(const tp_endpoint *e, const tp_select *sel)
{
    if (!e)
        return false;
    if (!sel)
        return true;
    if (!sel->include_optional && !e->required)
        return false;
    /* an endpoint without a cloud list serves every cloud (catalogs older than clouds) */
    if (e->clouds.n > 0 && !tp_strlist_has_ci(&e->clouds, sel->cloud && sel->cloud[0] ? sel->cloud : "commercial"))
        return false;
    if (sel->services.n > 0 && !(e->service && tp_strlist_has_ci(&sel->services, e->service)))
        return false;
    if (sel->geography.n > 0) {
        bool ww = !e->geography || strcasecmp(e->geography, "WW") == 0;
        if (!ww && !tp_strlist_has_ci(&sel->geography, e->geography))
            return false;
    }
    if (sel->os && sel->os[0] && e->os.n > 0 && !tp_strlist_has_ci(&e->os, sel->os))
        return false;
    if (sel->onboarding && sel->onboarding[0] && e->onboarding.n > 0 &&
        !tp_strlist_has_ci(&e->onboarding, sel->onboarding))
        return false;
    return true;
}


/* ---------- CSV: bytes -> rows (RFC 4180) ---------- */

typedef struct csv_row {
    char **f;
    size_t n;
    size_t line; /* 1-based line where the record starts */
} csv_row;

typedef struct csv_doc {
    csv_row *rows;
    size_t n, cap;
} csv_doc;

static void csv_row_free(csv_row *r)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        free(r->f[i]);
    free(r->f);
    memset(r, 0, sizeof *r);
}

static void csv_doc_free(csv_doc *d)
{
    size_t i;
    for (i = 0; i < d->n; i++)
        csv_row_free(&d->rows[i]);
    free(d->rows);
    memset(d, 0, sizeof *d);
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not valid UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF are rejected). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len, i;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

/* A spreadsheet saved as CSV is text: NUL or control bytes mean a binary file (an
 * .xlsx renamed, say), and other encodings than UTF-8 would corrupt host names. */
static int csv_check_bytes(const char *data, size_t len, const char *file, char *err,
                           size_t errlen)
{
    const unsigned char *d = (const unsigned char *)data;
    size_t i = 0, line = 1;
    while (i < len) {
        unsigned c = d[i];
        size_t sl;
        if (c == '\n') {
            line++;
            i++;
            continue;
        }
        if (c < 0x20 && c != '\t' && c != '\r') {
            set_err(err, errlen,
                    "%s: line %zu: binary data (byte 0x%02X): expected a text CSV file", file,
                    line, c);
            return -1;
        }
        sl = utf8_seq_len(d + i, len - i);
        if (sl == 0) {
            set_err(err, errlen,
                    "%s: line %zu: invalid UTF-8: expected a UTF-8 CSV file (save as \"CSV UTF-8\")",
                    file, line);
            return -1;
        }
        i += sl;
    }
    return 0;
}

/* Excel writes ';' or tab-separated "CSV" in some locales: take the separator the
 * header line uses most. */
static char csv_sniff_delim(const char *d, size_t len)
{
    size_t i, comma = 0, semi = 0, tab = 0;
    bool q = false;
    for (i = 0; i < len; i++) {
        char c = d[i];
        if (c == '"')
            q = !q;
        else if (!q && (c == '\n' || c == '\r'))
            break;
        else if (!q && c == ',')
            comma++;
        else if (!q && c == ';')
            semi++;
        else if (!q && c == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

typedef struct csv_buf {
    char *p;
    size_t n, cap;
} csv_buf;

static int csv_buf_put(csv_buf *b, char c)
{
    if (b->n + 1 >= b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 64;
        char *np = realloc(b->p, ncap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = ncap;
    }
    b->p[b->n++] = c;
    return 0;
}

static int csv_row_push(csv_row *r, csv_buf *b)
{
    char **nf;
    char *s = tp_strndup(b->p ? b->p : "", b->n);
    if (!s)
        return -1;
    nf = realloc(r->f, (r->n + 1) * sizeof *nf);
    if (!nf) {
        free(s);
        return -1;
    }
    r->f = nf;
    r->f[r->n++] = s;
    b->n = 0;
    return 0;
}

static int csv_doc_push(csv_doc *d, csv_row *r)
{
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        csv_row *nr = realloc(d->rows, ncap * sizeof *nr);
        if (!nr)
            return -1;
        d->rows = nr;
        d->cap = ncap;
    }
    d->rows[d->n++] = *r;
    memset(r, 0, sizeof *r);
    return 0;
}

static bool csv_row_blank(const csv_row *r)
{
    size_t i, j;
    for (i = 0; i < r->n; i++)
        for (j = 0; r->f[i][j]; j++)
            if (!isspace((unsigned char)r->f[i][j]))
                return false;
    return true;
}

/* Parses records: quoted fields may hold the separator, doubled quotes and line
 * breaks; records end at CRLF, LF or a lone CR. Blank records are dropped. */
static int csv_parse(const char *d, size_t len, const char *file, csv_doc *doc, char *err,
                     size_t errlen)
{
    char delim = csv_sniff_delim(d, len);
    csv_buf b = {0};
    csv_row row = {0};
    size_t i = 0, line = 1;
    int rc = -1;

    while (i < len) {
        row.line = line;
        for (;;) { /* one field per turn */
            if (i < len && d[i] == '"') {
                size_t qline = line;
                i++;
                for (;;) {
                    if (i >= len) {
                        set_err(err, errlen,
                                "%s: line %zu: unterminated quoted field (expected a closing '\"')",
                                file, qline);
                        goto done;
                    }
                    if (d[i] == '"') {
                        if (i + 1 < len && d[i + 1] == '"') {
                            i += 2;
                            if (csv_buf_put(&b, '"') != 0)
                                goto oom;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (d[i] == '\n')
                        line++;
                    if (csv_buf_put(&b, d[i++]) != 0)
                        goto oom;
                    if (b.n > CSV_MAX_FIELD_BYTES)
                        goto too_long;
                }
                while (i < len && (d[i] == ' ' || d[i] == '\t') && d[i] != delim)
                    i++;
                if (i < len && d[i] != delim && d[i] != '\r' && d[i] != '\n') {
                    set_err(err, errlen,
                            "%s: line %zu: unexpected character after a closing quote (a quote inside a quoted field must be doubled)",
                            file, line);
                    goto done;
                }
            } else {
                while (i < len && d[i] != delim && d[i] != '\r' && d[i] != '\n') {
                    if (csv_buf_put(&b, d[i++]) != 0)
                        goto oom;
                    if (b.n > CSV_MAX_FIELD_BYTES)
                        goto too_long;
                }
            }
            if (row.n >= CSV_MAX_FIELDS) {
                set_err(err, errlen, "%s: line %zu: more than %u columns", file, row.line,
                        CSV_MAX_FIELDS);
                goto done;
            }
            if (csv_row_push(&row, &b) != 0)
                goto oom;
            if (i < len && d[i] == delim) {
                i++;
                if (i < len)
                    continue;
                if (csv_row_push(&row, &b) != 0) /* "a,b," ends with an empty field */
                    goto oom;
                break;
            }
            if (i < len && d[i] == '\r')
                i++;
            if (i < len && d[i] == '\n')
                i++;
            line++;
            break;
        }
        if (csv_row_blank(&row)) {
            csv_row_free(&row);
            continue;
        }
        if (doc->n >= CSV_MAX_ROWS) {
            set_err(err, errlen, "%s: line %zu: more than %u rows", file, row.line, CSV_MAX_ROWS);
            goto done;
        }
        if (csv_doc_push(doc, &row) != 0)
            goto oom;
    }
    rc = 0;
    goto done;
too_long:
    set_err(err, errlen, "%s: line %zu: field longer than %u bytes", file, line,
            CSV_MAX_FIELD_BYTES);
    goto done;
oom:
    set_err(err, errlen, "%s: out of memory", file);
done:
    csv_row_free(&row);
    free(b.p);
    if (rc != 0)
        csv_doc_free(doc);
    return rc;
}

/* ---------- CSV: rows -> endpoints ---------- */

enum {
    COL_SERVICE, COL_GEO, COL_CATEGORY, COL_PORT, COL_URL, COL_DESC, COL_REQUIRED, COL_TYPE,
    COL_COMMENTS, COL_OS, COL__N
};

/* Header names are compared on their letters and digits only, lower-cased, so
 * "Endpoint/URL", "Endpoint / URLs" and "endpoint url" are one column. */
static const struct {
    const char *display;
    const char *names[8];
} k_cols[COL__N] = {
    [COL_SERVICE] = {"Service", {"service", "services", NULL}},
    [COL_GEO] = {"Geography", {"geography", "geo", "region", NULL}},
    [COL_CATEGORY] = {"Category", {"category", NULL}},
    [COL_PORT] = {"Port", {"port", "ports", NULL}},
    [COL_URL] = {"Endpoint/URL",
                 {"endpointurl", "endpointurls", "url", "urls", "endpoint", "endpoints", "fqdn",
                  NULL}},
    [COL_DESC] = {"Endpoint/URL Description",
                  {"endpointurldescription", "endpointurlsdescription", "description", NULL}},
    [COL_REQUIRED] = {"Required or Optional",
                      {"requiredoroptional", "requiredoptional", "required", NULL}},
    [COL_TYPE] = {"Type", {"type", NULL}},
    [COL_COMMENTS] = {"Comments", {"comments", "comment", "notes", NULL}},
    [COL_OS] = {"OS", {"os", "platform", "osplatform", NULL}},
};

enum { OS_WINDOWS = 1, OS_MACOS = 2, OS_LINUX = 4 };
#define MAX_OS_COLS 16

typedef struct csv_map {
    int col[COL__N];
    int os_col[MAX_OS_COLS];
    unsigned os_kind[MAX_OS_COLS];
    size_t n_os;
    bool streamlined;
    bool gov;               /* a US Government list: its WW rows serve GCC, GCC High and DoD */
    const char *onboarding; /* forced by the caller, or NULL */
    size_t header_line;
} csv_map;

static void norm_header(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    for (; *s && o + 1 < outlen; s++)
        if (isalnum((unsigned char)*s))
            out[o++] = (char)lower_c((unsigned char)*s);
    out[o] = '\0';
}

/* Maps a header row; true when it has an Endpoint/URL column. */
static bool csv_map_header(const csv_row *r, csv_map *m)
{
    size_t i;
    int c;
    memset(m, 0, sizeof *m);
    for (c = 0; c < COL__N; c++)
        m->col[c] = -1;
    for (i = 0; i < r->n && i < CSV_MAX_FIELDS; i++) {
        char h[64];
        bool known = false;
        norm_header(r->f[i], h, sizeof h);
        for (c = 0; c < COL__N && !known; c++) {
            const char *const *nm;
            for (nm = k_cols[c].names; *nm && !known; nm++)
                if (strcmp(h, *nm) == 0) {
                    known = true;
                    if (m->col[c] < 0) /* first of two same-named columns wins */
                        m->col[c] = (int)i;
                }
        }
        if (known || m->n_os >= MAX_OS_COLS)
            continue;
        /* one column per OS family in the standard list */
        if (strstr(h, "mac") || strstr(h, "linux") || strstr(h, "windows") || strstr(h, "server")) {
            m->os_col[m->n_os] = (int)i;
            m->os_kind[m->n_os] = strstr(h, "mac") ? OS_MACOS
                                  : strstr(h, "linux") ? OS_LINUX
                                                       : OS_WINDOWS;
            m->n_os++;
        }
    }
    m->streamlined = m->col[COL_TYPE] >= 0 || m->col[COL_OS] >= 0;
    m->header_line = r->line;
    return m->col[COL_URL] >= 0;
}

/* Trims ASCII white space and no-break spaces (Excel's &nbsp;) in place. */
static char *trim(char *s)
{
    char *e;
    for (;;) {
        if (isspace((unsigned char)*s))
            s++;
        else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
            s += 2;
        else
            break;
    }
    e = s + strlen(s);
    for (;;) {
        if (e > s && isspace((unsigned char)e[-1]))
            e--;
        else if (e - s >= 2 && (unsigned char)e[-2] == 0xC2 && (unsigned char)e[-1] == 0xA0)
            e -= 2;
        else
            break;
    }
    *e = '\0';
    return s;
}

static char *cell(const csv_row *r, int idx)
{
    static char empty[1];
    if (idx < 0 || (size_t)idx >= r->n)
        return empty;
    return trim(r->f[idx]);
}

/* Whole-word, case-insensitive, plural 's' allowed: "MAPS" must not match inside
 * "roadmaps", nor "mma" inside "Command". */
static bool has_word_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    const char *p;
    for (p = hay; *p; p++) {
        const char *e = p + n;
        if (strncasecmp(p, needle, n) != 0)
            continue;
        if (p > hay && isalnum((unsigned char)p[-1]) && isalnum((unsigned char)needle[0]))
            continue;
        if (lower_c((unsigned char)*e) == 's' && !isalnum((unsigned char)e[1]))
            return true;
        if (!isalnum((unsigned char)*e) || !isalnum((unsigned char)needle[n - 1]))
            return true;
    }
    return false;
}

/* Keyword -> service, first match wins: the order puts the specific before the
 * general ("AutoIR sample storage" is EDR, not submission). */
static const struct {
    const char *kw;
    const char *svc;
} k_service_kw[] = {
    /* the services Microsoft's current lists name on their own rows */
    {"smartscreen", "smartscreen"},
    {"web & network protection", "smartscreen"},
    {"live response", "live-response"},
    {"network scanner", "vm-scanner"},
    {"defender core", "defender-core"},
    {"ecs", "defender-core"},
    {"security management", "security-management"},
    {"ipv6", "reflector"},
    {"mma", "mma"},
    {"monitoring agent", "mma"},
    {"log analytics", "mma"},
    {"core defender", "edr"},
    {"autoir", "edr"},
    {"automated investigation", "edr"},
    {"alternate download", "adl"},
    {"(adl)", "adl"},
    {"crl", "crl"},
    {"revocation", "crl"},
    {"maps", "maps"},
    {"cloud-delivered", "maps"},
    {"cloud delivered", "maps"},
    {"cloud protection", "maps"},
    {"active protection", "maps"},
    {"sample", "submission"},
    {"submission", "submission"},
    {"edr", "edr"},
    {"endpoint detection", "edr"},
    {"command and control", "edr"},
    {"command & control", "edr"},
    {"cyber data", "edr"},
    {"sensor", "edr"},
    {"security intelligence", "update"},
    {"definition", "update"},
    {"update", "update"},
    {"diagnostic", "diagnostics"},
    {"telemetry", "diagnostics"},
};

/* Lower-case kebab slug of s appended to out (bounded); collapses separators. */
static void slug_append(char *out, size_t outlen, const char *s)
{
    size_t o = strlen(out);
    bool dash = o > 0 && out[o - 1] != '-';
    for (; *s && o + 2 < outlen; s++) {
        int c = (unsigned char)*s;
        if (isalnum(c) && c < 0x80) {
            if (dash && o > 0)
                out[o++] = '-';
            dash = false;
            out[o++] = (char)lower_c(c);
        } else {
            dash = true;
        }
    }
    out[o] = '\0';
    while (o > 0 && out[o - 1] == '-')
        out[--o] = '\0';
}

/* Category names the function in the standard list (Service is "Microsoft Defender for
 * Endpoint" on every row); Service does in the streamlined list; the description is the
 * last resort before a slug of the category. */
static void service_of(const char *category, const char *service, const char *desc, char *out,
                       size_t outlen)
{
    const char *texts[3] = {category, service, desc};
    size_t t, k;
    for (t = 0; t < 3; t++)
        for (k = 0; k < sizeof k_service_kw / sizeof k_service_kw[0]; k++)
            if (texts[t][0] && has_word_ci(texts[t], k_service_kw[k].kw)) {
                snprintf(out, outlen, "%s", k_service_kw[k].svc);
                return;
            }
    out[0] = '\0';
    slug_append(out, outlen, category[0] ? category : service);
    if (!out[0])
        snprintf(out, outlen, "other");
}

/* A small string set (open addressing) for unique, stable ids. Each entry remembers the
 * next suffix to try when its id is used as a base again, so a hostile file repeating one
 * host 100000 times costs O(n), not O(n^2). */
typedef struct id_slot {
    char *s;
    size_t next;
} id_slot;

typedef struct id_set {
    id_slot *slot;
    size_t cap, n;
} id_set;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static id_slot *id_set_find(const id_set *s, const char *id)
{
    size_t i;
    if (s->cap == 0)
        return NULL;
    for (i = fnv1a(id) & (s->cap - 1); s->slot[i].s; i = (i + 1) & (s->cap - 1))
        if (strcmp(s->slot[i].s, id) == 0)
            return &s->slot[i];
    return NULL;
}

static int id_set_add(id_set *s, const char *id)
{
    size_t i;
    char *c;
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256, k;
        id_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (k = 0; k < s->cap; k++)
            if (s->slot[k].s) {
                for (i = fnv1a(s->slot[k].s) & (ncap - 1); ns[i].s; i = (i + 1) & (ncap - 1))
                    ;
                ns[i] = s->slot[k];
            }
        free(s->slot);
        s->slot = ns;
        s->cap = ncap;
    }
    if (!(c = tp_strdup(id)))
        return -1;
    for (i = fnv1a(id) & (s->cap - 1); s->slot[i].s; i = (i + 1) & (s->cap - 1))
        ;
    s->slot[i].s = c;
    s->slot[i].next = 2;
    s->n++;
    return 0;
}

static void id_set_free(id_set *s)
{
    size_t i;
    for (i = 0; i < s->cap; i++)
        free(s->slot[i].s);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* Everything one CSV row contributes, shared by the endpoints it expands to. */
typedef struct csv_rowinfo {
    const char *file;      /* for messages */
    const char *base;      /* file's base name, for "source" */
    size_t line;
    char service[48];
    char geography[24];
    bool required;
    unsigned os;
    const char *desc;
    const char *comments;
    int ports[CSV_MAX_PORTS];
    size_t n_ports;
    unsigned clouds;       /* CLOUD_* bits; 0 = not said */
    bool conditional;      /* "Yes*" cells: required unless (the comment says when) */
    const char *onboarding; /* forced mode ("standard"/"streamlined") or NULL */
} csv_rowinfo;

enum { CLOUD_COMMERCIAL = 1, CLOUD_GCC = 2, CLOUD_GCCH = 4, CLOUD_DOD = 8, CLOUD_GOV = 14 };

static int col_error(const csv_rowinfo *ri, const char *col, const char *what, const char *got,
                     char *err, size_t errlen)
{
    char q[GOT_MAX + 16];
    quote_for_msg(got, strlen(got), q, sizeof q);
    set_err(err, errlen, "%s: line %zu: column \"%s\": expected %s, got %s", ri->file, ri->line,
            col, what, q);
    return -1;
}

/* "443", "80, 443", "80/443", "443 and 80". Empty -> no ports (defaults apply). */
static int parse_ports(const char *s, csv_rowinfo *ri, char *err, size_t errlen)
{
    static const char what[] = "a port number";
    const char *p = s;
    ri->n_ports = 0;
    while (*p) {
        if (isdigit((unsigned char)*p)) {
            long v = 0;
            size_t nd = 0;
            while (isdigit((unsigned char)*p)) {
                if (++nd > 5)
                    return col_error(ri, "Port", what, s, err, errlen);
                v = v * 10 + (*p++ - '0');
            }
            if (v < 1 || v > 65535 || ri->n_ports >= CSV_MAX_PORTS)
                return col_error(ri, "Port", what, s, err, errlen);
            ri->ports[ri->n_ports++] = (int)v;
        } else if (strchr(" \t\r\n,/;&+", *p)) {
            p++;
        } else if (strncasecmp(p, "and", 3) == 0 && !isalpha((unsigned char)p[3])) {
            p += 3;
        } else if (strncasecmp(p, "or", 2) == 0 && !isalpha((unsigned char)p[2])) {
            p += 2;
        } else if (strncasecmp(p, "tcp", 3) == 0 && !isalpha((unsigned char)p[3])) {
            p += 3;
        } else {
            return col_error(ri, "Port", what, s, err, errlen);
        }
    }
    return 0;
}

static int parse_required(const char *s, const char *col, csv_rowinfo *ri, char *err,
                          size_t errlen)
{
    if (!s[0] || strncasecmp(s, "required", 8) == 0 || strcasecmp(s, "yes") == 0)
        ri->required = true;
    else if (strncasecmp(s, "optional", 8) == 0 || strcasecmp(s, "no") == 0)
        ri->required = false;
    else
        return col_error(ri, col, "Required or Optional", s, err, errlen);
    return 0;
}

/* Microsoft's Geography cells: a code (WW, US, EU, UK, AU), "All", a name with the code in
 * parentheses ("Azure UAE Central (AEC)"), or a US Government cloud ("GCC", "GCC High",
 * "DoD", "US Gov": geography US, and the cloud the row serves). */
static int parse_geography(const char *s, csv_rowinfo *ri, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        unsigned clouds;
    } gov[] = {{"gcc", CLOUD_GCC}, {"gcchigh", CLOUD_GCCH}, {"gcch", CLOUD_GCCH}, {"dod", CLOUD_DOD},
               {"usgov", CLOUD_GOV}, {"usgovernment", CLOUD_GOV}};
    size_t i, n = strlen(s);
    const char *lp = strrchr(s, '('), *rp = lp ? strchr(lp, ')') : NULL;
    char norm[32];
    if (n == 0 || strcasecmp(s, "all") == 0) {
        snprintf(ri->geography, sizeof ri->geography, "WW");
        return 0;
    }
    norm_header(s, norm, sizeof norm);
    for (i = 0; i < sizeof gov / sizeof gov[0]; i++)
        if (strcmp(norm, gov[i].name) == 0) {
            snprintf(ri->geography, sizeof ri->geography, "US");
            ri->clouds = gov[i].clouds;
            return 0;
        }
    if (lp && rp && rp > lp + 1 && (size_t)(rp - lp - 1) < 16) {
        s = lp + 1; /* "Azure UAE Central (AEC)" -> AEC */
        n = (size_t)(rp - lp - 1);
    }
    if (n >= 17)
        goto bad;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!(isalnum(c) || c == ' ' || c == '-'))
            goto bad;
        ri->geography[i] = (char)toupper(c);
    }
    ri->geography[n] = '\0';
    return 0;
bad:
    return col_error(ri, "Geography", "a geography code such as WW, US, EU, UK or AU", lp && rp ? lp : s,
                     err, errlen);
}

/* Standard list: a cell per OS family, marked Yes / Y / x / a check mark, or a note. */
static bool cell_yes(const char *s)
{
    if (!s[0] || strcasecmp(s, "n") == 0 || strncasecmp(s, "no", 2) == 0 ||
        strncasecmp(s, "n/a", 3) == 0 || strcmp(s, "-") == 0)
        return false;
    return true;
}

/* Streamlined list: "All", "Windows", "Linux", "macOS", or a list of them. */
static int parse_os_list(const char *s, csv_rowinfo *ri, char *err, size_t errlen)
{
    const char *p = s;
    ri->os = 0;
    while (*p) {
        size_t n = 0;
        char w[24];
        if (!isalnum((unsigned char)*p)) {
            p++;
            continue;
        }
        while (isalnum((unsigned char)p[n]))
            n++;
        snprintf(w, sizeof w, "%.*s", (int)(n < 23 ? n : 23), p);
        if (isdigit((unsigned char)w[0]) || strcasecmp(w, "server") == 0 ||
            strcasecmp(w, "and") == 0)
            ; /* "Windows 10/11", "Windows Server": versions add nothing here */
        else if (strcasecmp(w, "all") == 0)
            ri->os |= OS_WINDOWS | OS_MACOS | OS_LINUX;
        else if (strcasecmp(w, "windows") == 0 || strcasecmp(w, "win") == 0)
            ri->os |= OS_WINDOWS;
        else if (strcasecmp(w, "macos") == 0 || strcasecmp(w, "mac") == 0 ||
                 strcasecmp(w, "osx") == 0)
            ri->os |= OS_MACOS;
        else if (strcasecmp(w, "linux") == 0)
            ri->os |= OS_LINUX;
        else
            return col_error(ri, "OS", "All, Windows, macOS or Linux", s, err, errlen);
        p += n;
    }
    return 0;
}

/* Copies s with white-space runs folded to one space, cut on a UTF-8 boundary. */
static void fold_append(char *out, size_t outlen, const char *s)
{
    size_t o = strlen(out);
    bool sp = o > 0;
    for (; *s && o + 5 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            sp = o > 0;
            continue;
        }
        if (sp) {
            out[o++] = ' ';
            sp = false;
        }
        out[o++] = (char)c;
    }
    /* cut in the middle of a UTF-8 sequence: drop its first half too */
    if (((unsigned char)*s & 0xC0) == 0x80) {
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && (unsigned char)out[o - 1] >= 0xC0)
            o--;
    }
    out[o] = '\0';
}

/* Builds JSON members; a NULL from cJSON (allocation failure) is remembered in *ok. */
static void add_str(cJSON *o, const char *k, const char *v, bool *ok)
{
    if (!(v ? cJSON_AddStringToObject(o, k, v) : cJSON_AddNullToObject(o, k)))
        *ok = false;
}

static void add_bool(cJSON *o, const char *k, bool v, bool *ok)
{
    if (!cJSON_AddBoolToObject(o, k, v))
        *ok = false;
}

static void add_os(cJSON *o, unsigned os, bool *ok)
{
    static const struct {
        unsigned bit;
        const char *name;
    } k[] = {{OS_WINDOWS, "windows"}, {OS_MACOS, "macos"}, {OS_LINUX, "linux"}};
    cJSON *a = cJSON_AddArrayToObject(o, "os");
    size_t i;
    if (!a) {
        *ok = false;
        return;
    }
    for (i = 0; i < 3; i++)
        if ((os & k[i].bit) && !cJSON_AddItemToArray(a, cJSON_CreateString(k[i].name)))
            *ok = false;
}

/* Turns one host-or-URL token into a scheme (NULL when the cell gives none), a concrete
 * host, an explicit port (0 when none: "example.com:8443" gives 8443), a path and a
 * wildcard. A wildcard host "*.x.com" is probed as "x.com" (the concrete hosts are not
 * in the spreadsheet); "a-*.x.com" as "x.com" too: the parent domain stands in, the
 * wildcard's own hosts are not tested. A wildcard that leaves no concrete host ("*",
 * "*.com") is an error. A trailing "*" in the path ("crl.microsoft.com/pki/crl/" plus a
 * star) is dropped. Credentials ("https://user:pw@host/") are refused without being
 * echoed. Errors quote the token as written in the cell. Returns 0 or -1 (err set). */
static int split_token(const csv_rowinfo *ri, const char *tok, char **scheme, char **host,
                       int *port, char **pathq, char **wildcard, char *err, size_t errlen)
{
    static const char what[] = "a host name or an http(s) URL";
    const char *p = tok, *hs, *he, *ae, *star;
    char *h = NULL, *w = NULL, *path = NULL, *sc = NULL;
    char red[GOT_MAX * 2];
    size_t plen;

    *scheme = *host = *pathq = *wildcard = NULL;
    *port = 0;
    if (url_redact_userinfo(tok, red, sizeof red))
        return col_error(ri, "Endpoint/URL", "a URL without credentials", red, err, errlen);
    if (strncasecmp(p, "https://", 8) == 0) {
        sc = tp_strdup("https");
        p += 8;
    } else if (strncasecmp(p, "http://", 7) == 0) {
        sc = tp_strdup("http");
        p += 7;
    } else if (strstr(p, "://")) {
        return col_error(ri, "Endpoint/URL", what, tok, err, errlen);
    }
    /* authority: "host", "host:port", "[v6]", "[v6]:port", or a bare v6 literal */
    ae = p + strcspn(p, "/?#");
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(ae - p));
        if (!rb)
            goto bad;
        hs = p + 1;
        he = rb;
        if (rb + 1 < ae) {
            if (rb[1] != ':' || (*port = parse_port(rb + 2, (size_t)(ae - rb - 2))) < 0)
                goto bad;
        }
    } else {
        const char *colon = memchr(p, ':', (size_t)(ae - p));
        hs = p;
        he = ae;
        if (colon && memchr(colon + 1, ':', (size_t)(ae - colon - 1))) {
            if (!v6_literal_ok(p, (size_t)(ae - p))) /* a bare IPv6 literal, no port */
                goto bad;
        } else if (colon) {
            he = colon;
            if ((*port = parse_port(colon + 1, (size_t)(ae - colon - 1))) < 0)
                goto bad;
        }
    }
    star = memchr(hs, '*', (size_t)(he - hs));
    if (star) {
        const char *dot = memchr(star, '.', (size_t)(he - star));
        if (dot && memchr(dot, '*', (size_t)(he - dot)))
            goto bad;
        if (!dot || dot + 1 >= he || !memchr(dot + 1, '.', (size_t)(he - dot - 1))) {
            /* "*", "*.", "*.com", "a*.com": only a top-level domain (or nothing) is left */
            char q[GOT_MAX + 16];
            quote_for_msg(hs, (size_t)(he - hs), q, sizeof q);
            set_err(err, errlen,
                    "%s: line %zu: column \"Endpoint/URL\": wildcard %s names no concrete host",
                    ri->file, ri->line, q);
            goto fail;
        }
        w = tp_strndup(hs, (size_t)(he - hs));
        h = tp_strndup(dot + 1, (size_t)(he - dot - 1));
    } else {
        h = tp_strndup(hs, (size_t)(he - hs));
    }
    plen = strcspn(ae, "#");
    while (plen > 0 && ae[plen - 1] == '*')
        plen--;
    path = plen == 0 ? tp_strdup("/") : tp_asprintf("%s%.*s", ae[0] == '/' ? "" : "/", (int)plen, ae);
    if (!h || !path || (star && !w) || (p != tok && !sc)) {
        set_err(err, errlen, "%s: out of memory", ri->file);
        goto fail;
    }
    ascii_lower(h);
    ascii_lower(w);
    if (strchr(path, '*') || strchr(h, '*'))
        goto bad;
    /* Microsoft's tables hold only DNS names and IP literals: a word without a dot is
     * prose ("Root URL for public Microsoft CDN endpoints ..."), not a host */
    if (!strchr(h, '.') && !strchr(h, ':'))
        goto bad;
    *scheme = sc;
    *host = h;
    *pathq = path;
    *wildcard = w;
    return 0;
bad:
    col_error(ri, "Endpoint/URL", what, tok, err, errlen);
fail:
    free(sc);
    free(h);
    free(w);
    free(path);
    *port = 0;
    return -1;
}

/* Appends one endpoint object to eps. */
static int emit_endpoint(cJSON *eps, id_set *ids, const csv_rowinfo *ri, const char *tok,
                         const char *scheme, const char *host, int port, const char *path,
                         const char *wildcard, bool streamlined, char *err, size_t errlen)
{
    char id[ID_MAX + 1] = "", desc[DESC_MAX] = "", src[512];
    char *url = NULL, *sc = NULL, *hs = NULL, *ps = NULL;
    bool def_port = (strcmp(scheme, "https") == 0 && port == 443) ||
                    (strcmp(scheme, "http") == 0 && port == 80);
    bool is_v6 = strchr(host, ':') != NULL && host[0] != '[', ok = true;
    bool blob = wildcard_covers("*.blob.core.windows.net", host);
    cJSON *o = NULL, *a;
    int rc = -1, pp;
    id_slot *used;

    url = def_port ? tp_asprintf("%s://%s%s%s%s", scheme, is_v6 ? "[" : "", host, is_v6 ? "]" : "", path)
                   : tp_asprintf("%s://%s%s%s:%d%s", scheme, is_v6 ? "[" : "", host,
                                 is_v6 ? "]" : "", port, path);
    if (!url)
        goto oom;
    if (tp_url_parse(url, &sc, &hs, &pp, &ps) != 0) {
        col_error(ri, "Endpoint/URL", "a host name or an http(s) URL", tok, err, errlen);
        goto done;
    }
    /* id: service-host-path, numbered on collision; stable for a given file */
    slug_append(id, 64, ri->service);
    slug_append(id, 64, "-");
    slug_append(id, 64, hs);
    slug_append(id, ID_MAX - 8, "-");
    slug_append(id, ID_MAX - 8, ps);
    if ((used = id_set_find(ids, id)) != NULL) {
        size_t base = strlen(id), n = used->next;
        do {
            snprintf(id + base, sizeof id - base, "-%zu", n++);
        } while (id_set_find(ids, id));
        used->next = n; /* before the insertion below may move the table */
    }
    if (id_set_add(ids, id) != 0)
        goto oom;
    {
        /* The wildcard note is what makes the result honest: the spreadsheet's text is cut
         * to leave room for it. */
        char note[HOST_MAX * 2 + 256] = "";
        size_t room;
        if (wildcard)
            snprintf(note, sizeof note,
                     "Wildcard rule %s: the spreadsheet names no concrete host, so this probe "
                     "tests the parent domain %s, not the hosts the wildcard matches; replace "
                     "it with a real host to test those.",
                     wildcard, hs);
        room = sizeof desc - (note[0] ? strlen(note) + 1 : 0);
        fold_append(desc, room, ri->desc);
        if (ri->comments[0]) {
            fold_append(desc, room, desc[0] ? " — " : "");
            fold_append(desc, room, ri->comments);
        }
        if (note[0]) {
            if (desc[0])
                fold_append(desc, sizeof desc, " ");
            fold_append(desc, sizeof desc, note);
        }
    }
    snprintf(src, sizeof src, "imported from %s line %zu", ri->base, ri->line);

    if (!(o = cJSON_CreateObject()))
        goto oom;
    add_str(o, "id", id, &ok);
    add_str(o, "service", ri->service, &ok);
    add_str(o, "url", url, &ok);
    add_str(o, "method", "GET", &ok);
    if (ri->required && ri->conditional) {
        char cond[512] = "";
        fold_append(cond, sizeof cond, ri->comments[0] ? ri->comments : "marked Yes* in the spreadsheet");
        add_str(o, "required", "conditional", &ok);
        add_str(o, "condition", cond, &ok);
    } else {
        add_str(o, "required", ri->required ? "required" : "optional", &ok);
    }
    {
        static const struct {
            unsigned bit;
            const char *name;
        } k[] = {{CLOUD_COMMERCIAL, "commercial"}, {CLOUD_GCC, "gcc"}, {CLOUD_GCCH, "gcc-high"}, {CLOUD_DOD, "dod"}};
        cJSON *cl = ri->clouds ? cJSON_AddArrayToObject(o, "cloud") : NULL;
        if (ri->clouds && !cl)
            ok = false;
        for (size_t k_i = 0; cl && k_i < 4; k_i++)
            if ((ri->clouds & k[k_i].bit) && !cJSON_AddItemToArray(cl, cJSON_CreateString(k[k_i].name)))
                ok = false;
    }
    add_str(o, "geography", ri->geography, &ok);
    add_os(o, ri->os, &ok);
    a = cJSON_AddArrayToObject(o, "onboarding");
    if (!a || !cJSON_AddItemToArray(a, cJSON_CreateString(ri->onboarding ? ri->onboarding
                                                          : streamlined ? "streamlined" : "standard")))
        ok = false;
    add_str(o, "pinset", NULL, &ok);
    /* Microsoft's current lists: exclude the MDE-specific storage accounts from inspection
     * too. Only a bare *.blob.core.windows.net rule (MMA, portal downloads) stays allowed. */
    add_bool(o, "inspection_allowed", blob && wildcard != NULL, &ok);
    if (!cJSON_AddArrayToObject(o, "expect_status"))
        ok = false;
    add_str(o, "wildcard", wildcard, &ok);
    add_str(o, "source", src, &ok);
    if (desc[0])
        add_str(o, "description", desc, &ok);
    if (!ok || !cJSON_AddItemToArray(eps, o))
        goto oom;
    o = NULL;
    rc = 0;
    goto done;
oom:
    set_err(err, errlen, "%s: out of memory", ri->file);
done:
    cJSON_Delete(o);
    free(url);
    free(sc);
    free(hs);
    free(ps);
    return rc;
}

/* The tokens of a URL cell: Microsoft puts several hosts in one cell, separated by
 * spaces, line breaks or commas. Credentials anywhere in the cell are refused before
 * any token is looked at, so a password split by a space is not quoted half-way. */
static int emit_row_urls(cJSON *eps, id_set *ids, const csv_rowinfo *ri, char *urls,
                         bool streamlined, char *err, size_t errlen)
{
    static const char seps[] = " \t\r\n,;`";
    char *save = NULL, *tok, *br;
    const char *q;
    /* a cell copied from the published page keeps its HTML line breaks */
    while ((br = strstr(urls, "<br>")) != NULL || (br = strstr(urls, "<br/>")) != NULL ||
           (br = strstr(urls, "<br />")) != NULL)
        memset(br, ' ', strcspn(br, ">") + 1);
    for (q = urls + strspn(urls, seps); *q; q += strspn(q, seps)) {
        size_t n = strcspn(q, seps);
        char *one = tp_strndup(q, n), red[GOT_MAX * 2];
        bool creds;
        if (!one) {
            set_err(err, errlen, "%s: out of memory", ri->file);
            return -1;
        }
        creds = url_redact_userinfo(one, red, sizeof red);
        free(one);
        if (creds)
            return col_error(ri, "Endpoint/URL", "a URL without credentials", red, err, errlen);
        q += n;
    }
    for (tok = strtok_r(urls, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
        char *scheme = NULL, *host = NULL, *path = NULL, *wild = NULL;
        int rc = 0, port = 0;
        size_t k;
        if (split_token(ri, tok, &scheme, &host, &port, &path, &wild, err, errlen) != 0)
            return -1;
        if (scheme) { /* an explicit scheme wins over the Port column */
            rc = emit_endpoint(eps, ids, ri, tok, scheme, host,
                               port ? port : strcmp(scheme, "https") == 0 ? 443 : 80, path, wild,
                               streamlined, err, errlen);
        } else if (ri->n_ports > 0) { /* the Port column wins over "host:port" */
            for (k = 0; k < ri->n_ports && rc == 0; k++)
                rc = emit_endpoint(eps, ids, ri, tok, ri->ports[k] == 80 ? "http" : "https", host,
                                   ri->ports[k], path, wild, streamlined, err, errlen);
        } else if (port) {
            rc = emit_endpoint(eps, ids, ri, tok, port == 80 ? "http" : "https", host, port, path,
                               wild, streamlined, err, errlen);
        } else {
            rc = emit_endpoint(eps, ids, ri, tok, "https", host, 443, path, wild, streamlined,
                               err, errlen);
        }
        free(scheme);
        free(host);
        free(path);
        free(wild);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int csv_row_to_endpoints(const csv_map *m, const csv_row *r, const char *file,
                                const char *base, cJSON *eps, id_set *ids, char *err,
                                size_t errlen)
{
    csv_rowinfo ri = {.file = file, .base = base, .line = r->line};
    char *urls = cell(r, m->col[COL_URL]);
    size_t i;

    if (!urls[0])
        return 0; /* a note or section row */
    {
        char h[64];
        norm_header(urls, h, sizeof h);
        if (strcmp(h, "endpointurl") == 0 || strcmp(h, "endpointurls") == 0)
            return 0; /* a repeated header row */
    }
    service_of(cell(r, m->col[COL_CATEGORY]), cell(r, m->col[COL_SERVICE]),
               cell(r, m->col[COL_DESC]), ri.service, sizeof ri.service);
    if (parse_geography(cell(r, m->col[COL_GEO]), &ri, err, errlen) != 0 ||
        parse_ports(cell(r, m->col[COL_PORT]), &ri, err, errlen) != 0)
        return -1;
    if (m->col[COL_REQUIRED] >= 0) {
        if (parse_required(cell(r, m->col[COL_REQUIRED]), k_cols[COL_REQUIRED].display, &ri, err,
                           errlen) != 0)
            return -1;
    } else if (parse_required(cell(r, m->col[COL_TYPE]), "Type", &ri, err, errlen) != 0) {
        return -1;
    }
    if (m->col[COL_OS] >= 0 && parse_os_list(cell(r, m->col[COL_OS]), &ri, err, errlen) != 0)
        return -1;
    for (i = 0; i < m->n_os; i++) {
        const char *v = cell(r, m->os_col[i]);
        if (cell_yes(v))
            ri.os |= m->os_kind[i];
        if (cell_yes(v) && strchr(v, '*'))
            ri.conditional = true; /* "Yes*": "*Optional if updates are managed internally" */
    }
    if (!ri.clouds)
        ri.clouds = m->gov ? CLOUD_GOV : CLOUD_COMMERCIAL;
    ri.onboarding = m->onboarding;
    ri.desc = cell(r, m->col[COL_DESC]);
    ri.comments = cell(r, m->col[COL_COMMENTS]);
    return emit_row_urls(eps, ids, &ri, urls, m->streamlined, err, errlen);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Finds the header among the first rows (Excel exports may carry a title above it). */
static int csv_find_header(const csv_doc *doc, const char *file, csv_map *m, size_t *hdr,
                           char *err, size_t errlen)
{
    size_t i;
    for (i = 0; i < doc->n && i < CSV_HEADER_SEARCH_ROWS; i++)
        if (csv_map_header(&doc->rows[i], m)) {
            *hdr = i;
            if (m->col[COL_SERVICE] < 0 && m->col[COL_CATEGORY] < 0) {
                set_err(err, errlen, "%s: line %zu: missing column \"Service\"", file,
                        doc->rows[i].line);
                return -1;
            }
            return 0;
        }
    set_err(err, errlen, "%s: line %zu: missing column \"Endpoint/URL\"", file,
            doc->rows[0].line);
    return -1;
}

int tp_catalog_import_csv_mem(const char *data, size_t len, const char *file, char **json_out,
                              char *err, size_t errlen)
{
    return tp_catalog_import_csv_mem_ex(data, len, file, NULL, json_out, err, errlen);
}

/* A US Government list is told by its Geography cells (GCC, GCC High, DoD, US Gov). */
static bool csv_is_gov(const csv_doc *doc, const csv_map *m, size_t hdr)
{
    for (size_t i = hdr + 1; m->col[COL_GEO] >= 0 && i < doc->n; i++) {
        char h[32];
        norm_header(cell(&doc->rows[i], m->col[COL_GEO]), h, sizeof h);
        if (!strcmp(h, "gcc") || !strcmp(h, "gcchigh") || !strcmp(h, "dod") || !strcmp(h, "usgov"))
            return true;
    }
    return false;
}

int tp_catalog_import_csv_mem_ex(const char *data, size_t len, const char *file, const tp_import_opts *opts,
                                 char **json_out, char *err, size_t errlen)
{
    csv_doc doc = {0};
    char first_err[512] = "";
    csv_map m;
    id_set ids = {0};
    cJSON *root = NULL, *eps;
    char *text = NULL, *desc = NULL, *src = NULL;
    const char *base;
    size_t hdr = 0, i;
    bool ok = true;
    int rc = -1;

    if (!json_out)
        return -1;
    *json_out = NULL;
    file = file ? file : "<csv>";
    base = base_name(file);
    if (!data)
        len = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) { /* Excel's UTF-8 BOM */
        data += 3;
        len -= 3;
    }
    if (csv_check_bytes(data, len, file, err, errlen) != 0 ||
        csv_parse(data, len, file, &doc, err, errlen) != 0)
        goto done;
    if (doc.n == 0) {
        set_err(err, errlen, "%s: empty file (expected a header row with an \"Endpoint/URL\" column)",
                file);
        goto done;
    }
    if (csv_find_header(&doc, file, &m, &hdr, err, errlen) != 0)
        goto done;
    if (!(root = cJSON_CreateObject()) || !(eps = cJSON_CreateArray()))
        goto oom;
    m.gov = csv_is_gov(&doc, &m, hdr);
    m.onboarding = opts ? opts->onboarding : NULL;
    if (m.onboarding)
        m.streamlined = strcmp(m.onboarding, "streamlined") == 0;
    /* A row that cannot be mapped is reported and skipped: Microsoft's tables carry prose
     * rows ("Root URL for public Microsoft CDN endpoints ... see ...") among the hosts. Its
     * endpoints already emitted (an earlier host of the same cell) are taken back. */
    for (i = hdr + 1; i < doc.n; i++) {
        int before = cJSON_GetArraySize(eps);
        char rerr[512] = "";
        if (csv_row_to_endpoints(&m, &doc.rows[i], file, base, eps, &ids, rerr, sizeof rerr) == 0)
            continue;
        if (strstr(rerr, "out of memory")) {
            cJSON_Delete(eps);
            goto oom;
        }
        while (cJSON_GetArraySize(eps) > before)
            cJSON_DeleteItemFromArray(eps, before);
        if (!first_err[0])
            snprintf(first_err, sizeof first_err, "%s", rerr);
        if (opts && opts->warnings) {
            char w[600];
            snprintf(w, sizeof w, "%s (row skipped)", rerr);
            if (tp_strlist_add(opts->warnings, w) != 0) {
                cJSON_Delete(eps);
                goto oom;
            }
        }
    }
    if (cJSON_GetArraySize(eps) == 0) {
        cJSON_Delete(eps);
        if (first_err[0]) /* nothing usable: the first row's own error says why */
            set_err(err, errlen, "%s", first_err);
        else
            set_err(err, errlen, "%s: line %zu: no endpoint rows below the header", file, m.header_line);
        goto done;
    }
    desc = tp_asprintf("Imported from the Microsoft Defender for Endpoint URL spreadsheet (%s "
                       "list). expect_status is left empty (any 1xx-4xx answer means reachable), "
                       "pinset is null, and wildcard rows probe the wildcard's parent domain.",
                       m.streamlined ? "streamlined" : "standard");
    src = tp_asprintf("%s (Microsoft Defender for Endpoint %s URL list, saved as CSV)", base,
                      m.streamlined ? "streamlined" : "standard");
    if (!desc || !src)
        goto oom_eps;
    {
        char name[128];
        snprintf(name, sizeof name, "imported-%s", base);
        add_str(root, "name", name, &ok);
    }
    add_str(root, "source", src, &ok);
    add_str(root, "description", desc, &ok);
    if (!ok || !cJSON_AddItemToObject(root, "endpoints", eps))
        goto oom_eps;
    text = cJSON_Print(root);
    if (!text)
        goto oom;
    {
        /* The promise is that the output loads back: check it here rather than hope. */
        tp_catalog check;
        char cerr[512];
        if (tp_catalog_load_mem(text, strlen(text), file, &check, cerr, sizeof cerr) != 0) {
            set_err(err, errlen, "%s: internal error: the imported catalog does not validate: %s",
                    file, cerr);
            goto done;
        }
        tp_catalog_free(&check);
    }
    *json_out = tp_asprintf("%s\n", text);
    if (!*json_out)
        goto oom;
    rc = 0;
    goto done;
oom_eps:
    cJSON_Delete(eps);
oom:
    set_err(err, errlen, "%s: out of memory", file);
done:
    cJSON_Delete(root);
    cJSON_free(text);
    free(desc);
    free(src);
    id_set_free(&ids);
    csv_doc_free(&doc);
    return rc;
}

/* ---------- writing the catalog ---------- */

/* Through fileout.h: a regular file (or a new name) is written beside its real target
 * (a symbolic link stays and its target is replaced) and renamed into place; a device
 * or FIFO (/dev/null, /dev/stdout, a pipe) is written in place, never replaced by a
 * regular file. The text is complete and validated before anything is opened. */
static int write_output(const char *file, const char *text, char *err, size_t errlen)
{
    tp_outfile o;
    if (tp_outfile_open(&o, file, err, errlen) != 0)
        return -1;
    if (fputs(text, o.f) == EOF) {
        set_err(err, errlen, "cannot write %s: %s", file, strerror(errno ? errno : EIO));
        tp_outfile_abort(&o);
        return -1;
    }
    return tp_outfile_commit(&o, err, errlen);
}

int tp_catalog_import_csv(const char *csv_file, const char *out_file, char *err, size_t errlen)
{
    return tp_catalog_import_csv_ex(csv_file, out_file, NULL, err, errlen);
}

int tp_catalog_import_csv_ex(const char *csv_file, const char *out_file, const tp_import_opts *opts, char *err,
                             size_t errlen)
{
    char *data = NULL, *json = NULL;
    size_t len = 0;
    int rc = -1;

    if (!csv_file) {
        set_err(err, errlen, "(null): cannot open: no file name");
        return -1;
    }
    if (read_file(csv_file, CSV_MAX_FILE_BYTES, &data, &len, err, errlen) != 0)
        return -1;
    if (tp_catalog_import_csv_mem_ex(data, len, csv_file, opts, &json, err, errlen) != 0)
        goto done;
    if (!out_file || strcmp(out_file, "-") == 0) {
        if (fputs(json, stdout) == EOF || fflush(stdout) != 0) {
            set_err(err, errlen, "<stdout>: cannot write: %s", strerror(errno));
            goto done;
        }
    } else if (write_output(out_file, json, err, errlen) != 0) {
        goto done;
    }
    rc = 0;
done:
    free(data);
    free(json);
    return rc;
}
