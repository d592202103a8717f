/* test_config.c — the run configuration: defaults, the example configs, every kind of
 * bad input and its one message, credentials (URL, auth, environment) that never leak
 * into messages, pin sets, --path specs, host:port parsing and the cross-checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input/config.h"
#include "pki/pins.h"

#define SECRET "Zq-S3cret-pw"
#define FILE_NAME "config/x.json"

static char err[1024];

/* Loads json on top of fresh defaults, as the command line does. */
static int load(const char *json, tp_config *c)
{
    assert_int_equal(tp_config_defaults(c), 0);
    memset(err, 0, sizeof err);
    return tp_config_load_mem(json, strlen(json), FILE_NAME, c, err, sizeof err);
}

static void assert_prefix(const char *msg, const char *want)
{
    if (strncmp(msg, want, strlen(want)) != 0)
        fail_msg("message\n  \"%s\"\ndoes not start with\n  \"%s\"", msg, want);
}

/* ---------- defaults ---------- */

static void test_defaults(void **state)
{
    (void)state;
    tp_config c;
    assert_int_equal(tp_config_defaults(&c), 0);
    assert_null(c.file);
    assert_int_equal(c.catalogs.n, 0);
    assert_int_equal(c.resolvers.n, 0);
    assert_int_equal(c.n_paths, 1);
    assert_string_equal(c.paths[0].id, "direct");
    assert_int_equal(c.paths[0].type, TP_PATH_DIRECT);
    assert_null(c.paths[0].proxy_host);
    assert_true(c.system_ca);
    assert_true(c.select.include_optional);
    assert_int_equal(c.limits.concurrency, 128);
    assert_int_equal(c.limits.dns_ms, 5000);
    assert_int_equal(c.limits.connect_ms, 5000);
    assert_int_equal(c.limits.proxy_ms, 5000);
    assert_int_equal(c.limits.tls_ms, 10000);
    assert_int_equal(c.limits.http_ms, 10000);
    assert_int_equal(c.limits.crl_ms, 10000);
    assert_int_equal(c.limits.total_ms, 30000);
    assert_int_equal(c.limits.crl_max_bytes, 32u * 1024 * 1024);
    assert_int_equal(c.limits.header_max_bytes, 16u * 1024);
    assert_int_equal(c.limits.body_max_bytes, 64u * 1024);
    assert_int_equal(c.formats.n, 1);
    assert_string_equal(c.formats.v[0], "table");

    /* the built-in pin sets, whatever pins.c provides today */
    tp_pinset *sets = NULL;
    size_t n = 0;
    assert_int_equal(tp_pins_builtin(&sets, &n), 0);
    assert_int_equal(c.n_pinsets, n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(tp_config_find_pinset(&c, sets[i].name));
        free(sets[i].name);
        free(sets[i].spki);
    }
    free(sets);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), 0);
    tp_config_free(&c);
}

/* ---------- the shipped example configs ---------- */

static void load_example(const char *file, tp_config *c)
{
    assert_int_equal(tp_config_defaults(c), 0);
    if (tp_config_load_file(file, c, err, sizeof err) != 0)
        fail_msg("%s: %s", file, err);
    assert_string_equal(c->file, file);
    assert_int_equal(tp_config_validate(c, err, sizeof err), 0);
}

static void test_example_default(void **state)
{
    (void)state;
    tp_config c;
    load_example("config/default.json", &c);
    assert_int_equal(c.catalogs.n, 1);
    assert_string_equal(c.catalogs.v[0], TP_CATALOG_BUILTIN);
    assert_int_equal(c.n_paths, 1);
    assert_string_equal(c.paths[0].id, "direct");
    assert_int_equal(c.formats.n, 1);
    assert_string_equal(c.formats.v[0], "table");
    assert_int_equal(c.limits.crl_max_bytes, 32u * 1024 * 1024);
    tp_config_free(&c);
}

static void test_example_proxy_audit(void **state)
{
    (void)state;
    tp_config c;
    setenv("TLSPATH_CORP_PROXY_PASSWORD", SECRET, 1);
    load_example("config/proxy-audit.json", &c);
    assert_int_equal(c.n_paths, 6);
    const tp_path *auth = tp_config_find_path(&c, "corp-auth");
    assert_non_null(auth);
    assert_string_equal(auth->username, "svc-defender");
    assert_string_equal(auth->password, SECRET);
    const tp_path *insp = tp_config_find_path(&c, "inspecting");
    assert_non_null(insp);
    assert_true(insp->expect_inspection);
    assert_string_equal(tp_config_find_path(&c, "mdav-static")->crl_via, "direct");
    assert_string_equal(tp_config_find_path(&c, "sensor")->fallback, "direct");
    assert_string_equal(tp_config_find_path(&c, "corp")->proxy_host, "192.0.2.10");
    assert_int_equal(tp_config_find_path(&c, "corp")->proxy_port, 8080);
    tp_config_free(&c);

    /* without the variable the same file is refused, naming it */
    unsetenv("TLSPATH_CORP_PROXY_PASSWORD");
    assert_int_equal(tp_config_defaults(&c), 0);
    assert_int_equal(tp_config_load_file("config/proxy-audit.json", &c, err, sizeof err), -1);
    assert_string_equal(err, "config/proxy-audit.json: paths[2].auth.password_env: "
                             "environment variable \"TLSPATH_CORP_PROXY_PASSWORD\" is not set");
    tp_config_free(&c);
}

static void test_example_scheduled(void **state)
{
    (void)state;
    tp_config c;
    load_example("config/scheduled.json", &c);
    assert_int_equal(c.formats.n, 3);
    assert_true(tp_strlist_has(&c.formats, "json"));
    assert_true(tp_strlist_has(&c.formats, "prom"));
    assert_true(tp_strlist_has(&c.formats, "junit"));
    assert_false(tp_strlist_has(&c.formats, "table"));
    assert_string_equal(c.output_dir, "/var/lib/tlspath/reports");
    assert_true(c.quiet);
    assert_true(c.no_color);
    assert_false(c.select.include_optional);
    tp_config_free(&c);
}

