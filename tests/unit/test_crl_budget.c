/* test_crl_budget.c — one memory budget for revocation (issue 15, item 2), against a
 * loopback HTTP server:
 *   - the engine's byte budget: with room for two bodies and four distinct CRL URLs, never
 *     more than two bodies reserved or held at once, the others waiting at their head and
 *     going on, in order, as judgements return; a body larger than the budget alone never
 *     deadlocks; the wait does not count against the fetch's crl_ms;
 *   - the judgement on the pool counts against the CRL deadline: a sink that runs past it
 *     is told to stop and the fetch ends crl_timeout, promptly;
 *   - cancellation while fetches wait (at their head, or not started) ends at once;
 *   - the pipeline with the real judge: four real CRLs under a two-CRL budget, each judged
 *     right (one lists its leaf: revoked), the run's crl_stats within the budget;
 *   - pki/crl.c's stop flag: the entry walk and the signature hash stop.
 * The sinks here count and wait; cmocka asserts run only on the loop's thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"
#include "fixture_endpoint.h"

#include <uv.h>

#include "app/pipeline.h"
#include "core/limits.h"
#include "input/config.h"
#include "net/engine.h"
#include "pki/crl.h"
#include "plan/plan.h"

#define S ((size_t)256 * 1024)   /* one test body */
#define MAXF 8

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

static double now_ms(void)
{
    return (double)uv_hrtime() / 1e6;
}

/* ---------- a fetch world: a direct path, a server answering body_len bytes to any URL ---------- */

typedef struct fworld {
    tp_config cfg;
    tp_plan plan;
    tsrv srv;
    char *body;
    char url[MAXF][96];
    tp_fetch f[MAXF];
    size_t n;
} fworld;

static void fworld_init(fworld *w, size_t n, size_t body_len, size_t budget, int crl_ms)
{
    memset(w, 0, sizeof *w);
    assert_true(n <= MAXF);
    assert_int_equal(tp_config_defaults(&w->cfg), 0);
    w->cfg.system_ca = false;
    w->cfg.limits.crl_max_bytes = body_len;
    w->cfg.limits.crl_budget_bytes = budget;
    w->cfg.limits.crl_ms = crl_ms;
    w->cfg.limits.total_ms = crl_ms;
    char err[128];
    assert_int_equal(tp_plan_resolve(&w->plan, &w->cfg, err, sizeof err), 0);
    w->body = malloc(body_len);
    assert_non_null(w->body);
    for (size_t i = 0; i < body_len; i++)
        w->body[i] = (char)('a' + i % 26);
    assert_int_equal(tsrv_start(&w->srv, TS_HTTP_200, NULL), 0);
    w->srv.body = w->body;
    w->srv.body_len = body_len;
    w->n = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(w->url[i], sizeof w->url[i], "http://127.0.0.1:%d/ca%zu.crl", w->srv.port, i);
        w->f[i] = (tp_fetch){.url = w->url[i], .route = tp_plan_route(&w->plan, &w->cfg.paths[0])};
        assert_non_null(w->f[i].route);
    }
}

static void fworld_free(fworld *w)
{
    tsrv_stop(&w->srv);
    for (size_t i = 0; i < w->n; i++)
        tp_fetch_free(&w->f[i]);
    free(w->body);
    tp_plan_release(&w->plan);
    tp_config_free(&w->cfg);
}

/* ---------- a sink that counts, and waits for a gate ---------- */

typedef struct tsink {
    tp_fetch *f;
    atomic_int active, active_max, calls;
    atomic_bool gate;           /* blocked works go on once it opens (or their stop is set) */
    atomic_int first;           /* block_first: the index of the first work, -1 before */
    bool block_first;           /* only the first work blocks; the others return at once */
    atomic_bool saw_stop[MAXF];
    tp_outcome oc[MAXF];
    bool done_seen[MAXF];
    int done_calls;
    tp_crl_stats stats;
} tsink;

static void tsink_init(tsink *s, tp_fetch *f)
{
    memset(s, 0, sizeof *s);
    s->f = f;
    atomic_init(&s->active, 0);
    atomic_init(&s->active_max, 0);
    atomic_init(&s->calls, 0);
    atomic_init(&s->gate, false);
    atomic_init(&s->first, -1);
    for (size_t i = 0; i < MAXF; i++)
        atomic_init(&s->saw_stop[i], false);
}

