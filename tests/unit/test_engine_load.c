/* test_engine_load.c — the engine under its own load: a proxy never gets more than
 * limits.per_proxy connections at once, and a deadline that fires while the tester is
 * saturated (here: the loop thread blocked while the peer had spoken) reads "inconclusive"
 * (status skipped, the measured stall in the message), never a network "timeout"; a peer
 * silent all along is still the network's timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"

#include "input/config.h"
#include "net/engine.h"
#include "plan/plan.h"

static tpki pki;

static void cfg_init(tp_config *c)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(tp_config_defaults(c), 0);
    tp_config_clear_paths(c);
    c->system_ca = false;
    assert_int_equal(tp_strlist_add(&c->ca_files, pki.ca_file), 0);
    c->limits.concurrency = 64;
    c->limits.dns_ms = c->limits.connect_ms = c->limits.proxy_ms = 800;
    c->limits.tls_ms = c->limits.http_ms = 800;
    c->limits.total_ms = 5000;
}

static void add_path(tp_config *c, const char *id, int proxy_port)
{
    tp_path p;
    memset(&p, 0, sizeof p);
    p.id = tp_strdup(id);
    p.type = proxy_port ? TP_PATH_HTTP : TP_PATH_DIRECT;
    if (proxy_port) {
        p.proxy_host = tp_strdup("127.0.0.1");
        p.proxy_port = proxy_port;
    }
    assert_int_equal(tp_config_add_path(c, &p), 0);
}

typedef struct run {
    tp_endpoint eps[16];
    tp_result res[16];
    size_t n;
    tp_plan plan;
} run;

static void run_init(run *r, tp_config *c, const char *path_id, int port, size_t n)
{
    memset(r, 0, sizeof *r);
    char err[256];
    assert_int_equal(tp_plan_resolve(&r->plan, c, err, sizeof err), 0);
    const tp_path *p = tp_config_find_path(c, path_id);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        tp_endpoint *e = &r->eps[i];
        e->id = tp_asprintf("ep%zu", i);
        e->url = tp_asprintf("https://127.0.0.1:%d/", port);
        e->scheme = tp_strdup("https");
        e->host = tp_strdup("127.0.0.1");
        e->port = port;
        e->path = tp_strdup("/");
        e->method = tp_strdup("GET");
        r->res[i].ep = e;
        r->res[i].path = r->res[i].used_path = p;
        r->res[i].route = tp_plan_route(&r->plan, p);
    }
    r->n = n;
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        tp_result_free(&r->res[i]);
        tp_endpoint_free(&r->eps[i]);
    }
    tp_plan_release(&r->plan);
}

static tp_engine_opts opts_of(const tp_config *c, const tp_plan *pl)
{
    return (tp_engine_opts){.limits = pl->limits, .resolvers = &c->resolvers, .ca_files = &c->ca_files,
                            .system_ca = c->system_ca};
}

/* Nine probes through a proxy that never answers CONNECT, per_proxy 3, concurrency 64:
 * they go three at a time (three rounds of proxy_ms), and the proxy never holds more
 * than three of our connections. Nine direct probes of one host:port are capped alike (an
 * origin we overload would read as a slow network); with per_proxy 9 they go at once. */
typedef struct sampler {
    tsrv *s;
    int accepted0;           /* the server's count before the run */
    size_t done;             /* probes ended (progress) */
    int max_active;          /* the most connections accepted and not yet ended */
} sampler;

/* Accepted by the server and not yet ended on our side: a probe is counted done before the
 * next one starts, so this never exceeds what the engine had open at the peer. */
static void on_sample(uv_timer_t *t)
{
    sampler *sm = t->data;
    int a = atomic_load(&sm->s->accepted) - sm->accepted0 - (int)sm->done;
    if (a > sm->max_active)
        sm->max_active = a;
}

typedef struct ctx {
    bool done;
    sampler *sm;
} ctx;

static void on_progress(void *ud, size_t done, size_t total, size_t failed)
{
    (void)total;
    (void)failed;
    ctx *c = ud;
    if (c->sm)
        c->sm->done = done;
}

static void on_done(void *ud)
{
    ((ctx *)ud)->done = true;
}

