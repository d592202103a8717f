/* remediation.c — the words of a verdict: the message of each judged outcome and the one
 * remediation line, expanded from the outcome table's template (core/outcome.def) with this
 * result's host, rule, path, proxy and CRL route. Secrets never appear: paths are named by
 * id and host:port only. */
#include "judge/judge_int.h"
#include "core/dnsclass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Host (and port) of an http:// URL, for remediation text. */
static void url_host(const char *url, char *out, size_t n)
{
    const char *h = tpj_is_http_url(url) ? url + 7 : url;
    size_t len = strcspn(h, "/?#");
    snprintf(out, n, "%.*s", (int)len, h);
}

/* ======================= messages and remediation ======================= */

/* "proxy corp (10.0.0.6:8080)" or "the direct path" — never credentials. */
static char *path_text(const tp_path *p)
{
    if (!p)
        return tp_strdup("the direct path");
    if (p->type == TP_PATH_HTTP)
        /* an IPv6 literal proxy is written [addr]:port, as in the JSON report */
        return tp_asprintf(p->proxy_host && strchr(p->proxy_host, ':') ? "proxy %s ([%s]:%d)" : "proxy %s (%s:%d)",
                           p->id, p->proxy_host ? p->proxy_host : "?", p->proxy_port);
    if (p->type == TP_PATH_PAC)
        return tp_asprintf("the PAC path %s", p->id);
    return tp_asprintf("the direct path (%s)", p->id);
}

/* The route the plan chose: the configured path, or the first entry of its PAC's answer
 * ("proxy 10.0.0.6:3128 (the PAC of path corp-pac)"). */
static char *planned_text(const tp_result *r)
{
    const tp_path *p = r->pac_answer && r->route ? r->route->path : NULL;
    if (!p || !r->path)
        return path_text(r->path);
    if (p->type == TP_PATH_HTTP)
        return tp_asprintf(p->proxy_host && strchr(p->proxy_host, ':') ? "proxy [%s]:%d (the PAC of path %s)"
                                                                       : "proxy %s:%d (the PAC of path %s)",
                           p->proxy_host ? p->proxy_host : "?", p->proxy_port, r->path->id);
    return tp_asprintf("a direct connection (the PAC of path %s)", r->path->id);
}

static const char *rule_of(const tp_endpoint *ep)
{
    return ep->wildcard ? ep->wildcard : ep->host;
}

/* What a remediation template (core/outcome.def) may name, for one result. */
typedef struct fix_ctx {
    const tp_result *r;
    const tp_endpoint *ep;
    const tp_path *p;        /* the path the probe used */
    tp_outcome code;
    char *pt;                /* path_text(p) */
    char *cfg_pt;            /* path_text(the configured path) */
    char *crl_pt;            /* "direct" or path_text(the path the first failing CRL took) */
    bool crl_direct;
    bool crl_slow;           /* every failed CRL failed on time alone (crl_timeout) */
    char crl_host[512];      /* every failed CRL host, ", "-separated */
    char resolver[300];
} fix_ctx;

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(name, want, len) == 0;
}