static void sink_work(void *ud, size_t i, const tp_stop *stop)
{
    tsink *s = ud;
    int a = atomic_fetch_add(&s->active, 1) + 1;
    for (int m = atomic_load(&s->active_max); a > m && !atomic_compare_exchange_weak(&s->active_max, &m, a);)
        ;
    atomic_fetch_add(&s->calls, 1);
    int expect = -1;
    bool blocks = !s->block_first || atomic_compare_exchange_strong(&s->first, &expect, (int)i);
    while (blocks && !atomic_load(&s->gate)) {
        if (tp_stop_requested(stop)) {
            atomic_store(&s->saw_stop[i], true);
            break;
        }
        usleep(1000);
    }
    free(s->f[i].body);   /* a sink consumes the body */
    s->f[i].body = NULL;
    atomic_fetch_sub(&s->active, 1);
}

static void sink_done(void *ud, size_t i, tp_outcome oc)
{
    tsink *s = ud;
    assert_false(s->done_seen[i]);   /* once per fetch */
    s->done_seen[i] = true;
    s->oc[i] = oc;
    s->done_calls++;
}

/* ---------- one fetch run on a loop of the test's, watched every 5 ms ---------- */

typedef struct watch watch;
typedef void (*watch_fn)(watch *w);
struct watch {
    uv_loop_t loop;
    uv_timer_t timer;
    tp_engine_op *op;
    bool done;
    double t_start, t_done, t_cancel;
    tsink sink;
    watch_fn fn;
    int ticks;                  /* for the watch function's own use */
    int violations;             /* budget invariants broken while running */
    size_t max_bodies, max_bytes; /* the invariants: counted at once, at most */
};

static void on_run_done(void *ud)
{
    watch *w = ud;
    w->done = true;
    w->op = NULL;
    w->t_done = now_ms();
    uv_timer_stop(&w->timer);
}

static void on_watch(uv_timer_t *t)
{
    watch *w = t->data;
    if (w->done)
        return;
    const tp_crl_stats *st = &w->sink.stats;
    if (st->bodies_now > w->max_bodies || st->bytes_now > w->max_bytes)
        w->violations++;
    if (now_ms() - w->t_start > 15000) {
        atomic_store(&w->sink.gate, true);   /* the state never came: let the run end */
        if (w->op)
            tp_engine_cancel(w->op, "test watchdog");
        fail_msg("the expected state never came (bodies %zu, waiting %zu, active %d)", st->bodies_now,
                 st->waiting_now, atomic_load(&w->sink.active));
    }
    if (w->fn)
        w->fn(w);
}

static void run_watched(watch *w, fworld *fw, int concurrency, watch_fn fn)
{
    assert_int_equal(uv_loop_init(&w->loop), 0);
    w->fn = fn;
    tp_engine_opts o = {.limits = fw->plan.limits, .system_ca = false};
    if (concurrency > 0)
        o.limits.concurrency = concurrency;
    tp_fetch_sink sink = {.work = sink_work, .done = sink_done, .ud = &w->sink, .stats = &w->sink.stats};
    char err[256];
    w->t_start = now_ms();
    assert_int_equal(uv_timer_init(&w->loop, &w->timer), 0);
    w->timer.data = w;
    uv_timer_start(&w->timer, on_watch, 5, 5);
    assert_int_equal(tp_engine_fetch_sink_start(&w->loop, &o, fw->f, fw->n, &sink, on_run_done, w, &w->op, err,
                                                sizeof err),
                     0);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    assert_true(w->done);
    uv_close((uv_handle_t *)&w->timer, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&w->loop), 0);   /* no handle left behind */
    assert_int_equal(w->violations, 0);
}

/* ---------- (a) two bodies at once, four URLs ---------- */

/* Both works blocked and the other two waiting at their head: hold that a moment (nothing
 * else may start), then open the gate. */
static void watch_two(watch *w)
{
    const tp_crl_stats *st = &w->sink.stats;
    if (atomic_load(&w->sink.gate))
        return;
    if (st->bodies_now == 2 && st->waiting_now == 2 && atomic_load(&w->sink.active) == 2)
        w->ticks++;
    if (w->ticks >= 20)
        atomic_store(&w->sink.gate, true);
}

