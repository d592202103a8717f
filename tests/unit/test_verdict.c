/* test_verdict.c — tp_verdict_prepare / tp_verdict_finish over hand-built runs: chains made
 * at test time by mkpki.sh; the CRL bytes the verdict asks for are fed from files by the test
 * itself (no network, no seam: judgement does no I/O). Every verdict:
 * revocation good / revoked / unreachable / unknown / not_checked, pinning, interception
 * (pinned, allowed, cross-path), final status precedence, SSLOptions per case, Windows
 * error and remediation per failure class, secrets never in any text. */
#include "tp_testpki.h"

#include "judge/verdict.h"
#include "plan/plan.h"
#include "pki/x509.h"
#include "pki/pins.h"

#define SECRET "s3cr3t-Pa55"
#define USERNAME "svc-user"

/* ---------- the stub fetcher: URL -> file, "!code" (error) or "#status" ---------- */

typedef struct route {
    const char *url;
    const char *spec;
} route;

static route g_routes[8];
static size_t g_calls;           /* batches of CRL needs served */
static size_t g_fetches;         /* fetch entries over all calls */
static char g_seen[32][160];     /* "url|path" of each entry */
static bool g_fail_start;

static void routes_default(void)
{
    memset(g_routes, 0, sizeof g_routes);
    g_routes[0] = (route){"http://crl.lab.test/int.crl", "int.crl.der"};
    g_routes[1] = (route){"http://crl.lab.test/root.crl", "root.crl.der"};
    g_calls = g_fetches = 0;
    g_fail_start = false;
}

static void route_set(const char *url, const char *spec)
{
    for (size_t i = 0; i < 8; i++)
        if (g_routes[i].url && strcmp(g_routes[i].url, url) == 0) {
            g_routes[i].spec = spec;
            return;
        }
    fail_msg("no route %s", url);
}

/* Serves the verdict's CRL needs as the pipeline would after fetching them. */
static int stub_fetch(tp_fetch *f, size_t n, char *err, size_t errlen)
{
    g_calls++;
    if (g_fail_start) {
        snprintf(err, errlen, "event loop could not start");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        assert_non_null(f[i].route);
        const tp_path *via = f[i].route->anon;
        /* the OS fetches CRLs as SYSTEM: never with a path's proxy credentials */
        assert_null(via->username);
        assert_null(via->password);
        assert_true(f[i].max_bytes == 1 << 20);
        /* each (URL, route) once */
        for (size_t k = 0; k < i; k++)
            assert_false(f[k].route == f[i].route && strcmp(f[k].url, f[i].url) == 0);
        if (g_fetches < 32)
            snprintf(g_seen[g_fetches], sizeof g_seen[0], "%s|%s", f[i].url, via->id);
        g_fetches++;
        f[i].ms = 5.0 + (double)i;
        const char *spec = NULL;
        for (size_t k = 0; k < 8; k++)
            if (g_routes[k].url && strcmp(g_routes[k].url, f[i].url) == 0)
                spec = g_routes[k].spec;
        if (!spec || spec[0] == '!') {
            f[i].error_code = tp_outcome_from_name(spec ? spec + 1 : "dns_nxdomain");
            assert_int_not_equal(f[i].error_code, TP_OC_NONE);
            f[i].error_message = strdup("name not found");
        } else if (spec[0] == '#') {
            f[i].http_status = atoi(spec + 1);
        } else {
            f[i].http_status = 200;
            f[i].body = tp_pki_slurp(spec, &f[i].body_len);
        }
    }
    return 0;
}

static bool seen(const char *url_path)
{
    for (size_t i = 0; i < g_fetches && i < 32; i++)
        if (strcmp(g_seen[i], url_path) == 0)
            return true;
    return false;
}

/* ---------- the world: paths, endpoints, config ---------- */

enum { P_DIRECT, P_CORP, P_BUMP, P_MDAV, P_AUTH, N_PATHS };

static tp_path g_paths[N_PATHS];
static tp_endpoint g_ep_pinned, g_ep_plain, g_ep_allowed, g_ep_http;
static tp_config g_cfg;
static time_t g_now;             /* the clock handed to the verdict; 0 = the real one */
static uint8_t g_lab_pins[1][32];
static tp_pinset g_pinsets[1];
static char g_root_path[512];

static void world_init(void)
{
    memset(g_paths, 0, sizeof g_paths);
    g_paths[P_DIRECT] = (tp_path){.id = "direct", .type = TP_PATH_DIRECT};
    g_paths[P_CORP] = (tp_path){.id = "corp", .type = TP_PATH_HTTP, .proxy_host = "10.0.0.6",
                                .proxy_port = 8080};
    g_paths[P_BUMP] = (tp_path){.id = "bump", .type = TP_PATH_HTTP, .proxy_host = "10.0.0.9",
                                .proxy_port = 3128, .expect_inspection = true};
    g_paths[P_MDAV] = (tp_path){.id = "mdav", .type = TP_PATH_HTTP, .proxy_host = "10.0.0.6",
                                .proxy_port = 8080, .crl_via = "direct"};
    g_paths[P_AUTH] = (tp_path){.id = "corp-auth", .type = TP_PATH_HTTP,
                                .proxy_host = "proxy.corp", .proxy_port = 3128,
                                .username = USERNAME, .password = SECRET};

    g_ep_pinned = (tp_endpoint){.id = "maps", .service = "maps", .scheme = "https",
                                .host = "good.lab.test", .port = 443, .path = "/",
                                .required = true, .pinset = "lab", .wildcard = "*.lab.test"};
    g_ep_plain = g_ep_pinned;
    g_ep_plain.id = "blob";
    g_ep_plain.pinset = NULL;
    g_ep_plain.wildcard = NULL;
    g_ep_allowed = g_ep_pinned;
    g_ep_allowed.id = "allowed";
    g_ep_allowed.inspection_allowed = true;
    g_ep_http = g_ep_plain;
    g_ep_http.id = "crl";
    g_ep_http.scheme = "http";
    g_ep_http.port = 80;

    /* pin set "lab" = the test root's SPKI (the root is never presented: the match must
     * come from the anchor lookup in the CA store) */
    mbedtls_x509_crt root;
    tp_pki_crt("root.pem", &root);
    assert_int_equal(tp_x509_spki_sha256(&root, g_lab_pins[0]), 0);
    mbedtls_x509_crt_free(&root);
    g_pinsets[0] = (tp_pinset){.name = "lab", .spki = g_lab_pins, .n = 1};

    tp_pki_path(g_root_path, sizeof g_root_path, "root.pem");
    static char *ca_files[1];
    ca_files[0] = g_root_path;
    memset(&g_cfg, 0, sizeof g_cfg);
    g_cfg.paths = g_paths;
    g_cfg.n_paths = N_PATHS;
    g_cfg.pinsets = g_pinsets;
    g_cfg.n_pinsets = 1;
    g_cfg.ca_files = (tp_strlist){.v = ca_files, .n = 1};
    g_cfg.system_ca = false;
    g_cfg.limits.crl_max_bytes = 1 << 20;
}

