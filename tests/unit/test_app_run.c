/* test_app_run.c — `tlspath run`, `version` and `help` in-process (tp_app_main) against the
 * loopback lab of app_harness.h: a real pass (trusted chain, IP name, a CRL that says good),
 * a required failure, a proxy path whose CRLs cannot go through the proxy and --crl-via
 * direct that fixes it, reports to stdout / a file / a directory, the dry-run plan, every
 * "before a packet is sent" refusal, history (regression exit status, the --on-change
 * hook), Ctrl-C during a run, and a stdout that cannot be written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "app_harness.h"

#include <signal.h>

/* ---------- a run that passes ---------- */

static void test_run_pass_json(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "run", "-c", lab.config, "-q", "-f", "json", "-o", "-");
    assert_rc(&o, 0);
    cJSON *rep = app_json(o.out);
    const cJSON *sum = cJSON_GetObjectItemCaseSensitive(rep, "summary");
    assert_string_equal(app_str(sum, "verdict", NULL), "pass");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(sum, "probes")->valueint, 2);
    const cJSON *ok = app_result(rep, "maps-ok", "direct");
    assert_string_equal(app_str(ok, "status", NULL), "ok");
    /* the CRL was fetched from the loopback server and says the leaf is good */
    assert_string_equal(app_str(ok, "revocation", "status"), "good");
    assert_true(atomic_load(&lab.crl.accepted) >= 1);
    /* the optional endpoint fails without failing the run */
    const cJSON *closed = app_result(rep, "edr-closed", "direct");
    assert_string_equal(app_str(closed, "status", NULL), "fail");
    assert_string_equal(app_str(closed, "error", "code"), "connect_refused");
    cJSON_Delete(rep);
    assert_string_equal(o.err, "");   /* -q: nothing but errors */
    app_out_free(&o);
}

/* The table on stdout by default; with a report on "-" too, the table moves to stderr. */
static void test_run_table_streams(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "run", "-c", lab.config, "--no-color");
    assert_rc(&o, 0);
    assert_has(o.out, "maps-ok");
    assert_has(o.out, "connect_refused");
    assert_null(strstr(o.out, "\x1b["));   /* --no-color, and not a terminal anyway */
    app_out_free(&o);

    setenv("COLUMNS", "100", 1);
    APP(&o, "run", "-c", lab.config, "-f", "table", "-f", "json", "-o", "-");
    unsetenv("COLUMNS");
    assert_rc(&o, 0);
    cJSON_Delete(app_json(o.out));   /* stdout holds the JSON and nothing else */
    assert_has(o.err, "maps-ok");
    app_out_free(&o);
}

static void test_run_required_failure(void **state)
{
    (void)state;
    /* the same endpoint reached through a "proxy" nobody listens on */
    char spec[64];
    snprintf(spec, sizeof spec, "http://127.0.0.1:%d", lab.dead);
    app_out o;
    APP(&o, "run", "-c", lab.config, "-p", spec, "--service", "maps", "-f", "json", "-q");
    assert_rc(&o, 1);
    cJSON *rep = app_json(o.out);
    const cJSON *r = app_result(rep, "maps-ok", "proxy1");
    assert_string_equal(app_str(r, "status", NULL), "fail");
    assert_string_equal(app_str(r, "error", "code"), "connect_refused");
    assert_string_equal(app_str(r, "phase", NULL), "connect");
    assert_string_equal(app_str(cJSON_GetObjectItemCaseSensitive(rep, "summary"), "verdict", NULL), "fail");
    cJSON_Delete(rep);
    app_out_free(&o);
}

/* Through the CONNECT proxy the endpoint answers, but the proxy refuses the CRL's plain GET
 * (it only tunnels): crl_unreachable. --crl-via direct fetches the CRL directly: a pass. */
