/* config_load.c — the run configuration file: built-in defaults, reading and
 * validating the JSON (through jsonread), the select / tls / limits / report sections,
 * file names resolved against the config's directory. Loading works on a deep copy of
 * the caller's config, which replaces the original only when the whole file was
 * accepted: a failed load leaves *c untouched. The file's text and the parsed tree may
 * hold a proxy password: both are wiped before their memory is released. */
#include "input/config_int.h"
#include "core/limits.h"
#include "pki/pins.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Resolves a file named in the config: as given (relative to the current directory),
 * else relative to the config file's directory. *out gets the name that opened. */
int cfg_resolve_file(const cfg_ctx *x, const char *jp, const char *name, char **out)
{
    char shown[TP_JR_SHOW_BUF];
    int e;

    tp_jr_show(name, shown, sizeof shown);
    if (!*name)
        return tp_jr_fail(&x->jr, jp, "expected a file name, got \"\"");
    if (cfg_probe_file(name) == 0) {
        *out = strdup(name);
        return *out ? 0 : tp_jr_fail(&x->jr, jp, "out of memory");
    }
    e = errno;
    if (name[0] != '/' && x->dir) {
        char *joined = tp_asprintf("%s/%s", x->dir, name);
        if (!joined)
            return tp_jr_fail(&x->jr, jp, "out of memory");
        if (cfg_probe_file(joined) == 0) {
            *out = joined;
            return 0;
        }
        if (e == ENOENT)
            e = errno; /* "permission denied" there says more than "not here" */
        free(joined);
    }
    return tp_jr_fail(&x->jr, jp, "cannot open %s: %s", shown, cfg_probe_why(e));
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
    dst->client_profile = src->client_profile;
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
        (src->select.cloud && !(dst->select.cloud = strdup(src->select.cloud))) ||
        (src->select.mma_workspace && !(dst->select.mma_workspace = strdup(src->select.mma_workspace))) ||
        tp_strlist_copy(&dst->resolvers, &src->resolvers) ||
        tp_strlist_copy(&dst->ca_files, &src->ca_files) ||
        tp_strlist_copy(&dst->formats, &src->formats) ||
        (src->output && !(dst->output = strdup(src->output))) ||
        (src->output_dir && !(dst->output_dir = strdup(src->output_dir))) ||
        tp_strlist_copy(&dst->dns.block_pages, &src->dns.block_pages) ||
        cfg_history_copy(&dst->history, &src->history) ||
        (src->site && !(dst->site = strdup(src->site))))
        goto fail;
    dst->dns.expect_public = src->dns.expect_public;
    if (src->dns.service_tags && !(dst->dns.service_tags = strdup(src->dns.service_tags)))
        goto fail;
    if (src->n_paths) {
        dst->paths = calloc(src->n_paths, sizeof *dst->paths);
        if (!dst->paths)
            goto fail;
        for (; dst->n_paths < src->n_paths; dst->n_paths++)
            if (cfg_path_copy(&dst->paths[dst->n_paths], &src->paths[dst->n_paths]) != 0)
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

/* ---------- defaults (limits: core/limits.c) ---------- */

int tp_config_defaults(tp_config *c)
{
    tp_path direct;

    memset(c, 0, sizeof *c);
    memset(&direct, 0, sizeof direct);
    c->system_ca = true;
    c->select.include_optional = true;
    tp_limits_defaults(&c->limits);
    c->history.keep_runs = TP_HISTORY_KEEP_RUNS;
    c->history.keep_days = TP_HISTORY_KEEP_DAYS;
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

typedef bool (*str_check)(const char *);

/* Reads an array of strings into a fresh list, each passing `check` (when given). */
static int get_strlist(const cfg_ctx *x, const cJSON *v, const char *jp, const char *what,
                       str_check check, bool nonempty, bool unique, tp_strlist *out)
{
    char ejp[TP_JR_PATH_MAX];
    tp_strlist l = {0};
    size_t i = 0;

    if (tp_jr_array(&x->jr, v, jp, what, nonempty, CFG_MAX_ITEMS) != 0)
        return -1;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        tp_jr_idx(ejp, sizeof ejp, jp, i);
        if (!cJSON_IsString(it) || !it->valuestring || (check && !check(it->valuestring))) {
            tp_jr_fail_got(&x->jr, ejp, what, it, false);
            goto fail;
        }
        if (unique && tp_strlist_has(&l, it->valuestring)) {
            char shown[TP_JR_SHOW_BUF];
            tp_jr_show(it->valuestring, shown, sizeof shown);
            tp_jr_fail(&x->jr, ejp, "expected each value once, got %s twice", shown);
            goto fail;
        }
        if (tp_strlist_add(&l, it->valuestring) != 0) {
            tp_jr_fail(&x->jr, ejp, "out of memory");
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

/* An array of file names, each resolved (see cfg_resolve_file) and stored resolved. */
int cfg_get_filelist(const cfg_ctx *x, const cJSON *v, const char *jp, bool builtin_ok,
                        tp_strlist *out)
{
    char ejp[TP_JR_PATH_MAX];
    tp_strlist l = {0};
    size_t i = 0;
    char *resolved = NULL;

    if (tp_jr_array(&x->jr, v, jp, builtin_ok ? "a catalog file or \"" TP_CATALOG_BUILTIN "\""
                                        : "a PEM file name", builtin_ok, CFG_MAX_ITEMS) != 0)
        return -1;
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        tp_jr_idx(ejp, sizeof ejp, jp, i);
        if (!cJSON_IsString(it) || !it->valuestring) {
            tp_jr_fail_got(&x->jr, ejp, "a file name", it, false);
            goto fail;
        }
        const char *name = it->valuestring;
        if (builtin_ok && strncmp(name, "builtin:", 8) == 0) {
            if (strcmp(name, TP_CATALOG_BUILTIN) != 0) {
                tp_jr_fail_got(&x->jr, ejp, "\"" TP_CATALOG_BUILTIN "\" or a catalog file", it, false);
                goto fail;
            }
            resolved = strdup(name);
            if (!resolved) {
                tp_jr_fail(&x->jr, ejp, "out of memory");
                goto fail;
            }
        } else if (cfg_resolve_file(x, ejp, name, &resolved) != 0) {
            goto fail;
        }
        if (tp_strlist_has(&l, resolved)) {
            char shown[TP_JR_SHOW_BUF];
            tp_jr_show(name, shown, sizeof shown);
            tp_jr_fail(&x->jr, ejp, "expected each file once, got %s twice", shown);
            goto fail;
        }
        if (tp_strlist_add(&l, resolved) != 0) {
            tp_jr_fail(&x->jr, ejp, "out of memory");
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
                                       "include_optional", "cloud", "mma_workspace"};
    const cJSON *v;
    const char *s = NULL;

    if (tp_jr_object(&x->jr, o, "select") || tp_jr_check_keys(&x->jr, o, "select", keys, 7))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "cloud"))) {
        if (!cJSON_IsString(v) || (strcmp(v->valuestring, "commercial") && strcmp(v->valuestring, "gcc") &&
                                   strcmp(v->valuestring, "gcc-high") && strcmp(v->valuestring, "dod")))
            return tp_jr_fail_got(&x->jr, "select.cloud", "one of commercial, gcc, gcc-high, dod", v, false);
        if (cfg_set_str(x, "select.cloud", &c->select.cloud, v->valuestring))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "mma_workspace"))) {
        if (cfg_get_token(x, v, "select.mma_workspace", "a Log Analytics workspace id", &s) ||
            cfg_set_str(x, "select.mma_workspace", &c->select.mma_workspace, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "services")) &&
        get_strlist(x, v, "select.services", "a service name such as \"maps\"", cfg_is_token, false,
                    true, &c->select.services))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "geography")) &&
        get_strlist(x, v, "select.geography", "a geography code such as \"WW\"", cfg_is_token, false,
                    true, &c->select.geography))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "os"))) {
        if (cfg_get_token(x, v, "select.os", "an OS name such as \"windows\"", &s) ||
            cfg_set_str(x, "select.os", &c->select.os, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "onboarding"))) {
        if (!cJSON_IsString(v) || !is_onboarding(v->valuestring))
            return tp_jr_fail_got(&x->jr, "select.onboarding", "\"standard\" or \"streamlined\"", v, false);
        if (cfg_set_str(x, "select.onboarding", &c->select.onboarding, v->valuestring))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "include_optional")) &&
        tp_jr_bool(&x->jr, v, "select.include_optional", &c->select.include_optional))
        return -1;
    return 0;
}