static const char *fix_lookup(void *ud, const char *n, size_t len, char *buf, size_t buflen)
{
    const fix_ctx *x = ud;
    const tp_result *r = x->r;
    const tp_endpoint *ep = x->ep;
    if (name_is(n, len, "host"))
        return ep->host ? ep->host : "?";
    if (name_is(n, len, "rule"))
        return rule_of(ep);
    if (name_is(n, len, "path"))
        return x->pt;
    if (name_is(n, len, "cfg_path"))
        return x->cfg_pt;
    if (name_is(n, len, "code"))
        return tp_outcome_name(x->code);
    if (name_is(n, len, "auth_scheme")) {
        /* every scheme offered: "Negotiate, NTLM" is another fix than "Basic" */
        if (r->proxy_auth_schemes.n == 0)
            return "authentication";
        size_t o = 0;
        buf[0] = '\0';
        for (size_t i = 0; i < r->proxy_auth_schemes.n && o < buflen; i++)
            o += (size_t)snprintf(buf + o, buflen - o, "%s%s", i ? ", " : "", r->proxy_auth_schemes.v[i]);
        return buf;
    }
    if (name_is(n, len, "user"))   /* the account name, never its password */
        return x->p && x->p->username ? x->p->username : "?";
    if (name_is(n, len, "resolver"))
        return x->resolver;
    if (name_is(n, len, "cname"))
        return r->cnames.n ? r->cnames.v[r->cnames.n - 1] : "?";
    if (name_is(n, len, "top_issuer"))
        return r->chain_len && r->chain[r->chain_len - 1].issuer ? r->chain[r->chain_len - 1].issuer : "?";
    if (name_is(n, len, "leaf_subject"))
        return r->chain_len && r->chain[0].subject ? r->chain[0].subject : "?";
    if (name_is(n, len, "pinset"))
        return ep->pinset ? ep->pinset : "?";
    if (name_is(n, len, "crl_host"))
        return x->crl_host;
    if (name_is(n, len, "crl_path"))
        return x->crl_pt;
    int v = name_is(n, len, "port")           ? ep->port
            : name_is(n, len, "proxy_port")   ? (x->p ? x->p->proxy_port : 0)
            : name_is(n, len, "proxy_status") ? r->proxy_status
            : name_is(n, len, "http_status")  ? r->http_status
                                              : -1;
    if (v < 0)
        return NULL;
    snprintf(buf, buflen, "%d", v);
    return buf;
}

static bool fix_cond(void *ud, const char *n, size_t len)
{
    const fix_ctx *x = ud;
    if (name_is(n, len, "via_proxy"))
        return x->p && x->p->type == TP_PATH_HTTP;
    if (name_is(n, len, "http"))
        return x->ep->scheme && strcmp(x->ep->scheme, "http") == 0;
    if (name_is(n, len, "proxy_status"))
        return x->r->proxy_status != 0;
    if (name_is(n, len, "cname"))
        return x->r->cnames.n > 0;
    if (name_is(n, len, "crl_direct"))
        return x->crl_direct;
    if (name_is(n, len, "crl_slow"))
        return x->crl_slow;
    return false;
}

/* One line naming host, proxy host:port and rule (never credentials): the code's template
 * from the outcome table, or a generic line for codes without one. */
char *tpj_remediation_for(const tp_result *r, tp_outcome code)
{
    fix_ctx x = {.r = r, .ep = r->ep, .p = tpj_effective_path(r), .code = code};
    char *out = NULL;
    x.pt = path_text(x.p);
    if (!x.pt || code == TP_OC_NONE)
        goto done;
    if (!r->ep) {   /* the plan always sets it; stay useful if not */
        out = tp_asprintf("see error %s on %s", tp_outcome_name(code), x.pt);
        goto done;
    }
    x.cfg_pt = planned_text(r);
    if (r->resolver && *r->resolver && strcmp(r->resolver, "system") != 0)
        snprintf(x.resolver, sizeof x.resolver, "resolver %s", r->resolver);
    else
        snprintf(x.resolver, sizeof x.resolver, "system resolver");
    /* the CRL the line is about: the first one that failed, and the path it took — every
     * CRL of r went through its one CRL route, the plan's pointer: no lookup by name */
    const char *url = NULL;
    size_t o = 0;
    x.crl_slow = true;
    for (size_t i = 0; i < r->n_crls; i++) {
        if (!r->crls[i].error)
            continue;
        if (strcmp(r->crls[i].error, tp_outcome_name(TP_OC_CRL_TIMEOUT)) != 0)
            x.crl_slow = false;
        url = url ? url : r->crls[i].url;
        /* every host whose CRL failed: each needs the rule, not only the first */
        char h[256], probe[260], have[sizeof x.crl_host + 4];
        url_host(r->crls[i].url ? r->crls[i].url : "?", h, sizeof h);
        snprintf(probe, sizeof probe, ", %s,", h);
        snprintf(have, sizeof have, ", %s,", x.crl_host);
        if (o < sizeof x.crl_host && !strstr(have, probe))
            o += (size_t)snprintf(x.crl_host + o, sizeof x.crl_host - o, "%s%s", o ? ", " : "", h);
    }
    if (!url) {
        url_host("crl.microsoft.com", x.crl_host, sizeof x.crl_host);
        x.crl_slow = false;
    }
    const tp_route *crt = url ? tpj_crl_route(r) : NULL;
    const tp_path *cp = crt ? crt->path : NULL;
    x.crl_direct = !cp || cp->type == TP_PATH_DIRECT;
    x.crl_pt = x.crl_direct ? tp_strdup("direct") : path_text(cp);
    if (!x.cfg_pt || !x.crl_pt)
        goto done;
    const char *tmpl = tp_outcome_info_of(code)->remediation;
    out = tp_outcome_expand(tmpl ? tmpl : "see error {code} for {host} on {path}", fix_lookup,
                            fix_cond, &x);
done:
    free(x.pt);
    free(x.cfg_pt);
    free(x.crl_pt);
    return out;
}