/* The example of SPEC.md, with files that exist here. */
static void test_spec_shape(void **state)
{
    (void)state;
    tp_config c;
    setenv("PROXY_PASS", SECRET, 1);
    const char *json =
        "{\"catalogs\": [\"tests/data/config/mini-catalog.json\"],\n"
        " \"select\": {\"services\": [\"maps\", \"crl\", \"edr\"], \"geography\": [\"WW\", \"US\"],\n"
        "            \"os\": \"windows\", \"onboarding\": \"streamlined\", \"include_optional\": true},\n"
        " \"resolvers\": [\"10.0.0.53\", \"10.0.0.54:5353\", \"[fd00::53]:53\", \"::1\"],\n"
        " \"paths\": [\n"
        "   {\"id\": \"direct\", \"type\": \"direct\"},\n"
        "   {\"id\": \"corp\", \"type\": \"http\", \"proxy\": \"10.0.0.6:8080\", \"expect_inspection\": false},\n"
        "   {\"id\": \"corp-auth\", \"type\": \"http\", \"proxy\": \"proxy.corp:3128\",\n"
        "    \"auth\": {\"type\": \"basic\", \"username\": \"svc\", \"password_env\": \"PROXY_PASS\"}},\n"
        "   {\"id\": \"mdav-static\", \"type\": \"http\", \"proxy\": \"10.0.0.6:8080\", \"crl_via\": \"direct\"},\n"
        "   {\"id\": \"sensor\", \"type\": \"http\", \"proxy\": \"10.0.0.7:8080\", \"fallback\": \"direct\"}\n"
        " ],\n"
        " \"tls\": {\"ca_files\": [\"tests/data/config/ca.pem\"], \"system_ca\": false,\n"
        "         \"pinsets\": {\"microsoft\": [\"sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=\"]}},\n"
        " \"limits\": {\"concurrency\": 7, \"timeout_ms\": {\"dns\": 1, \"connect\": 2, \"proxy\": 3,\n"
        "            \"tls\": 4, \"http\": 5, \"crl\": 6, \"total\": 7},\n"
        "            \"crl_max_bytes\": 2048, \"header_max_bytes\": 4096, \"body_max_bytes\": 0,\n"
        "            \"crl_budget_bytes\": 8192},\n"
        " \"report\": {\"formats\": [\"table\", \"json\"], \"output_dir\": \"/var/lib/tlspath/reports\"}\n"
        "}\n";
    if (load(json, &c) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.file, FILE_NAME);
    assert_int_equal(c.catalogs.n, 1);
    assert_string_equal(c.catalogs.v[0], "tests/data/config/mini-catalog.json");
    assert_int_equal(c.select.services.n, 3);
    assert_string_equal(c.select.geography.v[1], "US");
    assert_string_equal(c.select.os, "windows");
    assert_string_equal(c.select.onboarding, "streamlined");
    assert_int_equal(c.resolvers.n, 4);
    assert_string_equal(c.resolvers.v[1], "10.0.0.54:5353");
    assert_int_equal(c.n_paths, 5);
    assert_string_equal(c.paths[2].proxy_host, "proxy.corp");
    assert_int_equal(c.paths[2].proxy_port, 3128);
    assert_string_equal(c.paths[2].username, "svc");
    assert_string_equal(c.paths[2].password, SECRET);
    assert_null(c.paths[1].username);
    assert_false(c.system_ca);
    assert_string_equal(c.ca_files.v[0], "tests/data/config/ca.pem");
    assert_int_equal(c.limits.concurrency, 7);
    assert_int_equal(c.limits.dns_ms, 1);
    assert_int_equal(c.limits.total_ms, 7);
    assert_int_equal(c.limits.crl_max_bytes, 2048);
    assert_int_equal(c.limits.crl_budget_bytes, 8192);
    assert_int_equal(c.limits.header_max_bytes, 4096);
    assert_int_equal(c.limits.body_max_bytes, 0);
    assert_int_equal(c.formats.n, 2);
    assert_string_equal(c.output_dir, "/var/lib/tlspath/reports");
    tp_config_free(&c);
    unsetenv("PROXY_PASS");
}

/* ---------- every kind of bad input: one message, file + JSON path + expected ---------- */

typedef struct bad_case {
    const char *json;
    const char *want; /* the message starts with this */
} bad_case;

