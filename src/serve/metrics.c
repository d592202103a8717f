/* metrics.c — serve's own Prometheus families (metrics.h). Written with the same label
 * escaping as report_prom.c (tp_prom_label_put), each family whole. */
#include "serve/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "report/report_util.h"

static int pcmp(const char *e1, const char *p1, const char *e2, const char *p2)
{
    int c = strcmp(e1, e2);
    return c ? c : strcmp(p1, p2);
}

static size_t find(const tp_probe_states *ps, const char *ep, const char *path, bool *found)
{
    size_t lo = 0, hi = ps->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = pcmp(ps->v[mid].endpoint, ps->v[mid].path, ep, path);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

long tp_probe_states_update(tp_probe_states *ps, const tp_run *run)
{
    long changes = 0;
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (r->status == TP_ST_SKIPPED)
            continue;
        const char *ep = r->ep && r->ep->id ? r->ep->id : "";
        const char *path = r->path && r->path->id ? r->path->id : "";
        bool found;
        size_t at = find(ps, ep, path, &found);
        if (found) {
            if (ps->v[at].last != r->status) {
                ps->v[at].changes++;
                ps->v[at].last = r->status;
                changes++;
            }
            continue;
        }
        if (ps->n >= TP_PROBE_STATES_MAX)
            continue;
        if (ps->n == ps->cap) {
            size_t cap = ps->cap ? ps->cap * 2 : 64;
            tp_pstate *v = realloc(ps->v, cap * sizeof *v);
            if (!v)
                return -1;
            ps->v = v;
            ps->cap = cap;
        }
        tp_pstate n = {tp_strdup(ep), tp_strdup(path), r->status, 0};
        if (!n.endpoint || !n.path) {
            free(n.endpoint);
            free(n.path);
            return -1;
        }
        /* insertion keeps the order; a run adds its pairs once, later runs only find them */
        memmove(&ps->v[at + 1], &ps->v[at], (ps->n - at) * sizeof *ps->v);
        ps->v[at] = n;
        ps->n++;
    }
    return changes;
}

void tp_probe_states_free(tp_probe_states *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].endpoint);
        free(ps->v[i].path);
    }
    free(ps->v);
    memset(ps, 0, sizeof *ps);
}

typedef struct mw {
    FILE *out;
    const char *site;
} mw;

