/* config_paths.c — network paths: the "paths" section of a config file (proxy URLs,
 * credentials inline or from the environment), --path specs, their cross-checks
 * (unique ids, crl_via and fallback targets, no fallback loops), and the path
 * destructors. Passwords live in tp_secret memory (secret.h) from the moment they are
 * decoded until they are wiped. */
#include "input/config_int.h"
#include "base/secretfile.h"
#include "base/url.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shows a string that may be a URL with credentials. */
static void show_redacted(const char *s, char *out, size_t n)
{
    char tmp[TP_JR_SHOW_BUF];
    tp_url_redact_proxy(s, tmp, sizeof tmp);
    tp_jr_show(tmp, out, n);
}

/* ---------- paths ---------- */

void tp_path_free(tp_path *p)
{
    if (!p)
        return;
    free(p->id);
    free(p->proxy_host);
    free(p->username);
    tp_secret_free(p->password); /* wiped before the memory goes back */
    free(p->crl_via);
    free(p->fallback);
    tp_strlist_free(&p->ca_files);
    tp_strlist_free(&p->bypass);
    free(p->pac);
    free(p->source);
    free(p->interface);
    memset(p, 0, sizeof *p);
}

int cfg_path_copy(tp_path *dst, const tp_path *src)
{
    memset(dst, 0, sizeof *dst);
    dst->type = src->type;
    dst->proxy_port = src->proxy_port;
    dst->expect_inspection = src->expect_inspection;
    if ((src->id && !(dst->id = strdup(src->id))) ||
        (src->proxy_host && !(dst->proxy_host = strdup(src->proxy_host))) ||
        (src->username && !(dst->username = strdup(src->username))) ||
        (src->password && !(dst->password = tp_secret_dup(src->password))) ||
        (src->crl_via && !(dst->crl_via = strdup(src->crl_via))) ||
        (src->fallback && !(dst->fallback = strdup(src->fallback))) ||
        tp_strlist_copy(&dst->ca_files, &src->ca_files) != 0 ||
        cfg_path_copy_egress(dst, src) != 0) {
        tp_path_free(dst);
        return -1;
    }
    return 0;
}

