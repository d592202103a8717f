/* provenance.c — where and with what a run was made, for the JSON report's `provenance`
 * object (and the HTML page's header): the host, the tlspath version, each catalog (name,
 * source, endpoint count, a digest of its endpoints) and a digest of the effective
 * configuration. Two reports with the same config digest were made with the same paths,
 * selection, resolvers, trust and limits, whatever file or flags produced them. No secret
 * enters a digest: a path's credentials count only as "configured". */
#include "report/provenance.h"

#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_util.h"

typedef struct hasher {
    mbedtls_sha256_context ctx;
} hasher;

/* Each field is length-prefixed so that ("ab","c") and ("a","bc") differ. */
static void h_str(hasher *h, const char *s)
{
    char len[24];
    size_t n = s ? strlen(s) : 0;
    snprintf(len, sizeof len, s ? "%zu:" : "-:", n);
    mbedtls_sha256_update_ret(&h->ctx, (const unsigned char *)len, strlen(len));
    if (s)
        mbedtls_sha256_update_ret(&h->ctx, (const unsigned char *)s, n);
}

static void h_int(hasher *h, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    h_str(h, b);
}

static void h_list(hasher *h, const tp_strlist *l)
{
    h_int(h, (long long)l->n);
    for (size_t i = 0; i < l->n; i++)
        h_str(h, l->v[i]);
}

static void h_begin(hasher *h)
{
    mbedtls_sha256_init(&h->ctx);
    mbedtls_sha256_starts_ret(&h->ctx, 0);
}

/* "sha256:" + 16 hex digits (64 bits: enough to tell configurations apart). */
static void h_end(hasher *h, char out[32])
{
    unsigned char d[32];
    mbedtls_sha256_finish_ret(&h->ctx, d);
    mbedtls_sha256_free(&h->ctx);
    int o = snprintf(out, 32, "sha256:");
    for (size_t i = 0; i < 8; i++)
        o += snprintf(out + o, (size_t)(32 - o), "%02x", d[i]);
}

void tp_config_digest(const tp_config *c, char out[32])
{
    hasher h;
    h_begin(&h);
    h_list(&h, &c->catalogs);
    h_list(&h, &c->select.services);
    h_list(&h, &c->select.geography);
    h_str(&h, c->select.os);
    h_str(&h, c->select.onboarding);
    h_int(&h, c->select.include_optional);
    h_list(&h, &c->resolvers);
    h_int(&h, (long long)c->n_paths);
    for (size_t i = 0; i < c->n_paths; i++) {
        const tp_path *p = &c->paths[i];
        h_str(&h, p->id);
        h_int(&h, p->type);
        h_str(&h, p->proxy_host);
        h_int(&h, p->proxy_port);
        h_int(&h, p->username != NULL);   /* configured or not: never the secret */
        h_int(&h, p->expect_inspection);
        h_str(&h, p->crl_via);
        h_str(&h, p->fallback);
        h_list(&h, &p->ca_files);
    }
    h_list(&h, &c->ca_files);
    h_int(&h, c->system_ca);
    h_int(&h, (long long)c->n_pinsets);
    for (size_t i = 0; i < c->n_pinsets; i++) {
        h_str(&h, c->pinsets[i].name);
        h_int(&h, (long long)c->pinsets[i].n);
        mbedtls_sha256_update_ret(&h.ctx, (const unsigned char *)c->pinsets[i].spki, c->pinsets[i].n * 32);
    }
    const tp_limits *l = &c->limits;
    long long lim[] = {l->concurrency, l->dns_ms, l->connect_ms, l->proxy_ms, l->tls_ms, l->http_ms,
                       l->crl_ms, l->total_ms, (long long)l->crl_max_bytes};
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
        h_int(&h, lim[i]);
    h_end(&h, out);
}

void tp_catalog_digest(const tp_catalog *cat, char out[32])
{
    hasher h;
    h_begin(&h);
    h_str(&h, cat->name);
    h_int(&h, (long long)cat->n);
    for (size_t i = 0; i < cat->n; i++) {
        const tp_endpoint *e = &cat->endpoints[i];
        h_str(&h, e->id);
        h_str(&h, e->url);
        h_str(&h, e->service);
        h_int(&h, e->required);
        h_str(&h, e->pinset);
        h_int(&h, e->inspection_allowed);
        h_str(&h, e->wildcard);
        for (size_t k = 0; k < e->n_expect_status; k++)
            h_int(&h, e->expect_status[k]);
    }
    h_end(&h, out);
}

static cJSON *str_or_null(const tp_run *run, const char *s)
{
    if (!s)
        return cJSON_CreateNull();
    char *c = tp_rpt_clean(run, s);
    cJSON *j = c ? cJSON_CreateString(c) : NULL;
    free(c);
    return j;
}

/* cJSON_AddItemToObject leaves the item with the caller when it fails (its key could not
 * be copied): delete it then, or an allocation failure leaks it (test_allocfail). */
static bool add_item(cJSON *obj, const char *key, cJSON *item)
{
    if (item && cJSON_AddItemToObject(obj, key, item))
        return true;
    cJSON_Delete(item);
    return false;
}

cJSON *tp_report_provenance(const tp_run *run)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    bool ok = add_item(o, "host", str_or_null(run, host[0] ? host : NULL)) &&
              cJSON_AddStringToObject(o, "tool_version", TLSPATH_VERSION);
    cJSON *cats = ok ? cJSON_CreateArray() : NULL;
    ok = ok && add_item(o, "catalogs", cats);
    for (size_t i = 0; ok && run->catalogs && i < run->n_catalogs; i++) {
        const tp_catalog *c = &run->catalogs[i];
        char d[32];
        tp_catalog_digest(c, d);
        cJSON *co = cJSON_CreateObject();
        ok = co && cJSON_AddItemToArray(cats, co) && add_item(co, "name", str_or_null(run, c->name)) &&
             add_item(co, "file", str_or_null(run, c->file)) &&
             add_item(co, "source", str_or_null(run, c->source)) &&
             cJSON_AddNumberToObject(co, "endpoints", (double)c->n) && cJSON_AddStringToObject(co, "digest", d);
    }
    cJSON *cfg = ok ? cJSON_CreateObject() : NULL;
    ok = ok && add_item(o, "config", cfg);
    if (ok && run->cfg) {
        char d[32];
        tp_config_digest(run->cfg, d);
        ok = add_item(cfg, "file", str_or_null(run, run->cfg->file)) &&
             cJSON_AddStringToObject(cfg, "digest", d);
    } else if (ok) {
        ok = cJSON_AddNullToObject(cfg, "file") && cJSON_AddNullToObject(cfg, "digest");
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
