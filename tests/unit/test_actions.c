/* test_actions.c — the action list: failures grouped by (where, what), every rule named
 * once, the probes behind each, most impact first; CRL fixes name the CRL hosts, DNS
 * fixes the CNAME target; a fallback that worked is a warning after the failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "fixture_run.h"
#include "judge/actions.h"

#define N_EP 5

typedef struct arun {
    tp_config cfg;
    tp_catalog cat;
    tp_run run;
} arun;

static tp_result *res(arun *a, size_t ep, size_t path)
{
    return &a->run.results[ep * FX_N_PATHS + path];
}

static void ok(tp_result *r)
{
    r->status = TP_ST_OK;
    r->phase = TP_PH_DONE;
}

/* 4 MAPS hosts under *.wd.microsoft.com and one EDR host without a wildcard, on direct,
 * corp (10.0.0.6:8080) and corp-auth (proxy.corp:3128, falls back to direct). */
static void build(arun *a)
{
    memset(a, 0, sizeof *a);
    fx_paths(&a->cfg);
    a->cat.n = N_EP;
    a->cat.endpoints = calloc(N_EP, sizeof *a->cat.endpoints);
    assert_non_null(a->cat.endpoints);
    const char *hosts[] = {"unitedstates.cp.wd.microsoft.com", "europe.cp.wd.microsoft.com",
                           "unitedkingdom.cp.wd.microsoft.com", "australia.cp.wd.microsoft.com"};
    for (size_t i = 0; i < 4; i++) {
        char id[32], url[128];
        snprintf(id, sizeof id, "maps-%zu", i);
        snprintf(url, sizeof url, "https://%s/", hosts[i]);
        fx_endpoint(&a->cat.endpoints[i], id, "maps", url, "https", hosts[i], 443, i < 3, "US", "microsoft", 404);
        a->cat.endpoints[i].wildcard = fx_s("*.wd.microsoft.com");
    }
    fx_endpoint(&a->cat.endpoints[4], "edr-cus", "edr", "https://winatp-gw-cus.microsoft.com/", "https",
                "winatp-gw-cus.microsoft.com", 443, true, "US", NULL, 200);
    a->run.cfg = &a->cfg;
    a->run.catalogs = &a->cat;
    a->run.n_catalogs = 1;
    a->run.n_results = N_EP * FX_N_PATHS;
    a->run.results = calloc(a->run.n_results, sizeof *a->run.results);
    assert_non_null(a->run.results);
    for (size_t e = 0; e < N_EP; e++)
        for (size_t p = 0; p < FX_N_PATHS; p++) {
            tp_result *r = res(a, e, p);
            r->ep = &a->cat.endpoints[e];
            r->path = r->used_path = &a->cfg.paths[p];
            ok(r);
        }
    /* corp re-signs everything: one action for five probes */
    for (size_t e = 0; e < N_EP; e++)
        fx_fail(res(a, e, FX_P_CORP), TP_PH_VERIFY, "intercepted", "re-signed", "0x80072F8F", "exclude");
    /* corp-auth: two anonymous CONNECTs refused, one fallback that worked */
    for (size_t e = 0; e < 2; e++) {
        fx_fail(res(a, e, FX_P_AUTH), TP_PH_PROXY, "proxy_auth_required", "407", "0x80190197", "allow");
        res(a, e, FX_P_AUTH)->proxy_status = 407;
    }
    tp_result *fb = res(a, 4, FX_P_AUTH);
    fb->status = TP_ST_WARN;
    fb->error_code = TP_OC_PROXY_FALLBACK;
    fb->used_path = &a->cfg.paths[FX_P_DIRECT];
    /* direct: two CRL failures (both CRL hosts of each), one NXDOMAIN behind a CNAME */
    for (size_t e = 2; e < 4; e++) {
        fx_fail(res(a, e, FX_P_DIRECT), TP_PH_REVOCATION, "crl_unreachable", "crl", "0x80072F8F", "crl");
        fx_crls(res(a, e, FX_P_DIRECT), "direct", 0, "connect_refused");
        free(res(a, e, FX_P_DIRECT)->crls[1].url);
        res(a, e, FX_P_DIRECT)->crls[1].url = fx_s("http://www.lab.test/pki/root.crl");
    }
    tp_result *nx = res(a, 4, FX_P_DIRECT);
    fx_fail(nx, TP_PH_DNS, "dns_nxdomain", "nx", "0x80072EE7", "dns");
    fx_dns(nx, NULL, "winatp-gw-cus.trafficmanager.net");
}

