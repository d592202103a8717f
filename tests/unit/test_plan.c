/* test_plan.c — the plan: every path reference resolved once into pointers (fallback,
 * crl_via with credentials stripped, the built-in direct route), results born with their
 * route, and the run's limits resolved the same way from every entry point (built-in
 * defaults, config file, command line): defaults filled, bounds applied, no phase deadline
 * beyond the total. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "core/limits.h"
#include "input/config.h"
#include "plan/plan.h"

static void add_path(tp_config *c, const char *id, tp_path_type type, const char *user, const char *pass,
                     const char *fallback, const char *crl_via)
{
    tp_path p;
    memset(&p, 0, sizeof p);
    p.id = tp_strdup(id);
    p.type = type;
    if (type == TP_PATH_HTTP) {
        p.proxy_host = tp_strdup("10.0.0.6");
        p.proxy_port = 8080;
    }
    p.username = user ? tp_strdup(user) : NULL;
    p.password = pass ? tp_strdup(pass) : NULL;
    p.fallback = fallback ? tp_strdup(fallback) : NULL;
    p.crl_via = crl_via ? tp_strdup(crl_via) : NULL;
    assert_int_equal(tp_config_add_path(c, &p), 0);
}

static void cfg_empty(tp_config *c)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(tp_config_defaults(c), 0);
    tp_config_clear_paths(c);
}

/* ---------- path references ---------- */

static void test_references_resolved_to_pointers(void **state)
{
    (void)state;
    tp_config c;
    cfg_empty(&c);
    add_path(&c, "direct", TP_PATH_DIRECT, NULL, NULL, NULL, NULL);
    add_path(&c, "corp-auth", TP_PATH_HTTP, "svc", "s3cr3t", "corp", NULL);  /* forward ref */
    add_path(&c, "corp", TP_PATH_HTTP, NULL, NULL, "direct", NULL);
    add_path(&c, "mdav", TP_PATH_HTTP, NULL, NULL, NULL, "direct");
    add_path(&c, "sensor", TP_PATH_HTTP, NULL, NULL, NULL, "corp-auth");
    tp_plan pl;
    char err[128];
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    assert_int_equal(pl.n_routes, c.n_paths + 1);
    for (size_t i = 0; i < c.n_paths; i++) {
        assert_ptr_equal(pl.routes[i].path, &c.paths[i]);
        assert_ptr_equal(tp_plan_route(&pl, &c.paths[i]), &pl.routes[i]);
        /* found by address: the anonymous copy maps to its route too */
        assert_ptr_equal(tp_plan_route(&pl, pl.routes[i].anon), &pl.routes[i]);
        assert_string_equal(pl.routes[i].anon->id, c.paths[i].id);
        assert_null(pl.routes[i].anon->username);
        assert_null(pl.routes[i].anon->password);
    }
    const tp_route *direct = &pl.routes[0], *auth = &pl.routes[1], *corp = &pl.routes[2],
                   *mdav = &pl.routes[3], *sensor = &pl.routes[4];
    /* the configured path named "direct" wins over the built-in one */
    assert_ptr_equal(corp->fallback, direct);
    assert_ptr_equal(auth->fallback, corp);
    assert_null(direct->fallback);
    assert_null(mdav->fallback);
    assert_ptr_equal(mdav->crl_via, direct);
    assert_false(mdav->crl_via_unknown);
    /* CRLs through an authenticating proxy go anonymously: the route's anon has the proxy
     * but not the credentials, and the configured path keeps them */
    assert_ptr_equal(sensor->crl_via, auth);
    assert_string_equal(sensor->crl_via->anon->proxy_host, "10.0.0.6");
    assert_int_equal(sensor->crl_via->anon->proxy_port, 8080);
    assert_null(sensor->crl_via->anon->password);
    assert_string_equal(auth->path->password, "s3cr3t");
    assert_null(corp->crl_via);   /* NULL: the route the probe used */
    tp_plan_release(&pl);
    tp_config_free(&c);
}