static int setup(void **state)
{
    if (tp_pki_setup(state) != 0)
        return -1;
    world_init();
    return 0;
}

static int teardown(void **state)
{
    return tp_pki_teardown(state);
}

static int before_each(void **state)
{
    (void)state;
    routes_default();
    g_now = 0;
    return 0;
}

/* ---------- results ---------- */

static void load_chain(tp_result *r, const char *const *files, size_t n)
{
    r->chain = calloc(n, sizeof *r->chain);
    assert_non_null(r->chain);
    for (size_t i = 0; i < n; i++) {
        mbedtls_x509_crt c;
        tp_pki_crt(files[i], &c);
        assert_int_equal(tp_x509_cert_info(&c, &r->chain[i]), 0);
        mbedtls_x509_crt_free(&c);
    }
    r->chain_len = n;
}

/* A completed, healthy probe of ep through path with the given chain. */
static void completed(tp_result *r, const tp_endpoint *ep, int path, const char *const *files,
                      size_t n)
{
    memset(r, 0, sizeof *r);
    r->ep = ep;
    r->path = r->used_path = &g_paths[path];
    r->status = TP_ST_OK;
    r->phase = TP_PH_HTTP;
    r->t = (tp_timings){1, 1, -1, 1, 1, -1, 5};
    r->http_status = 404;
    r->http_status_ok = true;
    if (n) {
        r->tls_done = true;
        r->trusted = r->hostname_ok = true;
        load_chain(r, files, n);
    }
}

/* A probe the engine failed with `code`. */
static void failed(tp_result *r, const tp_endpoint *ep, int path, const char *code, tp_phase ph)
{
    memset(r, 0, sizeof *r);
    r->ep = ep;
    r->path = r->used_path = &g_paths[path];
    r->status = TP_ST_FAIL;
    r->phase = ph;
    r->error_code = tp_outcome_from_name(code);
    assert_int_not_equal(r->error_code, TP_OC_NONE);   /* a code the table knows */
    r->error_message = strdup("engine says so");
}

static const char *const GOOD[] = {"good.pem", "int.pem"};
static const char *const REVOKED[] = {"revoked.pem", "int.pem"};
static const char *const MITM[] = {"mitm-leaf.pem", "mitm.pem"};

static tp_run run_of(tp_result *rs, size_t n)
{
    return (tp_run){.cfg = &g_cfg, .results = rs, .n_results = n};
}

/* The pipeline's judgement half: plan the config, prepare, serve the needs, finish. */
static void apply(tp_result *rs, size_t n)
{
    tp_run run = run_of(rs, n);
    char err[256] = "";
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &g_cfg, err, sizeof err), 0);
    for (size_t i = 0; i < n; i++)
        rs[i].route = tp_plan_route(&pl, rs[i].path);
    tp_verdict_opts o = {.now = g_now, .cancel = NULL};
    tp_judge *j = NULL;
    tp_fetch *needs = NULL;
    size_t n_needs = 0;
    assert_int_equal(tp_verdict_prepare(&pl, &run, &o, &j, &needs, &n_needs, err, sizeof err), 0);
    if (n_needs > 0 && stub_fetch(needs, n_needs, err, sizeof err) != 0)
        tp_fetch_fail_all(needs, n_needs, TP_OC_FETCH_FAILED, err);
    assert_int_equal(tp_verdict_finish(j, err, sizeof err), 0);
    tp_verdict_free(j);
    for (size_t i = 0; i < n; i++)
        rs[i].route = NULL;   /* the plan is gone */
    tp_plan_release(&pl);
}

static void free_results(tp_result *rs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tp_result_free(&rs[i]);
}

/* "TFTF" = pass/fail for SSLOptions 3, 2, 1, 0 in that order. */
static void assert_sslo(const tp_result *r, const char *want)
{
    assert_true(r->ssloptions_set);
    char got[5];
    for (int m = 3, i = 0; m >= 0; m--, i++)
        got[i] = r->ssloptions_pass[m] ? 'T' : 'F';
    got[4] = '\0';
    assert_string_equal(got, want);
}

static void assert_contains(const char *s, const char *needle)
{
    if (!s || !strstr(s, needle))
        fail_msg("\"%s\" does not contain \"%s\"", s ? s : "(null)", needle);
}

static void assert_no_secret(const tp_result *r)
{
    const char *texts[] = {tp_outcome_name(r->error_code), r->error_message, r->remediation, r->windows_error,
                           r->revocation_reason, r->interception_issuer};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (texts[i] && (strstr(texts[i], SECRET) || strstr(texts[i], USERNAME)))
            fail_msg("secret leaked: %s", texts[i]);
    for (size_t i = 0; i < r->n_crls; i++)
        assert_null(r->crls[i].error && strstr(r->crls[i].error, SECRET) ? "leak" : NULL);
}

static const tp_crl_ref *crl_ref(const tp_result *r, const char *url)
{
    for (size_t i = 0; i < r->n_crls; i++)
        if (strcmp(r->crls[i].url, url) == 0)
            return &r->crls[i];
    return NULL;
}

/* ---------- revocation ---------- */

static void test_good_chain_ok(void **state)
{
    (void)state;
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_int_equal(r.revocation, TP_REV_GOOD);
    assert_int_equal(r.status, TP_ST_OK);
    assert_int_equal(r.phase, TP_PH_DONE);
    assert_int_equal(r.error_code, TP_OC_NONE);
    assert_null(r.windows_error);
    assert_null(r.remediation);
    assert_true(r.pin_checked);
    assert_true(r.pin_matched);   /* via the anchor (root) found in the CA store */
    assert_false(r.interception_detected);
    assert_sslo(&r, "TTTT");
    assert_int_equal(r.n_crls, 2);
    const tp_crl_ref *c = crl_ref(&r, "http://crl.lab.test/int.crl");
    assert_non_null(c);
    assert_true(c->fetched);
    assert_int_equal(c->http_status, 200);
    assert_string_equal(c->path, "direct");
    assert_null(c->error);
    assert_non_null(crl_ref(&r, "http://crl.lab.test/root.crl"));
    assert_true(r.t.revocation >= 5.0);
    assert_contains(r.revocation_reason, "2 certificate(s)");
    assert_int_equal(g_calls, 1);
    free_results(&r, 1);
}

