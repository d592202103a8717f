/* test_engine.c — the probe engine against in-process peers on 127.0.0.1: a good TLS origin
 * (certificates made at test time), a good CONNECT proxy, hostile proxies and servers, and
 * a UDP DNS responder. Every case runs tp_engine_run on its own loop, which must close with
 * no handle left (tp_engine_run fails otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"
#include "fixture_endpoint.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include "input/config.h"
#include "net/engine.h"
#include "core/model.h"
#include "net/resolver.h"
#include "judge/verdict.h"
#include "plan/plan.h"

/* ---------- the engine sees a config through its plan ----------
 * The engine takes routes (results[i].route, fetches' route) and narrow options, as the
 * pipeline gives them. These shims resolve the plan of the config under test once and keep
 * it until the config is freed (results and fetches point into it). The limits are passed
 * as the test set them, unclamped: some cases probe the engine with a phase longer than
 * the total on purpose. */
static tp_plan g_plan;
static const tp_config *g_plan_cfg;

static void plan_drop(void)
{
    if (g_plan_cfg)
        tp_plan_release(&g_plan);
    g_plan_cfg = NULL;
}

static const tp_plan *plan_of(const tp_config *c)
{
    if (g_plan_cfg != c) {
        plan_drop();
        char e[128];
        assert_int_equal(tp_plan_resolve(&g_plan, c, e, sizeof e), 0);
        g_plan_cfg = c;
    }
    return &g_plan;
}

static const tp_route *RT(const tp_config *c, const tp_path *p)
{
    const tp_route *r = tp_plan_route(plan_of(c), p);
    assert_non_null(r);
    return r;
}

static tp_trace_fn trace_runs;   /* test_trace: the trace the next runs are given */

static tp_engine_opts opts_of(const tp_config *c)
{
    return (tp_engine_opts){.limits = c->limits, .resolvers = &c->resolvers, .ca_files = &c->ca_files,
                            .system_ca = c->system_ca, .cancel = NULL, .trace = trace_runs};
}

static int engine_run_cfg(const tp_config *c, tp_result *res, size_t n, tp_progress_fn progress, void *ud,
                          char *err, size_t errlen)
{
    if (!c)
        return tp_engine_run(NULL, res, n, progress, ud, err, errlen);
    for (size_t i = 0; res && i < n; i++)
        res[i].route = RT(c, res[i].path);
    tp_engine_opts o = opts_of(c);
    return tp_engine_run(&o, res, n, progress, ud, err, errlen);
}

static int engine_fetch_cfg(const tp_config *c, tp_fetch *f, size_t n, char *err, size_t errlen)
{
    tp_engine_opts o = opts_of(c);
    return tp_engine_fetch(&o, f, n, err, errlen);
}

static void config_free(tp_config *c)
{
    plan_drop();
    tp_config_free(c);
}

#define tp_engine_run engine_run_cfg
#define tp_engine_fetch engine_fetch_cfg
#define tp_config_free config_free

static tpki pki;
static tpki_cert good_cert, wrong_cert;
static mbedtls_ssl_config good_conf, wrong_conf;

static int group_setup(void **state)
{
    (void)state;
    if (tpki_init(&pki) != 0 || tpki_leaf(&pki, "127.0.0.1", false, &good_cert) != 0 ||
        tpki_leaf(&pki, "wrong.example", false, &wrong_cert) != 0 ||
        tsrv_tls_conf(&good_conf, &pki, &good_cert) != 0 || tsrv_tls_conf(&wrong_conf, &pki, &wrong_cert) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mbedtls_ssl_config_free(&good_conf);
    mbedtls_ssl_config_free(&wrong_conf);
    tpki_cert_free(&good_cert);
    tpki_cert_free(&wrong_cert);
    tpki_free(&pki);
    return 0;
}

/* ---------- building a config and a plan by hand ---------- */

static void cfg_init(tp_config *c)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(tp_config_defaults(c), 0);
    tp_config_clear_paths(c);
    c->system_ca = false;
    assert_int_equal(tp_strlist_add(&c->ca_files, pki.ca_file), 0);
    c->limits.concurrency = 64;
    c->limits.dns_ms = 800;
    c->limits.connect_ms = 800;
    c->limits.proxy_ms = 800;
    c->limits.tls_ms = 800;
    c->limits.http_ms = 800;
    c->limits.crl_ms = 1000;
    c->limits.total_ms = 3000;
    c->limits.header_max_bytes = 16 * 1024;
    c->limits.body_max_bytes = 64 * 1024;
}

static void cfg_add_direct(tp_config *c, const char *id)
{
    tp_path p;
    memset(&p, 0, sizeof p);
    p.id = tp_strdup(id);
    p.type = TP_PATH_DIRECT;
    assert_int_equal(tp_config_add_path(c, &p), 0);
}

static void cfg_add_proxy(tp_config *c, const char *id, const char *host, int port, const char *user,
                          const char *pass, const char *fallback)
{
    tp_path p;
    memset(&p, 0, sizeof p);
    p.id = tp_strdup(id);
    p.type = TP_PATH_HTTP;
    p.proxy_host = tp_strdup(host);
    p.proxy_port = port;
    p.username = user ? tp_strdup(user) : NULL;
    p.password = pass ? tp_strdup(pass) : NULL;
    p.fallback = fallback ? tp_strdup(fallback) : NULL;
    assert_int_equal(tp_config_add_path(c, &p), 0);
}

static void ep_init(tp_endpoint *e, const char *scheme, const char *host, int port, int expect)
{
    tfx_endpoint(e, tp_asprintf("%s-%d", host, port), scheme, host, port, "/probe", expect);
}

/* A plan of n results, result i probing eps[i] through path id paths[i]. */
typedef struct plan {
    tp_endpoint eps[16];
    tp_result res[16];
    size_t n;
} plan;

static tp_result *plan_add(plan *p, const tp_config *c, const char *path_id, const char *scheme, const char *host,
                           int port, int expect)
{
    assert_true(p->n < 16);
    tp_endpoint *e = &p->eps[p->n];
    tp_result *r = &p->res[p->n];
    ep_init(e, scheme, host, port, expect);
    memset(r, 0, sizeof *r);
    r->ep = e;
    r->path = r->used_path = tp_config_find_path(c, path_id);
    assert_non_null(r->path);
    p->n++;
    return r;
}

static void plan_free(plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        tp_result_free(&p->res[i]);
        tp_endpoint_free(&p->eps[i]);
    }
    p->n = 0;
}

static size_t progress_calls;
static void on_progress(void *ud, size_t done, size_t total, size_t failed)
{
    (void)ud;
    (void)failed;
    assert_true(done <= total);
    progress_calls++;
}

static void run_plan(const tp_config *c, plan *p)
{
    char err[512] = "";
    progress_calls = 0;
    int rc = tp_engine_run(c, p->res, p->n, on_progress, NULL, err, sizeof err);
    if (rc != 0)
        fail_msg("tp_engine_run: %s", err);
    assert_int_equal(progress_calls, p->n);
}

static void assert_code(const tp_result *r, const char *code, tp_phase phase)
{
    if (r->error_code == TP_OC_NONE || strcmp(tp_outcome_name(r->error_code), code) != 0)
        fail_msg("expected %s, got %s (%s)", code, r->error_code ? tp_outcome_name(r->error_code) : "no error",
                 r->error_message ? r->error_message : "");
    assert_int_equal(r->status, TP_ST_FAIL);
    assert_int_equal(r->phase, phase);
    assert_non_null(r->error_message);
    assert_true(r->t.total >= 0);
}

/* ---------- success ---------- */