static void test_builtin_direct_and_unknown_refs(void **state)
{
    (void)state;
    tp_config c;
    cfg_empty(&c);
    add_path(&c, "corp", TP_PATH_HTTP, NULL, NULL, "direct", "direct");
    add_path(&c, "loop", TP_PATH_HTTP, NULL, NULL, "loop", NULL);       /* to itself */
    add_path(&c, "odd", TP_PATH_HTTP, NULL, NULL, "nowhere", "nowhere");
    tp_plan pl;
    char err[128];
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    const tp_route *bd = tp_plan_direct(&pl);
    assert_non_null(bd);
    assert_string_equal(bd->path->id, "direct");
    assert_int_equal(bd->path->type, TP_PATH_DIRECT);
    assert_string_equal(bd->anon->id, "direct");
    assert_null(bd->anon->username);
    assert_null(bd->fallback);
    /* no configured "direct": both references name the one built-in route */
    assert_ptr_equal(pl.routes[0].fallback, bd);
    assert_ptr_equal(pl.routes[0].crl_via, bd);
    assert_null(pl.routes[1].fallback);
    assert_null(pl.routes[2].fallback);
    assert_null(pl.routes[2].crl_via);
    assert_true(pl.routes[2].crl_via_unknown);
    assert_false(pl.routes[0].crl_via_unknown);
    /* lookups are by address: NULL is the direct route, a stranger is nobody's */
    assert_ptr_equal(tp_plan_route(&pl, NULL), bd);
    tp_path stranger = c.paths[0];
    assert_null(tp_plan_route(&pl, &stranger));
    tp_plan_release(&pl);
    tp_config_free(&c);
}

static void test_results_carry_routes(void **state)
{
    (void)state;
    tp_config c;
    cfg_empty(&c);
    add_path(&c, "direct", TP_PATH_DIRECT, NULL, NULL, NULL, NULL);
    add_path(&c, "corp", TP_PATH_HTTP, NULL, NULL, "direct", NULL);
    tp_endpoint eps[3];
    memset(eps, 0, sizeof eps);
    const char *ids[3] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        eps[i].id = (char *)ids[i];
        eps[i].service = (char *)"maps";
        eps[i].required = true;
    }
    tp_catalog cat = {.file = (char *)"<test>", .endpoints = eps, .n = 3};
    tp_plan pl;
    char err[128];
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    tp_result *r = NULL;
    size_t n = 0;
    assert_int_equal(tp_plan_build(&pl, &cat, 1, &r, &n, err, sizeof err), 0);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        size_t p = i % 2;
        assert_ptr_equal(r[i].ep, &eps[i / 2]);
        assert_ptr_equal(r[i].path, &c.paths[p]);
        assert_ptr_equal(r[i].used_path, r[i].path);
        assert_ptr_equal(r[i].route, &pl.routes[p]);
        assert_int_equal(r[i].status, TP_ST_SKIPPED);
        assert_true(r[i].t.total < 0);
    }
    assert_ptr_equal(r[1].route->fallback->path, &c.paths[0]);
    tp_plan_free(r, n);
    tp_plan_release(&pl);
    tp_config_free(&c);
}

/* ---------- catalogs ---------- */

