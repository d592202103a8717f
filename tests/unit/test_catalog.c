/* test_catalog.c — URL parsing, catalog loading/validation (built-in, files, hostile
 * input) and endpoint selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/catalog.h"
#include "base/embedded.h"

#define FIXTURE(name) TLSPATH_SOURCE_DIR "/tests/data/catalog/" name

/* ---------- tp_url_parse ---------- */

static void url_ok(const char *url, const char *scheme, const char *host, int port,
                   const char *path)
{
    char *s = NULL, *h = NULL, *p = NULL;
    int prt = 0;
    if (tp_url_parse(url, &s, &h, &prt, &p) != 0)
        fail_msg("tp_url_parse rejected %s", url);
    assert_string_equal(s, scheme);
    assert_string_equal(h, host);
    assert_int_equal(prt, port);
    assert_string_equal(p, path);
    free(s);
    free(h);
    free(p);
}

static void url_bad(const char *url)
{
    char *s = NULL, *h = NULL, *p = NULL;
    int prt = 0;
    if (tp_url_parse(url, &s, &h, &prt, &p) == 0)
        fail_msg("tp_url_parse accepted %s", url);
    assert_null(s);
    assert_null(h);
    assert_null(p);
}

static void test_url_parse_valid(void **state)
{
    (void)state;
    url_ok("https://unitedstates.cp.wd.microsoft.com/wdcp.svc/bond/submitReport/test", "https",
           "unitedstates.cp.wd.microsoft.com", 443, "/wdcp.svc/bond/submitReport/test");
    url_ok("http://crl.microsoft.com", "http", "crl.microsoft.com", 80, "/");
    url_ok("HTTPS://WinATP-GW-CUS.Microsoft.COM:8443/a/B", "https", "winatp-gw-cus.microsoft.com",
           8443, "/a/B");
    url_ok("https://go.microsoft.com/fwlink/?linkid=2120136", "https", "go.microsoft.com", 443,
           "/fwlink/?linkid=2120136");
    url_ok("https://h.example?x=1", "https", "h.example", 443, "/?x=1");
    url_ok("http://[::1]:8080/p", "http", "::1", 8080, "/p");
    url_ok("https://[2001:DB8::1]/", "https", "2001:db8::1", 443, "/");
    url_ok("http://127.0.0.1:65535/#frag", "http", "127.0.0.1", 65535, "/");
    url_ok("http://h:1/", "http", "h", 1, "/");
}

static void test_url_parse_invalid(void **state)
{
    (void)state;
    url_bad("");
    url_bad("ftp://a");
    url_bad("https//a");
    url_bad("https://");
    url_bad("https:///path");
    url_bad("https://a:0/");
    url_bad("https://a:65536/");
    url_bad("https://a:/");
    url_bad("https://a:12x/");
    url_bad("https://user:secret@a/");
    url_bad("https://a b/");
    url_bad("https://a/b c");
    url_bad("https://a..b/");
    url_bad("https://.a/");
    url_bad("https://a*.b/");
    url_bad("https://[::1/");
    url_bad("https://[zz::1]/");
    url_bad("https://[::1]x/");
    url_bad("https://\xC3\xA9.example/");
    url_bad("https://a/\x01");
    {
        char *s = NULL, *h = NULL, *p = NULL;
        int prt;
        assert_int_equal(tp_url_parse(NULL, &s, &h, &prt, &p), -1);
        assert_int_equal(tp_url_parse("https://a/", NULL, &h, &prt, &p), -1);
    }
}

/* ---------- built-in catalog ---------- */

static const tp_endpoint *find_url(const tp_catalog *c, const char *url)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->endpoints[i].url, url) == 0)
            return &c->endpoints[i];
    return NULL;
}

static const tp_endpoint *find_id(const tp_catalog *c, const char *id)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->endpoints[i].id, id) == 0)
            return &c->endpoints[i];
    return NULL;
}

