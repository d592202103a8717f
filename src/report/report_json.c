/* report_json.c — the JSON report, the SPEC's stable contract (docs/report.schema.json).
 * Every key the SPEC lists is always present (null when the fact does not exist), so a
 * consumer never has to tell "absent" from "not reached". Text from the network goes
 * through tp_rpt_clean first: cJSON escapes control characters but copies bytes >= 0x80
 * verbatim, so invalid UTF-8 must be repaired before it sees the string. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge/actions.h"
#include "report/cause.h"
#include "report/provenance.h"
#include "report/report_util.h"
#include "store/changes_json.h"

/* A builder that remembers the first allocation failure, so the tree-building code can
 * stay linear and check once at the end. */
typedef struct jb {
    const tp_run *run;
    bool failed;
} jb;

static cJSON *chk(jb *b, cJSON *item)
{
    if (!item)
        b->failed = true;
    return item;
}

static void add(jb *b, cJSON *obj, const char *key, cJSON *item)
{
    if (!item) {
        b->failed = true;
        return;
    }
    if (!cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        b->failed = true;
    }
}

static void push(jb *b, cJSON *arr, cJSON *item)
{
    if (!item) {
        b->failed = true;
        return;
    }
    if (!cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        b->failed = true;
    }
}

/* A string from anywhere (catalog, config, network): repaired, redacted; NULL -> null. */
static cJSON *jstr(jb *b, const char *s)
{
    if (!s)
        return chk(b, cJSON_CreateNull());
    char *c = tp_rpt_clean(b->run, s);
    if (!c)
        return chk(b, NULL);
    cJSON *j = cJSON_CreateString(c);
    free(c);
    return chk(b, j);
}

static cJSON *jstrlist(jb *b, const tp_strlist *l)
{
    cJSON *a = chk(b, cJSON_CreateArray());
    for (size_t i = 0; a && i < l->n; i++)
        push(b, a, jstr(b, l->v[i]));
    return a;
}

static cJSON *jnum(jb *b, double v)
{
    return chk(b, cJSON_CreateNumber(v));
}

static cJSON *jbool(jb *b, bool v)
{
    return chk(b, cJSON_CreateBool(v));
}

static cJSON *jnull(jb *b)
{
    return chk(b, cJSON_CreateNull());
}

static cJSON *jobj(jb *b)
{
    return chk(b, cJSON_CreateObject());
}

/* Milliseconds rounded to 0.1; negative (phase not reached) -> null. */
static cJSON *jms(jb *b, double ms)
{
    if (!(ms >= 0) || !isfinite(ms))
        return jnull(b);
    return jnum(b, round(ms * 10.0) / 10.0);
}

/* ---------- top level ---------- */

static cJSON *json_tool(jb *b)
{
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "name", jstr(b, "tlspath"));
        add(b, o, "version", jstr(b, TLSPATH_VERSION));
    }
    return o;
}

static cJSON *json_path(jb *b, const tp_path *p)
{
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "id", jstr(b, p->id));
    add(b, o, "type", jstr(b, p->type == TP_PATH_HTTP ? "http" : p->type == TP_PATH_PAC ? "pac" : "direct"));
    if (p->type == TP_PATH_HTTP && p->proxy_host) {
        /* host:port only: credentials live in other fields and never get here */
        char *hp = strchr(p->proxy_host, ':') ? tp_asprintf("[%s]:%d", p->proxy_host, p->proxy_port)
                                              : tp_asprintf("%s:%d", p->proxy_host, p->proxy_port);
        add(b, o, "proxy", hp ? jstr(b, hp) : NULL);
        free(hp);
    } else {
        add(b, o, "proxy", jnull(b));
    }
    /* whether credentials are configured, never what they are */
    add(b, o, "auth", (p->username || p->password) ? jstr(b, "basic") : jnull(b));
    add(b, o, "inspection_expected", jbool(b, p->expect_inspection));
    add(b, o, "inspection_observed", jbool(b, tp_run_path_inspection_observed(b->run, p)));
    add(b, o, "crl_via", jstr(b, p->crl_via));
    add(b, o, "fallback", jstr(b, p->fallback));
    /* issue 14 (additive): where the path's PAC is, what bypasses it, how it gets out */
    if (p->type == TP_PATH_PAC)
        add(b, o, "pac", jstr(b, p->pac));
    if (p->bypass.n)
        add(b, o, "bypass", jstrlist(b, &p->bypass));
    if (p->source)
        add(b, o, "source", jstr(b, p->source));
    if (p->interface)
        add(b, o, "interface", jstr(b, p->interface));
    if (p->family != TP_FAM_ANY)
        add(b, o, "family", jstr(b, p->family == TP_FAM_V4 ? "ipv4" : p->family == TP_FAM_V6 ? "ipv6" : "both"));
    return o;
}

