/* config_check.c — the validators of configuration values and the cross-checks a
 * whole configuration must pass, whether it came from a file, the command line or
 * both (tp_config_validate). */
#include "input/config_int.h"
#include "base/url.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const k_formats[] = {"table", "json", "junit", "prom", "html"};
#define N_FORMATS (sizeof k_formats / sizeof k_formats[0])

/* ---------- small validators ---------- */

/* Ids and names: [A-Za-z0-9_.-]{1,64}. */
bool cfg_is_token(const char *s)
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

bool cfg_is_env_name(const char *s)
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
bool cfg_has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return true;
    return false;
}

bool cfg_is_known_format(const char *s)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (strcmp(s, k_formats[i]) == 0)
            return true;
    return false;
}

/* A resolver: an address (no names: they would need a resolver themselves). */
bool cfg_is_resolver(const char *s)
{
    char *host = NULL;
    int port = 0;
    if (tp_parse_hostport(s, 53, &host, &port) != 0)
        return false;
    bool ok = tp_host_is_ip4(host) || tp_host_is_ip6(host);
    free(host);
    return ok;
}


/* 0 when `name` opens for reading and is a regular file; else -1 with errno set. */
int cfg_probe_file(const char *name)
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
const char *cfg_probe_why(int e)
{
    return e == EINVAL ? "not a regular file" : strerror(e);
}

int cfg_get_token(const cfg_ctx *x, const cJSON *v, const char *jp, const char *what,
                     const char **out)
{
    char expected[128];
    snprintf(expected, sizeof expected, "%s of letters, digits, '_', '.' or '-' (at most %d)",
             what, CFG_MAX_TOKEN);
    if (!cJSON_IsString(v) || !v->valuestring || !cfg_is_token(v->valuestring))
        return tp_jr_fail_got(&x->jr, jp, expected, v, false);
    *out = v->valuestring;
    return 0;
}

int cfg_set_str(const cfg_ctx *x, const char *jp, char **dst, const char *s)
{
    char *d = strdup(s);
    if (!d)
        return tp_jr_fail(&x->jr, jp, "out of memory");
    free(*dst);
    *dst = d;
    return 0;
}

/* ---------- validation shared by load and tp_config_validate ---------- */

static int check_files(const cfg_ctx *x, const tp_strlist *l, const char *jp, bool builtin_ok)
{
    char ejp[TP_JR_PATH_MAX], shown[TP_JR_SHOW_BUF];
    for (size_t i = 0; i < l->n; i++) {
        if (builtin_ok && strcmp(l->v[i], TP_CATALOG_BUILTIN) == 0)
            continue;
        if (cfg_probe_file(l->v[i]) != 0) {
            int e = errno;
            tp_jr_idx(ejp, sizeof ejp, jp, i);
            tp_jr_show(l->v[i], shown, sizeof shown);
            return tp_jr_fail(&x->jr, ejp, "cannot open %s: %s", shown, cfg_probe_why(e));
        }
    }
    return 0;
}

int cfg_check_config(const cfg_ctx *x, const tp_config *c)
{
    char jp[TP_JR_PATH_MAX], shown[TP_JR_SHOW_BUF];
    const tp_limits *l = &c->limits;

    if (cfg_check_paths(x, c->paths, c->n_paths))
        return -1;
    if (c->site && !cfg_is_token(c->site)) {   /* --site lands here */
        tp_jr_show(c->site, shown, sizeof shown);
        return tp_jr_fail(&x->jr, "site",
                          "expected a site name of letters, digits, '_', '.' or '-' (at most %d), got %s",
                          CFG_MAX_TOKEN, shown);
    }
    for (size_t i = 0; i < c->resolvers.n; i++)
        if (!cfg_is_resolver(c->resolvers.v[i])) {
            tp_jr_idx(jp, sizeof jp, "resolvers", i);
            tp_jr_show(c->resolvers.v[i], shown, sizeof shown);
            return tp_jr_fail(&x->jr, jp, "expected an IP address, ip:port or [ipv6]:port, got %s", shown);
        }
    if (c->formats.n == 0)
        return tp_jr_fail(&x->jr, "report.formats", "expected at least one format, got none");
    size_t non_table = 0;
    for (size_t i = 0; i < c->formats.n; i++) {
        tp_jr_idx(jp, sizeof jp, "report.formats", i);
        tp_jr_show(c->formats.v[i], shown, sizeof shown);
        if (!cfg_is_known_format(c->formats.v[i]))
            return tp_jr_fail(&x->jr, jp, "expected one of table, json, junit, prom, html, got %s", shown);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->formats.v[j], c->formats.v[i]) == 0)
                return tp_jr_fail(&x->jr, jp, "expected each format once, got %s twice", shown);
        non_table += strcmp(c->formats.v[i], "table") != 0;
    }
    /* one file cannot hold two documents: several formats need output_dir */
    if (c->output && non_table > 1)
        return tp_jr_fail(&x->jr, "report.output", "expected at most one non-table format for a single "
                                            "output file (use output_dir), got %zu", non_table);
    const struct { const char *name; long v; } lim[] = {
        {"limits.concurrency", l->concurrency},     {"limits.timeout_ms.dns", l->dns_ms},
        {"limits.timeout_ms.connect", l->connect_ms}, {"limits.timeout_ms.proxy", l->proxy_ms},
        {"limits.timeout_ms.tls", l->tls_ms},       {"limits.timeout_ms.http", l->http_ms},
        {"limits.timeout_ms.crl", l->crl_ms},       {"limits.timeout_ms.total", l->total_ms},
        {"limits.crl_max_bytes", l->crl_max_bytes > 0},
        {"limits.crl_budget_bytes", l->crl_budget_bytes > 0},
        {"limits.header_max_bytes", l->header_max_bytes > 0},
    };
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        if (lim[i].v <= 0)
            return tp_jr_fail(&x->jr, lim[i].name, "expected a positive number, got %ld", lim[i].v);
    for (size_t i = 0; i < c->n_pinsets; i++) {
        tp_jr_key(jp, sizeof jp, "tls.pinsets", c->pinsets[i].name ? c->pinsets[i].name : "");
        if (!c->pinsets[i].name || !cfg_is_token(c->pinsets[i].name) || c->pinsets[i].n == 0)
            return tp_jr_fail(&x->jr, jp, "expected a named pin set with at least one pin, got none");
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
    cfg_ctx x = {{"configuration", err, errlen}, NULL};
    if (err && errlen)
        err[0] = '\0';
    return cfg_check_config(&x, c);
}

