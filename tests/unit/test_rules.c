/* test_rules.c — `tlspath rules`: the rule set (merging, wildcards, CNAME targets,
 * addresses, CRL hosts) and every output format, from hand-made endpoints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rules.h"

typedef struct epdef {
    const char *id, *service, *scheme, *host;
    int port;
    const char *wildcard, *pinset;
    bool inspection_allowed, required;
} epdef;

/* The shapes that matter: pinned under a wildcard, a host its own wildcard does not
 * cover, inspection tolerated, a CRL host on port 80, a required-only name. */
static const epdef DEFS[] = {
    {"maps-us", "maps", "https", "unitedstates.cp.wd.microsoft.com", 443, "*.wd.microsoft.com", "microsoft", false, true},
    {"maps-eu", "maps", "https", "europe.cp.wd.microsoft.com", 443, "*.wd.microsoft.com", "microsoft", false, true},
    {"maps-wdcp", "maps", "https", "wdcp.microsoft.com", 443, "*.wdcp.microsoft.com", "microsoft", false, true},
    {"blob", "submission", "https", "ussus1eastprod.blob.core.windows.net", 443, "*.blob.core.windows.net", NULL, true, true},
    {"diag", "diagnostics", "https", "settings-win.data.microsoft.com", 443, NULL, NULL, true, false},
    {"edr", "edr", "https", "edr-cus.us.endpoint.security.microsoft.com", 443, "*.endpoint.security.microsoft.com", NULL, false, true},
    {"crl", "crl", "http", "crl.microsoft.com", 80, NULL, NULL, false, true},
};
#define N_DEFS (sizeof DEFS / sizeof DEFS[0])

static tp_endpoint g_eps[N_DEFS];

static void make_eps(void)
{
    memset(g_eps, 0, sizeof g_eps);
    for (size_t i = 0; i < N_DEFS; i++) {
        g_eps[i].id = (char *)DEFS[i].id;
        g_eps[i].service = (char *)DEFS[i].service;
        g_eps[i].scheme = (char *)DEFS[i].scheme;
        g_eps[i].host = (char *)DEFS[i].host;
        g_eps[i].port = DEFS[i].port;
        g_eps[i].wildcard = (char *)DEFS[i].wildcard;
        g_eps[i].pinset = (char *)DEFS[i].pinset;
        g_eps[i].inspection_allowed = DEFS[i].inspection_allowed;
        g_eps[i].required = DEFS[i].required;
    }
}

static void build(tp_ruleset *rs)
{
    make_eps();
    memset(rs, 0, sizeof *rs);
    for (size_t i = 0; i < N_DEFS; i++)
        assert_int_equal(tp_rules_add_endpoint(rs, &g_eps[i]), 0);
}

static const char REPORT[] =
    "{\"tool\":{\"name\":\"tlspath\"},\"results\":["
    "{\"endpoint\":{\"id\":\"edr\"},\"dns\":{\"addresses\":[\"10.237.100.40\",\"2001:db8::40\",\"not-an-ip\"],"
    "\"cnames\":[\"edr-cus.lab-edge.trafficmanager.net\",\"bad\\nname;x\"]},"
    "\"revocation\":{\"crls\":[{\"url\":\"http://pkiops.example.net/crl/x.crl\"},{\"url\":\"ldap://ldap.example/\"}]}},"
    "{\"endpoint\":{\"id\":\"maps-us\"},\"dns\":{\"addresses\":[\"10.237.100.10\",\"10.237.100.10\"],"
    "\"cnames\":[\"us.cp.wd.microsoft.com\"]},\"revocation\":null},"
    "{\"endpoint\":{\"id\":\"not-selected\"},\"dns\":{\"addresses\":[\"10.9.9.9\"],\"cnames\":[\"other.example\"]}}"
    "]}";

static void build_observed(tp_ruleset *rs)
{
    build(rs);
    const tp_endpoint *eps[N_DEFS];
    for (size_t i = 0; i < N_DEFS; i++)
        eps[i] = &g_eps[i];
    size_t matched = 0;
    char err[256];
    assert_int_equal(tp_rules_observe_report(rs, REPORT, strlen(REPORT), "r.json", eps, N_DEFS, &matched, err,
                                             sizeof err),
                     0);
    assert_int_equal(matched, 2);
    tp_rules_sort(rs);
}

