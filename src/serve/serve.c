/* serve.c — the scheduler and the routes of `tlspath serve` (serve.h).
 *
 * One loop, one timer: the next run is armed only when the previous one has ended, so
 * two runs never overlap; a run that outlasts the interval delays the next instead of
 * stacking. A finished run is rendered at once into the bodies the routes serve (JSON,
 * HTML, Prometheus text) and folded into the history and the state-change counters, so
 * the run itself need not outlive its done callback and a scrape costs no rendering of
 * probes. Logs go to stderr, one line per event, never a secret. */
#include "serve/serve.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "report/redact.h"
#include "report/report.h"
#include "serve/metrics.h"
#include "serve/pages.h"

typedef struct body {
    char *p;
    size_t n;
} body;

struct tp_serve {
    uv_loop_t *loop;
    tp_serve_opts o;
    char *token;
    tp_serve_hooks hooks;
    tp_config *cfg;            /* current */
    tp_config *run_cfg;        /* the config of the run in progress (== cfg unless reloaded) */
    tp_httpsrv *http;
    uv_timer_t timer;
    uv_signal_t sig[3];
    int n_sig;
    int handles;               /* handles of ours still open (timer, signals) */
    bool http_closed;
    bool stopping;
    uint64_t runs_done;
    int64_t last_start_ms;
    uint32_t rng;
    body rep_json, rep_html, rep_prom;
    tp_serve_counters ctr;
    tp_probe_states states;
    tp_tl_store hist;
};

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static const char *site_of(const tp_serve *s)
{
    return s->cfg && s->cfg->site && *s->cfg->site ? s->cfg->site : NULL;
}

void tp_serve_opts_default(tp_serve_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen_ip = "127.0.0.1";
    o->listen_port = 9810;
    o->interval_ms = 300000;
    o->jitter_ms = 30000;
    o->history_runs = 100;
    tp_httpsrv_limits_default(&o->http);
}

static void body_set(body *b, char *p, size_t n)
{
    free(b->p);
    b->p = p;
    b->n = n;
}

/* Renders one sink into memory. Returns 0 or -1. */
static int render(int (*fn)(const tp_run *, FILE *), const tp_run *run, body *out)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f)
        return -1;
    int rc = fn(run, f);
    if (fclose(f) != 0 || rc != 0) {
        free(p);
        return -1;
    }
    body_set(out, p, n);
    return 0;
}

/* ---------- scheduling ---------- */

static void start_run(uv_timer_t *t);
static void finish_stop(tp_serve *s);

static uint32_t rnd(tp_serve *s)
{
    uint32_t x = s->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return s->rng = x ? x : 0x9e3779b9u;
}

/* Arms the timer for the next run: interval after the last start, plus 0..jitter, but
 * never in the past (a run longer than the interval is followed at once, not twice). */
static void schedule_next(tp_serve *s)
{
    if (s->stopping)
        return;
    if (s->o.max_runs && s->runs_done >= s->o.max_runs) {
        fprintf(stderr, "tlspath serve: %llu run(s) done (--max-runs): stopping\n", (unsigned long long)s->runs_done);
        tp_serve_stop(s);
        return;
    }
    uint64_t jitter = s->o.jitter_ms ? rnd(s) % (s->o.jitter_ms + 1) : 0;
    int64_t due = s->last_start_ms + (int64_t)s->o.interval_ms + (int64_t)jitter;
    int64_t now = now_ms();
    uint64_t delay = due > now ? (uint64_t)(due - now) : 0;
    s->ctr.next_run_ms = now + (int64_t)delay;
    uv_timer_start(&s->timer, start_run, delay, 0);
}

