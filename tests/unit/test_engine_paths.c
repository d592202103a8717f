/* test_engine_paths.c — the engine on the paths a device really takes (issue 14): a DNS
 * filter's sinkhole ends in dns_sinkhole before any connection; a PAC's answer is followed
 * entry after entry (PROXY dead; PROXY dead; DIRECT) while a configured fallback is followed
 * once; a path's family keeps the addresses of that family; a source address is bound; a
 * bypass list sends an endpoint direct at plan time. In-process peers on 127.0.0.1 only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"

#include "input/config.h"
#include "net/engine.h"
#include "plan/pacroute.h"
#include "plan/plan.h"

static tpki pki;
static tpki_cert cert;
static mbedtls_ssl_config conf;

static int setup(void **state)
{
    (void)state;
    return tpki_init(&pki) || tpki_leaf(&pki, "127.0.0.1", false, &cert) || tsrv_tls_conf(&conf, &pki, &cert) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    mbedtls_ssl_config_free(&conf);
    tpki_cert_free(&cert);
    tpki_free(&pki);
    return 0;
}

typedef struct world {
    tp_config cfg;
    tp_plan plan;
    tp_endpoint eps[8];
    tp_result res[8];
    size_t n;
    tp_route_store *store;
    tdns dns;
    char server[64];
} world;

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    assert_int_equal(tp_config_defaults(&w->cfg), 0);
    tp_config_clear_paths(&w->cfg);
    w->cfg.system_ca = false;
    assert_int_equal(tp_strlist_add(&w->cfg.ca_files, pki.ca_file), 0);
    w->cfg.limits.dns_ms = w->cfg.limits.connect_ms = w->cfg.limits.proxy_ms = 1000;
    w->cfg.limits.tls_ms = w->cfg.limits.http_ms = w->cfg.limits.crl_ms = 1000;
    w->cfg.limits.total_ms = 4000;
    assert_int_equal(tdns_start(&w->dns), 0);
    snprintf(w->server, sizeof w->server, "127.0.0.1:%d", w->dns.port);
    assert_int_equal(tp_strlist_add(&w->cfg.resolvers, w->server), 0);
    w->store = tp_route_store_new();
    assert_non_null(w->store);
}

static tp_path *add_path(world *w, const char *id, tp_path_type type, int proxy_port)
{
    tp_path p;
    memset(&p, 0, sizeof p);
    p.id = tp_strdup(id);
    p.type = type;
    if (type == TP_PATH_HTTP) {
        p.proxy_host = tp_strdup("127.0.0.1");
        p.proxy_port = proxy_port;
    }
    if (type == TP_PATH_PAC)
        p.pac = tp_strdup("inline");
    assert_int_equal(tp_config_add_path(&w->cfg, &p), 0);
    return &w->cfg.paths[w->cfg.n_paths - 1];
}

static void resolve(world *w)
{
    char err[128];
    assert_int_equal(tp_plan_resolve(&w->plan, &w->cfg, err, sizeof err), 0);
}

static tp_result *add_result(world *w, const char *path_id, const char *host, int port)
{
    tp_endpoint *e = &w->eps[w->n];
    tp_result *r = &w->res[w->n++];
    e->id = tp_asprintf("ep%zu", w->n);
    e->url = tp_asprintf("https://%s:%d/probe", host, port);
    e->scheme = tp_strdup("https");
    e->host = tp_strdup(host);
    e->port = port;
    e->path = tp_strdup("/probe");
    e->method = tp_strdup("GET");
    e->expect_status[0] = 404;
    e->n_expect_status = 1;
    r->ep = e;
    r->path = r->used_path = tp_config_find_path(&w->cfg, path_id);
    assert_non_null(r->path);
    r->route = tp_plan_route(&w->plan, r->path);
    return r;
}

static void run(world *w, bool loopback_sinkhole)
{
    tp_engine_opts o = {.limits = w->cfg.limits, .resolvers = &w->cfg.resolvers, .ca_files = &w->cfg.ca_files,
                        .block_pages = &w->cfg.dns.block_pages, .loopback_sinkhole = loopback_sinkhole};
    char err[256] = "";
    if (tp_engine_run(&o, w->res, w->n, NULL, NULL, err, sizeof err) != 0)
        fail_msg("%s", err);
}

static void world_free(world *w)
{
    for (size_t i = 0; i < w->n; i++) {
        tp_result_free(&w->res[i]);
        tp_endpoint_free(&w->eps[i]);
    }
    tp_route_store_free(w->store);
    tp_plan_release(&w->plan);
    tp_config_free(&w->cfg);
    tdns_stop(&w->dns);
}

static void assert_code(const tp_result *r, tp_outcome code)
{
    if (r->error_code != code)
        fail_msg("expected %s, got %s (%s)", tp_outcome_name(code),
                 r->error_code ? tp_outcome_name(r->error_code) : "no error", r->error_message ? r->error_message : "");
}

static void test_sinkhole(void **state)
{
    (void)state;
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &conf), 0);
    world w;
    world_init(&w);
    add_path(&w, "direct", TP_PATH_DIRECT, 0);
    add_path(&w, "viaproxy", TP_PATH_HTTP, 1); /* the proxy's NAME is what gets sinkholed below */
    free(w.cfg.paths[1].proxy_host);
    w.cfg.paths[1].proxy_host = tp_strdup("sink.proxy.test");
    resolve(&w);
    tp_result *s = add_result(&w, "direct", "sink.test", srv.port);
    tp_result *g = add_result(&w, "direct", "good.test", srv.port);
    tp_result *p = add_result(&w, "viaproxy", "good.test", srv.port);
    run(&w, false);
    assert_code(s, TP_OC_DNS_SINKHOLE);
    assert_int_equal(s->phase, TP_PH_DNS);
    assert_true(s->t.connect < 0);   /* no connection to 0.0.0.0 (that is this machine) */
    assert_non_null(strstr(s->error_message, "a DNS filter blocks sink.test"));
    assert_int_equal(s->addresses.n, 1);
    assert_string_equal(s->addresses.v[0], "0.0.0.0");
    assert_code(g, TP_OC_NONE);      /* loopback answers are fine when not asked */
    assert_code(p, TP_OC_DNS_SINKHOLE);
    assert_non_null(strstr(p->error_message, "proxy host sink.proxy.test"));

    /* loopback as a sinkhole, and a block page */
    for (size_t i = 0; i < w.n; i++)
        tp_result_free(&w.res[i]), w.res[i].ep = &w.eps[i], w.res[i].path = w.res[i].used_path = &w.cfg.paths[0],
                                    w.res[i].route = tp_plan_route(&w.plan, &w.cfg.paths[0]);
    run(&w, true);
    assert_code(g, TP_OC_DNS_SINKHOLE);
    for (size_t i = 0; i < w.n; i++)
        tp_result_free(&w.res[i]), w.res[i].ep = &w.eps[i], w.res[i].path = w.res[i].used_path = &w.cfg.paths[0],
                                    w.res[i].route = tp_plan_route(&w.plan, &w.cfg.paths[0]);
    assert_int_equal(tp_strlist_add(&w.cfg.dns.block_pages, "127.0.0.1"), 0);
    run(&w, false);
    assert_code(g, TP_OC_DNS_SINKHOLE);
    world_free(&w);
    tsrv_stop(&srv);
}