static cJSON *json_paths(jb *b)
{
    cJSON *a = chk(b, cJSON_CreateArray());
    for (size_t i = 0; a && i < tp_rpt_n_paths(b->run); i++)
        push(b, a, json_path(b, tp_rpt_path(b->run, i)));
    return a;
}

static cJSON *json_summary(jb *b)
{
    tp_summary s;
    tp_run_summary(b->run, &s);
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "probes", jnum(b, (double)s.probes));
    add(b, o, "ok", jnum(b, (double)s.ok));
    add(b, o, "warn", jnum(b, (double)s.warn));
    add(b, o, "fail", jnum(b, (double)s.fail));
    add(b, o, "skipped", jnum(b, (double)s.skipped));
    add(b, o, "required_failed", jnum(b, (double)s.required_failed));
    add(b, o, "verdict", jstr(b, tp_summary_verdict(&s)));
    add(b, o, "interrupted", jbool(b, s.interrupted));
    return o;
}

/* The CRL stage's memory budget and how it went (net/crlbudget.c). */
static cJSON *json_crl_stats(jb *b)
{
    const tp_crl_stats *c = &b->run->crl;
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "fetches", jnum(b, (double)c->fetches));
    add(b, o, "budget_bytes", jnum(b, (double)c->budget_bytes));
    add(b, o, "bytes_peak", jnum(b, (double)c->bytes_peak));
    add(b, o, "bodies_peak", jnum(b, (double)c->bodies_peak));
    add(b, o, "waited", jnum(b, (double)c->waited));
    add(b, o, "wait_ms_max", jms(b, c->wait_ms_max));
    add(b, o, "judged", jnum(b, (double)c->judged));
    add(b, o, "timeouts", jnum(b, (double)c->timeouts));
    return o;
}

/* ---------- one result ---------- */

static cJSON *json_endpoint(jb *b, const tp_endpoint *e)
{
    if (!e)
        return jnull(b);
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "id", jstr(b, e->id));
    add(b, o, "service", jstr(b, e->service));
    add(b, o, "url", jstr(b, e->url));
    add(b, o, "host", jstr(b, e->host));
    add(b, o, "port", jnum(b, e->port));
    add(b, o, "required", jbool(b, e->required));
    add(b, o, "requirement", jstr(b, e->requirement == TP_REQ_CONDITIONAL ? "conditional"
                                     : e->requirement == TP_REQ_OPTIONAL  ? "optional" : "required"));
    if (e->condition)
        add(b, o, "condition", jstr(b, e->condition));
    if (e->direct_only)
        add(b, o, "direct_only", jbool(b, true));
    add(b, o, "geography", jstr(b, e->geography));
    return o;
}

static cJSON *json_error(jb *b, const tp_result *r)
{
    if (r->error_code == TP_OC_NONE)
        return jnull(b);
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "code", jstr(b, tp_outcome_name(r->error_code)));
        add(b, o, "message", jstr(b, r->error_message ? r->error_message : ""));
    }
    return o;
}

static cJSON *json_timings(jb *b, const tp_timings *t)
{
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "dns", jms(b, t->dns));
        add(b, o, "connect", jms(b, t->connect));
        add(b, o, "proxy", jms(b, t->proxy));
        add(b, o, "tls", jms(b, t->tls));
        add(b, o, "http", jms(b, t->http));
        add(b, o, "revocation", jms(b, t->revocation));
        add(b, o, "total", jms(b, t->total));
    }
    return o;
}