static void destroy(arun *a)
{
    for (size_t i = 0; i < a->run.n_results; i++)
        tp_result_free(&a->run.results[i]);
    free(a->run.results);
    tp_catalog_free(&a->cat);
    tp_config_free(&a->cfg);
}

static void test_grouped_and_ordered(void **state)
{
    (void)state;
    arun a;
    build(&a);
    tp_action *v;
    size_t n;
    assert_int_equal(tp_actions_build(&a.run, &v, &n), 0);
    assert_int_equal(n, 5);

    /* most impact first: 5 probes on corp */
    char *line = tp_action_line(&v[0]);
    assert_string_equal(line, "proxy corp (10.0.0.6:8080): exclude from TLS inspection: *.wd.microsoft.com, "
                              "winatp-gw-cus.microsoft.com (5 probes)");
    free(line);
    /* a capped line names the first rules and counts the rest */
    line = tp_action_line_max(&v[0], 1);
    assert_string_equal(line, "proxy corp (10.0.0.6:8080): exclude from TLS inspection: *.wd.microsoft.com "
                              "and 1 more (5 probes)");
    free(line);
    line = tp_action_line_max(&v[0], 2);   /* a cap the list fits in changes nothing */
    assert_string_equal(line, "proxy corp (10.0.0.6:8080): exclude from TLS inspection: *.wd.microsoft.com, "
                              "winatp-gw-cus.microsoft.com (5 probes)");
    free(line);
    assert_string_equal(v[0].kind, "proxy");
    assert_ptr_equal(v[0].path, &a.cfg.paths[FX_P_CORP]);
    assert_int_equal(v[0].n_probes, 5);
    assert_int_equal(v[0].required, 4);
    assert_int_equal(v[0].status, TP_ST_FAIL);
    for (size_t i = 0; i < 5; i++)
        assert_ptr_equal(a.run.results[v[0].probes[i]].path, &a.cfg.paths[FX_P_CORP]);

    /* then the two 2-probe failures, the one with more required probes first */
    line = tp_action_line(&v[1]);
    assert_non_null(strstr(line, "proxy corp-auth (proxy.corp:3128): allow anonymous CONNECT"));
    assert_non_null(strstr(line, ": *.wd.microsoft.com (2 probes)"));
    free(line);
    assert_int_equal(v[1].required, 2);

    /* the CRL fix names every CRL host that failed, not the endpoints */
    line = tp_action_line(&v[2]);
    assert_string_equal(line, "firewall / egress of the direct path (direct): allow port 80 to the CRL hosts (or "
                              "set a system-wide WinHTTP proxy): crl.lab.test, www.lab.test (2 probes)");
    free(line);
    assert_string_equal(v[2].kind, "crl");
    assert_int_equal(v[2].required, 1);

    /* DNS: the host and the CNAME target a name rule misses */
    line = tp_action_line(&v[3]);
    assert_non_null(strstr(line, "DNS (resolver 10.0.0.53:53): make these names resolve: "));
    assert_non_null(strstr(line, "winatp-gw-cus.trafficmanager.net"));
    assert_non_null(strstr(line, "winatp-gw-cus.microsoft.com"));
    free(line);

    /* the warning comes last, on the proxy that is down */
    assert_int_equal(v[4].status, TP_ST_WARN);
    assert_non_null(strstr(v[4].where, "proxy corp-auth"));
    assert_string_equal(v[4].codes.v[0], "proxy_fallback");
    tp_actions_free(v, n);
    destroy(&a);
}

static void test_nothing_to_change(void **state)
{
    (void)state;
    arun a;
    build(&a);
    for (size_t i = 0; i < a.run.n_results; i++)
        ok(&a.run.results[i]);
    tp_action *v = (tp_action *)1;
    size_t n = 7;
    assert_int_equal(tp_actions_build(&a.run, &v, &n), 0);
    assert_null(v);
    assert_int_equal(n, 0);
    /* skipped probes are not actions either */
    a.run.results[0].status = TP_ST_SKIPPED;
    assert_int_equal(tp_actions_build(&a.run, &v, &n), 0);
    assert_int_equal(n, 0);
    destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouped_and_ordered),
        cmocka_unit_test(test_nothing_to_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