static const bad_case k_bad[] = {
    /* unknown keys */
    {"{\"catalog\": []}",
     FILE_NAME ": catalog: unknown key: expected one of catalogs, select, resolvers, paths, tls, "
               "limits, report"},
    {"{\"paths\": [{\"id\": \"direct\", \"proxi\": \"x\"}]}",
     FILE_NAME ": paths[0].proxi: unknown key: expected one of id, type, proxy"},
    {"{\"limits\": {\"timeout_ms\": {\"dsn\": 5}}}",
     FILE_NAME ": limits.timeout_ms.dsn: unknown key: expected one of dns, connect"},
    {"{\"limits\": {}, \"limits\": {}}", FILE_NAME ": limits: expected each key once, got it twice"},
    /* wrong types */
    {"[]", FILE_NAME ": top level: expected an object, got an array"},
    {"{\"select\": {\"include_optional\": \"yes\"}}",
     FILE_NAME ": select.include_optional: expected true or false, got \"yes\""},
    {"{\"paths\": {}}", FILE_NAME ": paths: expected an array (each element a path object), got an object"},
    {"{\"select\": {\"services\": [\"maps\", 3]}}",
     FILE_NAME ": select.services[1]: expected a service name such as \"maps\", got 3"},
    {"{\"select\": {\"onboarding\": \"fast\"}}",
     FILE_NAME ": select.onboarding: expected \"standard\" or \"streamlined\", got \"fast\""},
    {"{\"paths\": [{\"type\": \"direct\"}]}", FILE_NAME ": paths[0].id: expected a path id of letters"},
    {"{\"paths\": [{\"id\": \"a b\"}]}", FILE_NAME ": paths[0].id: expected a path id of letters"},
    {"{\"paths\": [{\"id\": \"s\", \"type\": \"socks\"}]}",
     FILE_NAME ": paths[0].type: expected \"direct\", \"http\" or \"pac\", got \"socks\""},
    /* bad addresses */
    {"{\"resolvers\": [\"dns.corp\"]}",
     FILE_NAME ": resolvers[0]: expected an IP address, ip:port or [ipv6]:port (no names), got "
               "\"dns.corp\""},
    {"{\"resolvers\": [\"10.0.0.53\", \"[::1]:99999\"]}", FILE_NAME ": resolvers[1]: expected an IP"},
    {"{\"resolvers\": [\"10.0.0.256\"]}", FILE_NAME ": resolvers[0]: expected an IP"},
    {"{\"paths\": [{\"id\": \"direct\"}, {\"id\": \"a\", \"type\": \"http\", \"proxy\": \"10.0.0.5:1\"},"
     " {\"id\": \"b\", \"type\": \"http\", \"proxy\": \"10.0.0.6\"}]}",
     FILE_NAME ": paths[2].proxy: expected host:port, got \"10.0.0.6\""},
    {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"https://10.0.0.6:443\"}]}",
     FILE_NAME ": paths[0].proxy: expected an http:// proxy URL"},
    {"{\"paths\": [{\"id\": \"p\", \"type\": \"http\"}]}",
     FILE_NAME ": paths[0].proxy: expected host:port for an http path, got nothing"},
    {"{\"paths\": [{\"id\": \"p\", \"type\": \"direct\", \"proxy\": \"10.0.0.6:1\"}]}",
     FILE_NAME ": paths[0].proxy: expected no proxy on a direct path"},
    {"{\"paths\": [{\"id\": \"direct\", \"proxy\": \"10.0.0.6:1\"}]}",
     FILE_NAME ": paths[0].id: expected an id other than \"direct\""},
    /* out-of-range numbers */
    {"{\"limits\": {\"concurrency\": 0}}",
     FILE_NAME ": limits.concurrency: expected an integer from 1 to 100000, got 0"},
    {"{\"limits\": {\"timeout_ms\": {\"dns\": 1.5}}}",
     FILE_NAME ": limits.timeout_ms.dns: expected an integer from 1 to 3600000, got 1.5"},
    {"{\"limits\": {\"crl_max_bytes\": -1}}", FILE_NAME ": limits.crl_max_bytes: expected an integer"},
    {"{\"limits\": {\"crl_budget_bytes\": 1000}}",
     FILE_NAME ": limits.crl_budget_bytes: expected an integer from 1024 to 17179869184, got 1000"},
    {"{\"limits\": {\"header_max_bytes\": \"16k\"}}",
     FILE_NAME ": limits.header_max_bytes: expected an integer from 1024 to 1048576, got \"16k\""},
    /* path cross-references */
    {"{\"paths\": [{\"id\": \"direct\"}, {\"id\": \"corp\", \"proxy\": \"10.0.0.6:8080\"},"
     " {\"id\": \"corp\", \"proxy\": \"10.0.0.7:8080\"}]}",
     FILE_NAME ": paths[2].id: duplicate path id \"corp\""},
    {"{\"paths\": [{\"id\": \"direct\"}, {\"id\": \"c\", \"proxy\": \"10.0.0.6:1\", \"crl_via\": \"nope\"}]}",
     FILE_NAME ": paths[1].crl_via: expected the id of a path or \"direct\", got \"nope\""},
    {"{\"paths\": [{\"id\": \"direct\"}, {\"id\": \"c\", \"proxy\": \"10.0.0.6:1\", \"fallback\": \"nope\"}]}",
     FILE_NAME ": paths[1].fallback: expected the id of a path or \"direct\", got \"nope\""},
    {"{\"paths\": [{\"id\": \"direct\"}, {\"id\": \"corp\", \"proxy\": \"10.0.0.6:1\", \"fallback\": \"corp\"}]}",
     FILE_NAME ": paths[1].fallback: expected the id of another path, got \"corp\" (the path itself)"},
    {"{\"paths\": [{\"id\": \"a\", \"proxy\": \"10.0.0.6:1\", \"fallback\": \"b\"},"
     " {\"id\": \"b\", \"proxy\": \"10.0.0.7:1\", \"fallback\": \"a\"}]}",
     FILE_NAME ": paths[0].fallback: expected a fallback chain that ends"},
    {"{\"paths\": [{\"id\": \"d\", \"fallback\": \"e\"}, {\"id\": \"e\"}]}",
     FILE_NAME ": paths[0].fallback: expected a fallback only on an http path"},
    {"{\"paths\": []}", FILE_NAME ": paths: expected at least one element, got an empty array"},
    /* files */
    {"{\"catalogs\": [\"nope.json\"]}",
     FILE_NAME ": catalogs[0]: cannot open \"nope.json\": No such file or directory"},
    {"{\"catalogs\": [\"builtin:other\"]}",
     FILE_NAME ": catalogs[0]: expected \"builtin:mde\" or a catalog file, got \"builtin:other\""},
    {"{\"catalogs\": []}", FILE_NAME ": catalogs: expected at least one element, got an empty array"},
    {"{\"catalogs\": [\"tests/data/config\"]}",
     FILE_NAME ": catalogs[0]: cannot open \"tests/data/config\": Is a directory"},
    {"{\"tls\": {\"ca_files\": [\"nope.pem\"]}}",
     FILE_NAME ": tls.ca_files[0]: cannot open \"nope.pem\": No such file or directory"},
    {"{\"paths\": [{\"id\": \"direct\", \"ca_files\": [\"tests/data/config/ca.pem\", \"gone.pem\"]}]}",
     FILE_NAME ": paths[0].ca_files[1]: cannot open \"gone.pem\": No such file or directory"},
    /* pins */
    {"{\"tls\": {\"pinsets\": {\"corp\": [\"sha256/abc\"]}}}",
     FILE_NAME ": tls.pinsets.corp[0]: expected \"sha256/\" and the base64 of a 32-byte SPKI "
               "SHA-256, got \"sha256/abc\""},
    {"{\"tls\": {\"pinsets\": {\"corp\": [\"sha1/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=\"]}}}",
     FILE_NAME ": tls.pinsets.corp[0]: expected \"sha256/\""},
    {"{\"tls\": {\"pinsets\": {\"corp\": []}}}",
     FILE_NAME ": tls.pinsets.corp: expected at least one element, got an empty array"},
    {"{\"tls\": {\"pinsets\": {\"bad name\": [\"sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=\"]}}}",
     FILE_NAME ": tls.pinsets.bad name: expected a pin set name"},
    /* credentials */
    {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"username\": \"u\","
     " \"password_env\": \"TLSPATH_TEST_NEVER_SET\"}}]}",
     FILE_NAME ": paths[0].auth.password_env: environment variable \"TLSPATH_TEST_NEVER_SET\" is not "
               "set"},
    {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"username\": \"u\"}}]}",
     FILE_NAME ": paths[0].auth: expected exactly one of password, password_env, password_file, got none"},
    {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"type\": \"ntlm\"}}]}",
     FILE_NAME ": paths[0].auth.type: expected \"basic\", got \"ntlm\""},
    {"{\"paths\": [{\"id\": \"direct\", \"auth\": {\"username\": \"u\", \"password\": \"p\"}}]}",
     FILE_NAME ": paths[0].auth: expected auth only on an http path"},
    {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"http://u:p@10.0.0.6:1\","
     " \"auth\": {\"username\": \"u\", \"password\": \"p\"}}]}",
     FILE_NAME ": paths[0].auth: expected credentials either in the proxy URL or in auth, got both"},
    {"{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"username\": \"a:b\","
     " \"password\": \"p\"}}]}",
     FILE_NAME ": paths[0].auth.username: expected a user name (not empty, without ':'"},
    /* report */
    {"{\"report\": {\"formats\": [\"table\", \"xml\"]}}",
     FILE_NAME ": report.formats[1]: expected one of table, json, junit, prom, html, got \"xml\""},
    {"{\"report\": {\"formats\": [\"json\", \"json\"]}}",
     FILE_NAME ": report.formats[1]: expected each value once, got \"json\" twice"},
    {"{\"report\": {\"formats\": [\"json\", \"prom\"], \"output\": \"out.txt\"}}",
     FILE_NAME ": report.output: expected at most one non-table format"},
    /* invalid JSON: line and column */
    {"{\n  \"paths\": [,]\n}", FILE_NAME ":2:13: expected valid JSON, got ','"},
    {"{\"paths\": [", FILE_NAME ":1:11: expected valid JSON"},
    {"", FILE_NAME ":1:1: expected valid JSON, got the end of the file"},
    {"{} x", FILE_NAME ":1:4: expected nothing after the top-level object, got 'x'"},
};