/* The next "KEY=VALUE" entry of a ';'-separated list (tp_result.addr_tags, dns_split) into
 * buf (cut to its size), split at the first '=' (last_eq false) or the last one (a resolver
 * "[v6]:port" or "ip:port" key holds no '=', an IPv6 address may). Advances *s. Returns the
 * value, or NULL for an entry without '=' (skipped by the callers). */
static char *next_entry(const char **s, char *buf, size_t cap, bool last_eq)
{
    size_t n = strcspn(*s, ";");
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(buf, *s, k);
    buf[k] = '\0';
    *s += n + ((*s)[n] == ';');
    char *eq = last_eq ? strrchr(buf, '=') : strchr(buf, '=');
    if (!eq)
        return NULL;
    *eq = '\0';
    return eq + 1;
}

/* Appends the ','-separated items of list (modified) to arr as strings. */
static void add_items(cJSON *arr, char *list)
{
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        cJSON_AddItemToArray(arr, cJSON_CreateString(t));
}

/* "ADDR=TAG,TAG;ADDR=" (tp_result.addr_tags) as [{"address", "tags": [...]}], or
 * "SERVER=a,b;SERVER=!code" (tp_result.dns_split) as [{"resolver", "addresses", "error"}]. */
static cJSON *json_kv_list(jb *b, const char *s, bool by_resolver)
{
    cJSON *a = cJSON_CreateArray();
    if (!a) {
        b->failed = true;
        return NULL;
    }
    char buf[1024];
    while (*s) {
        char *val = next_entry(&s, buf, sizeof buf, by_resolver);
        if (!val)
            continue;
        cJSON *o = jobj(b), *items = cJSON_CreateArray();
        if (!o || !items) {
            cJSON_Delete(items);
            b->failed = true;
            break;
        }
        bool failed = by_resolver && val[0] == '!';
        if (!failed)
            add_items(items, val);
        add(b, o, by_resolver ? "resolver" : "address", jstr(b, buf));
        add(b, o, by_resolver ? "addresses" : "tags", items);
        if (by_resolver)
            add(b, o, "error", failed ? jstr(b, val + 1) : jnull(b));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* DNS facts exist when a lookup happened (through a proxy the proxy resolves). */
static cJSON *json_dns(jb *b, const tp_result *r)
{
    if (r->addresses.n == 0 && r->cnames.n == 0 && !r->resolver && !(r->t.dns >= 0))
        return jnull(b);
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "addresses", jstrlist(b, &r->addresses));
        add(b, o, "cnames", jstrlist(b, &r->cnames));
        add(b, o, "resolver", jstr(b, r->resolver));
        if (r->addr_tags)
            add(b, o, "service_tags", json_kv_list(b, r->addr_tags, false));
        if (r->dns_split)
            add(b, o, "by_resolver", json_kv_list(b, r->dns_split, true));
    }
    return o;
}

/* How the endpoint left its path (issue 14): sent direct by the bypass list, or where the
 * path's PAC sent it and which entry of the answer was used. null for a plain path. */
static cJSON *json_route(jb *b, const tp_result *r)
{
    if (!r->bypassed && !r->pac_answer)
        return jnull(b);
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "bypassed", jbool(b, r->bypassed));
        add(b, o, "pac_answer", jstr(b, r->pac_answer));
        const tp_path *u = r->used_path;
        add(b, o, "entry", r->pac_answer && u && u != r->path ? jstr(b, u->id) : jnull(b));
    }
    return o;
}

static cJSON *json_http(jb *b, const tp_result *r)
{
    if (r->http_status == 0)
        return jnull(b);
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "status", jnum(b, r->http_status));
    cJSON *exp = chk(b, cJSON_CreateArray());
    size_t n = r->ep ? r->ep->n_expect_status : 0;
    for (size_t i = 0; exp && i < n && i < TP_MAX_EXPECT_STATUS; i++)
        push(b, exp, jnum(b, r->ep->expect_status[i]));
    add(b, o, "expected", exp);
    add(b, o, "ok", jbool(b, r->http_status_ok));
    return o;
}

