/* model.c — constructors, destructors and names for the shared data model. */
#include "core/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void tp_endpoint_free(tp_endpoint *e)
{
    if (!e)
        return;
    free(e->id); free(e->service); free(e->url); free(e->scheme); free(e->host);
    free(e->path); free(e->method); free(e->geography); free(e->pinset);
    free(e->wildcard); free(e->source); free(e->description);
    free(e->condition); free(e->placeholder);
    tp_strlist_free(&e->clouds);
    tp_strlist_free(&e->os);
    tp_strlist_free(&e->onboarding);
    memset(e, 0, sizeof *e);
}

void tp_catalog_free(tp_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        tp_endpoint_free(&c->endpoints[i]);
    free(c->endpoints);
    free(c->file); free(c->name); free(c->source); free(c->version); free(c->date);
    memset(c, 0, sizeof *c);
}

static void path_free(tp_path *p)
{
    free(p->id); free(p->proxy_host); free(p->username);
    tp_secret_free(p->password); /* wiped before the memory goes back */
    free(p->crl_via); free(p->fallback);
    tp_strlist_free(&p->ca_files);
    tp_strlist_free(&p->bypass);
    free(p->pac); free(p->source); free(p->interface);
}

void tp_config_free(tp_config *c)
{
    if (!c)
        return;
    free(c->file);
    tp_strlist_free(&c->catalogs);
    tp_strlist_free(&c->select.services);
    tp_strlist_free(&c->select.geography);
    free(c->select.os);
    free(c->select.onboarding);
    free(c->select.cloud);
    free(c->select.mma_workspace);
    tp_strlist_free(&c->resolvers);
    for (size_t i = 0; i < c->n_paths; i++)
        path_free(&c->paths[i]);
    free(c->paths);
    tp_strlist_free(&c->ca_files);
    for (size_t i = 0; i < c->n_pinsets; i++) {
        free(c->pinsets[i].name);
        free(c->pinsets[i].spki);
    }
    free(c->pinsets);
    tp_strlist_free(&c->formats);
    free(c->output);
    free(c->output_dir);
    tp_strlist_free(&c->dns.block_pages);
    free(c->dns.service_tags);
    free(c->site);
    free(c->history.state_dir);
    free(c->history.on_change);
    memset(c, 0, sizeof *c);
}

const tp_path *tp_config_find_path(const tp_config *c, const char *id)
{
    for (size_t i = 0; id && i < c->n_paths; i++)
        if (strcmp(c->paths[i].id, id) == 0)
            return &c->paths[i];
    return NULL;
}

const tp_pinset *tp_config_find_pinset(const tp_config *c, const char *name)
{
    for (size_t i = 0; name && i < c->n_pinsets; i++)
        if (strcmp(c->pinsets[i].name, name) == 0)
            return &c->pinsets[i];
    return NULL;
}

const char *tp_status_name(tp_status s)
{
    switch (s) {
    case TP_ST_OK: return "ok";
    case TP_ST_WARN: return "warn";
    case TP_ST_FAIL: return "fail";
    case TP_ST_SKIPPED: return "skipped";
    }
    return "fail";
}