int tp_path_copy(tp_path *dst, const tp_path *src)
{
    return cfg_path_copy(dst, src);
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

/* Cross-checks of a set of paths: unique ids, crl_via and fallback name paths, no
 * fallback to itself or round in circles. JSON paths are "paths[i].key". */
int cfg_check_paths(const cfg_ctx *x, const tp_path *paths, size_t n)
{
    char jp[TP_JR_PATH_MAX], shown[TP_JR_SHOW_BUF];

    if (n == 0)
        return tp_jr_fail(&x->jr, "paths", "expected at least one path, got none");
    for (size_t i = 0; i < n; i++) {
        const tp_path *p = &paths[i];
        snprintf(jp, sizeof jp, "paths[%zu].id", i);
        if (!p->id || !cfg_is_token(p->id)) {
            tp_jr_show(p->id ? p->id : "", shown, sizeof shown);
            return tp_jr_fail(&x->jr, jp, "expected an id of letters, digits, '_', '.' or '-' "
                                   "(at most %d), got %s", CFG_MAX_TOKEN, shown);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(paths[j].id, p->id) == 0) {
                tp_jr_show(p->id, shown, sizeof shown);
                return tp_jr_fail(&x->jr, jp, "duplicate path id %s", shown);
            }
        snprintf(jp, sizeof jp, "paths[%zu].proxy", i);
        if (p->type == TP_PATH_HTTP && (!p->proxy_host || p->proxy_port < 1 || p->proxy_port > 65535))
            return tp_jr_fail(&x->jr, jp, "expected host:port for an http path, got nothing");
        if (p->type == TP_PATH_DIRECT && p->proxy_host)
            return tp_jr_fail(&x->jr, jp, "expected no proxy on a direct path, got one");
        if (p->type == TP_PATH_PAC && !p->pac) {
            snprintf(jp, sizeof jp, "paths[%zu].pac", i);
            return tp_jr_fail(&x->jr, jp, "expected a PAC URL or file for a pac path, got nothing");
        }
        if (p->type != TP_PATH_DIRECT && strcmp(p->id, "direct") == 0) {
            snprintf(jp, sizeof jp, "paths[%zu].id", i);
            return tp_jr_fail(&x->jr, jp, "expected an id other than \"direct\" for an http or pac "
                                   "path (\"direct\" means no proxy), got \"direct\"");
        }
        if ((p->username && cfg_has_ctl(p->username)) || (p->password && cfg_has_ctl(p->password))) {
            snprintf(jp, sizeof jp, "paths[%zu].auth", i);
            return tp_jr_fail(&x->jr, jp, "expected credentials without control characters, got a string");
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
                tp_jr_show(p->crl_via, shown, sizeof shown);
                return tp_jr_fail(&x->jr, jp, "expected the id of a path or \"direct\", got %s", shown);
            }
        }
        if (!p->fallback)
            continue;
        snprintf(jp, sizeof jp, "paths[%zu].fallback", i);
        tp_jr_show(p->fallback, shown, sizeof shown);
        if (p->type != TP_PATH_HTTP)
            return tp_jr_fail(&x->jr, jp, "expected a fallback only on an http path (it is used when "
                                   "the proxy cannot be reached), got %s on a direct path", shown);
        if (strcmp(p->fallback, p->id) == 0)
            return tp_jr_fail(&x->jr, jp, "expected the id of another path, got %s (the path itself)",
                            shown);
        /* Follow the chain: it must end within n steps, or it goes round in circles. */
        const tp_path *cur = p;
        size_t steps = 0;
        while (cur && cur->fallback && steps <= n) {
            const tp_path *next = NULL;
            for (size_t j = 0; j < n && !next; j++)
                if (strcmp(paths[j].id, cur->fallback) == 0)
                    next = &paths[j];
            /* "direct" needs no path of that id: the engine then goes direct, as for
             * crl_via (docs/engine.md), and a chain ends there */
            if (!next && strcmp(cur->fallback, TP_CRL_VIA_DIRECT) == 0)
                break;
            if (!next && cur == p)
                return tp_jr_fail(&x->jr, jp, "expected the id of a path or \"direct\", got %s", shown);
            cur = next;
            steps++;
        }
        if (steps > n)
            return tp_jr_fail(&x->jr, jp, "expected a fallback chain that ends, got %s which leads "
                                   "round in a circle", shown);
    }
    return 0;
}

