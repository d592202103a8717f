/* test_report_prom.c — Prometheus text exposition: accepted by `promtool check metrics`,
 * the documented metric names and labels with the fixture's values, hostile label values
 * escaped, no secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "fixture_run.h"
#include "report/report.h"

static char *render(const tp_run *run)
{
    int rc;
    char *text = fx_render(run, tp_report_prom, &rc);
    assert_int_equal(rc, 0);
    return text;
}

/* promtool reads the exposition on stdin; lint problems and parse errors both fail. */
static void assert_promtool_ok(const char *text)
{
    char *file = fx_tmpfile(text, ".prom");
    char *cmd = tp_asprintf("promtool check metrics < '%s' 2>&1", file);
    int st;
    char *out = fx_capture(cmd, &st);
    if (st != 0)
        fail_msg("promtool check metrics: exit %d: %s", st, out);
    free(out);
    free(cmd);
    unlink(file);
    free(file);
}

static void assert_line(const char *text, const char *line)
{
    char *want = tp_asprintf("\n%s\n", line);
    if (!strstr(text, want))
        fail_msg("missing line: %s", line);
    free(want);
}

static void test_promtool(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    assert_promtool_ok(text);
    free(text);
    fx_free(&f);
}

static void test_values(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    assert_line(text, "# TYPE tlspath_probe_success gauge");
    assert_line(text, "tlspath_probe_success{endpoint=\"maps-cp-us\",service=\"maps\",path=\"direct\",required=\"true\"} 1");
    assert_line(text, "tlspath_probe_success{endpoint=\"maps-cp-us\",service=\"maps\",path=\"corp\",required=\"true\"} 0");
    assert_line(text, "tlspath_probe_success{endpoint=\"crl-ms\",service=\"crl\",path=\"corp\",required=\"true\"} 1");
    /* skipped probes say nothing about success */
    assert_null(strstr(text, "tlspath_probe_success{endpoint=\"crl-ms\",service=\"crl\",path=\"corp-auth\""));
    assert_line(text, "tlspath_probe_status{endpoint=\"crl-ms\",service=\"crl\",path=\"corp-auth\",required=\"true\",status=\"skipped\"} 1");
    assert_line(text, "tlspath_probe_status{endpoint=\"crl-ms\",service=\"crl\",path=\"corp-auth\",required=\"true\",status=\"ok\"} 0");
    assert_int_equal(fx_count(text, "\ntlspath_probe_status{"), 12 * 4);
    assert_line(text, "tlspath_probe_error{endpoint=\"maps-cp-us\",path=\"corp\",code=\"intercepted\",windows_error=\"0x80072F8F\"} 1");
    assert_line(text, "tlspath_phase_duration_seconds{endpoint=\"maps-cp-us\",path=\"direct\",phase=\"dns\"} 0.001260");
    assert_line(text, "tlspath_phase_duration_seconds{endpoint=\"maps-cp-us\",path=\"direct\",phase=\"tls\"} 0.015550");
    /* a phase never reached has no sample at all */
    assert_null(strstr(text, "tlspath_phase_duration_seconds{endpoint=\"maps-cp-us\",path=\"direct\",phase=\"proxy\"}"));
    assert_line(text, "tlspath_http_status{endpoint=\"maps-cp-us\",path=\"direct\"} 404");
    assert_line(text, "tlspath_revocation_status{endpoint=\"mma-ods\",path=\"corp-auth\",status=\"revoked\"} 1");
    assert_line(text, "tlspath_revocation_status{endpoint=\"" FX_LONG_ID "\",path=\"corp-auth\",status=\"unreachable\"} 1");
    assert_line(text, "tlspath_interception_observed{path=\"corp\",expected=\"false\"} 1");
    assert_line(text, "tlspath_interception_observed{path=\"direct\",expected=\"false\"} 0");
    assert_line(text, "tlspath_path_probes{path=\"direct\",status=\"fail\"} 2");
    assert_line(text, "tlspath_path_probes{path=\"corp-auth\",status=\"skipped\"} 1");
    assert_line(text, "tlspath_run_timestamp_seconds 1795425144.690");
    assert_line(text, "tlspath_run_duration_seconds 12.345");
    assert_line(text, "tlspath_run_required_failed 2");
    assert_line(text, "tlspath_run_success 0");
    assert_line(text, "tlspath_build_info{version=\"" TLSPATH_VERSION "\"} 1");
    free(text);
    fx_free(&f);
}

/* Label values from anywhere are escaped: quote, backslash, newline; invalid UTF-8
 * repaired; control characters dropped — and promtool still accepts the file. */
static void test_hostile_labels(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    tp_endpoint *e = &f.cat.endpoints[FX_EP_MAPS];
    free(e->id);
    e->id = tp_strdup("evil\"} 1\nfake_metric{a=\"b\\c\x01\xff");
    char *text = render(&f.run);
    assert_promtool_ok(text);
    assert_non_null(strstr(text, "endpoint=\"evil\\\"} 1 fake_metric{a=\\\"b\\\\c\xEF\xBF\xBD\""));
    assert_null(strstr(text, "\nfake_metric"));
    assert_false(fx_leaks_secret(text));
    free(text);
    fx_free(&f);
}

static void test_no_credentials(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    /* the probe through the path with credentials, failed: its labels name the proxy, never
     * the credentials (an error code is a row of core/outcome.def, it cannot carry them) */
    tp_result *r = &f.run.results[FX_EP_MAPS * FX_N_PATHS + FX_P_AUTH];
    r->status = TP_ST_FAIL;
    r->error_code = TP_OC_PROXY_AUTH_REQUIRED;
    char *text = render(&f.run);
    assert_false(fx_leaks_secret(text));
    assert_promtool_ok(text);
    free(text);
    fx_free(&f);
}

static void test_empty_run(void **state)
{
    (void)state;
    tp_run run;
    memset(&run, 0, sizeof run);
    char *text = render(&run);
    assert_promtool_ok(text);
    assert_line(text, "tlspath_run_required_failed 0");
    assert_line(text, "tlspath_run_success 1");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_promtool),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_hostile_labels),
        cmocka_unit_test(test_no_credentials),
        cmocka_unit_test(test_empty_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
