/* test_oom_paths.c — the pieces of issue 14 that turn settings into paths, driven directly:
 * tp_devproxy_paths (every source present, each with and without bypass lists, the CRL
 * routes it chooses), tp_app_expand_families ("family": "both" becomes ID.ipv4 / ID.ipv6,
 * references follow the IPv4 twin) and tp_app_label_addresses (--service-tags labels).
 * Each is checked for what it produces, then run with allocation 0, 1, 2, ... failed in
 * turn (the injector of test_oom.c, linked with -Wl,--wrap in tests/CMakeLists.txt): it
 * must report the failure, never a success with a path or label missing, and leave
 * nothing behind (the ASan build's leak checker). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_paths.h"
#include "input/config.h"
#include "input/devproxy.h"
#include "input/servicetags.h"

/* ---------- the injector (as test_oom.c) ---------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static long target;
static long countdown = -1; /* allocations left before the failure; -1 = disarmed */
static bool hit;

static bool fail_now(void)
{
    if (countdown < 0)
        return false;
    if (countdown-- == 0) {
        hit = true;
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return fail_now() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fail_now() ? NULL : __real_strndup(s, n); }
static void *cjson_malloc(size_t n) { return __wrap_malloc(n); }

static void arm(void)
{
    hit = false;
    countdown = target;
}
static void disarm(void) { countdown = -1; }

typedef int (*op_fn)(void);

static long sweep(const char *name, op_fn op)
{
    for (target = 0; target < 100000; target++) {
        int rc = op();
        disarm();
        if (!hit) {
            if (rc != 0)
                fail_msg("%s: fails (%d) without any allocation failure", name, rc);
            print_message("%s: %ld allocations, each failed in turn\n", name, target);
            return target;
        }
        if (rc == 0)
            fail_msg("%s: allocation %ld failed, yet the operation reported success", name, target);
    }
    fail_msg("%s: never completed", name);
    return -1;
}

/* ---------- devproxy → paths ---------- */

/* A device with every setting: WinHTTP (http= apart, bypass), TelemetryProxyServer,
 * Defender AV proxy + PAC + bypass, mdatp and the environment with NO_PROXY. */
static void device_full(tp_devproxy *d, int prefer_static)
{
    tp_devproxy_init(d);
    d->winhttp_read = true;
    d->winhttp_proxy = strdup("10.0.0.6:8080");
    d->winhttp_http_proxy = strdup("10.0.0.7:8080");
    assert_int_equal(tp_strlist_add(&d->winhttp_bypass, "*.corp.example"), 0);
    d->telemetry_proxy = strdup("10.0.0.8:3128");
    d->disable_enterprise_auth = 0;
    d->prefer_static_for_http = prefer_static;
    d->mdav_proxy = strdup("10.0.0.9:3128");
    d->mdav_pac = strdup("http://10.0.0.1/proxy.pac");
    assert_int_equal(tp_strlist_add(&d->mdav_bypass, "intranet.example"), 0);
    d->mdatp_proxy = strdup("10.0.0.10:3128");
    d->env_proxy = strdup("10.0.0.11:3128");
    assert_int_equal(tp_strlist_add(&d->env_no_proxy, ".local.example"), 0);
    assert_int_equal(tp_strlist_add(&d->notes, "credentials dropped from HTTPS_PROXY"), 0);
}

static const cJSON *path_by_id(const cJSON *doc, const char *id)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc, "paths"))
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "id");
        if (cJSON_IsString(v) && !strcmp(v->valuestring, id))
            return p;
    }
    return NULL;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *first_bypass(const cJSON *p)
{
    const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p, "bypass"), 0);
    return cJSON_IsString(b) ? b->valuestring : NULL;
}