static void test_bad_inputs(void **state)
{
    (void)state;
    unsetenv("TLSPATH_TEST_NEVER_SET");
    for (size_t i = 0; i < sizeof k_bad / sizeof k_bad[0]; i++) {
        tp_config c;
        int rc = load(k_bad[i].json, &c);
        if (rc != -1)
            fail_msg("case %zu was accepted: %s", i, k_bad[i].json);
        assert_prefix(err, k_bad[i].want);
        /* exactly one message: one line, naming the file once */
        assert_null(strchr(err, '\n'));
        assert_null(strstr(err + 1, FILE_NAME));
        /* a refused file leaves the configuration as it was */
        assert_int_equal(c.n_paths, 1);
        assert_string_equal(c.paths[0].id, "direct");
        assert_null(c.file);
        assert_int_equal(c.limits.concurrency, 128);
        tp_config_free(&c);
    }
}

/* A config file that does not exist, and one with a syntax error (line, column). */
/* Control characters in config text are refused at load with file, JSON path and
 * character (issue 15); a password's character position is withheld. */
/* docs/engine.md: `fallback: "direct"` works without a path named direct (issue 15: the
 * loader used to refuse it). */
static void test_fallback_direct_without_direct_path(void **state)
{
    (void)state;
    tp_config c;
    assert_int_equal(load("{\"paths\": [{\"id\": \"sensor\", \"type\": \"http\", \"proxy\": \"10.0.0.7:8080\","
                          " \"fallback\": \"direct\"}]}", &c), 0);
    assert_int_equal(c.n_paths, 1);
    assert_string_equal(c.paths[0].fallback, "direct");
    tp_config_free(&c);
    /* a chain may end in it too */
    assert_int_equal(load("{\"paths\": [{\"id\": \"a\", \"proxy\": \"10.0.0.6:1\", \"fallback\": \"b\"},"
                          " {\"id\": \"b\", \"proxy\": \"10.0.0.7:1\", \"fallback\": \"direct\"}]}", &c), 0);
    tp_config_free(&c);
}

static void test_control_characters_refused(void **state)
{
    (void)state;
    tp_config c;
    assert_int_not_equal(load("{\"paths\": [{\"id\": \"di\\u001b[2Jrect\", \"type\": \"direct\"}]}", &c), 0);
    assert_string_equal(err, FILE_NAME ": paths[0].id: expected text without control characters, got U+001B at character 3");
    tp_config_free(&c);
    assert_int_not_equal(load("{\"select\": {\"services\": [\"maps\", \"c\\u0085rl\"]}}", &c), 0);
    assert_string_equal(err, FILE_NAME ": select.services[1]: expected text without control characters, got U+0085 at character 2");
    tp_config_free(&c);
    assert_int_not_equal(load("{\"paths\": [{\"id\": \"p\", \"type\": \"http\", \"proxy\": \"h:1\", \"auth\": "
                              "{\"type\": \"basic\", \"username\": \"u\", \"password\": \"Zq7\\tHunter\"}}]}", &c), 0);
    assert_string_equal(err, FILE_NAME ": paths[0].auth.password: expected text without control characters, got a string with one");
    assert_null(strstr(err, "Hunter"));
    tp_config_free(&c);
}

static void test_file_errors(void **state)
{
    (void)state;
    tp_config c;
    assert_int_equal(tp_config_defaults(&c), 0);
    assert_int_equal(tp_config_load_file("tests/data/config/none.json", &c, err, sizeof err), -1);
    assert_string_equal(err, "tests/data/config/none.json: cannot open: No such file or directory");
    assert_int_equal(tp_config_load_file("tests/data/config/bad-syntax.json", &c, err, sizeof err), -1);
    assert_string_equal(err, "tests/data/config/bad-syntax.json:3:21: expected valid JSON, got '}'");
    assert_int_equal(tp_config_load_file("tests/data/config/missing-catalog.json", &c, err, sizeof err),
                     -1);
    assert_string_equal(err, "tests/data/config/missing-catalog.json: catalogs[1]: cannot open "
                             "\"not-here.json\": No such file or directory");
    tp_config_free(&c);
}

/* cJSON would cut "Pw\u0000Secret" to "Pw": any \u0000 escape is refused before parsing,
 * by line, and the text around it (maybe a password) is never echoed. An escaped
 * backslash followed by "u0000" is plain text. */
