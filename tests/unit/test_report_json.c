/* test_report_json.c — the JSON report against the SPEC's contract: validated with
 * docs/report.schema.json by python3-jsonschema, then field by field with cJSON on the
 * fixture run (hostile strings, credentials, nulls where phases were not reached). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture_run.h"
#include "report/report.h"
#include "report/report_util.h"
#include "report/provenance.h"

/* Validates the JSON text against the schema with python3-jsonschema; returns its exit. */
static int schema_validate(const char *json_text, bool quiet)
{
    char *file = fx_tmpfile(json_text, ".json");
    char *cmd = tp_asprintf(
        "python3 -c 'import json,sys,jsonschema\n"
        "s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))\n"
        "jsonschema.Draft202012Validator.check_schema(s)\n"
        "jsonschema.Draft202012Validator(s).validate(d)' '%s/docs/report.schema.json' '%s'%s",
        TLSPATH_SOURCE_DIR, file, quiet ? " 2>/dev/null" : "");
    assert_non_null(cmd);
    int st = system(cmd);
    unlink(file);
    free(file);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *render(const tp_run *run)
{
    int rc;
    char *text = fx_render(run, tp_report_json, &rc);
    assert_int_equal(rc, 0);
    return text;
}

/* Every byte sequence decodes as valid UTF-8 (U+FFFD only where written as EF BF BD). */
static void assert_valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t used = tp_utf8_decode(p + i, n - i, &cp);
        if (cp == 0xFFFD)
            assert_int_equal(used, 3);
        i += used;
    }
}

static cJSON *result_at(cJSON *doc, size_t ep, size_t path)
{
    cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "results"), (int)(ep * FX_N_PATHS + path));
    assert_non_null(r);
    return r;
}

static const char *str_at(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(o, key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static double num_at(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(o, key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void assert_null_at(cJSON *o, const char *key)
{
    cJSON *v = cJSON_GetObjectItem(o, key);
    assert_non_null(v);   /* present ... */
    assert_true(cJSON_IsNull(v));   /* ... and null */
}

static void test_schema_valid(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    assert_int_equal(schema_validate(text, false), 0);
    free(text);
    fx_free(&f);
}

/* The report is streamed result by result (a large run never holds the whole document);
 * the bytes are exactly those of the whole document printed at once. */
static void test_streamed_equals_document(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    assert_true(f.run.n_results > 1);
    char *text = render(&f.run);
    cJSON *doc = tp_report_json_build(&f.run);
    assert_non_null(doc);
    char *whole = cJSON_Print(doc);
    cJSON_Delete(doc);
    size_t wl = strlen(whole);
    assert_int_equal(strlen(text), wl + 1);   /* and a final newline */
    assert_memory_equal(text, whole, wl);
    assert_int_equal(text[wl], '\n');
    cJSON_free(whole);
    free(text);
    fx_free(&f);
}

/* The schema is not a rubber stamp: a report missing a contract key fails it. */
static void test_schema_rejects_broken(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    cJSON *doc = tp_report_json_build(&f.run);
    assert_non_null(doc);
    cJSON_DeleteItemFromObject(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "results"), 0), "status");
    char *text = cJSON_Print(doc);
    assert_int_not_equal(schema_validate(text, true), 0);
    cJSON_free(text);
    cJSON_Delete(doc);
    fx_free(&f);
}

static void test_top_level(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    cJSON *tool = cJSON_GetObjectItem(doc, "tool");
    assert_string_equal(str_at(tool, "name"), "tlspath");
    assert_string_equal(str_at(tool, "version"), TLSPATH_VERSION);
    assert_string_equal(str_at(doc, "started_at"), "2026-11-23T09:12:12.345Z");
    assert_string_equal(str_at(doc, "finished_at"), "2026-11-23T09:12:24.690Z");
    assert_true(num_at(doc, "duration_ms") == 12345);

    cJSON *s = cJSON_GetObjectItem(doc, "summary");
    assert_true(num_at(s, "probes") == 12);
    assert_true(num_at(s, "ok") == 3);
    assert_true(num_at(s, "warn") == 2);
    assert_true(num_at(s, "fail") == 6);
    assert_true(num_at(s, "skipped") == 1);
    assert_true(num_at(s, "required_failed") == 2);
    assert_string_equal(str_at(s, "verdict"), "fail");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "results")), 12);

    cJSON *paths = cJSON_GetObjectItem(doc, "paths");
    assert_int_equal(cJSON_GetArraySize(paths), 3);
    cJSON *direct = cJSON_GetArrayItem(paths, 0), *corp = cJSON_GetArrayItem(paths, 1),
          *auth = cJSON_GetArrayItem(paths, 2);
    assert_string_equal(str_at(direct, "type"), "direct");
    assert_null_at(direct, "proxy");
    assert_null_at(direct, "auth");
    assert_string_equal(str_at(corp, "type"), "http");
    assert_string_equal(str_at(corp, "proxy"), "10.0.0.6:8080");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(corp, "inspection_expected")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(corp, "inspection_observed")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(direct, "inspection_observed")));
    assert_string_equal(str_at(corp, "crl_via"), "direct");
    assert_string_equal(str_at(auth, "proxy"), "proxy.corp:3128");
    assert_string_equal(str_at(auth, "auth"), "basic");
    assert_string_equal(str_at(auth, "fallback"), "direct");
    cJSON_Delete(doc);
    free(text);
    fx_free(&f);
}

