/* pacstage.c — script, evaluation, routes for every pac path of a run (see pacstage.h).
 * One pac path at a time: fetch (or read) its script, evaluate it for the path's endpoints,
 * apply the answers, go on with the next path; the last one calls done. */
#include "app/pacstage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "core/fetch.h"
#include "input/wpad.h"
#include "net/pacrun.h"
#include "plan/pac.h"
#include "plan/pacroute.h"

typedef struct pacstage {
    uv_loop_t *loop;
    const tp_plan *plan;
    tp_run *run;
    const tp_engine_opts *eo;
    tp_cancel *cancel;
    tp_pacstage_done_fn done;
    void *ud;
    size_t path_i;           /* the pac path being worked on (index into cfg->paths) */
    /* fetching its script */
    tp_strlist urls;         /* URLs to try in order (one, or WPAD's candidates) */
    size_t url_i;
    tp_strlist tried;        /* "URL: why not" for WPAD's report */
    tp_fetch fetch;
    tp_engine_op *op;
    /* evaluating it */
    tp_pac_query *q;
    size_t *qi;              /* q[k] is for run->results[qi[k]] */
    size_t nq;
    uv_timer_t defer;        /* done is called from the loop, never from inside start */
} pacstage;

static void next_path(pacstage *s);

/* "a; b; c" of a list (NULL when empty or out of memory). */
static char *joined(const tp_strlist *l)
{
    char *out = NULL;
    for (size_t i = 0; i < l->n; i++) {
        char *n = tp_asprintf("%s%s%s", out ? out : "", out ? "; " : "", l->v[i]);
        free(out);
        if (!(out = n))
            return NULL;
    }
    return out;
}

static bool is_pac_result(const pacstage *s, const tp_result *r, const tp_path *p)
{
    (void)s;
    return r->path == p && r->route && r->route->path == p && r->error_code == TP_OC_NONE;
}

/* Every result of the current path not yet decided ends with code and msg. */
static void fail_path(pacstage *s, tp_outcome code, const char *msg)
{
    const tp_path *p = &s->plan->cfg->paths[s->path_i];
    for (size_t i = 0; i < s->run->n_results; i++) {
        tp_result *r = &s->run->results[i];
        if (is_pac_result(s, r, p)) {
            tp_route_store_fail(r, code, msg);
            if (code == TP_OC_CANCELLED)
                r->status = TP_ST_SKIPPED;
        }
    }
}

static void on_defer_closed(uv_handle_t *h)
{
    pacstage *s = h->data;
    tp_pacstage_done_fn done = s->done;
    void *ud = s->ud;
    tp_strlist_free(&s->urls);
    tp_strlist_free(&s->tried);
    free(s);
    done(ud);
}

static void finish_all(pacstage *s)
{
    uv_close((uv_handle_t *)&s->defer, on_defer_closed);
}

static void on_evaluated(void *ud)
{
    pacstage *s = ud;
    for (size_t k = 0; k < s->nq; k++) {
        tp_result *r = &s->run->results[s->qi[k]];
        tp_pac_query *q = &s->q[k];
        if (q->code == TP_OC_NONE && q->answer) {
            if (!s->run->routes)
                s->run->routes = tp_route_store_new();
            if (!s->run->routes)
                tp_route_store_fail(r, TP_OC_ENGINE_ERROR, "out of memory");
            else
                tp_route_store_apply(s->run->routes, s->plan, r, q->answer);
        } else {
            tp_route_store_fail(r, q->code != TP_OC_NONE ? q->code : TP_OC_PAC_ERROR,
                                q->message ? q->message : "the PAC gave no answer");
        }
    }
    tp_pac_queries_free(s->q, s->nq);
    free(s->q);
    free(s->qi);
    s->q = NULL;
    s->qi = NULL;
    s->nq = 0;
    s->path_i++;
    next_path(s);
}

