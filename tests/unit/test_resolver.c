/* test_resolver.c — the c-ares/libuv bridge on its own loop, against the in-process UDP DNS
 * responder on 127.0.0.1: shared queries, cancellation, cached answers, classification, and
 * a loop that closes with no handle left even when a query is still pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ares.h>

#include "testsrv.h"

#include "net/resolver.h"

typedef struct waiter {
    tp_dns_wait w;
    int calls;
    const char *code;
    size_t n_addr;
    char first[64];
} waiter;

static void on_answer(tp_dns_wait *w, const tp_dns_answer *a)
{
    waiter *x = (waiter *)w; /* w is the first member */
    x->calls++;
    x->code = tp_outcome_name(a->code);   /* NULL on success */
    x->n_addr = a->addresses.n;
    if (a->addresses.n)
        snprintf(x->first, sizeof x->first, "%s", a->addresses.v[0]);
}

static void servers_for(tdns *d, tp_strlist *l)
{
    char s[64];
    snprintf(s, sizeof s, "127.0.0.1:%d", d->port);
    memset(l, 0, sizeof *l);
    assert_int_equal(tp_strlist_add(l, s), 0);
}

static void test_literals_and_codes(void **state)
{
    (void)state;
    assert_true(tp_is_ip_literal("127.0.0.1"));
    assert_true(tp_is_ip_literal("::1"));
    assert_true(tp_is_ip_literal("2001:db8::5"));
    assert_false(tp_is_ip_literal("127.0.0.1.example"));
    assert_false(tp_is_ip_literal("localhost"));
    assert_false(tp_is_ip_literal(""));
    assert_false(tp_is_ip_literal(NULL));
    assert_int_equal(tp_resolver_code(ARES_SUCCESS), TP_OC_NONE);
    assert_int_equal(tp_resolver_code(ARES_ENOTFOUND), TP_OC_DNS_NXDOMAIN);
    assert_int_equal(tp_resolver_code(ARES_ENODATA), TP_OC_DNS_NO_ADDRESS);
    assert_int_equal(tp_resolver_code(ARES_ESERVFAIL), TP_OC_DNS_SERVFAIL);
    assert_int_equal(tp_resolver_code(ARES_EREFUSED), TP_OC_DNS_REFUSED);
    assert_int_equal(tp_resolver_code(ARES_ECONNREFUSED), TP_OC_DNS_REFUSED);
    assert_int_equal(tp_resolver_code(ARES_ETIMEOUT), TP_OC_DNS_TIMEOUT);
    assert_int_equal(tp_resolver_code(ARES_EBADNAME), TP_OC_DNS_ERROR);
}