static void test_run_proxy_crl_via(void **state)
{
    (void)state;
    char spec[64];
    snprintf(spec, sizeof spec, "corp=http://127.0.0.1:%d", lab.proxy.port);
    app_out o;
    APP(&o, "run", "-c", lab.config, "-p", "direct", "-p", spec, "--service", "maps", "-f", "json", "-q");
    assert_rc(&o, 1);
    cJSON *rep = app_json(o.out);
    assert_string_equal(app_str(app_result(rep, "maps-ok", "direct"), "status", NULL), "ok");
    const cJSON *r = app_result(rep, "maps-ok", "corp");
    assert_string_equal(app_str(r, "error", "code"), "crl_unreachable");
    assert_non_null(app_str(r, "remediation", NULL));
    cJSON_Delete(rep);
    app_out_free(&o);

    APP(&o, "run", "-c", lab.config, "-p", "direct", "-p", spec, "--crl-via", "direct", "--service", "maps", "-f",
        "json", "-q");
    assert_rc(&o, 0);
    rep = app_json(o.out);
    assert_string_equal(app_str(app_result(rep, "maps-ok", "corp"), "status", NULL), "ok");
    cJSON_Delete(rep);
    app_out_free(&o);
}

/* -v traces each phase on stderr; the trace belongs to that run only: the next run in the
 * same process (the appliance's case) traces nothing and touches nothing of the last one. */
static void test_run_verbose(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "run", "-c", lab.config, "-v", "--service", "maps", "-f", "json", "-o", "-");
    assert_rc(&o, 0);
    assert_has(o.err, "[maps-ok via direct] tls ");
    assert_has(o.err, "[maps-ok via direct] done");
    assert_has(o.err, "[CRL http://127.0.0.1:");
    cJSON_Delete(app_json(o.out));
    app_out_free(&o);
    APP(&o, "run", "-c", lab.config, "--service", "maps", "-f", "json", "-o", "-");
    assert_rc(&o, 0);
    assert_null(strstr(o.err, "[maps-ok via direct]"));
    app_out_free(&o);
}

/* --export-chain DIR: the chain each probe saw, as PEM openssl reads (leaf first). */
static void test_run_export_chain(void **state)
{
    (void)state;
    char dir[192], f[256], blocker[192];
    lab_file(dir, sizeof dir, "chains");   /* made if missing (one level, unlike --output-dir) */
    app_out o;
    APP(&o, "run", "-c", lab.config, "--service", "maps", "-f", "json", "-o", "-", "--export-chain", dir);
    assert_rc(&o, 0);
    assert_has(o.err, "wrote 1 chain(s) to ");
    app_out_free(&o);
    snprintf(f, sizeof f, "%s/maps-ok@direct.pem", dir);
    char *pem = app_slurp(f);
    assert_non_null(pem);
    assert_has(pem, "# subject: CN=127.0.0.1");
    char *first = strstr(pem, "-----BEGIN CERTIFICATE-----");
    assert_non_null(first);
    assert_non_null(strstr(first + 1, "-----BEGIN CERTIFICATE-----"));   /* leaf, then the CA */
    free(pem);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    assert_int_equal(mbedtls_x509_crt_parse_file(&crt, f), 0);
    char dn[256];
    assert_true(mbedtls_x509_dn_gets(dn, sizeof dn, &crt.subject) > 0);
    assert_has(dn, "CN=127.0.0.1");   /* the file starts with the leaf */
    assert_non_null(crt.next);         /* and the CA follows */
    mbedtls_x509_crt_free(&crt);
    /* a directory that cannot be made: said, and the run's exit status says it */
    lab_file(blocker, sizeof blocker, "chains-blocker");
    app_write(blocker, "x");
    snprintf(f, sizeof f, "%s/sub", blocker);
    APP(&o, "run", "-c", lab.config, "--service", "maps", "-q", "--export-chain", f);
    assert_rc(&o, 2);
    assert_has(o.err, "--export-chain: cannot create ");
    app_out_free(&o);
}

/* A PAC path: the script (a file, and the same script served over HTTP on loopback) sends
 * the endpoint through the CONNECT proxy, and its CRLs the same way (the PAC's answer is
 * the route; --crl-via is for http paths): the proxy tunnels the probe but refuses the
 * CRL's GET. A script that throws is pac_error, for every endpoint of the path. */
