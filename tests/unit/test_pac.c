/* test_pac.c — PAC evaluation (plan/pac.h): the standard functions against known answers,
 * resolution in phases through the caller, answers parsed as WinHTTP reads them, and
 * hostile scripts (endless loop, memory hog, syntax error, throw, wrong return) ending in
 * their classified outcome within their budgets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/pac.h"

/* A fixed resolver: known names, one unknown until "resolved" by the test. */
typedef struct fake_dns {
    bool late_known; /* "late.example" resolves once this is set */
    int calls;
} fake_dns;

static int fake_resolve(void *ud, const char *host, char *addrs, size_t n)
{
    fake_dns *f = ud;
    f->calls++;
    if (strcmp(host, "proxy.corp") == 0 || strcmp(host, "intranet.corp") == 0)
        return snprintf(addrs, n, "10.1.2.3"), 1;
    if (strcmp(host, "v6only.example") == 0)
        return snprintf(addrs, n, "fd00::5"), 1;
    if (strcmp(host, "dual.example") == 0)
        return snprintf(addrs, n, "fd00::6;192.0.2.6"), 1;
    if (strcmp(host, "late.example") == 0) {
        if (!f->late_known)
            return -1;
        return snprintf(addrs, n, "172.16.0.9"), 1;
    }
    return 0;
}

/* 2026-12-01 10:30:00 UTC, a Tuesday */
#define NOW_MS 1796121000000LL

static tp_pac *compile(const char *src, fake_dns *f, tp_pac_rc *rc, char *err, size_t errlen)
{
    tp_pac_env env = {.resolve = fake_resolve, .ud = f, .my_ip = "192.168.7.7", .now_ms = NOW_MS,
                      .mem_max = 8u << 20, .time_ms = 300};
    return tp_pac_new(src, strlen(src), &env, rc, err, errlen);
}

/* Evaluates expr as the body of FindProxyForURL: "return <expr> ? 'PROXY t:1' : 'DIRECT'". */
static bool truth(const char *expr)
{
    char src[1024], err[256] = "";
    snprintf(src, sizeof src, "function FindProxyForURL(url, host) { return (%s) ? 'yes' : 'no'; }", expr);
    fake_dns f = {0};
    tp_pac_rc rc;
    tp_pac *p = compile(src, &f, &rc, err, sizeof err);
    if (!p)
        fail_msg("%s: %s", expr, err);
    char *ans = NULL;
    tp_strlist pending = {0};
    rc = tp_pac_find(p, "https://x.example/", "x.example", &ans, &pending, err, sizeof err);
    if (rc != TP_PAC_OK)
        fail_msg("%s: %s %s", expr, tp_pac_rc_name(rc), err);
    bool yes = strcmp(ans, "yes") == 0;
    free(ans);
    tp_strlist_free(&pending);
    tp_pac_free(p);
    return yes;
}

