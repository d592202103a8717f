/* test_app_catalog.c — `tlspath catalog list | import | diff`, `tlspath pins learn` and
 * `--onboarding-package` in-process (tp_app_main), with the loopback lab of app_harness.h
 * where a probe is needed (pins learn reads the chain a real handshake presented). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "app_harness.h"

#include <mbedtls/base64.h>

#include "pki/x509.h"

#define OB TLSPATH_SOURCE_DIR "/tests/data/onboarding/"
#define CSV TLSPATH_SOURCE_DIR "/tests/data/csv/"

/* ---------- catalog list ---------- */

static void test_list_table_and_filters(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "catalog", "list", "--catalog", lab.catalog);
    assert_rc(&o, 0);
    assert_has(o.out, "ID ");
    assert_has(o.out, "maps-ok");
    assert_has(o.out, "edr-closed");
    assert_has(o.out, "2 endpoint(s)\n");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--catalog", lab.catalog, "--service", "edr");
    assert_rc(&o, 0);
    assert_null(strstr(o.out, "maps-ok"));
    assert_has(o.out, "1 endpoint(s)\n");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--catalog", lab.catalog, "--required-only");
    assert_rc(&o, 0);
    assert_null(strstr(o.out, "edr-closed"));
    app_out_free(&o);
    /* a value the catalog does not carry is a typo */
    APP(&o, "catalog", "list", "--catalog", lab.catalog, "--os", "linux", "--geo", "US");
    assert_rc(&o, 0);
    assert_has(o.out, "0 endpoint(s)\n");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--catalog", lab.catalog, "--geo", "XX");
    assert_rc(&o, 2);
    assert_has(o.err, "--geo: expected one of the catalog's values (US, EU), got \"XX\"");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--catalog", "/nonexistent/catalog.json");
    assert_rc(&o, 2);
    assert_has(o.err, "/nonexistent/catalog.json");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--cloud", "azure");
    assert_rc(&o, 2);
    assert_has(o.err, "--cloud: expected one of commercial, gcc, gcc-high, dod, got \"azure\"");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--mma-workspace", "not a workspace!");
    assert_rc(&o, 2);
    assert_has(o.err, "--mma-workspace: expected a Log Analytics workspace id");
    app_out_free(&o);
}

static void test_list_json(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "catalog", "list", "--catalog", lab.catalog, "-f", "json");
    assert_rc(&o, 0);
    cJSON *d = app_json(o.out);
    assert_string_equal(app_str(d, "name", NULL), "app-lab");
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(d, "endpoints");
    assert_int_equal(cJSON_GetArraySize(eps), 2);
    const cJSON *e = cJSON_GetArrayItem(eps, 0);
    assert_string_equal(app_str(e, "id", NULL), "maps-ok");
    assert_string_equal(app_str(e, "method", NULL), "GET");
    assert_string_equal(app_str(e, "requirement", NULL), "required");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "required")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e, "pinset")));
    assert_string_equal(app_str(e, "wildcard", NULL), "127.0.0.1");
    assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "expect_status"), 0)->valueint, 404);
    e = cJSON_GetArrayItem(eps, 1);
    assert_string_equal(app_str(e, "requirement", NULL), "optional");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(e, "wildcard")));
    cJSON_Delete(d);
    app_out_free(&o);

    /* the built-in catalog: conditional endpoints, clouds, direct-only and placeholders */
    APP(&o, "catalog", "list", "-f", "json", "--cloud", "commercial");
    assert_rc(&o, 0);
    d = app_json(o.out);
    assert_string_equal(app_str(d, "name", NULL), "mde");
    bool cond = false, direct_only = false, placeholder = false, pinned = false;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "endpoints"))
    {
        const char *req = app_str(e, "requirement", NULL);
        cond |= req && !strcmp(req, "conditional") && app_str(e, "condition", NULL);
        direct_only |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "direct_only"));
        placeholder |= app_str(e, "placeholder", NULL) != NULL;
        pinned |= app_str(e, "pinset", NULL) != NULL;
        assert_non_null(cJSON_GetObjectItemCaseSensitive(e, "cloud"));
    }
    assert_true(cond && direct_only && placeholder && pinned);
    cJSON_Delete(d);
    app_out_free(&o);
    /* placeholders wait for a tenant value in the table */
    APP(&o, "catalog", "list", "--service", "mma");
    assert_rc(&o, 0);
    assert_has(o.out, "(needs --mma-workspace)");
    app_out_free(&o);
}