static void test_budget_two_at_once(void **state)
{
    (void)state;
    fworld fw;
    fworld_init(&fw, 4, S, 2 * S, 10000);
    watch *w = calloc(1, sizeof *w);
    assert_non_null(w);
    tsink_init(&w->sink, fw.f);
    w->max_bodies = 2;
    w->max_bytes = 2 * S;
    run_watched(w, &fw, 0, watch_two);
    const tp_crl_stats *st = &w->sink.stats;
    assert_int_equal(w->sink.done_calls, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(fw.f[i].error_code, TP_OC_NONE);
        assert_int_equal(fw.f[i].http_status, 200);
        assert_int_equal(fw.f[i].body_len, S);
        assert_null(fw.f[i].body);   /* the sink took it */
        assert_int_equal(w->sink.oc[i], TP_OC_NONE);
    }
    assert_int_equal(atomic_load(&w->sink.active_max), 2);
    assert_int_equal(st->fetches, 4);
    assert_int_equal(st->budget_bytes, 2 * S);
    assert_int_equal(st->bodies_peak, 2);
    assert_int_equal(st->bytes_peak, 2 * S);
    assert_int_equal(st->waited, 2);
    assert_true(st->wait_ms_max >= 90);   /* they waited while the gate was shut */
    assert_int_equal(st->judged, 4);
    assert_int_equal(st->timeouts, 0);
    assert_int_equal(st->bodies_now, 0);
    assert_int_equal(st->bytes_now, 0);
    assert_int_equal(st->waiting_now, 0);
    free(w);
    fworld_free(&fw);
}

/* A body larger than the whole budget (a caller's own max_bytes above it) goes when nothing
 * else is counted: never a deadlock; two such bodies go one after the other. */
static void test_budget_bigger_than_budget_goes_alone(void **state)
{
    (void)state;
    fworld fw;
    fworld_init(&fw, 2, 3 * S, 4 * S, 10000);
    fw.plan.limits.crl_budget_bytes = S;   /* below the bound: only a caller can do this */
    for (size_t i = 0; i < 2; i++)
        fw.f[i].max_bytes = 4 * S;
    watch *w = calloc(1, sizeof *w);
    assert_non_null(w);
    tsink_init(&w->sink, fw.f);
    atomic_store(&w->sink.gate, true);
    w->max_bodies = 1;
    w->max_bytes = 3 * S;
    run_watched(w, &fw, 0, NULL);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(fw.f[i].error_code, TP_OC_NONE);
        assert_int_equal(fw.f[i].body_len, 3 * S);
        assert_int_equal(w->sink.oc[i], TP_OC_NONE);
    }
    assert_int_equal(w->sink.stats.bodies_peak, 1);
    assert_int_equal(w->sink.stats.bytes_peak, 3 * S);
    free(w);
    fworld_free(&fw);
}

/* ---------- (b) the judgement counts against the CRL deadline ---------- */

static void test_judgement_past_deadline_is_classified(void **state)
{
    (void)state;
    fworld fw;
    fworld_init(&fw, 1, S, 2 * S, 400);
    watch *w = calloc(1, sizeof *w);
    assert_non_null(w);
    tsink_init(&w->sink, fw.f);   /* the gate stays shut: the work runs until told to stop */
    w->max_bodies = 1;
    w->max_bytes = S;
    run_watched(w, &fw, 0, NULL);
    double ms = w->t_done - w->t_start;
    assert_int_equal(fw.f[0].error_code, TP_OC_NONE);   /* the fetch itself was fine */
    assert_int_equal(w->sink.oc[0], TP_OC_CRL_TIMEOUT);
    assert_true(atomic_load(&w->sink.saw_stop[0]));
    assert_int_equal(w->sink.stats.timeouts, 1);
    assert_true(fw.f[0].ms >= 350);   /* its time is the fetch and the judgement */
    /* at the deadline (crl_ms 400 from the fetch's start), not much later */
    if (ms < 350 || ms > 2500)
        fail_msg("the run took %.0f ms for a 400 ms CRL deadline", ms);
    free(w);
    fworld_free(&fw);
}

/* The wait for the budget does not count against the fetch's own crl_ms: the second fetch
 * waits for the first's judgement (stopped at its 600 ms deadline) and still succeeds. */
static void test_wait_not_counted(void **state)
{
    (void)state;
    fworld fw;
    fworld_init(&fw, 2, S, S, 600);
    watch *w = calloc(1, sizeof *w);
    assert_non_null(w);
    tsink_init(&w->sink, fw.f);
    w->sink.block_first = true;
    w->max_bodies = 1;
    w->max_bytes = S;
    run_watched(w, &fw, 0, NULL);
    int first = atomic_load(&w->sink.first);
    assert_true(first == 0 || first == 1);
    size_t second = first == 0 ? 1 : 0;
    assert_int_equal(w->sink.oc[first], TP_OC_CRL_TIMEOUT);
    assert_int_equal(fw.f[second].error_code, TP_OC_NONE);
    assert_int_equal(w->sink.oc[second], TP_OC_NONE);
    assert_true(fw.f[second].ms < 600);   /* its own time, without the wait */
    assert_int_equal(w->sink.stats.waited, 1);
    assert_true(w->sink.stats.wait_ms_max >= 400);
    assert_true(w->t_done - w->t_start >= 550);   /* the run outlasted crl_ms (timers: ms granularity) */
    free(w);
    fworld_free(&fw);
}