static void test_run_pac(void **state)
{
    (void)state;
    char pac[192], script[256], bad[192], url[96], via[64];
    lab_file(pac, sizeof pac, "proxy.pac");
    snprintf(script, sizeof script,
             "function FindProxyForURL(url, host) { return \"PROXY 127.0.0.1:%d; DIRECT\"; }\n", lab.proxy.port);
    snprintf(via, sizeof via, "through path PROXY 127.0.0.1:%d", lab.proxy.port);
    app_write(pac, script);
    int via_proxy = atomic_load(&lab.proxy.accepted);
    app_out o;
    APP(&o, "run", "-c", lab.config, "--pac", pac, "--service", "maps", "-f", "json", "-q");
    assert_rc(&o, 1);
    cJSON *rep = app_json(o.out);
    const cJSON *r = app_result(rep, "maps-ok", "pac");
    assert_string_equal(app_str(r, "error", "code"), "crl_unreachable");
    assert_has(app_str(r, "error", "message"), via);
    cJSON_Delete(rep);
    app_out_free(&o);
    assert_true(atomic_load(&lab.proxy.accepted) >= via_proxy + 2);   /* the probe's CONNECT, the CRL's GET */

    /* the same script from a URL */
    tsrv web;
    assert_int_equal(tsrv_start(&web, TS_HTTP_200, NULL), 0);
    web.body = script;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/proxy.pac", web.port);
    APP(&o, "run", "-c", lab.config, "--pac", url, "--service", "maps", "-f", "json", "-q");
    tsrv_stop(&web);
    assert_rc(&o, 1);
    rep = app_json(o.out);
    assert_has(app_str(app_result(rep, "maps-ok", "pac"), "error", "message"), via);
    cJSON_Delete(rep);
    app_out_free(&o);

    lab_file(bad, sizeof bad, "bad.pac");
    app_write(bad, "function FindProxyForURL(url, host) { throw new Error('nope'); }\n");
    APP(&o, "run", "-c", lab.config, "--pac", bad, "--service", "maps", "-f", "json", "-q");
    assert_rc(&o, 1);
    rep = app_json(o.out);
    assert_string_equal(app_str(app_result(rep, "maps-ok", "pac"), "error", "code"), "pac_error");
    cJSON_Delete(rep);
    app_out_free(&o);
}

/* ---------- where reports go ---------- */

static void test_run_output_file_and_dir(void **state)
{
    (void)state;
    char file[192], dir[192], f[256];
    lab_file(file, sizeof file, "report.json");
    app_out o;
    APP(&o, "run", "-c", lab.config, "-f", "json", "-o", file, "-q");
    assert_rc(&o, 0);
    char *text = app_slurp(file);
    assert_non_null(text);
    cJSON *rep = app_json(text);
    assert_string_equal(app_str(app_result(rep, "maps-ok", "direct"), "status", NULL), "ok");
    cJSON_Delete(rep);
    free(text);
    assert_string_equal(o.out, "");
    app_out_free(&o);

    /* a directory that does not exist yet is made (mkdir -p); one file per format */
    lab_file(dir, sizeof dir, "reports/nested/deeper");
    APP(&o, "run", "-c", lab.config, "-f", "json", "-f", "junit", "-f", "prom", "-f", "html", "-f", "table",
        "--output-dir", dir);
    assert_rc(&o, 0);
    const char *names[] = {"tlspath-report.json", "tlspath-report.junit.xml", "tlspath.prom", "tlspath-report.html"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(f, sizeof f, "%s/%s", dir, names[i]);
        if (!app_exists(f))
            fail_msg("%s not written", f);
    }
    assert_has(o.out, "maps-ok");   /* the table still goes to stdout */
    app_out_free(&o);

    /* a report that cannot be written: exit 2, said on stderr */
    APP(&o, "run", "-c", lab.config, "-f", "json", "-o", "/dev/full", "-q");
    assert_rc(&o, 2);
    assert_has(o.err, "/dev/full");
    app_out_free(&o);
}