/* The script of the current path is here: ask it about every endpoint of the path. */
static void evaluate(pacstage *s, const char *script, size_t len)
{
    const tp_path *p = &s->plan->cfg->paths[s->path_i];
    size_t n = 0;
    for (size_t i = 0; i < s->run->n_results; i++)
        n += is_pac_result(s, &s->run->results[i], p) && s->run->results[i].ep;
    if (n == 0) {
        s->path_i++;
        next_path(s);
        return;
    }
    s->q = calloc(n, sizeof *s->q);
    s->qi = calloc(n, sizeof *s->qi);
    if (!s->q || !s->qi) {
        free(s->q), free(s->qi);
        s->q = NULL, s->qi = NULL;
        fail_path(s, TP_OC_ENGINE_ERROR, "out of memory");
        s->path_i++;
        next_path(s);
        return;
    }
    for (size_t i = 0; i < s->run->n_results; i++) {
        tp_result *r = &s->run->results[i];
        if (!is_pac_result(s, r, p) || !r->ep)
            continue;
        s->q[s->nq].url = r->ep->url;
        s->q[s->nq].host = r->ep->host;
        s->qi[s->nq++] = i;
    }
    tp_pacrun_opts o = {.resolvers = s->eo->resolvers, .dns_ms = s->plan->limits.dns_ms,
                        .my_ip = p->source && !strchr(p->source, ':') ? p->source : NULL};
    char err[256];
    if (tp_pacrun_start(s->loop, script, len, &o, s->q, s->nq, on_evaluated, s, err, sizeof err) != 0) {
        for (size_t k = 0; k < s->nq; k++) {
            s->q[k].code = TP_OC_ENGINE_ERROR;
            s->q[k].message = strdup(err);
        }
        on_evaluated(s);
    }
}

static void try_next_url(pacstage *s);

static void on_fetched(void *ud)
{
    pacstage *s = ud;
    s->op = NULL;
    tp_fetch *f = &s->fetch;
    const char *url = s->urls.v[s->url_i];
    if (f->error_code == TP_OC_NONE && f->http_status == 200 && f->body) {
        const tp_path *p = &s->plan->cfg->paths[s->path_i];
        if (strncmp(p->pac, TP_PAC_WPAD_PREFIX, strlen(TP_PAC_WPAD_PREFIX)) == 0) {
            char *tried = joined(&s->tried);
            char *w = tp_asprintf("WPAD for path %s: found %s%s%s%s", p->id, url, s->tried.n ? " (before it: " : "",
                                  s->tried.n && tried ? tried : "", s->tried.n ? ")" : "");
            if (w)
                tp_strlist_add(&s->run->warnings, w);
            free(w);
            free(tried);
        }
        uint8_t *body = f->body;
        size_t len = f->body_len;
        f->body = NULL;
        tp_fetch_free(f);
        evaluate(s, (const char *)body, len);
        free(body);
        return;
    }
    char *why = f->error_code != TP_OC_NONE && !(f->error_code == TP_OC_HTTP_STATUS && f->http_status)
                    ? tp_asprintf("%s: %s%s%s", url, tp_outcome_name(f->error_code),
                                  f->error_message ? " " : "", f->error_message ? f->error_message : "")
                    : tp_asprintf("%s: HTTP %d", url, f->http_status);
    if (why)
        tp_strlist_add(&s->tried, why);
    free(why);
    tp_fetch_free(f);
    s->url_i++;
    try_next_url(s);
}

static void try_next_url(pacstage *s)
{
    const tp_path *p = &s->plan->cfg->paths[s->path_i];
    if (tp_cancelled(s->cancel)) {
        fail_path(s, TP_OC_CANCELLED, s->cancel->why);
        s->path_i++;
        next_path(s);
        return;
    }
    if (s->url_i >= s->urls.n) {
        /* nowhere to get it: say where we looked */
        bool wpad = strncmp(p->pac, TP_PAC_WPAD_PREFIX, strlen(TP_PAC_WPAD_PREFIX)) == 0;
        char *tried = joined(&s->tried);
        char *msg = tp_asprintf("%s%s", wpad ? "WPAD found no PAC: " : "the PAC cannot be fetched: ",
                                s->urls.n == 0 ? "no search domain to look under (--wpad-domain)"
                                               : tried ? tried : "");
        free(tried);
        if (msg && wpad) {
            char *w = tp_asprintf("path %s: %s", p->id, msg);
            if (w)
                tp_strlist_add(&s->run->warnings, w);
            free(w);
        }
        fail_path(s, TP_OC_PAC_UNAVAILABLE, msg ? msg : "the PAC cannot be fetched");
        free(msg);
        s->path_i++;
        next_path(s);
        return;
    }
    memset(&s->fetch, 0, sizeof s->fetch);
    s->fetch.url = s->urls.v[s->url_i];
    s->fetch.route = tp_plan_direct(s->plan);   /* WinHTTP fetches the PAC itself, directly */
    s->fetch.max_bytes = TP_PAC_MAX_SCRIPT;
    char err[256];
    if (tp_engine_fetch_start(s->loop, s->eo, &s->fetch, 1, on_fetched, s, &s->op, err, sizeof err) != 0) {
        s->fetch.error_code = TP_OC_ENGINE_ERROR;
        s->fetch.error_message = strdup(err);
        on_fetched(s);
    }
}

