/* test_devproxy.c — a device's proxy settings (input/devproxy.h): netsh output, .reg
 * exports (UTF-16LE as regedit writes them), mdatp_managed.json, HTTPS_PROXY / NO_PROXY,
 * and the paths they imply, which must load as a configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/config.h"
#include "input/devproxy.h"
#include "input/wpad.h"

#define DATA TLSPATH_SOURCE_DIR "/tests/data/devproxy/"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *b = malloc(1 << 16);
    assert_non_null(b);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

typedef int (*reader)(tp_devproxy *, const char *, size_t, const char *, char *, size_t);

static void read_file(tp_devproxy *d, reader fn, const char *name)
{
    char path[512], err[512] = "";
    size_t n;
    snprintf(path, sizeof path, DATA "%s", name);
    char *t = slurp(path, &n);
    if (fn(d, t, n, name, err, sizeof err) != 0)
        fail_msg("%s: %s", name, err);
    free(t);
}

static const cJSON *path_by_id(const cJSON *root, const char *id)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(root, "paths"))
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "id");
        if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0)
            return p;
    }
    return NULL;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The paths document loads as a config and validates. */
static void assert_loads(const cJSON *root, size_t n_paths)
{
    char *text = cJSON_Print(root);
    assert_non_null(text);
    tp_config c;
    char err[512] = "";
    assert_int_equal(tp_config_defaults(&c), 0);
    if (tp_config_load_mem(text, strlen(text), "paths.json", &c, err, sizeof err) != 0)
        fail_msg("%s\n%s", err, text);
    if (tp_config_validate(&c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n_paths, n_paths);
    tp_config_free(&c);
    free(text);
}

static void test_netsh(void **state)
{
    (void)state;
    tp_devproxy d;
    tp_devproxy_init(&d);
    read_file(&d, tp_devproxy_read_netsh, "netsh-proxy.txt");
    assert_true(d.winhttp_read);
    assert_string_equal(d.winhttp_proxy, "10.0.0.6:8080");
    assert_int_equal(d.winhttp_bypass.n, 3);
    assert_string_equal(d.winhttp_bypass.v[0], "<local>");
    assert_string_equal(d.winhttp_bypass.v[2], "10.*");
    tp_devproxy_free(&d);

    read_file(&d, tp_devproxy_read_netsh, "netsh-direct.txt");
    assert_true(d.winhttp_read);
    assert_null(d.winhttp_proxy);
    cJSON *root = tp_devproxy_paths(&d);
    assert_non_null(path_by_id(root, "direct"));
    assert_loads(root, 1);
    cJSON_Delete(root);
    tp_devproxy_free(&d);

    /* per-scheme lists: https= wins, a different http= is kept aside for the CRLs */
    const char *per = "    Proxy Server(s) :  http=p1:80;https=p2:8443\n    Bypass List     :  (none)\n";
    char err[256];
    assert_int_equal(tp_devproxy_read_netsh(&d, per, strlen(per), "x", err, sizeof err), 0);
    assert_string_equal(d.winhttp_proxy, "p2:8443");
    assert_string_equal(d.winhttp_http_proxy, "p1:80");
    assert_int_equal(d.winhttp_bypass.n, 0);
    tp_devproxy_free(&d);

    /* a localised label still reads: the first "label : value" line is the proxy */
    const char *jp = "\xe7\x8f\xbe\xe5\x9c\xa8:\n    \xe3\x83\x97 :  10.1.1.1:3128\n    \xe3\x83\x90 :  <local>\n";
    assert_int_equal(tp_devproxy_read_netsh(&d, jp, strlen(jp), "x", err, sizeof err), 0);
    assert_string_equal(d.winhttp_proxy, "10.1.1.1:3128");
    assert_int_equal(d.winhttp_bypass.n, 1);
    tp_devproxy_free(&d);

    /* not netsh output at all */
    const char *junk = "hello world\n";
    assert_int_equal(tp_devproxy_read_netsh(&d, junk, strlen(junk), "junk.txt", err, sizeof err), -1);
    assert_non_null(strstr(err, "junk.txt: expected the output of `netsh winhttp show proxy`"));
    tp_devproxy_free(&d);
}

static void test_reg(void **state)
{
    (void)state;
    tp_devproxy d;
    tp_devproxy_init(&d);
    read_file(&d, tp_devproxy_read_reg, "defender.reg");
    assert_string_equal(d.telemetry_proxy, "10.0.0.7:3128");
    assert_int_equal(d.disable_enterprise_auth, 1);
    /* the policy key wins over the Set-MpPreference key (10.9.9.9:1) */
    assert_string_equal(d.mdav_proxy, "10.0.0.6:8080");
    assert_string_equal(d.mdav_pac, "http://pac.corp.example/proxy.pac");
    assert_int_equal(d.mdav_bypass.n, 2);
    assert_string_equal(d.mdav_bypass.v[0], "*.blob.core.windows.net");

    cJSON *root = tp_devproxy_paths(&d);
    assert_non_null(root);
    const cJSON *edr = path_by_id(root, "edr-static");
    assert_non_null(edr);
    assert_string_equal(str_of(edr, "proxy"), "10.0.0.7:3128");
    assert_string_equal(str_of(edr, "fallback"), "direct");
    /* no WinHTTP proxy known: the OS fetches CRLs direct */
    assert_string_equal(str_of(edr, "crl_via"), "direct");
    const cJSON *mdav = path_by_id(root, "mdav-static");
    assert_non_null(mdav);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mdav, "bypass")), 2);
    const cJSON *pac = path_by_id(root, "mdav-pac");
    assert_non_null(pac);
    assert_string_equal(str_of(pac, "type"), "pac");
    assert_loads(root, 4);
    cJSON_Delete(root);

    /* with netsh's proxy as well, CRLs go through it */
    read_file(&d, tp_devproxy_read_netsh, "netsh-proxy.txt");
    root = tp_devproxy_paths(&d);
    assert_string_equal(str_of(path_by_id(root, "edr-static"), "crl_via"), "winhttp");
    assert_loads(root, 5);
    cJSON_Delete(root);
    tp_devproxy_free(&d);

    /* PreferStaticProxyForHttpRequest=1: the sensor's CRLs go through its own proxy */
    const char *pref = "Windows Registry Editor Version 5.00\n"
                       "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection]\n"
                       "\"TelemetryProxyServer\"=\"proxy.corp:8080\"\n"
                       "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows Advanced Threat Protection]\n"
                       "\"PreferStaticProxyForHttpRequest\"=dword:00000001\n";
    char err[256];
    assert_int_equal(tp_devproxy_read_reg(&d, pref, strlen(pref), "p.reg", err, sizeof err), 0);
    root = tp_devproxy_paths(&d);
    assert_null(str_of(path_by_id(root, "edr-static"), "crl_via"));
    assert_loads(root, 2);
    cJSON_Delete(root);
    tp_devproxy_free(&d);

    /* a PAC URL tlspath cannot fetch is noted, not used; a long bypass list is read whole */
    char big[12000]; /* 300 names of ~21 bytes: ~6.4 KB, within the reader's 8 KiB value bound */
    int o = snprintf(big, sizeof big, "REGEDIT4\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows Defender]\n"
                                      "\"ProxyPacUrl\"=\"file://C:/corp/proxy.pac\"\n\"ProxyBypass\"=\"");
    for (int i = 0; i < 300; i++)
        o += snprintf(big + o, sizeof big - (size_t)o, "%shost%d.corp.example", i ? ";" : "", i);
    snprintf(big + o, sizeof big - (size_t)o, "\"\n");
    assert_int_equal(tp_devproxy_read_reg(&d, big, strlen(big), "long.reg", err, sizeof err), 0);
    assert_null(d.mdav_pac);
    assert_int_equal(d.mdav_bypass.n, 300);
    assert_int_equal(d.notes.n, 1);
    assert_non_null(strstr(d.notes.v[0], "not an http:// PAC URL"));
    tp_devproxy_free(&d);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"REGEDIT5\n", "b.reg:1: expected \"Windows Registry Editor Version 5.00\""},
        {"", "b.reg: expected a .reg export"},
        {"REGEDIT4\n[HKEY_LOCAL_MACHINE\\x\n", "b.reg:2: expected a key line"},
        {"REGEDIT4\n[HKLM\\x]\n\"a\"=dword:1\n", "b.reg:3: expected \"name\"=\"text\""},
        {"REGEDIT4\n[HKLM\\x]\n\"a=\"b\"\n", "b.reg:3: expected \"name\"=\"text\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(tp_devproxy_read_reg(&d, bad[i].text, strlen(bad[i].text), "b.reg", err,
                                              sizeof err), -1);
        if (!strstr(err, bad[i].msg))
            fail_msg("case %zu: got \"%s\"", i, err);
        tp_devproxy_free(&d);
    }
    /* UTF-16 of odd length, and NUL bytes without a BOM */
    assert_int_equal(tp_devproxy_read_reg(&d, "\xff\xfe\x41", 3, "u.reg", err, sizeof err), -1);
    assert_int_equal(tp_devproxy_read_reg(&d, "R\0E\0", 4, "u.reg", err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    tp_devproxy_free(&d);
}

static void test_mdatp_env(void **state)
{
    (void)state;
    tp_devproxy d;
    tp_devproxy_init(&d);
    read_file(&d, tp_devproxy_read_mdatp, "mdatp_managed.json");
    assert_string_equal(d.mdatp_proxy, "proxy.server:3128");
    read_file(&d, tp_devproxy_read_envfile, "environment");
    assert_string_equal(d.env_proxy, "10.0.0.8:3128");
    /* NO_PROXY: curl's domains become the domain and its subdomains */
    assert_true(tp_strlist_has(&d.env_no_proxy, "localhost"));
    assert_true(tp_strlist_has(&d.env_no_proxy, "*.localhost"));
    assert_true(tp_strlist_has(&d.env_no_proxy, "corp.example"));
    assert_true(tp_strlist_has(&d.env_no_proxy, "*.corp.example"));
    assert_true(tp_strlist_has(&d.env_no_proxy, "10.0.0.0/8"));
    cJSON *root = tp_devproxy_paths(&d);
    assert_non_null(path_by_id(root, "mdatp"));
    assert_non_null(path_by_id(root, "env"));
    assert_loads(root, 2);
    cJSON_Delete(root);
    tp_devproxy_free(&d);

    char err[256];
    const char *bad = "{\"cloudService\": {\"proxy\": 3}}";
    assert_int_equal(tp_devproxy_read_mdatp(&d, bad, strlen(bad), "m.json", err, sizeof err), -1);
    assert_non_null(strstr(err, "m.json: cloudService.proxy: expected a string"));
    assert_int_equal(tp_devproxy_read_mdatp(&d, "{", 1, "m.json", err, sizeof err), -1);
    tp_devproxy_free(&d);

    /* credentials are dropped and noted, never kept or shown */
    assert_int_equal(tp_devproxy_read_env(&d, "http://svc:S3cret%21@10.0.0.9:3128", NULL, "env",
                                          err, sizeof err), 0);
    assert_string_equal(d.env_proxy, "10.0.0.9:3128");
    root = tp_devproxy_paths(&d);
    char *text = cJSON_Print(root);
    assert_null(strstr(text, "S3cret"));
    assert_null(strstr(text, "svc"));
    assert_non_null(strstr(text, "credentials"));
    free(text);
    cJSON_Delete(root);
    tp_devproxy_free(&d);

    /* an https:// or socks proxy is noted and not used */
    assert_int_equal(tp_devproxy_read_env(&d, "socks5://10.0.0.9:1080", NULL, "env", err, sizeof err), 0);
    assert_null(d.env_proxy);
    assert_int_equal(d.notes.n, 1);
    tp_devproxy_free(&d);
}

static void test_bypass_lists(void **state)
{
    (void)state;
    tp_strlist out = {0}, notes = {0};
    assert_int_equal(tp_bypass_from_winhttp("<local>; *.a.com,,b.com  http://c.com 10.0.0.0/99", &out, &notes), 0);
    assert_int_equal(out.n, 4);
    assert_string_equal(out.v[3], "c.com");
    assert_int_equal(notes.n, 2); /* the scheme prefix, the bad prefix */
    tp_strlist_free(&out);
    tp_strlist_free(&notes);
    assert_int_equal(tp_bypass_from_no_proxy("*, .x.org ,10.1.2.3:80,[::1]", &out, &notes), 0);
    assert_true(tp_strlist_has(&out, "*"));
    assert_true(tp_strlist_has(&out, "x.org"));
    assert_true(tp_strlist_has(&out, "*.x.org"));
    assert_true(tp_strlist_has(&out, "10.1.2.3:80"));
    assert_false(tp_strlist_has(&out, "*.10.1.2.3:80"));
    tp_strlist_free(&out);
    tp_strlist_free(&notes);
}

/* input/wpad.h: search domains and DNS devolution */
static void test_wpad(void **state)
{
    (void)state;
    const char *rc = "nameserver 10.0.0.53\ndomain old.example\nsearch Corp.Contoso.com. lab.test bad_dom\n"
                     "options ndots:1\n";
    tp_strlist d = {0}, u = {0};
    assert_int_equal(tp_wpad_search_domains(rc, strlen(rc), &d), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.v[0], "corp.contoso.com");
    assert_string_equal(d.v[1], "lab.test");
    assert_int_equal(tp_wpad_candidates(&d, &u), 0);
    assert_int_equal(u.n, 3);
    assert_string_equal(u.v[0], "http://wpad.corp.contoso.com/wpad.dat");
    assert_string_equal(u.v[1], "http://wpad.contoso.com/wpad.dat");
    assert_string_equal(u.v[2], "http://wpad.lab.test/wpad.dat"); /* never wpad.com / wpad.test */
    tp_strlist_free(&d);
    tp_strlist_free(&u);
    const char *only = "domain example.org\n";
    assert_int_equal(tp_wpad_search_domains(only, strlen(only), &d), 0);
    assert_int_equal(d.n, 1);
    tp_strlist_free(&d);
    assert_int_equal(tp_wpad_search_domains("nameserver 1.1.1.1\n", 20, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(tp_wpad_candidates(&d, &u), 0);
    assert_int_equal(u.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netsh),
        cmocka_unit_test(test_reg),
        cmocka_unit_test(test_mdatp_env),
        cmocka_unit_test(test_bypass_lists),
        cmocka_unit_test(test_wpad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