static void test_builtin_loads(void **state)
{
    static const char *const services[] = {"maps", "update", "adl", "submission", "crl",
                                           "diagnostics", "edr", "mma", "smartscreen",
                                           "defender-core", "live-response", "vm-scanner",
                                           "reflector", "security-management"};
    tp_catalog c;
    char err[512] = "";
    (void)state;
    if (tp_catalog_load_builtin(&c, err, sizeof err) != 0)
        fail_msg("built-in catalog: %s", err);
    assert_true(c.n >= 100);
    assert_string_equal(c.file, "<built-in>");
    assert_non_null(c.name);
    assert_non_null(c.version);
    assert_non_null(c.date);
    for (size_t i = 0; i < c.n; i++) {
        const tp_endpoint *e = &c.endpoints[i];
        bool known = false;
        /* every built-in endpoint names its clouds, and a conditional one its condition */
        assert_true(e->clouds.n > 0);
        if (e->requirement == TP_REQ_CONDITIONAL)
            assert_non_null(e->condition);
        assert_true(e->required == (e->requirement == TP_REQ_REQUIRED));
        assert_non_null(e->source);
        assert_true(strlen(e->source) > 10);
        for (size_t k = 0; k < sizeof services / sizeof services[0]; k++)
            known = known || strcmp(services[k], e->service) == 0;
        if (!known)
            fail_msg("%s: unknown service %s", e->id, e->service);
        assert_true(e->n_expect_status > 0);
        assert_true(e->onboarding.n > 0);
        assert_true(e->os.n > 0);
        /* kebab-case ids */
        for (const char *p = e->id; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                fail_msg("id not kebab-case: %s", e->id);
        /* the CRL path is plain HTTP by nature */
        if (strcmp(e->service, "crl") == 0)
            assert_string_equal(e->scheme, "http");
    }
    tp_catalog_free(&c);
}

static void test_builtin_content(void **state)
{
    static const char *const blobs[] = {
        "ussus1eastprod", "ussus2eastprod", "ussus3eastprod", "ussus4eastprod", "wsus1eastprod",
        "wsus2eastprod", "ussus1westprod", "ussus2westprod", "ussus3westprod", "ussus4westprod",
        "wsus1westprod", "wsus2westprod", "usseu1northprod", "wseu1northprod", "usseu1westprod",
        "wseu1westprod", "ussuk1southprod", "wsuk1southprod", "ussuk1westprod", "wsuk1westprod"};
    tp_catalog c;
    char err[512] = "", url[128];
    const tp_endpoint *e;
    (void)state;
    assert_int_equal(tp_catalog_load_builtin(&c, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof blobs / sizeof blobs[0]; i++) {
        snprintf(url, sizeof url, "https://%s.blob.core.windows.net/", blobs[i]);
        e = find_url(&c, url);
        if (!e)
            fail_msg("missing submission host %s", url);
        assert_string_equal(e->service, "submission");
        /* Microsoft: exclude the MDE-specific storage accounts from inspection */
        assert_false(e->inspection_allowed);
        assert_null(e->pinset);
        assert_string_equal(e->wildcard, "*.blob.core.windows.net");
    }
    /* anchors TSV facts: method, status, pinning */
    e = find_url(&c, "https://unitedstates.cp.wd.microsoft.com/wdcp.svc/bond/submitReport/test");
    assert_non_null(e);
    assert_string_equal(e->service, "maps");
    assert_string_equal(e->pinset, "microsoft");
    assert_false(e->inspection_allowed);
    assert_int_equal(e->n_expect_status, 1);
    assert_int_equal(e->expect_status[0], 404);
    e = find_url(&c, "https://mdav.au.endpoint.security.microsoft.com/packages/?ostype=mac");
    assert_non_null(e);
    assert_string_equal(e->method, "HEAD");
    assert_string_equal(e->path, "/packages/?ostype=mac");
    assert_string_equal(e->geography, "AU");
    assert_true(tp_strlist_has(&e->onboarding, "streamlined"));
    e = find_url(&c, "https://winatp-gw-ukw.microsoft.com/commands/test");
    assert_non_null(e);
    assert_string_equal(e->service, "edr");
    assert_string_equal(e->geography, "UK");
    assert_int_equal(e->expect_status[0], 200);
    /* CTL downloads and the port-80 ADL entries */
    e = find_url(&c, "http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/"
                     "disallowedcertstl.cab");
    assert_non_null(e);
    assert_string_equal(e->service, "crl");
    assert_int_equal(e->port, 80);
    e = find_id(&c, "adl-go-http");
    assert_non_null(e);
    assert_int_equal(e->port, 80);
    /* diagnostics and MMA placeholders */
    assert_non_null(find_url(&c, "https://vortex-win.data.microsoft.com/"));
    assert_non_null(find_url(&c, "https://settings-win.data.microsoft.com/"));
    e = find_id(&c, "mma-ods");
    assert_non_null(e);
    assert_string_equal(e->host, "workspaceid.ods.opinsights.azure.com");
    assert_non_null(strstr(e->description, "workspace ID"));
    /* standard EDR for at least US, EU, UK */
    assert_non_null(find_url(&c, "https://us-v20.events.data.microsoft.com/"));
    assert_non_null(find_url(&c, "https://eu-v20.events.data.microsoft.com/"));
    assert_non_null(find_url(&c, "https://uk-v20.events.data.microsoft.com/"));
    tp_catalog_free(&c);
}

/* Every URL Microsoft's own connectivity test probes (a copy of
 * ../shared/anchors/mde-test-urls.tsv) is in the built-in catalog with the same method,
 * the expected status, and pinning where that test trusts only the 2011 chain. */
static void test_builtin_matches_anchor_tsv(void **state)
{
    FILE *f = fopen(FIXTURE("mde-test-urls.tsv"), "r");
    char line[1024], err[256];
    tp_catalog c;
    size_t rows = 0;
    (void)state;
    assert_non_null(f);
    assert_int_equal(tp_catalog_load_builtin(&c, err, sizeof err), 0);
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    while (fgets(line, sizeof line, f)) {
        char *save = NULL, *set = strtok_r(line, "\t\n", &save);
        char *method = strtok_r(NULL, "\t\n", &save), *status = strtok_r(NULL, "\t\n", &save);
        char *trust = strtok_r(NULL, "\t\n", &save), *url = strtok_r(NULL, "\t\n", &save);
        const tp_endpoint *e;
        bool status_ok = false;
        if (!set || !url)
            continue;
        rows++;
        e = find_url(&c, url);
        if (!e)
            fail_msg("TSV url missing from the built-in catalog: %s", url);
        assert_string_equal(e->method, method);
        for (size_t k = 0; k < e->n_expect_status; k++)
            status_ok = status_ok || e->expect_status[k] == atoi(status);
        if (!status_ok)
            fail_msg("%s: expect_status lacks %s", url, status);
        if (strcmp(trust, "microsoft-2011") == 0)
            assert_string_equal(e->pinset, "microsoft");
        else
            assert_null(e->pinset);
        assert_true(tp_strlist_has(&e->onboarding, strncmp(set, "streamlined", 11) == 0
                                                        ? "streamlined" : "standard"));
        assert_non_null(strstr(e->source, "mde-test-urls.tsv"));
    }
    assert_true(rows >= 80);
    fclose(f);
    tp_catalog_free(&c);
}

/* ---------- loading from files and memory ---------- */

static void test_load_file_good(void **state)
{
    tp_catalog c;
    char err[512] = "";
    const tp_endpoint *e;
    (void)state;
    if (tp_catalog_load_file(FIXTURE("good.json"), &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.name, "fixture");
    assert_string_equal(c.file, FIXTURE("good.json"));
    e = &c.endpoints[0];
    assert_string_equal(e->method, "GET");
    assert_true(e->required);
    e = &c.endpoints[1];
    assert_string_equal(e->method, "HEAD");
    assert_false(e->required);
    assert_string_equal(e->geography, "US");
    e = &c.endpoints[2];
    assert_string_equal(e->host, "::1");
    assert_int_equal(e->port, 8080);
    assert_string_equal(e->path, "/p?q=1");
    assert_int_equal(e->onboarding.n, 0);
    e = &c.endpoints[3];
    assert_string_equal(e->url, "HTTP://CRL.Example.COM"); /* as written */
    assert_string_equal(e->host, "crl.example.com");
    assert_string_equal(e->scheme, "http");
    assert_string_equal(e->path, "/");
    assert_int_equal(e->n_expect_status, 2);
    assert_int_equal(e->expect_status[1], 301);
    assert_string_equal(e->wildcard, "*.example.com");
    assert_string_equal(e->description, "d");
    tp_catalog_free(&c);
}

static void test_load_file_errors(void **state)
{
    tp_catalog c;
    char err[512] = "";
    (void)state;
    assert_int_equal(tp_catalog_load_file(FIXTURE("bad-url.json"), &c, err, sizeof err), -1);
    assert_string_equal(err, FIXTURE("bad-url.json") ": endpoints[3].url: expected an http:// "
                             "or https:// URL, got \"ftp://a\"");
    assert_int_equal(c.n, 0);
    assert_null(c.endpoints);
    assert_int_equal(tp_catalog_load_file("no/such/catalog.json", &c, err, sizeof err), -1);
    assert_string_equal(err, "no/such/catalog.json: cannot open: No such file or directory");
    assert_int_equal(tp_catalog_load_file(FIXTURE("truncated.json"), &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated.json:"));
    assert_non_null(strstr(err, ": expected valid JSON, got "));
}

static void expect_error(const char *json, const char *msg)
{
    tp_catalog c;
    char err[512] = "";
    if (tp_catalog_load_mem(json, strlen(json), "x.json", &c, err, sizeof err) == 0) {
        tp_catalog_free(&c);
        fail_msg("accepted: %s", json);
    }
    if (strcmp(err, msg) != 0)
        fail_msg("for %s\n got: %s\nwant: %s", json, err, msg);
    assert_int_equal(c.n, 0);
    assert_null(c.name);
}

/* Two endpoints; the second gets `field` set to raw JSON (replacing its default). */
static void expect_field_error(const char *field, const char *raw, const char *msg)
{
    char j[1024];
    bool url = strcmp(field, "url") == 0;
    snprintf(j, sizeof j,
             "{\"name\":\"n\",\"source\":\"s\",\"endpoints\":["
             "{\"id\":\"ok\",\"service\":\"maps\",\"url\":\"https://a.example/\"},"
             "{\"id\":\"x\",\"service\":\"maps\",%s\"%s\":%s}]}",
             url ? "" : "\"url\":\"https://b.example/\",", field, raw);
    expect_error(j, msg);
}

/* Control characters in catalog text (issue 15): `service` and `geography` used to reach
 * `catalog list` and `run --dry-run` raw (clear screen, window title). */
static void test_control_characters_refused(void **state)
{
    (void)state;
    expect_field_error("service", "\"maps\\u001b]0;owned\\u0007\"",
                       "x.json: endpoints[1].service: expected text without control characters, got U+001B at character 5");
    expect_field_error("geography", "\"U\\u009bS\"",
                       "x.json: endpoints[1].geography: expected text without control characters, got U+009B at character 2");
    expect_field_error("source", "\"line one\\nline two\"",
                       "x.json: endpoints[1].source: expected text without control characters, got U+000A at character 9");
    expect_error("{\"name\":\"n\\u0007\",\"source\":\"s\",\"endpoints\":[]}",
                 "x.json: name: expected text without control characters, got U+0007 at character 2");
}

static void test_load_field_errors(void **state)
{
    (void)state;
    expect_field_error("url", "\"ftp://a\"",
                       "x.json: endpoints[1].url: expected an http:// or https:// URL, got \"ftp://a\"");
    expect_field_error("method", "\"POST\"",
                       "x.json: endpoints[1].method: expected \"GET\" or \"HEAD\", got \"POST\"");
    expect_field_error("required", "\"yes\"",
                       "x.json: endpoints[1].required: expected true, false, \"required\", "
                       "\"optional\" or \"conditional\", got \"yes\"");
    expect_field_error("required", "\"conditional\"",
                       "x.json: endpoints[1].condition: expected a non-empty string saying when a "
                       "conditional endpoint is needed, got nothing");
    expect_field_error("cloud", "\"azure-china\"",
                       "x.json: endpoints[1].cloud: expected \"commercial\", \"gcc\", "
                       "\"gcc-high\" or \"dod\", got \"azure-china\"");
    expect_field_error("cloud", "[\"gcc\",\"mars\"]",
                       "x.json: endpoints[1].cloud[1]: expected an array of \"commercial\", "
                       "\"gcc\", \"gcc-high\" or \"dod\", got \"mars\"");
    expect_field_error("placeholder", "\"tenant\"",
                       "x.json: endpoints[1].placeholder: expected \"mma_workspace\" or null, "
                       "got \"tenant\"");
    expect_field_error("direct_only", "\"yes\"",
                       "x.json: endpoints[1].direct_only: expected true or false, got \"yes\"");
    expect_field_error("inspection_allowed", "1",
                       "x.json: endpoints[1].inspection_allowed: expected true or false, got 1");
    expect_field_error("expect_status", "[200, 600]",
                       "x.json: endpoints[1].expect_status[1]: expected an HTTP status code (an "
                       "integer 100..599), got 600");
    expect_field_error("expect_status", "[200.5]",
                       "x.json: endpoints[1].expect_status[0]: expected an HTTP status code (an "
                       "integer 100..599), got 200.5");
    expect_field_error("expect_status", "[\"404\"]",
                       "x.json: endpoints[1].expect_status[0]: expected an HTTP status code (an "
                       "integer 100..599), got \"404\"");
    expect_field_error("expect_status", "[200,201,202,203,204,205,206,207,208]",
                       "x.json: endpoints[1].expect_status: expected an array of at most 8 HTTP "
                       "status codes (integers 100..599), got an array");
    expect_field_error("expect_status", "404",
                       "x.json: endpoints[1].expect_status: expected an array of at most 8 HTTP "
                       "status codes (integers 100..599), got 404");
    expect_field_error("os", "[\"windows\", \"solaris\"]",
                       "x.json: endpoints[1].os[1]: expected an array of \"windows\", \"macos\" "
                       "or \"linux\", got \"solaris\"");
    expect_field_error("onboarding", "\"standard\"",
                       "x.json: endpoints[1].onboarding: expected an array of \"standard\" or "
                       "\"streamlined\", got \"standard\"");
    expect_field_error("geography", "\"\"",
                       "x.json: endpoints[1].geography: expected a non-empty string, got \"\"");
    expect_field_error("pinset", "{}",
                       "x.json: endpoints[1].pinset: expected a non-empty string or null, got an object");
    expect_field_error("wildcard", "\"*.other.example\"",
                       "x.json: endpoints[1].wildcard: expected a wildcard that covers the URL's "
                       "host \"b.example\", got \"*.other.example\"");
    expect_field_error("requried", "true", "x.json: endpoints[1].requried: unknown key: expected "
                       "one of id, service, url, method, required, geography, os, onboarding, "
                       "pinset, inspection_allowed, expect_status, wildcard, source, description, cloud, condition, direct_only, placeholder");
    expect_field_error("service", "\"edr\"",
                       "x.json: endpoints[1].service: expected each key once, got it twice");
    expect_field_error("source", "null", "x.json: endpoints[1].source: expected a non-empty string, got null");
}

static void test_load_structure_errors(void **state)
{
    (void)state;
    expect_error("[]", "x.json: expected a JSON object with \"name\", \"source\" and \"endpoints\", got an array");
    expect_error("{\"name\":\"n\",\"source\":\"s\"}",
                 "x.json: endpoints: expected an array of endpoint objects, got nothing");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":{}}",
                 "x.json: endpoints: expected an array of endpoint objects, got an object");
    expect_error("{\"source\":\"s\",\"endpoints\":[]}",
                 "x.json: name: expected a non-empty string, got nothing");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[],\"extra\":1}",
                 "x.json: extra: unknown key: expected one of name, source, description, version, date, endpoints");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[7]}",
                 "x.json: endpoints[0]: expected an object, got 7");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[{\"service\":\"m\",\"url\":\"https://a/\"}]}",
                 "x.json: endpoints[0].id: expected a non-empty string, got nothing");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[{\"id\":\"a\",\"service\":\"m\"}]}",
                 "x.json: endpoints[0].url: expected an http:// or https:// URL, got nothing");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[{\"id\":\"a\",\"service\":\"\",\"url\":\"https://a/\"}]}",
                 "x.json: endpoints[0].service: expected a non-empty string, got \"\"");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[{\"id\":\"a b\",\"service\":\"m\",\"url\":\"https://a/\"}]}",
                 "x.json: endpoints[0].id: expected an id of letters, digits, '-', '_' or '.' (at most 96), got \"a b\"");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":["
                 "{\"id\":\"a\",\"service\":\"m\",\"url\":\"https://a/\"},"
                 "{\"id\":\"b\",\"service\":\"m\",\"url\":\"https://a/\"},"
                 "{\"id\":\"a\",\"service\":\"m\",\"url\":\"https://a/\"}]}",
                 "x.json: endpoints[2].id: duplicate id \"a\" (first used by endpoints[0])");
    expect_error("{\"name\":1}", "x.json: name: expected a non-empty string, got 1");
    expect_error("{\"name\":\"n\",\n \"source\": nope}", "x.json:2:12: expected valid JSON, got 'n'");
    {
        tp_catalog c;
        char err[128];
        assert_int_equal(tp_catalog_load_mem("", 0, "e.json", &c, err, sizeof err), -1);
        assert_string_equal(err, "e.json:1:1: expected valid JSON, got the end of the file");
        /* a tiny error buffer truncates, never overflows */
        assert_int_equal(tp_catalog_load_mem("[]", 2, "e.json", &c, err, 8), -1);
        assert_int_equal(strlen(err), 7);
    }
}

/* Catalogs and configs share one reader (base/jsonread): "$comment" is allowed in any
 * object, text after the document is refused, and the key messages read alike. */
static void test_shared_json_rules(void **state)
{
    (void)state;
    static const char ok[] = "{\"$comment\": \"top\", \"name\":\"n\",\"source\":\"s\",\"endpoints\":["
                             "{\"$comment\": [\"any\", 1], \"id\":\"a\",\"service\":\"m\","
                             "\"url\":\"https://a.example/\"}]}";
    tp_catalog c;
    char err[512] = "";
    if (tp_catalog_load_mem(ok, sizeof ok - 1, "x.json", &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 1);
    tp_catalog_free(&c);
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[]} {}",
                 "x.json:1:42: expected nothing after the top-level object, got '{'");
    expect_error("{\"name\":\"n\",\"name\":\"m\",\"source\":\"s\",\"endpoints\":[]}",
                 "x.json: name: expected each key once, got it twice");
}

/* A URL with credentials is refused, and the message does not repeat them. */
static void test_url_credentials_not_echoed(void **state)
{
    (void)state;
    expect_field_error("url", "\"https://user:Pw-s3cret@b.example/x\"",
                       "x.json: endpoints[1].url: expected a URL without credentials, got "
                       "\"https://***@b.example/x\"");
    expect_field_error("url", "\"http://user@b.example:8080\"",
                       "x.json: endpoints[1].url: expected a URL without credentials, got "
                       "\"http://***@b.example:8080\"");
    expect_field_error("url", "\"ftp://u:Pw-s3cret@b.example/\"",
                       "x.json: endpoints[1].url: expected a URL without credentials, got "
                       "\"ftp://***@b.example/\"");
    /* an '@' in the path or query is not a credential */
    {
        static const char j[] = "{\"name\":\"n\",\"source\":\"s\",\"endpoints\":["
                                "{\"id\":\"a\",\"service\":\"m\",\"url\":\"https://a.example/p@x?q=b@c\"}]}";
        tp_catalog c;
        char err[512] = "";
        if (tp_catalog_load_mem(j, sizeof j - 1, "x.json", &c, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_string_equal(c.endpoints[0].path, "/p@x?q=b@c");
        tp_catalog_free(&c);
    }
}

/* cJSON would cut a string at a \u0000 escape: refused before parsing, by line, without
 * quoting the text around it; an escaped backslash before "u0000" is plain text. */
static void test_nul_escape_refused(void **state)
{
    tp_catalog c;
    char err[512] = "";
    (void)state;
    expect_error("{\"name\":\"n\\u0000x\",\"source\":\"s\",\"endpoints\":[]}",
                 "x.json: line 1: \\u0000 is not allowed in strings");
    expect_error("{\"name\":\"n\",\n\"source\":\"s\",\n\"description\":\"\\\\\\u0000\",\"endpoints\":[]}",
                 "x.json: line 3: \\u0000 is not allowed in strings");
    expect_error("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[\n\n{\"id\":\"a\",\"service\":\"m\","
                 "\"url\":\"https://a.example/\\u0000\"}]}",
                 "x.json: line 3: \\u0000 is not allowed in strings");
    assert_int_equal(tp_catalog_load_file(FIXTURE("nul-escape.json"), &c, err, sizeof err), -1);
    assert_string_equal(err, FIXTURE("nul-escape.json") ": line 4: \\u0000 is not allowed in strings");
    assert_null(strstr(err, "Secret"));
    {
        static const char raw[] = "{\"name\":\"n\",\"source\":\"s\",\n\"description\":\"a\0b\",\"endpoints\":[]}";
        assert_int_equal(tp_catalog_load_mem(raw, sizeof raw - 1, "x.json", &c, err, sizeof err), -1);
        assert_string_equal(err, "x.json: line 2: a NUL byte is not allowed");
    }
    /* "\\u0000" in JSON is a backslash and "u0000": loads */
    {
        static const char j[] = "{\"name\":\"n\",\"source\":\"s\",\"description\":\"C:\\\\u0000\",\"endpoints\":[]}";
        if (tp_catalog_load_mem(j, sizeof j - 1, "x.json", &c, err, sizeof err) != 0)
            fail_msg("%s", err);
        tp_catalog_free(&c);
    }
}

static void test_load_defaults(void **state)
{
    static const char j[] = "{\"name\":\"n\",\"source\":\"s\",\"endpoints\":"
                            "[{\"id\":\"a\",\"service\":\"maps\",\"url\":\"https://A.example/x\"}]}";
    tp_catalog c;
    char err[256] = "";
    (void)state;
    assert_int_equal(tp_catalog_load_mem(j, strlen(j), "d.json", &c, err, sizeof err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.endpoints[0].method, "GET");
    assert_true(c.endpoints[0].required);
    assert_string_equal(c.endpoints[0].geography, "WW");
    assert_int_equal(c.endpoints[0].os.n, 0);
    assert_null(c.endpoints[0].pinset);
    assert_false(c.endpoints[0].inspection_allowed);
    assert_int_equal(c.endpoints[0].n_expect_status, 0);
    assert_null(c.endpoints[0].source);
    assert_string_equal(c.endpoints[0].host, "a.example");
    tp_catalog_free(&c);
}

static void test_load_deep_and_long(void **state)
{
    size_t n = 200000;
    char *deep = malloc(2 * n + 1), *j, err[256];
    tp_catalog c;
    (void)state;
    assert_non_null(deep);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    assert_int_equal(tp_catalog_load_mem(deep, 2 * n, "d.json", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "d.json:1:"));
    /* a 150000-byte value is quoted, cut short, in the message */
    memset(deep, 'a', n);
    deep[150000] = '\0';
    j = tp_asprintf("{\"name\":\"n\",\"source\":\"s\",\"endpoints\":[{\"id\":\"a\",\"service\":"
                    "\"m\",\"url\":\"%s\"}]}", deep);
    assert_non_null(j);
    assert_int_equal(tp_catalog_load_mem(j, strlen(j), "l.json", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "l.json: endpoints[0].url: expected an http:// or https:// URL, got \"aaaa"));
    assert_non_null(strstr(err, "...\""));
    assert_true(strlen(err) < 200);
    free(j);
    free(deep);
}

/* Every prefix of a valid catalog, and byte flips, must be rejected or accepted
 * cleanly (ASan and the leak checker watch). */
static void test_load_hostile(void **state)
{
    char err[256];
    size_t len = tp_embed_catalog_mde_len < 6000 ? tp_embed_catalog_mde_len : 6000;
    char *buf = malloc(len + 1);
    unsigned seed = 12345;
    (void)state;
    assert_non_null(buf);
    for (size_t n = 0; n < len; n += 7) {
        tp_catalog c;
        memcpy(buf, tp_embed_catalog_mde, n);
        if (tp_catalog_load_mem(buf, n, "p.json", &c, err, sizeof err) == 0)
            tp_catalog_free(&c);
    }
    for (int round = 0; round < 300; round++) {
        tp_catalog c;
        memcpy(buf, tp_embed_catalog_mde, len);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % len] = (char)(seed >> 24);
        }
        if (tp_catalog_load_mem(buf, len, "f.json", &c, err, sizeof err) == 0)
            tp_catalog_free(&c);
        else
            assert_true(strncmp(err, "f.json: ", 8) == 0 || strncmp(err, "f.json:", 7) == 0);
    }
    free(buf);
}

/* ---------- selection ---------- */

static tp_endpoint mk(const char *svc, const char *geo, bool required, const char *os,
                      const char *onb)
{
    tp_endpoint e;
    memset(&e, 0, sizeof e);
    e.service = (char *)svc;
    e.geography = (char *)geo;
    e.required = required;
    if (os)
        assert_int_equal(tp_strlist_add(&e.os, os), 0);
    if (onb)
        assert_int_equal(tp_strlist_add(&e.onboarding, onb), 0);
    return e;
}

static void unmk(tp_endpoint *e)
{
    tp_strlist_free(&e->os);
    tp_strlist_free(&e->onboarding);
}

static void test_selection(void **state)
{
    tp_select sel;
    tp_endpoint ww = mk("maps", "WW", true, "windows", "standard");
    tp_endpoint us = mk("edr", "US", true, "linux", "streamlined");
    tp_endpoint eu = mk("crl", "eu", false, NULL, NULL);
    (void)state;
    memset(&sel, 0, sizeof sel);
    sel.include_optional = true;
    /* empty selection: everything */
    assert_true(tp_endpoint_selected(&ww, &sel));
    assert_true(tp_endpoint_selected(&us, &sel));
    assert_true(tp_endpoint_selected(&eu, &sel));
    assert_true(tp_endpoint_selected(&eu, NULL));
    assert_false(tp_endpoint_selected(NULL, &sel));
    /* optional endpoints dropped on request */
    sel.include_optional = false;
    assert_false(tp_endpoint_selected(&eu, &sel));
    assert_true(tp_endpoint_selected(&ww, &sel));
    sel.include_optional = true;
    /* services */
    assert_int_equal(tp_strlist_add(&sel.services, "EDR"), 0);
    assert_false(tp_endpoint_selected(&ww, &sel));
    assert_true(tp_endpoint_selected(&us, &sel));
    assert_int_equal(tp_strlist_add(&sel.services, "maps"), 0);
    assert_true(tp_endpoint_selected(&ww, &sel));
    tp_strlist_free(&sel.services);
    /* geography: the data location plus every WW row, case-insensitive */
    assert_int_equal(tp_strlist_add(&sel.geography, "us"), 0);
    assert_true(tp_endpoint_selected(&ww, &sel));
    assert_true(tp_endpoint_selected(&us, &sel));
    assert_false(tp_endpoint_selected(&eu, &sel));
    assert_int_equal(tp_strlist_add(&sel.geography, "EU"), 0);
    assert_true(tp_endpoint_selected(&eu, &sel));
    tp_strlist_free(&sel.geography);
    /* os: the endpoint's list must contain it; no list = every OS */
    sel.os = "linux";
    assert_false(tp_endpoint_selected(&ww, &sel));
    assert_true(tp_endpoint_selected(&us, &sel));
    assert_true(tp_endpoint_selected(&eu, &sel));
    sel.os = NULL;
    /* onboarding: no list = both modes */
    sel.onboarding = "standard";
    assert_true(tp_endpoint_selected(&ww, &sel));
    assert_false(tp_endpoint_selected(&us, &sel));
    assert_true(tp_endpoint_selected(&eu, &sel));
    sel.onboarding = NULL;
    unmk(&ww);
    unmk(&us);
    unmk(&eu);
}


/* Microsoft's words for a row: required / optional / conditional (with the condition),
 * the clouds it serves, direct-only routes and tenant placeholders. Booleans still load. */
static void test_load_requirement_cloud(void **state)
{
    static const char j[] =
        "{\"name\":\"n\",\"source\":\"s\",\"version\":\"1\",\"date\":\"2026-12-01\",\"endpoints\":["
        "{\"id\":\"a\",\"service\":\"maps\",\"url\":\"https://a.example/\",\"required\":false},"
        "{\"id\":\"b\",\"service\":\"adl\",\"url\":\"https://b.example/\",\"required\":\"conditional\","
        "\"condition\":\"unless WSUS\",\"cloud\":\"gcc\"},"
        "{\"id\":\"c\",\"service\":\"live-response\",\"url\":\"https://c.example/\",\"required\":\"optional\","
        "\"direct_only\":true,\"cloud\":[\"commercial\",\"dod\"]},"
        "{\"id\":\"d\",\"service\":\"mma\",\"url\":\"https://workspaceid.d.example/\",\"required\":\"required\","
        "\"placeholder\":\"mma_workspace\"}]}";
    tp_catalog c;
    tp_select sel;
    char err[512] = "";
    (void)state;
    if (tp_catalog_load_mem(j, strlen(j), "x.json", &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.version, "1");
    assert_string_equal(c.date, "2026-12-01");
    assert_int_equal(c.endpoints[0].requirement, TP_REQ_OPTIONAL);
    assert_false(c.endpoints[0].required);
    assert_int_equal(c.endpoints[1].requirement, TP_REQ_CONDITIONAL);
    assert_false(c.endpoints[1].required); /* conditional rows never fail a run */
    assert_string_equal(c.endpoints[1].condition, "unless WSUS");
    assert_true(c.endpoints[2].direct_only);
    assert_int_equal(c.endpoints[2].clouds.n, 2);
    assert_true(c.endpoints[3].required);
    assert_string_equal(c.endpoints[3].placeholder, "mma_workspace");
    /* cloud selection: NULL = commercial; no list = every cloud */
    memset(&sel, 0, sizeof sel);
    sel.include_optional = true;
    assert_true(tp_endpoint_selected(&c.endpoints[0], &sel));
    assert_false(tp_endpoint_selected(&c.endpoints[1], &sel));
    assert_true(tp_endpoint_selected(&c.endpoints[2], &sel));
    sel.cloud = "gcc";
    assert_true(tp_endpoint_selected(&c.endpoints[0], &sel));
    assert_true(tp_endpoint_selected(&c.endpoints[1], &sel));
    assert_false(tp_endpoint_selected(&c.endpoints[2], &sel));
    sel.cloud = "DoD";
    assert_true(tp_endpoint_selected(&c.endpoints[2], &sel));
    /* --required-only keeps only what counts toward the exit status */
    sel.cloud = "gcc";
    sel.include_optional = false;
    assert_false(tp_endpoint_selected(&c.endpoints[1], &sel));
    assert_true(tp_endpoint_selected(&c.endpoints[3], &sel));
    tp_catalog_free(&c);
}

/* Facts from Microsoft's current pages that the catalog once had wrong. */
static void test_builtin_current_truth(void **state)
{
    tp_catalog c;
    tp_select sel;
    char err[256];
    size_t crl_linux = 0, gcc = 0, gcc_gw = 0, commercial_gov_host = 0;
    const tp_endpoint *e;
    (void)state;
    assert_int_equal(tp_catalog_load_builtin(&c, err, sizeof err), 0);
    memset(&sel, 0, sizeof sel);
    sel.include_optional = true;
    sel.os = "linux";
    assert_int_equal(tp_strlist_add(&sel.geography, "US"), 0);
    for (size_t i = 0; i < c.n; i++) {
        e = &c.endpoints[i];
        if (tp_endpoint_selected(e, &sel) && !strcmp(e->service, "crl"))
            crl_linux++;
        if (tp_endpoint_selected(e, &sel) && strstr(e->host, ".us") &&
            e->host[strlen(e->host) - 1] == 's')
            commercial_gov_host++;
    }
    assert_true(crl_linux >= 4); /* crl.microsoft.com, pkiops, pki: Windows, Mac, Linux */
    assert_int_equal(commercial_gov_host, 0);
    sel.os = NULL;
    sel.cloud = "gcc";
    for (size_t i = 0; i < c.n; i++) {
        e = &c.endpoints[i];
        if (!tp_endpoint_selected(e, &sel))
            continue;
        gcc++;
        gcc_gw += !strcmp(e->host, "winatp-gw-usmt.microsoft.com") ||
                  !strcmp(e->host, "winatp-gw-usmv.microsoft.com");
        assert_null(strstr(e->host, "wdcp.microsoft.com")); /* commercial MAPS only */
    }
    assert_true(gcc > 20);
    assert_int_equal(gcc_gw, 2);
    tp_strlist_free(&sel.geography);
    e = find_id(&c, "edr-login-windows-net");
    assert_non_null(e);
    assert_string_equal(e->service, "vm-scanner"); /* not EDR */
    e = find_id(&c, "edr-wns");
    assert_true(e->direct_only);
    assert_string_equal(e->service, "live-response");
    e = find_id(&c, "mma-ods");
    assert_false(e->required);
    assert_string_equal(e->placeholder, "mma_workspace");
    e = find_id(&c, "update-sls");
    assert_int_equal(e->requirement, TP_REQ_OPTIONAL);
    e = find_id(&c, "adl-definitionupdates");
    assert_int_equal(e->requirement, TP_REQ_CONDITIONAL);
    assert_true(tp_strlist_has(&e->os, "linux"));
    e = find_url(&c, "https://us-v20.events.data.microsoft.com/");
    assert_true(tp_strlist_has(&e->os, "macos"));
    assert_non_null(find_url(&c, "https://winatp-gw-aec0a.microsoft.com/commands/test"));
    assert_non_null(find_url(&c, "https://unitedstates2.cp.wd.microsoft.us/"));
    for (size_t i = 0; i < c.n; i++)
        if (!strcmp(c.endpoints[i].service, "submission") ||
            strstr(c.endpoints[i].id, "autoir"))
            assert_false(c.endpoints[i].inspection_allowed);
    tp_catalog_free(&c);
}

static void test_selection_builtin(void **state)
{
    tp_catalog c;
    tp_select sel;
    char err[256];
    size_t n_us = 0, n_all = 0, n_ww = 0;
    (void)state;
    assert_int_equal(tp_catalog_load_builtin(&c, err, sizeof err), 0);
    memset(&sel, 0, sizeof sel);
    sel.include_optional = true;
    assert_int_equal(tp_strlist_add(&sel.geography, "US"), 0);
    sel.onboarding = "streamlined";
    for (size_t i = 0; i < c.n; i++) {
        const tp_endpoint *e = &c.endpoints[i];
        n_all++;
        if (!tp_endpoint_selected(e, &sel))
            continue;
        n_us++;
        assert_true(strcmp(e->geography, "US") == 0 || strcmp(e->geography, "WW") == 0);
        assert_true(tp_strlist_has(&e->onboarding, "streamlined"));
        n_ww += strcmp(e->geography, "WW") == 0;
    }
    assert_true(n_us > 10);
    assert_true(n_ww > 0);
    assert_true(n_us < n_all);
    tp_strlist_free(&sel.geography);
    tp_catalog_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_parse_valid),
        cmocka_unit_test(test_url_parse_invalid),
        cmocka_unit_test(test_builtin_loads),
        cmocka_unit_test(test_builtin_content),
        cmocka_unit_test(test_builtin_matches_anchor_tsv),
        cmocka_unit_test(test_load_file_good),
        cmocka_unit_test(test_load_file_errors),
        cmocka_unit_test(test_load_field_errors),
        cmocka_unit_test(test_control_characters_refused),
        cmocka_unit_test(test_load_structure_errors),
        cmocka_unit_test(test_shared_json_rules),
        cmocka_unit_test(test_url_credentials_not_echoed),
        cmocka_unit_test(test_nul_escape_refused),
        cmocka_unit_test(test_load_defaults),
        cmocka_unit_test(test_load_deep_and_long),
        cmocka_unit_test(test_load_hostile),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_selection_builtin),
        cmocka_unit_test(test_load_requirement_cloud),
        cmocka_unit_test(test_builtin_current_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
