/* test_pipeline.c — the pipeline (probe → prepare → fetch → finish) against in-process peers
 * on 127.0.0.1: a full run on a loop the test owns, run twice in a row on that loop as the
 * appliance will (each run leaves no handle behind); cancellation by a token set before the
 * start and by tp_pipeline_cancel in the middle (no CRL is fetched, nothing is judged
 * revoked or unreachable after it); the blocking wrapper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"
#include "fixture_endpoint.h"

#include <uv.h>

#include "app/pipeline.h"
#include "input/config.h"
#include "plan/plan.h"

static tpki pki;

static int group_setup(void **state)
{
    (void)state;
    return tpki_init(&pki);
}

static int group_teardown(void **state)
{
    (void)state;
    tpki_free(&pki);
    return 0;
}

/* A world: one config with a direct path, its plan, and n hand-made results. */
typedef struct world {
    tp_config cfg;
    tp_plan plan;
    tp_endpoint eps[4];
    tp_result res[4];
    size_t n;
    tp_run run;
} world;

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    assert_int_equal(tp_config_defaults(&w->cfg), 0);   /* one "direct" path */
    w->cfg.system_ca = false;
    assert_int_equal(tp_strlist_add(&w->cfg.ca_files, pki.ca_file), 0);
    w->cfg.limits.dns_ms = w->cfg.limits.connect_ms = w->cfg.limits.tls_ms = 3000;
    w->cfg.limits.http_ms = w->cfg.limits.crl_ms = 3000;
    w->cfg.limits.total_ms = 8000;
    char err[128];
    assert_int_equal(tp_plan_resolve(&w->plan, &w->cfg, err, sizeof err), 0);
}

static tp_result *world_add(world *w, const char *scheme, int port, int expect)
{
    assert_true(w->n < 4);
    tp_endpoint *e = &w->eps[w->n];
    tfx_endpoint(e, tp_asprintf("ep%zu", w->n), scheme, "127.0.0.1", port, "/probe", expect);
    e->service = tp_strdup("maps");
    tp_result *r = &w->res[w->n++];
    r->ep = e;
    r->path = r->used_path = &w->cfg.paths[0];
    r->route = tp_plan_route(&w->plan, r->path);
    assert_non_null(r->route);
    w->run = (tp_run){.cfg = &w->cfg, .results = w->res, .n_results = w->n};
    return r;
}

static void world_free(world *w)
{
    for (size_t i = 0; i < w->n; i++) {
        tp_result_free(&w->res[i]);
        tp_endpoint_free(&w->eps[i]);
    }
    tp_plan_release(&w->plan);
    tp_config_free(&w->cfg);
}

/* ---------- a full run on the caller's loop, twice ---------- */

static size_t g_progress;
static void on_progress(void *ud, size_t done, size_t total, size_t failed)
{
    (void)failed;
    assert_ptr_equal(ud, &g_progress);
    assert_true(done <= total);
    g_progress++;
}

typedef struct runs {
    uv_loop_t *loop;
    world *w[2];
    int done, rc[2];
    tp_pipeline_opts o[2];
} runs;

static void on_done(void *ud, int rc, const char *err)
{
    runs *r = ud;
    if (rc != 0)
        fail_msg("pipeline: %s", err);
    r->rc[r->done++] = rc;
    if (r->done == 1) {
        /* the appliance's pattern: the next run starts from the last one's completion */
        char e[256];
        assert_int_equal(tp_pipeline_start(r->loop, &r->o[1], on_done, r, NULL, e, sizeof e), 0);
    }
}