static void test_nul_escape_refused(void **state)
{
    (void)state;
    tp_config c;
    assert_int_equal(load("{\"paths\": [{\"id\": \"p\", \"type\": \"http\", \"proxy\": \"10.0.0.6:8080\",\n"
                          " \"auth\": {\"type\": \"basic\", \"username\": \"svc\",\n"
                          " \"password\": \"Pw\\u0000" SECRET "\"}}]}", &c), -1);
    assert_string_equal(err, FILE_NAME ": line 3: \\u0000 is not allowed in strings");
    assert_null(strstr(err, SECRET));
    tp_config_free(&c);
    assert_int_equal(load("{\"$comment\": \"a\\u0000b\"}", &c), -1);
    assert_string_equal(err, FILE_NAME ": line 1: \\u0000 is not allowed in strings");
    tp_config_free(&c);
    assert_int_equal(load("{\"$comment\": \"a\\U0000b\"}", &c), -1); /* \U too */
    assert_string_equal(err, FILE_NAME ": line 1: \\u0000 is not allowed in strings");
    tp_config_free(&c);
    /* "\\\u0000" is an escaped backslash, then the NUL escape */
    assert_int_equal(load("{\"$comment\": \"\\\\\\u0000\"}", &c), -1);
    assert_string_equal(err, FILE_NAME ": line 1: \\u0000 is not allowed in strings");
    tp_config_free(&c);
    /* "\\u0000" is a backslash and the text u0000 */
    if (load("{\"$comment\": \"C:\\\\u0000\"}", &c) != 0)
        fail_msg("%s", err);
    tp_config_free(&c);
    /* a raw NUL byte cuts a string just the same */
    {
        static const char raw[] = "{\"$comment\": \"x\",\n\"paths\": [{\"id\": \"p\", \"type\": \"http\", "
                                  "\"proxy\": \"u:Pw\0" SECRET "@10.0.0.6:8080\"}]}";
        assert_int_equal(tp_config_defaults(&c), 0);
        assert_int_equal(tp_config_load_mem(raw, sizeof raw - 1, FILE_NAME, &c, err, sizeof err), -1);
        assert_string_equal(err, FILE_NAME ": line 2: a NUL byte is not allowed");
        tp_config_free(&c);
    }
    assert_int_equal(tp_config_defaults(&c), 0);
    assert_int_equal(tp_config_load_file("tests/data/config/nul-escape.json", &c, err, sizeof err), -1);
    assert_string_equal(err, "tests/data/config/nul-escape.json: line 3: \\u0000 is not allowed in strings");
    assert_null(strstr(err, SECRET));
    tp_config_free(&c);
}

