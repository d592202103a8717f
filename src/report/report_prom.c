/* report_prom.c — Prometheus text exposition (format 0.0.4) for node_exporter's textfile
 * collector. Each metric family is written whole (HELP, TYPE, then every sample) because
 * the format forbids interleaving families. Label values go through tp_rpt_clean and
 * tp_prom_label_put: valid UTF-8, backslash / quote / newline escaped. Metric names and
 * labels are listed in docs/reports.md and are part of the stable contract. */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/changes.h"
#include "report/report_util.h"

typedef struct pctx {
    const tp_run *run;
    FILE *out;
    const char *site;   /* cfg->site: a label on every series, or NULL */
    bool first;         /* no label written yet in the open sample */
} pctx;

static void family(pctx *c, const char *name, const char *help)
{
    fprintf(c->out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* ,name="value" — the first label of a sample is written without the comma. */
static void label(pctx *c, const char *name, const char *value)
{
    fprintf(c->out, "%s%s=\"", c->first ? "" : ",", name);
    c->first = false;
    char *clean = tp_rpt_clean(c->run, value ? value : "");
    if (clean)
        tp_prom_label_put(c->out, clean);
    free(clean);
    fputc('"', c->out);
}

/* name{[site="..."] — left open for more labels and the closing brace. */
static void open_sample(pctx *c, const char *name)
{
    fprintf(c->out, "%s{", name);
    c->first = true;
    if (c->site)
        label(c, "site", c->site);
}

/* A sample without labels of its own: "name " or "name{site="..."} ". */
static void bare(pctx *c, const char *name)
{
    if (!c->site) {
        fprintf(c->out, "%s ", name);
        return;
    }
    open_sample(c, name);
    fputs("} ", c->out);
}

static const char *ep_id(const tp_result *r)
{
    return r->ep && r->ep->id ? r->ep->id : "";
}

static const char *path_id(const tp_path *p)
{
    return p && p->id ? p->id : "";
}

/* name{endpoint="..",path=".."[,service,required] — left open for extra labels. */
static void probe_labels(pctx *c, const char *name, const tp_result *r, bool with_service)
{
    open_sample(c, name);
    label(c, "endpoint", ep_id(r));
    if (with_service)
        label(c, "service", r->ep ? r->ep->service : "");
    label(c, "path", path_id(r->path));
    if (with_service)
        label(c, "required", r->ep && r->ep->required ? "true" : "false");
}

static void metric_probe_success(pctx *c)
{
    family(c, "tlspath_probe_success", "1 if the endpoint passed (ok or warn) on the path, else 0.");
    for (size_t i = 0; i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        if (r->status == TP_ST_SKIPPED)
            continue;
        probe_labels(c, "tlspath_probe_success", r, true);
        fprintf(c->out, "} %d\n", r->status == TP_ST_OK || r->status == TP_ST_WARN);
    }
}

/* One-hot over every status, so a dashboard can sum by status without gaps. */
static void metric_probe_status(pctx *c)
{
    static const tp_status all[] = {TP_ST_OK, TP_ST_WARN, TP_ST_FAIL, TP_ST_SKIPPED};
    family(c, "tlspath_probe_status", "1 for the probe's status (ok, warn, fail, skipped), 0 for the others.");
    for (size_t i = 0; i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
            probe_labels(c, "tlspath_probe_status", r, true);
            label(c, "status", tp_status_name(all[k]));
            fprintf(c->out, "} %d\n", r->status == all[k]);
        }
    }
}

static void metric_probe_error(pctx *c)
{
    family(c, "tlspath_probe_error", "1 with the stable error code of a failed or warned probe.");
    for (size_t i = 0; i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        if (r->error_code == TP_OC_NONE)
            continue;
        probe_labels(c, "tlspath_probe_error", r, false);
        label(c, "code", tp_outcome_name(r->error_code));
        label(c, "windows_error", r->windows_error ? r->windows_error : "");
        fputs("} 1\n", c->out);
    }
}

static void metric_phase_duration(pctx *c)
{
    family(c, "tlspath_phase_duration_seconds", "Time spent in each phase reached by the probe.");
    for (size_t i = 0; i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        const struct { const char *name; double ms; } ph[] = {
            {"dns", r->t.dns}, {"connect", r->t.connect}, {"proxy", r->t.proxy},
            {"tls", r->t.tls}, {"http", r->t.http}, {"revocation", r->t.revocation},
            {"total", r->t.total}};
        for (size_t k = 0; k < sizeof ph / sizeof ph[0]; k++) {
            if (!(ph[k].ms >= 0) || !isfinite(ph[k].ms))
                continue;   /* phase not reached: no sample rather than a fake 0 */
            probe_labels(c, "tlspath_phase_duration_seconds", r, false);
            label(c, "phase", ph[k].name);
            fprintf(c->out, "} %.6f\n", ph[k].ms / 1000.0);
        }
    }
}

static void metric_http_status(pctx *c)
{
    family(c, "tlspath_http_status", "HTTP status the endpoint answered through the path.");
    for (size_t i = 0; i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        if (r->http_status == 0)
            continue;
        probe_labels(c, "tlspath_http_status", r, false);
        fprintf(c->out, "} %d\n", r->http_status);
    }
}

static void metric_revocation(pctx *c)
{
    family(c, "tlspath_revocation_status", "1 with the revocation verdict of the probe's chain.");
    for (size_t i = 0; i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        if (r->status == TP_ST_SKIPPED)
            continue;
        probe_labels(c, "tlspath_revocation_status", r, false);
        label(c, "status", tp_revocation_name(r->revocation));
        fputs("} 1\n", c->out);
    }
}

static void metric_interception(pctx *c)
{
    family(c, "tlspath_interception_observed", "1 if any probe through the path saw a re-signed chain.");
    for (size_t i = 0; i < tp_rpt_n_paths(c->run); i++) {
        const tp_path *p = tp_rpt_path(c->run, i);
        open_sample(c, "tlspath_interception_observed");
        label(c, "path", path_id(p));
        label(c, "expected", p->expect_inspection ? "true" : "false");
        fprintf(c->out, "} %d\n", tp_run_path_inspection_observed(c->run, p));
    }
}

static void metric_path_probes(pctx *c)
{
    static const tp_status all[] = {TP_ST_OK, TP_ST_WARN, TP_ST_FAIL, TP_ST_SKIPPED};
    family(c, "tlspath_path_probes", "Number of probes through the path by status.");
    for (size_t i = 0; i < tp_rpt_n_paths(c->run); i++) {
        const tp_path *p = tp_rpt_path(c->run, i);
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
            size_t n = 0;
            for (size_t j = 0; j < c->run->n_results; j++)
                n += c->run->results[j].path == p && c->run->results[j].status == all[k];
            open_sample(c, "tlspath_path_probes");
            label(c, "path", path_id(p));
            label(c, "status", tp_status_name(all[k]));
            fprintf(c->out, "} %zu\n", n);
        }
    }
}