/* Refused before any probe runs: nothing is sent (the servers count their connections). */
static void test_run_refusals(void **state)
{
    (void)state;
    int before = atomic_load(&lab.origin.accepted);
    char file[192], f[256];
    app_out o;
    APP(&o, "run", "-c", lab.config, "-f", "json", "-f", "prom");
    assert_rc(&o, 2);
    assert_has(o.err, "2 report formats besides table: give --output-dir DIR");
    app_out_free(&o);
    APP(&o, "run", "-c", lab.config, "-o", "x.json");
    assert_rc(&o, 2);
    assert_has(o.err, "--output: expected a non-table --format");
    app_out_free(&o);
    APP(&o, "run", "-c", lab.config, "-f", "json", "-o", "/nonexistent-dir/r.json");
    assert_rc(&o, 2);
    assert_has(o.err, "--output: cannot write /nonexistent-dir/r.json");
    app_out_free(&o);
    /* an output directory that is a file, from the command line and from the config */
    lab_file(file, sizeof file, "plain-file");
    app_write(file, "x");
    APP(&o, "run", "-c", lab.config, "-f", "json", "--output-dir", file);
    assert_rc(&o, 2);
    assert_has(o.err, "--output-dir: \"");
    assert_has(o.err, "plain-file\" is not a writable directory");
    app_out_free(&o);
    char under[224];
    snprintf(under, sizeof under, "%s/sub", file);
    APP(&o, "run", "-c", lab.config, "-f", "json", "--output-dir", under);
    assert_rc(&o, 2);
    assert_has(o.err, "--output-dir: cannot create");
    app_out_free(&o);
    lab_file(f, sizeof f, "outdir-config.json");
    char text[768];
    snprintf(text, sizeof text, "{\"catalogs\": [\"%s\"], \"report\": {\"formats\": [\"json\"], \"output_dir\": \"%s\"}}",
             lab.catalog, under);
    app_write(f, text);
    APP(&o, "run", "-c", f);
    assert_rc(&o, 2);
    assert_has(o.err, "outdir-config.json: report.output_dir: cannot create");
    app_out_free(&o);

    /* selection values no endpoint carries are typos, named with what exists */
    APP(&o, "run", "-c", lab.config, "--service", "mapz");
    assert_rc(&o, 2);
    assert_has(o.err, "--service: expected one of the catalog's values (maps, edr), got \"mapz\"");
    app_out_free(&o);
    APP(&o, "run", "-c", lab.config, "--geo", "AU");
    assert_rc(&o, 2);
    assert_has(o.err, "--geo: expected one of the catalog's values (US, EU)");
    app_out_free(&o);
    APP(&o, "run", "-c", lab.config, "--os", "plan9");
    assert_rc(&o, 2);
    assert_has(o.err, "--os: expected one of the catalog's values (windows, linux)");
    app_out_free(&o);
    /* a selection that matches nothing */
    APP(&o, "run", "-c", lab.config, "--service", "edr", "--required-only");
    assert_rc(&o, 2);
    assert_has(o.err, "the selection matches no endpoint");
    app_out_free(&o);
    /* a catalog without endpoints */
    char empty[192];
    lab_file(empty, sizeof empty, "empty.json");
    app_write(empty, "{\"name\": \"empty\", \"source\": \"t\", \"endpoints\": []}");
    APP(&o, "run", "-c", lab.config, "--catalog", empty);
    assert_rc(&o, 2);
    assert_has(o.err, "the catalog has no endpoints");
    app_out_free(&o);
    /* a config file that does not parse */
    lab_file(f, sizeof f, "broken.json");
    app_write(f, "{\"paths\": [");
    APP(&o, "run", "-c", f);
    assert_rc(&o, 2);
    assert_has(o.err, "broken.json");
    app_out_free(&o);
    /* a history directory that cannot be one */
    APP(&o, "run", "-c", lab.config, "--state-dir", file);
    assert_rc(&o, 2);
    assert_has(o.err, "history: ");
    app_out_free(&o);
    assert_int_equal(atomic_load(&lab.origin.accepted), before);
}

/* ---------- dry run ---------- */

