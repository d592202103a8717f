/* test_app_wpad.c — `tlspath run --wpad-domain` / `--wpad` in-process (tp_app_main): the
 * PAC search of a "pac:wpad:" path. Loopback only: the resolver is a closed UDP port on
 * 127.0.0.1, so every wpad.<domain> name fails to resolve and the path ends in
 * pac_unavailable with a warning that says where it looked (the DNS devolution walk). A PAC
 * file that cannot be read ends the same way, after the paths that need no PAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "app_harness.h"

/* The report's warnings joined, "" when none. */
static void warnings_of(const cJSON *rep, char *out, size_t n)
{
    const cJSON *w;
    out[0] = '\0';
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(rep, "warnings"))
    {
        if (cJSON_IsString(w))
            snprintf(out + strlen(out), n - strlen(out), "%s\n", w->valuestring);
    }
}

static void test_wpad_domain_walk(void **state)
{
    (void)state;
    char res[32], warn[4096];
    snprintf(res, sizeof res, "127.0.0.1:%d", lab.dead);
    app_out o;
    APP(&o, "run", "-c", lab.config, "--resolver", res, "--wpad-domain", "a.corp.example", "--service", "maps",
        "-f", "json", "-q");
    assert_rc(&o, 1);
    cJSON *rep = app_json(o.out);
    assert_non_null(rep);
    const cJSON *r = app_result(rep, "maps-ok", "wpad");
    assert_non_null(r);
    assert_string_equal(app_str(r, "error", "code"), "pac_unavailable");
    const char *msg = app_str(r, "error", "message");
    assert_has(msg, "WPAD found no PAC: ");
    /* devolution: the domain, then its parent, never the top-level one */
    assert_has(msg, "http://wpad.a.corp.example/wpad.dat: ");
    assert_has(msg, "http://wpad.corp.example/wpad.dat: ");
    assert_null(strstr(msg, "wpad.example/"));
    warnings_of(rep, warn, sizeof warn);
    assert_has(warn, "path wpad: WPAD found no PAC: http://wpad.a.corp.example/wpad.dat");
    cJSON_Delete(rep);
    app_out_free(&o);
}

/* --wpad: the search domains of /etc/resolv.conf, whatever this machine has there; with
 * none the message says so, with some it lists what was tried. Either way, no PAC. */
static void test_wpad_resolv_conf(void **state)
{
    (void)state;
    char res[32], warn[4096];
    snprintf(res, sizeof res, "127.0.0.1:%d", lab.dead);
    app_out o;
    APP(&o, "run", "-c", lab.config, "--resolver", res, "--wpad", "--service", "maps", "-f", "json", "-q");
    assert_rc(&o, 1);
    cJSON *rep = app_json(o.out);
    const cJSON *r = app_result(rep, "maps-ok", "wpad");
    assert_non_null(r);
    assert_string_equal(app_str(r, "error", "code"), "pac_unavailable");
    const char *msg = app_str(r, "error", "message");
    assert_has(msg, "WPAD found no PAC: ");
    if (!strstr(msg, "no search domain to look under (--wpad-domain)"))
        assert_has(msg, "/wpad.dat: ");
    warnings_of(rep, warn, sizeof warn);
    assert_has(warn, "path wpad: WPAD found no PAC: ");
    cJSON_Delete(rep);
    app_out_free(&o);
}

static void test_pac_file_missing(void **state)
{
    (void)state;
    char missing[192];
    lab_file(missing, sizeof missing, "absent.pac");
    app_out o;
    APP(&o, "run", "-c", lab.config, "-p", "direct", "--pac", missing, "--service", "maps", "-f", "json", "-q");
    assert_rc(&o, 1);
    cJSON *rep = app_json(o.out);
    const cJSON *r = app_result(rep, "maps-ok", "pac");
    assert_non_null(r);
    assert_string_equal(app_str(r, "error", "code"), "pac_unavailable");
    assert_has(app_str(r, "error", "message"), "absent.pac cannot be read");
    /* the direct path, ahead of it, is untouched by the PAC stage */
    assert_non_null(app_result(rep, "maps-ok", "direct"));
    cJSON_Delete(rep);
    app_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wpad_domain_walk),
        cmocka_unit_test(test_wpad_resolv_conf),
        cmocka_unit_test(test_pac_file_missing),
    };
    return cmocka_run_group_tests(tests, lab_setup, lab_teardown);
}
