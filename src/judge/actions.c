/* actions.c — groups judged results into changes: (where, what) → rules and probes.
 * Each error code maps to the place the fix is made (the proxy of the path, the firewall
 * of a direct path, DNS, the endpoint itself, this machine's trust store, the CRL path)
 * and the change, worded without host names so that every probe needing the same change
 * lands in one group; the names go into the group's rule list. */
#include "judge/actions.h"

#include "core/outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The error code of a result as text (the one place that reads r->error_code). */
static const char *code_of(const tp_result *r)
{
    return tp_outcome_name(r->error_code);
}

static bool has_prefix(const char *s, const char *p)
{
    return s && strncmp(s, p, strlen(p)) == 0;
}

static const tp_path *effective_path(const tp_result *r)
{
    return r->used_path ? r->used_path : r->path;
}

/* "proxy bump (10.0.0.5:8080)" / "firewall / egress of the direct path (direct)" */
static char *proxy_where(const tp_path *p)
{
    if (!p || p->type != TP_PATH_HTTP)
        return tp_asprintf("firewall / egress of the direct path%s%s%s", p && p->id ? " (" : "",
                           p && p->id ? p->id : "", p && p->id ? ")" : "");
    return tp_asprintf(p->proxy_host && strchr(p->proxy_host, ':') ? "proxy %s ([%s]:%d)" : "proxy %s (%s:%d)",
                       p->id ? p->id : "?", p->proxy_host ? p->proxy_host : "?", p->proxy_port);
}

static const char *rule_of(const tp_endpoint *e)
{
    return e->wildcard ? e->wildcard : e->host;
}

static bool is_http(const tp_endpoint *e)
{
    return e->scheme && strcmp(e->scheme, "http") == 0;
}

/* One result's place in the action list. Strings malloc'ed; rules added to *rules. */
typedef struct key {
    const char *kind;
    char *where;
    const tp_path *path;
    char *what;
} key;

static const tp_path *crl_fetch_path(const tp_run *run, const tp_result *r)
{
    for (size_t i = 0; i < r->n_crls; i++)
        if (r->crls[i].error && r->crls[i].path)
            return run->cfg ? tp_config_find_path(run->cfg, r->crls[i].path) : NULL;
    return NULL;
}

/* The CRL hosts whose fetch failed (the change is about them, not the endpoint). */
static int crl_hosts(const tp_result *r, tp_strlist *rules)
{
    int rc = 0;
    for (size_t i = 0; i < r->n_crls && rc == 0; i++) {
        if (!r->crls[i].error || !r->crls[i].url)
            continue;
        const char *u = r->crls[i].url;
        const char *h = strncmp(u, "http://", 7) == 0 ? u + 7 : u;
        char *host = tp_strndup(h, strcspn(h, "/?#"));
        if (!host)
            return -1;
        if (!tp_strlist_has(rules, host))
            rc = tp_strlist_add(rules, host);
        free(host);
    }
    return rc;
}

