/* catalog_load.c — endpoint catalogs: loading and validating catalog JSON (files,
 * memory, the built-in catalog) through jsonread, so a catalog obeys the same rules as a
 * config file ("$comment" anywhere, each key once, "FILE: JSON.PATH: expected WHAT, got
 * WHAT"). Every field is type-checked and a half-built catalog is never handed back. */
#include "input/catalog.h"
#include "input/catalog_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/embedded.h"
#include "base/jsonread.h"

#define CAT_MAX_FILE_BYTES TP_CATALOG_MAX_FILE_BYTES /* a catalog is kilobytes; 16 MiB is abuse */
#define ID_MAX 96u
#define HOST_MAX 253u

typedef struct load_ctx {
    tp_jr jr;
    char where[48]; /* "endpoints[12]" */
} load_ctx;

/* The JSON path of key in the current object. */
static void loc(const load_ctx *c, const char *key, char *out, size_t n)
{
    if (key)
        tp_jr_key(out, n, c->where, key);
    else
        snprintf(out, n, "%s", c->where);
}

/* "FILE: endpoints[3].key: expected WHAT, got GOT" (key may be NULL). Returns -1. */
static int expected(load_ctx *c, const char *key, const char *what, const cJSON *got)
{
    char jp[TP_JR_PATH_MAX];
    loc(c, key, jp, sizeof jp);
    return tp_jr_fail_got(&c->jr, jp, what, got, false);
}

/* Same, for a string value given as text (already redacted where it must be). */
static int expected_text(load_ctx *c, const char *key, const char *what, const char *got)
{
    char jp[TP_JR_PATH_MAX];
    loc(c, key, jp, sizeof jp);
    return tp_jr_fail_text(&c->jr, jp, what, got);
}

static int missing(load_ctx *c, const char *key, const char *what)
{
    return expected(c, key, what, NULL); /* "expected WHAT, got nothing" */
}

static int oom(load_ctx *c)
{
    return tp_jr_fail(&c->jr, NULL, "out of memory");
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
    return *out ? 0 : oom(c);
}

static int get_bool(load_ctx *c, const cJSON *o, const char *key, bool dflt, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    char jp[TP_JR_PATH_MAX];
    *out = dflt;
    if (!v)
        return 0;
    loc(c, key, jp, sizeof jp);
    return tp_jr_bool(&c->jr, v, jp, out);
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
        if (tp_strlist_add(out, it->valuestring) != 0)
            return oom(c);
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
bool tp_cat_wildcard_covers(const char *wildcard, const char *host)
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
    "condition", "direct_only", "placeholder"};

static const char *const k_os_values[] = {"windows", "macos", "linux", NULL};
static const char *const k_onboarding_values[] = {"standard", "streamlined", NULL};

const char *const tp_known_clouds[] = {"commercial", "gcc", "gcc-high", "dod", NULL};

/* "required" is true/false (older catalogs) or Microsoft's own word: "required",
 * "optional" or "conditional" (needed in some set-ups; "condition" says which). Only
 * "required" counts toward the exit status. "cloud" is one name or an array of them. */
static int load_requirement(load_ctx *c, const cJSON *o, tp_endpoint *e)
{
    static const char what[] = "true, false, \"required\", \"optional\" or \"conditional\"";
    static const char clouds[] = "\"commercial\", \"gcc\", \"gcc-high\" or \"dod\"";
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
            return expected(c, "cloud", clouds, v);
        if (tp_strlist_add(&e->clouds, v->valuestring) != 0)
            return oom(c);
    } else if (v) {
        char arr[80];
        snprintf(arr, sizeof arr, "an array of %s", clouds);
        if (get_strlist(c, o, "cloud", tp_known_clouds, arr, &e->clouds) != 0)
            return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(o, "placeholder");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v) || strcmp(v->valuestring, "mma_workspace") != 0)
            return expected(c, "placeholder", "\"mma_workspace\" or null", v);
        if (!strchr(e->host, '.'))
            return expected(c, "placeholder", "a URL whose host has a first label to replace", v);
        if (!(e->placeholder = tp_strdup(v->valuestring)))
            return oom(c);
    }
    return 0;
}