static void test_revoked(void **state)
{
    (void)state;
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, REVOKED, 2);
    apply(&r, 1);
    assert_int_equal(r.revocation, TP_REV_REVOKED);
    assert_int_equal(r.status, TP_ST_FAIL);
    assert_int_equal(r.error_code, TP_OC_REVOKED);
    assert_int_equal(r.phase, TP_PH_REVOCATION);
    assert_string_equal(r.windows_error, "0x80072F8A");
    assert_contains(r.revocation_reason, "1002");
    assert_contains(r.error_message, "revoked");
    assert_contains(r.remediation, "revoked");
    assert_sslo(&r, "FTFT");
    free_results(&r, 1);
}

static void test_crl_unreachable(void **state)
{
    (void)state;
    route_set("http://crl.lab.test/int.crl", "!dns_nxdomain");
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_int_equal(r.revocation, TP_REV_UNREACHABLE);
    assert_int_equal(r.status, TP_ST_FAIL);
    assert_int_equal(r.error_code, TP_OC_CRL_UNREACHABLE);
    assert_int_equal(r.phase, TP_PH_REVOCATION);
    assert_string_equal(r.windows_error, "0x80072F8F");
    assert_string_equal(r.remediation, "allow crl.lab.test on port 80 direct, or set a "
                        "system-wide WinHTTP proxy (netsh winhttp set proxy) — the CRL is "
                        "fetched by the OS, not through Defender's proxy");
    assert_contains(r.remediation, "netsh winhttp set proxy");
    assert_contains(r.revocation_reason, "dns_nxdomain");
    const tp_crl_ref *c = crl_ref(&r, "http://crl.lab.test/int.crl");
    assert_non_null(c);
    assert_false(c->fetched);
    assert_string_equal(c->error, "dns_nxdomain");
    assert_sslo(&r, "FTFT");   /* the seed's case: SSLOptions 2 is the documented work-around */
    free_results(&r, 1);

    /* an HTTP error status is unreachable too */
    route_set("http://crl.lab.test/int.crl", "#404");
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_int_equal(r.revocation, TP_REV_UNREACHABLE);
    assert_string_equal(crl_ref(&r, "http://crl.lab.test/int.crl")->error, "http_404");
    assert_int_equal(crl_ref(&r, "http://crl.lab.test/int.crl")->http_status, 404);
    free_results(&r, 1);

    /* CRLs through a proxy: the line names that proxy */
    completed(&r, &g_ep_pinned, P_CORP, GOOD, 2);
    apply(&r, 1);
    assert_string_equal(r.remediation, "allow crl.lab.test on port 80 on proxy corp "
                        "(10.0.0.6:8080) for anonymous requests — the OS fetches the CRL "
                        "through it as SYSTEM, without Defender's credentials");
    free_results(&r, 1);
}

