/* test_app_paths.c — `tlspath paths import` in-process (tp_app_main): a device's proxy
 * settings (netsh, .reg, mdatp_managed.json, environment) become paths, written to stdout
 * or atomically to a file that `tlspath run` then loads as a config; no source, or a
 * source that cannot be read, is a usage error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "app_harness.h"

#define DP TLSPATH_SOURCE_DIR "/tests/data/devproxy/"

/* The path with this id in a paths document, or NULL. */
static const cJSON *path_by_id(const cJSON *doc, const char *id)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc, "paths"))
    {
        const char *v = app_str(p, "id", NULL);
        if (v && !strcmp(v, id))
            return p;
    }
    return NULL;
}

static void test_every_source(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "paths", "import", "--netsh", DP "netsh-proxy.txt", "--reg", DP "defender.reg", "--mdatp",
        DP "mdatp_managed.json", "--env-file", DP "environment");
    assert_rc(&o, 0);
    cJSON *d = app_json(o.out);
    const cJSON *w = path_by_id(d, "winhttp");
    assert_non_null(w);
    assert_string_equal(app_str(w, "proxy", NULL), "10.0.0.6:8080");
    const cJSON *edr = path_by_id(d, "edr-static");
    assert_non_null(edr);
    assert_string_equal(app_str(edr, "fallback", NULL), "direct");
    assert_string_equal(app_str(edr, "crl_via", NULL), "winhttp");
    const cJSON *pac = path_by_id(d, "mdav-pac");
    assert_non_null(pac);
    assert_string_equal(app_str(pac, "type", NULL), "pac");
    cJSON_Delete(d);
    app_out_free(&o);
}

/* Written to a file, the result is a config `tlspath run` accepts as is. */
static void test_to_file_and_back(void **state)
{
    (void)state;
    char out[192];
    lab_file(out, sizeof out, "paths.json");
    app_out o;
    APP(&o, "paths", "import", "--netsh", DP "netsh-proxy.txt", "-o", out);
    assert_rc(&o, 0);
    app_out_free(&o);
    char *text = app_slurp(out);
    assert_non_null(text);
    assert_has(text, "10.0.0.6:8080");
    free(text);
    APP(&o, "run", "-c", out, "--catalog", lab.catalog, "--dry-run");
    assert_rc(&o, 0);
    assert_has(o.out, "path winhttp");
    assert_has(o.out, "http proxy 10.0.0.6:8080");
    app_out_free(&o);
    /* the environment of this process */
    setenv("HTTPS_PROXY", "http://10.0.0.9:3128/", 1);
    APP(&o, "paths", "import", "--env");
    unsetenv("HTTPS_PROXY");
    assert_rc(&o, 0);
    assert_has(o.out, "10.0.0.9:3128");
    app_out_free(&o);
}

static void test_refusals(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "paths", "import");
    assert_rc(&o, 2);
    app_out_free(&o);
    APP(&o, "paths", "import", "--netsh", "/nonexistent/netsh.txt");
    assert_rc(&o, 2);
    assert_has(o.err, "/nonexistent/netsh.txt");
    app_out_free(&o);
    APP(&o, "paths", "import", "--netsh", DP "netsh-proxy.txt", "-o", "/nonexistent/dir/paths.json");
    assert_rc(&o, 2);
    assert_has(o.err, "/nonexistent/dir/paths.json");
    app_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_source),
        cmocka_unit_test(test_to_file_and_back),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, lab_setup, lab_teardown);
}