static void on_run_done(void *ud, tp_run *run, bool cancelled, const char *error)
{
    tp_serve *s = ud;
    int64_t end = now_ms();
    s->ctr.running = false;
    s->runs_done++;
    s->ctr.last_duration_s = (double)(end - s->last_start_ms) / 1000.0;
    if (!run) {
        s->ctr.runs_error++;
        fprintf(stderr, "tlspath serve: run %llu failed: %s\n", (unsigned long long)s->runs_done,
                error ? error : "unknown error");
    } else {
        tp_summary sum;
        tp_run_summary(run, &sum);
        char err[256] = "";
        /* recorded first: the store may add the changes since the previous run, which the
         * reports then carry */
        if (s->hist.ops->record(s->hist.h, run, cancelled, err, sizeof err) != 0)
            fprintf(stderr, "tlspath serve: run %llu not recorded in history: %s\n", (unsigned long long)s->runs_done,
                    err);
        /* what a cancelled run did finish is still the freshest news: serve it */
        if (render(tp_report_json, run, &s->rep_json) || render(tp_report_html, run, &s->rep_html) ||
            render(tp_report_prom, run, &s->rep_prom))
            fprintf(stderr, "tlspath serve: run %llu: a report could not be rendered (out of memory)\n",
                    (unsigned long long)s->runs_done);
        if (!cancelled && tp_probe_states_update(&s->states, run) < 0)
            fprintf(stderr, "tlspath serve: state-change counters not updated: out of memory\n");
        s->ctr.last_run_ms = end;
        if (cancelled)
            s->ctr.runs_cancelled++;
        else if (sum.pass)
            s->ctr.runs_pass++;
        else
            s->ctr.runs_fail++;
        if (sum.pass && !cancelled)
            s->ctr.last_success_ms = end;
        fprintf(stderr, "tlspath serve: run %llu %s in %.1f s: %zu probe(s), %zu ok, %zu warn, %zu fail, %zu required failed\n",
                (unsigned long long)s->runs_done, cancelled ? "cancelled" : sum.pass ? "passed" : "failed",
                s->ctr.last_duration_s, sum.probes, sum.ok, sum.warn, sum.fail, sum.required_failed);
    }
    if (s->run_cfg != s->cfg)   /* a reload came during the run: the old config goes now */
        s->hooks.free_config(s->hooks.ud, s->run_cfg);
    s->run_cfg = NULL;
    if (s->stopping)
        finish_stop(s);
    else
        schedule_next(s);
}

static void start_run(uv_timer_t *t)
{
    tp_serve *s = t->data;
    if (s->stopping || s->ctr.running)
        return;
    char err[1024];
    s->last_start_ms = now_ms();
    s->ctr.next_run_ms = 0;
    s->run_cfg = s->cfg;
    s->ctr.running = true;
    if (s->hooks.run_start(s->hooks.ud, s->loop, s->run_cfg, on_run_done, s, err, sizeof err) != 0) {
        s->ctr.running = false;
        s->run_cfg = NULL;
        s->runs_done++;
        s->ctr.runs_error++;
        fprintf(stderr, "tlspath serve: run %llu could not start: %s\n", (unsigned long long)s->runs_done, err);
        schedule_next(s);
    }
}

/* ---------- routes ---------- */

static void text(tp_httpresp *r, int status, const char *msg)
{
    r->status = status;
    r->content_type = "text/plain; charset=utf-8";
    r->body = tp_strdup(msg);
    r->body_len = r->body ? strlen(r->body) : 0;
}

static void copy_body(tp_httpresp *r, const body *b, const char *type)
{
    if (!b->p) {
        text(r, 503, "no run has finished yet\n");
        r->headers = "Retry-After: 10\r\n";
        return;
    }
    r->body = malloc(b->n ? b->n : 1);
    if (!r->body) {
        text(r, 500, "out of memory\n");
        return;
    }
    memcpy(r->body, b->p, b->n);
    r->body_len = b->n;
    r->status = 200;
    r->content_type = type;
}

static void route_metrics(tp_serve *s, tp_httpresp *r)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f) {
        text(r, 500, "out of memory\n");
        return;
    }
    if (s->rep_prom.p)
        fwrite(s->rep_prom.p, 1, s->rep_prom.n, f);
    int rc = tp_serve_metrics_write(f, site_of(s), &s->ctr, &s->states, tp_httpsrv_get_stats(s->http));
    if (fclose(f) != 0 || rc != 0) {
        free(p);
        text(r, 500, "out of memory\n");
        return;
    }
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    r->body = p;
    r->body_len = n;
}

static void route_healthz(tp_serve *s, tp_httpresp *r)
{
    char msg[256];
    int64_t now = now_ms();
    if (s->ctr.last_run_ms)
        snprintf(msg, sizeof msg, "ok\nlast run finished %.0f s ago (%s)%s\n", (double)(now - s->ctr.last_run_ms) / 1000.0,
                 s->ctr.last_run_ms == s->ctr.last_success_ms ? "pass" : "not a pass",
                 s->ctr.running ? "; a run is in progress" : "");
    else
        snprintf(msg, sizeof msg, "ok\nno run finished yet (serving for %.0f s)%s\n",
                 (double)(now - s->ctr.started_ms) / 1000.0, s->ctr.running ? "; a run is in progress" : "");
    text(r, 200, msg);
}