static void test_functions(void **state)
{
    (void)state;
    assert_true(truth("isPlainHostName('www')"));
    assert_false(truth("isPlainHostName('www.example')"));
    assert_true(truth("dnsDomainIs('www.netscape.com', '.netscape.com')"));
    assert_false(truth("dnsDomainIs('www', '.netscape.com')"));
    assert_true(truth("localHostOrDomainIs('www', 'www.netscape.com')"));
    assert_true(truth("localHostOrDomainIs('www.netscape.com', 'www.netscape.com')"));
    assert_false(truth("localHostOrDomainIs('www.mcom.com', 'www.netscape.com')"));
    assert_false(truth("localHostOrDomainIs('home', 'www.netscape.com')"));
    assert_true(truth("dnsDomainLevels('www.netscape.com') == 2"));
    assert_true(truth("shExpMatch('http://x.wd.microsoft.com/a', '*.microsoft.com/*')"));
    assert_false(truth("shExpMatch('http://x.example/a', '*.microsoft.com/*')"));
    assert_true(truth("isResolvable('proxy.corp')"));
    assert_false(truth("isResolvable('nx.example')"));
    assert_true(truth("dnsResolve('proxy.corp') == '10.1.2.3'"));
    assert_true(truth("dnsResolve('nx.example') === null"));
    assert_true(truth("dnsResolve('v6only.example') === null")); /* dnsResolve: IPv4 only */
    assert_true(truth("dnsResolve('dual.example') == '192.0.2.6'"));
    assert_true(truth("dnsResolveEx('dual.example') == 'fd00::6;192.0.2.6'"));
    assert_true(truth("isInNet('intranet.corp', '10.0.0.0', '255.0.0.0')"));
    assert_false(truth("isInNet('intranet.corp', '10.0.0.0', '255.255.0.0')"));
    assert_true(truth("isInNet('10.9.9.9', '10.0.0.0', '255.0.0.0')"));
    assert_false(truth("isInNet('nx.example', '0.0.0.0', '0.0.0.0')"));
    assert_true(truth("isInNetEx('fd00::5', 'fc00::/7')"));
    assert_true(truth("myIpAddress() == '192.168.7.7'"));
    assert_true(truth("convert_addr('1.2.3.4') == 16909060"));
    /* 2026-12-01 10:30 UTC is a Tuesday */
    assert_true(truth("weekdayRange('TUE', 'GMT')"));
    assert_true(truth("weekdayRange('MON', 'FRI', 'GMT')"));
    assert_true(truth("weekdayRange('SAT', 'TUE', 'GMT')")); /* wraps */
    assert_false(truth("weekdayRange('WED', 'SAT', 'GMT')"));
    assert_true(truth("dateRange(1, 'GMT')"));
    assert_false(truth("dateRange(2, 'GMT')"));
    assert_true(truth("dateRange('DEC', 'GMT')"));
    assert_true(truth("dateRange('NOV', 'JAN', 'GMT')"));
    assert_false(truth("dateRange('JAN', 'NOV', 'GMT')"));
    assert_true(truth("dateRange(2026, 'GMT')"));
    assert_true(truth("dateRange(1, 'DEC', 2026, 31, 'DEC', 2026, 'GMT')"));
    assert_false(truth("dateRange(2, 'DEC', 2026, 31, 'DEC', 2026, 'GMT')"));
    assert_true(truth("dateRange(15, 'NOV', 15, 'DEC', 'GMT')"));
    assert_false(truth("dateRange(1, 2, 3)"));
    assert_true(truth("timeRange(10, 'GMT')"));
    assert_false(truth("timeRange(11, 'GMT')"));
    assert_true(truth("timeRange(9, 11, 'GMT')"));
    assert_true(truth("timeRange(10, 30, 10, 31, 'GMT')"));
    assert_false(truth("timeRange(10, 31, 0, 11, 0, 0, 'GMT')"));
    assert_true(truth("timeRange(22, 11, 'GMT')")); /* wraps over midnight */
}