static int load_endpoint(load_ctx *c, const cJSON *o, tp_endpoint *e)
{
    static const char url_what[] = "an http:// or https:// URL";
    const cJSON *u;

    if (!cJSON_IsObject(o))
        return expected(c, NULL, "an object", o);
    if (tp_jr_check_keys(&c->jr, o, c->where, k_endpoint_keys,
                         sizeof k_endpoint_keys / sizeof k_endpoint_keys[0]) != 0)
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
        char red[TP_JR_SHOW_BUF];
        if (tp_url_redact_userinfo(u->valuestring, red, sizeof red))
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
    if (e->wildcard && !tp_cat_wildcard_covers(e->wildcard, e->host)) {
        char what[HOST_MAX + 64];
        snprintf(what, sizeof what, "a wildcard that covers the URL's host \"%s\"", e->host);
        return expected(c, "wildcard", what, cJSON_GetObjectItemCaseSensitive(o, "wildcard"));
    }
    return 0;
oom:
    return oom(c);
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
    if (!refs)
        return oom(c);
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
        char q[TP_JR_SHOW_BUF], jp[64];
        tp_jr_show(cat->endpoints[dup].id, q, sizeof q);
        snprintf(jp, sizeof jp, "endpoints[%zu].id", dup);
        tp_jr_fail(&c->jr, jp, "duplicate id %s (first used by endpoints[%zu])", q, first);
    }
    return -1;
}

static const char *const k_catalog_keys[] = {"name", "source", "description", "version",
                                            "date", "endpoints"};

int tp_catalog_load_mem(const char *text, size_t len, const char *file, tp_catalog *out,
                        char *err, size_t errlen)
{
    load_ctx c = {.jr = {file ? file : "<catalog>", err, errlen}};
    cJSON *root = NULL;
    const cJSON *eps, *it;
    int n, rc = -1;
    size_t i = 0;

    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!(root = tp_jr_parse(&c.jr, text, text ? len : 0)))
        goto done;
    if (!cJSON_IsObject(root)) {
        expected(&c, NULL, "a JSON object with \"name\", \"source\" and \"endpoints\"", root);
        goto done;
    }
    if (tp_jr_check_keys(&c.jr, root, "", k_catalog_keys,
                         sizeof k_catalog_keys / sizeof k_catalog_keys[0]) != 0 ||
        get_str(&c, root, "name", true, false, true, &out->name) != 0 ||
        get_str(&c, root, "source", true, false, true, &out->source) != 0 ||
        get_str(&c, root, "version", false, false, true, &out->version) != 0 ||
        get_str(&c, root, "date", false, false, true, &out->date) != 0)
        goto done;
    eps = cJSON_GetObjectItemCaseSensitive(root, "endpoints");
    if (!cJSON_IsArray(eps)) {
        expected(&c, "endpoints", "an array of endpoint objects", eps);
        goto done;
    }
    out->file = tp_strdup(c.jr.file);
    n = cJSON_GetArraySize(eps);
    out->endpoints = n > 0 ? calloc((size_t)n, sizeof *out->endpoints) : NULL;
    if (!out->file || (n > 0 && !out->endpoints)) {
        oom(&c);
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

int tp_catalog_load_file(const char *file, tp_catalog *out, char *err, size_t errlen)
{
    tp_buf text;
    if (!out)
        return -1;
    memset(out, 0, sizeof *out);
    if (!file) {
        snprintf(err, errlen, "(null): cannot open: no file name");
        return -1;
    }
    tp_jr jr = {file, err, errlen};
    if (tp_jr_read_file(&jr, CAT_MAX_FILE_BYTES, false, &text) != 0)
        return -1;
    int rc = tp_catalog_load_mem(tp_buf_str(&text), text.len, file, out, err, errlen);
    tp_buf_free(&text);
    return rc;
}

int tp_catalog_load_builtin(tp_catalog *out, char *err, size_t errlen)
{
    return tp_catalog_load_mem(tp_embed_catalog_mde, tp_embed_catalog_mde_len, "<built-in>", out,
                               err, errlen);
}