static void test_run_dry_run(void **state)
{
    (void)state;
    char cfg[192], text[1024];
    lab_file(cfg, sizeof cfg, "paths.json");
    snprintf(text, sizeof text,
             "{\"catalogs\": [\"%s\"], \"tls\": {\"system_ca\": false, \"ca_files\": [\"%s\"]},\n"
             " \"resolvers\": [\"127.0.0.1:5353\"],\n"
             " \"paths\": [{\"id\": \"direct\"},\n"
             "   {\"id\": \"auth\", \"proxy\": \"127.0.0.1:%d\", \"auth\": {\"username\": \"u\", \"password\": \"hunter2\"},"
             "    \"expect_inspection\": true, \"crl_via\": \"direct\", \"fallback\": \"direct\"},\n"
             "   {\"id\": \"v6\", \"proxy\": \"[::1]:3128\"}]}\n",
             lab.catalog, lab.ca, lab.proxy.port);
    app_write(cfg, text);
    int before = atomic_load(&lab.origin.accepted) + atomic_load(&lab.proxy.accepted);
    app_out o;
    APP(&o, "run", "-c", cfg, "--dry-run");
    assert_rc(&o, 0);
    assert_has(o.out, "plan: 2 endpoint(s) x 3 path(s) = 6 probe(s)");
    char want[128];
    snprintf(want, sizeof want, "http proxy 127.0.0.1:%d (basic auth), inspection expected, CRLs via direct, "
                                "falls back to direct", lab.proxy.port);
    assert_has(o.out, want);
    assert_has(o.out, "http proxy [::1]:3128");
    assert_has(o.out, "resolver: configured\n  127.0.0.1:5353");
    assert_has(o.out, "(optional)");
    assert_null(strstr(o.out, "hunter2"));
    app_out_free(&o);
    assert_int_equal(atomic_load(&lab.origin.accepted) + atomic_load(&lab.proxy.accepted), before);

    /* a dry run loads every path's trust store: a CA file that is not one is refused */
    char bad[192];
    lab_file(bad, sizeof bad, "not-a-ca.pem");
    app_write(bad, "not a certificate\n");
    APP(&o, "run", "-c", lab.config, "--cacert", bad, "--dry-run");
    assert_rc(&o, 2);
    assert_has(o.err, "path direct: ");
    app_out_free(&o);
    APP(&o, "run", "-c", lab.config, "--dry-run");
    assert_rc(&o, 0);
    assert_has(o.out, "resolver: system");
    app_out_free(&o);
}

/* ---------- history ---------- */

static void test_run_history(void **state)
{
    (void)state;
    char st[192], hook[192], cmd[256], spec[64];
    lab_file(st, sizeof st, "state");
    lab_file(hook, sizeof hook, "hook.json");
    snprintf(cmd, sizeof cmd, "cat > '%s'", hook);
    snprintf(spec, sizeof spec, "p=http://127.0.0.1:%d", lab.dead);
    app_out o;
    /* the first run has nothing to compare with: no hook */
    APP(&o, "run", "-c", lab.config, "-q", "--service", "maps", "-p", "p=direct", "--state-dir", st, "--on-change",
        cmd, "--fail-on", "regression");
    assert_rc(&o, 0);
    assert_false(app_exists(hook));
    app_out_free(&o);
    /* the same path id now broken: a regression, exit 1, the hook gets the changes */
    APP(&o, "run", "-c", lab.config, "-q", "--service", "maps", "-p", spec, "--state-dir", st, "--on-change", cmd,
        "--fail-on", "regression", "-f", "json", "-o", "-");
    assert_rc(&o, 1);
    cJSON *rep = app_json(o.out);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(rep, "changes"));
    cJSON_Delete(rep);
    app_out_free(&o);
    char *doc = app_slurp(hook);
    assert_non_null(doc);
    assert_has(doc, "maps-ok");
    cJSON_Delete(app_json(doc));
    free(doc);
    /* still broken: no new regression, so --fail-on regression passes; a failing hook is a warning */
    APP(&o, "run", "-c", lab.config, "-q", "--service", "maps", "-p", spec, "--state-dir", st, "--on-change",
        "exit 3", "--fail-on", "regression");
    assert_rc(&o, 0);
    app_out_free(&o);
    /* recovered: a change (the hook runs and fails: a warning, not an error) */
    APP(&o, "run", "-c", lab.config, "-q", "--service", "maps", "-p", "p=direct", "--state-dir", st, "--on-change",
        "exit 3");
    assert_rc(&o, 0);
    assert_has(o.err, "warning: --on-change hook");
    app_out_free(&o);
}

/* ---------- Ctrl-C ---------- */

typedef struct interrupter {
    tsrv *srv;
    pthread_t t;
} interrupter;

/* SIGINT once the silent server holds a connection: the run is then in flight. */
static void *interrupt_main(void *arg)
{
    interrupter *i = arg;
    for (int k = 0; k < 500 && atomic_load(&i->srv->accepted) == 0; k++)
        usleep(10000);
    usleep(50000);
    kill(getpid(), SIGINT);
    return NULL;
}