static void test_shared_query_and_cache(void **state)
{
    (void)state;
    tdns d;
    assert_int_equal(tdns_start(&d), 0);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    tp_strlist servers;
    servers_for(&d, &servers);
    tp_resolver *r = NULL;
    char err[256];
    assert_int_equal(tp_resolver_new(&loop, &servers, 1000, &r, err, sizeof err), 0);
    assert_string_equal(tp_resolver_name(r), servers.v[0]);

    waiter a = {.w.cb = on_answer}, b = {.w.cb = on_answer}, c = {.w.cb = on_answer};
    assert_null(tp_resolver_lookup(r, "good.test", &a.w));
    assert_null(tp_resolver_lookup(r, "good.test", &b.w));
    assert_null(tp_resolver_lookup(r, "cname.test", &c.w));
    tp_resolver_cancel(&c.w); /* cancelled: never called back */
    tp_resolver_cancel(&c.w); /* twice is harmless */
    while (a.calls == 0 || b.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(a.calls, 1);
    assert_int_equal(b.calls, 1);
    assert_null(a.code);
    assert_int_equal(a.n_addr, 1);
    assert_string_equal(a.first, "127.0.0.1");
    assert_string_equal(b.first, "127.0.0.1");

    /* after the answer: served from the cache at once, no new query */
    waiter late = {.w.cb = on_answer};
    const tp_dns_answer *ans = tp_resolver_lookup(r, "good.test", &late.w);
    assert_non_null(ans);
    assert_int_equal(ans->code, TP_OC_NONE);
    assert_int_equal(late.calls, 0);
    assert_int_equal(tp_resolver_queries(r), 2); /* good.test and cname.test */

    waiter nx = {.w.cb = on_answer};
    assert_null(tp_resolver_lookup(r, "nx.test", &nx.w));
    while (nx.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    assert_string_equal(nx.code, "dns_nxdomain");

    /* a query still pending at close: the loop must still close cleanly */
    waiter slow = {.w.cb = on_answer};
    assert_null(tp_resolver_lookup(r, "slow.test", &slow.w));
    uv_run(&loop, UV_RUN_NOWAIT);
    tp_resolver_cancel(&slow.w);
    tp_resolver_close(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(c.calls, 0);
    assert_int_equal(slow.calls, 0);
    tp_strlist_free(&servers);
    tdns_stop(&d);
}

static void stop_loop(uv_timer_t *t)
{
    uv_stop(t->data);
}

/* At most 16 names are in flight: a burst must not flood (and be dropped by) the resolver.
 * Queued names are answered once a slot frees; names still queued at close get an answer. */
static void test_inflight_cap(void **state)
{
    (void)state;
    tdns d;
    assert_int_equal(tdns_start(&d), 0);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    tp_strlist servers;
    servers_for(&d, &servers);
    tp_resolver *r = NULL;
    char err[256];
    assert_int_equal(tp_resolver_new(&loop, &servers, 3000, &r, err, sizeof err), 0);

    enum { N = 40 };
    waiter good[N], slow[24];
    char name[64];
    memset(good, 0, sizeof good);
    memset(slow, 0, sizeof slow);
    for (int i = 0; i < N; i++) {
        good[i].w.cb = on_answer;
        snprintf(name, sizeof name, "good.n%d.test", i);
        assert_null(tp_resolver_lookup(r, name, &good[i].w));
    }
    assert_true(tp_resolver_queries(r) <= 16);   /* the rest wait for a slot */
    int answered = 0;
    for (int spins = 0; answered < N && spins < 100000; spins++) {
        uv_run(&loop, UV_RUN_ONCE);
        answered = 0;
        for (int i = 0; i < N; i++)
            answered += good[i].calls;
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(good[i].calls, 1);
        assert_null(good[i].code);
    }
    assert_int_equal(tp_resolver_queries(r), N);

    /* 24 names that are never answered: 16 go out, 8 wait */
    int before = atomic_load(&d.queries);
    for (int i = 0; i < 24; i++) {
        slow[i].w.cb = on_answer;
        snprintf(name, sizeof name, "slow.n%d.test", i);
        assert_null(tp_resolver_lookup(r, name, &slow[i].w));
    }
    uv_timer_t pause;
    uv_timer_init(&loop, &pause);
    pause.data = &loop;
    uv_timer_start(&pause, stop_loop, 300, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    /* A and AAAA per name, once each (c-ares' first retry is 1 s away) */
    assert_true(atomic_load(&d.queries) - before <= 2 * 16);
    assert_int_equal(tp_resolver_queries(r), N + 16);
    uv_close((uv_handle_t *)&pause, NULL);
    tp_resolver_close(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    for (int i = 0; i < 24; i++) {
        assert_int_equal(slow[i].calls, 1);   /* every waiter hears the end, queued or not */
        assert_non_null(slow[i].code);
    }
    tp_strlist_free(&servers);
    tdns_stop(&d);
}

static void test_bad_server_list(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    tp_strlist servers = {0};
    assert_int_equal(tp_strlist_add(&servers, "not an address"), 0);
    tp_resolver *r = NULL;
    char err[256] = "";
    assert_int_equal(tp_resolver_new(&loop, &servers, 1000, &r, err, sizeof err), -1);
    assert_null(r);
    assert_non_null(strstr(err, "not an address"));
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    tp_strlist_free(&servers);
}

/* c-ares' own retry timer: a server that never answers ends in dns_timeout from c-ares
 * itself (no engine deadline here), within about the configured bound. */
static void test_timeout_from_cares(void **state)
{
    (void)state;
    tdns d;
    assert_int_equal(tdns_start(&d), 0);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    tp_strlist servers;
    servers_for(&d, &servers);
    tp_resolver *r = NULL;
    char err[256];
    assert_int_equal(tp_resolver_new(&loop, &servers, 600, &r, err, sizeof err), 0);
    waiter w = {.w.cb = on_answer};
    uint64_t t0 = uv_hrtime();
    assert_null(tp_resolver_lookup(r, "slow.test", &w.w));
    while (w.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    double ms = (double)(uv_hrtime() - t0) / 1e6;
    assert_string_equal(w.code, "dns_timeout");
    assert_true(ms >= 400 && ms < 2000);
    assert_true(atomic_load(&d.queries) >= 2); /* c-ares retried */
    tp_resolver_close(r);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    tp_strlist_free(&servers);
    tdns_stop(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals_and_codes),
        cmocka_unit_test(test_shared_query_and_cache),
        cmocka_unit_test(test_inflight_cap),
        cmocka_unit_test(test_bad_server_list),
        cmocka_unit_test(test_timeout_from_cares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