static cJSON *json_cert(jb *b, const tp_cert_info *c)
{
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "subject", jstr(b, c->subject));
    add(b, o, "issuer", jstr(b, c->issuer));
    add(b, o, "serial", jstr(b, c->serial));
    add(b, o, "not_before", jstr(b, c->not_before));
    add(b, o, "not_after", jstr(b, c->not_after));
    /* spki_sha256 is a fixed array: bound the read even if it was never terminated */
    char spki[sizeof c->spki_sha256];
    memcpy(spki, c->spki_sha256, sizeof spki);
    spki[sizeof spki - 1] = '\0';
    add(b, o, "spki_sha256", spki[0] ? jstr(b, spki) : jnull(b));
    add(b, o, "is_ca", jbool(b, c->is_ca));
    add(b, o, "self_signed", jbool(b, c->self_signed));
    add(b, o, "crl_urls", jstrlist(b, &c->crl_urls));
    add(b, o, "ocsp_urls", jstrlist(b, &c->ocsp_urls));
    add(b, o, "ca_issuers", jstrlist(b, &c->ca_issuers));
    return o;
}

static cJSON *json_tls(jb *b, const tp_result *r)
{
    if (!r->tls_done)
        return jnull(b);
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "version", jstr(b, r->tls_version));
    add(b, o, "cipher", jstr(b, r->tls_cipher));
    add(b, o, "group", jstr(b, r->tls_group));
    add(b, o, "sigalg", jstr(b, r->tls_sigalg));
    cJSON *chain = chk(b, cJSON_CreateArray());
    for (size_t i = 0; chain && r->chain && i < r->chain_len; i++)
        push(b, chain, json_cert(b, &r->chain[i]));
    add(b, o, "chain", chain);
    add(b, o, "trusted", jbool(b, r->trusted));
    add(b, o, "hostname_ok", jbool(b, r->hostname_ok));
    add(b, o, "expired", jbool(b, r->expired));
    add(b, o, "verify_flags", jnum(b, r->verify_flags));
    return o;
}

static cJSON *json_proxy(jb *b, const tp_result *r)
{
    if (r->proxy_status == 0)
        return jnull(b);
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "status", jnum(b, r->proxy_status));
        add(b, o, "auth_schemes", jstrlist(b, &r->proxy_auth_schemes));
    }
    return o;
}

static cJSON *json_pinning(jb *b, const tp_result *r)
{
    if (!r->pin_checked)
        return jnull(b);
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "pinset", jstr(b, r->ep ? r->ep->pinset : NULL));
        add(b, o, "matched", jbool(b, r->pin_matched));
    }
    return o;
}

static cJSON *json_interception(jb *b, const tp_result *r)
{
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "detected", jbool(b, r->interception_detected));
        add(b, o, "issuer", jstr(b, r->interception_issuer));
    }
    return o;
}

static cJSON *json_crl(jb *b, const tp_crl_ref *c)
{
    cJSON *o = jobj(b);
    if (o) {
        add(b, o, "url", jstr(b, c->url ? c->url : ""));
        add(b, o, "http_status", jnum(b, c->http_status));
        add(b, o, "fetched", jbool(b, c->fetched));
        add(b, o, "path", jstr(b, c->path));
        add(b, o, "error", jstr(b, c->error));
    }
    return o;
}

static cJSON *json_revocation(jb *b, const tp_result *r)
{
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "status", jstr(b, tp_revocation_name(r->revocation)));
    add(b, o, "reason", jstr(b, r->revocation_reason));
    cJSON *crls = chk(b, cJSON_CreateArray());
    for (size_t i = 0; crls && r->crls && i < r->n_crls; i++)
        push(b, crls, json_crl(b, &r->crls[i]));
    add(b, o, "crls", crls);
    return o;
}