static void test_ok_result(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    cJSON *doc = cJSON_Parse(text);
    cJSON *r = result_at(doc, FX_EP_MAPS, FX_P_DIRECT);
    cJSON *ep = cJSON_GetObjectItem(r, "endpoint");
    assert_string_equal(str_at(ep, "id"), "maps-cp-us");
    assert_string_equal(str_at(ep, "service"), "maps");
    assert_string_equal(str_at(ep, "host"), "unitedstates.cp.wd.microsoft.com");
    assert_true(num_at(ep, "port") == 443);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ep, "required")));
    assert_string_equal(str_at(ep, "geography"), "US");
    assert_string_equal(str_at(r, "path"), "direct");
    assert_null_at(r, "used_path");
    assert_string_equal(str_at(r, "status"), "ok");
    assert_string_equal(str_at(r, "phase"), "done");
    assert_null_at(r, "error");

    cJSON *t = cJSON_GetObjectItem(r, "timings_ms");
    assert_true(num_at(t, "dns") == 1.3);       /* 1.26 rounded to 0.1 ms */
    assert_true(num_at(t, "connect") == 2.0);   /* 2.04 */
    assert_null_at(t, "proxy");                 /* not reached: null, not -1 */
    assert_true(num_at(t, "revocation") == 7.0);

    cJSON *dns = cJSON_GetObjectItem(r, "dns");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(dns, "addresses"), 0)->valuestring,
                        "192.0.2.10");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(dns, "cnames"), 0)->valuestring,
                        "unitedstates.cp.wd.microsoft.com.edgekey.net");
    assert_string_equal(str_at(dns, "resolver"), "10.0.0.53:53");

    cJSON *http = cJSON_GetObjectItem(r, "http");
    assert_true(num_at(http, "status") == 404);
    assert_true(cJSON_GetArrayItem(cJSON_GetObjectItem(http, "expected"), 0)->valuedouble == 404);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(http, "ok")));

    cJSON *tls = cJSON_GetObjectItem(r, "tls");
    assert_string_equal(str_at(tls, "version"), "TLSv1.2");
    cJSON *chain = cJSON_GetObjectItem(tls, "chain");
    assert_int_equal(cJSON_GetArraySize(chain), 3);
    cJSON *leaf = cJSON_GetArrayItem(chain, 0);
    assert_string_equal(str_at(leaf, "serial"), "1001");
    assert_string_equal(str_at(leaf, "spki_sha256"), "AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(leaf, "crl_urls"), 0)->valuestring,
                        "http://crl.lab.test/int.crl");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(tls, "trusted")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(tls, "hostname_ok")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(tls, "expired")));

    cJSON *pin = cJSON_GetObjectItem(r, "pinning");
    assert_string_equal(str_at(pin, "pinset"), "microsoft");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(pin, "matched")));
    cJSON *rev = cJSON_GetObjectItem(r, "revocation");
    assert_string_equal(str_at(rev, "status"), "good");
    cJSON *crl0 = cJSON_GetArrayItem(cJSON_GetObjectItem(rev, "crls"), 0);
    assert_string_equal(str_at(crl0, "url"), "http://crl.lab.test/int.crl");
    assert_true(num_at(crl0, "http_status") == 200);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(crl0, "fetched")));
    assert_string_equal(str_at(crl0, "path"), "direct");
    assert_null_at(crl0, "error");
    cJSON *ssl = cJSON_GetObjectItem(r, "ssloptions");
    assert_string_equal(str_at(ssl, "3"), "pass");
    assert_string_equal(str_at(ssl, "0"), "pass");
    assert_null_at(r, "windows_error");
    assert_null_at(r, "remediation");
    assert_null_at(r, "proxy");
    cJSON_Delete(doc);
    free(text);
    fx_free(&f);
}

