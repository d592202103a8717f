/* rules.c — the rule set behind `tlspath rules`: one rule per name (an endpoint's
 * wildcard, else its host), merged across endpoints, plus what a run observed (CNAME
 * targets a name rule would miss, resolved addresses, CRL hosts from certificates).
 * Pure data: the formats are written by rules_fmt.c, reports read by rules_from.c. */
#include "report/rules.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const FORMAT_NAMES[] = {"fqdn", "squid", "pac", "nft", "paloalto", "bypass", "crl"};

int tp_rules_format_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof FORMAT_NAMES / sizeof FORMAT_NAMES[0]; i++)
        if (strcmp(s, FORMAT_NAMES[i]) == 0)
            return (int)i;
    return -1;
}

const char *tp_rules_format_name(tp_rules_format f)
{
    return (size_t)f < sizeof FORMAT_NAMES / sizeof FORMAT_NAMES[0] ? FORMAT_NAMES[f] : "?";
}

bool tp_rules_name_ok(const char *name, bool allow_wildcard)
{
    if (!name || !*name)
        return false;
    const char *s = name;
    if (s[0] == '*') {
        if (!allow_wildcard || s[1] != '.')
            return false;
        s += 2;
    }
    size_t len = strlen(s), label = 0, labels = 0;
    if (len == 0 || len > 253 || s[0] == '.' || s[len - 1] == '.')
        return false;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (label == 0)
                return false;   /* empty label */
            label = 0;
            labels++;
            continue;
        }
        if (!(isalnum(c) || c == '-' || c == '_') || ++label > 63)
            return false;
    }
    /* a wildcard over a bare TLD ("*.com") is not a rule anyone should paste */
    return name[0] != '*' || labels >= 1;
}

bool tp_rule_covers(const char *rule, const char *host)
{
    if (!rule || !host)
        return false;
    if (strcasecmp(rule, host) == 0)
        return true;
    if (rule[0] != '*' || rule[1] != '.')
        return false;
    const char *suffix = rule + 1;   /* ".wd.microsoft.com" */
    size_t ls = strlen(suffix), lh = strlen(host);
    return lh > ls && strcasecmp(host + lh - ls, suffix) == 0;
}

static char *lower_dup(const char *s)
{
    char *d = tp_strdup(s);
    for (char *p = d; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    /* a trailing root dot (from DNS) is not part of the name a device matches */
    size_t n = d ? strlen(d) : 0;
    if (n > 1 && d[n - 1] == '.')
        d[n - 1] = '\0';
    return d;
}

static tp_rule *find_rule(tp_ruleset *rs, const char *name)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcasecmp(rs->rules[i].name, name) == 0)
            return &rs->rules[i];
    return NULL;
}

static void add_port(tp_rule *r, int port)
{
    for (size_t i = 0; i < r->n_ports; i++)
        if (r->ports[i] == port)
            return;
    if (r->n_ports < TP_RULE_MAX_PORTS)
        r->ports[r->n_ports++] = port;
}

/* Finds or appends the rule called name. NULL on allocation failure. */
static tp_rule *get_rule(tp_ruleset *rs, const char *name)
{
    tp_rule *r = find_rule(rs, name);
    if (r)
        return r;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        tp_rule *v = realloc(rs->rules, cap * sizeof *v);
        if (!v)
            return NULL;
        rs->rules = v;
        rs->cap = cap;
    }
    r = &rs->rules[rs->n];
    memset(r, 0, sizeof *r);
    if (!(r->name = lower_dup(name)))
        return NULL;
    r->wildcard = name[0] == '*';
    rs->n++;
    return r;
}

static bool is_crl_endpoint(const tp_endpoint *e)
{
    return e->scheme && strcmp(e->scheme, "http") == 0 && e->service && strcmp(e->service, "crl") == 0;
}

/* Must this endpoint's traffic be spliced, never re-signed? Pinned endpoints fail when
 * re-signed whatever the device trusts; others say so in the catalog. */
static bool needs_bypass(const tp_endpoint *e)
{
    bool tls = e->scheme && strcmp(e->scheme, "https") == 0;
    return tls && (e->pinset || !e->inspection_allowed);
}

static int note_endpoint(tp_rule *r, const tp_endpoint *e)
{
    add_port(r, e->port);
    r->bypass |= needs_bypass(e);
    r->crl |= is_crl_endpoint(e);
    r->required |= e->required;
    if (e->id && !tp_strlist_has(&r->endpoints, e->id))
        return tp_strlist_add(&r->endpoints, e->id);
    return 0;
}

int tp_rules_add_endpoint(tp_ruleset *rs, const tp_endpoint *e)
{
    if (!e || !e->host)
        return -1;
    /* the catalog's wildcard is the rule the concrete host stands for; a host the
     * wildcard does not cover (wdcp.microsoft.com under *.wdcp.microsoft.com) needs its
     * own rule as well */
    bool wild = e->wildcard && tp_rules_name_ok(e->wildcard, true) && e->wildcard[0] == '*';
    if (wild) {
        tp_rule *w = get_rule(rs, e->wildcard);
        if (!w || note_endpoint(w, e) != 0)
            return -1;
        if (tp_rule_covers(e->wildcard, e->host))
            return 0;
    }
    if (!tp_rules_name_ok(e->host, false))
        return wild ? 0 : 1;   /* an IPv6 literal endpoint: no name rule (nft has its address) */
    tp_rule *r = get_rule(rs, e->host);
    return r ? note_endpoint(r, e) : -1;
}

