/* test_report_junit.c — JUnit XML: well-formed for xmllint whatever the network said,
 * one testsuite per path and one testcase per endpoint (counted with XPath), failure /
 * skipped / system-out mapping, hostile text escaped, no secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "fixture_run.h"
#include "report/report.h"

typedef struct doc {
    char *text;
    char *file;
} doc;

static void render(const tp_run *run, doc *d)
{
    int rc;
    d->text = fx_render(run, tp_report_junit, &rc);
    assert_int_equal(rc, 0);
    d->file = fx_tmpfile(d->text, ".xml");
}

static void doc_free(doc *d)
{
    unlink(d->file);
    free(d->file);
    free(d->text);
}

/* xmllint --xpath EXPR on the document; returns its stdout. */
static char *xpath(const doc *d, const char *expr)
{
    char *cmd = tp_asprintf("xmllint --xpath '%s' '%s'", expr, d->file);
    int st;
    char *out = fx_capture(cmd, &st);
    free(cmd);
    assert_int_equal(st, 0);
    return out;
}

static void assert_xpath(const doc *d, const char *expr, const char *want)
{
    char *got = xpath(d, expr);
    size_t n = strlen(got);
    while (n && got[n - 1] == '\n')
        got[--n] = '\0';
    if (strcmp(got, want) != 0)
        fail_msg("xpath %s: got \"%s\", want \"%s\"", expr, got, want);
    free(got);
}

static void test_well_formed(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    doc d;
    render(&f.run, &d);
    char *cmd = tp_asprintf("xmllint --noout '%s'", d.file);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    doc_free(&d);
    fx_free(&f);
}

static void test_structure(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    doc d;
    render(&f.run, &d);
    assert_xpath(&d, "count(/testsuites/testsuite)", "3");
    assert_xpath(&d, "count(//testcase)", "12");
    assert_xpath(&d, "count(//testcase/failure)", "6");
    assert_xpath(&d, "count(//testcase/skipped)", "1");
    assert_xpath(&d, "count(//testcase/system-out)", "2");
    assert_xpath(&d, "string(/testsuites/@tests)", "12");
    assert_xpath(&d, "string(/testsuites/@failures)", "6");
    assert_xpath(&d, "string(//testsuite[@name=\"direct\"]/@tests)", "4");
    assert_xpath(&d, "string(//testsuite[@name=\"direct\"]/@failures)", "2");
    assert_xpath(&d, "string(//testsuite[@name=\"corp-auth\"]/@skipped)", "1");
    assert_xpath(&d, "string(//testsuite[@name=\"direct\"]/testcase[@name=\"maps-cp-us via direct\"]/@classname)",
                 "tlspath.maps");
    assert_xpath(&d, "string(//testsuite[@name=\"direct\"]/testcase[@name=\"maps-cp-us via direct\"]/@time)", "0.029");
    assert_xpath(&d, "string(//testsuite[@name=\"corp\"]/testcase[@name=\"maps-cp-us via corp\"]/failure/@type)",
                 "intercepted");
    /* the failure body carries phase, cause, windows_error and remediation */
    char *body = xpath(&d, "string(//testsuite[@name=\"corp\"]/testcase[@name=\"maps-cp-us via corp\"]/failure)");
    assert_non_null(strstr(body, "phase: verify\n"));
    assert_non_null(strstr(body, "cause: chain re-signed by CN=Corp Inspection CA"));
    assert_non_null(strstr(body, "windows_error: 0x80072F8F\n"));
    assert_non_null(strstr(body, "remediation: Exclude *.wd.microsoft.com"));
    free(body);
    /* a warning passes, with the warning in system-out */
    body = xpath(&d, "string(//testsuite[@name=\"corp\"]/testcase[@name=\"crl-ms via corp\"]/system-out)");
    assert_non_null(strstr(body, "error: http_status\n"));
    free(body);
    doc_free(&d);
    fx_free(&f);
}

/* "]]>", "--", markup, quotes, control characters and invalid UTF-8 all arrive intact
 * as text (or dropped where XML cannot carry them). */
static void test_hostile(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    doc d;
    render(&f.run, &d);
    assert_null(strstr(d.text, "]]>"));
    assert_null(strstr(d.text, "<b>"));
    assert_null(strchr(d.text, '\x1b'));
    assert_null(strchr(d.text, '\x01'));
    assert_xpath(&d, "string(//testsuite[@name=\"corp-auth\"]/testcase[@name=\"maps-cp-us via corp-auth\"]/failure/@message)",
                 FX_HOSTILE_MESSAGE);
    assert_xpath(&d, "string(//testsuite[@name=\"direct\"]/testcase[@name=\"mma-ods via direct\"]/failure/@message)",
                 "handshake_failure alert (40) \xEF\xBF\xBD\xEF\xBF\xBD from peer"); /* DEL dropped too */
    assert_false(fx_leaks_secret(d.text));
    doc_free(&d);
    fx_free(&f);
}

static void test_no_credentials_even_if_echoed(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    tp_result *r = &f.run.results[FX_EP_MAPS * FX_N_PATHS + FX_P_AUTH];
    free(r->error_message);
    r->error_message = tp_strdup("407 page echoed " FX_USERNAME ":" FX_PASSWORD);
    doc d;
    render(&f.run, &d);
    assert_false(fx_leaks_secret(d.text));
    doc_free(&d);
    fx_free(&f);
}

static void test_empty_run(void **state)
{
    (void)state;
    tp_run run;
    memset(&run, 0, sizeof run);
    doc d;
    render(&run, &d);
    assert_xpath(&d, "count(//testcase)", "0");
    assert_xpath(&d, "string(/testsuites/@tests)", "0");
    doc_free(&d);
}

/* Test case names are unique ("endpoint via path"): CI systems merge cases by name. */
static void test_unique_names(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    int rc;
    char *text = fx_render(&f.run, tp_report_junit, &rc);
    assert_int_equal(rc, 0);
    char *names[64];
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, "<testcase ")) != NULL; p++) {
        const char *q = strstr(p, " name=\"");
        assert_non_null(q);
        q += 7;
        names[n] = tp_strndup(q, strcspn(q, "\""));
        for (size_t k = 0; k < n; k++)
            assert_string_not_equal(names[k], names[n]);
        assert_non_null(strstr(names[n], " via "));
        n++;
        assert_true(n < 64);
    }
    assert_int_equal(n, 12);
    assert_non_null(strstr(text, "classname=\"tlspath.maps\" name=\"maps-cp-us via corp-auth\""));
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(text);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_names),
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_no_credentials_even_if_echoed),
        cmocka_unit_test(test_empty_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
