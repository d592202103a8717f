/* dnscompare.c — split horizon, side by side (see dnscompare.h): every endpoint name asked
 * of every configured resolver on its own, before the probes; where the answers differ,
 * each result on that name carries all of them (tp_result.dns_split). */
#include "app/dnscompare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/resolver.h"

typedef struct dc dc;

typedef struct ask {
    tp_dns_wait w;           /* first: the callback gets &w */
    dc *d;
    size_t host, res;
    char *answer;            /* "a,b" (sorted) or "!code" */
} ask;

struct dc {
    uv_loop_t *loop;
    tp_run *run;
    const tp_strlist *servers;
    tp_resolver **res;       /* one per server */
    tp_strlist hosts;
    ask *asks;               /* hosts.n × servers->n */
    size_t pending;
    uv_timer_t defer;
    tp_dnscompare_done_fn done;
    void *ud;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *answer_text(const tp_dns_answer *a)
{
    if (a->code != TP_OC_NONE || a->addresses.n == 0)
        return tp_asprintf("!%s", tp_outcome_name(a->code != TP_OC_NONE ? a->code : TP_OC_DNS_NO_ADDRESS));
    /* sorted, so the same set in another order is the same answer */
    char **v = malloc(a->addresses.n * sizeof *v);
    if (!v)
        return NULL;
    memcpy(v, a->addresses.v, a->addresses.n * sizeof *v);
    qsort(v, a->addresses.n, sizeof *v, cmp_str);
    char *out = NULL;
    for (size_t i = 0; i < a->addresses.n; i++) {
        char *n = tp_asprintf("%s%s%s", out ? out : "", out ? "," : "", v[i]);
        free(out);
        if (!(out = n))
            break;
    }
    free(v);
    return out;
}

static void on_closed(uv_handle_t *h)
{
    dc *d = h->data;
    tp_dnscompare_done_fn done = d->done;
    void *ud = d->ud;
    free(d);
    done(ud);
}

static void finish(dc *d)
{
    size_t ns = d->servers->n;
    for (size_t h = 0; h < d->hosts.n; h++) {
        bool differ = false;
        for (size_t s = 1; s < ns && !differ; s++) {
            const char *a = d->asks[h * ns].answer, *b = d->asks[h * ns + s].answer;
            differ = !a || !b || strcmp(a, b) != 0;
        }
        char *line = NULL;
        for (size_t s = 0; differ && s < ns; s++) {
            char *n = tp_asprintf("%s%s%s=%s", line ? line : "", line ? ";" : "", d->servers->v[s],
                                  d->asks[h * ns + s].answer ? d->asks[h * ns + s].answer : "!dns_error");
            free(line);
            if (!(line = n))
                break;
        }
        for (size_t i = 0; line && i < d->run->n_results; i++) {
            tp_result *r = &d->run->results[i];
            if (r->ep && r->ep->host && strcmp(r->ep->host, d->hosts.v[h]) == 0 && !r->dns_split)
                r->dns_split = strdup(line);
        }
        free(line);
    }
    for (size_t i = 0; i < d->hosts.n * ns; i++)
        free(d->asks[i].answer);
    free(d->asks);
    for (size_t s = 0; s < ns; s++)
        if (d->res[s])
            tp_resolver_close(d->res[s]);
    free(d->res);
    tp_strlist_free(&d->hosts);
    uv_close((uv_handle_t *)&d->defer, on_closed);
}

static void finish_cb(uv_timer_t *t)
{
    finish(t->data);
}

static void on_answer(tp_dns_wait *w, const tp_dns_answer *a)
{
    ask *k = (ask *)w;
    k->answer = answer_text(a);
    /* not from inside the resolver's own callback: finish closes the resolvers */
    if (--k->d->pending == 0)
        uv_timer_start(&k->d->defer, finish_cb, 0, 0);
}

static void start(uv_timer_t *t)
{
    dc *d = t->data;
    size_t ns = d->servers->n;
    d->pending = d->hosts.n * ns + 1;   /* +1 until every lookup is registered */
    for (size_t h = 0; h < d->hosts.n; h++)
        for (size_t s = 0; s < ns; s++) {
            ask *k = &d->asks[h * ns + s];
            k->d = d;
            k->host = h;
            k->res = s;
            k->w.cb = on_answer;
            const tp_dns_answer *a = d->res[s] ? tp_resolver_lookup(d->res[s], d->hosts.v[h], &k->w) : NULL;
            if (a || !d->res[s]) {
                k->answer = a ? answer_text(a) : strdup("!dns_error");
                d->pending--;
            }
        }
    if (--d->pending == 0)
        finish(d);
}

int tp_dnscompare_start(uv_loop_t *loop, const tp_strlist *servers, int dns_ms, tp_run *run,
                        tp_dnscompare_done_fn done, void *ud, char *err, size_t errlen)
{
    if (!servers || servers->n < 2)
        return 1;
    dc *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *d = (dc){.loop = loop, .run = run, .servers = servers, .done = done, .ud = ud};
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (r->ep && r->ep->host && !tp_is_ip_literal(r->ep->host) && !tp_strlist_has(&d->hosts, r->ep->host) &&
            tp_strlist_add(&d->hosts, r->ep->host) != 0)
            goto oom;
    }
    if (d->hosts.n == 0) {
        tp_strlist_free(&d->hosts);
        free(d);
        return 1;
    }
    d->res = calloc(servers->n, sizeof *d->res);
    d->asks = calloc(d->hosts.n * servers->n, sizeof *d->asks);
    if (!d->res || !d->asks)
        goto oom;
    for (size_t s = 0; s < servers->n; s++) {
        tp_strlist one = {&servers->v[s], 1};
        char rerr[256];
        /* a server that cannot be set up answers dns_error for every name */
        if (tp_resolver_new(loop, &one, dns_ms, &d->res[s], rerr, sizeof rerr) != 0)
            d->res[s] = NULL;
    }
    uv_timer_init(loop, &d->defer);
    d->defer.data = d;
    uv_timer_start(&d->defer, start, 0, 0);
    return 0;
oom:
    tp_strlist_free(&d->hosts);
    free(d->res);
    free(d->asks);
    free(d);
    snprintf(err, errlen, "out of memory");
    return -1;
}