/* A FIFO named as a CA file is refused at once instead of blocking the load. */
static void test_fifo_not_a_file(void **state)
{
    (void)state;
    const char *fifo = TLSPATH_BINARY_DIR "/test_config.fifo";
    remove(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char json[512];
    snprintf(json, sizeof json, "{\"tls\": {\"ca_files\": [\"%s\"]}}", fifo);
    tp_config c;
    assert_int_equal(load(json, &c), -1);
    assert_non_null(strstr(err, "tls.ca_files[0]: cannot open"));
    assert_non_null(strstr(err, ": not a regular file"));
    tp_config_free(&c);
    remove(fifo);
}

/* A file over 1 MiB is refused before it is parsed. */
static void test_oversize_file(void **state)
{
    (void)state;
    const char *name = TLSPATH_BINARY_DIR "/test_config_oversize.json";
    FILE *f = fopen(name, "wb");
    assert_non_null(f);
    fputs("{\"$comment\": \"", f);
    for (int i = 0; i < 1024 * 1024; i++)
        fputc('x', f);
    fputs("\"}", f);
    assert_int_equal(fclose(f), 0);
    tp_config c;
    assert_int_equal(tp_config_defaults(&c), 0);
    assert_int_equal(tp_config_load_file(name, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, ": expected a file of at most 1048576 bytes, got more"));
    tp_config_free(&c);
    remove(name);
}

/* Relative names: current directory first, then the config file's directory. */
static void test_relative_files(void **state)
{
    (void)state;
    tp_config c;
    assert_int_equal(tp_config_defaults(&c), 0);
    if (tp_config_load_file("tests/data/config/relative.json", &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.catalogs.n, 2);
    assert_string_equal(c.catalogs.v[0], "builtin:mde");
    assert_string_equal(c.catalogs.v[1], "tests/data/config/mini-catalog.json");
    assert_string_equal(c.paths[1].ca_files.v[0], "tests/data/config/ca.pem");
    assert_string_equal(c.ca_files.v[0], "certs/microsoft-root-ca-2011.pem");
    tp_config_free(&c);

    /* the same name from memory with no file: only the current directory counts */
    const char *json = "{\"catalogs\": [\"mini-catalog.json\"]}";
    assert_int_equal(tp_config_defaults(&c), 0);
    assert_int_equal(tp_config_load_mem(json, strlen(json), NULL, &c, err, sizeof err), -1);
    assert_string_equal(err, "<config>: catalogs[0]: cannot open \"mini-catalog.json\": No such "
                             "file or directory");
    tp_config_free(&c);
}

/* ---------- credentials ---------- */

static void test_credentials_from_url(void **state)
{
    (void)state;
    tp_config c;
    const char *json = "{\"paths\": [{\"id\": \"p\", \"proxy\": \"http://svc%40corp:p%3Ass%25@proxy.corp:3128/\"}]}";
    if (load(json, &c) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.paths[0].type, TP_PATH_HTTP); /* inferred from "proxy" */
    assert_string_equal(c.paths[0].proxy_host, "proxy.corp");
    assert_int_equal(c.paths[0].proxy_port, 3128);
    assert_string_equal(c.paths[0].username, "svc@corp");
    assert_string_equal(c.paths[0].password, "p:ss%");
    tp_config_free(&c);
}

static void test_credentials_from_env(void **state)
{
    (void)state;
    tp_config c;
    setenv("TLSPATH_TEST_USER", "envuser", 1);
    setenv("TLSPATH_TEST_PASS", SECRET, 1);
    const char *json = "{\"paths\": [{\"id\": \"p\", \"type\": \"http\", \"proxy\": \"[::1]:3128\","
                       " \"auth\": {\"type\": \"basic\", \"username_env\": \"TLSPATH_TEST_USER\","
                       " \"password_env\": \"TLSPATH_TEST_PASS\"}}]}";
    if (load(json, &c) != 0)
        fail_msg("%s", err);
    assert_string_equal(c.paths[0].proxy_host, "::1");
    assert_string_equal(c.paths[0].username, "envuser");
    assert_string_equal(c.paths[0].password, SECRET);
    tp_config_free(&c);
    unsetenv("TLSPATH_TEST_USER");
    unsetenv("TLSPATH_TEST_PASS");
}

/* Whatever goes wrong, the password is never in the message. */
static void test_password_never_echoed(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"http://u:" SECRET "@10.0.0.6\"}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"http://u:" SECRET "@10.0.0.6:1/path\"}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"u:" SECRET "@10.0.0.6:1\"}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"http://u:" SECRET "%zz@10.0.0.6:1\"}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"http://u:" SECRET "%0a@10.0.0.6:1\"}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"username\": \"u\","
        " \"password\": \"" SECRET "\\r\\nX-Injected: 1\"}}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"username\": \"u\","
        " \"password\": 12345}}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"fallback\": \"nope\", \"auth\":"
        " {\"username\": \"u\", \"password\": \"" SECRET "\"}}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"username\": \"u\","
        " \"password\": \"" SECRET "\"x}}]}",
        "{\"paths\": [{\"id\": \"p\", \"proxy\": \"10.0.0.6:1\", \"auth\": {\"username\": \"u\","
        " \"password_env\": \"TLSPATH_TEST_BAD_PASS\"}}]}",
    };
    setenv("TLSPATH_TEST_BAD_PASS", SECRET "\n", 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_config c;
        if (load(cases[i], &c) != -1)
            fail_msg("case %zu was accepted", i);
        assert_prefix(err, FILE_NAME);
        if (strstr(err, SECRET) || strstr(err, "12345"))
            fail_msg("case %zu leaks the password: %s", i, err);
        tp_config_free(&c);
    }
    unsetenv("TLSPATH_TEST_BAD_PASS");
    /* the credentials of a URL are shown as *** */
    tp_config c;
    assert_int_equal(load(cases[0], &c), -1);
    assert_string_equal(err, FILE_NAME ": paths[0].proxy: expected host:port, got \"http://***@10.0.0.6\"");
    tp_config_free(&c);
}

/* ---------- pin sets ---------- */

#define PIN_A "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg="
#define PIN_B "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

static void test_pinsets_replace_and_add(void **state)
{
    (void)state;
    tp_config c;
    const char *json = "{\"tls\": {\"pinsets\": {\"$comment\": \"ignored\","
                       " \"microsoft\": [\"" PIN_A "\"], \"corp\": [\"" PIN_A "\", \"" PIN_B "\"]}}}";
    assert_int_equal(tp_config_defaults(&c), 0);
    size_t builtin = c.n_pinsets;
    bool had_microsoft = tp_config_find_pinset(&c, "microsoft") != NULL;
    tp_config_free(&c);

    if (load(json, &c) != 0)
        fail_msg("%s", err);
    /* "microsoft" replaced (or added when pins.c has none), "corp" added */
    assert_int_equal(c.n_pinsets, builtin + 1 + (had_microsoft ? 0 : 1));
    const tp_pinset *ms = tp_config_find_pinset(&c, "microsoft");
    assert_non_null(ms);
    assert_int_equal(ms->n, 1);
    const tp_pinset *corp = tp_config_find_pinset(&c, "corp");
    assert_non_null(corp);
    assert_int_equal(corp->n, 2);
    assert_null(tp_config_find_pinset(&c, "$comment"));
    size_t named_ms = 0;
    for (size_t i = 0; i < c.n_pinsets; i++)
        named_ms += strcmp(c.pinsets[i].name, "microsoft") == 0;
    assert_int_equal(named_ms, 1);

    /* the bytes: PIN_B is the SHA-256 of the empty string */
    static const uint8_t empty_sha256[32] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
        0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    assert_memory_equal(corp->spki[1], empty_sha256, 32);
    assert_true(tp_pinset_has(corp, empty_sha256));
    /* and pins.c reads the same pin the same way */
    uint8_t parsed[32];
    assert_int_equal(tp_pin_parse(PIN_A, parsed), 0);
    assert_memory_equal(parsed, ms->spki[0], 32);
    tp_config_free(&c);

    /* a character outside base64 is refused */
    assert_int_equal(load("{\"tls\": {\"pinsets\": {\"x\": [\"sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayi*g=\"]}}}", &c), -1);
    assert_prefix(err, FILE_NAME ": tls.pinsets.x[0]: expected \"sha256/\"");
    tp_config_free(&c);
}

/* ---------- --path specs ---------- */

static void test_path_spec_good(void **state)
{
    (void)state;
    tp_path p;
    unsetenv("TLSPATH_PROXY_USER");
    unsetenv("TLSPATH_PROXY_PASSWORD");

    assert_int_equal(tp_path_parse_spec("direct", 0, &p, err, sizeof err), 0);
    assert_string_equal(p.id, "direct");
    assert_int_equal(p.type, TP_PATH_DIRECT);
    assert_null(p.proxy_host);
    tp_path_free(&p);

    assert_int_equal(tp_path_parse_spec("lan=direct", 0, &p, err, sizeof err), 0);
    assert_string_equal(p.id, "lan");
    assert_int_equal(p.type, TP_PATH_DIRECT);
    tp_path_free(&p);

    assert_int_equal(tp_path_parse_spec("http://127.0.0.1:3128", 2, &p, err, sizeof err), 0);
    assert_string_equal(p.id, "proxy2");
    assert_int_equal(p.type, TP_PATH_HTTP);
    assert_string_equal(p.proxy_host, "127.0.0.1");
    assert_int_equal(p.proxy_port, 3128);
    assert_null(p.username);
    assert_null(p.password);
    tp_path_free(&p);

    assert_int_equal(tp_path_parse_spec("corp=HTTP://a%20b:p%40ss%3aw=rd@[::1]:8080/", 1, &p, err,
                                        sizeof err), 0);
    assert_string_equal(p.id, "corp");
    assert_string_equal(p.proxy_host, "::1");
    assert_int_equal(p.proxy_port, 8080);
    assert_string_equal(p.username, "a b");
    assert_string_equal(p.password, "p@ss:w=rd");
    tp_path_free(&p);

    /* a raw '=' inside the password does not make an id */
    assert_int_equal(tp_path_parse_spec("http://u:x=y@proxy.lab:3128", 1, &p, err, sizeof err), 0);
    assert_string_equal(p.id, "proxy1");
    assert_string_equal(p.password, "x=y");
    tp_path_free(&p);

    /* an explicit empty password stays empty: no environment needed */
    assert_int_equal(tp_path_parse_spec("http://u:@proxy.lab:3128", 1, &p, err, sizeof err), 0);
    assert_string_equal(p.password, "");
    tp_path_free(&p);
}

static void test_path_spec_env(void **state)
{
    (void)state;
    tp_path p;
    unsetenv("TLSPATH_PROXY_USER");
    setenv("TLSPATH_PROXY_PASSWORD", SECRET, 1);

    /* a user without a password takes TLSPATH_PROXY_PASSWORD */
    assert_int_equal(tp_path_parse_spec("http://svc@127.0.0.1:3128", 1, &p, err, sizeof err), 0);
    assert_string_equal(p.username, "svc");
    assert_string_equal(p.password, SECRET);
    tp_path_free(&p);

    /* no user and no TLSPATH_PROXY_USER: anonymous, the password variable is not used */
    assert_int_equal(tp_path_parse_spec("http://127.0.0.1:3128", 1, &p, err, sizeof err), 0);
    assert_null(p.username);
    assert_null(p.password);
    tp_path_free(&p);

    /* no user but TLSPATH_PROXY_USER: both from the environment */
    setenv("TLSPATH_PROXY_USER", "envsvc", 1);
    assert_int_equal(tp_path_parse_spec("http://127.0.0.1:3128", 1, &p, err, sizeof err), 0);
    assert_string_equal(p.username, "envsvc");
    assert_string_equal(p.password, SECRET);
    tp_path_free(&p);

    /* ... but credentials in the URL win */
    assert_int_equal(tp_path_parse_spec("http://u:v@127.0.0.1:3128", 1, &p, err, sizeof err), 0);
    assert_string_equal(p.username, "u");
    assert_string_equal(p.password, "v");
    tp_path_free(&p);

    /* a direct path takes nothing */
    assert_int_equal(tp_path_parse_spec("direct", 1, &p, err, sizeof err), 0);
    assert_null(p.username);
    tp_path_free(&p);

    /* a user but no password anywhere: the error names the variable */
    unsetenv("TLSPATH_PROXY_PASSWORD");
    assert_int_equal(tp_path_parse_spec("http://127.0.0.1:3128", 1, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "TLSPATH_PROXY_PASSWORD"));
    assert_null(p.id);
    assert_null(p.username);
    unsetenv("TLSPATH_PROXY_USER");
    assert_int_equal(tp_path_parse_spec("http://svc@127.0.0.1:3128", 1, &p, err, sizeof err), -1);
    assert_string_equal(err, "\"http://***@127.0.0.1:3128\": expected a password for the proxy user "
                             "in the URL or in TLSPATH_PROXY_PASSWORD, got neither");
    assert_null(p.username);

    /* a password with a line break would inject a header: refused, not shown */
    setenv("TLSPATH_PROXY_PASSWORD", SECRET "\r\nX: y", 1);
    assert_int_equal(tp_path_parse_spec("http://svc@127.0.0.1:3128", 1, &p, err, sizeof err), -1);
    assert_null(strstr(err, SECRET));
    unsetenv("TLSPATH_PROXY_PASSWORD");
}

static void test_path_spec_bad(void **state)
{
    (void)state;
    static const struct { const char *spec, *want; } cases[] = {
        {"", "\"\": expected [ID=]direct or [ID=]http://[user[:password]@]host:port, got nothing"},
        {"http://10.0.0.6", "\"http://10.0.0.6\": expected host:port, got \"http://10.0.0.6\""},
        {"https://10.0.0.6:443", "\"https://10.0.0.6:443\": expected an http:// proxy URL"},
        {"socks5://10.0.0.6:1080", "\"socks5://10.0.0.6:1080\": expected an http:// proxy URL"},
        {"bad id=direct", "\"bad id=direct\": expected an id of letters"},
        {"=direct", "\"=direct\": expected an id of letters"},
        {"direct=http://10.0.0.6:1", "\"direct=http://10.0.0.6:1\": expected an id other than"},
        {"http://10.0.0.6:0", "\"http://10.0.0.6:0\": expected host:port"},
        {"http://10.0.0.6:65536", "\"http://10.0.0.6:65536\": expected host:port"},
        {"http://bad_host:1", "\"http://bad_host:1\": expected host:port"},
        {"http://:pw@10.0.0.6:1", "\"http://***@10.0.0.6:1\": expected a user name"},
        {"http://u:" SECRET "%zz@10.0.0.6:1", "\"http://***@10.0.0.6:1\": expected a percent-encoded"},
        {"http://u:" SECRET "@10.0.0.6", "\"http://***@10.0.0.6\": expected host:port"},
        {"c=http://u:" SECRET "@10.0.0.6:1/x", "\"c=http://***@10.0.0.6:1/x\": expected host:port"},
        {"DIRECT", "\"DIRECT\": expected host:port"},
    };
    unsetenv("TLSPATH_PROXY_USER");
    unsetenv("TLSPATH_PROXY_PASSWORD");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_path p;
        if (tp_path_parse_spec(cases[i].spec, 1, &p, err, sizeof err) != -1)
            fail_msg("spec %zu accepted: %s", i, cases[i].spec);
        assert_prefix(err, cases[i].want);
        if (strstr(err, SECRET))
            fail_msg("spec %zu leaks the password: %s", i, err);
        assert_null(p.id);
        assert_null(p.proxy_host);
        assert_null(p.password);
    }
}