static double run_on_loop(tp_engine_opts *o, run *r, sampler *sm, uv_timer_cb blocker, int block_at_ms)
{
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    uv_timer_t samp, block;
    uv_timer_init(&loop, &samp);
    uv_timer_init(&loop, &block);
    samp.data = sm;
    if (sm)
        uv_timer_start(&samp, on_sample, 5, 5);
    if (blocker)
        uv_timer_start(&block, blocker, (uint64_t)block_at_ms, 0);
    ctx cx = {.done = false, .sm = sm};
    char err[256];
    uint64_t t0 = uv_hrtime();
    if (sm)
        sm->accepted0 = atomic_load(&sm->s->accepted), sm->done = 0;
    assert_int_equal(tp_engine_probe_start(&loop, o, r->res, r->n, on_progress, on_done, &cx, NULL, err, sizeof err),
                     0);
    while (!cx.done)
        uv_run(&loop, UV_RUN_ONCE);
    double wall = (double)(uv_hrtime() - t0) / 1e6;
    uv_close((uv_handle_t *)&samp, NULL);
    uv_close((uv_handle_t *)&block, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    return wall;
}

static void test_per_proxy_cap(void **state)
{
    (void)state;
    tsrv silent;
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.per_proxy = 3;
    c.limits.proxy_ms = 300;
    add_path(&c, "p", silent.port);
    add_path(&c, "direct", 0);
    run r;
    run_init(&r, &c, "p", 443, 9);
    tp_engine_opts o = opts_of(&c, &r.plan);
    assert_int_equal(o.limits.per_proxy, 3);
    sampler sm = {.s = &silent, .max_active = 0};
    double wall = run_on_loop(&o, &r, &sm, NULL, 0);
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(tp_outcome_name(r.res[i].error_code), "timeout") != 0)
            fail_msg("probe %zu: %s: %s", i, tp_outcome_name(r.res[i].error_code), r.res[i].error_message);
    assert_true(sm.max_active >= 1 && sm.max_active <= 3);
    assert_true(wall >= 880);   /* three rounds of 300 ms */
    run_free(&r);

    /* direct, one host:port: the same cap */
    run_init(&r, &c, "direct", silent.port, 9);
    o = opts_of(&c, &r.plan);
    o.limits.tls_ms = 300;
    sm.max_active = 0;
    wall = run_on_loop(&o, &r, &sm, NULL, 0);
    assert_true(sm.max_active >= 1 && sm.max_active <= 3);
    assert_true(wall >= 880);
    run_free(&r);

    /* a cap of 9: one round */
    run_init(&r, &c, "direct", silent.port, 9);
    o = opts_of(&c, &r.plan);
    o.limits.tls_ms = 300;
    o.limits.per_proxy = 9;
    sm.max_active = 0;
    wall = run_on_loop(&o, &r, &sm, NULL, 0);
    assert_true(sm.max_active > 3);
    assert_true(wall < 880);
    run_free(&r);
    tsrv_stop(&silent);
    tp_config_free(&c);
}

/* The loop thread stalls for 700 ms (a saturated machine) across a 300 ms deadline. */
static void stall(uv_timer_t *t)
{
    (void)t;
    usleep(700 * 1000);
}

static void test_saturated_deadline_is_inconclusive(void **state)
{
    (void)state;
    tsrv silent, drip;
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    assert_int_equal(tsrv_start(&drip, TS_DRIP, NULL), 0);
    tp_config c;
    cfg_init(&c);
    add_path(&c, "direct", 0);
    add_path(&c, "drip", drip.port);

    /* a proxy that has started answering (one byte a second): while the loop stood still
     * its bytes waited for us — the deadline measured this machine: inconclusive */
    run r;
    run_init(&r, &c, "drip", 443, 1);
    tp_engine_opts o = opts_of(&c, &r.plan);
    o.limits.proxy_ms = 300;
    (void)run_on_loop(&o, &r, NULL, stall, 60);
    tp_result *x = &r.res[0];
    if (strcmp(tp_outcome_name(x->error_code), "inconclusive") != 0)
        fail_msg("%s: %s", tp_outcome_name(x->error_code), x->error_message);
    assert_int_equal(x->status, TP_ST_SKIPPED);
    assert_int_equal(x->phase, TP_PH_PROXY);
    assert_non_null(strstr(x->error_message, "tester overloaded"));
    assert_non_null(strstr(x->error_message, "loop stalled"));
    assert_false(tp_outcome_info_of(x->error_code)->blames_network);
    /* a required endpoint that could not be judged does not let the run pass */
    r.eps[0].required = true;
    tp_run tr = {.results = r.res, .n_results = 1};
    tp_summary sum;
    tp_run_summary(&tr, &sum);
    assert_int_equal(sum.skipped, 1);
    assert_false(sum.pass);
    run_free(&r);

    /* the same proxy on a free loop: a plain timeout, and the deadline holds (within 10 %
     * and a scheduling tick) */
    run_init(&r, &c, "drip", 443, 1);
    o = opts_of(&c, &r.plan);
    o.limits.proxy_ms = 300;
    (void)run_on_loop(&o, &r, NULL, NULL, 0);
    assert_string_equal(tp_outcome_name(r.res[0].error_code), "timeout");
    assert_int_equal(r.res[0].status, TP_ST_FAIL);
    assert_true(r.res[0].t.proxy >= 295 && r.res[0].t.proxy < 360);
    run_free(&r);

    /* a peer silent all along was watched by the kernel while the loop stood still (an
     * answer would have waited in the socket for the grace turn): a network timeout */
    run_init(&r, &c, "direct", silent.port, 1);
    o = opts_of(&c, &r.plan);
    o.limits.tls_ms = 300;
    (void)run_on_loop(&o, &r, NULL, stall, 60);
    assert_string_equal(tp_outcome_name(r.res[0].error_code), "timeout");
    assert_int_equal(r.res[0].phase, TP_PH_TLS);
    run_free(&r);
    tsrv_stop(&silent);
    tsrv_stop(&drip);
    tp_config_free(&c);
}

