/* test_report_html.c — the HTML report is one self-contained file (no external URL
 * outside the embedded data), its data block cannot be broken out of, and — rendered by
 * headless Chromium from a file:// URL with networking features off — the page's script
 * shows the right counts, one coloured cell per probe, and the details of a cell with the
 * hostile certificate subject as text, not as an element. Chromium is required: without
 * it this test fails (it is installed by the project's test command). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "fixture_run.h"
#include "report/report.h"
#include "report/report_util.h"

#define DATA_OPEN "<script type=\"application/json\" id=\"tlspath-data\">"

static char *render(const tp_run *run)
{
    int rc;
    char *text = fx_render(run, tp_report_html, &rc);
    assert_int_equal(rc, 0);
    return text;
}

/* The embedded JSON block's text (malloc'ed) and the page without it. */
static void split_data(const char *html, char **data, char **rest)
{
    const char *open = strstr(html, DATA_OPEN);
    assert_non_null(open);
    const char *start = open + strlen(DATA_OPEN);
    const char *end = strstr(start, "</script>");
    assert_non_null(end);
    *data = tp_strndup(start, (size_t)(end - start));
    *rest = tp_asprintf("%.*s%s", (int)(open - html), html, end);
}

static const char *chromium_binary(void)
{
    static const char *const names[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                        "/usr/bin/google-chrome"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (access(names[i], X_OK) == 0)
            return names[i];
    return NULL;
}

/* Renders file://path#fragment with headless Chromium; returns the serialised DOM. */
static char *dump_dom(const char *html, const char *fragment)
{
    const char *chromium = chromium_binary();
    if (!chromium)
        fail_msg("chromium is not installed: apt-get install -y --no-install-recommends chromium");
    char *file = fx_tmpfile(html, ".html");
    char profile[] = "/tmp/tlspath-chromium-XXXXXX";
    assert_non_null(mkdtemp(profile));
    char *cmd = tp_asprintf(
        "timeout 60 %s --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--disable-dev-shm-usage --user-data-dir='%s' --dump-dom 'file://%s%s' 2>/dev/null",
        chromium, profile, file, fragment);
    int st;
    char *dom = fx_capture(cmd, &st);
    if (st != 0)
        fail_msg("chromium exited %d", st);
    char *rm = tp_asprintf("rm -rf '%s'", profile);
    assert_int_equal(system(rm), 0);
    free(rm);
    free(cmd);
    unlink(file);
    free(file);
    return dom;
}

/* The rendered element with id="ID" ... >TEXT< : its text. */
static void assert_count(const char *dom, const char *key, size_t want)
{
    char *needle = tp_asprintf("id=\"count-%s\" data-count=\"%zu\">%zu<", key, want, want);
    if (!strstr(dom, needle))
        fail_msg("rendered DOM lacks %s", needle);
    free(needle);
}

static void test_self_contained(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *html = render(&f.run);
    char *data, *rest;
    split_data(html, &data, &rest);
    /* outside the data, nothing that could load anything from anywhere */
    const char *banned[] = {"http://", "https://", "src=", "href=", "url(", "@import", "<link",
                            "<iframe", "<img", "//cdn", "fetch(", "XMLHttpRequest"};
    /* the SVG namespace name is an identifier the DOM API needs, never fetched */
    char *ns;
    while ((ns = strstr(rest, "'http://www.w3.org/2000/svg'")) != NULL)
        memset(ns, '_', strlen("'http://www.w3.org/2000/svg'"));
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strstr(rest, banned[i]))
            fail_msg("page contains %s outside the data block", banned[i]);
    assert_non_null(strstr(rest, "default-src 'none'"));
    assert_int_equal(fx_count(html, "<script"), 2);   /* the data block and the renderer */
    assert_int_equal(fx_count(rest, "<script"), 1);
    /* the data block holds no '<' at all, so nothing in it can end the element */
    assert_null(strchr(data, '<'));
    assert_null(strchr(data, '>'));
    assert_non_null(strstr(data, "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"));
    /* and it is the JSON report */
    cJSON *doc = cJSON_Parse(data);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "results")), 12);
    cJSON_Delete(doc);
    free(data);
    free(rest);
    free(html);
    fx_free(&f);
}

/* The data block is streamed result by result (report_json.c): its text is exactly the whole
 * document printed unformatted, with only '<', '>' and '&' written as \u escapes. */
static void test_data_streamed_equals_document(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *html = render(&f.run);
    char *data, *rest;
    split_data(html, &data, &rest);
    cJSON *doc = tp_report_json_build(&f.run);
    assert_non_null(doc);
    char *whole = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    size_t cap = strlen(whole) * 6 + 1, n = 0;
    char *want = malloc(cap);
    assert_non_null(want);
    for (const char *p = whole; *p; p++)
        n += (size_t)(*p == '<' ? snprintf(want + n, cap - n, "\\u003c")
                      : *p == '>' ? snprintf(want + n, cap - n, "\\u003e")
                      : *p == '&' ? snprintf(want + n, cap - n, "\\u0026")
                                  : snprintf(want + n, cap - n, "%c", *p));
    assert_string_equal(data, want);
    free(want);
    cJSON_free(whole);
    free(data);
    free(rest);
    free(html);
    fx_free(&f);
}