/* ---------- onboarding package ---------- */

static void test_onboarding_package(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "catalog", "list", "--onboarding-package", OB "WindowsDefenderATPOnboardingScript.cmd");
    assert_rc(&o, 0);
    assert_has(o.err, "onboarding package: cloud commercial, geography US, standard onboarding, windows, gateway "
                      "winatp-gw-cus3.microsoft.com");
    assert_has(o.out, "endpoint(s)\n");
    assert_null(strstr(o.out, " EU "));   /* the package's geography only */
    app_out_free(&o);
    /* the command line may narrow, never contradict */
    const char *pkg = OB "WindowsDefenderATPOnboardingScript.cmd";
    APP(&o, "catalog", "list", "--onboarding-package", pkg, "--geo", "EU");
    assert_rc(&o, 2);
    assert_has(o.err, "--geo contradicts the onboarding package");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--onboarding-package", pkg, "--onboarding", "streamlined");
    assert_rc(&o, 2);
    assert_has(o.err, "--onboarding streamlined contradicts the onboarding package");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--onboarding-package", pkg, "--os", "linux");
    assert_rc(&o, 2);
    assert_has(o.err, "--os linux contradicts the onboarding package");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--onboarding-package", pkg, "--cloud", "gcc");
    assert_rc(&o, 2);
    assert_has(o.err, "--cloud gcc contradicts the onboarding package");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--onboarding-package", OB "not-a-package.json");
    assert_rc(&o, 2);
    assert_has(o.err, "not-a-package.json");
    app_out_free(&o);
    /* a gateway that serves two clouds: the cloud must be named, then it is used */
    APP(&o, "catalog", "list", "--onboarding-package", OB "gcch-or-dod/mdatp_onboard.json");
    assert_rc(&o, 2);
    assert_has(o.err, "the package's gateway winatp-gw-usgt.microsoft.com serves gcc-high or dod: give --cloud");
    app_out_free(&o);
    APP(&o, "catalog", "list", "--cloud", "dod", "--onboarding-package", OB "gcch-or-dod/mdatp_onboard.json");
    assert_rc(&o, 0);
    assert_has(o.err, "onboarding package: cloud dod, geography US");
    app_out_free(&o);
    /* a gateway no catalog lists: a US Government host (.us) could be any of three clouds */
    char *text = app_slurp(OB "gcch-or-dod/mdatp_onboard.json"), pkg2[192];
    assert_non_null(text);
    char *at = strstr(text, "winatp-gw-usgt.microsoft.com");
    assert_non_null(at);
    memcpy(at, "winatp-gw-test.microsoft.us/", 28);   /* same length: the rest stays intact */
    lab_file(pkg2, sizeof pkg2, "gov-package.json");
    app_write(pkg2, text);
    free(text);
    APP(&o, "catalog", "list", "--catalog", lab.catalog, "--onboarding-package", pkg2);
    assert_rc(&o, 2);
    assert_has(o.err, "serves gcc, gcc-high or dod: give --cloud");
    app_out_free(&o);
    APP(&o, "run", "-c", lab.config, "--cloud", "gcc", "-q", "--dry-run", "--onboarding-package", pkg2);
    assert_rc(&o, 0);
    assert_string_equal(o.err, "");   /* -q: the package summary is not printed */
    assert_has(o.out, "maps-ok");      /* US, like the package */
    assert_null(strstr(o.out, "edr-closed"));
    app_out_free(&o);
}

/* ---------- catalog import ---------- */