/* ---------- (c) cancellation while fetches wait ---------- */

/* Concurrency 2, room for one body: the first fetch's body is being judged (blocked; its
 * job is over, so a third fetch starts), the next two wait at their head, the fourth is not
 * started. Cancel: the run must end at once. */
static void watch_cancel(watch *w)
{
    const tp_crl_stats *st = &w->sink.stats;
    if (w->t_cancel > 0 || !w->op)
        return;
    if (st->bodies_now == 1 && st->waiting_now == 2 && atomic_load(&w->sink.active) == 1 && ++w->ticks >= 10) {
        w->t_cancel = now_ms();
        tp_engine_cancel(w->op, "interrupted by SIGINT");
    }
}

static void test_cancel_while_waiting(void **state)
{
    (void)state;
    fworld fw;
    fworld_init(&fw, 4, S, S, 10000);
    watch *w = calloc(1, sizeof *w);
    assert_non_null(w);
    tsink_init(&w->sink, fw.f);
    w->max_bodies = 1;
    w->max_bytes = S;
    run_watched(w, &fw, 2, watch_cancel);
    assert_true(w->t_cancel > 0);
    double after = w->t_done - w->t_cancel;
    if (after > 1000)
        fail_msg("the run ended %.0f ms after the cancel", after);
    size_t judged = 0, at_head = 0, unstarted = 0;
    for (size_t i = 0; i < 4; i++) {
        if (w->sink.done_seen[i]) {
            judged++;
            assert_int_equal(w->sink.oc[i], TP_OC_CANCELLED);
            assert_true(atomic_load(&w->sink.saw_stop[i]));
            continue;
        }
        assert_int_equal(fw.f[i].error_code, TP_OC_CANCELLED);
        assert_null(fw.f[i].body);
        if (strstr(fw.f[i].error_message, "not started"))
            unstarted++;
        else if (strstr(fw.f[i].error_message, "in phase http"))
            at_head++;
    }
    assert_int_equal(judged, 1);
    assert_int_equal(at_head, 2);
    assert_int_equal(unstarted, 1);
    free(w);
    fworld_free(&fw);
}

/* ---------- the pipeline with the real judge ---------- */

static void test_pipeline_four_crls_two_at_once(void **state)
{
    (void)state;
    tsrv crlsrv;
    assert_int_equal(tsrv_start(&crlsrv, TS_HTTP_200, NULL), 0);
    tpki_cert leaf[4];
    mbedtls_ssl_config conf[4];
    tsrv origin[4];
    tp_endpoint eps[4];
    tp_result res[4];
    memset(eps, 0, sizeof eps);
    memset(res, 0, sizeof res);
    tp_config cfg;
    assert_int_equal(tp_config_defaults(&cfg), 0);
    assert_int_equal(tp_strlist_add(&cfg.ca_files, pki.ca_file), 0);
    cfg.system_ca = false;
    for (size_t i = 0; i < 4; i++) {
        char url[96];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/ca%zu.crl", crlsrv.port, i);
        assert_int_equal(tpki_leaf_cdp(&pki, "127.0.0.1", false, url, &leaf[i]), 0);
        assert_int_equal(tsrv_tls_conf(&conf[i], &pki, &leaf[i]), 0);
        assert_int_equal(tsrv_start(&origin[i], TS_TLS_404, &conf[i]), 0);
    }
    /* one CRL served under the four URLs: 20,000 entries and the last leaf's serial */
    long long serial3 = 0;
    for (size_t k = 0; k < leaf[3].chain.serial.len; k++)
        serial3 = serial3 << 8 | leaf[3].chain.serial.p[k];
    size_t crl_len = 0;
    uint8_t *crl = tpki_crl_der(&pki, 20000, (int)serial3, &crl_len);
    assert_non_null(crl);
    crlsrv.body = (const char *)crl;
    crlsrv.body_len = crl_len;
    cfg.limits.crl_max_bytes = crl_len;
    cfg.limits.crl_budget_bytes = 2 * crl_len;
    tp_plan plan;
    char err[256];
    assert_int_equal(tp_plan_resolve(&plan, &cfg, err, sizeof err), 0);
    for (size_t i = 0; i < 4; i++) {
        tp_endpoint *e = &eps[i];
        tfx_endpoint(e, tp_asprintf("ep%zu", i), "https", "127.0.0.1", origin[i].port, "/probe", 404);
        e->service = tp_strdup("maps");
        res[i].ep = e;
        res[i].path = res[i].used_path = &cfg.paths[0];
        res[i].route = tp_plan_route(&plan, res[i].path);
    }
    tp_run run = {.cfg = &cfg, .results = res, .n_results = 4};
    tp_pipeline_opts o = {.plan = &plan, .run = &run};
    assert_int_equal(tp_pipeline_run(&o, err, sizeof err), 0);
    for (size_t i = 0; i < 4; i++) {
        tsrv_stop(&origin[i]);
        mbedtls_ssl_config_free(&conf[i]);
        tpki_cert_free(&leaf[i]);
    }
    tsrv_stop(&crlsrv);
    free(crl);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(res[i].revocation, TP_REV_GOOD);
        assert_int_equal(res[i].status, TP_ST_OK);
    }
    assert_int_equal(res[3].revocation, TP_REV_REVOKED);
    assert_int_equal(res[3].error_code, TP_OC_REVOKED);
    const tp_crl_stats *st = &run.crl;
    assert_int_equal(st->fetches, 4);
    assert_int_equal(st->budget_bytes, 2 * crl_len);
    assert_int_equal(st->judged, 4);
    assert_int_equal(st->timeouts, 0);
    assert_true(st->bodies_peak >= 1 && st->bodies_peak <= 2);
    assert_true(st->bytes_peak <= 2 * crl_len);
    for (size_t i = 0; i < 4; i++) {
        tp_result_free(&res[i]);
        tp_endpoint_free(&eps[i]);
    }
    tp_plan_release(&plan);
    tp_config_free(&cfg);
}