static void test_devproxy_every_setting(void **state)
{
    (void)state;
    tp_devproxy d;
    device_full(&d, -1);
    cJSON *doc = tp_devproxy_paths(&d);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "paths")), 7);
    const cJSON *notes = cJSON_GetObjectItemCaseSensitive(doc, "$comment");
    assert_string_equal(cJSON_GetArrayItem(notes, 0)->valuestring, "credentials dropped from HTTPS_PROXY");

    const cJSON *w = path_by_id(doc, "winhttp");
    assert_non_null(w);
    assert_string_equal(str_of(w, "proxy"), "10.0.0.6:8080");
    assert_string_equal(first_bypass(w), "*.corp.example");
    assert_non_null(strstr(str_of(w, "$comment"), "http= names another proxy"));

    const cJSON *e = path_by_id(doc, "edr-static");
    assert_string_equal(str_of(e, "proxy"), "10.0.0.8:3128");
    assert_string_equal(str_of(e, "fallback"), "direct");
    assert_string_equal(str_of(e, "crl_via"), "winhttp");
    assert_non_null(strstr(str_of(e, "$comment"), "DisableEnterpriseAuthProxy is 0"));

    const cJSON *m = path_by_id(doc, "mdav-static");
    assert_string_equal(str_of(m, "crl_via"), "winhttp");
    assert_string_equal(first_bypass(m), "intranet.example");
    const cJSON *pac = path_by_id(doc, "mdav-pac");
    assert_string_equal(str_of(pac, "type"), "pac");
    assert_string_equal(str_of(pac, "pac"), "http://10.0.0.1/proxy.pac");
    assert_non_null(strstr(str_of(pac, "$comment"), "when ProxyServer is not used"));

    assert_string_equal(str_of(path_by_id(doc, "mdatp"), "proxy"), "10.0.0.10:3128");
    const cJSON *env = path_by_id(doc, "env");
    assert_string_equal(first_bypass(env), ".local.example");
    assert_non_null(strstr(str_of(env, "$comment"), "the managed proxy wins"));
    /* the sensor's fallback exists */
    assert_string_equal(str_of(path_by_id(doc, "direct"), "type"), "direct");
    cJSON_Delete(doc);
    tp_devproxy_free(&d);
}

/* PreferStaticProxyForHttpRequest=1: the sensor's CRLs go through its own proxy (no
 * crl_via); without WinHTTP the system's route is direct; without any setting, one direct
 * path that points at --wpad. */
static void test_devproxy_variants(void **state)
{
    (void)state;
    tp_devproxy d;
    tp_devproxy_init(&d);
    d.telemetry_proxy = strdup("10.0.0.8:3128");
    d.prefer_static_for_http = 1;
    d.mdav_proxy = strdup("10.0.0.9:3128");
    cJSON *doc = tp_devproxy_paths(&d);
    assert_non_null(doc);
    const cJSON *e = path_by_id(doc, "edr-static");
    assert_null(cJSON_GetObjectItemCaseSensitive(e, "crl_via"));
    assert_non_null(strstr(str_of(e, "$comment"), "PreferStaticProxyForHttpRequest=1"));
    assert_null(strstr(str_of(e, "$comment"), "DisableEnterpriseAuthProxy"));
    const cJSON *m = path_by_id(doc, "mdav-static");
    assert_string_equal(str_of(m, "crl_via"), "direct");
    assert_null(cJSON_GetObjectItemCaseSensitive(m, "bypass"));
    cJSON_Delete(doc);
    tp_devproxy_free(&d);

    tp_devproxy_init(&d);
    d.telemetry_proxy = strdup("10.0.0.8:3128");
    d.mdav_pac = strdup("http://10.0.0.1/p.pac");
    d.env_proxy = strdup("10.0.0.11:3128");
    doc = tp_devproxy_paths(&d);
    e = path_by_id(doc, "edr-static");
    assert_string_equal(str_of(e, "crl_via"), "direct");
    assert_non_null(strstr(str_of(e, "$comment"), "direct (no system-wide proxy)"));
    assert_non_null(strstr(str_of(path_by_id(doc, "mdav-pac"), "$comment"), "for each URL"));
    assert_non_null(strstr(str_of(path_by_id(doc, "env"), "$comment"), "without a managed one"));
    assert_null(cJSON_GetObjectItemCaseSensitive(path_by_id(doc, "env"), "bypass"));
    cJSON_Delete(doc);
    tp_devproxy_free(&d);

    tp_devproxy_init(&d);
    doc = tp_devproxy_paths(&d);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "paths")), 1);
    assert_non_null(strstr(str_of(path_by_id(doc, "direct"), "$comment"), "--wpad"));
    cJSON_Delete(doc);
    tp_devproxy_free(&d);
}