static int classify(const tp_run *run, const tp_result *r, key *k, tp_strlist *rules)
{
    const char *code = code_of(r);
    const tp_endpoint *e = r->ep;
    const tp_path *p = effective_path(r);
    bool via_proxy = p && p->type == TP_PATH_HTTP;
    const char *rule = e ? rule_of(e) : "?";
    k->path = p;
    k->kind = via_proxy ? "proxy" : "firewall";
    k->where = proxy_where(p);
    if (!code) {
        k->what = tp_strdup("see the per-probe detail");
    } else if (strcmp(code, "proxy_fallback") == 0) {
        k->path = r->path;
        free(k->where);
        k->where = proxy_where(r->path);
        k->kind = "proxy";
        k->what = tp_strdup("bring the proxy back, or keep direct egress open (devices fall back to direct)");
    } else if (has_prefix(code, "dns_")) {
        free(k->where);
        k->kind = "dns";
        k->where = r->resolver && *r->resolver && strcmp(r->resolver, "system") != 0
                       ? tp_asprintf("DNS (resolver %s)", r->resolver)
                       : tp_strdup("DNS (system resolver)");
        k->what = tp_strdup("make these names resolve");
        if (e && r->cnames.n && !tp_strlist_has(rules, r->cnames.v[r->cnames.n - 1]) &&
            tp_strlist_add(rules, r->cnames.v[r->cnames.n - 1]))
            return -1;
        rule = e ? e->host : "?";
    } else if (has_prefix(code, "connect_") && via_proxy) {
        k->what = tp_asprintf("make the proxy reachable from here (TCP %d, %s)", p->proxy_port, code);
    } else if (has_prefix(code, "connect_")) {
        const char *how = strcmp(code, "connect_timeout") == 0   ? "dropped"
                          : strcmp(code, "connect_refused") == 0 ? "refused"
                                                                 : code;
        k->what = tp_asprintf("open TCP %d (%s)", e ? e->port : 443, how);
    } else if (strcmp(code, "proxy_auth_required") == 0) {
        k->what = tp_strdup(e && is_http(e) ? "allow anonymous GET (Windows fetches as SYSTEM and cannot answer 407)"
                                            : "allow anonymous CONNECT (the sensor runs as SYSTEM and cannot "
                                              "answer 407)");
    } else if (strcmp(code, "proxy_denied") == 0) {
        k->what = tp_strdup(e && is_http(e) ? "allow GET" : "allow CONNECT");
    } else if (has_prefix(code, "proxy_") && r->proxy_status) {
        k->what = tp_asprintf("fix the proxy's DNS and egress (HTTP %d)", r->proxy_status);
    } else if (has_prefix(code, "proxy_")) {
        k->what = tp_asprintf("check the proxy's logs and limits (%s)", code);
    } else if (strcmp(code, "intercepted") == 0) {
        k->what = tp_strdup("exclude from TLS inspection");
    } else if (strcmp(code, "tls_untrusted") == 0) {
        k->kind = "trust";
        k->what = tp_strdup("chain anchors in no trusted CA: add the right root (--cacert) or find what answers");
    } else if (strcmp(code, "tls_hostname_mismatch") == 0) {
        k->kind = "endpoint";
        k->what = tp_strdup("a certificate for another name answers: check DNS and routing");
        rule = e ? e->host : "?";
    } else if (strcmp(code, "tls_expired") == 0) {
        k->kind = "endpoint";
        k->what = tp_strdup("an expired certificate answers: check this machine's clock and what answers");
        rule = e ? e->host : "?";
    } else if (has_prefix(code, "tls_")) {
        k->what = tp_strdup("let TLS through unfiltered (the handshake is cut)");
    } else if (strcmp(code, "pin_mismatch") == 0) {
        k->kind = "trust";
        k->what = tp_asprintf("chain not in pin set %s: update the pin set if Microsoft rotated, else find "
                              "what answers", e && e->pinset ? e->pinset : "?");
    } else if (strcmp(code, "revoked") == 0) {
        k->kind = "endpoint";
        k->what = tp_strdup("revoked certificate: check that the path reaches the real host");
        rule = e ? e->host : "?";
    } else if (strcmp(code, "crl_unreachable") == 0 || strcmp(code, "revocation_unknown") == 0) {
        const tp_path *cp = crl_fetch_path(run, r);
        bool direct = !cp || cp->type == TP_PATH_DIRECT;
        free(k->where);
        k->kind = "crl";
        k->path = cp;
        k->where = proxy_where(cp);
        if (strcmp(code, "revocation_unknown") == 0)
            k->what = tp_strdup("CRL unusable: make sure nothing caches or rewrites the CRLs");
        else if (direct)
            k->what = tp_strdup("allow port 80 to the CRL hosts (or set a system-wide WinHTTP proxy)");
        else
            k->what = tp_strdup("allow anonymous port-80 GET of the CRL hosts (the OS fetches as SYSTEM)");
        if (crl_hosts(r, rules) != 0)
            return -1;
        if (rules->n)
            return k->where && k->what ? 0 : -1;
        rule = "crl.microsoft.com";
    } else if (strcmp(code, "http_status") == 0) {
        k->what = tp_asprintf("check the filtering policy (HTTP %d)", r->http_status);
    } else if (strcmp(code, "cancelled") == 0) {
        k->kind = "tester";
        k->what = tp_strdup("interrupted: run again");
    } else {
        k->what = tp_strdup("check proxies and filters on the way (the HTTP exchange breaks)");
    }
    if (!k->where || !k->what)
        return -1;
    if (strcmp(k->kind, "endpoint") == 0 || strcmp(k->kind, "trust") == 0) {
        /* the certificate that answers, or what this machine trusts: nothing on the path
         * to change, so one line for every path that saw it */
        free(k->where);
        k->path = NULL;
        k->where = tp_strdup(strcmp(k->kind, "endpoint") == 0 ? "endpoint certificate (every path that saw it)"
                                                              : "trust store / pin sets of the devices");
        if (!k->where)
            return -1;
    }
    return tp_strlist_has(rules, rule) ? 0 : tp_strlist_add(rules, rule);
}