/* "pinsets": {name: ["sha256/...", ...]}: a name already present (built-in) is
 * replaced, a new name is added. */
static int parse_pinsets(const cfg_ctx *x, const cJSON *o, tp_config *c)
{
    char jp[TP_JR_PATH_MAX], ejp[TP_JR_PATH_MAX];
    tp_pinset ps = {0};

    if (tp_jr_object(&x->jr, o, "tls.pinsets"))
        return -1;
    if (cJSON_GetArraySize(o) > CFG_MAX_PINSETS)
        return tp_jr_fail(&x->jr, "tls.pinsets", "expected at most %d pin sets, got %d", CFG_MAX_PINSETS,
                        cJSON_GetArraySize(o));
    for (const cJSON *it = o->child; it; it = it->next) {
        const char *name = it->string ? it->string : "";
        if (strcmp(name, "$comment") == 0)
            continue;
        tp_jr_key(jp, sizeof jp, "tls.pinsets", name);
        if (!cfg_is_token(name)) {
            char shown[TP_JR_SHOW_BUF];
            tp_jr_show(name, shown, sizeof shown);
            return tp_jr_fail(&x->jr, jp, "expected a pin set name of letters, digits, '_', '.' or '-' "
                                   "(at most %d), got %s", CFG_MAX_TOKEN, shown);
        }
        if (tp_jr_key_seen_before(o, it))
            return tp_jr_fail(&x->jr, jp, "expected each pin set once, got it twice");
        if (tp_jr_array(&x->jr, it, jp, "a pin \"sha256/<base64>\"", true, CFG_MAX_ITEMS))
            return -1;
        memset(&ps, 0, sizeof ps);
        ps.name = strdup(name);
        ps.spki = calloc((size_t)cJSON_GetArraySize(it), sizeof *ps.spki);
        if (!ps.name || !ps.spki) {
            tp_jr_fail(&x->jr, jp, "out of memory");
            goto fail;
        }
        for (const cJSON *pin = it->child; pin; pin = pin->next, ps.n++) {
            tp_jr_idx(ejp, sizeof ejp, jp, ps.n);
            if (!cJSON_IsString(pin) || tp_pin_parse(pin->valuestring, ps.spki[ps.n]) != 0) {
                tp_jr_fail_got(&x->jr, ejp, "\"sha256/\" and the base64 of a 32-byte SPKI SHA-256", pin,
                         false);
                goto fail;
            }
        }
        tp_pinset *slot = (tp_pinset *)tp_config_find_pinset(c, name);
        if (!slot) {
            tp_pinset *v = realloc(c->pinsets, (c->n_pinsets + 1) * sizeof *v);
            if (!v) {
                tp_jr_fail(&x->jr, jp, "out of memory");
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
    static const char *const keys[] = {"ca_files", "system_ca", "pinsets", "client_profile"};
    const cJSON *v;

    if (tp_jr_object(&x->jr, o, "tls") || tp_jr_check_keys(&x->jr, o, "tls", keys, 4))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "client_profile"))) {
        const char *s = NULL;
        if (tp_jr_string(&x->jr, v, "tls.client_profile", false, &s))
            return -1;
        int id = tp_client_profile_parse(s);
        if (id < 0)
            return tp_jr_fail(&x->jr, "tls.client_profile", "expected windows or openssl, got \"%s\"", s);
        c->client_profile = id;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "ca_files")) &&
        cfg_get_filelist(x, v, "tls.ca_files", false, &c->ca_files))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "system_ca")) &&
        tp_jr_bool(&x->jr, v, "tls.system_ca", &c->system_ca))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "pinsets")) && parse_pinsets(x, v, c))
        return -1;
    return 0;
}