static void test_failures(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    cJSON *doc = cJSON_Parse(text);

    cJSON *r = result_at(doc, FX_EP_MAPS, FX_P_CORP);   /* intercepted */
    assert_string_equal(str_at(r, "status"), "fail");
    assert_string_equal(str_at(r, "phase"), "verify");
    assert_string_equal(str_at(cJSON_GetObjectItem(r, "error"), "code"), "intercepted");
    cJSON *ic = cJSON_GetObjectItem(r, "interception");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ic, "detected")));
    assert_string_equal(str_at(ic, "issuer"), "CN=Corp Inspection CA, O=Example Corp");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "pinning"), "matched")));
    cJSON *ssl = cJSON_GetObjectItem(r, "ssloptions");
    assert_string_equal(str_at(ssl, "3"), "fail");
    assert_string_equal(str_at(ssl, "2"), "fail");
    assert_string_equal(str_at(ssl, "1"), "pass");
    assert_string_equal(str_at(r, "windows_error"), "0x80072F8F");
    assert_null_at(r, "dns");   /* the proxy resolved, not us */
    assert_true(num_at(cJSON_GetObjectItem(r, "proxy"), "status") == 200);

    r = result_at(doc, FX_EP_MAPS, FX_P_AUTH);   /* 407 */
    assert_string_equal(str_at(r, "phase"), "proxy");
    cJSON *px = cJSON_GetObjectItem(r, "proxy");
    assert_true(num_at(px, "status") == 407);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(px, "auth_schemes"), 1)->valuestring,
                        "NTLM");
    assert_string_equal(str_at(cJSON_GetObjectItem(r, "error"), "message"), FX_HOSTILE_MESSAGE);
    assert_null_at(r, "tls");
    assert_null_at(r, "http");
    assert_null_at(r, "ssloptions");
    assert_null_at(r, "pinning");
    assert_string_equal(str_at(cJSON_GetObjectItem(r, "revocation"), "status"), "not_checked");

    r = result_at(doc, FX_EP_EDR, FX_P_DIRECT);   /* NXDOMAIN */
    assert_string_equal(str_at(cJSON_GetObjectItem(r, "error"), "code"), "dns_nxdomain");
    assert_string_equal(str_at(cJSON_GetObjectItem(r, "dns"), "resolver"), "system");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "dns"), "addresses")), 0);

    r = result_at(doc, FX_EP_EDR, FX_P_AUTH);   /* fallback + CRL unreachable */
    assert_string_equal(str_at(r, "status"), "warn");
    assert_string_equal(str_at(r, "used_path"), "direct");
    cJSON *rev = cJSON_GetObjectItem(r, "revocation");
    assert_string_equal(str_at(rev, "status"), "unreachable");
    assert_string_equal(str_at(rev, "reason"), "CRL timed out");
    cJSON *crl0 = cJSON_GetArrayItem(cJSON_GetObjectItem(rev, "crls"), 0);
    assert_true(num_at(crl0, "http_status") == 0);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(crl0, "fetched")));
    assert_string_equal(str_at(crl0, "error"), "timeout after 5000 ms");
    assert_true(num_at(cJSON_GetObjectItem(r, "timings_ms"), "revocation") == 5000.0);

    r = result_at(doc, FX_EP_MMA, FX_P_AUTH);   /* revoked */
    assert_string_equal(str_at(cJSON_GetObjectItem(r, "revocation"), "status"), "revoked");
    r = result_at(doc, FX_EP_CRL, FX_P_AUTH);
    assert_string_equal(str_at(r, "status"), "skipped");
    r = result_at(doc, FX_EP_MMA, FX_P_DIRECT);
    assert_null_at(r, "tls");
    assert_null_at(r, "remediation");
    cJSON_Delete(doc);
    free(text);
    fx_free(&f);
}

static void test_hostile_strings(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    assert_valid_utf8(text);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    cJSON *leaf = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(result_at(doc, FX_EP_MAPS, FX_P_DIRECT), "tls"), "chain"), 0);
    /* markup, quotes and backslash survive exactly, the newline reads as a space (no
     * control character leaves a sink); \xff\xfe became two U+FFFD */
    assert_string_equal(str_at(leaf, "subject"),
                        "CN=<script>alert(1)</script>, O=\"Quo\\\"ted\" \\Back slash \xEF\xBF\xBD\xEF\xBF\xBD");
    /* control characters are dropped (issue 15): neither raw nor \u-escaped, so a
     * consumer printing a field cannot be steered by an escape sequence */
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\a'));
    assert_null(strstr(text, "\\u001b"));
    const char *msg = str_at(cJSON_GetObjectItem(result_at(doc, FX_EP_EDR, FX_P_DIRECT), "error"), "message");
    assert_non_null(strstr(msg, "[31mred"));
    assert_null(strchr(msg, '\x1b'));
    cJSON_Delete(doc);
    free(text);
    fx_free(&f);
}

