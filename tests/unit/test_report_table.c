/* test_report_table.c — the terminal table: marks per endpoint x path grouped by service,
 * width limits (ellipsis, wrapped columns), colour only when asked, network control
 * characters stripped, every failure and warning listed, no secret, the progress line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "fixture_run.h"
#include "report/report.h"
#include "report/report_util.h"

static char *table_opts(const tp_run *run, bool color, int width, bool details)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_table_opts o = {color, width, details};
    assert_int_equal(tp_report_table(run, f, &o), 0);
    fclose(f);
    return buf;
}

/* With --details: the per-probe blocks most cases check. */
static char *table(const tp_run *run, bool color, int width)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_table_opts o = {color, width, true};
    assert_int_equal(tp_report_table(run, f, &o), 0);
    fclose(f);
    return buf;
}

/* The line containing needle (copied into line), or fails. */
static void line_with(const char *text, const char *needle, char *line, size_t cap)
{
    const char *p = strstr(text, needle);
    assert_non_null(p);
    while (p > text && p[-1] != '\n')
        p--;
    size_t n = strcspn(p, "\n");
    assert_true(n < cap);
    memcpy(line, p, n);
    line[n] = '\0';
}

static void test_matrix_and_summary(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table(&f.run, false, 120);
    char line[512];
    line_with(t, "SERVICE/ENDPOINT", line, sizeof line);
    assert_non_null(strstr(line, "direct     corp       corp-auth"));
    /* each failure or warning says why; the column is as wide as its widest cell */
    line_with(t, "  maps-cp-us ", line, sizeof line);
    assert_non_null(strstr(line, "OK         FAIL MITM  FAIL 407"));
    line_with(t, "  crl-ms", line, sizeof line);
    assert_non_null(strstr(line, "OK         WARN 302   SKIP"));
    line_with(t, "  mma-ods", line, sizeof line);
    assert_non_null(strstr(line, "FAIL ALRT  OK         FAIL REV"));
    /* the legend says what the causes mean, only those shown */
    assert_non_null(strstr(t, "\nlegend: NXD the name does not exist (NXDOMAIN); REF TCP connection refused;"));
    assert_non_null(strstr(t, "MITM TLS re-signed by an inspecting proxy or firewall"));
    assert_null(strstr(t, "EXP expired certificate"));
    /* the header maps each path to its proxy, never to its credentials */
    assert_non_null(strstr(t, "paths: direct     direct\n"));
    assert_non_null(strstr(t, "       corp       proxy 10.0.0.6:8080, CRLs via direct\n"));
    assert_non_null(strstr(t, "       corp-auth  proxy proxy.corp:3128, credentials, falls back to direct\n"));
    assert_non_null(strstr(t, "12 probes: 3 ok, 2 warn, 6 fail, 1 skipped; 2 required failed; 12.3s  FAIL\n"));
    /* no colour, no escape sequence of any kind, no trailing blanks */
    assert_null(strchr(t, '\x1b'));
    assert_null(strstr(t, " \n"));
    free(t);
    fx_free(&f);
}

static void test_problems_listed(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table(&f.run, false, 100);
    assert_int_equal(fx_count(t, "\n  FAIL "), 6);
    assert_int_equal(fx_count(t, "\n  WARN "), 2);
    char line[512];
    line_with(t, "maps-cp-us via corp  ", line, sizeof line);
    assert_string_equal(line, "  FAIL maps-cp-us via corp  [verify]  intercepted");
    assert_non_null(strstr(t, "      windows error  0x80072F8F\n"));
    assert_non_null(strstr(t, "      remediation    Exclude *.wd.microsoft.com from TLS inspection on proxy corp\n"));
    assert_non_null(strstr(t, "      fell back to   direct\n"));
    free(t);
    fx_free(&f);
}

/* The causes line counts every failure and warning by its code, most frequent first. */
static void test_causes_line(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table(&f.run, false, 120);
    char line[1024];
    line_with(t, "causes:", line, sizeof line);
    size_t total = 0, problems = 0, last = (size_t)-1;
    for (const char *p = line + strlen("causes:"); *p;) {
        char code[64];
        size_t n;
        int used = 0;
        assert_int_equal(sscanf(p, " %63[a-z_] %zu%n", code, &n, &used), 2);
        assert_true(n <= last);   /* most frequent first */
        last = n;
        size_t want = 0;
        for (size_t i = 0; i < f.run.n_results; i++) {
            const tp_result *r = &f.run.results[i];
            want += (r->status == TP_ST_FAIL || r->status == TP_ST_WARN) && r->error_code != TP_OC_NONE &&
                    strcmp(tp_outcome_name(r->error_code), code) == 0;
        }
        assert_int_equal(n, want);
        total += n;
        p += used;
        if (*p == ',')
            p++;
    }
    for (size_t i = 0; i < f.run.n_results; i++)
        problems += f.run.results[i].status == TP_ST_FAIL || f.run.results[i].status == TP_ST_WARN;
    assert_int_equal(total, problems);
    free(t);
    fx_free(&f);
}