static void test_import(void **state)
{
    (void)state;
    char out[192], csv[192];
    lab_file(out, sizeof out, "imported.json");
    app_out o;
    APP(&o, "catalog", "import", "--csv", CSV "standard.csv", "-o", out);
    assert_rc(&o, 0);
    assert_has(o.err, "tlspath: wrote ");
    app_out_free(&o);
    /* what was written is a catalog tlspath loads */
    APP(&o, "catalog", "list", "--catalog", out, "-f", "json");
    assert_rc(&o, 0);
    cJSON *d = app_json(o.out);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "endpoints")) > 3);
    cJSON_Delete(d);
    app_out_free(&o);
    /* to stdout; rows that cannot be mapped are skipped with a warning each */
    lab_file(csv, sizeof csv, "mixed.csv");
    app_write(csv, "Service,Geography,Category,Port,Endpoint/URL\n"
                   "MDE,WW,CRL,80,crl.microsoft.com\n"
                   "MDE,WW,CRL,abc,crl2.microsoft.com\n");
    APP(&o, "catalog", "import", "--csv", csv, "--onboarding", "standard");
    assert_rc(&o, 0);
    assert_has(o.err, "tlspath: warning: ");
    assert_has(o.err, "1 row(s) skipped");
    d = app_json(o.out);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "endpoints")), 1);
    cJSON_Delete(d);
    app_out_free(&o);
    APP(&o, "catalog", "import", "--csv", csv, "--onboarding", "sideways");
    assert_rc(&o, 2);
    assert_has(o.err, "--onboarding: expected standard or streamlined");
    app_out_free(&o);
    APP(&o, "catalog", "import", "--csv", CSV "garbage.csv");
    assert_rc(&o, 2);
    assert_has(o.err, "garbage.csv");
    app_out_free(&o);
}

/* ---------- catalog diff ---------- */

static void test_diff(void **state)
{
    (void)state;
    app_out o;
    APP(&o, "catalog", "diff", "builtin:mde", "builtin:mde");
    assert_rc(&o, 0);
    app_out_free(&o);
    APP(&o, "catalog", "diff", lab.catalog, "builtin:mde");
    assert_rc(&o, 1);
    assert_has(o.out, "maps-ok");
    app_out_free(&o);
    APP(&o, "catalog", "diff", lab.catalog, "builtin:mde", "-f", "json");
    assert_rc(&o, 1);
    cJSON_Delete(app_json(o.out));
    app_out_free(&o);
    /* filters apply to both sides: only the edr endpoint of the lab catalog remains */
    char one[192];
    lab_file(one, sizeof one, "edr-only.json");
    char text[512];
    snprintf(text, sizeof text,
             "{\"name\": \"e\", \"source\": \"t\", \"endpoints\": [{\"id\": \"edr-closed\", \"service\": \"edr\","
             " \"url\": \"https://127.0.0.1:%d/\", \"required\": \"optional\", \"geography\": \"EU\", \"os\": [\"linux\"],"
             " \"expect_status\": [200]}]}",
             lab.dead);
    app_write(one, text);
    APP(&o, "catalog", "diff", lab.catalog, one);
    assert_rc(&o, 1);
    app_out_free(&o);
    APP(&o, "catalog", "diff", lab.catalog, one, "--service", "edr", "--cloud", "commercial");
    assert_rc(&o, 0);
    app_out_free(&o);
    APP(&o, "catalog", "diff", lab.catalog, one, "--cloud", "mars");
    assert_rc(&o, 2);
    assert_has(o.err, "--cloud: expected one of commercial, gcc, gcc-high, dod, got \"mars\"");
    app_out_free(&o);
    APP(&o, "catalog", "diff", lab.catalog, "/nonexistent.json");
    assert_rc(&o, 2);
    assert_has(o.err, "/nonexistent.json");
    app_out_free(&o);
}

/* ---------- pins learn ---------- */