static void test_run_interrupted(void **state)
{
    (void)state;
    tsrv silent;
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    char cat[192], text[512], file[192];
    lab_file(cat, sizeof cat, "silent.json");
    snprintf(text, sizeof text,
             "{\"name\": \"silent\", \"source\": \"t\", \"endpoints\": [{\"id\": \"hangs\", \"service\": \"maps\","
             " \"url\": \"https://127.0.0.1:%d/\"}]}",
             silent.port);
    app_write(cat, text);
    lab_file(file, sizeof file, "partial.json");
    interrupter it = {.srv = &silent};
    assert_int_equal(pthread_create(&it.t, NULL, interrupt_main, &it), 0);
    app_out o;
    APP(&o, "run", "-c", lab.config, "--catalog", cat, "-f", "json", "-o", file, "-q");
    pthread_join(it.t, NULL);
    assert_rc(&o, 130);
    assert_has(o.err, "interrupted");
    char *doc = app_slurp(file);
    assert_non_null(doc);
    cJSON *rep = app_json(doc);
    const cJSON *r = app_result(rep, "hangs", "direct");
    assert_string_equal(app_str(r, "status", NULL), "skipped");
    assert_string_equal(app_str(r, "error", "code"), "cancelled");
    cJSON_Delete(rep);
    free(doc);
    app_out_free(&o);
    tsrv_stop(&silent);
    /* the watcher is gone after the run: SIGINT has its default action back */
    struct sigaction sa;
    assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
    assert_ptr_equal(sa.sa_handler, SIG_DFL);
}

/* ---------- version, help, usage ---------- */

static void test_version_help_usage(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "version");
    assert_rc(&o, 0);
    assert_has(o.out, "tlspath " TLSPATH_VERSION "\n");
    assert_has(o.out, "built-in catalog mde ");
    app_out_free(&o);
    APP(&o, "help");
    assert_rc(&o, 0);
    assert_has(o.out, "Usage:\n  tlspath run");
    app_out_free(&o);
    APP(&o, "run", "--help");
    assert_rc(&o, 0);
    assert_has(o.out, "Usage: tlspath run [options]");
    app_out_free(&o);
    APP(&o, "help", "catalog");
    assert_rc(&o, 0);
    assert_has(o.out, "catalog");
    app_out_free(&o);
    static const struct {
        const char *cmd, *usage;
    } helps[] = {{"pins", "Usage: tlspath pins learn"}, {"rules", "Usage: tlspath rules --format F"},
                 {"serve", "Usage: tlspath serve"}, {"version", "Usage: tlspath version"}};
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++) {
        APP(&o, "help", helps[i].cmd);
        assert_rc(&o, 0);
        assert_has(o.out, helps[i].usage);
        app_out_free(&o);
    }
    /* no command at all: the overview, but not success */
    const char *none[] = {NULL};
    app_call_to(&o, NULL, none);
    assert_rc(&o, 2);
    assert_has(o.out, "Usage:");
    app_out_free(&o);
    APP(&o, "run", "--conf", "x");
    assert_rc(&o, 2);
    assert_has(o.err, "Try `tlspath --help`.");
    app_out_free(&o);
    APP(&o, "frobnicate");
    assert_rc(&o, 2);
    app_out_free(&o);
}

/* A stdout that cannot take the output is an error, not a silent success. */
static void test_stdout_unwritable(void **state)
{
    (void)state;
    app_out o;
    app_call_to(&o, "/dev/full", (const char *const[]){"version", NULL});
    assert_rc(&o, 2);
    assert_has(o.err, "cannot write to stdout");
    app_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_pass_json),
        cmocka_unit_test(test_run_table_streams),
        cmocka_unit_test(test_run_required_failure),
        cmocka_unit_test(test_run_proxy_crl_via),
        cmocka_unit_test(test_run_verbose),
        cmocka_unit_test(test_run_export_chain),
        cmocka_unit_test(test_run_pac),
        cmocka_unit_test(test_run_output_file_and_dir),
        cmocka_unit_test(test_run_refusals),
        cmocka_unit_test(test_run_dry_run),
        cmocka_unit_test(test_run_history),
        cmocka_unit_test(test_run_interrupted),
        cmocka_unit_test(test_version_help_usage),
        cmocka_unit_test(test_stdout_unwritable),
    };
    return cmocka_run_group_tests(tests, lab_setup, lab_teardown);
}