static void test_two_runs_on_one_loop(void **state)
{
    (void)state;
    tsrv crl;
    assert_int_equal(tsrv_start(&crl, TS_HTTP_200, NULL), 0);
    crl.body = "not-a-crl";
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ca.crl", crl.port);
    tpki_cert leaf;
    mbedtls_ssl_config conf;
    assert_int_equal(tpki_leaf_cdp(&pki, "127.0.0.1", false, url, &leaf), 0);
    assert_int_equal(tsrv_tls_conf(&conf, &pki, &leaf), 0);
    tsrv origin;
    assert_int_equal(tsrv_start(&origin, TS_TLS_404, &conf), 0);

    world w1, w2;
    world_init(&w1);
    world_init(&w2);
    tp_result *a = world_add(&w1, "https", origin.port, 404);
    tp_result *b = world_add(&w2, "https", origin.port, 404);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    runs r = {.loop = &loop, .w = {&w1, &w2}, .done = 0};
    r.o[0] = (tp_pipeline_opts){.plan = &w1.plan, .run = &w1.run, .progress = on_progress,
                                .progress_ud = &g_progress};
    g_progress = 0;
    r.o[1] = (tp_pipeline_opts){.plan = &w2.plan, .run = &w2.run};
    char err[256];
    assert_int_equal(tp_pipeline_start(&loop, &r.o[0], on_done, &r, NULL, err, sizeof err), 0);
    assert_int_equal(r.done, 0);   /* never completes inside start */
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(r.done, 2);
    assert_int_equal(g_progress, 1);   /* one probe in the first run, none asked in the second */
    /* nothing of either run is left on the caller's loop */
    assert_int_equal(uv_loop_close(&loop), 0);
    tsrv_stop(&origin);
    tsrv_stop(&crl);

    for (int i = 0; i < 2; i++) {
        tp_result *x = i ? b : a;
        assert_true(x->tls_done);
        assert_int_equal(x->http_status, 404);
        /* the leaf's CRL was asked for, fetched through the direct route, and judged */
        assert_int_equal(x->n_crls, 1);
        assert_string_equal(x->crls[0].url, url);
        assert_string_equal(x->crls[0].path, "direct");
        assert_true(x->crls[0].fetched);
        assert_int_equal(x->crls[0].http_status, 200);
        assert_int_equal(x->revocation, TP_REV_UNKNOWN);   /* "not-a-crl" is unusable */
        assert_int_equal(x->status, TP_ST_FAIL);
        assert_int_equal(x->error_code, TP_OC_REVOCATION_UNKNOWN);
        assert_non_null(x->remediation);
    }
    world_free(&w1);
    world_free(&w2);
    mbedtls_ssl_config_free(&conf);
    tpki_cert_free(&leaf);
}

/* ---------- cancellation ---------- */

typedef struct one {
    int done, rc;
} one;

static void on_one(void *ud, int rc, const char *err)
{
    (void)err;
    one *o = ud;
    o->done++;
    o->rc = rc;
}