/* "sha256/<base64 of the SHA-256 of ca.pem's SubjectPublicKeyInfo>" */
static void ca_pin(char *out, size_t n)
{
    mbedtls_x509_crt ca;
    mbedtls_x509_crt_init(&ca);
    assert_int_equal(mbedtls_x509_crt_parse_file(&ca, lab.ca), 0);
    uint8_t h[32];
    assert_int_equal(tp_x509_spki_sha256(&ca, h), 0);
    unsigned char b64[64];
    size_t bl = 0;
    assert_int_equal(mbedtls_base64_encode(b64, sizeof b64, &bl, h, sizeof h), 0);
    snprintf(out, n, "sha256/%.*s", (int)bl, (const char *)b64);
    mbedtls_x509_crt_free(&ca);
}

static void test_pins_learn(void **state)
{
    (void)state;
    char cat[192], out[192], text[1024], pin[96];
    lab_file(cat, sizeof cat, "pinned.json");
    snprintf(text, sizeof text,
             "{\"name\": \"pinned\", \"source\": \"t\", \"endpoints\": [{\"id\": \"maps-pinned\", \"service\": \"maps\","
             " \"url\": \"https://127.0.0.1:%d/probe\", \"pinset\": \"applab\", \"expect_status\": [404]},"
             " {\"id\": \"maps-plain\", \"service\": \"maps\", \"url\": \"https://127.0.0.1:%d/x\"}]}",
             lab.origin.port, lab.origin.port);
    app_write(cat, text);
    lab_file(out, sizeof out, "pins.json");
    app_out o;
    APP(&o, "pins", "learn", "-c", lab.config, "--catalog", cat, "-p", "direct", "-o", out);
    assert_rc(&o, 0);
    assert_has(o.err, "pin set applab: 1 key(s) from 1 verified chain(s) on path direct");
    app_out_free(&o);
    char *doc = app_slurp(out);
    assert_non_null(doc);
    cJSON *d = app_json(doc);
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "tls"), "pinsets"), "applab");
    assert_int_equal(cJSON_GetArraySize(set), 1);
    ca_pin(pin, sizeof pin);
    assert_string_equal(cJSON_GetArrayItem(set, 0)->valuestring, pin);
    cJSON_Delete(d);
    free(doc);

    /* the learned file is a config: a run with it pins the endpoint and passes */
    APP(&o, "run", "-c", out, "--catalog", cat, "--cacert", lab.ca, "-f", "json", "-q", "--crl-via", "direct");
    cJSON *rep = app_json(o.out);
    const cJSON *pr = app_result(rep, "maps-pinned", "direct");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(pr, "pinning"), "matched")));
    assert_string_equal(app_str(pr, "status", NULL), "ok");
    cJSON_Delete(rep);
    app_out_free(&o);

    /* a path spec instead of an id */
    APP(&o, "pins", "learn", "-c", lab.config, "--catalog", cat, "-p", "lab=direct", "-o", out);
    assert_rc(&o, 0);
    assert_has(o.err, "on path lab");
    app_out_free(&o);
    /* an id the configuration lacks: the known ones are named */
    APP(&o, "pins", "learn", "-c", lab.config, "--catalog", cat, "-p", "corp", "-o", out);
    assert_rc(&o, 2);
    assert_has(o.err, "--path: expected a path of the configuration (direct) or a path spec, got \"corp\"");
    app_out_free(&o);
    /* nothing pinned: nothing written, exit 1 */
    APP(&o, "pins", "learn", "-c", lab.config, "-p", "direct", "-o", out, "--service", "maps");
    assert_rc(&o, 1);
    assert_has(o.err, "nothing written");
    app_out_free(&o);
    /* somewhere it cannot be written */
    APP(&o, "pins", "learn", "-c", lab.config, "--catalog", cat, "-p", "direct", "-o", "/nonexistent/pins.json");
    assert_rc(&o, 2);
    assert_has(o.err, "/nonexistent/pins.json");
    app_out_free(&o);
    APP(&o, "pins", "learn", "-c", lab.config, "--catalog", "/nonexistent.json", "-p", "direct", "-o", out);
    assert_rc(&o, 2);
    app_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_table_and_filters),
        cmocka_unit_test(test_list_json),
        cmocka_unit_test(test_onboarding_package),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_pins_learn),
    };
    return cmocka_run_group_tests(tests, lab_setup, lab_teardown);
}