static void route_history(tp_serve *s, tp_httpresp *r, bool html)
{
    tp_timeline tl;
    char err[256];
    if (s->hist.ops->timeline(s->hist.h, s->o.history_runs, &tl, err, sizeof err) != 0) {
        fprintf(stderr, "tlspath serve: history: %s\n", err);
        text(r, 500, "the history could not be read\n");
        return;
    }
    size_t n = 0;
    char *p = html ? tp_page_timeline_html(&tl, site_of(s), now_ms(), &n)
                   : tp_page_history_json(&tl, site_of(s), s->hist.ops->name, now_ms(), &n);
    tp_timeline_free(&tl);
    if (!p) {
        text(r, 500, "out of memory\n");
        return;
    }
    r->status = 200;
    r->content_type = html ? "text/html; charset=utf-8" : "application/json";
    r->body = p;
    r->body_len = n;
    if (html)
        r->headers = "Content-Security-Policy: " TP_TIMELINE_CSP "\r\nReferrer-Policy: no-referrer\r\n";
}

/* The report page's own CSP (report_html.c needs its inline script). */
#define REPORT_CSP "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; base-uri 'none'; " \
                   "form-action 'none'; frame-ancestors 'none'"

static void handle(void *ud, const tp_httpreq *req, tp_httpresp *r)
{
    tp_serve *s = ud;
    const char *p = req->path;
    /* /healthz answers without the token: liveness probes (Docker HEALTHCHECK, Kubernetes)
     * cannot carry a secret, and it says nothing but the age of the last run */
    if (s->token && strcmp(p, "/healthz") != 0 && !tp_httpreq_bearer_ok(req, s->token)) {
        text(r, 401, "a bearer token is required (Authorization: Bearer ...)\n");
        r->headers = "WWW-Authenticate: Bearer realm=\"tlspath\"\r\n";
        return;
    }
    if (!strcmp(p, "/metrics"))
        route_metrics(s, r);
    else if (!strcmp(p, "/healthz"))
        route_healthz(s, r);
    else if (!strcmp(p, "/report.json"))
        copy_body(r, &s->rep_json, "application/json");
    else if (!strcmp(p, "/report.html")) {
        copy_body(r, &s->rep_html, "text/html; charset=utf-8");
        if (r->status == 200)
            r->headers = "Content-Security-Policy: " REPORT_CSP "\r\nReferrer-Policy: no-referrer\r\n";
    } else if (!strcmp(p, "/history.json"))
        route_history(s, r, false);
    else if (!strcmp(p, "/") || !strcmp(p, "/index.html"))
        route_history(s, r, true);
    else
        text(r, 404, "not found: try /, /metrics, /healthz, /report.json, /report.html, /history.json\n");
}

/* ---------- signals, reload, stop ---------- */

int tp_serve_reload(tp_serve *s, char *err, size_t errlen)
{
    tp_config *n = s->hooks.load_config(s->hooks.ud, err, errlen);
    if (!n) {
        s->ctr.reloads_failed++;
        return -1;
    }
    /* the run in progress keeps the config it started with (run_cfg); it is freed when
     * that run ends */
    if (s->cfg != s->run_cfg)
        s->hooks.free_config(s->hooks.ud, s->cfg);
    s->cfg = n;
    /* history pages and metrics have no run at hand: their text is guarded against the
     * secrets of every config this process loaded (report/redact.h) */
    if (tp_rpt_guard_add(n) != 0) {
        snprintf(err, errlen, "out of memory");
        s->ctr.reloads_failed++;
        return -1;
    }
    s->ctr.reloads_ok++;
    return 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
    tp_serve *s = h->data;
    if (signum == SIGHUP) {
        char err[1024];
        if (tp_serve_reload(s, err, sizeof err) == 0)
            fprintf(stderr, "tlspath serve: SIGHUP: configuration reloaded (applies from the next run)\n");
        else
            fprintf(stderr, "tlspath serve: SIGHUP: configuration NOT reloaded, keeping the previous one: %s\n", err);
        return;
    }
    if (s->stopping) {
        /* a second SIGTERM/SIGINT while a run is being cancelled: leave now */
        fprintf(stderr, "tlspath serve: %s again: exiting without waiting for the run\n",
                signum == SIGTERM ? "SIGTERM" : "SIGINT");
        _exit(1);
    }
    fprintf(stderr, "tlspath serve: %s: stopping%s\n", signum == SIGTERM ? "SIGTERM" : "SIGINT",
            s->ctr.running ? " (cancelling the run in progress)" : "");
    tp_serve_stop(s);
}