const char *tp_phase_name(tp_phase p)
{
    static const char *const names[] = {"dns", "connect", "proxy", "tls", "http",
                                        "verify", "revocation", "done"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "done";
}

const char *tp_revocation_name(tp_revocation r)
{
    static const char *const names[] = {"not_checked", "good", "revoked", "unknown", "unreachable"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

void tp_cert_info_free(tp_cert_info *c)
{
    if (!c)
        return;
    free(c->subject); free(c->issuer); free(c->serial);
    free(c->not_before); free(c->not_after); free(c->der);
    tp_strlist_free(&c->crl_urls);
    tp_strlist_free(&c->ocsp_urls);
    tp_strlist_free(&c->ca_issuers);
    memset(c, 0, sizeof *c);
}

int tp_client_profile_parse(const char *name)
{
    if (name && strcmp(name, "windows") == 0)
        return TP_CLIENT_PROFILE_WINDOWS;
    if (name && strcmp(name, "openssl") == 0)
        return TP_CLIENT_PROFILE_OPENSSL;
    return -1;
}

typedef struct chain_block {
    size_t refs, n;
    tp_cert_info certs[];
} chain_block;

static chain_block *block_of(tp_cert_info *c)
{
    return (chain_block *)((char *)c - offsetof(chain_block, certs));
}

tp_cert_info *tp_chain_new(size_t n)
{
    chain_block *b = calloc(1, sizeof *b + n * sizeof b->certs[0]);
    if (!b)
        return NULL;
    b->refs = 1;
    b->n = n;
    return b->certs;
}

tp_cert_info *tp_chain_ref(tp_cert_info *chain)
{
    if (chain)
        block_of(chain)->refs++;
    return chain;
}

void tp_chain_unref(tp_cert_info *chain)
{
    if (!chain)
        return;
    chain_block *b = block_of(chain);
    if (--b->refs > 0)
        return;
    for (size_t i = 0; i < b->n; i++)
        tp_cert_info_free(&b->certs[i]);
    free(b);
}

void tp_result_free(tp_result *r)
{
    if (!r)
        return;
    free(r->error_message);
    tp_strlist_free(&r->addresses);
    tp_strlist_free(&r->cnames);
    free(r->resolver); free(r->connected_address);
    tp_strlist_free(&r->proxy_auth_schemes);
    free(r->tls_version); free(r->tls_cipher); free(r->tls_group); free(r->tls_sigalg);
    if (r->chain_shared) {
        tp_chain_unref(r->chain);
    } else {
        for (size_t i = 0; i < r->chain_len; i++)
            tp_cert_info_free(&r->chain[i]);
        free(r->chain);
    }
    free(r->interception_issuer);
    free(r->revocation_reason);
    for (size_t i = 0; i < r->n_crls; i++) {
        free(r->crls[i].url); free(r->crls[i].path); free(r->crls[i].error);
    }
    free(r->crls);
    free(r->windows_error);
    free(r->remediation);
    free(r->pac_answer);
    free(r->addr_tags);
    free(r->dns_split);
    memset(r, 0, sizeof *r);
}

bool tp_result_fell_back(const tp_result *r)
{
    /* the first route is what the plan chose (the path, its bypass, a PAC's first entry):
     * a used path other than that one is a fallback */
    if (!r || !r->used_path)
        return false;
    const tp_path *first = r->route ? r->route->path : r->path;
    return r->used_path != first && (!r->route || r->used_path != r->route->anon);
}

void tp_run_summary(const tp_run *run, tp_summary *s)
{
    memset(s, 0, sizeof *s);
    size_t required_unjudged = 0;
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        s->probes++;
        /* a required probe the tester could not measure (overloaded) did not pass either */
        if (r->error_code == TP_OC_INCONCLUSIVE && r->ep && r->ep->required)
            required_unjudged++;
        switch (r->status) {
        case TP_ST_OK: s->ok++; break;
        case TP_ST_WARN: s->warn++; break;
        case TP_ST_FAIL:
            s->fail++;
            if (r->ep && r->ep->required)
                s->required_failed++;
            break;
        case TP_ST_SKIPPED: s->skipped++; break;
        }
    }
    s->interrupted = run->interrupted;
    s->pass = s->required_failed == 0 && required_unjudged == 0 && !run->interrupted;
}

const char *tp_summary_verdict(const tp_summary *s)
{
    if (s->interrupted)
        return "incomplete";
    return s->pass ? "pass" : "fail";
}

bool tp_run_path_inspection_observed(const tp_run *run, const tp_path *p)
{
    for (size_t i = 0; i < run->n_results; i++)
        if (run->results[i].path == p && run->results[i].interception_detected)
            return true;
    return false;
}