static void family(const mw *m, const char *name, const char *type, const char *help)
{
    fprintf(m->out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{site="..",k="v"... — labels given as NULL-terminated name/value pairs. */
static void sample(const mw *m, const char *name, const char *const *labels, int decimals, double v)
{
    fputs(name, m->out);
    bool first = true;
    if (m->site || (labels && labels[0])) {
        fputc('{', m->out);
        if (m->site) {
            fputs("site=\"", m->out);
            tp_prom_label_put(m->out, m->site);
            fputc('"', m->out);
            first = false;
        }
        for (size_t i = 0; labels && labels[i]; i += 2) {
            fprintf(m->out, "%s%s=\"", first ? "" : ",", labels[i]);
            char *clean = tp_rpt_clean(NULL, labels[i + 1]);
            tp_prom_label_put(m->out, clean ? clean : "");
            free(clean);
            fputc('"', m->out);
            first = false;
        }
        fputc('}', m->out);
    }
    fputc(' ', m->out);
    fprintf(m->out, "%.*f", decimals, v);
    fputc('\n', m->out);
}

int tp_serve_metrics_write(FILE *out, const char *site, const tp_serve_counters *c, const tp_probe_states *ps,
                           const tp_httpsrv_stats *hs)
{
    mw m = {out, site && *site ? site : NULL};
    family(&m, "tlspath_serve_runs_total", "counter", "Runs finished since serve started, by result.");
    const struct { const char *r; uint64_t n; } runs[] = {
        {"pass", c->runs_pass}, {"fail", c->runs_fail}, {"error", c->runs_error}, {"cancelled", c->runs_cancelled}};
    for (size_t i = 0; i < 4; i++) {
        const char *l[] = {"result", runs[i].r, NULL};
        sample(&m, "tlspath_serve_runs_total", l, 0, (double)runs[i].n);
    }
    family(&m, "tlspath_serve_run_in_progress", "gauge", "1 while a run is in progress.");
    sample(&m, "tlspath_serve_run_in_progress", NULL, 0, c->running);
    family(&m, "tlspath_serve_last_run_timestamp_seconds", "gauge",
           "When the last run finished (Unix time; 0 before the first).");
    sample(&m, "tlspath_serve_last_run_timestamp_seconds", NULL, 3, (double)c->last_run_ms / 1000.0);
    family(&m, "tlspath_serve_last_success_timestamp_seconds", "gauge",
           "When the last run in which every required endpoint passed finished (0 = never since start).");
    sample(&m, "tlspath_serve_last_success_timestamp_seconds", NULL, 3, (double)c->last_success_ms / 1000.0);
    family(&m, "tlspath_serve_last_run_duration_seconds", "gauge", "How long the last run took.");
    sample(&m, "tlspath_serve_last_run_duration_seconds", NULL, 3, c->last_duration_s);
    family(&m, "tlspath_serve_next_run_timestamp_seconds", "gauge", "When the next run is due (0 = none scheduled).");
    sample(&m, "tlspath_serve_next_run_timestamp_seconds", NULL, 3, (double)c->next_run_ms / 1000.0);
    family(&m, "tlspath_serve_start_timestamp_seconds", "gauge", "When serve started (Unix time).");
    sample(&m, "tlspath_serve_start_timestamp_seconds", NULL, 3, (double)c->started_ms / 1000.0);
    family(&m, "tlspath_serve_config_reloads_total", "counter", "SIGHUP reloads, by result (error: old config kept).");
    const char *ok[] = {"result", "ok", NULL}, *bad[] = {"result", "error", NULL};
    sample(&m, "tlspath_serve_config_reloads_total", ok, 0, (double)c->reloads_ok);
    sample(&m, "tlspath_serve_config_reloads_total", bad, 0, (double)c->reloads_failed);
    family(&m, "tlspath_probe_state_changes_total", "counter",
           "Times the probe's status (ok, warn, fail) changed from one run to the next since serve started.");
    for (size_t i = 0; ps && i < ps->n; i++) {
        const char *l[] = {"endpoint", ps->v[i].endpoint, "path", ps->v[i].path, NULL};
        sample(&m, "tlspath_probe_state_changes_total", l, 0, (double)ps->v[i].changes);
    }
    if (hs) {
        family(&m, "tlspath_serve_http_connections_total", "counter",
               "HTTP connections by outcome: served, refused over the connection cap, timed out.");
        const struct { const char *o; uint64_t n; } conns[] = {{"accepted", hs->accepted},
                                                               {"refused_busy", hs->refused_busy},
                                                               {"head_timeout", hs->head_timeouts},
                                                               {"write_timeout", hs->write_timeouts}};
        for (size_t i = 0; i < 4; i++) {
            const char *l[] = {"outcome", conns[i].o, NULL};
            sample(&m, "tlspath_serve_http_connections_total", l, 0, (double)conns[i].n);
        }
        family(&m, "tlspath_serve_http_responses_total", "counter", "HTTP responses by status class.");
        for (int k = 2; k <= 5; k++) {
            char cls[4] = {(char)('0' + k), 'x', 'x', 0};
            const char *l[] = {"code", cls, NULL};
            sample(&m, "tlspath_serve_http_responses_total", l, 0, (double)hs->by_status[k]);
        }
        family(&m, "tlspath_serve_http_connections_open", "gauge", "HTTP connections open now.");
        sample(&m, "tlspath_serve_http_connections_open", NULL, 0, hs->open);
    }
    return ferror(out) ? -1 : 0;
}