static void test_direct_tls_ok(void **state)
{
    (void)state;
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &good_conf), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "direct", "https", "127.0.0.1", srv.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&srv);

    if (r->error_code != TP_OC_NONE)
        fail_msg("unexpected %s: %s", tp_outcome_name(r->error_code), r->error_message);
    assert_int_equal(r->status, TP_ST_OK);
    assert_int_equal(r->phase, TP_PH_DONE);
    assert_int_equal(r->http_status, 404);
    assert_true(r->http_status_ok);
    assert_true(r->tls_done);
    assert_string_equal(r->tls_version, "TLSv1.2");
    assert_non_null(r->tls_cipher);
    assert_int_equal(r->chain_len, 2);
    assert_non_null(strstr(r->chain[0].subject, "CN=127.0.0.1"));
    assert_non_null(strstr(r->chain[1].subject, "CN=tlspath test CA"));
    assert_true(r->trusted);
    assert_true(r->hostname_ok);
    assert_false(r->expired);
    assert_int_equal(r->verify_flags, 0);
    assert_true(r->t.dns == 0);
    assert_true(r->t.connect >= 0 && r->t.tls >= 0 && r->t.http >= 0);
    assert_true(r->t.proxy < 0);
    assert_true(r->t.total >= r->t.tls);
    char want[64];
    snprintf(want, sizeof want, "127.0.0.1:%d", srv.port);
    assert_string_equal(r->connected_address, want);
    assert_ptr_equal(r->used_path, r->path);
    assert_non_null(strstr(srv.last_request, "GET /probe HTTP/1.1\r\n"));
    plan_free(&p);
    tp_config_free(&c);
}


static void test_wrong_host_and_untrusted(void **state)
{
    (void)state;
    tsrv wrong, good;
    assert_int_equal(tsrv_start(&wrong, TS_TLS_404, &wrong_conf), 0);
    assert_int_equal(tsrv_start(&good, TS_TLS_404, &good_conf), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    /* a second direct path whose store lacks the test CA */
    cfg_add_direct(&c, "bare");
    tp_config c2;
    (void)c2;
    plan p = {0};
    tp_result *rw = plan_add(&p, &c, "direct", "https", "127.0.0.1", wrong.port, 404);
    run_plan(&c, &p);
    /* the untrusted case: no CA file at all */
    tp_strlist_free(&c.ca_files);
    plan q = {0};
    tp_result *ru = plan_add(&q, &c, "direct", "https", "127.0.0.1", good.port, 404);
    run_plan(&c, &q);
    tsrv_stop(&wrong);
    tsrv_stop(&good);

    /* verification failures never end the probe: the verdict stage judges them */
    assert_int_equal(rw->error_code, TP_OC_NONE);
    assert_int_equal(rw->http_status, 404);
    assert_true(rw->trusted);
    assert_false(rw->hostname_ok);
    assert_true(rw->verify_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    assert_non_null(strstr(rw->chain[0].subject, "wrong.example"));

    assert_int_equal(ru->error_code, TP_OC_NONE);
    assert_int_equal(ru->http_status, 404);
    assert_false(ru->trusted);
    assert_true(ru->hostname_ok);
    assert_true(ru->verify_flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    assert_int_equal(ru->chain_len, 2);
    plan_free(&p);
    plan_free(&q);
    tp_config_free(&c);
}

static void test_proxy_tls_ok_with_credentials(void **state)
{
    (void)state;
    tsrv origin, proxy;
    assert_int_equal(tsrv_start(&origin, TS_TLS_404, &good_conf), 0);
    assert_int_equal(tsrv_start(&proxy, TS_PROXY, NULL), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_proxy(&c, "corp", "127.0.0.1", proxy.port, "svc", "s3cr3t-pass", NULL);
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "corp", "https", "127.0.0.1", origin.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&proxy);
    tsrv_stop(&origin);

    if (r->error_code != TP_OC_NONE)
        fail_msg("unexpected %s: %s", tp_outcome_name(r->error_code), r->error_message);
    assert_int_equal(r->proxy_status, 200);
    assert_int_equal(r->http_status, 404);
    assert_true(r->trusted && r->hostname_ok);
    assert_true(r->t.proxy >= 0 && r->t.tls >= 0);
    char want[64];
    snprintf(want, sizeof want, "CONNECT 127.0.0.1:%d HTTP/1.1\r\n", origin.port);
    assert_non_null(strstr(proxy.last_request, want));
    /* base64("svc:s3cr3t-pass") */
    assert_non_null(strstr(proxy.last_request, "Proxy-Authorization: Basic c3ZjOnMzY3IzdC1wYXNz"));
    /* the origin never sees proxy credentials */
    assert_null(strstr(origin.last_request, "Proxy-Authorization"));
    snprintf(want, sizeof want, "127.0.0.1:%d", proxy.port);
    assert_string_equal(r->connected_address, want);
    assert_true(r->addresses.n == 0); /* the proxy resolves the endpoint, not us */
    plan_free(&p);
    tp_config_free(&c);
}

/* Many hostile peers and one good origin in ONE run: each fails alone, with its own code,
 * within its own phase deadline, and the good probe still succeeds. */
static void test_hostile_peers_one_run(void **state)
{
    (void)state;
    static const struct {
        tsrv_mode mode;
        bool proxy;
        const char *code;
        tp_phase phase;
    } cases[] = {
        {TS_SILENT, true, "timeout", TP_PH_PROXY},
        {TS_DRIP, true, "timeout", TP_PH_PROXY},
        {TS_BIG_HEAD, true, "proxy_header_too_large", TP_PH_PROXY},
        {TS_NOT_HTTP, true, "proxy_malformed", TP_PH_PROXY},
        {TS_407, true, "proxy_auth_rejected", TP_PH_PROXY},   /* credentials were sent */
        {TS_403, true, "proxy_denied", TP_PH_PROXY},
        {TS_CLOSE, true, "proxy_closed", TP_PH_PROXY},
        {TS_GARBAGE, false, "tls_not_tls", TP_PH_TLS},
        {TS_RESET, false, "tls_reset", TP_PH_TLS},
        {TS_CLOSE, false, "tls_closed", TP_PH_TLS},
        {TS_ALERT, false, "tls_alert", TP_PH_TLS},
        {TS_SILENT, false, "timeout", TP_PH_TLS},
        {TS_ALERT_VERSION, false, "tls_protocol", TP_PH_TLS},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    tsrv srv[NC], good;
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    assert_int_equal(tsrv_start(&good, TS_TLS_404, &good_conf), 0);
    plan p = {0};
    for (size_t i = 0; i < NC; i++) {
        assert_int_equal(tsrv_start(&srv[i], cases[i].mode, NULL), 0);
        if (cases[i].proxy) {
            char id[32];
            snprintf(id, sizeof id, "proxy%zu", i);
            cfg_add_proxy(&c, id, "127.0.0.1", srv[i].port, "svc", "s3cr3t-pass", NULL);
        }
    }
    for (size_t i = 0; i < NC; i++) {
        char id[32];
        snprintf(id, sizeof id, "proxy%zu", i);
        plan_add(&p, &c, cases[i].proxy ? id : "direct", "https", "127.0.0.1",
                 cases[i].proxy ? good.port : srv[i].port, 404);
    }
    int dead = tsrv_dead_port();
    tp_result *refused = plan_add(&p, &c, "direct", "https", "127.0.0.1", dead, 404);
    tp_result *ok = plan_add(&p, &c, "direct", "https", "127.0.0.1", good.port, 404);
    uint64_t t0 = uv_hrtime();
    run_plan(&c, &p);
    double wall = (double)(uv_hrtime() - t0) / 1e6;
    for (size_t i = 0; i < NC; i++)
        tsrv_stop(&srv[i]);
    tsrv_stop(&good);

    for (size_t i = 0; i < NC; i++) {
        const tp_result *r = &p.res[i];
        assert_code(r, cases[i].code, cases[i].phase);
        /* secrets never leak into messages */
        assert_null(strstr(r->error_message, "s3cr3t"));
        if (cases[i].proxy)
            assert_non_null(strstr(r->error_message, "127.0.0.1:"));
        if (strcmp(cases[i].code, "timeout") == 0) {
            double t = cases[i].proxy ? r->t.proxy : r->t.tls;
            assert_true(t >= 750 && t < 3000);
        }
    }
    assert_int_equal(p.res[4].proxy_status, 407);
    assert_int_equal(p.res[4].proxy_auth_schemes.n, 2);
    assert_string_equal(p.res[4].proxy_auth_schemes.v[0], "Basic");
    assert_string_equal(p.res[4].proxy_auth_schemes.v[1], "Negotiate");
    assert_int_equal(p.res[5].proxy_status, 403);
    assert_non_null(strstr(p.res[10].error_message, "handshake_failure"));
    assert_non_null(strstr(p.res[7].error_message, "HTTP/1.1 400"));
    assert_code(refused, "connect_refused", TP_PH_CONNECT);
    assert_int_equal(ok->error_code, TP_OC_NONE);
    assert_int_equal(ok->status, TP_ST_OK);
    assert_int_equal(ok->http_status, 404);
    /* concurrent: the run takes about one phase deadline, not the sum */
    assert_true(wall < 5000);
    plan_free(&p);
    tp_config_free(&c);
}

static void test_http_status_unexpected(void **state)
{
    (void)state;
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_503, &good_conf), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "direct", "https", "127.0.0.1", srv.port, 404);
    tp_result *any = plan_add(&p, &c, "direct", "https", "127.0.0.1", srv.port, 0);
    run_plan(&c, &p);
    tsrv_stop(&srv);
    assert_code(r, "http_status", TP_PH_HTTP);
    assert_string_equal(r->error_message, "HTTP 503, expected 404");
    assert_int_equal(r->http_status, 503);
    assert_false(r->http_status_ok);
    assert_true(r->tls_done);
    /* no expect_status: any status below 500 is healthy, 503 is not */
    assert_code(any, "http_status", TP_PH_HTTP);
    plan_free(&p);
    tp_config_free(&c);
}

static void test_fallback_to_direct(void **state)
{
    (void)state;
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &good_conf), 0);
    int dead = tsrv_dead_port();
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    cfg_add_proxy(&c, "sensor", "127.0.0.1", dead, NULL, NULL, "direct");
    cfg_add_proxy(&c, "nofb", "127.0.0.1", dead, NULL, NULL, NULL);
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "sensor", "https", "127.0.0.1", srv.port, 404);
    tp_result *n = plan_add(&p, &c, "nofb", "https", "127.0.0.1", srv.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&srv);

    assert_int_equal(r->error_code, TP_OC_NONE);
    assert_int_equal(r->status, TP_ST_OK);
    assert_ptr_equal(r->path, tp_config_find_path(&c, "sensor"));
    assert_ptr_equal(r->used_path, tp_config_find_path(&c, "direct"));
    assert_non_null(r->error_message);
    char want[128];
    snprintf(want, sizeof want, "proxy 127.0.0.1:%d unreachable (connect_refused); fell back to direct", dead);
    assert_string_equal(r->error_message, want);
    assert_true(r->t.proxy < 0);
    assert_int_equal(r->http_status, 404);

    assert_code(n, "connect_refused", TP_PH_CONNECT);
    assert_ptr_equal(n->used_path, n->path);
    snprintf(want, sizeof want, "proxy 127.0.0.1:%d", dead);
    assert_non_null(strstr(n->error_message, want));
    plan_free(&p);
    tp_config_free(&c);
}