static void maybe_free(tp_serve *s)
{
    if (s->handles > 0 || !s->http_closed)
        return;
    if (s->cfg)
        s->hooks.free_config(s->hooks.ud, s->cfg);
    tp_rpt_guard_clear();
    body_set(&s->rep_json, NULL, 0);
    body_set(&s->rep_html, NULL, 0);
    body_set(&s->rep_prom, NULL, 0);
    tp_probe_states_free(&s->states);
    s->hist.ops->close(s->hist.h);
    free(s->token);
    free(s);
}

static void on_handle_closed(uv_handle_t *h)
{
    tp_serve *s = h->data;
    s->handles--;
    maybe_free(s);
}

static void on_http_closed(void *ud)
{
    tp_serve *s = ud;
    s->http_closed = true;
    maybe_free(s);
}

/* Everything but a run in progress is closed here; called when no run is in progress. */
static void finish_stop(tp_serve *s)
{
    uv_close((uv_handle_t *)&s->timer, on_handle_closed);
    for (int i = 0; i < s->n_sig; i++)
        uv_close((uv_handle_t *)&s->sig[i], on_handle_closed);
    if (s->http)
        tp_httpsrv_close(s->http, on_http_closed, s);
    else
        s->http_closed = true;
}

void tp_serve_stop(tp_serve *s)
{
    if (s->stopping)
        return;
    s->stopping = true;
    uv_timer_stop(&s->timer);
    if (s->ctr.running)
        s->hooks.run_cancel(s->hooks.ud);   /* finish_stop follows in on_run_done */
    else
        finish_stop(s);
}

/* ---------- start ---------- */

static bool is_loopback(const char *ip)
{
    unsigned char a[16];
    static const unsigned char one[16] = {[15] = 1};
    if (inet_pton(AF_INET, ip, a) == 1)
        return a[0] == 127;
    return inet_pton(AF_INET6, ip, a) == 1 && memcmp(a, one, 16) == 0;
}

int tp_serve_start(tp_serve **out, uv_loop_t *loop, const tp_serve_opts *o, const tp_serve_hooks *hooks,
                   tp_config *cfg, char *err, size_t errlen)
{
    *out = NULL;
    if ((!o->token || !*o->token) && !is_loopback(o->listen_ip)) {
        /* the reports name every proxy and failure of the network: not for anyone who asks */
        snprintf(err, errlen, "listening on %s (not loopback) needs a bearer token (--token-file)", o->listen_ip);
        hooks->free_config(hooks->ud, cfg);
        if (o->history.ops)
            o->history.ops->close(o->history.h);
        return -1;
    }
    tp_serve *s = calloc(1, sizeof *s);
    if (!s) {
        hooks->free_config(hooks->ud, cfg);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->loop = loop;
    s->o = *o;
    s->hooks = *hooks;
    s->cfg = cfg;
    if (tp_rpt_guard_add(cfg) != 0) {
        free(s);
        hooks->free_config(hooks->ud, cfg);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->hist = o->history;
    s->token = o->token ? tp_strdup(o->token) : NULL;
    s->rng = (uint32_t)(uv_hrtime() ^ ((uint64_t)getpid() << 16)) | 1u;
    s->ctr.started_ms = now_ms();
    s->o.history.ops = NULL;
    if (!s->o.history_runs)
        s->o.history_runs = 100;
    if (!s->hist.ops && tp_ring_open(&s->hist, s->o.history_runs) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    int rc = tp_httpsrv_start(&s->http, loop, o->listen_ip, o->listen_port, &o->http, handle, s, err, errlen);
    if (rc != 0)
        goto fail;
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    s->handles = 1;
    s->http_closed = false;
    if (o->handle_signals) {
        const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
        for (int i = 0; i < 3; i++) {
            uv_signal_init(loop, &s->sig[i]);
            s->sig[i].data = s;
            s->n_sig++;
            s->handles++;
            uv_signal_start(&s->sig[i], on_signal, sigs[i]);
        }
    }
    /* the first run starts at once: a fresh instance has something to show quickly */
    uv_timer_start(&s->timer, start_run, 0, 0);
    *out = s;
    return 0;
fail:
    if (s->hist.ops)
        s->hist.ops->close(s->hist.h);
    hooks->free_config(hooks->ud, cfg);
    free(s->token);
    free(s);
    return -1;
}

int tp_serve_port(const tp_serve *s)
{
    return tp_httpsrv_port(s->http);
}

uint64_t tp_serve_runs(const tp_serve *s)
{
    return s->runs_done;
}
