/* pacroute.c — a PAC's answers as route chains (see pacroute.h). */
#include "plan/pacroute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/pac.h"

typedef struct chain {
    struct chain *next;
    char *answer;            /* the answer text this chain stands for */
    const tp_path *pac;      /* the configured pac path it was made for */
    tp_path *paths;          /* [n] */
    tp_route *routes;        /* [n]; routes[i].fallback = &routes[i + 1] */
    size_t n;
} chain;

struct tp_route_store {
    chain *chains;
};

tp_route_store *tp_route_store_new(void)
{
    return calloc(1, sizeof(tp_route_store));
}

static void chain_free(chain *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->paths[i].id);
        free(c->paths[i].proxy_host);
    }
    free(c->paths);
    free(c->routes);
    free(c->answer);
    free(c);
}

void tp_route_store_free(tp_route_store *s)
{
    if (!s)
        return;
    for (chain *c = s->chains, *nx; c; c = nx) {
        nx = c->next;
        chain_free(c);
    }
    free(s);
}

void tp_route_store_fail(tp_result *r, tp_outcome code, const char *msg)
{
    r->status = TP_ST_FAIL;
    r->phase = TP_PH_DNS;
    r->error_code = code;
    free(r->error_message);
    r->error_message = msg ? strdup(msg) : NULL;
}

/* One chain for (pac path, answer); NULL with err on a bad answer or out of memory. */
static chain *chain_make(const tp_plan *pl, const tp_route *pacr, const char *answer, char *err,
                         size_t errlen, bool *oom)
{
    tp_pac_hop *hops = NULL;
    size_t nh = 0, k = 0;
    *oom = false;
    if (tp_pac_answer_parse(answer, &hops, &nh, err, errlen) != 0)
        return NULL;
    chain *c = calloc(1, sizeof *c);
    if (!c || !(c->paths = calloc(nh, sizeof *c->paths)) || !(c->routes = calloc(nh, sizeof *c->routes)) ||
        !(c->answer = strdup(answer)))
        goto oom;
    const tp_path *pac = pacr->path;
    c->pac = pac;
    for (size_t i = 0; i < nh; i++) {
        if (hops[i].kind == TP_HOP_UNSUPPORTED)
            continue;   /* WinHTTP skips HTTPS / SOCKS entries; so do we */
        tp_path *p = &c->paths[k];
        /* inherits what the pac path says about the device (inspection, trust anchors,
         * egress, family); the strings stay the configuration's (borrowed) */
        p->expect_inspection = pac->expect_inspection;
        p->ca_files = pac->ca_files;
        p->source = pac->source;
        p->interface = pac->interface;
        p->family = pac->family;
        if (hops[i].kind == TP_HOP_PROXY) {
            p->type = TP_PATH_HTTP;
            p->proxy_port = hops[i].port;
            if (!(p->proxy_host = strdup(hops[i].host)) ||
                !(p->id = strchr(hops[i].host, ':') ? tp_asprintf("PROXY [%s]:%d", hops[i].host, hops[i].port)
                                                    : tp_asprintf("PROXY %s:%d", hops[i].host, hops[i].port)))
                goto oom_n;
        } else {
            p->type = TP_PATH_DIRECT;
            if (!(p->id = strdup("DIRECT")))
                goto oom_n;
        }
        tp_route *rt = &c->routes[k];
        rt->path = p;
        rt->anon = p;   /* PAC entries carry no credentials */
        rt->crl_via = pacr->crl_via;
        rt->crl_via_unknown = pacr->crl_via_unknown;
        rt->chain = true;
        k++;
        continue;
    oom_n:
        c->n = k + 1;
        goto oom;
    }
    c->n = k;
    for (size_t i = 0; i + 1 < k; i++)
        c->routes[i].fallback = &c->routes[i + 1];
    tp_pac_hops_free(hops, nh);
    if (k == 0) {
        char *red = tp_pac_answer_redact(answer);
        snprintf(err, errlen, "the PAC answered \"%.200s\": no PROXY or DIRECT entry tlspath can "
                              "try (SOCKS and HTTPS proxies are not used)", red ? red : "?");
        free(red);
        chain_free(c);
        return NULL;
    }
    (void)pl;
    return c;
oom:
    tp_pac_hops_free(hops, nh);
    if (c)
        chain_free(c);
    snprintf(err, errlen, "out of memory");
    *oom = true;
    return NULL;
}

int tp_route_store_apply(tp_route_store *s, const tp_plan *pl, tp_result *r, const char *answer)
{
    const tp_route *pacr = r->route;
    chain *c = NULL;
    for (chain *it = s->chains; it && !c; it = it->next)
        if (it->pac == pacr->path && strcmp(it->answer, answer) == 0)
            c = it;
    if (!c) {
        char err[512];
        bool oom;
        c = chain_make(pl, pacr, answer, err, sizeof err, &oom);
        if (!c) {
            tp_route_store_fail(r, oom ? TP_OC_ENGINE_ERROR : TP_OC_PAC_ERROR, err);
            free(r->pac_answer);
            r->pac_answer = oom ? NULL : tp_pac_answer_redact(answer);
            return -1;
        }
        c->next = s->chains;
        s->chains = c;
    }
    free(r->pac_answer);
    if (!(r->pac_answer = tp_pac_answer_redact(answer))) {
        tp_route_store_fail(r, TP_OC_ENGINE_ERROR, "out of memory");
        return -1;
    }
    r->route = &c->routes[0];
    r->used_path = c->routes[0].path;
    return 0;
}
