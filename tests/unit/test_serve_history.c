/* test_serve_history.c — serve's in-memory history ring (the oldest run goes, timelines
 * are oldest first, a probe missing from a run has no point there), the state-change
 * counters (first sight is not a change, skipped probes change nothing) and the two pages
 * rendered from a timeline (/history.json parses and matches; the HTML page escapes names,
 * marks runs that did not probe a pair, and holds no script). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "fixture_run.h"
#include "serve/metrics.h"
#include "serve/pages.h"
#include "serve/timeline.h"

/* A fixture run whose first result's status is st (and whose last result is dropped when
 * short is set: that pair was not probed). */
static void record(tp_tl_store *st, tp_status first, bool short_run, int64_t t)
{
    fx_run fx;
    fx_build(&fx);
    fx.run.results[0].status = first;
    if (short_run) {
        fx.run.n_results--;
        tp_result_free(&fx.run.results[fx.run.n_results]);
    }
    fx.run.started_at_ms = t;
    fx.run.finished_at_ms = t + 500;
    char err[128];
    assert_int_equal(st->ops->record(st->h, &fx.run, false, err, sizeof err), 0);
    fx_free(&fx);
}

static const tp_tl_series *find(const tp_timeline *tl, const char *ep, const char *path)
{
    for (size_t i = 0; i < tl->n_series; i++)
        if (!strcmp(tl->series[i].endpoint, ep) && !strcmp(tl->series[i].path, path))
            return &tl->series[i];
    return NULL;
}

static void test_ring(void **state)
{
    (void)state;
    tp_tl_store st;
    assert_int_equal(tp_ring_open(&st, 0), -1);
    assert_int_equal(tp_ring_open(&st, 3), 0);
    const tp_status firsts[] = {TP_ST_OK, TP_ST_FAIL, TP_ST_OK, TP_ST_WARN, TP_ST_FAIL};
    for (int i = 0; i < 5; i++)
        record(&st, firsts[i], i == 3, 1000000 + i * 1000);
    tp_timeline tl;
    char err[128];
    assert_int_equal(st.ops->timeline(st.h, 10, &tl, err, sizeof err), 0);
    assert_int_equal(tl.n_runs, 3);   /* capacity 3: runs 1 and 2 are gone */
    assert_int_equal(tl.runs[0].id, 3);
    assert_int_equal(tl.runs[2].id, 5);
    assert_int_equal(tl.runs[2].started_ms, 1004000);
    assert_int_equal(tl.n_series, 12);
    for (size_t i = 1; i < tl.n_series; i++) {   /* sorted by endpoint, then path */
        int c = strcmp(tl.series[i - 1].endpoint, tl.series[i].endpoint);
        assert_true(c < 0 || (c == 0 && strcmp(tl.series[i - 1].path, tl.series[i].path) < 0));
    }
    const tp_tl_series *s = find(&tl, "maps-cp-us", "direct");
    assert_non_null(s);
    assert_int_equal(s->n, 3);
    assert_int_equal(s->pts[0].status, TP_ST_OK);
    assert_int_equal(s->pts[1].status, TP_ST_WARN);
    assert_int_equal(s->pts[2].status, TP_ST_FAIL);
    assert_true(s->required);
    /* the last pair was not probed by run 4 */
    const tp_tl_series *last = find(&tl, "mma-ods", "corp-auth");
    assert_non_null(last);
    assert_int_equal(last->n, 2);
    assert_int_equal(last->pts[0].run_id, 3);
    assert_int_equal(last->pts[1].run_id, 5);

    size_t n;
    char *json = tp_page_history_json(&tl, "site-1", "memory", 1005000, &n);
    assert_non_null(json);
    assert_int_equal(strlen(json), n);
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetObjectItem(doc, "site")->valuestring, "site-1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "runs")), 3);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "series")), 12);
    cJSON_Delete(doc);
    free(json);
    char *html = tp_page_timeline_html(&tl, "<site>", 1005000, &n);
    assert_non_null(html);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "<site>"));          /* escaped */
    assert_non_null(strstr(html, "&lt;site&gt;"));
    assert_non_null(strstr(html, "class=\"none\""));   /* run 4 did not probe mma-ods@corp-auth */
    assert_non_null(strstr(html, "class=\"warn\""));
    free(html);
    tp_timeline_free(&tl);

    assert_int_equal(st.ops->timeline(st.h, 2, &tl, err, sizeof err), 0);
    assert_int_equal(tl.n_runs, 2);   /* the newest two */
    assert_int_equal(tl.runs[0].id, 4);
    tp_timeline_free(&tl);
    st.ops->close(st.h);

    /* an empty history renders too */
    assert_int_equal(tp_ring_open(&st, 5), 0);
    assert_int_equal(st.ops->timeline(st.h, 5, &tl, err, sizeof err), 0);
    assert_int_equal(tl.n_runs, 0);
    html = tp_page_timeline_html(&tl, NULL, 0, &n);
    assert_non_null(strstr(html, "No run has finished yet"));
    free(html);
    tp_timeline_free(&tl);
    st.ops->close(st.h);
}

static void test_state_changes(void **state)
{
    (void)state;
    tp_probe_states ps = {0};
    fx_run fx;
    fx_build(&fx);
    fx.run.results[0].status = TP_ST_OK;
    assert_int_equal(tp_probe_states_update(&ps, &fx.run), 0);   /* first sight */
    size_t tracked = ps.n;
    assert_int_equal(tracked, 11);   /* the fixture's skipped probe is not tracked */
    assert_int_equal(tp_probe_states_update(&ps, &fx.run), 0);
    fx.run.results[0].status = TP_ST_FAIL;
    assert_int_equal(tp_probe_states_update(&ps, &fx.run), 1);
    fx.run.results[0].status = TP_ST_SKIPPED;   /* cancelled: no change, state kept */
    assert_int_equal(tp_probe_states_update(&ps, &fx.run), 0);
    fx.run.results[0].status = TP_ST_FAIL;
    assert_int_equal(tp_probe_states_update(&ps, &fx.run), 0);
    fx.run.results[0].status = TP_ST_WARN;
    assert_int_equal(tp_probe_states_update(&ps, &fx.run), 1);
    assert_int_equal(ps.n, tracked);
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    tp_serve_counters c = {.runs_pass = 2, .runs_fail = 3, .started_ms = 1000};
    assert_int_equal(tp_serve_metrics_write(f, NULL, &c, &ps, NULL), 0);
    fclose(f);
    assert_non_null(strstr(buf, "tlspath_probe_state_changes_total{endpoint=\"maps-cp-us\",path=\"direct\"} 2\n"));
    assert_non_null(strstr(buf, "tlspath_serve_runs_total{result=\"fail\"} 3\n"));
    assert_non_null(strstr(buf, "tlspath_serve_start_timestamp_seconds 1.000\n"));
    free(buf);
    tp_probe_states_free(&ps);
    fx_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_state_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