static void test_plain_http_direct_and_proxy(void **state)
{
    (void)state;
    tsrv origin, proxy;
    assert_int_equal(tsrv_start(&origin, TS_HTTP_404, NULL), 0);
    /* an absolute-form GET goes to the proxy, which answers for the endpoint */
    assert_int_equal(tsrv_start(&proxy, TS_HTTP_404, NULL), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    cfg_add_proxy(&c, "corp", "127.0.0.1", proxy.port, "svc", "pw", NULL);
    plan p = {0};
    tp_result *d = plan_add(&p, &c, "direct", "http", "127.0.0.1", origin.port, 404);
    run_plan(&c, &p);
    plan q = {0};
    tp_result *v = plan_add(&q, &c, "corp", "http", "127.0.0.1", 8080, 404);
    run_plan(&c, &q);
    tsrv_stop(&origin);
    tsrv_stop(&proxy);

    assert_int_equal(d->error_code, TP_OC_NONE);
    assert_int_equal(d->http_status, 404);
    assert_false(d->tls_done);
    assert_true(d->t.tls < 0 && d->t.proxy < 0 && d->t.http >= 0);
    assert_non_null(strstr(origin.last_request, "GET /probe HTTP/1.1"));
    assert_null(strstr(origin.last_request, "Proxy-Authorization"));

    assert_int_equal(v->error_code, TP_OC_NONE);
    assert_int_equal(v->http_status, 404);
    assert_non_null(strstr(proxy.last_request, "GET http://127.0.0.1:8080/probe HTTP/1.1"));
    assert_non_null(strstr(proxy.last_request, "Proxy-Authorization: Basic"));
    plan_free(&p);
    plan_free(&q);
    tp_config_free(&c);
}

static void test_dns_classes(void **state)
{
    (void)state;
    tdns d;
    tsrv srv;
    assert_int_equal(tdns_start(&d), 0);
    assert_int_equal(tsrv_start(&srv, TS_HTTP_404, NULL), 0);
    tp_config c;
    cfg_init(&c);
    char rs[64];
    snprintf(rs, sizeof rs, "127.0.0.1:%d", d.port);
    assert_int_equal(tp_strlist_add(&c.resolvers, rs), 0);
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *good = plan_add(&p, &c, "direct", "http", "good.test", srv.port, 404);
    tp_result *good2 = plan_add(&p, &c, "direct", "http", "good.test", srv.port, 404);
    tp_result *cn = plan_add(&p, &c, "direct", "http", "cname.test", srv.port, 404);
    tp_result *nx = plan_add(&p, &c, "direct", "http", "nx.test", srv.port, 404);
    tp_result *sf = plan_add(&p, &c, "direct", "http", "fail.test", srv.port, 404);
    tp_result *rf = plan_add(&p, &c, "direct", "http", "refused.test", srv.port, 404);
    tp_result *na = plan_add(&p, &c, "direct", "http", "noaddr.test", srv.port, 404);
    tp_result *to = plan_add(&p, &c, "direct", "http", "slow.test", srv.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&srv);
    tdns_stop(&d);

    assert_int_equal(good->error_code, TP_OC_NONE);
    assert_int_equal(good->addresses.n, 1);
    assert_string_equal(good->addresses.v[0], "127.0.0.1");
    assert_string_equal(good->resolver, rs);
    assert_true(good->t.dns >= 0);
    assert_int_equal(good2->error_code, TP_OC_NONE);
    assert_int_equal(cn->error_code, TP_OC_NONE);
    assert_int_equal(cn->cnames.n, 1);
    assert_string_equal(cn->cnames.v[0], "good.test");
    assert_string_equal(cn->addresses.v[0], "127.0.0.1");
    assert_code(nx, "dns_nxdomain", TP_PH_DNS);
    assert_code(sf, "dns_servfail", TP_PH_DNS);
    assert_code(rf, "dns_refused", TP_PH_DNS);
    assert_code(na, "dns_no_address", TP_PH_DNS);
    assert_code(to, "dns_timeout", TP_PH_DNS);
    assert_non_null(strstr(nx->error_message, "nx.test"));
    assert_true(to->t.dns >= 250 && to->t.dns < 3000);
    assert_true(nx->t.connect < 0);
    plan_free(&p);
    tp_config_free(&c);
}

/* One query per name however many probes need it. */
static void test_dns_shared_query(void **state)
{
    (void)state;
    tdns d;
    tsrv srv;
    assert_int_equal(tdns_start(&d), 0);
    assert_int_equal(tsrv_start(&srv, TS_HTTP_404, NULL), 0);
    tp_config c;
    cfg_init(&c);
    char rs[64];
    snprintf(rs, sizeof rs, "127.0.0.1:%d", d.port);
    assert_int_equal(tp_strlist_add(&c.resolvers, rs), 0);
    cfg_add_direct(&c, "direct");
    c.limits.concurrency = 3; /* some probes start after the answer arrived: the cache serves them */
    plan p = {0};
    for (int i = 0; i < 8; i++)
        plan_add(&p, &c, "direct", "http", "good.test", srv.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&srv);
    tdns_stop(&d);
    for (size_t i = 0; i < p.n; i++)
        assert_int_equal(p.res[i].error_code, TP_OC_NONE);
    assert_int_equal(atomic_load(&d.queries), 2); /* A + AAAA, once */
    plan_free(&p);
    tp_config_free(&c);
}

/* The concurrency cap holds: 6 silent proxies, 2 at a time, 300 ms each -> ~900 ms. */
static void test_concurrency_cap(void **state)
{
    (void)state;
    tsrv silent;
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.concurrency = 2;
    c.limits.proxy_ms = 300;
    cfg_add_proxy(&c, "p", "127.0.0.1", silent.port, NULL, NULL, NULL);
    plan p = {0};
    for (int i = 0; i < 6; i++)
        plan_add(&p, &c, "p", "https", "127.0.0.1", 443, 404);
    uint64_t t0 = uv_hrtime();
    run_plan(&c, &p);
    double wall = (double)(uv_hrtime() - t0) / 1e6;
    tsrv_stop(&silent);
    for (size_t i = 0; i < p.n; i++)
        assert_code(&p.res[i], "timeout", TP_PH_PROXY);
    assert_true(wall >= 880 && wall < 3500);
    plan_free(&p);
    tp_config_free(&c);
}

/* The whole-probe deadline ends a probe in whatever phase it is. */
static void test_total_deadline(void **state)
{
    (void)state;
    tsrv silent;
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.total_ms = 250;
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "direct", "https", "127.0.0.1", silent.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&silent);
    assert_code(r, "timeout", TP_PH_TLS);
    assert_non_null(strstr(r->error_message, "total deadline"));
    assert_true(r->t.total >= 240 && r->t.total < 1500);
    plan_free(&p);
    tp_config_free(&c);
}