/* Takes a credential from the named environment variable. The value is never shown. */
static int cred_from_env(const cfg_ctx *x, const cJSON *v, const char *jp, bool is_user,
                         char **out)
{
    const char *name;
    if (!cJSON_IsString(v) || !cfg_is_env_name(v->valuestring))
        return tp_jr_fail_got(&x->jr, jp, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", v, false);
    name = v->valuestring;
    const char *val = getenv(name);
    if (!val)
        return tp_jr_fail(&x->jr, jp, "environment variable \"%s\" is not set", name);
    if (cfg_has_ctl(val) || (is_user && (!*val || strchr(val, ':'))))
        return tp_jr_fail(&x->jr, jp, "expected environment variable \"%s\" to hold a %s, got a string "
                               "that does not", name,
                        is_user ? "user name (not empty, without ':' or control characters)"
                                : "password without control characters");
    tp_secret *d = tp_secret_dup(val);
    if (!d)
        return tp_jr_fail(&x->jr, jp, "out of memory");
    tp_secret_set(out, d);
    return 0;
}

/* password_file: a Docker/Kubernetes secret or a systemd credential (base/secretfile.h
 * has the mode and owner rules); a relative name is found like every other file. */
static int cred_from_file(const cfg_ctx *x, const cJSON *v, const char *jp, char **out)
{
    char kjp[TP_JR_PATH_MAX], why[512];
    char *file = NULL;
    tp_secret *d = NULL;

    tp_jr_key(kjp, sizeof kjp, jp, "password_file");
    if (!cJSON_IsString(v))
        return tp_jr_fail_got(&x->jr, kjp, "a file name", v, false);
    if (cfg_resolve_file(x, kjp, v->valuestring, &file))
        return -1;
    int rc = tp_secret_read_file(file, &d, why, sizeof why);
    free(file);
    if (rc)
        return tp_jr_fail(&x->jr, kjp, "%s", why);
    tp_secret_set(out, d);
    return 0;
}

/* auth {type "basic", username | username_env, password | password_env | password_file} */
static int parse_auth(const cfg_ctx *x, const cJSON *o, const char *jp, tp_path *p)
{
    static const char *const keys[] = {"type", "username", "username_env", "password",
                                       "password_env", "password_file"};
    char kjp[TP_JR_PATH_MAX];
    const cJSON *v, *u, *ue, *pw, *pe, *pf;

    if (tp_jr_object(&x->jr, o, jp) || tp_jr_check_keys(&x->jr, o, jp, keys, 6))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "type")) &&
        (!cJSON_IsString(v) || strcmp(v->valuestring, "basic") != 0)) {
        tp_jr_key(kjp, sizeof kjp, jp, "type");
        return tp_jr_fail_got(&x->jr, kjp, "\"basic\"", v, false);
    }
    u = cJSON_GetObjectItemCaseSensitive(o, "username");
    ue = cJSON_GetObjectItemCaseSensitive(o, "username_env");
    pw = cJSON_GetObjectItemCaseSensitive(o, "password");
    pe = cJSON_GetObjectItemCaseSensitive(o, "password_env");
    pf = cJSON_GetObjectItemCaseSensitive(o, "password_file");
    if (!!u == !!ue)
        return tp_jr_fail(&x->jr, jp, "expected exactly one of username, username_env, got %s",
                        u ? "both" : "neither");
    if (!!pw + !!pe + !!pf != 1)
        return tp_jr_fail(&x->jr, jp, "expected exactly one of password, password_env, password_file, got %s",
                        pw || pe || pf ? "more than one" : "none");
    if (u) {
        tp_jr_key(kjp, sizeof kjp, jp, "username");
        if (!cJSON_IsString(u) || !*u->valuestring || strchr(u->valuestring, ':') ||
            cfg_has_ctl(u->valuestring))
            return tp_jr_fail_got(&x->jr, kjp, "a user name (not empty, without ':' or control characters)",
                            u, false);
        if (cfg_set_str(x, kjp, &p->username, u->valuestring))
            return -1;
    } else {
        tp_jr_key(kjp, sizeof kjp, jp, "username_env");
        if (cred_from_env(x, ue, kjp, true, &p->username))
            return -1;
    }
    if (pw) {
        tp_jr_key(kjp, sizeof kjp, jp, "password");
        if (!cJSON_IsString(pw) || cfg_has_ctl(pw->valuestring))
            return tp_jr_fail_got(&x->jr, kjp, "a string without control characters", pw, true);
        tp_secret *d = tp_secret_dup(pw->valuestring);
        if (!d)
            return tp_jr_fail(&x->jr, kjp, "out of memory");
        tp_secret_set(&p->password, d);
    } else if (pe) {
        tp_jr_key(kjp, sizeof kjp, jp, "password_env");
        if (cred_from_env(x, pe, kjp, false, &p->password))
            return -1;
    } else if (cred_from_file(x, pf, jp, &p->password)) {
        return -1;
    }
    return 0;
}