static int op_devproxy(void)
{
    tp_devproxy d;
    device_full(&d, -1);
    arm();
    cJSON *doc = tp_devproxy_paths(&d);
    disarm();
    int rc = doc ? 0 : -1;
    if (doc && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "paths")) != 7)
        fail_msg("devproxy paths: a path went missing");
    cJSON_Delete(doc);
    tp_devproxy_free(&d);
    return rc;
}

/* ---------- family: both ---------- */

static void config_both(tp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->paths = calloc(3, sizeof *cfg->paths);
    assert_non_null(cfg->paths);
    cfg->n_paths = 3;
    cfg->paths[0].id = strdup("direct");
    cfg->paths[0].family = TP_FAM_BOTH;
    cfg->paths[1].id = strdup("corp");
    cfg->paths[1].type = TP_PATH_HTTP;
    cfg->paths[1].proxy_host = strdup("127.0.0.1");
    cfg->paths[1].proxy_port = 3128;
    cfg->paths[1].fallback = strdup("direct");
    cfg->paths[1].crl_via = strdup("direct");
    cfg->paths[2].id = strdup("v6only");
    cfg->paths[2].family = TP_FAM_V6;
    assert_int_equal(tp_strlist_add(&cfg->paths[0].bypass, "*.local"), 0);
}

static void test_expand_families(void **state)
{
    (void)state;
    tp_config cfg;
    char err[128] = "";
    config_both(&cfg);
    assert_int_equal(tp_app_expand_families(&cfg, err, sizeof err), 0);
    assert_int_equal(cfg.n_paths, 4);
    assert_string_equal(cfg.paths[0].id, "direct.ipv4");
    assert_int_equal(cfg.paths[0].family, TP_FAM_V4);
    assert_string_equal(cfg.paths[1].id, "direct.ipv6");
    assert_int_equal(cfg.paths[1].family, TP_FAM_V6);
    /* the twin is a deep copy: its own bypass list */
    assert_int_equal(cfg.paths[1].bypass.n, 1);
    assert_ptr_not_equal(cfg.paths[1].bypass.v, cfg.paths[0].bypass.v);
    assert_string_equal(cfg.paths[1].bypass.v[0], "*.local");
    /* references follow the IPv4 twin */
    assert_string_equal(cfg.paths[2].id, "corp");
    assert_string_equal(cfg.paths[2].fallback, "direct.ipv4");
    assert_string_equal(cfg.paths[2].crl_via, "direct.ipv4");
    assert_string_equal(cfg.paths[3].id, "v6only");
    assert_int_equal(cfg.paths[3].family, TP_FAM_V6);
    /* nothing left to expand: unchanged */
    assert_int_equal(tp_app_expand_families(&cfg, err, sizeof err), 0);
    assert_int_equal(cfg.n_paths, 4);
    tp_config_free(&cfg);
}

static int op_expand(void)
{
    tp_config cfg;
    char err[128] = "";
    config_both(&cfg);
    arm();
    int rc = tp_app_expand_families(&cfg, err, sizeof err);
    disarm();
    if (rc != 0 && strcmp(err, "out of memory") != 0)
        fail_msg("expand: unexpected error \"%s\"", err);
    /* a failure leaves the config whole (three paths, still freeable) or expanded */
    if (rc != 0 && cfg.n_paths != 3)
        fail_msg("expand: failed yet n_paths is %zu", cfg.n_paths);
    if (rc == 0 && cfg.n_paths != 4)
        fail_msg("expand: succeeded with %zu paths", cfg.n_paths);
    tp_config_free(&cfg);
    return rc;
}