char *tpj_message_for(const tp_result *r, tp_outcome code, const tp_pinset *ps)
{
    const char *host = r->ep && r->ep->host ? r->ep->host : "?";
    char *pt = path_text(tpj_effective_path(r));
    char *m = NULL;
    if (!pt)
        return NULL;
    switch (code) {
    case TP_OC_REVOKED:
    case TP_OC_CRL_UNREACHABLE:
    case TP_OC_REVOCATION_UNKNOWN:
        m = tp_strdup(r->revocation_reason);
        break;
    case TP_OC_INTERCEPTED: {
        /* behind a bump the proxy answers for the origin: a 502/503 inside the tunnel
         * means the origin is not reachable from the proxy either — say so, or the
         * engineer excludes the name from inspection and still finds a dead end */
        char tunnel[160] = "";
        if (r->http_status >= 500)
            snprintf(tunnel, sizeof tunnel, "; the proxy answered HTTP %d inside the tunnel: the "
                     "origin is not reachable from the proxy either", r->http_status);
        m = tp_asprintf("TLS to %s on %s is re-signed by %s%s%s", host, pt,
                        r->interception_issuer ? r->interception_issuer : "an unknown CA",
                        r->ep && r->ep->inspection_allowed ? " (inspection allowed for this "
                                                             "endpoint)" : "",
                        tunnel);
        break;
    }
    case TP_OC_PROXY_FALLBACK: {
        char *cfgp = planned_text(r);
        m = cfgp ? tp_asprintf("%s could not be reached; the probe fell back to %s and succeeded",
                               cfgp, r->used_path && r->used_path->id ? r->used_path->id : "direct")
                 : NULL;
        free(cfgp);
        break;
    }
    case TP_OC_TLS_UNTRUSTED:
        m = tp_asprintf("the chain of %s does not anchor in the configured CA store", host);
        break;
    case TP_OC_TLS_HOSTNAME_MISMATCH:
        m = tp_asprintf("the certificate of %s does not name %s", host, host);
        break;
    case TP_OC_TLS_EXPIRED:
        m = tp_asprintf("a certificate in the chain of %s is outside its validity period", host);
        break;
    case TP_OC_PIN_MISMATCH:
        m = tp_asprintf("no certificate on the path of %s (nor its anchor) is in pin set %s%s; "
                        "the chain tops at %s — a proxy that inspects TLS, or a pin set older "
                        "than Microsoft's current chain", host,
                        r->ep && r->ep->pinset ? r->ep->pinset : "?", ps ? "" : " (the set is not defined)",
                        r->chain_len && r->chain[r->chain_len - 1].issuer ? r->chain[r->chain_len - 1].issuer : "?");
        break;
    case TP_OC_HTTP_STATUS:
        m = r->http_status ? tp_asprintf("%s answered HTTP %d, not one of the expected statuses",
                                         host, r->http_status)
                           : tp_asprintf("%s gave no HTTP answer", host);
        break;
    case TP_OC_DNS_PRIVATE: {
        const char *priv = NULL;
        for (size_t i = 0; i < r->addresses.n && !priv; i++)
            if (tp_addr_is_private(r->addresses.v[i]))
                priv = r->addresses.v[i];
        m = tp_asprintf("%s resolves to the private address %s (%s): a Private Link zone or an "
                        "internal record answers for a Microsoft name", host, priv ? priv : "?",
                        r->resolver ? r->resolver : "system resolver");
        break;
    }
    default:
        break;
    }
    free(pt);
    return m;
}