static void test_catalogs_load(void **state)
{
    (void)state;
    tp_config c;
    cfg_empty(&c);
    tp_catalog *cats = NULL;
    size_t n = 0;
    char err[512] = "";
    /* none named: the built-in catalog */
    assert_int_equal(tp_catalogs_load(&c, &cats, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_true(cats[0].n > 10);
    /* the plan crosses its endpoints with the paths, in order */
    add_path(&c, "direct", TP_PATH_DIRECT, NULL, NULL, NULL, NULL);
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    tp_result *r = NULL;
    size_t nr = 0;
    assert_int_equal(tp_plan_build(&pl, cats, n, &r, &nr, err, sizeof err), 0);
    assert_true(nr > 0 && nr <= cats[0].n);
    assert_ptr_equal(r[0].route, &pl.routes[0]);
    tp_plan_free(r, nr);
    tp_plan_release(&pl);
    tp_catalogs_free(cats, n);

    /* the same catalog twice: ids must be unique across catalogs */
    assert_int_equal(tp_strlist_add(&c.catalogs, TP_CATALOG_BUILTIN), 0);
    assert_int_equal(tp_strlist_add(&c.catalogs, TP_CATALOG_BUILTIN), 0);
    assert_int_equal(tp_catalogs_load(&c, &cats, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "unique across catalogs"));
    /* a file that is not there is named */
    tp_strlist_free(&c.catalogs);
    assert_int_equal(tp_strlist_add(&c.catalogs, "/nonexistent/catalog.json"), 0);
    assert_int_equal(tp_catalogs_load(&c, &cats, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/catalog.json"));
    tp_config_free(&c);
}

/* ---------- limits from every entry point ---------- */

static void assert_clamped(const tp_limits *l)
{
    const int phase[] = {l->dns_ms, l->connect_ms, l->proxy_ms, l->tls_ms, l->http_ms, l->crl_ms};
    for (size_t i = 0; i < sizeof phase / sizeof phase[0]; i++) {
        assert_true(phase[i] > 0);
        assert_true(phase[i] <= l->total_ms);
    }
    assert_true(l->concurrency > 0);
    assert_true(l->crl_max_bytes >= TP_LIMIT_CRL_BYTES_MIN);
    assert_true(l->header_max_bytes >= TP_LIMIT_HEADER_BYTES_MIN);
}

static void test_limits_defaults(void **state)
{
    (void)state;
    tp_config c;
    memset(&c, 0, sizeof c);
    assert_int_equal(tp_config_defaults(&c), 0);
    tp_plan pl;
    char err[128];
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    assert_clamped(&pl.limits);
    assert_int_equal(pl.limits.concurrency, 128);
    assert_int_equal(pl.limits.dns_ms, 5000);
    assert_int_equal(pl.limits.tls_ms, 10000);
    assert_int_equal(pl.limits.crl_ms, 10000);
    assert_int_equal(pl.limits.total_ms, 30000);
    assert_int_equal(pl.limits.crl_max_bytes, (size_t)32 << 20);
    assert_int_equal(pl.limits.crl_budget_bytes, (size_t)128 << 20);
    assert_int_equal(pl.limits.header_max_bytes, 16384);
    tp_plan_release(&pl);
    tp_config_free(&c);
}

static void test_limits_unset_and_out_of_bounds(void **state)
{
    (void)state;
    tp_limits in, out;
    memset(&in, 0, sizeof in);   /* a hand-built config: nothing set */
    tp_limits_resolve(&in, &out);
    tp_limits def;
    memset(&def, 0, sizeof def);   /* compared byte for byte: no stack garbage in the padding */
    tp_limits_defaults(&def);
    def.body_max_bytes = 0;   /* the one limit where 0 is a value (keep no body) */
    assert_memory_equal(&out, &def, sizeof out);
    in = def;
    in.concurrency = 10 * TP_LIMIT_CONCURRENCY_MAX;
    in.total_ms = 10 * TP_LIMIT_TIMEOUT_MS_MAX;
    in.dns_ms = -5;
    in.header_max_bytes = 10;
    in.crl_max_bytes = (size_t)1 << 40;
    in.body_max_bytes = 0;   /* 0 is a value here: keep no body */
    tp_limits_resolve(&in, &out);
    assert_clamped(&out);
    assert_int_equal(out.concurrency, TP_LIMIT_CONCURRENCY_MAX);
    assert_int_equal(out.total_ms, TP_LIMIT_TIMEOUT_MS_MAX);
    assert_int_equal(out.dns_ms, TP_LIMIT_DNS_MS);
    assert_int_equal(out.header_max_bytes, TP_LIMIT_HEADER_BYTES_MIN);
    assert_int_equal(out.crl_max_bytes, TP_LIMIT_CRL_BYTES_MAX);
    /* the budget holds at least one CRL at the bound: raised to it */
    assert_int_equal(out.crl_budget_bytes, TP_LIMIT_CRL_BYTES_MAX);
    assert_int_equal(out.body_max_bytes, 0);
    /* a budget below the CRL bound is raised to it; above its range, brought down */
    tp_limits b = out;
    b.crl_max_bytes = (size_t)32 << 20;
    b.crl_budget_bytes = 4096;
    tp_limits bo;
    tp_limits_resolve(&b, &bo);
    assert_int_equal(bo.crl_budget_bytes, (size_t)32 << 20);
    b.crl_budget_bytes = TP_LIMIT_CRL_BUDGET_MAX * 2;
    tp_limits_resolve(&b, &bo);
    assert_int_equal(bo.crl_budget_bytes, TP_LIMIT_CRL_BUDGET_MAX);
    /* idempotent */
    tp_limits again;
    tp_limits_resolve(&out, &again);
    assert_memory_equal(&out, &again, sizeof out);
}

/* A config file whose total is below its phases: the same clamp as --timeout (it used to
 * apply on the command-line path only). */
static void test_limits_from_config_file(void **state)
{
    (void)state;
    const char *json = "{\"limits\": {\"timeout_ms\": {\"total\": 2000, \"dns\": 5000, \"crl\": 9000,"
                       " \"connect\": 700}}}";
    tp_config c;
    memset(&c, 0, sizeof c);
    assert_int_equal(tp_config_defaults(&c), 0);
    char err[512] = "";
    if (tp_config_load_mem(json, strlen(json), "limits.json", &c, err, sizeof err) != 0)
        fail_msg("load: %s", err);
    assert_int_equal(c.limits.dns_ms, 5000);   /* the file says so; the plan decides */
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    assert_clamped(&pl.limits);
    assert_int_equal(pl.limits.total_ms, 2000);
    assert_int_equal(pl.limits.dns_ms, 2000);
    assert_int_equal(pl.limits.crl_ms, 2000);
    assert_int_equal(pl.limits.tls_ms, 2000);
    assert_int_equal(pl.limits.connect_ms, 700);   /* below the total: untouched */
    tp_plan_release(&pl);
    tp_config_free(&c);
}

static void test_limits_from_command_line(void **state)
{
    (void)state;
    const char *json = "{\"limits\": {\"timeout_ms\": {\"total\": 60000, \"crl\": 40000}}}";
    char file[] = "/tmp/tp-plan-cfg-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
    close(fd);
    char *argv[] = {"tlspath", "run", "--config", file, "--timeout", "900", "--concurrency", "3", NULL};
    tp_cli cli;
    char err[512] = "";
    assert_int_equal(tp_cli_parse(8, argv, &cli, err, sizeof err), 0);
    tp_config c;
    memset(&c, 0, sizeof c);
    if (tp_cli_build_config(&cli, &c, err, sizeof err) != 0)
        fail_msg("build: %s", err);
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    assert_clamped(&pl.limits);
    assert_int_equal(pl.limits.total_ms, 900);
    assert_int_equal(pl.limits.crl_ms, 900);
    assert_int_equal(pl.limits.dns_ms, 900);
    assert_int_equal(pl.limits.concurrency, 3);
    tp_plan_release(&pl);
    tp_config_free(&c);
    tp_cli_free(&cli);
    unlink(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references_resolved_to_pointers),
        cmocka_unit_test(test_builtin_direct_and_unknown_refs),
        cmocka_unit_test(test_results_carry_routes),
        cmocka_unit_test(test_catalogs_load),
        cmocka_unit_test(test_limits_defaults),
        cmocka_unit_test(test_limits_unset_and_out_of_bounds),
        cmocka_unit_test(test_limits_from_config_file),
        cmocka_unit_test(test_limits_from_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
