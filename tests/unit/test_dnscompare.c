/* test_dnscompare.c — split horizon side by side (app/dnscompare.h): two resolvers, one
 * answering and one not, give every result on the name both answers; one resolver, or
 * resolvers that agree, give nothing. The loop is left with no handle open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"

#include "app/dnscompare.h"

static void on_done(void *ud)
{
    *(bool *)ud = true;
}

static void compare(const char *const *servers, size_t ns, tp_result *res, size_t n, int want_rc)
{
    tp_strlist sv = {0};
    for (size_t i = 0; i < ns; i++)
        assert_int_equal(tp_strlist_add(&sv, servers[i]), 0);
    tp_run run = {.results = res, .n_results = n};
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    bool done = false;
    char err[128];
    assert_int_equal(tp_dnscompare_start(&loop, &sv, 1000, &run, on_done, &done, err, sizeof err), want_rc);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_true(done == (want_rc == 0));
    tp_strlist_free(&sv);
}

static void test_split(void **state)
{
    (void)state;
    tdns a, b;
    assert_int_equal(tdns_start(&a), 0);
    assert_int_equal(tdns_start(&b), 0);
    char sa[64], sb[64], dead[64];
    snprintf(sa, sizeof sa, "127.0.0.1:%d", a.port);
    snprintf(sb, sizeof sb, "127.0.0.1:%d", b.port);
    snprintf(dead, sizeof dead, "127.0.0.1:%d", tsrv_dead_port());
    tp_endpoint eg = {.host = "good.test"}, el = {.host = "127.0.0.1"};
    tp_result res[3] = {{.ep = &eg}, {.ep = &eg}, {.ep = &el}};

    const char *agree[] = {sa, sb};
    compare(agree, 2, res, 3, 0);
    assert_null(res[0].dns_split);   /* both answered 127.0.0.1: nothing to show */

    const char *split[] = {sa, dead};
    compare(split, 2, res, 3, 0);
    assert_non_null(res[0].dns_split);
    char want[160];
    snprintf(want, sizeof want, "%s=127.0.0.1;%s=!dns_", sa, dead);
    assert_true(strncmp(res[0].dns_split, want, strlen(want)) == 0);
    assert_string_equal(res[1].dns_split, res[0].dns_split);
    assert_null(res[2].dns_split);   /* an address literal is not asked */

    const char *one[] = {sa};
    compare(one, 1, res, 3, 1);
    for (size_t i = 0; i < 3; i++)
        free(res[i].dns_split);
    tdns_stop(&a);
    tdns_stop(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