/* A total deadline that fires before the phase's own allowance is spent blames the
 * probe's budget ("timeout"), not the network; one that coincides with it is the phase's. */
static void test_total_deadline_blames_budget_not_phase(void **state)
{
    (void)state;
    tdns d;
    assert_int_equal(tdns_start(&d), 0);
    tp_config c;
    cfg_init(&c);
    char rs[64];
    snprintf(rs, sizeof rs, "127.0.0.1:%d", d.port);
    assert_int_equal(tp_strlist_add(&c.resolvers, rs), 0);
    c.limits.dns_ms = 2000;
    c.limits.total_ms = 300;
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "direct", "http", "slow.test", 9, 404);
    run_plan(&c, &p);
    assert_code(r, "timeout", TP_PH_DNS);
    assert_non_null(strstr(r->error_message, "total deadline"));
    plan_free(&p);

    /* the phase's own deadline equal to the probe's: the DNS server is the one to blame */
    c.limits.dns_ms = 300;
    plan q = {0};
    r = plan_add(&q, &c, "direct", "http", "slow.test", 9, 404);
    run_plan(&c, &q);
    tdns_stop(&d);
    assert_code(r, "dns_timeout", TP_PH_DNS);
    plan_free(&q);
    tp_config_free(&c);
}

static void test_fetch(void **state)
{
    (void)state;
    tsrv crl, proxy, nf;
    assert_int_equal(tsrv_start(&crl, TS_HTTP_200, NULL), 0);
    crl.body = "0123456789-crl-bytes";
    assert_int_equal(tsrv_start(&proxy, TS_HTTP_200, NULL), 0);
    proxy.body = "via-proxy";
    assert_int_equal(tsrv_start(&nf, TS_HTTP_404, NULL), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    cfg_add_proxy(&c, "corp", "127.0.0.1", proxy.port, NULL, NULL, NULL);
    char u1[128], u2[128], u3[128], u4[128];
    snprintf(u1, sizeof u1, "http://127.0.0.1:%d/pki/ca.crl", crl.port);
    snprintf(u2, sizeof u2, "http://crl.example.test:%d/x.crl", 8081);
    snprintf(u3, sizeof u3, "http://127.0.0.1:%d/missing.crl", nf.port);
    snprintf(u4, sizeof u4, "http://127.0.0.1:%d/a", tsrv_dead_port());
    tp_fetch f[6];
    memset(f, 0, sizeof f);
    const tp_path *direct = tp_config_find_path(&c, "direct"), *corp = tp_config_find_path(&c, "corp");
    f[0] = (tp_fetch){.url = u1, .route = RT(&c, direct), .max_bytes = 1024};
    f[1] = (tp_fetch){.url = u2, .route = RT(&c, corp), .max_bytes = 1024};
    f[2] = (tp_fetch){.url = u3, .route = RT(&c, direct), .max_bytes = 1024};
    f[3] = (tp_fetch){.url = u1, .route = RT(&c, direct), .max_bytes = 5};
    f[4] = (tp_fetch){.url = "ftp://x/y", .route = RT(&c, direct), .max_bytes = 5};
    f[5] = (tp_fetch){.url = u4, .route = RT(&c, direct), .max_bytes = 5};
    char err[256];
    assert_int_equal(tp_engine_fetch(&c, f, 6, err, sizeof err), 0);
    tsrv_stop(&crl);
    tsrv_stop(&proxy);
    tsrv_stop(&nf);

    assert_int_equal(f[0].error_code, TP_OC_NONE);
    assert_int_equal(f[0].http_status, 200);
    assert_int_equal(f[0].body_len, strlen("0123456789-crl-bytes"));
    assert_memory_equal(f[0].body, "0123456789-crl-bytes", f[0].body_len);
    assert_true(f[0].ms >= 0);
    assert_int_equal(f[1].error_code, TP_OC_NONE);
    assert_memory_equal(f[1].body, "via-proxy", 9);
    assert_non_null(strstr(proxy.last_request, "GET http://crl.example.test:8081/x.crl HTTP/1.1"));
    assert_int_equal(f[2].error_code, TP_OC_HTTP_STATUS);
    assert_int_equal(f[2].http_status, 404);
    assert_null(f[2].body);
    assert_int_equal(f[3].error_code, TP_OC_FETCH_TOO_LARGE);
    assert_null(f[3].body);
    assert_int_equal(f[4].error_code, TP_OC_FETCH_BAD_URL);
    assert_int_equal(f[5].error_code, TP_OC_CONNECT_REFUSED);
    for (int i = 0; i < 6; i++)
        tp_fetch_free(&f[i]);
    tp_config_free(&c);
}

static void test_bad_ca_file_fails_to_start(void **state)
{
    (void)state;
    tp_config c;
    cfg_init(&c);
    cfg_add_direct(&c, "direct");
    assert_int_equal(tp_strlist_add(&c.ca_files, "/nonexistent/ca.pem"), 0);
    plan p = {0};
    plan_add(&p, &c, "direct", "https", "127.0.0.1", 443, 404);
    char err[512] = "";
    assert_int_equal(tp_engine_run(&c, p.res, p.n, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    plan_free(&p);
    tp_config_free(&c);
}

/* A probe started late in a long loop iteration (here: a progress callback that blocks
 * 400 ms, as hundreds of handshakes on a loaded machine do) still gets its whole deadline:
 * deadlines count from the real now, not from the loop's cached time. */
static size_t slow_progress_calls;
static void slow_progress(void *ud, size_t done, size_t total, size_t failed)
{
    (void)ud;
    (void)done;
    (void)total;
    (void)failed;
    if (slow_progress_calls++ == 0)
        usleep(400 * 1000);
}

static void test_deadline_from_real_now(void **state)
{
    (void)state;
    tsrv origin;
    assert_int_equal(tsrv_start(&origin, TS_HTTP_200, NULL), 0);
    origin.body = "ok";
    tp_config c;
    cfg_init(&c);
    c.limits.concurrency = 1;   /* the second probe starts from the first one's completion */
    c.limits.dns_ms = c.limits.connect_ms = c.limits.http_ms = 250;
    cfg_add_direct(&c, "direct");
    plan p = {0};
    plan_add(&p, &c, "direct", "http", "127.0.0.1", origin.port, 200);
    tp_result *late = plan_add(&p, &c, "direct", "http", "127.0.0.1", origin.port, 200);
    slow_progress_calls = 0;
    char err[256] = "";
    assert_int_equal(engine_run_cfg(&c, p.res, p.n, slow_progress, NULL, err, sizeof err), 0);
    tsrv_stop(&origin);
    if (late->error_code != TP_OC_NONE)
        fail_msg("late probe: %s (%s)", tp_outcome_name(late->error_code), late->error_message);
    assert_int_equal(late->status, TP_ST_OK);
    plan_free(&p);
    tp_config_free(&c);
}

static void test_empty_run(void **state)
{
    (void)state;
    tp_config c;
    cfg_init(&c);
    char err[64];
    assert_int_equal(tp_engine_run(&c, NULL, 0, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(tp_engine_fetch(&c, NULL, 0, err, sizeof err), 0);
    assert_int_equal(tp_engine_run(NULL, NULL, 0, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(tp_engine_run(&c, NULL, 3, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(tp_engine_fetch(&c, NULL, 2, err, sizeof err), -1);
    tp_config_free(&c);
}

/* Bytes a proxy sends right after its "200" blank line (in the same segment) belong to TLS. */
static void test_proxy_leftover_goes_to_tls(void **state)
{
    (void)state;
    tsrv proxy;
    assert_int_equal(tsrv_start(&proxy, TS_PROXY_COALESCE, NULL), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_proxy(&c, "p", "127.0.0.1", proxy.port, NULL, NULL, NULL);
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "p", "https", "127.0.0.1", 443, 404);
    run_plan(&c, &p);
    tsrv_stop(&proxy);
    assert_int_equal(r->proxy_status, 200);
    assert_code(r, "tls_alert", TP_PH_TLS);
    assert_non_null(strstr(r->error_message, "handshake_failure"));
    plan_free(&p);
    tp_config_free(&c);
}

/* A proxy that drops SYNs: connect_timeout within connect_ms, and the fallback takes over. */
static void test_connect_timeout_and_fallback(void **state)
{
    (void)state;
    int bh[2] = {-1, -1};
    int port = tsrv_blackhole(bh);
    assert_true(port > 0);
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &good_conf), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.connect_ms = 300;
    cfg_add_direct(&c, "direct");
    cfg_add_proxy(&c, "dropped", "127.0.0.1", port, NULL, NULL, NULL);
    cfg_add_proxy(&c, "sensor", "127.0.0.1", port, NULL, NULL, "direct");
    plan p = {0};
    tp_result *t = plan_add(&p, &c, "dropped", "https", "127.0.0.1", srv.port, 404);
    tp_result *f = plan_add(&p, &c, "sensor", "https", "127.0.0.1", srv.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&srv);
    close(bh[1]);
    close(bh[0]);

    assert_code(t, "connect_timeout", TP_PH_CONNECT);
    assert_true(t->t.connect >= 290 && t->t.connect < 2000);
    char want[128];
    snprintf(want, sizeof want, "proxy 127.0.0.1:%d", port);
    assert_non_null(strstr(t->error_message, want));

    assert_int_equal(f->error_code, TP_OC_NONE);
    assert_int_equal(f->status, TP_ST_OK);
    assert_string_equal(f->used_path->id, "direct");
    snprintf(want, sizeof want, "proxy 127.0.0.1:%d unreachable (connect_timeout); fell back to direct", port);
    assert_string_equal(f->error_message, want);
    assert_true(f->t.total >= 290);
    plan_free(&p);
    tp_config_free(&c);
}

/* A proxy given by name: its name is resolved (not the endpoint's); a proxy name that does
 * not resolve is "unreachable" for the fallback. */
static void test_proxy_by_name(void **state)
{
    (void)state;
    tdns d;
    tsrv origin, proxy;
    assert_int_equal(tdns_start(&d), 0);
    assert_int_equal(tsrv_start(&origin, TS_TLS_404, &good_conf), 0);
    assert_int_equal(tsrv_start(&proxy, TS_PROXY, NULL), 0);
    tp_config c;
    cfg_init(&c);
    char rs[64];
    snprintf(rs, sizeof rs, "127.0.0.1:%d", d.port);
    assert_int_equal(tp_strlist_add(&c.resolvers, rs), 0);
    cfg_add_direct(&c, "direct");
    cfg_add_proxy(&c, "named", "good.test", proxy.port, NULL, NULL, NULL);
    cfg_add_proxy(&c, "gone", "nx.test", proxy.port, NULL, NULL, "direct");
    plan p = {0};
    tp_result *n = plan_add(&p, &c, "named", "https", "127.0.0.1", origin.port, 404);
    tp_result *g = plan_add(&p, &c, "gone", "https", "127.0.0.1", origin.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&proxy);
    tsrv_stop(&origin);
    tdns_stop(&d);

    assert_int_equal(n->error_code, TP_OC_NONE);
    assert_true(n->t.dns >= 0);
    assert_string_equal(n->resolver, rs);
    assert_true(n->addresses.n == 0);
    assert_int_equal(n->proxy_status, 200);

    assert_int_equal(g->error_code, TP_OC_NONE);
    assert_string_equal(g->used_path->id, "direct");
    char want[128];
    snprintf(want, sizeof want, "proxy nx.test:%d unreachable (dns_nxdomain); fell back to direct", proxy.port);
    assert_string_equal(g->error_message, want);
    plan_free(&p);
    tp_config_free(&c);
}

/* Addresses are tried in turn: 127.0.0.1 (nothing listening there) is refused, ::1 answers. */
static void test_next_address_and_interim_status(void **state)
{
    (void)state;
    tdns d;
    tsrv srv, hints;
    assert_int_equal(tdns_start(&d), 0);
    assert_int_equal(tsrv_start_on(&srv, TS_HTTP_404, NULL, true), 0);
    assert_int_equal(tsrv_start(&hints, TS_HTTP_103, NULL), 0);
    tp_config c;
    cfg_init(&c);
    char rs[64];
    snprintf(rs, sizeof rs, "127.0.0.1:%d", d.port);
    assert_int_equal(tp_strlist_add(&c.resolvers, rs), 0);
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "direct", "http", "dual.test", srv.port, 404);
    tp_result *h = plan_add(&p, &c, "direct", "http", "127.0.0.1", hints.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&srv);
    tsrv_stop(&hints);
    tdns_stop(&d);

    assert_int_equal(r->error_code, TP_OC_NONE);
    assert_int_equal(r->addresses.n, 2);
    /* the responder answers A before AAAA, c-ares keeps that order: 127.0.0.1 is tried first */
    assert_int_equal(r->addresses.n, 2);
    assert_string_equal(r->addresses.v[0], "127.0.0.1");
    assert_string_equal(r->addresses.v[1], "::1");
    char want[64];
    snprintf(want, sizeof want, "[::1]:%d", srv.port);
    assert_string_equal(r->connected_address, want);
    /* 103 Early Hints is not the answer: the 404 after it is */
    assert_int_equal(h->error_code, TP_OC_NONE);
    assert_int_equal(h->http_status, 404);
    plan_free(&p);
    tp_config_free(&c);
}

/* Broken plain-HTTP origins, and a proxy whose upstream is down, in one run. */
static void test_http_hostile(void **state)
{
    (void)state;
    static const struct {
        tsrv_mode mode;
        const char *code;
    } cases[] = {
        {TS_BIG_HEAD, "http_too_large"},
        {TS_NOT_HTTP, "http_malformed"},
        {TS_CLOSE, "http_closed"},
        {TS_SILENT, "timeout"},
        {TS_HTTP_100_FLOOD, "http_malformed"},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    tsrv srv[NC], proxy;
    tp_config c;
    cfg_init(&c);
    c.limits.http_ms = 400;
    cfg_add_direct(&c, "direct");
    assert_int_equal(tsrv_start(&proxy, TS_PROXY, NULL), 0);
    cfg_add_proxy(&c, "corp", "127.0.0.1", proxy.port, NULL, NULL, NULL);
    plan p = {0};
    for (size_t i = 0; i < NC; i++) {
        assert_int_equal(tsrv_start(&srv[i], cases[i].mode, NULL), 0);
        plan_add(&p, &c, "direct", "http", "127.0.0.1", srv[i].port, 404);
    }
    tp_result *bg = plan_add(&p, &c, "corp", "https", "127.0.0.1", tsrv_dead_port(), 404);
    run_plan(&c, &p);
    for (size_t i = 0; i < NC; i++)
        tsrv_stop(&srv[i]);
    tsrv_stop(&proxy);
    for (size_t i = 0; i < NC; i++)
        assert_code(&p.res[i], cases[i].code, TP_PH_HTTP);
    assert_true(p.res[3].t.http >= 390 && p.res[3].t.http < 2000);
    assert_code(bg, "proxy_bad_gateway", TP_PH_PROXY);
    assert_int_equal(bg->proxy_status, 502);
    plan_free(&p);
    tp_config_free(&c);
}

/* Per-path CA files: the anchor of one path does not leak into another's store. */
static void test_path_ca_files(void **state)
{
    (void)state;
    tsrv srv;
    assert_int_equal(tsrv_start(&srv, TS_TLS_404, &good_conf), 0);
    tp_config c;
    cfg_init(&c);
    tp_strlist_free(&c.ca_files);
    cfg_add_direct(&c, "bare");
    const char *ids[] = {"corp1", "corp2", "corp3"};
    for (size_t i = 0; i < 3; i++) {
        cfg_add_direct(&c, ids[i]);
        assert_int_equal(tp_strlist_add(&c.paths[c.n_paths - 1].ca_files, pki.ca_file), 0);
    }
    plan p = {0};
    tp_result *bare = plan_add(&p, &c, "bare", "https", "127.0.0.1", srv.port, 404);
    tp_result *corp[3];
    for (size_t i = 0; i < 3; i++)
        corp[i] = plan_add(&p, &c, ids[i], "https", "127.0.0.1", srv.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&srv);
    assert_int_equal(bare->error_code, TP_OC_NONE);
    assert_false(bare->trusted);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(corp[i]->error_code, TP_OC_NONE);
        assert_true(corp[i]->trusted);
    }
    plan_free(&p);
    tp_config_free(&c);
}

/* A black-holed first address gets only its share of the connect deadline: the next
 * address is tried in time. 127.0.0.1:P drops SYNs, [::1]:P answers. */
static void test_blackholed_first_address(void **state)
{
    (void)state;
    tdns d;
    int bh[2] = {-1, -1};
    int port = tsrv_blackhole(bh);
    assert_true(port > 0);
    tsrv v6;
    assert_int_equal(tsrv_start_port(&v6, TS_HTTP_404, NULL, true, port), 0);
    assert_int_equal(tdns_start(&d), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.connect_ms = 600;
    char rs[64];
    snprintf(rs, sizeof rs, "127.0.0.1:%d", d.port);
    assert_int_equal(tp_strlist_add(&c.resolvers, rs), 0);
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "direct", "http", "dual.test", port, 404);
    run_plan(&c, &p);
    tsrv_stop(&v6);
    tdns_stop(&d);
    close(bh[1]);
    close(bh[0]);

    if (r->error_code != TP_OC_NONE)
        fail_msg("unexpected %s: %s", tp_outcome_name(r->error_code), r->error_message);
    assert_string_equal(r->addresses.v[0], "127.0.0.1");
    char want[64];
    snprintf(want, sizeof want, "[::1]:%d", port);
    assert_string_equal(r->connected_address, want);
    assert_true(r->t.connect >= 290 && r->t.connect < 1500);
    plan_free(&p);
    tp_config_free(&c);
}

/* A concurrency cap above the descriptor limit: probes wait for descriptors instead of
 * failing with EMFILE. Runs in a child with RLIMIT_NOFILE = 160. */
static void test_fd_limit_caps_concurrency(void **state)
{
    (void)state;
    int dead = tsrv_dead_port();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {.rlim_cur = 160, .rlim_max = 160};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            _exit(3);
        tp_config c;
        memset(&c, 0, sizeof c);
        tp_config_defaults(&c);
        tp_config_clear_paths(&c);
        c.system_ca = false;
        c.limits.concurrency = 1000;
        tp_path d = {.id = tp_strdup("direct"), .type = TP_PATH_DIRECT};
        tp_config_add_path(&c, &d);
        enum { N = 300 };
        static tp_endpoint eps[N];
        static tp_result res[N];
        for (int i = 0; i < N; i++) {
            eps[i].scheme = tp_strdup("http");
            eps[i].host = tp_strdup("127.0.0.1");
            eps[i].port = dead;
            eps[i].path = tp_strdup("/");
            res[i].ep = &eps[i];
            res[i].path = &c.paths[0];
        }
        char err[256];
        int bad = tp_engine_run(&c, res, N, NULL, NULL, err, sizeof err) != 0;
        for (int i = 0; i < N; i++) {
            if (res[i].error_code != TP_OC_CONNECT_REFUSED)
                bad = 1;
            tp_result_free(&res[i]);
            tp_endpoint_free(&eps[i]);
        }
        tp_config_free(&c);
        _exit(bad ? 1 : 0);
    }
    int st = -1;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* A proxy given as an IPv6 literal is named "[::1]:port" in messages and addresses. */
static void test_ipv6_proxy_named_with_brackets(void **state)
{
    (void)state;
    tsrv proxy;
    assert_int_equal(tsrv_start_on(&proxy, TS_403, NULL, true), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_proxy(&c, "v6", "::1", proxy.port, NULL, NULL, NULL);
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "v6", "https", "127.0.0.1", 443, 404);
    run_plan(&c, &p);
    tsrv_stop(&proxy);
    assert_code(r, "proxy_denied", TP_PH_PROXY);
    char want[64];
    snprintf(want, sizeof want, "proxy [::1]:%d answered CONNECT", proxy.port);
    assert_non_null(strstr(r->error_message, want));
    snprintf(want, sizeof want, "[::1]:%d", proxy.port);
    assert_string_equal(r->connected_address, want);
    plan_free(&p);
    tp_config_free(&c);
}

/* Every CONNECT status has its code; the status is recorded. */
static void test_connect_statuses(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *code;
    } cases[] = {
        {500, "proxy_error"},       {502, "proxy_bad_gateway"}, {503, "proxy_unavailable"},
        {504, "proxy_gateway_timeout"}, {418, "proxy_status"},  {301, "proxy_status"},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    tsrv srv[NC];
    tp_config c;
    cfg_init(&c);
    plan p = {0};
    for (size_t i = 0; i < NC; i++) {
        assert_int_equal(tsrv_start(&srv[i], TS_STATUS, NULL), 0);
        srv[i].status = cases[i].status;
        char id[16];
        snprintf(id, sizeof id, "p%zu", i);
        cfg_add_proxy(&c, id, "127.0.0.1", srv[i].port, NULL, NULL, "direct");
    }
    for (size_t i = 0; i < NC; i++) {
        char id[16];
        snprintf(id, sizeof id, "p%zu", i);
        plan_add(&p, &c, id, "https", "127.0.0.1", 443, 404);
    }
    run_plan(&c, &p);
    for (size_t i = 0; i < NC; i++)
        tsrv_stop(&srv[i]);
    for (size_t i = 0; i < NC; i++) {
        assert_code(&p.res[i], cases[i].code, TP_PH_PROXY);
        assert_int_equal(p.res[i].proxy_status, cases[i].status);
        /* the proxy answered: no fallback, whatever it said */
        assert_ptr_equal(p.res[i].used_path, p.res[i].path);
        assert_true(p.res[i].t.proxy >= 0);
        assert_true(p.res[i].t.tls < 0);
    }
    plan_free(&p);
    tp_config_free(&c);
}

/* CRL downloads from hostile servers stay bounded in bytes and in time: an 8 MiB stream
 * against a 1 MiB bound ends as fetch_too_large long before the server is done; a 10 GB
 * Content-Length fails on the head alone (the server then sends nothing: a fetch that
 * waited for body bytes would run into crl_ms); an endless drip ends at crl_ms. */
static void test_fetch_bounds(void **state)
{
    (void)state;
    tsrv big, huge, drip;
    assert_int_equal(tsrv_start(&big, TS_HTTP_STREAM, NULL), 0);
    assert_int_equal(tsrv_start(&huge, TS_HTTP_HUGE_CL, NULL), 0);
    assert_int_equal(tsrv_start(&drip, TS_HTTP_DRIP_BODY, NULL), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.crl_ms = 2000;   /* wide, so "long before the deadline" holds on a loaded machine */
    c.limits.crl_max_bytes = 1u << 20;
    cfg_add_direct(&c, "direct");
    char u1[96], u2[96], u3[96];
    snprintf(u1, sizeof u1, "http://127.0.0.1:%d/big.crl", big.port);
    snprintf(u2, sizeof u2, "http://127.0.0.1:%d/huge.crl", huge.port);
    snprintf(u3, sizeof u3, "http://127.0.0.1:%d/drip.crl", drip.port);
    const tp_path *direct = tp_config_find_path(&c, "direct");
    tp_fetch f[3];
    memset(f, 0, sizeof f);
    f[0] = (tp_fetch){.url = u1, .route = RT(&c, direct), .max_bytes = 1u << 20};
    f[1] = (tp_fetch){.url = u2, .route = RT(&c, direct), .max_bytes = 0}; /* 0: limits.crl_max_bytes */
    f[2] = (tp_fetch){.url = u3, .route = RT(&c, direct), .max_bytes = 1u << 20};
    char err[256];
    uint64_t t0 = uv_hrtime();
    assert_int_equal(tp_engine_fetch(&c, f, 3, err, sizeof err), 0);
    double wall = (double)(uv_hrtime() - t0) / 1e6;
    tsrv_stop(&big);
    tsrv_stop(&huge);
    tsrv_stop(&drip);

    assert_int_equal(f[0].error_code, TP_OC_FETCH_TOO_LARGE);
    assert_non_null(strstr(f[0].error_message, "1048576 bytes"));
    assert_null(f[0].body);
    assert_int_equal(f[0].http_status, 200);
    assert_true(f[0].ms >= 0 && f[0].ms < 1500); /* not the crl_ms deadline */
    /* cut off near the bound: the socket buffers hold a few MiB at most, not the 8 */
    assert_true(atomic_load(&big.sent) < 8ll * 1024 * 1024);

    assert_int_equal(f[1].error_code, TP_OC_FETCH_TOO_LARGE);
    assert_non_null(strstr(f[1].error_message, "Content-Length 10737418240"));
    assert_non_null(strstr(f[1].error_message, "1048576 bytes"));
    assert_null(f[1].body);
    assert_true(f[1].ms >= 0 && f[1].ms < 1500);

    assert_int_equal(f[2].error_code, TP_OC_TIMEOUT);
    assert_null(f[2].body);
    assert_true(f[2].ms >= 1950 && f[2].ms < 4000);
    assert_true(atomic_load(&drip.sent) > 0);
    assert_true(wall < 5000);
    for (int i = 0; i < 3; i++)
        tp_fetch_free(&f[i]);
    tp_config_free(&c);
}

/* Two fetch edges: an empty 200 (Content-Length: 0) on a connection the server keeps open
 * is complete on its head (it used to wait for the close, i.e. crl_ms); a close-delimited
 * body cut by a reset is not a CRL (it used to be handed over as complete). */
static void test_fetch_empty_and_reset_body(void **state)
{
    (void)state;
    tsrv empty, rst;
    assert_int_equal(tsrv_start(&empty, TS_HTTP_EMPTY_OPEN, NULL), 0);
    assert_int_equal(tsrv_start(&rst, TS_HTTP_RESET_BODY, NULL), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.crl_ms = 1500;
    cfg_add_direct(&c, "direct");
    char u1[96], u2[96];
    snprintf(u1, sizeof u1, "http://127.0.0.1:%d/empty.crl", empty.port);
    snprintf(u2, sizeof u2, "http://127.0.0.1:%d/cut.crl", rst.port);
    const tp_path *direct = tp_config_find_path(&c, "direct");
    tp_fetch f[2];
    memset(f, 0, sizeof f);
    f[0] = (tp_fetch){.url = u1, .route = RT(&c, direct), .max_bytes = 1024};
    f[1] = (tp_fetch){.url = u2, .route = RT(&c, direct), .max_bytes = 1024};
    char err[256];
    assert_int_equal(tp_engine_fetch(&c, f, 2, err, sizeof err), 0);
    tsrv_stop(&empty);
    tsrv_stop(&rst);
    if (f[0].error_code != TP_OC_NONE)
        fail_msg("empty body: %s (%s)", tp_outcome_name(f[0].error_code), f[0].error_message);
    assert_int_equal(f[0].http_status, 200);
    assert_int_equal(f[0].body_len, 0);
    assert_true(f[0].ms >= 0 && f[0].ms < 1000);
    assert_int_not_equal(f[1].error_code, TP_OC_NONE);
    assert_int_equal(f[1].error_code, TP_OC_HTTP_CLOSED);
    assert_non_null(strstr(f[1].error_message, "reset"));
    assert_null(f[1].body);
    for (int i = 0; i < 2; i++)
        tp_fetch_free(&f[i]);
    tp_config_free(&c);
}

/* Fetches through proxies: a dead proxy with a fallback reruns direct within the same
 * crl_ms; a silent proxy (absolute-form GET, no answer) ends at crl_ms, not at http_ms. */
static void test_fetch_proxy_fallback_and_deadline(void **state)
{
    (void)state;
    tsrv crl, silent;
    assert_int_equal(tsrv_start(&crl, TS_HTTP_200, NULL), 0);
    crl.body = "crl";
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.http_ms = 20000;
    c.limits.crl_ms = 500;
    cfg_add_direct(&c, "direct");
    cfg_add_proxy(&c, "sensor", "127.0.0.1", tsrv_dead_port(), NULL, NULL, "direct");
    cfg_add_proxy(&c, "mute", "127.0.0.1", silent.port, NULL, NULL, "direct");
    char u[96];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/a.crl", crl.port);
    tp_fetch f[2];
    memset(f, 0, sizeof f);
    f[0] = (tp_fetch){.url = u, .route = RT(&c, tp_config_find_path(&c, "sensor")), .max_bytes = 64};
    f[1] = (tp_fetch){.url = u, .route = RT(&c, tp_config_find_path(&c, "mute")), .max_bytes = 64};
    char err[256];
    assert_int_equal(tp_engine_fetch(&c, f, 2, err, sizeof err), 0);
    tsrv_stop(&crl);
    tsrv_stop(&silent);
    assert_int_equal(f[0].error_code, TP_OC_NONE);
    assert_int_equal(f[0].body_len, 3);
    assert_non_null(strstr(f[0].error_message, "fell back to direct"));
    /* the proxy was reached: no fallback, and the fetch's own bound applies */
    assert_int_equal(f[1].error_code, TP_OC_TIMEOUT);
    assert_true(f[1].ms >= 450 && f[1].ms < 3000);
    for (int i = 0; i < 2; i++)
        tp_fetch_free(&f[i]);
    tp_config_free(&c);
}

/* A probe whose leaf names a CRL that is far too large: the verdict stage fetches it for
 * real, gets fetch_too_large, and reports revocation unreachable with the bound in the
 * reason — a classified failure, not a crash and not 8 MiB in memory. */
static void test_crl_too_large_verdict(void **state)
{
    (void)state;
    tsrv crl;
    assert_int_equal(tsrv_start(&crl, TS_HTTP_STREAM, NULL), 0);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big.crl", crl.port);
    tpki_cert leaf;
    mbedtls_ssl_config conf;
    assert_int_equal(tpki_leaf_cdp(&pki, "127.0.0.1", false, url, &leaf), 0);
    assert_int_equal(tsrv_tls_conf(&conf, &pki, &leaf), 0);
    tsrv origin;
    assert_int_equal(tsrv_start(&origin, TS_TLS_404, &conf), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.crl_max_bytes = 1u << 20;
    c.limits.crl_ms = 3000;
    cfg_add_direct(&c, "direct");
    plan p = {0};
    tp_result *r = plan_add(&p, &c, "direct", "https", "127.0.0.1", origin.port, 404);
    run_plan(&c, &p);
    tsrv_stop(&origin);
    if (r->error_code != TP_OC_NONE)
        fail_msg("unexpected %s: %s", tp_outcome_name(r->error_code), r->error_message);
    assert_int_equal(r->chain[0].crl_urls.n, 1);
    assert_string_equal(r->chain[0].crl_urls.v[0], url);

    tp_run run = {.cfg = &c, .results = p.res, .n_results = p.n};
    char err[256] = "";
    /* the pipeline's steps by hand: prepare, fetch for real, finish */
    tp_judge *j = NULL;
    tp_fetch *needs = NULL;
    size_t n_needs = 0;
    if (tp_verdict_prepare(plan_of(&c), &run, NULL, &j, &needs, &n_needs, err, sizeof err) != 0)
        fail_msg("verdict: %s", err);
    assert_int_equal(n_needs, 1);
    assert_int_equal(tp_engine_fetch(&c, needs, n_needs, err, sizeof err), 0);
    if (tp_verdict_finish(j, err, sizeof err) != 0)
        fail_msg("verdict: %s", err);
    tp_verdict_free(j);
    tsrv_stop(&crl);
    assert_true(r->revocation == TP_REV_UNREACHABLE || r->revocation == TP_REV_UNKNOWN);
    assert_non_null(r->revocation_reason);
    assert_non_null(strstr(r->revocation_reason, "fetch_too_large"));
    assert_non_null(strstr(r->revocation_reason, "1048576 bytes"));
    assert_int_equal(r->n_crls, 1);
    assert_false(r->crls[0].fetched);
    assert_string_equal(r->crls[0].error, "fetch_too_large");
    assert_int_equal(r->status, TP_ST_FAIL);
    plan_free(&p);
    tp_config_free(&c);
    mbedtls_ssl_config_free(&conf);
    tpki_cert_free(&leaf);
}

/* Authentication answers from a proxy: 401 is an authentication verdict as much as 407;
 * credentials sent and refused is proxy_auth_rejected; only Negotiate/NTLM offered is
 * proxy_auth_integrated; a plain-HTTP GET the proxy answered itself (its 403 page) is a
 * proxy verdict, while the origin's own 403 stays an HTTP status. */
static void test_proxy_auth_and_own_pages(void **state)
{
    (void)state;
    static const char R401[] = "HTTP/1.1 401 Unauthorized\r\nProxy-Authenticate: Basic realm=\"tinyproxy\"\r\n"
                               "Content-Length: 0\r\n\r\n";
    static const char RNEG[] = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\n"
                               "Proxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n";
    static const char RSQUID[] = "HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\n"
                                 "Content-Length: 0\r\n\r\n";
    static const char RORIGIN[] = "HTTP/1.1 403 Forbidden\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n";
    const char *bodies[] = {R401, R401, RNEG, RSQUID, RORIGIN, RNEG};
    enum { N = sizeof bodies / sizeof bodies[0] };
    tsrv srv[N];
    tp_config c;
    cfg_init(&c);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(tsrv_start(&srv[i], TS_RAW, NULL), 0);
        srv[i].body = bodies[i];
        char id[16];
        snprintf(id, sizeof id, "p%zu", i);
        /* p1 sends credentials; the others do not */
        cfg_add_proxy(&c, id, "127.0.0.1", srv[i].port, i == 1 ? "svc" : NULL, i == 1 ? "s3cr3t-pass" : NULL, NULL);
    }
    plan p = {0};
    tp_result *r401 = plan_add(&p, &c, "p0", "https", "127.0.0.1", 443, 404);
    tp_result *rej = plan_add(&p, &c, "p1", "https", "127.0.0.1", 443, 404);
    tp_result *neg = plan_add(&p, &c, "p2", "https", "127.0.0.1", 443, 404);
    tp_result *own = plan_add(&p, &c, "p3", "http", "127.0.0.1", 8080, 404);
    tp_result *org = plan_add(&p, &c, "p4", "http", "127.0.0.1", 8080, 404);
    tp_result *negget = plan_add(&p, &c, "p5", "http", "127.0.0.1", 8080, 404);
    run_plan(&c, &p);
    for (size_t i = 0; i < N; i++)
        tsrv_stop(&srv[i]);

    assert_code(r401, "proxy_auth_required", TP_PH_PROXY);
    assert_int_equal(r401->proxy_status, 401);
    assert_string_equal(r401->proxy_auth_schemes.v[0], "Basic");
    assert_code(rej, "proxy_auth_rejected", TP_PH_PROXY);
    assert_null(strstr(rej->error_message, "s3cr3t"));
    assert_code(neg, "proxy_auth_integrated", TP_PH_PROXY);
    assert_int_equal(neg->proxy_auth_schemes.n, 2);
    assert_string_equal(neg->proxy_auth_schemes.v[1], "NTLM");
    assert_int_equal(own->error_code, TP_OC_PROXY_DENIED);
    assert_int_equal(own->proxy_status, 403);
    assert_int_equal(org->error_code, TP_OC_HTTP_STATUS);
    assert_int_equal(org->proxy_status, 0);
    assert_int_equal(negget->error_code, TP_OC_PROXY_AUTH_INTEGRATED);
    plan_free(&p);
    tp_config_free(&c);
}

/* -v: one trace line per phase as it ends, prefixed with the probe; no credential. */
static char g_trace_buf[8192];
static void collect_trace(void *ud, const char *line)
{
    (void)ud;
    size_t n = strlen(g_trace_buf);
    snprintf(g_trace_buf + n, sizeof g_trace_buf - n, "%s\n", line);
}

static void test_trace(void **state)
{
    (void)state;
    tsrv proxy;
    assert_int_equal(tsrv_start(&proxy, TS_407, NULL), 0);
    tp_config c;
    cfg_init(&c);
    cfg_add_proxy(&c, "corp", "127.0.0.1", proxy.port, "svc", "s3cr3t-pass", NULL);
    plan p = {0};
    plan_add(&p, &c, "corp", "https", "127.0.0.1", 443, 404);
    g_trace_buf[0] = '\0';
    trace_runs = collect_trace;
    run_plan(&c, &p);
    trace_runs = NULL;
    tsrv_stop(&proxy);
    assert_non_null(strstr(g_trace_buf, "via corp] connect "));
    assert_non_null(strstr(g_trace_buf, "(the proxy)\n"));
    assert_non_null(strstr(g_trace_buf, "via corp] proxy_auth_rejected: proxy 127.0.0.1:"));
    assert_null(strstr(g_trace_buf, "s3cr3t"));
    assert_null(strstr(g_trace_buf, "c3Zj"));   /* base64 of "svc:..." */
    /* off again: nothing more is collected */
    size_t before = strlen(g_trace_buf);
    assert_int_equal(tsrv_start(&proxy, TS_407, NULL), 0);
    plan q = {0};
    c.paths[0].proxy_port = proxy.port;
    plan_add(&q, &c, "corp", "https", "127.0.0.1", 443, 404);
    run_plan(&c, &q);
    tsrv_stop(&proxy);
    assert_int_equal(strlen(g_trace_buf), before);
    plan_free(&p);
    plan_free(&q);
    tp_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_proxy_auth_and_own_pages),
        cmocka_unit_test(test_direct_tls_ok),
        cmocka_unit_test(test_wrong_host_and_untrusted),
        cmocka_unit_test(test_proxy_tls_ok_with_credentials),
        cmocka_unit_test(test_hostile_peers_one_run),
        cmocka_unit_test(test_http_status_unexpected),
        cmocka_unit_test(test_fallback_to_direct),
        cmocka_unit_test(test_plain_http_direct_and_proxy),
        cmocka_unit_test(test_dns_classes),
        cmocka_unit_test(test_dns_shared_query),
        cmocka_unit_test(test_concurrency_cap),
        cmocka_unit_test(test_total_deadline),
        cmocka_unit_test(test_total_deadline_blames_budget_not_phase),
        cmocka_unit_test(test_fetch),
        cmocka_unit_test(test_bad_ca_file_fails_to_start),
        cmocka_unit_test(test_empty_run),
        cmocka_unit_test(test_deadline_from_real_now),
        cmocka_unit_test(test_proxy_leftover_goes_to_tls),
        cmocka_unit_test(test_connect_timeout_and_fallback),
        cmocka_unit_test(test_proxy_by_name),
        cmocka_unit_test(test_next_address_and_interim_status),
        cmocka_unit_test(test_http_hostile),
        cmocka_unit_test(test_path_ca_files),
        cmocka_unit_test(test_blackholed_first_address),
        cmocka_unit_test(test_fd_limit_caps_concurrency),
        cmocka_unit_test(test_ipv6_proxy_named_with_brackets),
        cmocka_unit_test(test_connect_statuses),
        cmocka_unit_test(test_fetch_bounds),
        cmocka_unit_test(test_crl_too_large_verdict),
        cmocka_unit_test(test_fetch_empty_and_reset_body),
        cmocka_unit_test(test_fetch_proxy_fallback_and_deadline),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