/* ---------- host:port ---------- */

static void test_parse_hostport(void **state)
{
    (void)state;
    static const struct { const char *s; int def; const char *host; int port; } good[] = {
        {"10.0.0.53", 53, "10.0.0.53", 53},
        {"10.0.0.54:5353", 53, "10.0.0.54", 5353},
        {"[fd00::53]:5353", 53, "fd00::53", 5353},
        {"[::1]", 53, "::1", 53},
        {"::1", 53, "::1", 53},
        {"proxy.corp:3128", 0, "proxy.corp", 3128},
        {"localhost:1", 0, "localhost", 1},
        {"a-b.c9:65535", 0, "a-b.c9", 65535},
    };
    static const struct { const char *s; int def; } bad[] = {
        {"", 53},          {"10.0.0.6", 0},     {"proxy.corp", 0}, {"10.0.0.6:", 53},
        {"10.0.0.6:0", 53}, {"10.0.0.6:+1", 53}, {"10.0.0.6:123456", 53}, {"[::1", 53},
        {"[::1]x", 53},    {"[10.0.0.1]:53", 53}, {"::g", 53},     {"10.0.0.256", 53},
        {"-a.corp:1", 0},  {"a..b:1", 0},       {"a_b:1", 0},      {"host:1:2", 0},
        {"[::1]:", 53},    {":53", 53},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char *host = NULL;
        int port = 0;
        if (tp_parse_hostport(good[i].s, good[i].def, &host, &port) != 0)
            fail_msg("refused \"%s\"", good[i].s);
        assert_string_equal(host, good[i].host);
        assert_int_equal(port, good[i].port);
        free(host);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *host = NULL;
        int port = 0;
        if (tp_parse_hostport(bad[i].s, bad[i].def, &host, &port) != -1)
            fail_msg("accepted \"%s\"", bad[i].s);
        assert_null(host);
    }
    char *host = NULL;
    int port = 0;
    assert_int_equal(tp_parse_hostport(NULL, 53, &host, &port), -1);
}