static void test_rendered_counts(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *html = render(&f.run);
    char *dom = dump_dom(html, "");
    assert_count(dom, "probes", 12);
    assert_count(dom, "ok", 3);
    assert_count(dom, "warn", 2);
    assert_count(dom, "fail", 6);
    assert_count(dom, "skipped", 1);
    assert_count(dom, "required_failed", 2);
    assert_non_null(strstr(dom, "id=\"verdict\" data-verdict=\"fail\">FAIL<"));
    /* the matrix: one coloured cell per probe */
    assert_int_equal(fx_count(dom, "class=\"mark st-ok\" data-status=\"ok\""), 3);
    assert_int_equal(fx_count(dom, "class=\"mark st-warn\" data-status=\"warn\""), 2);
    assert_int_equal(fx_count(dom, "class=\"mark st-fail\" data-status=\"fail\""), 6);
    assert_int_equal(fx_count(dom, "class=\"mark st-skipped\" data-status=\"skipped\""), 1);
    assert_non_null(strstr(dom, "<tr data-endpoint=\"" FX_LONG_ID "\" data-service=\"edr\">"));
    assert_non_null(strstr(dom, "<tr data-path=\"corp-auth\">"));
    /* no details until a cell is chosen */
    assert_non_null(strstr(dom, "<section id=\"details\" hidden=\"\"></section>"));
    free(dom);
    free(html);
    fx_free(&f);
}

/* #r0 opens the details of result 0 (maps-cp-us via direct, the hostile subject). */
static void test_details_and_hostile_subject(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *html = render(&f.run);
    char *dom = dump_dom(html, "#r0");
    assert_non_null(strstr(dom, "<section id=\"details\" data-result=\"0\">"));
    /* the subject is text: its markup is serialised escaped, never as an element */
    assert_non_null(strstr(dom, "<dd>CN=&lt;script&gt;alert(1)&lt;/script&gt;, O=\"Quo\\\"ted\" \\Back slash "
                                "\xEF\xBF\xBD\xEF\xBF\xBD</dd>"));
    assert_null(strstr(dom, "<script>alert"));
    assert_int_equal(fx_count(dom, "<script"), 2);
    /* the cell's details: chain, CRLs, timings, SSLOptions */
    assert_non_null(strstr(dom, "<dd>AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=</dd>"));
    assert_non_null(strstr(dom, "<td>http://crl.lab.test/int.crl</td><td>direct</td><td>200</td>"));
    assert_non_null(strstr(dom, "<dt>3 (pinning + revocation)</dt><dd>pass</dd>"));
    assert_non_null(strstr(dom, "<dt>dns</dt><dd>1.3</dd>"));
    free(dom);

    /* result 1: maps-cp-us via corp — Windows error and remediation shown */
    dom = dump_dom(html, "#r1");
    assert_non_null(strstr(dom, "<p class=\"remediation\">Exclude *.wd.microsoft.com from TLS inspection on proxy corp</p>"));
    assert_non_null(strstr(dom, "<dt>Windows error</dt><dd>0x80072F8F</dd>"));
    assert_non_null(strstr(dom, "<dt>re-signing CA</dt><dd>CN=Corp Inspection CA, O=Example Corp</dd>"));
    free(dom);
    free(html);
    fx_free(&f);
}

static void test_no_credentials(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    tp_result *r = &f.run.results[FX_EP_MAPS * FX_N_PATHS + FX_P_AUTH];
    free(r->error_message);
    r->error_message = tp_strdup("echo: " FX_USERNAME ":" FX_PASSWORD);
    char *html = render(&f.run);
    assert_false(fx_leaks_secret(html));
    char *dom = dump_dom(html, "#r2");
    assert_false(fx_leaks_secret(dom));
    assert_non_null(strstr(dom, "<dd>proxy_auth_required: echo: [redacted]</dd>"));
    free(dom);
    free(html);
    fx_free(&f);
}

/* "What to change" comes first: one entry per action with its rules and probe buttons,
 * then the run's warnings. */
