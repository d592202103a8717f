/* test_oom.c — allocation failure, injected (c-ares style), for the operations
 * test_allocfail.c does not drive: the built-in pin sets, the CSV importer, the
 * command-line merge and a catalog diff. Every allocation the code under test makes
 * (malloc, calloc, realloc, strdup, strndup — wrapped at link time with -Wl,--wrap, see
 * tests/CMakeLists.txt — and cJSON's, through its hooks) is failed in turn, the 1st, then
 * the 2nd, ... until the operation completes without meeting a failure (OOM_TRACE=N in
 * the environment prints the call stack of the N-th).
 *
 * Each time the operation must end cleanly: an error (never a crash, and never "success"
 * with something silently missing: the importer once skipped a row as "not a URL" when
 * only memory was short), everything it had built released (this test also runs in the
 * ASan build, whose leak checker sees any leftover). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <execinfo.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli.h"
#include "input/catalog.h"
#include "input/catdiff.h"
#include "input/config.h"
#include "pki/pins.h"

/* ---------- the injector ---------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

static long target;
static long countdown = -1;   /* allocations left before the failure; -1 = disarmed */
static bool hit;              /* the failure was injected during this attempt */

static bool fail_now(void)
{
    if (countdown < 0)
        return false;
    if (countdown-- == 0) {
        hit = true;
        /* OOM_TRACE=N prints where the N-th allocation is made (addr2line -e test_oom) */
        const char *t = getenv("OOM_TRACE");
        if (t && atol(t) == target) {
            void *bt[24];
            backtrace_symbols_fd(bt, backtrace(bt, 24), STDERR_FILENO);
        }
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return fail_now() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return fail_now() ? NULL : __real_strdup(s); }
char *__wrap_strndup(const char *s, size_t n) { return fail_now() ? NULL : __real_strndup(s, n); }

static void arm(void)
{
    hit = false;
    countdown = target;
}
static void disarm(void) { countdown = -1; }

/* An operation: arms the injector around the code under test only, cleans up after
 * itself, and returns that code's status (0 success). */
typedef int (*op_fn)(void);

/* Fails allocation 0, 1, 2, ... of op until it completes without a failure. Returns how
 * many allocations the operation makes. */
static long sweep(const char *name, op_fn op)
{
    for (target = 0; target < 200000; target++) {
        int rc = op();
        disarm();
        if (!hit) {
            if (rc != 0)
                fail_msg("%s: fails (%d) without any allocation failure", name, rc);
            print_message("%s: %ld allocations, each failed in turn\n", name, target);
            return target;
        }
        if (rc == 0)
            fail_msg("%s: allocation %ld failed, yet the operation reported success", name, target);
    }
    fail_msg("%s: never completed", name);
    return -1;
}

/* ---------- operations ---------- */

static int op_pins(void)
{
    tp_pinset *sets = NULL;
    size_t n = 0;
    arm();
    int rc = tp_pins_builtin(&sets, &n);
    disarm();
    for (size_t i = 0; i < n; i++) {
        free(sets[i].name);
        free(sets[i].spki);
    }
    free(sets);
    return rc;
}

static const char CATALOG[] =
    "{\"name\": \"oom\", \"source\": \"s\", \"version\": \"1\", \"date\": \"2026-01-01\", \"description\": \"d\",\n"
    " \"endpoints\": [\n"
    "  {\"id\": \"a\", \"service\": \"maps\", \"url\": \"https://a.example:8443/x?y=1#f\", \"method\": \"HEAD\",\n"
    "   \"required\": \"conditional\", \"condition\": \"when\", \"cloud\": [\"commercial\", \"gcc\"],\n"
    "   \"geography\": \"US\", \"os\": [\"windows\", \"linux\"], \"onboarding\": [\"standard\"],\n"
    "   \"pinset\": \"microsoft\", \"inspection_allowed\": true, \"expect_status\": [200, 404],\n"
    "   \"wildcard\": \"*.example\", \"source\": \"t\", \"description\": \"d\"},\n"
    "  {\"id\": \"b\", \"service\": \"mma\", \"url\": \"https://ws.ods.opinsights.azure.com/\",\n"
    "   \"placeholder\": \"mma_workspace\", \"required\": false, \"cloud\": \"gcc-high\", \"direct_only\": true},\n"
    "  {\"id\": \"c\", \"service\": \"crl\", \"url\": \"http://[2001:db8::1]/crl\"}]}\n";

static const char CSVTEXT[] =
    "Service,Geography,Category,Port,Endpoint/URL,Endpoint/URL Description,Required or Optional,Mac,Linux\n"
    "Microsoft Defender for Endpoint,WW,CRL,80,crl.microsoft.com,CRL,Required,Yes,Yes\n"
    "Microsoft Defender for Endpoint,US,MAPS,443,*.wdcp.microsoft.com,MAPS,Optional,,Yes\n"
    "Microsoft Defender for Endpoint,EU,EDR,443,\"winatp-gw-neu.microsoft.com, winatp-gw-weu.microsoft.com\",x,Required,Yes,\n";

static int op_csv(void)
{
    char *json = NULL, err[512];
    arm();
    int rc = tp_catalog_import_csv_mem(CSVTEXT, sizeof CSVTEXT - 1, "oom.csv", &json, err, sizeof err);
    disarm();
    free(json);
    return rc;
}

static int op_cli(void)
{
    char *argv[] = {"tlspath", "run", "-p", "direct", "-p", "corp=http://u:pw@127.0.0.1:3128", "--resolver",
                    "127.0.0.1", "--service", "maps", "--geo", "US", "-f", "json", "-f", "table", "--output-dir",
                    "/tmp/o", "--cacert", TLSPATH_SOURCE_DIR "/tests/data/config/ca.pem", "--crl-via", "direct", "--timeout", "900",
                    "--state-dir", "/tmp/s", "--fail-on", "regression", NULL};
    tp_cli cli;
    tp_config cfg;
    char err[512];
    memset(&cfg, 0, sizeof cfg);
    arm();
    int rc = tp_cli_parse((int)(sizeof argv / sizeof argv[0]) - 1, argv, &cli, err, sizeof err);
    if (rc == 0)
        rc = tp_cli_build_config(&cli, &cfg, err, sizeof err);
    disarm();
    tp_config_free(&cfg);
    tp_cli_free(&cli);
    return rc;
}

static int op_catdiff(void)
{
    tp_catalog a, b;
    char err[512];
    if (tp_catalog_load_mem(CATALOG, sizeof CATALOG - 1, "a.json", &a, err, sizeof err) != 0)
        fail_msg("%s", err);
    /* b: a changed, b removed, d added */
    static const char B[] =
        "{\"name\": \"oom\", \"source\": \"s\", \"endpoints\": [\n"
        "  {\"id\": \"a\", \"service\": \"maps\", \"url\": \"https://a.example:8443/x?y=2\", \"required\": true,\n"
        "   \"geography\": \"EU\", \"expect_status\": [200]},\n"
        "  {\"id\": \"c\", \"service\": \"crl\", \"url\": \"http://[2001:db8::1]/crl\"},\n"
        "  {\"id\": \"d\", \"service\": \"edr\", \"url\": \"https://d.example/\"}]}\n";
    if (tp_catalog_load_mem(B, sizeof B - 1, "b.json", &b, err, sizeof err) != 0)
        fail_msg("%s", err);
    tp_catdiff d;
    memset(&d, 0, sizeof d);
    arm();
    int rc = tp_catdiff_build(&a, &b, &d);
    disarm();
    if (rc == 0) {
        assert_true(d.n > 0);
        tp_catdiff_free(&d);
    }
    tp_catalog_free(&a);
    tp_catalog_free(&b);
    return rc;
}

/* cJSON allocates through its hooks, not through our wrapped symbols: point them here. */
static void *cjson_malloc(size_t n) { return __wrap_malloc(n); }

/* ---------- tests ---------- */

static void test_oom_input(void **state)
{
    (void)state;
    assert_true(sweep("tp_pins_builtin", op_pins) > 0);
    assert_true(sweep("csv import", op_csv) > 10);
    assert_true(sweep("command line", op_cli) > 10);
}

static void test_oom_catdiff(void **state)
{
    (void)state;
    assert_true(sweep("catdiff", op_catdiff) > 0);
}

int main(void)
{
    cJSON_Hooks hooks = {.malloc_fn = cjson_malloc, .free_fn = free};
    cJSON_InitHooks(&hooks);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_input),
        cmocka_unit_test(test_oom_catdiff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