static int add_probe(tp_action *a, size_t idx, const tp_result *r)
{
    size_t *v = realloc(a->probes, (a->n_probes + 1) * sizeof *v);
    if (!v)
        return -1;
    a->probes = v;
    a->probes[a->n_probes++] = idx;
    a->required += r->ep && r->ep->required;
    if (r->status == TP_ST_FAIL)
        a->status = TP_ST_FAIL;
    const char *code = code_of(r);
    if (code && !tp_strlist_has(&a->codes, code) && tp_strlist_add(&a->codes, code))
        return -1;
    return 0;
}

static int cmp_action(const void *x, const void *y)
{
    const tp_action *a = x, *b = y;
    if (a->status != b->status)
        return a->status == TP_ST_FAIL ? -1 : 1;
    if (a->n_probes != b->n_probes)
        return a->n_probes > b->n_probes ? -1 : 1;
    if (a->required != b->required)
        return a->required > b->required ? -1 : 1;
    /* ties keep first-seen order: probes[0] is the first result of each group */
    return a->probes[0] < b->probes[0] ? -1 : a->probes[0] > b->probes[0];
}

int tp_actions_build(const tp_run *run, tp_action **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    tp_action *v = NULL;
    size_t nv = 0;
    for (size_t i = 0; run && run->results && i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (r->status != TP_ST_FAIL && r->status != TP_ST_WARN)
            continue;
        key k = {0};
        tp_strlist rules = {0};
        if (classify(run, r, &k, &rules) != 0) {
            free(k.where);
            free(k.what);
            tp_strlist_free(&rules);
            goto oom;
        }
        size_t a = 0;
        while (a < nv && !(strcmp(v[a].where, k.where) == 0 && strcmp(v[a].what, k.what) == 0))
            a++;
        if (a == nv) {
            tp_action *nvv = realloc(v, (nv + 1) * sizeof *nvv);
            if (!nvv) {
                free(k.where);
                free(k.what);
                tp_strlist_free(&rules);
                goto oom;
            }
            v = nvv;
            memset(&v[nv], 0, sizeof v[nv]);
            v[nv].kind = tp_strdup(k.kind);
            v[nv].where = k.where;
            v[nv].what = k.what;
            v[nv].path = k.path;
            v[nv].status = TP_ST_WARN;
            nv++;
            if (!v[a].kind) {
                tp_strlist_free(&rules);
                goto oom;
            }
        } else {
            free(k.where);
            free(k.what);
        }
        int rc = add_probe(&v[a], i, r);
        for (size_t j = 0; rc == 0 && j < rules.n; j++)
            if (!tp_strlist_has(&v[a].rules, rules.v[j]))
                rc = tp_strlist_add(&v[a].rules, rules.v[j]);
        tp_strlist_free(&rules);
        if (rc)
            goto oom;
    }
    if (nv > 1)
        qsort(v, nv, sizeof *v, cmp_action);
    *out = v;
    *n = nv;
    return 0;
oom:
    tp_actions_free(v, nv);
    return -1;
}

void tp_actions_free(tp_action *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].kind);
        free(a[i].where);
        free(a[i].what);
        tp_strlist_free(&a[i].rules);
        tp_strlist_free(&a[i].codes);
        free(a[i].probes);
    }
    free(a);
}

char *tp_action_line(const tp_action *a)
{
    return tp_action_line_max(a, 0);
}

char *tp_action_line_max(const tp_action *a, size_t max_rules)
{
    size_t shown = max_rules && a->rules.n > max_rules ? max_rules : a->rules.n;
    size_t len = strlen(a->where) + strlen(a->what) + 96;
    for (size_t i = 0; i < shown; i++)
        len += strlen(a->rules.v[i]) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t o = (size_t)snprintf(s, len, "%s: %s: ", a->where, a->what);
    for (size_t i = 0; i < shown && o < len; i++)
        o += (size_t)snprintf(s + o, len - o, "%s%s", i ? ", " : "", a->rules.v[i]);
    if (shown < a->rules.n && o < len)
        o += (size_t)snprintf(s + o, len - o, " and %zu more", a->rules.n - shown);
    if (o < len)
        snprintf(s + o, len - o, " (%zu probe%s)", a->n_probes, a->n_probes == 1 ? "" : "s");
    return s;
}