/* ---------- service-tag labels ---------- */

static const char TAGS[] =
    "{\"changeNumber\": 7, \"cloud\": \"Public\", \"values\": [\n"
    " {\"name\": \"MicrosoftDefenderForEndpoint\", \"id\": \"MicrosoftDefenderForEndpoint\",\n"
    "  \"properties\": {\"addressPrefixes\": [\"127.0.0.0/8\", \"::1/128\"]}},\n"
    " {\"name\": \"AzureCloud\", \"id\": \"AzureCloud\",\n"
    "  \"properties\": {\"addressPrefixes\": [\"127.0.0.0/16\"]}}]}\n";

static void results_two(tp_result r[3])
{
    memset(r, 0, 3 * sizeof *r);
    assert_int_equal(tp_strlist_add(&r[0].addresses, "127.0.0.1"), 0);
    assert_int_equal(tp_strlist_add(&r[0].addresses, "::1"), 0);
    assert_int_equal(tp_strlist_add(&r[0].addresses, "192.0.2.1"), 0);
    /* r[1]: no address (not resolved): stays unlabelled */
    assert_int_equal(tp_strlist_add(&r[2].addresses, "127.1.0.1"), 0);
}

static void test_label_addresses(void **state)
{
    (void)state;
    tp_servicetags st;
    char err[256];
    memset(&st, 0, sizeof st);
    assert_int_equal(tp_servicetags_load_mem(TAGS, sizeof TAGS - 1, "tags.json", &st, err, sizeof err), 0);
    tp_result r[3];
    results_two(r);
    assert_int_equal(tp_app_label_addresses(&st, r, 3), 0);
    assert_non_null(r[0].addr_tags);
    assert_non_null(strstr(r[0].addr_tags, "127.0.0.1="));
    assert_non_null(strstr(r[0].addr_tags, "MicrosoftDefenderForEndpoint"));
    assert_non_null(strstr(r[0].addr_tags, "AzureCloud"));
    assert_non_null(strstr(r[0].addr_tags, ";::1=MicrosoftDefenderForEndpoint;"));
    /* outside every tag: the address with an empty label, last */
    const char *tail = strstr(r[0].addr_tags, ";192.0.2.1=");
    assert_non_null(tail);
    assert_string_equal(tail, ";192.0.2.1=");
    assert_null(r[1].addr_tags);
    assert_string_equal(r[2].addr_tags, "127.1.0.1=MicrosoftDefenderForEndpoint");
    for (int i = 0; i < 3; i++)
        tp_result_free(&r[i]);
    tp_servicetags_free(&st);
}

static tp_servicetags lab_tags;

static int op_label(void)
{
    tp_result r[3];
    results_two(r);
    arm();
    int rc = tp_app_label_addresses(&lab_tags, r, 3);
    disarm();
    if (rc == 0 && (!r[0].addr_tags || !r[2].addr_tags))
        fail_msg("labels: success with a label missing");
    for (int i = 0; i < 3; i++)
        tp_result_free(&r[i]);
    return rc;
}

static void test_oom_paths(void **state)
{
    (void)state;
    char err[256];
    memset(&lab_tags, 0, sizeof lab_tags);
    assert_int_equal(tp_servicetags_load_mem(TAGS, sizeof TAGS - 1, "tags.json", &lab_tags, err, sizeof err), 0);
    assert_true(sweep("devproxy paths", op_devproxy) > 20);
    assert_true(sweep("family both", op_expand) > 2);
    assert_true(sweep("service-tag labels", op_label) > 2);
    tp_servicetags_free(&lab_tags);
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = cjson_malloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devproxy_every_setting),
        cmocka_unit_test(test_devproxy_variants),
        cmocka_unit_test(test_expand_families),
        cmocka_unit_test(test_label_addresses),
        cmocka_unit_test(test_oom_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