/* The script of a file: read at once (a local file of at most 1 MiB). */
static void read_file(pacstage *s, const char *file)
{
    tp_buf b;
    tp_buf_init(&b, TP_PAC_MAX_SCRIPT, false);
    if (tp_buf_read_file(&b, file) != TP_BUF_OK) {
        char *msg = tp_asprintf("the PAC file %s cannot be read (missing, unreadable or larger than 1 MiB)", file);
        fail_path(s, TP_OC_PAC_UNAVAILABLE, msg ? msg : "the PAC file cannot be read");
        free(msg);
        tp_buf_free(&b);
        s->path_i++;
        next_path(s);
        return;
    }
    evaluate(s, b.len ? (const char *)b.data : "", b.len);
    tp_buf_free(&b);
}

static void wpad_urls(const char *spec, tp_strlist *urls)
{
    tp_strlist doms = {0};
    const char *dom = spec + strlen(TP_PAC_WPAD_PREFIX);
    if (*dom) {
        tp_strlist_add(&doms, dom);
    } else {
        tp_buf b;
        tp_buf_init(&b, 64 * 1024, false);
        if (tp_buf_read_file(&b, "/etc/resolv.conf") == TP_BUF_OK)
            tp_wpad_search_domains(b.len ? (const char *)b.data : "", b.len, &doms);
        tp_buf_free(&b);
    }
    tp_wpad_candidates(&doms, urls);
    tp_strlist_free(&doms);
}

static void next_path(pacstage *s)
{
    const tp_config *cfg = s->plan->cfg;
    while (s->path_i < cfg->n_paths && cfg->paths[s->path_i].type != TP_PATH_PAC)
        s->path_i++;
    if (s->path_i >= cfg->n_paths) {
        finish_all(s);
        return;
    }
    const tp_path *p = &cfg->paths[s->path_i];
    tp_strlist_free(&s->urls);
    tp_strlist_free(&s->tried);
    s->url_i = 0;
    if (tp_cancelled(s->cancel)) {
        fail_path(s, TP_OC_CANCELLED, s->cancel->why);
        s->path_i++;
        next_path(s);
        return;
    }
    if (!p->pac) {
        fail_path(s, TP_OC_PAC_UNAVAILABLE, "the path names no PAC");
        s->path_i++;
        next_path(s);
    } else if (strncmp(p->pac, TP_PAC_WPAD_PREFIX, strlen(TP_PAC_WPAD_PREFIX)) == 0) {
        wpad_urls(p->pac, &s->urls);
        try_next_url(s);
    } else if (strncmp(p->pac, "http://", 7) == 0) {
        tp_strlist_add(&s->urls, p->pac);
        try_next_url(s);
    } else {
        read_file(s, p->pac);
    }
}

static void on_defer(uv_timer_t *t)
{
    next_path(t->data);
}

int tp_pacstage_start(uv_loop_t *loop, const tp_plan *plan, tp_run *run, const tp_engine_opts *eo,
                      tp_cancel *cancel, tp_pacstage_done_fn done, void *ud, char *err, size_t errlen)
{
    bool any = false;
    for (size_t i = 0; i < plan->cfg->n_paths; i++)
        any = any || plan->cfg->paths[i].type == TP_PATH_PAC;
    if (!any)
        return 1;
    pacstage *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *s = (pacstage){.loop = loop, .plan = plan, .run = run, .eo = eo, .cancel = cancel, .done = done, .ud = ud};
    uv_timer_init(loop, &s->defer);
    s->defer.data = s;
    uv_timer_start(&s->defer, on_defer, 0, 0);
    return 0;
}