static cJSON *json_ssloptions(jb *b, const tp_result *r)
{
    if (!r->ssloptions_set)
        return jnull(b);
    cJSON *o = jobj(b);
    static const char *const keys[4] = {"0", "1", "2", "3"};
    for (int mode = 3; o && mode >= 0; mode--)
        add(b, o, keys[mode], jstr(b, r->ssloptions_pass[mode] ? "pass" : "fail"));
    return o;
}

static cJSON *json_result(jb *b, const tp_result *r)
{
    cJSON *o = jobj(b);
    if (!o)
        return NULL;
    add(b, o, "endpoint", json_endpoint(b, r->ep));
    add(b, o, "path", jstr(b, r->path ? r->path->id : NULL));
    add(b, o, "used_path",
        tp_result_fell_back(r) ? jstr(b, r->used_path->id) : jnull(b));
    add(b, o, "route", json_route(b, r));
    add(b, o, "status", jstr(b, tp_status_name(r->status)));
    add(b, o, "phase", jstr(b, tp_phase_name(r->phase)));
    add(b, o, "error", json_error(b, r));
    add(b, o, "timings_ms", json_timings(b, &r->t));
    add(b, o, "dns", json_dns(b, r));
    add(b, o, "connected_address", jstr(b, r->connected_address));
    add(b, o, "proxy", json_proxy(b, r));
    add(b, o, "http", json_http(b, r));
    add(b, o, "tls", json_tls(b, r));
    add(b, o, "pinning", json_pinning(b, r));
    add(b, o, "interception", json_interception(b, r));
    add(b, o, "revocation", json_revocation(b, r));
    add(b, o, "ssloptions", json_ssloptions(b, r));
    add(b, o, "windows_error", jstr(b, r->windows_error));
    add(b, o, "remediation", jstr(b, r->remediation));
    char cb[16];
    add(b, o, "cause", jstr(b, tp_cause_short(r, cb, sizeof cb)));
    return o;
}

/* The action list (judge/actions.h): what to change where, most impact first, each with
 * the rules it covers and the probes (endpoint id, path id) behind it. */
static cJSON *json_actions(jb *b)
{
    cJSON *arr = chk(b, cJSON_CreateArray());
    tp_action *v = NULL;
    size_t n = 0;
    if (!arr || tp_actions_build(b->run, &v, &n) != 0) {
        b->failed = true;
        return arr;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *o = jobj(b);
        if (!o)
            break;
        char *line = tp_action_line(&v[i]);
        if (!line)
            b->failed = true;
        add(b, o, "line", jstr(b, line ? line : ""));
        free(line);
        add(b, o, "status", jstr(b, tp_status_name(v[i].status)));
        add(b, o, "kind", jstr(b, v[i].kind));
        add(b, o, "where", jstr(b, v[i].where));
        add(b, o, "path", v[i].path ? jstr(b, v[i].path->id) : jnull(b));
        add(b, o, "what", jstr(b, v[i].what));
        add(b, o, "rules", jstrlist(b, &v[i].rules));
        add(b, o, "codes", jstrlist(b, &v[i].codes));
        add(b, o, "count", jnum(b, (double)v[i].n_probes));
        add(b, o, "required", jnum(b, (double)v[i].required));
        cJSON *probes = chk(b, cJSON_CreateArray());
        for (size_t k = 0; probes && k < v[i].n_probes; k++) {
            const tp_result *r = &b->run->results[v[i].probes[k]];
            cJSON *p = jobj(b);
            if (!p)
                break;
            add(b, p, "endpoint", jstr(b, r->ep ? r->ep->id : NULL));
            add(b, p, "path", jstr(b, r->path ? r->path->id : NULL));
            push(b, probes, p);
        }
        add(b, o, "probes", probes);
        push(b, arr, o);
    }
    tp_actions_free(v, n);
    return arr;
}