int tp_rules_add_cname(tp_ruleset *rs, const char *target, const tp_endpoint *e)
{
    if (!target || !e)
        return 1;
    char *t = lower_dup(target);
    if (!t)
        return -1;
    int rc = 1;
    if (!tp_rules_name_ok(t, false))
        goto done;
    rc = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (tp_rule_covers(rs->rules[i].name, t)) {
            /* already allowed by name: nothing a name rule would miss */
            if (!rs->rules[i].cname_of) {
                goto done;
            }
        }
    tp_rule *r = find_rule(rs, t);
    if (!r) {
        if (!(r = get_rule(rs, t))) {
            rc = -1;
            goto done;
        }
        if (!(r->cname_of = tp_strdup(e->host))) {
            rc = -1;
            goto done;
        }
    }
    rc = note_endpoint(r, e);
done:
    free(t);
    return rc;
}

int tp_rules_add_address(tp_ruleset *rs, const char *addr, const tp_endpoint *e)
{
    unsigned char buf[16];
    if (!addr || !e || !e->host)
        return 1;
    bool v6 = false;
    if (inet_pton(AF_INET, addr, buf) != 1) {
        if (inet_pton(AF_INET6, addr, buf) != 1)
            return 1;
        v6 = true;
    }
    for (size_t i = 0; i < rs->n_addrs; i++)
        if (strcmp(rs->addrs[i].addr, addr) == 0 && rs->addrs[i].port == e->port)
            return 0;
    if (rs->n_addrs == rs->cap_addrs) {
        size_t cap = rs->cap_addrs ? rs->cap_addrs * 2 : 16;
        tp_rule_addr *v = realloc(rs->addrs, cap * sizeof *v);
        if (!v)
            return -1;
        rs->addrs = v;
        rs->cap_addrs = cap;
    }
    tp_rule_addr *a = &rs->addrs[rs->n_addrs];
    a->addr = tp_strdup(addr);
    a->host = tp_strdup(e->host);
    a->v6 = v6;
    a->port = e->port;
    if (!a->addr || !a->host) {
        free(a->addr);
        free(a->host);
        return -1;
    }
    rs->n_addrs++;
    return 0;
}

int tp_rules_add_crl_url(tp_ruleset *rs, const char *url, const char *for_host)
{
    if (!url || strncasecmp(url, "http://", 7) != 0)
        return 1;   /* only plain HTTP CDPs: LDAP or HTTPS ones are not port-80 rules */
    const char *h = url + 7;
    size_t n = strcspn(h, ":/?#");
    if (n == 0 || n > 253)
        return 1;
    char host[254];
    memcpy(host, h, n);
    host[n] = '\0';
    int port = 80;
    if (h[n] == ':') {
        port = atoi(h + n + 1);
        if (port <= 0 || port > 65535)
            return 1;
    }
    char *lh = lower_dup(host);
    if (!lh)
        return -1;
    int rc = 1;
    if (tp_rules_name_ok(lh, false)) {
        tp_rule *r = get_rule(rs, lh);
        char *why = tp_asprintf("CDP of %s", for_host ? for_host : "a certificate");
        rc = r && why ? 0 : -1;
        if (r) {
            add_port(r, port);
            r->crl = true;
            if (why && !tp_strlist_has(&r->endpoints, why) && tp_strlist_add(&r->endpoints, why))
                rc = -1;
        }
        free(why);
    }
    free(lh);
    return rc;
}

/* Wildcards sort by their suffix so "*.wd.microsoft.com" sits with its hosts. */
static int rule_cmp(const void *a, const void *b)
{
    const tp_rule *x = a, *y = b;
    const char *nx = x->wildcard ? x->name + 2 : x->name;
    const char *ny = y->wildcard ? y->name + 2 : y->name;
    int c = strcmp(nx, ny);
    return c ? c : (int)y->wildcard - (int)x->wildcard;
}

static int addr_cmp(const void *a, const void *b)
{
    const tp_rule_addr *x = a, *y = b;
    if (x->v6 != y->v6)
        return (int)x->v6 - (int)y->v6;
    unsigned char bx[16] = {0}, by[16] = {0};
    inet_pton(x->v6 ? AF_INET6 : AF_INET, x->addr, bx);
    inet_pton(y->v6 ? AF_INET6 : AF_INET, y->addr, by);
    int c = memcmp(bx, by, sizeof bx);
    return c ? c : x->port - y->port;
}

void tp_rules_sort(tp_ruleset *rs)
{
    if (rs->n > 1)
        qsort(rs->rules, rs->n, sizeof *rs->rules, rule_cmp);
    if (rs->n_addrs > 1)
        qsort(rs->addrs, rs->n_addrs, sizeof *rs->addrs, addr_cmp);
}

void tp_ruleset_free(tp_ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->rules[i].name);
        free(rs->rules[i].cname_of);
        tp_strlist_free(&rs->rules[i].endpoints);
    }
    free(rs->rules);
    for (size_t i = 0; i < rs->n_addrs; i++) {
        free(rs->addrs[i].addr);
        free(rs->addrs[i].host);
    }
    free(rs->addrs);
    free(rs->origin);
    memset(rs, 0, sizeof *rs);
}