static void test_no_credentials(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    /* even text that echoes the secret (a proxy error page) is redacted */
    free(f.run.results[FX_EP_EDR * FX_N_PATHS + FX_P_CORP].error_message);
    f.run.results[FX_EP_EDR * FX_N_PATHS + FX_P_CORP].error_message =
        tp_strdup("proxy echoed Authorization: " FX_USERNAME ":" FX_PASSWORD);
    char *text = render(&f.run);
    assert_false(fx_leaks_secret(text));
    assert_null(strstr(text, "Authorization: " FX_USERNAME));   /* the pair went whole */
    assert_non_null(strstr(text, TP_REDACTED));
    free(text);
    fx_free(&f);
}

/* A run with nothing in it (no config, no results) is still a valid report. */
static void test_empty_run(void **state)
{
    (void)state;
    tp_run run;
    memset(&run, 0, sizeof run);
    char *text = render(&run);
    assert_int_equal(schema_validate(text, false), 0);
    cJSON *doc = cJSON_Parse(text);
    assert_string_equal(str_at(cJSON_GetObjectItem(doc, "summary"), "verdict"), "pass");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "results")), 0);
    assert_string_equal(str_at(doc, "started_at"), "1970-01-01T00:00:00.000Z");
    cJSON_Delete(doc);
    free(text);
}

/* actions[]: one entry per (where, what), most impact first, each naming its rules and
 * the probes it covers; every failed or warned probe is in exactly one action. */
static void test_actions(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    cJSON *acts = cJSON_GetObjectItem(doc, "actions");
    assert_true(cJSON_IsArray(acts));
    assert_true(cJSON_GetArraySize(acts) > 0);
    size_t covered = 0, prev = (size_t)-1;
    bool seen_warn = false;
    cJSON *a;
    cJSON_ArrayForEach(a, acts) {
        const char *status = str_at(a, "status");
        size_t count = (size_t)num_at(a, "count");
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(a, "probes")), (int)count);
        assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(a, "rules")) > 0);
        assert_non_null(strstr(str_at(a, "line"), str_at(a, "where")));
        /* failures first; within a status, more probes first */
        if (!strcmp(status, "warn"))
            seen_warn = true;
        else
            assert_false(seen_warn);
        if (!seen_warn || strcmp(status, "warn") == 0)
            assert_true(prev == (size_t)-1 || count <= prev || (seen_warn && !strcmp(status, "warn")));
        prev = count;
        covered += count;
    }
    cJSON *sum = cJSON_GetObjectItem(doc, "summary");
    assert_int_equal(covered, (size_t)(num_at(sum, "fail") + num_at(sum, "warn")));
    /* each result's cause, as the table's cell says it */
    assert_string_equal(str_at(result_at(doc, FX_EP_MAPS, FX_P_CORP), "cause"), "MITM");
    assert_string_equal(str_at(result_at(doc, FX_EP_MAPS, FX_P_AUTH), "cause"), "407");
    assert_null_at(result_at(doc, FX_EP_MAPS, FX_P_DIRECT), "cause");
    assert_false(fx_leaks_secret(text));
    cJSON_Delete(doc);
    free(text);
    fx_free(&f);
}

/* provenance: host, version, catalogs and a config digest that follows the effective
 * settings but never the secret. */
static void test_provenance(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    char *text = render(&f.run);
    cJSON *doc = cJSON_Parse(text);
    cJSON *pv = cJSON_GetObjectItem(doc, "provenance");
    assert_non_null(pv);
    assert_string_equal(str_at(pv, "tool_version"), TLSPATH_VERSION);
    assert_true(strlen(str_at(pv, "host")) > 0);
    cJSON *cat = cJSON_GetArrayItem(cJSON_GetObjectItem(pv, "catalogs"), 0);
    assert_string_equal(str_at(cat, "name"), "fixture");
    assert_int_equal((int)num_at(cat, "endpoints"), 4);
    const char *d0 = str_at(cJSON_GetObjectItem(pv, "config"), "digest");
    assert_int_equal(strlen(d0), 23);
    assert_int_equal(strncmp(d0, "sha256:", 7), 0);
    char a[32], b[32], c[32];
    tp_config_digest(&f.cfg, a);
    assert_string_equal(a, d0);
    /* another password: same digest; another proxy port: another digest */
    free(f.cfg.paths[FX_P_AUTH].password);
    f.cfg.paths[FX_P_AUTH].password = fx_s("other-password");
    tp_config_digest(&f.cfg, b);
    assert_string_equal(a, b);
    f.cfg.paths[FX_P_CORP].proxy_port = 8081;
    tp_config_digest(&f.cfg, c);
    assert_string_not_equal(a, c);
    cJSON_Delete(doc);
    free(text);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provenance),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_schema_valid),
        cmocka_unit_test(test_streamed_equals_document),
        cmocka_unit_test(test_schema_rejects_broken),
        cmocka_unit_test(test_top_level),
        cmocka_unit_test(test_ok_result),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_no_credentials),
        cmocka_unit_test(test_empty_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