static void test_crl_unknown_variants(void **state)
{
    (void)state;
    static const struct { const char *file, *reason; } cases[] = {
        {"int-badsig.crl.der", "crl_bad_signature"},
        {"int-expired.crl.der", "crl_expired"},
        {"int-critical.crl.der", "crl_critical_extension"},
        {"garbage.crl", "crl_unparsable"},
        {"int-future.crl.der", "crl_not_yet_valid"},
        {"other.crl.der", "crl_issuer_mismatch"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        routes_default();
        route_set("http://crl.lab.test/int.crl", cases[i].file);
        tp_result r;
        completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
        apply(&r, 1);
        assert_int_equal(r.revocation, TP_REV_UNKNOWN);
        assert_int_equal(r.status, TP_ST_FAIL);   /* SSLOptions 3 fails: so does the status */
        assert_int_equal(r.error_code, TP_OC_REVOCATION_UNKNOWN);
        assert_int_equal(r.phase, TP_PH_REVOCATION);
        assert_contains(r.revocation_reason, cases[i].reason);
        const tp_crl_ref *c = crl_ref(&r, "http://crl.lab.test/int.crl");
        assert_true(c->fetched);
        assert_string_equal(c->error, cases[i].reason);
        assert_string_equal(r.windows_error, "0x80072F8F");
        assert_non_null(r.remediation);
        assert_sslo(&r, "FTFT");
        free_results(&r, 1);
    }
}

/* The clock is injectable: the current CRL judged 40 days later has expired. */
static void test_clock(void **state)
{
    (void)state;
    g_now = time(NULL) + 40 * 86400;
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_int_equal(r.revocation, TP_REV_UNKNOWN);
    assert_contains(r.revocation_reason, "crl_expired");
    free_results(&r, 1);
}

static void test_not_checked(void **state)
{
    (void)state;
    tp_result rs[3];
    /* no TLS: the engine's DNS failure is kept */
    failed(&rs[0], &g_ep_pinned, P_DIRECT, "dns_nxdomain", TP_PH_DNS);
    /* no CDP anywhere: a self-signed CA presented alone */
    static const char *const NOCDP[] = {"mitm.pem"};
    completed(&rs[1], &g_ep_plain, P_DIRECT, NOCDP, 1);
    /* plain HTTP endpoint */
    completed(&rs[2], &g_ep_http, P_DIRECT, NULL, 0);
    apply(rs, 3);
    assert_int_equal(rs[0].revocation, TP_REV_NOT_CHECKED);
    assert_int_equal(rs[0].status, TP_ST_FAIL);
    assert_int_equal(rs[0].error_code, TP_OC_DNS_NXDOMAIN);
    assert_string_equal(rs[0].error_message, "engine says so");
    assert_int_equal(rs[0].phase, TP_PH_DNS);
    assert_string_equal(rs[0].windows_error, "0x80072EE7");
    assert_contains(rs[0].remediation, "allow good.lab.test in DNS");
    assert_sslo(&rs[0], "FFFF");
    assert_int_equal(rs[1].revocation, TP_REV_NOT_CHECKED);
    assert_contains(rs[1].revocation_reason, "CRL Distribution Point");
    assert_int_equal(rs[1].status, TP_ST_OK);
    assert_sslo(&rs[1], "TTTT");
    assert_int_equal(rs[2].revocation, TP_REV_NOT_CHECKED);
    assert_contains(rs[2].revocation_reason, "plain HTTP");
    assert_int_equal(rs[2].status, TP_ST_OK);
    assert_sslo(&rs[2], "TTTT");
    assert_int_equal(g_fetches, 0);
    free_results(rs, 3);
}

/* crl_via: "direct" for mdav, the probe's own path otherwise; one fetch call for the
 * whole run, each (URL, path) once. */
static void test_crl_via_and_dedup(void **state)
{
    (void)state;
    tp_result rs[4];
    completed(&rs[0], &g_ep_pinned, P_DIRECT, GOOD, 2);
    completed(&rs[1], &g_ep_plain, P_DIRECT, GOOD, 2);
    completed(&rs[2], &g_ep_pinned, P_MDAV, GOOD, 2);
    completed(&rs[3], &g_ep_pinned, P_CORP, GOOD, 2);
    apply(rs, 4);
    assert_int_equal(g_calls, 1);
    assert_int_equal(g_fetches, 4);   /* {int, root} x {direct, corp} */
    assert_true(seen("http://crl.lab.test/int.crl|direct"));
    assert_true(seen("http://crl.lab.test/root.crl|direct"));
    assert_true(seen("http://crl.lab.test/int.crl|corp"));
    assert_true(seen("http://crl.lab.test/root.crl|corp"));
    assert_string_equal(crl_ref(&rs[2], "http://crl.lab.test/int.crl")->path, "direct");
    assert_string_equal(crl_ref(&rs[3], "http://crl.lab.test/int.crl")->path, "corp");
    for (int i = 0; i < 4; i++)
        assert_int_equal(rs[i].status, TP_ST_OK);
    free_results(rs, 4);
}

/* crl_via "direct" with no path of that id: a direct path is synthesised. */
static void test_crl_via_synthesised_direct(void **state)
{
    (void)state;
    g_cfg.paths = &g_paths[P_CORP];
    g_cfg.n_paths = N_PATHS - 1;
    tp_result r;
    completed(&r, &g_ep_pinned, P_MDAV, GOOD, 2);
    apply(&r, 1);
    g_cfg.paths = g_paths;
    g_cfg.n_paths = N_PATHS;
    assert_true(seen("http://crl.lab.test/int.crl|direct"));
    assert_int_equal(r.revocation, TP_REV_GOOD);
    free_results(&r, 1);

    /* crl_via naming no configured path: unreachable, said plainly */
    tp_path two[2] = {g_paths[P_DIRECT], g_paths[P_CORP]};
    two[1].id = "odd";
    two[1].crl_via = "nowhere";
    g_cfg.paths = two;
    g_cfg.n_paths = 2;
    completed(&r, &g_ep_pinned, P_CORP, GOOD, 2);
    r.path = r.used_path = &two[1];
    apply(&r, 1);
    g_cfg.paths = g_paths;
    g_cfg.n_paths = N_PATHS;
    assert_int_equal(r.revocation, TP_REV_UNREACHABLE);
    assert_contains(r.revocation_reason, "nowhere");
    free_results(&r, 1);
}

static void test_fetcher_cannot_start(void **state)
{
    (void)state;
    g_fail_start = true;
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_int_equal(r.revocation, TP_REV_UNREACHABLE);
    assert_contains(r.revocation_reason, "event loop could not start");
    assert_int_equal(r.error_code, TP_OC_CRL_UNREACHABLE);
    free_results(&r, 1);
}

/* ---------- pinning and interception ---------- */

static void test_interception_pinned(void **state)
{
    (void)state;
    tp_result rs[2];
    completed(&rs[0], &g_ep_pinned, P_DIRECT, GOOD, 2);
    completed(&rs[1], &g_ep_pinned, P_CORP, MITM, 2);   /* trusted: the corp CA is deployed */
    apply(rs, 2);
    assert_false(rs[0].interception_detected);
    assert_int_equal(rs[0].status, TP_ST_OK);
    tp_result *b = &rs[1];
    assert_true(b->pin_checked);
    assert_false(b->pin_matched);
    assert_true(b->interception_detected);
    assert_string_equal(b->interception_issuer, "CN=Corp Inspection CA, O=Contoso Proxy");
    assert_int_equal(b->status, TP_ST_FAIL);
    assert_int_equal(b->error_code, TP_OC_INTERCEPTED);
    assert_int_equal(b->phase, TP_PH_VERIFY);
    assert_string_equal(b->windows_error, "0x80072F8F");
    assert_string_equal(b->remediation, "exclude good.lab.test (rule *.lab.test) from TLS "
                                        "inspection on proxy corp (10.0.0.6:8080)");
    assert_int_equal(b->revocation, TP_REV_NOT_CHECKED);
    assert_contains(b->revocation_reason, "interception");
    assert_sslo(b, "FFTT");   /* pinning on fails; off passes (the corp CA is trusted) */
    free_results(rs, 2);
}

/* Alone on a proxy, an unpinned chain is interception; alone on the direct path and
 * trusted it is a pin mismatch; seen identically on two paths it is a pin mismatch. */
/* A 407 on a plain-HTTP URL (a CRL, a CTL) is Windows' own GET, not the sensor's CONNECT. */
static void test_407_on_plain_http(void **state)
{
    (void)state;
    tp_result r;
    failed(&r, &g_ep_http, P_CORP, "proxy_auth_required", TP_PH_HTTP);
    r.proxy_status = 407;
    apply(&r, 1);
    assert_contains(r.remediation, "allow anonymous GET of http://good.lab.test:80/");
    assert_null(strstr(r.remediation, "CONNECT"));
    free_results(&r, 1);
}

/* SSLOptions governs MAPS only: other services get no what-if. */
static void test_ssloptions_maps_only(void **state)
{
    (void)state;
    tp_endpoint edr = g_ep_plain;
    edr.id = "edr";
    edr.service = "edr";
    tp_result r;
    completed(&r, &edr, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_false(r.ssloptions_set);
    free_results(&r, 1);
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_true(r.ssloptions_set);
    free_results(&r, 1);
}

/* A probe that only worked after its proxy failed is a warning naming the proxy. */
static void test_fallback_is_a_warning(void **state)
{
    (void)state;
    tp_result r;
    g_paths[P_CORP].fallback = "direct";
    completed(&r, &g_ep_pinned, P_CORP, GOOD, 2);
    r.used_path = &g_paths[P_DIRECT];
    apply(&r, 1);
    g_paths[P_CORP].fallback = NULL;
    /* the fallback's CRLs went through the path really used */
    assert_true(seen("http://crl.lab.test/int.crl|direct"));
    assert_int_equal(r.status, TP_ST_WARN);
    assert_int_equal(r.error_code, TP_OC_PROXY_FALLBACK);
    assert_null(r.windows_error);
    assert_contains(r.error_message, "proxy corp (10.0.0.6:8080) could not be reached");
    assert_contains(r.remediation, "proxy corp (10.0.0.6:8080) cannot be reached");
    free_results(&r, 1);
}

/* --expect-public: a private answer for a Microsoft name is a warning; without the flag,
 * nothing. */
static void test_expect_public(void **state)
{
    (void)state;
    tp_result r[2];
    completed(&r[0], &g_ep_pinned, P_DIRECT, GOOD, 2);
    completed(&r[1], &g_ep_pinned, P_DIRECT, GOOD, 2);
    assert_int_equal(tp_strlist_add(&r[0].addresses, "10.20.30.40"), 0);
    assert_int_equal(tp_strlist_add(&r[1].addresses, "20.190.128.1"), 0);
    g_cfg.dns.expect_public = true;
    apply(r, 2);
    g_cfg.dns.expect_public = false;
    assert_int_equal(r[0].status, TP_ST_WARN);
    assert_int_equal(r[0].error_code, TP_OC_DNS_PRIVATE);
    assert_contains(r[0].error_message, "the private address 10.20.30.40");
    assert_contains(r[0].remediation, "Private Link");
    assert_int_equal(r[1].status, TP_ST_OK);
    free_results(r, 2);
    completed(&r[0], &g_ep_pinned, P_DIRECT, GOOD, 2);
    assert_int_equal(tp_strlist_add(&r[0].addresses, "10.20.30.40"), 0);
    apply(r, 1);
    assert_int_equal(r[0].status, TP_ST_OK);
    free_results(r, 1);
}

/* CRLs through an authenticating proxy go anonymously (the OS cannot answer 407). */
static void test_crl_fetch_is_anonymous(void **state)
{
    (void)state;
    tp_result r;
    completed(&r, &g_ep_pinned, P_AUTH, GOOD, 2);
    apply(&r, 1);
    assert_true(g_fetches > 0);   /* stub_fetch asserted every fetch had no credentials */
    assert_non_null(strstr(g_seen[0], "|corp-auth"));
    free_results(&r, 1);
}

/* A pinned certificate appended to the handshake but off the path the client builds
 * (leaf -> issuer -> ... -> anchor) must not satisfy the pin. */
static void test_pin_off_path_does_not_count(void **state)
{
    (void)state;
    static const char *const SMUGGLED[] = {"mitm-leaf.pem", "mitm.pem", "int.pem"};
    tp_result r;
    completed(&r, &g_ep_pinned, P_BUMP, SMUGGLED, 3);
    apply(&r, 1);
    assert_true(r.pin_checked);
    assert_false(r.pin_matched);
    assert_int_equal(r.status, TP_ST_FAIL);
    free_results(&r, 1);
    /* the genuine chain still matches through its anchor */
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    apply(&r, 1);
    assert_true(r.pin_matched);
    free_results(&r, 1);
}

static void test_pin_mismatch_vs_interception(void **state)
{
    (void)state;
    tp_result r;
    completed(&r, &g_ep_pinned, P_BUMP, MITM, 2);
    apply(&r, 1);
    assert_true(r.interception_detected);
    assert_int_equal(r.error_code, TP_OC_INTERCEPTED);
    free_results(&r, 1);

    completed(&r, &g_ep_pinned, P_DIRECT, MITM, 2);
    apply(&r, 1);
    assert_false(r.interception_detected);
    assert_int_equal(r.error_code, TP_OC_PIN_MISMATCH);
    assert_int_equal(r.phase, TP_PH_VERIFY);
    assert_string_equal(r.windows_error, "0x80072F8F");
    assert_contains(r.remediation, "pin set lab");
    assert_sslo(&r, "FFFT");   /* pinning fails; so does revocation: the minted leaf names no CRL */
    free_results(&r, 1);

    tp_result rs[2];
    completed(&rs[0], &g_ep_pinned, P_DIRECT, MITM, 2);
    completed(&rs[1], &g_ep_pinned, P_CORP, MITM, 2);
    apply(rs, 2);
    for (int i = 0; i < 2; i++) {
        assert_false(rs[i].interception_detected);
        assert_int_equal(rs[i].error_code, TP_OC_PIN_MISMATCH);
    }
    free_results(rs, 2);
}

static void test_interception_allowed_warns(void **state)
{
    (void)state;
    tp_result rs[2];
    completed(&rs[0], &g_ep_allowed, P_DIRECT, GOOD, 2);
    completed(&rs[1], &g_ep_allowed, P_BUMP, MITM, 2);
    apply(rs, 2);
    assert_true(rs[1].interception_detected);
    assert_int_equal(rs[1].status, TP_ST_WARN);
    assert_int_equal(rs[1].error_code, TP_OC_INTERCEPTED);
    assert_contains(rs[1].error_message, "inspection allowed");
    assert_contains(rs[1].remediation, "proxy bump (10.0.0.9:3128)");
    free_results(rs, 2);

    /* allowed, but the inspection CA is not trusted: the failure is not hidden */
    completed(&rs[0], &g_ep_allowed, P_DIRECT, GOOD, 2);
    completed(&rs[1], &g_ep_allowed, P_BUMP, MITM, 2);
    rs[1].trusted = false;
    apply(rs, 2);
    assert_int_equal(rs[1].status, TP_ST_FAIL);
    assert_int_equal(rs[1].error_code, TP_OC_TLS_UNTRUSTED);
    assert_sslo(&rs[1], "FFFF");
    free_results(rs, 2);
}

/* Each result is compared with its own endpoint's results on other paths only, wherever they
 * sit in the run (the judge groups them by endpoint id, not by position). */
static void test_interception_grouped_by_endpoint(void **state)
{
    (void)state;
    tp_result rs[4];
    completed(&rs[0], &g_ep_plain, P_CORP, MITM, 2);
    completed(&rs[1], &g_ep_allowed, P_DIRECT, GOOD, 2);
    completed(&rs[2], &g_ep_allowed, P_CORP, GOOD, 2);
    completed(&rs[3], &g_ep_plain, P_DIRECT, GOOD, 2);   /* plain's reference, last in the run */
    apply(rs, 4);
    assert_true(rs[0].interception_detected);     /* differs from its own direct chain */
    assert_false(rs[1].interception_detected);
    assert_false(rs[2].interception_detected);    /* the other endpoint's MITM is not its business */
    assert_false(rs[3].interception_detected);
    free_results(rs, 4);
}

/* No pin set: the direct path's chain is the reference. */
static void test_interception_cross_path(void **state)
{
    (void)state;
    tp_result rs[3];
    completed(&rs[0], &g_ep_plain, P_DIRECT, GOOD, 2);
    completed(&rs[1], &g_ep_plain, P_CORP, MITM, 2);
    completed(&rs[2], &g_ep_plain, P_MDAV, GOOD, 2);   /* same chain as direct: clean */
    apply(rs, 3);
    assert_false(rs[0].interception_detected);
    assert_true(rs[1].interception_detected);
    assert_false(rs[2].interception_detected);
    assert_false(rs[1].pin_checked);
    assert_int_equal(rs[1].error_code, TP_OC_INTERCEPTED);
    assert_string_equal(rs[1].interception_issuer, "CN=Corp Inspection CA, O=Contoso Proxy");
    assert_int_equal(rs[2].status, TP_ST_OK);
    free_results(rs, 3);

    /* another node of the same service: a different leaf (key) under the same issuer is
     * the same chain, not an interception */
    static const char *const OTHER_LEAF[] = {"revoked.pem", "int.pem"};
    completed(&rs[0], &g_ep_plain, P_DIRECT, GOOD, 1);
    completed(&rs[1], &g_ep_plain, P_CORP, OTHER_LEAF, 1);
    apply(rs, 2);
    assert_false(rs[1].interception_detected);
    free_results(rs, 2);

    /* alone, with no pin set, nothing to compare: not detected as such, but the minted
     * leaf names no CRL nor OCSP responder, which a revocation-checking device refuses */
    completed(&rs[0], &g_ep_plain, P_CORP, MITM, 2);
    apply(rs, 1);
    assert_false(rs[0].interception_detected);
    assert_int_equal(rs[0].status, TP_ST_FAIL);
    assert_int_equal(rs[0].error_code, TP_OC_REVOCATION_UNKNOWN);
    assert_contains(rs[0].revocation_reason, "minted by an inspecting proxy");
    free_results(rs, 1);
}

/* The CA caught re-signing a pinned endpoint on a path also re-signs the unpinned ones
 * there (squid mints a leaf per name), even with no direct probe to compare with. */
static void test_interception_propagates_on_path(void **state)
{
    (void)state;
    tp_result rs[4];
    completed(&rs[0], &g_ep_pinned, P_BUMP, MITM, 2);
    completed(&rs[1], &g_ep_plain, P_BUMP, MITM, 2);
    rs[1].http_status = 502;        /* squid: origin unresolvable, inside the tunnel */
    rs[1].http_status_ok = false;
    completed(&rs[2], &g_ep_plain, P_CORP, MITM, 2);     /* another path: not propagated */
    tp_endpoint other = g_ep_plain;
    other.id = "other";
    completed(&rs[3], &other, P_BUMP, GOOD, 2);         /* same path, the origin's chain */
    apply(rs, 4);
    assert_true(rs[0].interception_detected);
    assert_true(rs[1].interception_detected);
    assert_string_equal(rs[1].interception_issuer, "CN=Corp Inspection CA, O=Contoso Proxy");
    assert_int_equal(rs[1].error_code, TP_OC_INTERCEPTED);   /* outranks http_status */
    assert_false(rs[2].interception_detected);
    assert_false(rs[3].interception_detected);
    free_results(rs, 4);

    /* alone on a proxy NOT expected to inspect, a trusted chain outside the pin set is
     * a pin mismatch (a stale pin set looks the same), not an interception */
    completed(&rs[0], &g_ep_pinned, P_CORP, MITM, 2);
    apply(rs, 1);
    assert_false(rs[0].interception_detected);
    assert_int_equal(rs[0].error_code, TP_OC_PIN_MISMATCH);
    free_results(rs, 1);
}

/* ---------- precedence, trust facts, HTTP ---------- */

static void test_trust_failures(void **state)
{
    (void)state;
    static const struct {
        bool trusted, host_ok, expired;
        const char *code, *we, *sslo;
    } cases[] = {
        {false, true, false, "tls_untrusted", "0x80072F8F", "FFFF"},
        {true, false, false, "tls_hostname_mismatch", "0x80072F06", "FFFF"},
        {true, true, true, "tls_expired", "0x80072F05", "FFFF"},
        {false, false, true, "tls_untrusted", "0x80072F8F", "FFFF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_result r;
        completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
        r.trusted = cases[i].trusted;
        r.hostname_ok = cases[i].host_ok;
        r.expired = cases[i].expired;
        apply(&r, 1);
        assert_int_equal(r.status, TP_ST_FAIL);
        assert_string_equal(tp_outcome_name(r.error_code), cases[i].code);
        assert_int_equal(r.phase, TP_PH_VERIFY);
        assert_string_equal(r.windows_error, cases[i].we);
        assert_non_null(r.remediation);
        assert_non_null(r.error_message);
        assert_sslo(&r, cases[i].sslo);
        free_results(&r, 1);
    }
    /* revoked outranks untrusted */
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, REVOKED, 2);
    r.trusted = false;
    apply(&r, 1);
    assert_int_equal(r.error_code, TP_OC_REVOKED);
    free_results(&r, 1);
}

static void test_http_status(void **state)
{
    (void)state;
    tp_result r;
    completed(&r, &g_ep_plain, P_CORP, GOOD, 2);
    r.http_status = 403;
    r.http_status_ok = false;
    apply(&r, 1);
    assert_int_equal(r.status, TP_ST_FAIL);
    assert_int_equal(r.error_code, TP_OC_HTTP_STATUS);
    assert_int_equal(r.phase, TP_PH_HTTP);
    assert_string_equal(r.windows_error, "0x80190193");
    assert_contains(r.remediation, "HTTP 403");
    assert_contains(r.error_message, "403");
    assert_sslo(&r, "FFFF");   /* no SSLOptions value makes a 403 healthy */
    free_results(&r, 1);

    /* an HTTP failure outranks an unusable CRL (revocation_unknown) */
    route_set("http://crl.lab.test/int.crl", "int-expired.crl.der");
    completed(&r, &g_ep_plain, P_CORP, GOOD, 2);
    r.http_status = 403;
    r.http_status_ok = false;
    apply(&r, 1);
    assert_int_equal(r.status, TP_ST_FAIL);
    assert_int_equal(r.error_code, TP_OC_HTTP_STATUS);
    assert_int_equal(r.revocation, TP_REV_UNKNOWN);
    free_results(&r, 1);
}

/* An engine verdict-class code is recomputed, not kept. */
static void test_engine_provisional_code_replaced(void **state)
{
    (void)state;
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    r.error_code = TP_OC_TLS_UNTRUSTED;
    r.status = TP_ST_FAIL;
    apply(&r, 1);
    assert_int_equal(r.error_code, TP_OC_NONE);
    assert_int_equal(r.status, TP_ST_OK);
    free_results(&r, 1);
}

static void test_optional_failure_still_fails(void **state)
{
    (void)state;
    tp_endpoint opt = g_ep_pinned;
    opt.required = false;
    tp_result r;
    completed(&r, &opt, P_DIRECT, REVOKED, 2);
    apply(&r, 1);
    assert_int_equal(r.status, TP_ST_FAIL);
    tp_run run = run_of(&r, 1);
    tp_summary s;
    tp_run_summary(&run, &s);
    assert_int_equal(s.fail, 1);
    assert_int_equal(s.required_failed, 0);
    free_results(&r, 1);
}

/* A result with no endpoint (never made by the plan) does not break the run. */
static void test_no_endpoint(void **state)
{
    (void)state;
    tp_result r;
    failed(&r, NULL, P_DIRECT, "connect_refused", TP_PH_CONNECT);
    apply(&r, 1);
    assert_int_equal(r.status, TP_ST_FAIL);
    assert_string_equal(r.windows_error, "0x80072EFD");
    assert_contains(r.remediation, "connect_refused");
    free_results(&r, 1);
}

static void test_skipped_untouched(void **state)
{
    (void)state;
    tp_result r;
    memset(&r, 0, sizeof r);
    r.ep = &g_ep_pinned;
    r.path = r.used_path = &g_paths[P_DIRECT];
    r.status = TP_ST_SKIPPED;
    apply(&r, 1);
    assert_int_equal(r.status, TP_ST_SKIPPED);
    assert_false(r.ssloptions_set);
    assert_null(r.remediation);
    free_results(&r, 1);
}

/* ---------- network failure classes: Windows error + remediation ---------- */

static void test_network_failures(void **state)
{
    (void)state;
    static const struct {
        int path;
        const char *code;
        int proxy_status;
        const char *we, *remedy;
    } cases[] = {
        {P_DIRECT, "dns_timeout", 0, "0x80072EE7", "check the system resolver"},
        {P_DIRECT, "connect_timeout", 0, "0x80072EFE",
         "open TCP 443 to good.lab.test (rule *.lab.test) (dropped)"},
        {P_DIRECT, "connect_refused", 0, "0x80072EFD", "(refused)"},
        {P_DIRECT, "connect_unreachable", 0, "0x80072EFD", "(no route)"},
        {P_CORP, "connect_timeout", 0, "0x80072EFE", "proxy corp (10.0.0.6:8080) cannot be reached"},
        {P_CORP, "proxy_unavailable", 503, "0x801901F7", "could not reach good.lab.test:443"},
        {P_CORP, "proxy_closed", 0, "0x80072EFE", "proxy corp (10.0.0.6:8080) broke the CONNECT"},
        {P_AUTH, "proxy_auth_required", 407, "0x80190197",
         "allow anonymous CONNECT to good.lab.test:443 (rule *.lab.test) on proxy corp-auth "
         "(proxy.corp:3128): the sensor runs as SYSTEM and cannot answer 407 (Basic)"},
        {P_CORP, "proxy_denied", 403, "0x80190193", "allow CONNECT to good.lab.test:443"},
        {P_CORP, "proxy_bad_gateway", 502, "0x801901F6", "check the proxy's DNS"},
        {P_DIRECT, "tls_reset", 0, "0x80072EFE", "unfiltered"},
        {P_DIRECT, "tls_alert", 0, "0x80072F7D", "unfiltered"},
        {P_DIRECT, "tls_closed", 0, "0x80072EFE", "unfiltered"},
        {P_DIRECT, "timeout", 0, "0x80072EE2", "breaks"},
        {P_DIRECT, "http_malformed", 0, "0x80072F78", "breaks"},
        {P_DIRECT, "engine_error", 0, NULL, "see error engine_error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_result r;
        failed(&r, &g_ep_pinned, cases[i].path, cases[i].code, TP_PH_CONNECT);
        r.proxy_status = cases[i].proxy_status;
        if (cases[i].proxy_status == 407)
            assert_int_equal(tp_strlist_add(&r.proxy_auth_schemes, "Basic"), 0);
        apply(&r, 1);
        assert_int_equal(r.status, TP_ST_FAIL);
        assert_string_equal(tp_outcome_name(r.error_code), cases[i].code);
        assert_int_equal(r.phase, TP_PH_CONNECT);
        if (cases[i].we)
            assert_string_equal(r.windows_error, cases[i].we);
        else
            assert_null(r.windows_error);
        assert_contains(r.remediation, cases[i].remedy);
        assert_sslo(&r, "FFFF");
        assert_no_secret(&r);
        free_results(&r, 1);
    }
}

static void test_no_secret_anywhere(void **state)
{
    (void)state;
    tp_result rs[3];
    completed(&rs[0], &g_ep_pinned, P_DIRECT, GOOD, 2);
    completed(&rs[1], &g_ep_pinned, P_AUTH, MITM, 2);
    failed(&rs[2], &g_ep_plain, P_AUTH, "proxy_auth_required", TP_PH_PROXY);
    rs[2].proxy_status = 407;
    route_set("http://crl.lab.test/int.crl", "!connect_timeout");
    apply(rs, 3);
    for (int i = 0; i < 3; i++)
        assert_no_secret(&rs[i]);
    assert_contains(rs[1].remediation, "proxy corp-auth (proxy.corp:3128)");
    free_results(rs, 3);
}

/* Hostile chain facts (DER that does not parse, missing DER, odd URLs) never crash and
 * never produce a verdict better than unknown. */
static void test_hostile_chain(void **state)
{
    (void)state;
    tp_result r;
    completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
    /* the leaf's DER replaced by garbage, the intermediate's removed */
    free(r.chain[0].der);
    r.chain[0].der = (uint8_t *)strdup("\x30\x82garbage");
    r.chain[0].der_len = 9;
    free(r.chain[1].der);
    r.chain[1].der = NULL;
    r.chain[1].der_len = 0;
    assert_int_equal(tp_strlist_add(&r.chain[0].crl_urls, "ldap://x/y"), 0);
    assert_int_equal(tp_strlist_add(&r.chain[0].crl_urls, "HTTP://crl.lab.test/unrouted.crl"), 0);
    apply(&r, 1);
    /* a CRL cannot vouch for a certificate that does not parse */
    assert_int_equal(r.revocation, TP_REV_UNKNOWN);
    assert_contains(r.revocation_reason, "does not parse");
    assert_int_not_equal(r.status, TP_ST_OK);
    assert_true(seen("HTTP://crl.lab.test/unrouted.crl|direct"));
    assert_false(seen("ldap://x/y|direct"));
    free_results(&r, 1);
}

/* An unpinned chain on the direct path that differs from a proxy's pinned one: the
 * direct path is the intercepted one (a transparent inspecting firewall). */
static void test_interception_on_direct(void **state)
{
    (void)state;
    tp_result rs[2];
    completed(&rs[0], &g_ep_pinned, P_DIRECT, MITM, 2);
    completed(&rs[1], &g_ep_pinned, P_CORP, GOOD, 2);
    apply(rs, 2);
    assert_true(rs[0].interception_detected);
    assert_false(rs[1].interception_detected);
    assert_contains(rs[0].remediation, "on the firewall or gateway of the direct path (direct)");
    free_results(rs, 2);
}

/* ---------- pure helpers ---------- */

static void test_helpers(void **state)
{
    (void)state;
    char *s = tp_verdict_dn_short("C=US, O=Contoso Proxy, OU=IT, CN=Corp Inspection CA");
    assert_string_equal(s, "CN=Corp Inspection CA, O=Contoso Proxy");
    free(s);
    s = tp_verdict_dn_short("OU=only");
    assert_string_equal(s, "OU=only");
    free(s);
    assert_null(tp_verdict_dn_short(NULL));
    char buf[16];
    assert_null(tp_verdict_windows_error(TP_OC_NONE, 0, 0, buf));
    assert_string_equal(tp_verdict_windows_error(TP_OC_PROXY_BAD_GATEWAY, 503, 0, buf), "0x801901F7");
    assert_string_equal(tp_verdict_windows_error(TP_OC_PROXY_BAD_GATEWAY, 0, 0, buf), "0x80072EFD");
    assert_string_equal(tp_verdict_windows_error(TP_OC_DNS_NXDOMAIN, 0, 0, buf), "0x80072EE7");
    assert_string_equal(tp_verdict_windows_error(TP_OC_HTTP_STATUS, 0, 404, buf), "0x80190194");
}

/* ---------- each CRL judged as its fetch ends (tp_verdict_crl_work / crl_done) ---------- */

typedef enum crl_mode { CRL_EACH, CRL_TIMEOUT_UNRUN, CRL_STOPPED } crl_mode;

/* apply(), with the CRLs handed back one by one as the pipeline's fetch sink does. */
static void apply_each(tp_result *rs, size_t n, crl_mode mode)
{
    tp_run run = run_of(rs, n);
    char err[256] = "";
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &g_cfg, err, sizeof err), 0);
    for (size_t i = 0; i < n; i++)
        rs[i].route = tp_plan_route(&pl, rs[i].path);
    tp_verdict_opts o = {.now = g_now, .cancel = NULL};
    tp_judge *j = NULL;
    tp_fetch *needs = NULL;
    size_t n_needs = 0;
    assert_int_equal(tp_verdict_prepare(&pl, &run, &o, &j, &needs, &n_needs, err, sizeof err), 0);
    assert_true(n_needs > 0);
    assert_int_equal(stub_fetch(needs, n_needs, err, sizeof err), 0);
    tp_stop stop;
    atomic_init(&stop, mode == CRL_STOPPED);
    for (size_t i = 0; i < n_needs; i++) {
        if (mode != CRL_TIMEOUT_UNRUN) {
            tp_verdict_crl_work(j, i, &stop);
            assert_null(needs[i].body);   /* judged and freed at once */
        }
        tp_verdict_crl_done(j, i, mode == CRL_EACH ? TP_OC_NONE : TP_OC_CRL_TIMEOUT);
        assert_null(needs[i].body);
    }
    assert_int_equal(tp_verdict_finish(j, err, sizeof err), 0);
    tp_verdict_free(j);
    for (size_t i = 0; i < n; i++)
        rs[i].route = NULL;
    tp_plan_release(&pl);
}

static void test_crl_each_same_verdicts(void **state)
{
    (void)state;
    tp_result rs[2];
    completed(&rs[0], &g_ep_pinned, P_DIRECT, GOOD, 2);
    completed(&rs[1], &g_ep_plain, P_DIRECT, REVOKED, 2);
    apply_each(rs, 2, CRL_EACH);
    assert_int_equal(rs[0].revocation, TP_REV_GOOD);
    assert_int_equal(rs[0].status, TP_ST_OK);
    assert_int_equal(rs[1].revocation, TP_REV_REVOKED);
    assert_int_equal(rs[1].error_code, TP_OC_REVOKED);
    assert_int_equal(g_fetches, 2);   /* int.crl and root.crl, each judged once for both */
    free_results(rs, 2);
}

/* A CRL whose judgement did not end by its deadline (never run, or stopped midway): the
 * certificates it answers for are unknown with crls[].error crl_timeout, and the line says
 * it is the tester's limit. */
static void test_crl_timeout_classified(void **state)
{
    (void)state;
    for (int mode = CRL_TIMEOUT_UNRUN; mode <= CRL_STOPPED; mode++) {
        routes_default();
        tp_result r;
        completed(&r, &g_ep_pinned, P_DIRECT, GOOD, 2);
        apply_each(&r, 1, (crl_mode)mode);
        assert_int_equal(r.revocation, TP_REV_UNKNOWN);
        assert_int_equal(r.status, TP_ST_FAIL);
        assert_int_equal(r.error_code, TP_OC_REVOCATION_UNKNOWN);
        const tp_crl_ref *c = crl_ref(&r, "http://crl.lab.test/int.crl");
        assert_non_null(c);
        assert_true(c->fetched);
        assert_string_equal(c->error, "crl_timeout");
        assert_contains(r.revocation_reason, "crl_timeout");
        assert_contains(r.remediation, "limits.timeout_ms.crl");
        free_results(&r, 1);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, before_each)
    const struct CMUnitTest tests[] = {
        T(test_good_chain_ok),
        T(test_revoked),
        T(test_crl_each_same_verdicts),
        T(test_crl_timeout_classified),
        T(test_crl_unreachable),
        T(test_crl_unknown_variants),
        T(test_clock),
        T(test_not_checked),
        T(test_crl_via_and_dedup),
        T(test_crl_via_synthesised_direct),
        T(test_fetcher_cannot_start),
        T(test_interception_pinned),
        T(test_crl_fetch_is_anonymous),
        T(test_ssloptions_maps_only),
        T(test_407_on_plain_http),
        T(test_fallback_is_a_warning),
        T(test_expect_public),
        T(test_pin_off_path_does_not_count),
        T(test_pin_mismatch_vs_interception),
        T(test_interception_allowed_warns),
        T(test_interception_cross_path),
        T(test_interception_grouped_by_endpoint),
        T(test_interception_propagates_on_path),
        T(test_trust_failures),
        T(test_http_status),
        T(test_engine_provisional_code_replaced),
        T(test_optional_failure_still_fails),
        T(test_skipped_untouched),
        T(test_no_endpoint),
        T(test_network_failures),
        T(test_no_secret_anywhere),
        T(test_hostile_chain),
        T(test_interception_on_direct),
        T(test_helpers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