static void test_color(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table(&f.run, true, 100);
    assert_non_null(strstr(t, "\033[32mOK\033[0m"));
    assert_non_null(strstr(t, "\033[33mWARN\033[0m"));
    assert_non_null(strstr(t, "\033[31mFAIL\033[0m"));
    free(t);
    fx_free(&f);
}

/* Network text cannot drive the terminal: ESC, BEL, CR, C1 and DEL are gone. */
static void test_hostile_text(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table(&f.run, false, 100);
    assert_null(strchr(t, '\x1b'));
    assert_null(strchr(t, '\a'));
    assert_null(strchr(t, '\r'));
    assert_null(strchr(t, '\x7f'));
    assert_null(strchr(t, '\x01'));
    assert_non_null(strstr(t, "      message        NXDOMAIN [31mred[0m  next line\n"));
    assert_non_null(strstr(t, "handshake_failure alert (40) \xEF\xBF\xBD\xEF\xBF\xBD from peer\n"));
    assert_false(fx_leaks_secret(t));
    free(t);
    fx_free(&f);
}

/* No line of the matrix is wider than width, and none ends in a blank. (The action lines
 * above it name every rule they cover: the terminal wraps them.) */
static void assert_fits(const char *t, size_t width)
{
    const char *end = strstr(t, "\n12 probes");
    if (!end)
        end = strstr(t, " probes: ");
    assert_non_null(end);
    const char *start = strstr(t, "SERVICE/ENDPOINT");
    assert_non_null(start);
    for (const char *p = start; p < end;) {
        size_t n = strcspn(p, "\n");
        char *line = tp_strndup(p, n);
        assert_true(tp_utf8_len(line) <= width);
        free(line);
        p += n + 1;
    }
    assert_null(strstr(t, " \n"));
}

/* Narrow terminal: the endpoint column keeps what it can (an id ends in an ellipsis only
 * when even one path column would not fit beside it), path columns wrap into further
 * blocks, and no matrix line is wider than the terminal. */
static void test_width(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table(&f.run, false, 40);
    /* 40 - widest path column (corp-auth, 11) leaves 29: 25 characters of id */
    assert_int_equal(fx_count(t, "SERVICE/ENDPOINT"), 3);   /* one path per block */
    assert_non_null(strstr(t, "  edr-streamlined-endpoint\xE2\x80\xA6  "));
    assert_non_null(strstr(t, "  maps-cp-us"));
    assert_null(strstr(t, FX_LONG_ID "  "));
    assert_fits(t, 40);
    free(t);
    /* 80 columns: ids up to 40 characters whole, all paths in one block */
    t = table(&f.run, false, 80);
    assert_int_equal(fx_count(t, "SERVICE/ENDPOINT"), 1);
    assert_non_null(strstr(t, "  edr-streamlined-endpoint-with-a-very-lo\xE2\x80\xA6  FAIL NXD   FAIL REF   WARN CRL\n"));
    assert_fits(t, 80);
    free(t);
    /* wide terminal: one block; ids longer than 40 characters still end in an ellipsis */
    t = table(&f.run, false, 200);
    assert_int_equal(fx_count(t, "SERVICE/ENDPOINT"), 1);
    assert_non_null(strstr(t, "  edr-streamlined-endpoint-with-a-very-lo\xE2\x80\xA6  "));
    free(t);
    fx_free(&f);
}

/* COLUMNS=80 with 8 paths: the endpoint column is not squeezed until ids that differ
 * only at their end read the same ("submission-us…" x4); path columns wrap instead. */
static void test_many_paths_keep_ids(void **state)
{
    (void)state;
    static const char *const ids[] = {"submission-us-east-primary", "submission-us-east-secondary",
                                      "submission-us-west-primary", "submission-us-west-secondary"};
    enum { NP = 8, NE = 4 };
    tp_config cfg;
    tp_catalog cat;
    tp_run run;
    memset(&cfg, 0, sizeof cfg);
    memset(&cat, 0, sizeof cat);
    memset(&run, 0, sizeof run);
    cfg.n_paths = NP;
    cfg.paths = calloc(NP, sizeof *cfg.paths);
    assert_non_null(cfg.paths);
    for (size_t p = 0; p < NP; p++) {
        cfg.paths[p].id = tp_asprintf("proxy-site-%zu", p + 1);
        cfg.paths[p].type = TP_PATH_HTTP;
    }
    cat.n = NE;
    cat.endpoints = calloc(NE, sizeof *cat.endpoints);
    assert_non_null(cat.endpoints);
    for (size_t e = 0; e < NE; e++) {
        cat.endpoints[e].id = tp_strdup(ids[e]);
        cat.endpoints[e].service = tp_strdup("submission");
    }
    run.cfg = &cfg;
    run.n_results = NE * NP;
    run.results = calloc(run.n_results, sizeof *run.results);
    assert_non_null(run.results);
    for (size_t i = 0; i < run.n_results; i++) {
        run.results[i].ep = &cat.endpoints[i / NP];
        run.results[i].path = run.results[i].used_path = &cfg.paths[i % NP];
        run.results[i].status = TP_ST_OK;
        run.results[i].phase = TP_PH_DONE;
    }
    char *t = table(&run, false, 80);
    /* 2 + 28 + 2 = 32 columns of endpoint, 14 per path: 3 paths per block, 3 blocks */
    assert_int_equal(fx_count(t, "SERVICE/ENDPOINT"), 3);
    for (size_t e = 0; e < NE; e++) {
        char *row = tp_asprintf("\n  %s  ", ids[e]);
        assert_int_equal(fx_count(t, row), 3);
        free(row);
    }
    assert_null(strstr(t, "\xE2\x80\xA6"));
    assert_non_null(strstr(t, "proxy-site-1  proxy-site-2  proxy-site-3\n"));
    assert_non_null(strstr(t, "proxy-site-7  proxy-site-8\n"));
    assert_fits(t, 80);
    free(t);
    for (size_t i = 0; i < run.n_results; i++)
        tp_result_free(&run.results[i]);
    free(run.results);
    tp_catalog_free(&cat);
    tp_config_free(&cfg);
}