static void metric_run(pctx *c)
{
    tp_summary s;
    tp_run_summary(c->run, &s);
    int64_t dur = c->run->finished_at_ms - c->run->started_at_ms;
    family(c, "tlspath_run_timestamp_seconds", "When the run finished (Unix time).");
    bare(c, "tlspath_run_timestamp_seconds");
    fprintf(c->out, "%.3f\n", (double)c->run->finished_at_ms / 1000.0);
    family(c, "tlspath_run_duration_seconds", "How long the run took.");
    bare(c, "tlspath_run_duration_seconds");
    fprintf(c->out, "%.3f\n", dur > 0 ? (double)dur / 1000.0 : 0.0);
    family(c, "tlspath_run_probes", "Number of probes (endpoint x path) in the run.");
    bare(c, "tlspath_run_probes");
    fprintf(c->out, "%zu\n", s.probes);
    family(c, "tlspath_run_required_failed", "Number of failed probes of required endpoints.");
    bare(c, "tlspath_run_required_failed");
    fprintf(c->out, "%zu\n", s.required_failed);
    family(c, "tlspath_run_success", "1 if every required endpoint passed (exit status 0), else 0 (also when interrupted).");
    bare(c, "tlspath_run_success");
    fprintf(c->out, "%d\n", s.pass);
    family(c, "tlspath_run_interrupted", "1 if the run was interrupted (exit status 130): its results are incomplete.");
    bare(c, "tlspath_run_interrupted");
    fprintf(c->out, "%d\n", s.interrupted);
    family(c, "tlspath_run_skipped", "Number of probes skipped (not run to the end, e.g. cut by an interruption).");
    bare(c, "tlspath_run_skipped");
    fprintf(c->out, "%zu\n", s.skipped);
    family(c, "tlspath_build_info", "Always 1; the tlspath version that wrote this file.");
    open_sample(c, "tlspath_build_info");
    label(c, "version", TLSPATH_VERSION);
    fputs("} 1\n", c->out);
}

/* With --state-dir only: what changed since the previous recorded run. */
static void metric_changes(pctx *c)
{
    const tp_changes *ch = c->run->changes;
    if (!ch)
        return;
    family(c, "tlspath_changes", "Probes whose outcome changed since the previous recorded run, by kind.");
    for (int k = 0; k < TP_CHANGE_KINDS; k++) {
        open_sample(c, "tlspath_changes");
        label(c, "kind", tp_change_kind_name((tp_change_kind)k));
        fprintf(c->out, "} %zu\n", ch->count[k]);
    }
    family(c, "tlspath_regressions", "Required probes newly failing or failing for a new cause (--fail-on regression).");
    bare(c, "tlspath_regressions");
    fprintf(c->out, "%zu\n", ch->regressions);
    family(c, "tlspath_probe_changed", "1 for each probe whose outcome changed since the previous recorded run.");
    for (size_t i = 0; i < ch->n; i++) {
        probe_labels(c, "tlspath_probe_changed", ch->v[i].result, false);
        label(c, "kind", tp_change_kind_name(ch->v[i].kind));
        fputs("} 1\n", c->out);
    }
}

int tp_report_prom(const tp_run *run, FILE *out)
{
    pctx c = {run, out, run->cfg && run->cfg->site && *run->cfg->site ? run->cfg->site : NULL, true};
    tp_rpt_oom_reset();
    tp_run empty;
    if (!run->results && run->n_results) {
        /* inconsistent run: report it as empty rather than read through NULL */
        empty = *run;
        empty.n_results = 0;
        c.run = &empty;
    }
    metric_probe_success(&c);
    metric_probe_status(&c);
    metric_probe_error(&c);
    metric_phase_duration(&c);
    metric_http_status(&c);
    metric_revocation(&c);
    metric_interception(&c);
    metric_path_probes(&c);
    metric_run(&c);
    metric_changes(&c);
    return ferror(out) || tp_rpt_oom() ? -1 : 0;
}