static void test_phases(void **state)
{
    (void)state;
    const char *src = "function FindProxyForURL(url, host) {\n"
                      "  if (isInNet(dnsResolve(host), '172.16.0.0', '255.240.0.0')) return 'DIRECT';\n"
                      "  return 'PROXY proxy.corp:3128; DIRECT';\n}\n";
    fake_dns f = {0};
    tp_pac_rc rc;
    char err[256] = "", *ans;
    tp_pac *p = compile(src, &f, &rc, err, sizeof err);
    assert_non_null(p);
    tp_strlist pending = {0};
    /* phase 1: the name is not resolved yet: a provisional answer and the name to resolve */
    assert_int_equal(tp_pac_find(p, "https://late.example/", "late.example", &ans, &pending, err,
                                 sizeof err), TP_PAC_PENDING);
    assert_string_equal(ans, "PROXY proxy.corp:3128; DIRECT");
    free(ans);
    assert_int_equal(pending.n, 1);
    assert_string_equal(pending.v[0], "late.example");
    /* phase 2: resolved by the caller, evaluated again */
    f.late_known = true;
    tp_strlist_free(&pending);
    assert_int_equal(tp_pac_find(p, "https://late.example/", "late.example", &ans, &pending, err,
                                 sizeof err), TP_PAC_OK);
    assert_string_equal(ans, "DIRECT");
    assert_int_equal(pending.n, 0);
    free(ans);
    /* FindProxyForURLEx wins when defined */
    tp_pac_free(p);
    p = compile("function FindProxyForURL(u,h){return 'DIRECT';}"
                "function FindProxyForURLEx(u,h){return 'PROXY ex:1';}", &f, &rc, err, sizeof err);
    assert_int_equal(tp_pac_find(p, "https://a/", "a", &ans, &pending, err, sizeof err), TP_PAC_OK);
    assert_string_equal(ans, "PROXY ex:1");
    free(ans);
    tp_pac_free(p);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A hostile body for FindProxyForURL: the call ends in want, within a few budgets. */
static void hostile_call2(const char *body, tp_pac_rc want, tp_pac_rc want2)
{
    char src[1024], err[256] = "", *ans = NULL;
    snprintf(src, sizeof src, "function FindProxyForURL(url, host) { %s }", body);
    fake_dns f = {0};
    tp_pac_rc rc;
    tp_pac *p = compile(src, &f, &rc, err, sizeof err);
    if (!p)
        fail_msg("%s: did not compile: %s", body, err);
    tp_strlist pending = {0};
    int64_t t0 = now_ms();
    rc = tp_pac_find(p, "https://x/", "x", &ans, &pending, err, sizeof err);
    int64_t took = now_ms() - t0;
    if (rc != want && rc != want2)
        fail_msg("%s: got %s (%s), expected %s", body, tp_pac_rc_name(rc), err, tp_pac_rc_name(want));
    assert_null(ans);
    assert_true(err[0] != '\0');
    /* 300 ms budget: a generous bound for a loaded CI machine, far from "hangs" */
    if (getenv("TLSPATH_PAC_DEBUG"))
        fprintf(stderr, "%5lld ms %s %s\n", (long long)took, tp_pac_rc_name(rc), body);
    if (took > 5000)
        fail_msg("%s: took %lld ms", body, (long long)took);
    /* the heap still answers after a budget stopped it (budgets are per call) */
    tp_pac_free(p);
    tp_strlist_free(&pending);
}

static void hostile_call(const char *body, tp_pac_rc want)
{
    hostile_call2(body, want, want);
}

static void test_hostile(void **state)
{
    (void)state;
    hostile_call("while (true) {}", TP_PAC_TIMEOUT);
    hostile_call("for (;;) { try { while (1) {} } catch (e) {} }", TP_PAC_TIMEOUT);
    hostile_call("var a = []; for (;;) a.push('x'.repeat(1 << 20) + a.length);", TP_PAC_MEMORY);
    /* slow native work (a join over a sparse array) never reaches the executor's check:
     * the allocator stops it once the deadline has passed */
    hostile_call2("var a = []; for (;;) a.push(new Array(100000).join('x') + a.length);",
                  TP_PAC_TIMEOUT, TP_PAC_MEMORY);
    hostile_call("var s = 'x'; for (;;) s = s + s;", TP_PAC_MEMORY);
    hostile_call("throw new Error('no proxy for you');", TP_PAC_ERROR);
    hostile_call("return 42;", TP_PAC_ERROR);
    hostile_call("return null;", TP_PAC_ERROR);
    /* duktape's call-depth limit throws a RangeError; on a loaded machine the budget may
     * run out first: either way a classified end */
    hostile_call2("function f() { return f(); } return f();", TP_PAC_ERROR, TP_PAC_TIMEOUT);
    hostile_call("throw { toString: function () { while (1) {} } };", TP_PAC_TIMEOUT);
    hostile_call("return new Array(5000).join('PROXY a:1;');", TP_PAC_ERROR); /* > 4096 bytes */

    /* top-level trouble ends in tp_pac_new */
    static const struct {
        const char *src;
        tp_pac_rc want;
    } top[] = {
        {"function FindProxyForURL(url, host) { return 'DIRECT'; ", TP_PAC_ERROR},
        {"while (1) {}", TP_PAC_TIMEOUT},
        {"var x = []; for (;;) x.push('y'.repeat(1 << 20) + x.length);", TP_PAC_MEMORY},
        {"throw 1;", TP_PAC_ERROR},
    };
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        fake_dns f = {0};
        tp_pac_rc rc = TP_PAC_OK;
        char err[256] = "";
        tp_pac *p = compile(top[i].src, &f, &rc, err, sizeof err);
        assert_null(p);
        if (rc != top[i].want)
            fail_msg("top %zu: got %s (%s)", i, tp_pac_rc_name(rc), err);
    }
    /* no FindProxyForURL at all */
    fake_dns f = {0};
    tp_pac_rc rc;
    char err[256] = "", *ans;
    tp_pac *p = compile("var x = 1;", &f, &rc, err, sizeof err);
    assert_non_null(p);
    tp_strlist pending = {0};
    assert_int_equal(tp_pac_find(p, "https://a/", "a", &ans, &pending, err, sizeof err), TP_PAC_ERROR);
    assert_non_null(strstr(err, "no function FindProxyForURL"));
    tp_pac_free(p);
    /* a NUL byte is not JavaScript */
    tp_pac_env env = {0};
    assert_null(tp_pac_new("a\0b", 3, &env, &rc, err, sizeof err));
}