/* Ranges: the bounds of core/limits.h, where every limit is defined once. */
#define MAX_CONCURRENCY TP_LIMIT_CONCURRENCY_MAX
#define MAX_TIMEOUT_MS TP_LIMIT_TIMEOUT_MS_MAX
#define MAX_CRL_BYTES ((double)TP_LIMIT_CRL_BYTES_MAX)
#define MAX_CRL_BUDGET ((double)TP_LIMIT_CRL_BUDGET_MAX)
#define MAX_HEADER_BYTES ((double)TP_LIMIT_HEADER_BYTES_MAX)
#define MAX_BODY_BYTES ((double)TP_LIMIT_BODY_BYTES_MAX)

static int parse_timeouts(const cfg_ctx *x, const cJSON *o, tp_limits *l)
{
    static const char *const keys[] = {"dns", "connect", "proxy", "tls", "http", "crl", "total"};
    int *dst[] = {&l->dns_ms, &l->connect_ms, &l->proxy_ms, &l->tls_ms, &l->http_ms, &l->crl_ms,
                  &l->total_ms};
    char jp[TP_JR_PATH_MAX];
    double d = 0;

    if (tp_jr_object(&x->jr, o, "limits.timeout_ms") || tp_jr_check_keys(&x->jr, o, "limits.timeout_ms", keys, 7))
        return -1;
    for (size_t i = 0; i < 7; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (!v)
            continue;
        tp_jr_key(jp, sizeof jp, "limits.timeout_ms", keys[i]);
        if (tp_jr_int(&x->jr, v, jp, 1, MAX_TIMEOUT_MS, &d))
            return -1;
        *dst[i] = (int)d;
    }
    return 0;
}