/* Invalid UTF-8 in an endpoint id or a warning is shown as U+FFFD (as in every other
 * sink, and as docs/reports.md says), never as '?'. */
static void test_invalid_utf8_is_fffd(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    free(f.cat.endpoints[FX_EP_MMA].id);
    f.cat.endpoints[FX_EP_MMA].id = tp_strdup("mma-\xff\xc3-ods");
    assert_int_equal(tp_strlist_add(&f.run.warnings, "anchor \xe2\x82 expired"), 0);
    char *t = table(&f.run, false, 100);
    assert_non_null(strstr(t, "\n  FAIL mma-\xEF\xBF\xBD\xEF\xBF\xBD-ods via direct  [tls]"));
    assert_non_null(strstr(t, "\nwarning: anchor \xEF\xBF\xBD\xEF\xBF\xBD expired\n"));
    assert_null(strchr(t, '?'));
    free(t);
    fx_free(&f);
}

/* Rows are grouped by service even when the results interleave services. */
static void test_grouped_by_service(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    free(f.cat.endpoints[FX_EP_MMA].service);
    f.cat.endpoints[FX_EP_MMA].service = tp_strdup("maps");
    char *t = table(&f.run, false, 100);
    const char *maps = strstr(t, "\nmaps\n"), *mma = strstr(t, "  mma-ods"), *crl = strstr(t, "\ncrl\n");
    assert_non_null(maps);
    assert_non_null(mma);
    assert_non_null(crl);
    assert_true(maps < mma && mma < crl);
    assert_int_equal(fx_count(t, "\nmaps\n"), 1);
    free(t);
    fx_free(&f);
}

static void test_empty_run(void **state)
{
    (void)state;
    tp_run run;
    memset(&run, 0, sizeof run);
    char *t = table(&run, false, 0);
    assert_non_null(strstr(t, "0 probes: 0 ok"));
    assert_non_null(strstr(t, "PASS"));
    free(t);
}

static void test_progress(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_report_progress(f, 3, 12, 1, 12.34);
    fclose(f);
    assert_string_equal(buf, "\r[3/12] 1 failed so far, 12.3s\033[K");
    free(buf);
    /* the last line counts exactly what the summary counts */
    fx_run fx;
    fx_build(&fx);
    tp_summary s;
    tp_run_summary(&fx.run, &s);
    f = open_memstream(&buf, &len);
    tp_report_progress_done(f, &s, 12.34);
    fclose(f);
    assert_string_equal(buf, "\r[12/12] 3 ok, 2 warn, 6 fail, 1 skipped, 12.3s\033[K\n");
    free(buf);
    char *t = table(&fx.run, false, 100);
    assert_non_null(strstr(t, "12 probes: 3 ok, 2 warn, 6 fail, 1 skipped;"));
    free(t);
    fx_free(&fx);
}

/* By default the table starts with what to change and leaves the per-probe blocks to
 * --details (and the JSON/HTML reports). */
static void test_actions_first_details_on_request(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table_opts(&f.run, false, 100, false);
    const char *act = strstr(t, "What to change (");
    const char *mat = strstr(t, "SERVICE/ENDPOINT");
    assert_non_null(act);
    assert_non_null(mat);
    assert_true(act < mat);
    assert_true(act == t);
    assert_non_null(strstr(t, "  1. FAIL "));
    assert_null(strstr(t, "Failures and warnings:"));
    assert_non_null(strstr(t, "(per-probe detail: --details, or the json and html reports)\n"));
    assert_false(fx_leaks_secret(t));
    free(t);
    t = table_opts(&f.run, false, 100, true);
    assert_non_null(strstr(t, "What to change ("));
    assert_non_null(strstr(t, "\nFailures and warnings:\n"));
    assert_null(strstr(t, "(per-probe detail"));
    free(t);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actions_first_details_on_request),
        cmocka_unit_test(test_matrix_and_summary),
        cmocka_unit_test(test_problems_listed),
        cmocka_unit_test(test_causes_line),
        cmocka_unit_test(test_color),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_many_paths_keep_ids),
        cmocka_unit_test(test_invalid_utf8_is_fffd),
        cmocka_unit_test(test_grouped_by_service),
        cmocka_unit_test(test_empty_run),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