/* ---------- pki/crl.c: the stop flag ---------- */

static void test_crl_stop_flag(void **state)
{
    (void)state;
    tpki_cert leaf;
    assert_int_equal(tpki_leaf_cdp(&pki, "stop.test", false, "http://127.0.0.1/x.crl", &leaf), 0);
    const mbedtls_x509_crt *issuer = leaf.chain.next;
    assert_non_null(issuer);
    size_t len = 0;
    uint8_t *der = tpki_crl_der(&pki, 50000, 0, &len);
    assert_non_null(der);
    tp_stop stop;
    tp_crl c;
    tp_crl_verdict v;

    /* set before the parse: the entry walk stops */
    atomic_init(&stop, true);
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, der, len);
    tp_crl_parse_take_stop(&c, copy, len, &stop);
    assert_int_equal(c.parse_reason, TP_CRL_STOPPED);
    tp_crl_judge(&c, &leaf.chain, issuer, time(NULL), &v);
    assert_int_equal(v.status, TP_CRL_UNKNOWN);
    assert_int_equal(v.reason, TP_CRL_STOPPED);
    assert_int_equal(tp_crl_reason_outcome(v.reason), TP_OC_CRL_TIMEOUT);
    assert_string_equal(tp_crl_reason_name(v.reason), "crl_timeout");
    tp_crl_free(&c);

    /* set after the parse: the signature's hash stops (not remembered as bad), and the
     * same CRL judges good once the flag is down again */
    atomic_store(&stop, false);
    copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, der, len);
    tp_crl_parse_take_stop(&c, copy, len, &stop);
    assert_int_equal(c.parse_reason, TP_CRL_OK);
    atomic_store(&stop, true);
    tp_crl_judge(&c, &leaf.chain, issuer, time(NULL), &v);
    assert_int_equal(v.status, TP_CRL_UNKNOWN);
    assert_int_equal(v.reason, TP_CRL_STOPPED);
    atomic_store(&stop, false);
    tp_crl_judge(&c, &leaf.chain, issuer, time(NULL), &v);
    assert_int_equal(v.status, TP_CRL_GOOD);
    tp_crl_free(&c);
    free(der);
    tpki_cert_free(&leaf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_two_at_once),
        cmocka_unit_test(test_budget_bigger_than_budget_goes_alone),
        cmocka_unit_test(test_judgement_past_deadline_is_classified),
        cmocka_unit_test(test_wait_not_counted),
        cmocka_unit_test(test_cancel_while_waiting),
        cmocka_unit_test(test_pipeline_four_crls_two_at_once),
        cmocka_unit_test(test_crl_stop_flag),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
