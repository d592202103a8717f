/* test_pacrun.c — PAC evaluation in rounds on a loop (net/pacrun.h): names the script asks
 * about are resolved by our resolver (an in-process DNS responder) and the script is asked
 * again; a hostile script is stopped by its budgets in the thread pool while the loop keeps
 * running (a timer fires during it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"

#include "net/pacrun.h"

typedef struct run_state {
    bool done;
    int ticks;
} run_state;

static void on_done(void *ud)
{
    ((run_state *)ud)->done = true;
}

static void on_tick(uv_timer_t *t)
{
    run_state *s = t->data;
    s->ticks++;
    if (s->done)
        uv_timer_stop(t);
}

static void run(const char *script, tp_pac_query *q, size_t n, int call_ms, run_state *s)
{
    tdns d;
    assert_int_equal(tdns_start(&d), 0);
    char server[64];
    snprintf(server, sizeof server, "127.0.0.1:%d", d.port);
    char *sv[] = {server};
    tp_strlist servers = {sv, 1};
    tp_pacrun_opts o = {.resolvers = &servers, .dns_ms = 1000, .my_ip = "10.9.9.9", .call_ms = call_ms};
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    uv_timer_t tick;
    uv_timer_init(&loop, &tick);
    tick.data = s;
    uv_timer_start(&tick, on_tick, 10, 10);
    char err[256] = "";
    memset(s, 0, sizeof *s);
    assert_int_equal(tp_pacrun_start(&loop, script, strlen(script), &o, q, n, on_done, s, err, sizeof err), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    tdns_stop(&d);
    assert_true(s->done);
}

static void test_rounds(void **state)
{
    (void)state;
    const char *script =
        "function FindProxyForURL(url, host) {\n"
        "  if (isInNet(dnsResolve(host), '127.0.0.0', '255.0.0.0')) return 'PROXY p1:3128; DIRECT';\n"
        "  if (!isResolvable(host)) return 'DIRECT';\n"
        "  if (myIpAddress() != '10.9.9.9') return 'PROXY wrong:1';\n"
        "  return 'PROXY other:1';\n}\n";
    tp_pac_query q[] = {{.url = "https://good.test/", .host = "good.test"},
                        {.url = "https://nx.test/", .host = "nx.test"},
                        {.url = "https://10.1.1.1/", .host = "10.1.1.1"},
                        {.url = "https://dual.test/", .host = "dual.test"}};
    run_state s;
    run(script, q, 4, 0, &s);
    assert_int_equal(q[0].code, TP_OC_NONE);
    assert_string_equal(q[0].answer, "PROXY p1:3128; DIRECT");
    assert_string_equal(q[1].answer, "DIRECT");
    assert_string_equal(q[2].answer, "PROXY other:1");
    assert_string_equal(q[3].answer, "PROXY p1:3128; DIRECT");
    tp_pac_queries_free(q, 4);
}

static void test_hostile(void **state)
{
    (void)state;
    tp_pac_query q[] = {{.url = "https://a.test/", .host = "a.test"},
                        {.url = "https://b.test/", .host = "b.test"},
                        {.url = "https://c.test/", .host = "c.test"}};
    run_state s;
    run("function FindProxyForURL(u, h) { if (h == 'b.test') return 'DIRECT'; for (;;) {} }", q, 3, 100, &s);
    assert_int_equal(q[0].code, TP_OC_PAC_TIMEOUT);
    assert_int_equal(q[1].code, TP_OC_NONE);
    assert_string_equal(q[1].answer, "DIRECT");
    assert_int_equal(q[2].code, TP_OC_PAC_TIMEOUT);
    assert_non_null(strstr(q[2].message, "time budget"));
    /* ~200 ms of script ran in the pool while the loop ticked every 10 ms */
    assert_true(s.ticks >= 5);
    tp_pac_queries_free(q, 3);

    /* a syntax error: every query final with pac_error and the engine's message */
    tp_pac_query e[] = {{.url = "https://a.test/", .host = "a.test"}};
    run("function FindProxyForURL(u, h) { return 'DIRECT'", e, 1, 0, &s);
    assert_int_equal(e[0].code, TP_OC_PAC_ERROR);
    assert_non_null(strstr(e[0].message, "the PAC script: SyntaxError"));
    assert_null(e[0].answer);
    tp_pac_queries_free(e, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounds),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