static int parse_limits(const cfg_ctx *x, const cJSON *o, tp_limits *l)
{
    static const char *const keys[] = {"concurrency", "timeout_ms", "crl_max_bytes",
                                       "header_max_bytes", "body_max_bytes", "per_proxy",
                                       "crl_budget_bytes"};
    const cJSON *v;
    double d = 0;

    if (tp_jr_object(&x->jr, o, "limits") || tp_jr_check_keys(&x->jr, o, "limits", keys, 7))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "concurrency"))) {
        if (tp_jr_int(&x->jr, v, "limits.concurrency", 1, MAX_CONCURRENCY, &d))
            return -1;
        l->concurrency = (int)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "per_proxy"))) {
        /* connections to one proxy at once: a run must not flood the proxy users depend on */
        if (tp_jr_int(&x->jr, v, "limits.per_proxy", 1, MAX_CONCURRENCY, &d))
            return -1;
        l->per_proxy = (int)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "timeout_ms")) && parse_timeouts(x, v, l))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "crl_max_bytes"))) {
        if (tp_jr_int(&x->jr, v, "limits.crl_max_bytes", TP_LIMIT_CRL_BYTES_MIN, MAX_CRL_BYTES, &d))
            return -1;
        l->crl_max_bytes = (size_t)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "crl_budget_bytes"))) {
        /* CRL bytes held and in flight at once; below crl_max_bytes it is raised to it
         * (core/limits.c): a run must be able to hold one CRL at the bound */
        if (tp_jr_int(&x->jr, v, "limits.crl_budget_bytes", TP_LIMIT_CRL_BYTES_MIN, MAX_CRL_BUDGET, &d))
            return -1;
        l->crl_budget_bytes = (size_t)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "header_max_bytes"))) {
        if (tp_jr_int(&x->jr, v, "limits.header_max_bytes", TP_LIMIT_HEADER_BYTES_MIN, MAX_HEADER_BYTES, &d))
            return -1;
        l->header_max_bytes = (size_t)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "body_max_bytes"))) {
        if (tp_jr_int(&x->jr, v, "limits.body_max_bytes", 0, MAX_BODY_BYTES, &d))
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

    if (tp_jr_object(&x->jr, o, "report") || tp_jr_check_keys(&x->jr, o, "report", keys, 5))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "formats")) &&
        get_strlist(x, v, "report.formats", "one of table, json, junit, prom, html",
                    cfg_is_known_format, true, true, &c->formats))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "output"))) {
        if (tp_jr_string(&x->jr, v, "report.output", false, &s))
            return -1;
        if (!*s)
            return tp_jr_fail_got(&x->jr, "report.output", "a file name or \"-\"", v, false);
        if (cfg_set_str(x, "report.output", &c->output, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "output_dir"))) {
        if (tp_jr_string(&x->jr, v, "report.output_dir", false, &s))
            return -1;
        if (!*s)
            return tp_jr_fail_got(&x->jr, "report.output_dir", "a directory name", v, false);
        if (cfg_set_str(x, "report.output_dir", &c->output_dir, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "quiet")) && tp_jr_bool(&x->jr, v, "report.quiet", &c->quiet))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "color"))) {
        if (tp_jr_bool(&x->jr, v, "report.color", &color))
            return -1;
        c->no_color = !color;
    }
    return 0;
}