static int parse_proxy(const cfg_ctx *x, const cJSON *v, const char *jp, tp_path *p)
{
    tp_proxy_url u;
    const char *expected;
    char shown[TP_JR_SHOW_BUF];

    if (!cJSON_IsString(v))
        return tp_jr_fail_got(&x->jr, jp, "host:port", v, false);
    if (tp_proxy_url_parse(v->valuestring, &u, &expected) != 0) {
        show_redacted(v->valuestring, shown, sizeof shown);
        return tp_jr_fail(&x->jr, jp, "expected %s, got %s", expected, shown);
    }
    if (u.user && !u.pass) {
        tp_proxy_url_free(&u);
        return tp_jr_fail(&x->jr, jp, "expected user:password@ in the URL (or use \"auth\"), got a user "
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
                                       "crl_via", "fallback", "ca_files", "bypass", "pac",
                                       "source", "interface", "family"};
    char kjp[TP_JR_PATH_MAX];
    const cJSON *v;
    const char *s = NULL;

    if (tp_jr_object(&x->jr, o, jp) || tp_jr_check_keys(&x->jr, o, jp, keys, 13))
        return -1;
    tp_jr_key(kjp, sizeof kjp, jp, "id");
    if (cfg_get_token(x, cJSON_GetObjectItemCaseSensitive(o, "id"), kjp, "a path id", &s) ||
        cfg_set_str(x, kjp, &p->id, s))
        return -1;

    const cJSON *proxy = cJSON_GetObjectItemCaseSensitive(o, "proxy");
    const cJSON *auth = cJSON_GetObjectItemCaseSensitive(o, "auth");
    /* "type" may be left out: a proxy makes the path http, none makes it direct */
    p->type = proxy ? TP_PATH_HTTP : cJSON_GetObjectItemCaseSensitive(o, "pac") ? TP_PATH_PAC
                                                                                : TP_PATH_DIRECT;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "type"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "type");
        if (!cJSON_IsString(v) || (strcmp(v->valuestring, "direct") && strcmp(v->valuestring, "http") &&
                                   strcmp(v->valuestring, "pac")))
            return tp_jr_fail_got(&x->jr, kjp, "\"direct\", \"http\" or \"pac\"", v, false);
        p->type = strcmp(v->valuestring, "http") == 0  ? TP_PATH_HTTP
                  : strcmp(v->valuestring, "pac") == 0 ? TP_PATH_PAC
                                                       : TP_PATH_DIRECT;
    }
    tp_jr_key(kjp, sizeof kjp, jp, "proxy");
    if (p->type == TP_PATH_HTTP && !proxy)
        return tp_jr_fail(&x->jr, kjp, "expected host:port for an http path, got nothing");
    if (p->type == TP_PATH_DIRECT && proxy)
        return tp_jr_fail(&x->jr, kjp, "expected no proxy on a direct path (or \"type\": \"http\"), got one");
    if (p->type == TP_PATH_PAC && proxy)
        return tp_jr_fail(&x->jr, kjp, "expected no proxy on a pac path (the PAC names the "
                                       "proxies), got one");
    if (proxy && parse_proxy(x, proxy, kjp, p))
        return -1;

    if (auth) {
        tp_jr_key(kjp, sizeof kjp, jp, "auth");
        if (p->type != TP_PATH_HTTP)
            return tp_jr_fail(&x->jr, kjp, "expected auth only on an http path, got it on a direct path");
        if (p->username)
            return tp_jr_fail(&x->jr, kjp, "expected credentials either in the proxy URL or in auth, "
                                    "got both");
        if (parse_auth(x, auth, kjp, p))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "expect_inspection"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "expect_inspection");
        if (tp_jr_bool(&x->jr, v, kjp, &p->expect_inspection))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "crl_via"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "crl_via");
        if (cfg_get_token(x, v, kjp, "a path id or \"direct\"", &s) || cfg_set_str(x, kjp, &p->crl_via, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "fallback"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "fallback");
        if (cfg_get_token(x, v, kjp, "a path id", &s) || cfg_set_str(x, kjp, &p->fallback, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "ca_files"))) {
        tp_jr_key(kjp, sizeof kjp, jp, "ca_files");
        if (cfg_get_filelist(x, v, kjp, false, &p->ca_files))
            return -1;
    }
    return cfg_parse_path_egress(x, o, jp, p);
}