/* Deadlines that fire while handshake steps are out on the thread pool (tls_ms 4, steps of a
 * few ms each): the job ends at once, its TLS state is freed when the step comes back (or the
 * queued step is cancelled), the run closes cleanly — under ASan, no use after free, no
 * leak. Then the same probes with room: every handshake completes off the loop, the group
 * read off the wire. */
static void test_deadline_while_step_is_out(void **state)
{
    (void)state;
    tpki_cert cert;
    mbedtls_ssl_config conf;
    assert_int_equal(tpki_leaf(&pki, "127.0.0.1", false, &cert), 0);
    assert_int_equal(tsrv_tls_conf(&conf, &pki, &cert), 0);
    tsrv origin;
    assert_int_equal(tsrv_start(&origin, TS_TLS_404, &conf), 0);
    tp_config c;
    cfg_init(&c);
    add_path(&c, "direct", 0);
    run r;
    run_init(&r, &c, "direct", origin.port, 16);
    tp_engine_opts o = opts_of(&c, &r.plan);
    o.limits.tls_ms = 4;
    (void)run_on_loop(&o, &r, NULL, NULL, 0);
    size_t timeouts = 0;
    for (size_t i = 0; i < r.n; i++) {
        /* timeout, or inconclusive when this (loaded) machine stalled the loop meanwhile */
        const char *code = tp_outcome_name(r.res[i].error_code);
        if (r.res[i].error_code != TP_OC_NONE && strcmp(code, "timeout") != 0 && strcmp(code, "inconclusive") != 0)
            fail_msg("probe %zu: %s: %s", i, code, r.res[i].error_message);
        timeouts += r.res[i].error_code != TP_OC_NONE;
    }
    assert_true(timeouts > 0);
    run_free(&r);

    run_init(&r, &c, "direct", origin.port, 16);
    o = opts_of(&c, &r.plan);
    o.limits.tls_ms = o.limits.http_ms = 20000; /* room, also under the sanitizers */
    o.limits.total_ms = 60000;
    (void)run_on_loop(&o, &r, NULL, NULL, 0);
    for (size_t i = 0; i < r.n; i++) {
        if (r.res[i].error_code != TP_OC_NONE && r.res[i].error_code != TP_OC_HTTP_STATUS)
            fail_msg("probe %zu: %s: %s", i, tp_outcome_name(r.res[i].error_code), r.res[i].error_message);
        assert_true(r.res[i].tls_done);
        assert_non_null(r.res[i].tls_group);
        /* one chain for the sixteen: shared, not copied */
        assert_true(r.res[i].chain_shared);
        assert_ptr_equal(r.res[i].chain, r.res[0].chain);
    }
    run_free(&r);
    tsrv_stop(&origin);
    mbedtls_ssl_config_free(&conf);
    tpki_cert_free(&cert);
    tp_config_free(&c);
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    return tpki_init(&pki);
}

static int group_teardown(void **state)
{
    (void)state;
    tpki_free(&pki);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_proxy_cap),
        cmocka_unit_test(test_saturated_deadline_is_inconclusive),
        cmocka_unit_test(test_deadline_while_step_is_out),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