static void test_pac_chain(void **state)
{
    (void)state;
    tsrv srv, proxy;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &conf), 0);
    assert_int_equal(tsrv_start(&proxy, TS_PROXY, NULL), 0);
    int dead1 = tsrv_dead_port(), dead2 = tsrv_dead_port();
    world w;
    world_init(&w);
    add_path(&w, "corp-pac", TP_PATH_PAC, 0);
    resolve(&w);
    tp_result *a = add_result(&w, "corp-pac", "127.0.0.1", srv.port);
    tp_result *b = add_result(&w, "corp-pac", "127.0.0.1", srv.port);
    tp_result *c = add_result(&w, "corp-pac", "127.0.0.1", srv.port);
    tp_result *d = add_result(&w, "corp-pac", "127.0.0.1", srv.port);
    char ans[256];
    snprintf(ans, sizeof ans, "PROXY 127.0.0.1:%d; PROXY 127.0.0.1:%d; DIRECT", dead1, dead2);
    assert_int_equal(tp_route_store_apply(w.store, &w.plan, a, ans), 0);
    snprintf(ans, sizeof ans, "PROXY 127.0.0.1:%d; DIRECT", proxy.port);
    assert_int_equal(tp_route_store_apply(w.store, &w.plan, b, ans), 0);
    snprintf(ans, sizeof ans, "SOCKS 127.0.0.1:1080; PROXY 127.0.0.1:%d", dead1);
    assert_int_equal(tp_route_store_apply(w.store, &w.plan, c, ans), 0);
    /* an answer with nothing to try is decided at plan time, not probed */
    assert_int_equal(tp_route_store_apply(w.store, &w.plan, d, "SOCKS5 127.0.0.1:1080"), -1);
    assert_code(d, TP_OC_PAC_ERROR);
    d->route = tp_plan_route(&w.plan, d->path); /* still the pac path: the engine leaves it */
    run(&w, false);

    /* two dead proxies, then direct: followed entry after entry */
    assert_code(a, TP_OC_NONE);
    assert_string_equal(a->used_path->id, "DIRECT");
    assert_true(tp_result_fell_back(a));
    assert_non_null(strstr(a->error_message, "fell back to DIRECT"));
    assert_int_equal(a->http_status, 404);
    assert_non_null(strstr(a->pac_answer, "; DIRECT"));
    /* the first entry works: no fallback */
    assert_code(b, TP_OC_NONE);
    snprintf(ans, sizeof ans, "PROXY 127.0.0.1:%d", proxy.port);
    assert_string_equal(b->used_path->id, ans);
    assert_false(tp_result_fell_back(b));
    assert_int_equal(b->proxy_status, 200);
    /* SOCKS skipped, the one proxy dead and nothing after it */
    assert_code(c, TP_OC_CONNECT_REFUSED);
    assert_code(d, TP_OC_PAC_ERROR);
    assert_int_equal(d->status, TP_ST_FAIL);
    assert_int_equal(d->phase, TP_PH_DNS);
    assert_null(d->connected_address);
    world_free(&w);
    tsrv_stop(&srv);
    tsrv_stop(&proxy);
}