/* ---------- tp_config_validate: a config assembled from file + command line ---------- */

static void add_spec(tp_config *c, const char *spec, int idx)
{
    tp_path p;
    if (tp_path_parse_spec(spec, idx, &p, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(tp_config_add_path(c, &p), 0);
    assert_null(p.id);
}

static void test_validate(void **state)
{
    (void)state;
    tp_config c;
    assert_int_equal(tp_config_defaults(&c), 0);
    add_spec(&c, "http://127.0.0.1:3128", 1);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), 0);

    add_spec(&c, "proxy1=http://127.0.0.1:3129", 2);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_string_equal(err, "configuration: paths[2].id: duplicate path id \"proxy1\"");
    free(c.paths[2].id);
    c.paths[2].id = strdup("proxy2");
    assert_int_equal(tp_config_validate(&c, err, sizeof err), 0);

    c.paths[1].crl_via = strdup("gone");
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_prefix(err, "configuration: paths[1].crl_via: expected the id of a path or \"direct\"");
    free(c.paths[1].crl_via);
    c.paths[1].crl_via = strdup("direct");
    c.paths[2].fallback = strdup("proxy1");
    assert_int_equal(tp_config_validate(&c, err, sizeof err), 0);
    c.paths[1].fallback = strdup("proxy2");
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_prefix(err, "configuration: paths[1].fallback: expected a fallback chain that ends");
    free(c.paths[1].fallback);
    c.paths[1].fallback = NULL;

    assert_int_equal(tp_strlist_add(&c.formats, "yaml"), 0);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_string_equal(err, "configuration: report.formats[1]: expected one of table, json, junit, "
                             "prom, html, got \"yaml\"");
    tp_strlist_free(&c.formats);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_prefix(err, "configuration: report.formats: expected at least one format");
    assert_int_equal(tp_strlist_add(&c.formats, "json"), 0);

    c.limits.tls_ms = 0;
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_string_equal(err, "configuration: limits.timeout_ms.tls: expected a positive number, got 0");
    c.limits.tls_ms = 10000;
    c.limits.concurrency = -4;
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_prefix(err, "configuration: limits.concurrency: expected a positive number, got -4");
    c.limits.concurrency = 1;

    assert_int_equal(tp_strlist_add(&c.resolvers, "resolver.corp"), 0);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_prefix(err, "configuration: resolvers[0]: expected an IP address");
    tp_strlist_free(&c.resolvers);

    assert_int_equal(tp_strlist_add(&c.ca_files, "tests/data/config/no-such.pem"), 0);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_string_equal(err, "configuration: tls.ca_files[0]: cannot open "
                             "\"tests/data/config/no-such.pem\": No such file or directory");
    tp_strlist_free(&c.ca_files);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), 0);

    tp_config_clear_paths(&c);
    assert_int_equal(tp_config_validate(&c, err, sizeof err), -1);
    assert_string_equal(err, "configuration: paths: expected at least one path, got none");
    tp_config_free(&c);
}

/* ---------- hostile input: mutated configs never crash and always explain ---------- */

static void test_mutations(void **state)
{
    (void)state;
    const char *base =
        "{\"catalogs\": [\"builtin:mde\"], \"select\": {\"os\": \"windows\"},"
        " \"resolvers\": [\"127.0.0.1:53\", \"[::1]:53\"],"
        " \"paths\": [{\"id\": \"direct\"}, {\"id\": \"p\", \"proxy\": \"http://u:" SECRET "@127.0.0.1:3128\","
        " \"crl_via\": \"direct\", \"fallback\": \"direct\"}],"
        " \"tls\": {\"pinsets\": {\"x\": [\"" PIN_A "\"]}},"
        " \"limits\": {\"concurrency\": 4, \"timeout_ms\": {\"dns\": 100}},"
        " \"report\": {\"formats\": [\"json\"], \"output\": \"-\"}}";
    size_t len = strlen(base);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    uint32_t seed = 12345;
    size_t accepted = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(buf, base, len + 1);
        int flips = 1 + iter % 3;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            buf[pos] = (char)(seed >> 16);
        }
        tp_config c;
        assert_int_equal(tp_config_defaults(&c), 0);
        int rc = tp_config_load_mem(buf, len, FILE_NAME, &c, err, sizeof err);
        if (rc == 0) {
            accepted++;
            assert_int_equal(tp_config_validate(&c, err, sizeof err), 0);
        } else {
            assert_int_equal(rc, -1);
            assert_prefix(err, FILE_NAME);
            assert_null(strchr(err, '\n'));
        }
        tp_config_free(&c);
    }
    free(buf);
    /* the unmutated base is valid, so some harmless mutations must pass */
    assert_true(accepted > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_example_default),
        cmocka_unit_test(test_example_proxy_audit),
        cmocka_unit_test(test_example_scheduled),
        cmocka_unit_test(test_spec_shape),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_control_characters_refused),
        cmocka_unit_test(test_fallback_direct_without_direct_path),
        cmocka_unit_test(test_nul_escape_refused),
        cmocka_unit_test(test_oversize_file),
        cmocka_unit_test(test_fifo_not_a_file),
        cmocka_unit_test(test_relative_files),
        cmocka_unit_test(test_credentials_from_url),
        cmocka_unit_test(test_credentials_from_env),
        cmocka_unit_test(test_password_never_echoed),
        cmocka_unit_test(test_pinsets_replace_and_add),
        cmocka_unit_test(test_path_spec_good),
        cmocka_unit_test(test_path_spec_env),
        cmocka_unit_test(test_path_spec_bad),
        cmocka_unit_test(test_parse_hostport),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