static void test_actions_and_warnings(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    if (tp_strlist_add(&f.run.warnings, "trust anchor <b>X</b> expired") != 0)
        fail();
    char *html = render(&f.run);
    char *dom = dump_dom(html, "");
    const char *act = strstr(dom, "<ol id=\"actions\"><li data-status=\"fail\"");
    assert_non_null(act);
    assert_true(act < strstr(dom, "id=\"summary\""));
    assert_true(act < strstr(dom, "id=\"matrix\""));
    assert_non_null(strstr(dom, "<span class=\"where\">proxy corp (10.0.0.6:8080)</span>"));
    assert_non_null(strstr(dom, "<p class=\"warning\">Warning: trust anchor &lt;b&gt;X&lt;/b&gt; expired</p>"));
    /* every failed or warned probe has its button under exactly one action */
    assert_int_equal(fx_count(dom, "<details class=\"probes\">"), fx_count(dom, "<li data-status="));
    size_t buttons = fx_count(dom, "<button type=\"button\" data-result=");
    assert_int_equal(buttons, 8);   /* 6 fail + 2 warn */
    assert_null(strstr(dom, "data-result=\"-1\""));
    free(dom);
    free(html);
    fx_free(&f);
}

/* The filters (status, service, path, text, also from #filter=...), the causes, the
 * provenance line, and a waterfall of the phases in a probe's details. A screenshot of
 * the filtered page is left in the build directory for a human to look at. */
static void test_filters_waterfall_provenance(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *html = render(&f.run);
    char *dom = dump_dom(html, "");
    assert_non_null(strstr(dom, "<span id=\"f-count\" data-shown=\"12\">12 of 12 probes</span>"));
    assert_non_null(strstr(dom, "<p id=\"provenance\">Run on "));
    /* the cells say why, as the table does */
    assert_non_null(strstr(dom, "title=\"maps-cp-us via corp: intercepted\">FAIL MITM</button>"));
    assert_non_null(strstr(dom, "catalog fixture (4 endpoints, sha256:"));
    assert_non_null(strstr(dom, "<li data-code=\"intercepted\"><code>intercepted</code>"));
    assert_non_null(strstr(dom, "<option>corp-auth</option>"));
    assert_non_null(strstr(dom, "<option>mma</option>"));
    free(dom);

    /* failures only, on path corp: one probe (maps-cp-us via corp) stays */
    dom = dump_dom(html, "#filter=status:fail,path:corp");
    assert_non_null(strstr(dom, "data-shown=\"2\">2 of 12 probes"));
    assert_non_null(strstr(dom, "<th scope=\"col\" data-path=\"direct\" class=\"col-hidden\">"));
    assert_non_null(strstr(dom, "<tr data-endpoint=\"maps-cp-us\" data-service=\"maps\">"));
    assert_non_null(strstr(dom, "<tr data-endpoint=\"crl-ms\" data-service=\"crl\" class=\"filtered\">"));
    free(dom);
    dom = dump_dom(html, "#filter=text:nxdomain");
    assert_non_null(strstr(dom, "data-shown=\"1\">1 of 12 probes"));
    free(dom);

    /* the waterfall: one bar per phase reached, in order, sized by its time */
    dom = dump_dom(html, "#r0");
    assert_non_null(strstr(dom, "<svg class=\"waterfall\""));
    const char *dns = strstr(dom, "data-phase=\"dns\" data-ms=\"1.3\"");
    const char *tls = strstr(dom, "data-phase=\"tls\"");
    assert_non_null(dns);
    assert_non_null(tls);
    assert_true(dns < tls);
    free(dom);

    /* a screenshot for the test log */
    const char *chromium = chromium_binary();
    char *file = fx_tmpfile(html, ".html");
    char profile[] = "/tmp/tlspath-chromium-XXXXXX";
    assert_non_null(mkdtemp(profile));
    char *cmd = tp_asprintf("timeout 60 %s --headless --no-sandbox --disable-gpu --no-first-run "
                            "--disable-background-networking --user-data-dir='%s' --window-size=1280,1600 "
                            "--screenshot='%s/tlspath-report-html.png' 'file://%s#r1' >/dev/null 2>&1",
                            chromium, profile, TLSPATH_BINARY_DIR, file);
    assert_int_equal(system(cmd), 0);
    char *png = tp_asprintf("%s/tlspath-report-html.png", TLSPATH_BINARY_DIR);
    FILE *shot = fopen(png, "rb");
    assert_non_null(shot);
    unsigned char sig[8];
    assert_int_equal(fread(sig, 1, 8, shot), 8);
    fclose(shot);
    assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
    printf("screenshot: %s\n", png);
    char *rm = tp_asprintf("rm -rf '%s'", profile);
    assert_int_equal(system(rm), 0);
    unlink(file);
    free(rm);
    free(png);
    free(cmd);
    free(file);
    free(html);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_waterfall_provenance),
        cmocka_unit_test(test_actions_and_warnings),
        cmocka_unit_test(test_self_contained),
        cmocka_unit_test(test_data_streamed_equals_document),
        cmocka_unit_test(test_rendered_counts),
        cmocka_unit_test(test_details_and_hostile_subject),
        cmocka_unit_test(test_no_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