/* A token already set: nothing is probed, nothing fetched, every result skipped. */
static void test_cancelled_before_start(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    tp_result *r = world_add(&w, "https", tsrv_dead_port(), 404);
    tp_result *s = world_add(&w, "http", tsrv_dead_port(), 200);
    tp_cancel cancel = {0};
    tp_cancel_set(&cancel, "stopped by test");
    tp_cancel_set(&cancel, "second reason");   /* the first wins */
    tp_pipeline_opts o = {.plan = &w.plan, .run = &w.run, .cancel = &cancel};
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    one d = {0};
    char err[256];
    assert_int_equal(tp_pipeline_start(&loop, &o, on_one, &d, NULL, err, sizeof err), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(d.done, 1);
    assert_int_equal(d.rc, 0);
    for (tp_result *x = r; x <= s; x++) {
        assert_int_equal(x->error_code, TP_OC_CANCELLED);
        assert_string_equal(x->error_message, "stopped by test in phase dns (not started)");
        assert_int_equal(x->status, TP_ST_SKIPPED);
        assert_null(x->windows_error);
        assert_null(x->remediation);
        assert_int_equal(x->n_crls, 0);
    }
    world_free(&w);
}

typedef struct midway {
    tp_pipeline *p;
    uv_timer_t t;
    tsrv *silent;
} midway;

static void on_cancel_timer(uv_timer_t *t)
{
    midway *m = t->data;
    if (atomic_load(&m->silent->accepted) < 1) {
        uv_timer_start(t, on_cancel_timer, 20, 0);   /* not connected yet: look again */
        return;
    }
    tp_pipeline_cancel(m->p, "stopped by test");
    uv_close((uv_handle_t *)t, NULL);
}

/* tp_pipeline_cancel while a TLS peer says nothing: the probe ends at once as cancelled,
 * a completed one keeps its result, and the caller's token says why. */
static void test_cancel_midway(void **state)
{
    (void)state;
    tsrv silent, plain;
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    assert_int_equal(tsrv_start(&plain, TS_HTTP_200, NULL), 0);
    plain.body = "ok";
    world w;
    world_init(&w);
    w.cfg.limits.tls_ms = w.cfg.limits.total_ms = 60000;   /* only the cancel can end it soon */
    tp_plan_release(&w.plan);
    char err[256];
    assert_int_equal(tp_plan_resolve(&w.plan, &w.cfg, err, sizeof err), 0);
    tp_result *ok = world_add(&w, "http", plain.port, 200);
    tp_result *hung = world_add(&w, "https", silent.port, 404);
    tp_cancel cancel = {0};
    tp_pipeline_opts o = {.plan = &w.plan, .run = &w.run, .cancel = &cancel};
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    one d = {0};
    midway m = {.silent = &silent};
    assert_int_equal(tp_pipeline_start(&loop, &o, on_one, &d, &m.p, err, sizeof err), 0);
    assert_int_equal(uv_timer_init(&loop, &m.t), 0);
    m.t.data = &m;
    uv_timer_start(&m.t, on_cancel_timer, 50, 0);
    uint64_t t0 = uv_hrtime();
    uv_run(&loop, UV_RUN_DEFAULT);
    double ms = (double)(uv_hrtime() - t0) / 1e6;
    assert_int_equal(uv_loop_close(&loop), 0);
    tsrv_stop(&silent);
    tsrv_stop(&plain);
    assert_true(ms < 5000);
    assert_int_equal(d.done, 1);
    assert_true(tp_cancelled(&cancel));
    assert_string_equal(cancel.why, "stopped by test");
    assert_int_equal(ok->error_code, TP_OC_NONE);
    assert_int_equal(ok->status, TP_ST_OK);
    assert_int_equal(hung->error_code, TP_OC_CANCELLED);
    assert_string_equal(hung->error_message, "stopped by test in phase tls");
    assert_int_equal(hung->status, TP_ST_SKIPPED);
    world_free(&w);
}

/* The blocking wrapper: its own loop, closed cleanly; a plain HTTP endpoint needs no CRL. */
static void test_blocking_run(void **state)
{
    (void)state;
    tsrv plain;
    assert_int_equal(tsrv_start(&plain, TS_HTTP_200, NULL), 0);
    plain.body = "ok";
    world w;
    world_init(&w);
    tp_result *r = world_add(&w, "http", plain.port, 200);
    tp_cancel cancel = {0};
    tp_pipeline_opts o = {.plan = &w.plan, .run = &w.run, .cancel = &cancel};
    char err[256] = "";
    assert_int_equal(tp_pipeline_run(&o, err, sizeof err), 0);
    tsrv_stop(&plain);
    assert_false(tp_cancelled(&cancel));
    assert_int_equal(r->status, TP_ST_OK);
    assert_int_equal(r->revocation, TP_REV_NOT_CHECKED);
    assert_int_equal(r->n_crls, 0);
    /* bad input is refused at the start, with no callback */
    tp_pipeline_opts bad = {.plan = NULL, .run = &w.run};
    assert_int_equal(tp_pipeline_run(&bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "pipeline"));
    world_free(&w);
}

/* A run that cannot start (a CA file that is not there) says why and calls nothing back. */
static void test_start_failure(void **state)
{
    (void)state;
    world w;
    world_init(&w);
    assert_int_equal(tp_strlist_add(&w.cfg.ca_files, "/nonexistent/ca.pem"), 0);
    world_add(&w, "https", tsrv_dead_port(), 404);
    tp_pipeline_opts o = {.plan = &w.plan, .run = &w.run};
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    one d = {0};
    char err[512] = "";
    assert_int_equal(tp_pipeline_start(&loop, &o, on_one, &d, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(d.done, 0);
    tp_pipeline_cancel(NULL, "nothing to cancel");   /* harmless */
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_runs_on_one_loop),
        cmocka_unit_test(test_cancelled_before_start),
        cmocka_unit_test(test_cancel_midway),
        cmocka_unit_test(test_blocking_run),
        cmocka_unit_test(test_start_failure),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
