/* test_allocfail.c — allocation failure, every one of them (issue 15).
 *
 * This binary is linked with -Wl,--wrap=malloc,calloc,realloc,free,strdup,strndup (see
 * tests/CMakeLists.txt), and cJSON's hooks point at the same wrappers: every allocation
 * of tlspath's own code and of cJSON goes through __wrap_malloc & co, which fail the Nth
 * one. The scenario — a config and a catalog loaded from files, the plan built, every
 * report sink run over a canned result set — is run for N = 1, 2, ... until it completes
 * without reaching its Nth allocation. Each run must end without a crash, leave no
 * allocation behind (a set of live pointers, checked after the cleanup), and report the
 * failure: a step that met the failed allocation must return its error, not success.
 *
 * In a sanitized build (ASan replaces the allocator) the test only runs the scenario once
 * with no failure: the wrapping is for the release build, where `tests/run-all` runs it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fixture_run.h"
#include "input/config.h"
#include "plan/plan.h"
#include "report/report.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* ---------- the failing allocator, with a set of live pointers ---------- */

#define LIVE_SLOTS (1u << 20)
static void **g_live;        /* open addressing; (void *)1 marks a deleted slot */
static void **g_site;        /* ALLOCFAIL_AT only: who allocated each live pointer */
static void *g_caller;
#include <execinfo.h>
#define BT_MAX 16384 /* allocations traced in ALLOCFAIL_AT mode (then no more) */
static void *g_bt[BT_MAX][8];
static int g_bt_n;
static bool g_in_bt;
static size_t g_n_live;
static unsigned long g_count, g_fail_at; /* fail the g_fail_at-th allocation (0: never) */
static bool g_failed;        /* the failure was injected in this run */

static size_t slot_of(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> 44) & (LIVE_SLOTS - 1);
}

static size_t g_n_dead;      /* tombstones: rehashed away before they fill the table */

static void live_add(void *p);

static void live_rehash(void)
{
    void **old = g_live;
    g_live = __real_calloc(LIVE_SLOTS, sizeof *g_live);
    if (!g_live)
        abort();
    g_n_live = g_n_dead = 0;
    for (size_t i = 0; i < LIVE_SLOTS; i++)
        if (old[i] && old[i] != (void *)1)
            live_add(old[i]);
    __real_free(old);
}

static void live_add(void *p)
{
    if (!g_live || !p)
        return;
    if (g_n_live + g_n_dead > LIVE_SLOTS / 2)
        live_rehash();
    size_t i = slot_of(p);
    while (g_live[i] && g_live[i] != (void *)1)
        i = (i + 1) & (LIVE_SLOTS - 1);
    g_live[i] = p;
    if (g_site) {
        g_site[i] = g_caller;
        if (!g_in_bt && g_bt_n < BT_MAX) {
            g_in_bt = true;
            void *f[8] = {0};
            backtrace(f, 8);
            memcpy(g_bt[g_bt_n], f, sizeof f);
            g_site[i] = (void *)(uintptr_t)(g_bt_n + 1);
            g_bt_n++;
            g_in_bt = false;
        }
    }
    g_n_live++;
}

/* True when p was ours (then forgotten). */
static bool live_del(void *p)
{
    if (!g_live || !p)
        return false;
    for (size_t i = slot_of(p);; i = (i + 1) & (LIVE_SLOTS - 1)) {
        if (!g_live[i])
            return false;
        if (g_live[i] == p) {
            g_live[i] = (void *)1;
            g_n_live--;
            g_n_dead++;
            return true;
        }
    }
}

