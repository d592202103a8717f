/* pages.c — /history.json (cJSON) and the timeline page (HTML + inline SVG, no script).
 * Every string that came from a catalog or config goes through tp_rpt_clean (valid UTF-8)
 * and, in the page, tp_xml_put (escaped): an endpoint id cannot inject markup. */
#include "serve/pages.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_util.h"

static cJSON *jstr(const char *s)
{
    if (!s)
        return cJSON_CreateNull();
    char *c = tp_rpt_clean(NULL, s);
    cJSON *j = c ? cJSON_CreateString(c) : NULL;
    free(c);
    return j;
}

static bool put(cJSON *o, const char *k, cJSON *v)
{
    if (!v)
        return false;
    if (!cJSON_AddItemToObject(o, k, v)) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

static cJSON *run_json(const tp_tl_run *r)
{
    char a[40], b[40];
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    bool ok = put(o, "id", cJSON_CreateNumber((double)r->id)) &&
              put(o, "started_at", cJSON_CreateString(tp_rfc3339_ms(r->started_ms, a, sizeof a))) &&
              put(o, "finished_at", cJSON_CreateString(tp_rfc3339_ms(r->finished_ms, b, sizeof b))) &&
              put(o, "duration_ms", cJSON_CreateNumber((double)(r->finished_ms - r->started_ms))) &&
              put(o, "verdict", cJSON_CreateString(r->pass ? "pass" : "fail")) &&
              put(o, "probes", cJSON_CreateNumber(r->probes)) && put(o, "ok", cJSON_CreateNumber(r->ok)) &&
              put(o, "warn", cJSON_CreateNumber(r->warn)) && put(o, "fail", cJSON_CreateNumber(r->fail)) &&
              put(o, "skipped", cJSON_CreateNumber(r->skipped)) &&
              put(o, "required_failed", cJSON_CreateNumber(r->required_failed));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *series_json(const tp_tl_series *s)
{
    cJSON *o = cJSON_CreateObject(), *pts = cJSON_CreateArray();
    bool ok = o && pts;
    for (size_t i = 0; ok && i < s->n; i++) {
        cJSON *p = cJSON_CreateObject();
        ok = p && cJSON_AddItemToArray(pts, p) && put(p, "run", cJSON_CreateNumber((double)s->pts[i].run_id)) &&
             put(p, "status", cJSON_CreateString(tp_status_name(s->pts[i].status))) &&
             put(p, "error", jstr(s->pts[i].error_code));
    }
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(pts);
        return NULL;
    }
    ok = put(o, "endpoint", jstr(s->endpoint)) && put(o, "path", jstr(s->path)) &&
         put(o, "service", jstr(s->service)) && put(o, "required", cJSON_CreateBool(s->required)) &&
         put(o, "points", pts);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

char *tp_page_history_json(const tp_timeline *t, const char *site, const char *backend, int64_t now_ms,
                           size_t *len)
{
    char ts[40];
    cJSON *doc = cJSON_CreateObject(), *runs = cJSON_CreateArray(), *series = cJSON_CreateArray();
    bool ok = doc && runs && series;
    for (size_t i = 0; ok && i < t->n_runs; i++) {
        cJSON *r = run_json(&t->runs[i]);
        ok = r && cJSON_AddItemToArray(runs, r);
        if (!ok)
            cJSON_Delete(r);
    }
    for (size_t i = 0; ok && i < t->n_series; i++) {
        cJSON *s = series_json(&t->series[i]);
        ok = s && cJSON_AddItemToArray(series, s);
        if (!ok)
            cJSON_Delete(s);
    }
    char *text = NULL;
    ok = ok && put(doc, "site", jstr(site)) &&
         put(doc, "generated_at", cJSON_CreateString(tp_rfc3339_ms(now_ms, ts, sizeof ts))) &&
         put(doc, "backend", jstr(backend));
    if (ok) {   /* put() owns what it is given, added or not */
        ok = put(doc, "runs", runs);
        runs = NULL;
    }
    if (ok) {
        ok = put(doc, "series", series);
        series = NULL;
    }
    if (ok)
        text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(runs);
    cJSON_Delete(series);
    cJSON_Delete(doc);
    if (!text)
        return NULL;
    /* a trailing newline: curl and shells read it better */
    size_t n = strlen(text);
    char *out = realloc(text, n + 2);
    if (!out) {
        free(text);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    *len = n + 1;
    return out;
}

static const char PAGE_HEAD[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"" TP_TIMELINE_CSP "\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>tlspath serve: timeline</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1b1b;background:#fafafa}\n"
    "h1{font-size:1.4em;margin:0 0 .2em}#meta{color:#555;margin:0 0 1em}\n"
    "table{border-collapse:collapse;background:#fff}\n"
    "th,td{border:1px solid #ddd;padding:.2em .6em;text-align:left;vertical-align:middle}\n"
    "td.tl{padding:.2em}svg{display:block}\n"
    ".req{font-size:.75em;color:#cf222e;margin-left:.4em}\n"
    ".legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;vertical-align:-.1em}\n"
    ".ok{fill:#2da44e;background:#2da44e}.warn{fill:#d4a72c;background:#d4a72c}\n"
    ".fail{fill:#cf222e;background:#cf222e}.skipped{fill:#bbb;background:#bbb}\n"
    ".none{fill:#f0f0f0;background:#f0f0f0}\n"
    "nav a{margin-right:1em}\n"
    "</style>\n</head>\n<body>\n<h1>tlspath serve: timeline</h1>\n";

#define CELL 12   /* px per run square, gap included */

static void put_status_title(FILE *f, const tp_tl_run *run, const tp_tl_point *p)
{
    char ts[40];
    fprintf(f, "<title>run %lld, %s: ", (long long)run->id, tp_rfc3339_ms(run->finished_ms, ts, sizeof ts));
    tp_xml_put(f, p ? tp_status_name(p->status) : "not probed", 0);
    if (p && p->error_code) {
        fputs(" (", f);
        char *c = tp_rpt_clean(NULL, p->error_code);
        tp_xml_put(f, c, 0);
        free(c);
        fputc(')', f);
    }
    fputs("</title>", f);
}

static void put_clean(FILE *f, const char *s)
{
    char *c = tp_rpt_clean(NULL, s ? s : "");
    tp_xml_put(f, c, 0);
    free(c);
}

char *tp_page_timeline_html(const tp_timeline *t, const char *site, int64_t now_ms, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return NULL;
    char ts[40];
    fputs(PAGE_HEAD, f);
    fputs("<p id=\"meta\">", f);
    if (site) {
        fputs("site <strong>", f);
        put_clean(f, site);
        fputs("</strong> &middot; ", f);
    }
    fprintf(f, "%zu run(s) shown &middot; generated %s</p>\n", t->n_runs, tp_rfc3339_ms(now_ms, ts, sizeof ts));
    fputs("<nav><a href=\"report.html\">latest report</a><a href=\"report.json\">report.json</a>"
          "<a href=\"history.json\">history.json</a><a href=\"metrics\">metrics</a></nav>\n",
          f);
    if (t->n_runs) {
        const tp_tl_run *last = &t->runs[t->n_runs - 1];
        fprintf(f, "<p id=\"last\" data-verdict=\"%s\">Last run %lld finished %s: <strong>%s</strong>, %u probe(s), "
                   "%u ok, %u warn, %u fail, %u required failed.</p>\n",
                last->pass ? "pass" : "fail", (long long)last->id, tp_rfc3339_ms(last->finished_ms, ts, sizeof ts),
                last->pass ? "pass" : "fail", last->probes, last->ok, last->warn, last->fail, last->required_failed);
    } else {
        fputs("<p id=\"last\">No run has finished yet.</p>\n", f);
    }
    fputs("<p class=\"legend\">Oldest on the left, newest on the right:<span class=\"ok\"></span>ok"
          "<span class=\"warn\"></span>warn<span class=\"fail\"></span>fail<span class=\"skipped\"></span>skipped"
          "<span class=\"none\"></span>not probed</p>\n",
          f);
    fputs("<table id=\"timeline\">\n<tr><th>endpoint</th><th>path</th><th>last</th><th>runs</th></tr>\n", f);
    unsigned w = (unsigned)(t->n_runs ? t->n_runs : 1) * CELL;
    for (size_t i = 0; i < t->n_series; i++) {
        const tp_tl_series *s = &t->series[i];
        const tp_tl_point *lastp = s->n ? &s->pts[s->n - 1] : NULL;
        fputs("<tr class=\"series\"><td>", f);
        put_clean(f, s->endpoint);
        if (s->required)
            fputs("<span class=\"req\">required</span>", f);
        fputs("</td><td>", f);
        put_clean(f, s->path);
        fprintf(f, "</td><td>%s</td><td class=\"tl\">", lastp ? tp_status_name(lastp->status) : "-");
        fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%d\" role=\"img\">", w, CELL);
        size_t k = 0;   /* points and runs are both oldest first */
        for (size_t r = 0; r < t->n_runs; r++) {
            const tp_tl_point *p = NULL;
            while (k < s->n && s->pts[k].run_id < t->runs[r].id)
                k++;
            if (k < s->n && s->pts[k].run_id == t->runs[r].id)
                p = &s->pts[k];
            fprintf(f, "<rect class=\"%s\" x=\"%zu\" y=\"1\" width=\"%d\" height=\"%d\">",
                    p ? tp_status_name(p->status) : "none", r * CELL, CELL - 2, CELL - 2);
            put_status_title(f, &t->runs[r], p);
            fputs("</rect>", f);
        }
        fputs("</svg></td></tr>\n", f);
    }
    fputs("</table>\n</body>\n</html>\n", f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