/* The format's output as a malloc'ed string (rc the writer's return). */
static char *render(const tp_ruleset *rs, tp_rules_format f, const char *proxy, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    char err[256];
    *rc = tp_rules_write(rs, f, proxy, out, err, sizeof err);
    fclose(out);
    return buf;
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static void test_names_and_cover(void **state)
{
    (void)state;
    assert_true(tp_rules_name_ok("crl.microsoft.com", false));
    assert_true(tp_rules_name_ok("*.wd.microsoft.com", true));
    assert_false(tp_rules_name_ok("*.wd.microsoft.com", false));
    assert_false(tp_rules_name_ok("*.com", true));
    assert_false(tp_rules_name_ok("a..b", false));
    assert_false(tp_rules_name_ok("a b.com", false));
    assert_false(tp_rules_name_ok("x\";evil.com", false));
    assert_false(tp_rules_name_ok("", false));
    assert_true(tp_rule_covers("*.wd.microsoft.com", "unitedstates.cp.wd.microsoft.com"));
    assert_true(tp_rule_covers("*.wd.microsoft.com", "x.wd.microsoft.com"));
    assert_false(tp_rule_covers("*.wd.microsoft.com", "wd.microsoft.com"));
    assert_false(tp_rule_covers("*.wd.microsoft.com", "xwd.microsoft.com"));
    assert_true(tp_rule_covers("Crl.Microsoft.com", "crl.microsoft.com"));
    assert_int_equal(tp_rules_format_parse("squid"), TP_RULES_SQUID);
    assert_int_equal(tp_rules_format_parse("csv"), -1);
}

static void test_merge(void **state)
{
    (void)state;
    tp_ruleset rs;
    build(&rs);
    tp_rules_sort(&rs);
    /* two MAPS hosts -> one wildcard rule; wdcp.microsoft.com keeps its own rule beside
     * *.wdcp.microsoft.com; 7 endpoints -> 7 rules */
    size_t wd = 0;
    for (size_t i = 0; i < rs.n; i++)
        if (!strcmp(rs.rules[i].name, "*.wd.microsoft.com")) {
            wd++;
            assert_true(rs.rules[i].bypass && rs.rules[i].wildcard && rs.rules[i].required);
            assert_int_equal(rs.rules[i].endpoints.n, 2);
        }
    assert_int_equal(wd, 1);
    assert_int_equal(rs.n, 7);
    tp_ruleset_free(&rs);
}

static void test_fqdn(void **state)
{
    (void)state;
    tp_ruleset rs;
    build_observed(&rs);
    int rc;
    char *s = render(&rs, TP_RULES_FQDN, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_true(has_line(s, "*.wd.microsoft.com"));
    assert_true(has_line(s, "*.wdcp.microsoft.com"));
    assert_true(has_line(s, "wdcp.microsoft.com"));
    assert_true(has_line(s, "crl.microsoft.com"));
    /* the CNAME target a name rule misses is there; one already covered is not */
    assert_true(has_line(s, "edr-cus.lab-edge.trafficmanager.net"));
    assert_null(strstr(s, "us.cp.wd.microsoft.com\n"));
    assert_true(has_line(s, "pkiops.example.net"));
    /* hostile text from the report never reaches the output, nor unselected endpoints */
    assert_null(strstr(s, "bad"));
    assert_null(strstr(s, "other.example"));
    assert_null(strstr(s, "#"));
    /* the hosts under a listed wildcard are not repeated */
    assert_null(strstr(s, "unitedstates.cp"));
    free(s);
    tp_ruleset_free(&rs);
}

static void test_squid(void **state)
{
    (void)state;
    tp_ruleset rs;
    build_observed(&rs);
    int rc;
    char *s = render(&rs, TP_RULES_SQUID, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_true(has_line(s, "acl tlspath_port_443 port 443"));
    assert_true(has_line(s, "acl tlspath_dst_443 dstdomain .wd.microsoft.com"));
    assert_true(has_line(s, "acl tlspath_dst_443 dstdomain .wdcp.microsoft.com"));
    /* squid's ".wdcp.microsoft.com" matches the bare name too: listing it would warn */
    assert_false(has_line(s, "acl tlspath_dst_443 dstdomain wdcp.microsoft.com"));
    assert_true(has_line(s, "acl tlspath_dst_80 dstdomain crl.microsoft.com"));
    assert_false(has_line(s, "acl tlspath_dst_443 dstdomain crl.microsoft.com"));
    assert_true(has_line(s, "http_access allow tlspath_port_443 tlspath_dst_443"));
    assert_true(has_line(s, "http_access allow tlspath_port_80 tlspath_dst_80"));
    /* pinned and inspection-intolerant names are spliced; tolerant ones are not */
    assert_true(has_line(s, "acl tlspath_splice ssl::server_name .wd.microsoft.com"));
    assert_true(has_line(s, "acl tlspath_splice ssl::server_name .endpoint.security.microsoft.com"));
    assert_false(has_line(s, "acl tlspath_splice ssl::server_name .blob.core.windows.net"));
    assert_false(has_line(s, "acl tlspath_splice ssl::server_name settings-win.data.microsoft.com"));
    assert_true(has_line(s, "ssl_bump splice tlspath_splice"));
    /* a proxy sees the requested name: the CNAME target is a comment, not an ACL */
    assert_null(strstr(s, "dstdomain edr-cus.lab-edge"));
    assert_non_null(strstr(s, "# edr-cus.lab-edge.trafficmanager.net is a CNAME of"));
    free(s);
    tp_ruleset_free(&rs);
}

static void test_pac(void **state)
{
    (void)state;
    tp_ruleset rs;
    build(&rs);
    tp_rules_sort(&rs);
    int rc;
    char *s = render(&rs, TP_RULES_PAC, NULL, &rc);
    assert_int_equal(rc, -1);   /* no proxy: nothing to send the endpoints to */
    free(s);
    s = render(&rs, TP_RULES_PAC, "10.0.0.5:8080\";alert(1)//", &rc);
    assert_int_equal(rc, -1);
    free(s);
    s = render(&rs, TP_RULES_PAC, "10.0.0.5:8080", &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(s, "function FindProxyForURL(url, host) {"));
    assert_non_null(strstr(s, "dnsDomainIs(host, \".wd.microsoft.com\")"));
    /* dnsDomainIs(".wdcp...") does not match the bare name: it keeps its own test */
    assert_non_null(strstr(s, "host == \"wdcp.microsoft.com\""));
    assert_non_null(strstr(s, "host == \"crl.microsoft.com\""));
    assert_non_null(strstr(s, "return \"PROXY 10.0.0.5:8080\";"));
    assert_non_null(strstr(s, "return \"DIRECT\";"));
    free(s);
    tp_ruleset_free(&rs);
}

static void test_nft(void **state)
{
    (void)state;
    tp_ruleset rs;
    build(&rs);
    int rc;
    char *s = render(&rs, TP_RULES_NFT, NULL, &rc);
    assert_int_equal(rc, -1);   /* no run observed: no addresses */
    free(s);
    tp_ruleset_free(&rs);
    build_observed(&rs);
    s = render(&rs, TP_RULES_NFT, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(s, "ADDRESSES CHANGE"));
    assert_non_null(strstr(s, "table inet tlspath {"));
    assert_non_null(strstr(s, "type ipv4_addr . inet_service"));
    assert_non_null(strstr(s, "10.237.100.40 . 443,    # edr-cus.us.endpoint.security.microsoft.com"));
    assert_non_null(strstr(s, "2001:db8::40 . 443,"));
    assert_null(strstr(s, "not-an-ip"));
    assert_null(strstr(s, "10.9.9.9"));
    /* the duplicate address is written once per set (mde_v4 and mde_nobump_v4) */
    const char *p = s;
    int n = 0;
    while ((p = strstr(p, "10.237.100.10 . 443")) != NULL) {
        n++;
        p++;
    }
    assert_int_equal(n, 2);
    free(s);
    tp_ruleset_free(&rs);
}

static void test_paloalto_bypass_crl(void **state)
{
    (void)state;
    tp_ruleset rs;
    build_observed(&rs);
    int rc;
    char *s = render(&rs, TP_RULES_PALOALTO, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_true(has_line(s, "*.wd.microsoft.com/"));
    assert_true(has_line(s, "crl.microsoft.com/"));
    assert_true(has_line(s, "edr-cus.lab-edge.trafficmanager.net/"));
    free(s);

    s = render(&rs, TP_RULES_BYPASS, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_true(has_line(s, "*.wd.microsoft.com"));
    assert_true(has_line(s, "*.endpoint.security.microsoft.com"));
    /* the EDR host's CNAME target needs the bypass too (an SNI/DNS-based device sees it) */
    assert_true(has_line(s, "edr-cus.lab-edge.trafficmanager.net"));
    assert_false(has_line(s, "*.blob.core.windows.net"));
    assert_false(has_line(s, "crl.microsoft.com"));
    free(s);

    s = render(&rs, TP_RULES_CRL, NULL, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(s, "crl.microsoft.com\npkiops.example.net\n");
    free(s);
    tp_ruleset_free(&rs);
}

static void test_report_errors(void **state)
{
    (void)state;
    tp_ruleset rs;
    build(&rs);
    const tp_endpoint *eps[1] = {&g_eps[0]};
    size_t matched;
    char err[256];
    assert_int_equal(tp_rules_observe_report(&rs, "{", 1, "a.json", eps, 1, &matched, err, sizeof err), -1);
    assert_non_null(strstr(err, "a.json: not JSON"));
    const char *other = "{\"tool\":{\"name\":\"other\"},\"results\":[]}";
    assert_int_equal(tp_rules_observe_report(&rs, other, strlen(other), "b.json", eps, 1, &matched, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "not a tlspath report"));
    /* wrong types inside are skipped, not trusted */
    const char *odd = "{\"tool\":{\"name\":\"tlspath\"},\"results\":[{\"endpoint\":{\"id\":\"maps-us\"},"
                      "\"dns\":{\"addresses\":[1,null],\"cnames\":\"x\"},\"revocation\":{\"crls\":[7]}}]}";
    assert_int_equal(tp_rules_observe_report(&rs, odd, strlen(odd), "c.json", eps, 1, &matched, err, sizeof err), 0);
    assert_int_equal(matched, 1);
    assert_int_equal(rs.n_addrs, 0);
    tp_ruleset_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_cover),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_fqdn),
        cmocka_unit_test(test_squid),
        cmocka_unit_test(test_pac),
        cmocka_unit_test(test_nft),
        cmocka_unit_test(test_paloalto_bypass_crl),
        cmocka_unit_test(test_report_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
