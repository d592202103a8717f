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
#include "report.h"
#include "report_util.h"

static char *table(const tp_run *run, bool color, int width)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_table_opts o = {color, width};
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
    assert_non_null(strstr(line, "direct  corp  corp-auth"));
    line_with(t, "  maps-cp-us", line, sizeof line);
    assert_non_null(strstr(line, "OK      FAIL  FAIL"));
    line_with(t, "  crl-ms", line, sizeof line);
    assert_non_null(strstr(line, "OK      WARN  SKIP"));
    line_with(t, "  mma-ods", line, sizeof line);
    assert_non_null(strstr(line, "FAIL    OK    FAIL"));
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

/* Narrow terminal: ids end in an ellipsis, path columns wrap into a second block, and
 * no matrix line is wider than the terminal. */
static void test_width(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *t = table(&f.run, false, 40);
    assert_int_equal(fx_count(t, "SERVICE/ENDPO"), 2);   /* the header repeats per block */
    assert_non_null(strstr(t, "edr-streamlin\xE2\x80\xA6"));
    assert_null(strstr(t, FX_LONG_ID "  "));
    const char *end = strstr(t, "\n12 probes");
    assert_non_null(end);
    for (const char *p = t; p < end;) {
        size_t n = strcspn(p, "\n");
        char *line = tp_strndup(p, n);
        assert_true(tp_utf8_len(line) <= 40);
        free(line);
        p += n + 1;
    }
    free(t);
    /* wide terminal: one block, whole ids */
    t = table(&f.run, false, 200);
    assert_int_equal(fx_count(t, "SERVICE/ENDPOINT"), 1);
    assert_non_null(strstr(t, "  " FX_LONG_ID "  "));
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
    assert_string_equal(buf, "\r[3/12] 1 failed, 12.3s\033[K");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_and_summary),
        cmocka_unit_test(test_problems_listed),
        cmocka_unit_test(test_color),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_grouped_by_service),
        cmocka_unit_test(test_empty_run),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