static void test_configured_fallback_once(void **state)
{
    (void)state;
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &conf), 0);
    world w;
    world_init(&w);
    tp_path *a = add_path(&w, "a", TP_PATH_HTTP, tsrv_dead_port());
    a->fallback = tp_strdup("b");
    tp_path *b = add_path(&w, "b", TP_PATH_HTTP, tsrv_dead_port());
    b->fallback = tp_strdup("direct");
    add_path(&w, "direct", TP_PATH_DIRECT, 0);
    resolve(&w);
    tp_result *r = add_result(&w, "a", "127.0.0.1", srv.port);
    run(&w, false);
    /* a → b (one level); b's own fallback is not followed */
    assert_code(r, TP_OC_CONNECT_REFUSED);
    assert_string_equal(r->used_path->id, "b");
    world_free(&w);
    tsrv_stop(&srv);
}

static void test_family_and_source(void **state)
{
    (void)state;
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &conf), 0);
    world w;
    world_init(&w);
    add_path(&w, "v4", TP_PATH_DIRECT, 0)->family = TP_FAM_V4;
    add_path(&w, "v6", TP_PATH_DIRECT, 0)->family = TP_FAM_V6;
    add_path(&w, "src", TP_PATH_DIRECT, 0)->source = tp_strdup("127.0.0.2");
    add_path(&w, "badsrc", TP_PATH_DIRECT, 0)->source = tp_strdup("192.0.2.77");
    resolve(&w);
    tp_result *v4 = add_result(&w, "v4", "dual.test", srv.port);
    tp_result *v6 = add_result(&w, "v6", "dual.test", srv.port);
    tp_result *v6only = add_result(&w, "v6", "good.test", srv.port);
    tp_result *src = add_result(&w, "src", "good.test", srv.port);
    tp_result *bad = add_result(&w, "badsrc", "good.test", srv.port);
    run(&w, false);
    assert_code(v4, TP_OC_NONE);
    assert_true(strncmp(v4->connected_address, "127.0.0.1:", 10) == 0);
    /* ::1 has nothing listening on this port (the server is IPv4 only): the family held */
    assert_true(v6->error_code != TP_OC_NONE);
    assert_true(v6->connected_address == NULL || v6->connected_address[0] == '[');
    assert_code(v6only, TP_OC_DNS_NO_ADDRESS);
    assert_non_null(strstr(v6only->error_message, "good.test has no IPv6 address"));
    assert_code(src, TP_OC_NONE);
    assert_code(bad, TP_OC_CONNECT_ERROR);
    assert_non_null(strstr(bad->error_message, "cannot bind to 192.0.2.77"));
    world_free(&w);
    tsrv_stop(&srv);
}

static void test_bypass_at_plan_time(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    tp_path *p = add_path(&w, "corp", TP_PATH_HTTP, 3128);
    assert_int_equal(tp_strlist_add(&p->bypass, "*.blob.core.windows.net"), 0);
    resolve(&w);
    tp_endpoint eps[2];
    memset(eps, 0, sizeof eps);
    eps[0] = (tp_endpoint){.id = "blob", .host = "x.blob.core.windows.net", .port = 443, .scheme = "https"};
    eps[1] = (tp_endpoint){.id = "maps", .host = "x.wd.microsoft.com", .port = 443, .scheme = "https"};
    tp_catalog cat = {.name = "t", .endpoints = eps, .n = 2};
    tp_result *res;
    size_t n;
    char err[128];
    assert_int_equal(tp_plan_build(&w.plan, &cat, 1, &res, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_true(res[0].bypassed);
    assert_ptr_equal(res[0].route, tp_plan_direct(&w.plan));
    assert_ptr_equal(res[0].path, p);
    assert_false(tp_result_fell_back(&res[0]));
    assert_false(res[1].bypassed);
    assert_ptr_equal(res[1].route->path, p);
    tp_plan_free(res, n);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sinkhole),
        cmocka_unit_test(test_pac_chain),
        cmocka_unit_test(test_configured_fallback_once),
        cmocka_unit_test(test_family_and_source),
        cmocka_unit_test(test_bypass_at_plan_time),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
