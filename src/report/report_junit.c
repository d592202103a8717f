/* report_junit.c — JUnit XML for CI dashboards: one <testsuite> per network path, one
 * <testcase name="ENDPOINT via PATH"> per endpoint on it. fail -> <failure type=ERROR_CODE>, warn -> a pass with
 * the warning in <system-out>, skipped -> <skipped/>. Everything is escaped by
 * tp_xml_put (no CDATA: a "]]>" in a proxy's error page cannot end a section that is
 * never opened), so the document is well-formed for any input. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "core/changes.h"
#include "report/report_util.h"

typedef struct jctx {
    const tp_run *run;
    FILE *out;
} jctx;

/* Escaped, UTF-8-repaired and secret-redacted text. */
static void xput(const jctx *c, const char *s, int attr)
{
    char *clean = tp_rpt_clean(c->run, s);
    if (clean)
        tp_xml_put(c->out, clean, attr);
    free(clean);
}

static double seconds(double ms)
{
    return ms > 0 ? ms / 1000.0 : 0.0;
}

static const char *path_id(const tp_path *p)
{
    return p && p->id ? p->id : "(none)";
}

/* The distinct paths of the results, in order of first appearance (results may
 * reference paths that cfg does not list, e.g. in hand-built runs). */
static size_t collect_paths(const tp_run *run, const tp_path **paths)
{
    size_t n = 0;
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_path *p = run->results[i].path;
        size_t j = 0;
        while (j < n && paths[j] != p)
            j++;
        if (j == n)
            paths[n++] = p;
    }
    return n;
}

typedef struct counts {
    size_t tests, failures, skipped;
    double time_s;
} counts;

static counts count_path(const tp_run *run, const tp_path *p)
{
    counts k = {0, 0, 0, 0.0};
    for (size_t i = 0; i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (r->path != p)
            continue;
        k.tests++;
        k.failures += r->status == TP_ST_FAIL;
        k.skipped += r->status == TP_ST_SKIPPED;
        k.time_s += seconds(r->t.total);
    }
    return k;
}

/* "label: value\n" in a failure body or system-out, when value exists. */
static void body_line(const jctx *c, const char *label, const char *value)
{
    if (!value)
        return;
    fprintf(c->out, "%s: ", label);
    xput(c, value, 0);
    fputc('\n', c->out);
}

static void case_details(const jctx *c, const tp_result *r)
{
    body_line(c, "phase", tp_phase_name(r->phase));
    body_line(c, "error", tp_outcome_name(r->error_code));
    body_line(c, "cause", r->error_message);
    if (tp_result_fell_back(r))
        body_line(c, "fell back to path", r->used_path->id);
    if (r->proxy_status) {
        fprintf(c->out, "proxy status: %d\n", r->proxy_status);
    }
    if (r->http_status)
        fprintf(c->out, "http status: %d\n", r->http_status);
    if (r->revocation != TP_REV_NOT_CHECKED)
        body_line(c, "revocation", tp_revocation_name(r->revocation));
    body_line(c, "windows_error", r->windows_error);
    body_line(c, "remediation", r->remediation);
    const tp_change *ch = tp_rpt_change_of(c->run, r);
    if (ch) {   /* --state-dir: what the previous run said */
        body_line(c, "change", tp_change_kind_name(ch->kind));
        body_line(c, "previous status", tp_status_name(ch->prev_status));
        body_line(c, "previous error", ch->prev_error_code);
    }
}

static void write_case(const jctx *c, const tp_result *r)
{
    FILE *out = c->out;
    fputs("    <testcase classname=\"tlspath.", out);
    xput(c, r->ep && r->ep->service ? r->ep->service : "unknown", 1);
    /* "endpoint via path": CI systems key test cases by name, and the same endpoint runs
     * on every path (each path is also its own testsuite, which most of them ignore) */
    fputs("\" name=\"", out);
    xput(c, r->ep && r->ep->id ? r->ep->id : "(unknown)", 1);
    fputs(" via ", out);
    xput(c, r->path && r->path->id ? r->path->id : "(unknown)", 1);
    fprintf(out, "\" time=\"%.3f\">\n", seconds(r->t.total));
    switch (r->status) {
    case TP_ST_FAIL:
        fputs("      <failure type=\"", out);
        const char *code = tp_outcome_name(r->error_code);   /* NULL for TP_OC_NONE */
        xput(c, code ? code : "failed", 1);
        fputs("\" message=\"", out);
        xput(c, r->error_message ? r->error_message : (code ? code : "failed"), 1);
        fputs("\">", out);
        case_details(c, r);
        fputs("</failure>\n", out);
        break;
    case TP_ST_WARN:
        fputs("      <system-out>warning\n", out);
        case_details(c, r);
        fputs("</system-out>\n", out);
        break;
    case TP_ST_SKIPPED:
        fputs("      <skipped message=\"", out);
        xput(c, r->error_message ? r->error_message : "not probed on this path", 1);
        fputs("\"/>\n", out);
        break;
    case TP_ST_OK:
        break;
    }
    fputs("    </testcase>\n", out);
}

static void write_suite(const jctx *c, const tp_path *p, const char *timestamp, const tp_summary *s)
{
    counts k = count_path(c->run, p);
    fputs("  <testsuite name=\"", c->out);
    xput(c, path_id(p), 1);
    fprintf(c->out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\""
                    " timestamp=\"%s\">\n", k.tests, k.failures, k.skipped, k.time_s, timestamp);
    /* the run's verdict travels with every suite: a CI job reading one suite must not
     * take an interrupted run for a passed one */
    fprintf(c->out, "    <properties>\n      <property name=\"tlspath.verdict\" value=\"%s\"/>\n"
                    "      <property name=\"tlspath.interrupted\" value=\"%s\"/>\n"
                    "      <property name=\"tlspath.skipped\" value=\"%zu\"/>\n    </properties>\n",
            tp_summary_verdict(s), s->interrupted ? "true" : "false", s->skipped);
    for (size_t i = 0; i < c->run->n_results; i++)
        if (c->run->results[i].path == p)
            write_case(c, &c->run->results[i]);
    fputs("  </testsuite>\n", c->out);
}

int tp_report_junit(const tp_run *run, FILE *out)
{
    jctx c = {run, out};
    tp_rpt_oom_reset();
    const tp_path **paths = calloc(run->n_results ? run->n_results : 1, sizeof *paths);
    if (!paths)
        return -1;
    size_t n = run->results ? collect_paths(run, paths) : 0;
    tp_summary s;
    tp_run_summary(run, &s);
    char ts[32];
    tp_rfc3339_ms(run->started_at_ms, ts, sizeof ts);
    int64_t dur = run->finished_at_ms - run->started_at_ms;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<testsuites name=\"tlspath\" tests=\"%zu\" failures=\"%zu\" errors=\"0\""
                 " skipped=\"%zu\" time=\"%.3f\" timestamp=\"%s\">\n",
            s.probes, s.fail, s.skipped, dur > 0 ? (double)dur / 1000.0 : 0.0, ts);
    for (size_t i = 0; i < n; i++)
        write_suite(&c, paths[i], ts, &s);
    fputs("</testsuites>\n", out);
    free(paths);
    return ferror(out) || tp_rpt_oom() ? -1 : 0;
}