/* The document without its results when head_only (tp_report_json streams them). */
static cJSON *build(const tp_run *run, bool head_only)
{
    jb b = {.run = run, .failed = false};
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    char ts[32];
    add(&b, doc, "tool", json_tool(&b));
    add(&b, doc, "site", jstr(&b, run->cfg && run->cfg->site ? run->cfg->site : NULL));
    add(&b, doc, "started_at", jstr(&b, tp_rfc3339_ms(run->started_at_ms, ts, sizeof ts)));
    add(&b, doc, "finished_at", jstr(&b, tp_rfc3339_ms(run->finished_at_ms, ts, sizeof ts)));
    int64_t dur = run->finished_at_ms - run->started_at_ms;
    add(&b, doc, "duration_ms", jnum(&b, dur > 0 ? (double)dur : 0.0));
    add(&b, doc, "paths", json_paths(&b));
    add(&b, doc, "summary", json_summary(&b));
    cJSON *warnings = chk(&b, cJSON_CreateArray());
    for (size_t i = 0; warnings && i < run->warnings.n; i++)
        push(&b, warnings, jstr(&b, run->warnings.v[i]));
    add(&b, doc, "warnings", warnings);
    add(&b, doc, "crl_stats", json_crl_stats(&b));
    add(&b, doc, "changes", tp_changes_json(run));   /* null without --state-dir */
    add(&b, doc, "actions", json_actions(&b));
    add(&b, doc, "provenance", tp_report_provenance(run));
    cJSON *results = chk(&b, cJSON_CreateArray());
    for (size_t i = 0; !head_only && results && run->results && i < run->n_results; i++)
        push(&b, results, json_result(&b, &run->results[i]));
    add(&b, doc, "results", results);
    if (b.failed) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}

cJSON *tp_report_json_build(const tp_run *run)
{
    return build(run, false);
}

/* Writes one result as it is printed inside the results array: unformatted, or as cJSON_Print
 * does at depth 2 (every line but the first indented by two more tabs). Returns 0 or -1. */
static int write_result(const tp_run *run, const tp_result *r, bool first, bool pretty, tp_json_sink sink,
                        void *ud)
{
    jb b = {.run = run, .failed = false};
    cJSON *o = json_result(&b, r);
    char *text = o && !b.failed ? (pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o)) : NULL;
    cJSON_Delete(o);
    if (!text)
        return -1;
    int rc = first ? 0 : pretty ? sink(ud, ", ", 2) : sink(ud, ",", 1);
    for (const char *p = text; rc == 0 && *p;) {
        const char *nl = pretty ? strchr(p, '\n') : NULL;
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (p != text)
            rc = sink(ud, "\t\t", 2);
        if (rc == 0)
            rc = sink(ud, p, len);
        p += len;
    }
    cJSON_free(text);
    return rc;
}

/* The head is printed with an empty results array (the document's last key), then the
 * results one at a time. */
int tp_report_json_stream(const tp_run *run, bool pretty, tp_json_sink sink, void *ud)
{
    tp_rpt_oom_reset();
    cJSON *doc = build(run, true);
    if (!doc)
        return -1;
    char *text = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text)
        return -1;
    const char *tail = pretty ? "[]\n}" : "[]}";
    size_t tl = strlen(text), sl = strlen(tail);
    int rc = tl >= sl && strcmp(text + tl - sl, tail) == 0 ? 0 : -1;
    if (rc == 0)
        rc = sink(ud, text, tl - sl);
    if (rc == 0)
        rc = sink(ud, "[", 1);
    cJSON_free(text);
    for (size_t i = 0; rc == 0 && run->results && i < run->n_results; i++)
        rc = write_result(run, &run->results[i], i == 0, pretty, sink, ud);
    if (rc == 0)
        rc = pretty ? sink(ud, "]\n}", 3) : sink(ud, "]}", 2);
    return rc == 0 && !tp_rpt_oom() ? 0 : -1;
}

static int file_sink(void *ud, const char *text, size_t len)
{
    return fwrite(text, 1, len, (FILE *)ud) == len ? 0 : -1;
}

int tp_report_json(const tp_run *run, FILE *out)
{
    if (tp_report_json_stream(run, true, file_sink, out) != 0)
        return -1;
    return fputc('\n', out) == EOF ? -1 : 0;
}