/* ---------- loading ---------- */

static int parse_root(const cfg_ctx *x, const cJSON *root, tp_config *c)
{
    static const char *const keys[] = {"catalogs", "select", "resolvers", "paths",
                                       "tls", "limits", "report", "history", "site", "dns"};
    if (!cJSON_IsObject(root))
        return tp_jr_fail_got(&x->jr, "top level", "an object", root, false);
    if (tp_jr_check_keys(&x->jr, root, "", keys, sizeof keys / sizeof keys[0]))
        return -1;
    /* in document order, so the first mistake in the file is the one reported */
    for (const cJSON *it = root->child; it; it = it->next) {
        const char *k = it->string;
        int rc = 0;
        if (strcmp(k, "catalogs") == 0)
            rc = cfg_get_filelist(x, it, "catalogs", true, &c->catalogs);
        else if (strcmp(k, "select") == 0)
            rc = parse_select(x, it, c);
        else if (strcmp(k, "resolvers") == 0)
            rc = get_strlist(x, it, "resolvers", "an IP address, ip:port or [ipv6]:port (no names)",
                             cfg_is_resolver, false, true, &c->resolvers);
        else if (strcmp(k, "paths") == 0)
            rc = cfg_parse_paths(x, it, c);
        else if (strcmp(k, "tls") == 0)
            rc = parse_tls(x, it, c);
        else if (strcmp(k, "limits") == 0)
            rc = parse_limits(x, it, &c->limits);
        else if (strcmp(k, "report") == 0)
            rc = parse_report(x, it, c);
        else if (strcmp(k, "dns") == 0)
            rc = cfg_parse_dns(x, it, c);
        else if (strcmp(k, "history") == 0)
            rc = cfg_parse_history(x, it, &c->history);
        else if (strcmp(k, "site") == 0) {
            const char *site;
            rc = cfg_get_token(x, it, "site", "a site name", &site) || cfg_set_str(x, "site", &c->site, site);
        }
        if (rc)
            return -1;
    }
    return cfg_check_config(x, c);
}

int tp_config_load_mem(const char *text, size_t len, const char *file, tp_config *c, char *err,
                       size_t errlen)
{
    cfg_ctx x = {{file ? file : "<config>", err, errlen}, NULL};
    char *dir = NULL;
    cJSON *root = NULL;
    tp_config tmp;
    int rc = -1;

    memset(&tmp, 0, sizeof tmp);
    if (err && errlen)
        err[0] = '\0';
    if (!text && len) {
        tp_jr_fail(&x.jr, NULL, "expected a configuration, got nothing");
        goto done;
    }
    if (file) {
        const char *slash = strrchr(file, '/');
        if (slash) {
            dir = slash == file ? strdup("/") : tp_strndup(file, (size_t)(slash - file));
            if (!dir) {
                tp_jr_fail(&x.jr, NULL, "out of memory");
                goto done;
            }
        }
    }
    x.dir = dir;
    if (!(root = tp_jr_parse(&x.jr, text, len)))
        goto done;
    if (config_copy(&tmp, c) != 0) {
        tp_jr_fail(&x.jr, NULL, "out of memory");
        goto done;
    }
    if (file && cfg_set_str(&x, NULL, &tmp.file, file))
        goto done;
    if (parse_root(&x, root, &tmp) != 0)
        goto done;
    tp_config_free(c);
    *c = tmp;
    memset(&tmp, 0, sizeof tmp);
    rc = 0;
done:
    tp_config_free(&tmp);
    tp_jr_delete(root, true); /* the tree holds the passwords of the file */
    free(dir);
    return rc;
}

int tp_config_load_file(const char *file, tp_config *c, char *err, size_t errlen)
{
    tp_jr jr = {file ? file : "<config>", err, errlen};
    tp_buf text;

    if (err && errlen)
        err[0] = '\0';
    if (!file || !*file)
        return tp_jr_fail(&jr, NULL, "expected a config file name, got nothing");
    /* secret: the file may hold a password, so its text is wiped when released */
    if (tp_jr_read_file(&jr, CFG_MAX_FILE_BYTES, true, &text) != 0)
        return -1;
    int rc = tp_config_load_mem(tp_buf_str(&text), text.len, file, c, err, errlen);
    tp_buf_free(&text);
    return rc;
}