static void test_answers(void **state)
{
    (void)state;
    tp_pac_hop *h;
    size_t n;
    char err[256];
    assert_int_equal(tp_pac_answer_parse("PROXY a.corp:3128; PROXY [fd00::1]:8080;DIRECT", &h, &n, err,
                                         sizeof err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(h[0].kind, TP_HOP_PROXY);
    assert_string_equal(h[0].host, "a.corp");
    assert_int_equal(h[0].port, 3128);
    assert_string_equal(h[1].host, "fd00::1");
    assert_int_equal(h[2].kind, TP_HOP_DIRECT);
    assert_string_equal(h[0].text, "PROXY a.corp:3128");
    tp_pac_hops_free(h, n);
    /* no port: 80, as WinHTTP; HTTP = PROXY; SOCKS / HTTPS kept as unsupported; case */
    assert_int_equal(tp_pac_answer_parse(" proxy p ; SOCKS5 s:1080 ; HTTPS h:443; http q:81 ;; ", &h, &n,
                                         err, sizeof err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(h[0].port, 80);
    assert_int_equal(h[1].kind, TP_HOP_UNSUPPORTED);
    assert_int_equal(h[2].kind, TP_HOP_UNSUPPORTED);
    assert_int_equal(h[3].kind, TP_HOP_PROXY);
    tp_pac_hops_free(h, n);
    /* empty: DIRECT */
    assert_int_equal(tp_pac_answer_parse("", &h, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].kind, TP_HOP_DIRECT);
    tp_pac_hops_free(h, n);
    /* credentials in an answer are never repeated */
    char *red = tp_pac_answer_redact("PROXY svc:S3cret@p1:3128; DIRECT;PROXY  a@b:1");
    assert_string_equal(red, "PROXY ***@p1:3128; DIRECT;PROXY  ***@b:1");
    free(red);
    err[0] = '\0';
    assert_int_equal(tp_pac_answer_parse("PROXY svc:S3cret@p1:3128", &h, &n, err, sizeof err), -1);
    assert_null(strstr(err, "S3cret"));
    assert_non_null(strstr(err, "***@p1:3128"));
    static const char *const bad[] = {"PROXY", "DIRECT x", "FTP a:1", "PROXY a:0", "PROXY a:99999",
                                      "PROXY a b", "PROXY :80",
                                      "DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;"
                                      "DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;DIRECT;DIRECT"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (tp_pac_answer_parse(bad[i], &h, &n, err, sizeof err) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(strstr(err, "expected"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_phases),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