static bool should_fail(void)
{
    if (!g_live)
        return false;
    g_count++;
    if (g_fail_at && g_count == g_fail_at) {
        g_failed = true;
        if (g_site && !g_in_bt) {
            g_in_bt = true;
            void *f[10];
            int nf = backtrace(f, 10);
            fprintf(stderr, "allocfail: allocation %lu fails here:\n", g_fail_at);
            backtrace_symbols_fd(f, nf, 2);
            g_in_bt = false;
        }
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n)
{
    g_caller = __builtin_return_address(0);
    if (should_fail())
        return NULL;
    void *p = __real_malloc(n);
    live_add(p);
    return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
    g_caller = __builtin_return_address(0);
    if (should_fail())
        return NULL;
    void *p = __real_calloc(n, m);
    live_add(p);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    g_caller = __builtin_return_address(0);
    if (should_fail())
        return NULL;
    bool ours = live_del(p);
    void *q = __real_realloc(p, n);
    if (!q && p && n) { /* the real failure keeps p */
        if (ours)
            live_add(p);
        return NULL;
    }
    live_add(q);
    return q;
}

void __wrap_free(void *p)
{
    live_del(p);
    __real_free(p);
}

char *__wrap_strdup(const char *s)
{
    g_caller = __builtin_return_address(0);
    size_t n = strlen(s) + 1;
    char *d = __wrap_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

char *__wrap_strndup(const char *s, size_t n)
{
    size_t l = strnlen(s, n);
    char *d = __wrap_malloc(l + 1);
    if (d) {
        memcpy(d, s, l);
        d[l] = '\0';
    }
    return d;
}

/* ---------- the scenario ---------- */

static char g_dir[64], g_cfg_file[128], g_cat_file[128];

static const char CATALOG[] =
    "{\"name\": \"af\", \"source\": \"test\", \"endpoints\": ["
    "{\"id\": \"maps-us\", \"service\": \"maps\", \"url\": \"https://unitedstates.cp.wd.microsoft.com/x\","
    " \"required\": true, \"geography\": \"US\", \"os\": [\"windows\"], \"onboarding\": [\"standard\"],"
    " \"pinset\": null, \"inspection_allowed\": false, \"expect_status\": [404], \"wildcard\": \"*.wd.microsoft.com\","
    " \"source\": \"t\"},"
    "{\"id\": \"crl\", \"service\": \"crl\", \"url\": \"http://crl.microsoft.com/pki/crl/x.crl\","
    " \"required\": false, \"geography\": \"WW\", \"os\": [\"windows\", \"linux\"], \"onboarding\": [\"standard\", \"streamlined\"],"
    " \"pinset\": null, \"inspection_allowed\": true, \"expect_status\": [200, 404], \"wildcard\": null, \"source\": \"t\"}]}";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Renders one sink into a memory stream; the stream's own buffer comes from libc. */
static int render(const tp_run *run, int which)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return -1;
    tp_table_opts o = {.color = false, .width = 100};
    int rc;
    switch (which) {
    case 0: rc = tp_report_table(run, f, &o); break;
    case 1: rc = tp_report_json(run, f); break;
    case 2: rc = tp_report_junit(run, f); break;
    case 3: rc = tp_report_prom(run, f); break;
    default: rc = tp_report_html(run, f); break;
    }
    fclose(f);
    __real_free(buf);
    return rc;
}

/* Steps that met the injected failure but said success. (ALLOCFAIL_AT=N runs round N
 * alone and prints where allocation N fails and where every leaked block came from.) */
static unsigned long g_silent;
static char g_silent_where[256];

static void step(const char *name, int rc)
{
    if (g_failed && rc == 0 && !g_silent_where[0]) {
        g_silent++;
        snprintf(g_silent_where, sizeof g_silent_where, "%s succeeded although allocation %lu failed", name,
                 g_fail_at);
    }
}

/* Each step runs only if the previous ones succeeded, as in the CLI. */
static void scenario(const tp_run *canned)
{
    char err[1024];
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    bool f0 = g_failed;
    int rc = tp_config_defaults(&cfg);
    if (rc == 0)
        rc = tp_config_load_file(g_cfg_file, &cfg, err, sizeof err);
    step("config load", rc);
    tp_catalog *cats = NULL;
    size_t n_cats = 0;
    tp_result *res = NULL;
    size_t n_res = 0;
    if (rc == 0) {
        g_failed = f0 = false;
        rc = tp_catalogs_load(&cfg, &cats, &n_cats, err, sizeof err);
        step("catalog load", rc);
    }
    tp_plan plan;
    memset(&plan, 0, sizeof plan);
    bool plan_on = false;
    if (rc == 0) {
        g_failed = f0 = false;
        rc = tp_plan_resolve(&plan, &cfg, err, sizeof err);
        plan_on = rc == 0;
        if (rc == 0)
            rc = tp_plan_build(&plan, cats, n_cats, &res, &n_res, err, sizeof err);
        step("plan", rc);
    }
    if (res)
        tp_plan_free(res, n_res);
    if (plan_on)
        tp_plan_release(&plan);
    if (cats)
        tp_catalogs_free(cats, n_cats);
    tp_config_free(&cfg);
    (void)f0;
    for (int k = 0; k < 5 && rc == 0; k++) {
        bool before = g_failed;
        g_failed = false;
        rc = render(canned, k);
        static const char *names[] = {"table", "json", "junit", "prom", "html"};
        step(names[k], rc);
        g_failed = g_failed || before;
    }
}

static bool sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

static void test_every_allocation_fails_cleanly(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/tlspath-allocfail-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_cat_file, sizeof g_cat_file, "%s/catalog.json", g_dir);
    snprintf(g_cfg_file, sizeof g_cfg_file, "%s/config.json", g_dir);
    write_file(g_cat_file, CATALOG);
    char cfg[1024];
    snprintf(cfg, sizeof cfg,
             "{\"catalogs\": [\"%s\"], \"select\": {\"services\": [\"maps\", \"crl\"]},"
             " \"paths\": [{\"id\": \"direct\", \"type\": \"direct\"},"
             "  {\"id\": \"corp\", \"type\": \"http\", \"proxy\": \"10.0.0.6:8080\","
             "   \"auth\": {\"type\": \"basic\", \"username\": \"svc\", \"password\": \"Zq7Hw9kX\"},"
             "   \"fallback\": \"direct\", \"crl_via\": \"direct\"}],"
             " \"limits\": {\"concurrency\": 8, \"timeout_ms\": {\"dns\": 1000, \"total\": 5000}},"
             " \"report\": {\"formats\": [\"table\", \"json\"]}}",
             g_cat_file);
    write_file(g_cfg_file, cfg);

    fx_run fx;
    fx_build(&fx); /* the canned results: built before the allocator starts counting */
    /* a small run: the first endpoint on every path (ok, intercepted, proxy 407 with a
     * hostile message, ...) keeps each round short */
    tp_run canned = fx.run;
    canned.n_results = FX_N_PATHS;
    g_live = __real_calloc(LIVE_SLOTS, sizeof *g_live);
    assert_non_null(g_live);
    cJSON_Hooks hooks = {__wrap_malloc, __wrap_free};
    cJSON_InitHooks(&hooks);

    unsigned long total = 0, leaks = 0, silent = 0;
    char first_leak[128] = "", first_silent[256] = "";
    const char *only = getenv("ALLOCFAIL_AT"); /* debugging: one N, the leaked sites listed */
    if (only)
        g_site = __real_calloc(LIVE_SLOTS, sizeof *g_site);
    for (unsigned long n = only ? strtoul(only, NULL, 10) : 1;; n++) {
        g_count = 0;
        g_fail_at = sanitized() || getenv("ALLOCFAIL_COUNT") ? 0 : n;
        g_failed = false;
        g_silent_where[0] = '\0';
        size_t live_before = g_n_live;
        if (getenv("ALLOCFAIL_TRACE"))
            fprintf(stderr, "allocfail: round %lu\n", n);
        scenario(&canned);
        if (only) {
            for (size_t i = 0; i < LIVE_SLOTS; i++)
                if (g_live[i] && g_live[i] != (void *)1)
                {
                    fprintf(stderr, "allocfail: leaked %p\n", g_live[i]);
                    uintptr_t k = (uintptr_t)g_site[i];
                    if (k >= 1 && k <= BT_MAX)
                        backtrace_symbols_fd(g_bt[k - 1], 8, 2);
                }
            total = g_count;
            break;
        }
        if (g_n_live != live_before) {
            if (!leaks)
                snprintf(first_leak, sizeof first_leak, "allocation %lu failed: %zu allocation(s) never freed", n,
                         g_n_live - live_before);
            leaks++;
            /* forget them so the next round counts its own */
            memset(g_live, 0, LIVE_SLOTS * sizeof *g_live);
            g_n_live = g_n_dead = 0;
        }
        if (g_silent_where[0]) {
            if (!silent)
                snprintf(first_silent, sizeof first_silent, "%s", g_silent_where);
            silent++;
        }
        if (g_count < n || sanitized() || getenv("ALLOCFAIL_COUNT")) {
            total = g_count;
            break;
        }
    }
    cJSON_InitHooks(NULL);
    void **live = g_live;
    g_live = NULL;
    __real_free(live);
    fx_free(&fx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    assert_int_equal(system(cmd), 0);
    printf("allocfail: %lu allocations in the scenario, each failed once: %lu leaking runs, %lu silent successes%s\n",
           total, leaks, silent, sanitized() ? " (sanitized build: no injection)" : "");
    if (leaks)
        fail_msg("leak: %s", first_leak);
    if (silent)
        fail_msg("not reported: %s", first_silent);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