/* "paths": replaces the current paths (the default direct one) when accepted. */
int cfg_parse_paths(const cfg_ctx *x, const cJSON *v, tp_config *c)
{
    char jp[TP_JR_PATH_MAX];
    tp_path *paths = NULL;
    size_t n = 0, i = 0;
    int rc = -1;

    if (tp_jr_array(&x->jr, v, "paths", "a path object", true, CFG_MAX_ITEMS))
        return -1;
    paths = calloc((size_t)cJSON_GetArraySize(v), sizeof *paths);
    if (!paths)
        return tp_jr_fail(&x->jr, "paths", "out of memory");
    for (const cJSON *it = v->child; it; it = it->next, i++) {
        tp_jr_idx(jp, sizeof jp, "paths", i);
        n = i + 1; /* the element is freed below even when half-built */
        if (parse_path(x, it, jp, &paths[i]))
            goto done;
    }
    if (cfg_check_paths(x, paths, n))
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

/* ---------- --path specs ---------- */

static int spec_fail(char *err, size_t errlen, const char *spec, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "SPEC: <fmt>" with the spec's credentials redacted. */
static int spec_fail(char *err, size_t errlen, const char *spec, const char *fmt, ...)
{
    char shown[TP_JR_SHOW_BUF];
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
static int spec_env_creds(const char *spec, tp_proxy_url *u, char *err, size_t errlen)
{
    const char *env_user = getenv("TLSPATH_PROXY_USER");
    const char *env_pass = getenv("TLSPATH_PROXY_PASSWORD");

    if (!u->user && env_user && *env_user) {
        if (strchr(env_user, ':') || cfg_has_ctl(env_user))
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
    if (cfg_has_ctl(env_pass))
        return spec_fail(err, errlen, spec, "expected TLSPATH_PROXY_PASSWORD without control "
                                            "characters, got a string with some");
    if (!(u->pass = tp_secret_dup(env_pass)))
        return spec_fail(err, errlen, spec, "out of memory");
    return 0;
}

int tp_path_parse_spec(const char *spec, int proxy_index, tp_path *out, char *err, size_t errlen)
{
    tp_proxy_url u;
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
        if (!cfg_is_token(id)) {
            char shown[TP_JR_SHOW_BUF];
            tp_jr_show(id, shown, sizeof shown);
            spec_fail(err, errlen, spec, "expected an id of letters, digits, '_', '.' or '-' "
                                         "(at most %d) before '=', got %s", CFG_MAX_TOKEN, shown);
            goto done;
        }
        rest = eq + 1;
    }

    if (strncmp(rest, "pac:", 4) == 0) {
        /* --pac / --wpad: a PAC URL, file or "wpad:[DOMAIN]" */
        if (!rest[4]) {
            spec_fail(err, errlen, spec, "expected a PAC URL or file after \"pac:\", got nothing");
            goto done;
        }
        out->type = TP_PATH_PAC;
        if (!(out->pac = strdup(rest + 4)) || (!id && !(id = strdup("pac")))) {
            spec_fail(err, errlen, spec, "out of memory");
            goto done;
        }
        if (strcmp(id, "direct") == 0) {
            spec_fail(err, errlen, spec, "expected an id other than \"direct\" for a pac path, got \"direct\"");
            goto done;
        }
    } else if (strcmp(rest, "direct") == 0) {
        out->type = TP_PATH_DIRECT;
        if (!id && !(id = strdup("direct"))) {
            spec_fail(err, errlen, spec, "out of memory");
            goto done;
        }
    } else {
        if (tp_proxy_url_parse(rest, &u, &expected) != 0) {
            char shown[TP_JR_SHOW_BUF];
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
    tp_proxy_url_free(&u);
    if (rc != 0)
        tp_path_free(out);
    return rc;
}
