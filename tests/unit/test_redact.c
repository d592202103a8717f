/* test_redact.c — the fragment guard (report/redact.h) and its use by tp_rpt_clean and
 * tp_rpt_say: no run of 4 characters of a password, of the part of "user:password" or
 * of the Basic token that carries the password survives — at every truncation offset,
 * with control bytes interleaved, URL-, base64- and hex-encoded — while the user name
 * alone and ordinary words stay (issue 15). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/redact.h"
#include "report/report_util.h"

#define USER "svc-proxy-user"
#define PASS "Zq7Hw9kX/Jp+x@3V"
#define PAIR USER ":" PASS
/* base64("svc-proxy-user:Zq7Hw9kX/Jp+x@3V") */
#define TOKEN "c3ZjLXByb3h5LXVzZXI6WnE3SHc5a1gvSnAreEAzVg=="

static tp_path path(void)
{
    tp_path p;
    memset(&p, 0, sizeof p);
    p.id = (char *)"corp";
    p.username = (char *)USER;
    p.password = (char *)PASS;
    return p;
}

/* s without C0/C1 controls and DEL (what a sanitising sink would print). */
static char *visible(const char *s)
{
    char *o = malloc(strlen(s) + 1);
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x20 && *p != 0x7f)
            o[k++] = (char)*p;
    o[k] = '\0';
    return o;
}

/* Fails if text holds a 4-run of secret[from..] (a run reaching index >= from). */
static void assert_no_run(const char *text, const char *secret, size_t from, size_t run)
{
    char *v = visible(text);
    size_t m = strlen(secret);
    for (size_t i = 0; i + run <= m; i++) {
        if (i + run <= from)
            continue;
        char w[64];
        memcpy(w, secret + i, run);
        w[run] = '\0';
        if (strstr(v, w)) {
            print_error("run \"%s\" of \"%s\" survives in \"%s\"\n", w, secret, v);
            fail();
        }
    }
    free(v);
}

static void assert_clean(const char *text)
{
    assert_no_run(text, PASS, 0, 4);
    assert_no_run(text, PAIR, strlen(USER) + 1, 4);
    /* base64 character 20 is the first that encodes a byte of the password */
    assert_no_run(text, TOKEN, 20, 4);
}

static char *guard(const char *s)
{
    tp_path p = path();
    char *c = strdup(s);
    assert_int_equal(tp_redact_fragments(&p, 1, &c), 0);
    return c;
}

static void test_every_truncation_offset(void **state)
{
    (void)state;
    const char *secrets[] = {PASS, PAIR, TOKEN, "Proxy-Authorization: Basic " TOKEN};
    for (size_t s = 0; s < sizeof secrets / sizeof secrets[0]; s++) {
        size_t n = strlen(secrets[s]);
        for (size_t k = 0; k <= n; k++) {
            char buf[256];
            /* the head cut at k (what a 64- or 128-byte bound leaves), then the tail */
            snprintf(buf, sizeof buf, "proxy said: RRRR%.*s", (int)k, secrets[s]);
            char *c = guard(buf);
            assert_clean(c);
            assert_non_null(strstr(c, "proxy said: RRRR"));
            free(c);
            snprintf(buf, sizeof buf, "%s (cut)", secrets[s] + k);
            c = guard(buf);
            assert_clean(c);
            free(c);
        }
    }
}

static void test_interleaved_controls(void **state)
{
    (void)state;
    const char *seps[] = {"\x01", "\x1b", "\x7f", "\xc2\x85", "\r\n"};
    for (size_t s = 0; s < sizeof seps / sizeof seps[0]; s++) {
        char buf[512] = "echo:";
        for (const char *p = PASS; *p; p++) {
            size_t l = strlen(buf);
            buf[l] = *p;
            buf[l + 1] = '\0';
            strcat(buf, seps[s]);
        }
        char *c = guard(buf);
        assert_clean(c);
        assert_non_null(strstr(c, TP_REDACTED));
        free(c);
    }
}

static void test_encoded_forms(void **state)
{
    (void)state;
    const char *forms[] = {
        "Zq7Hw9kX%2FJp%2Bx%403V",                           /* URL-encoded password */
        "WnE3SHc5a1gvSnAreEAzVg==",                         /* base64 of the password */
        "5a71374877396b582f4a702b78403356",                 /* hex */
        "5A71374877396B582F4A702B78403356",                 /* HEX */
        "svc-proxy-user%3AZq7Hw9kX%2FJp%2Bx%403V",          /* URL-encoded pair */
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        size_t n = strlen(forms[i]);
        for (size_t k = 0; k + 8 <= n; k += 3) {
            char *c = guard(forms[i] + k);
            if (strstr(c, forms[i] + k + (n - k) / 2)) {
                print_error("encoded form %s cut at %zu survives: %s\n", forms[i], k, c);
                fail();
            }
            free(c);
        }
    }
}

static void test_user_and_words_kept(void **state)
{
    (void)state;
    /* the user name alone is no secret: "proxy" in it must not redact a phase name */
    const char *kept[] = {"proxy", "svc-proxy-user", "phase proxy, http 407", "c3ZjLXByb3h5", "[redacted]"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        char *c = guard(kept[i]);
        assert_string_equal(c, kept[i]);
        free(c);
    }
    tp_path p = path();
    assert_false(tp_redact_would_change(&p, 1, "svc-proxy-user"));
    assert_true(tp_redact_would_change(&p, 1, "w9kX"));
    /* without a password there is nothing to guard */
    p.password = NULL;
    assert_false(tp_redact_would_change(&p, 1, "w9kX"));
}

static void test_short_password_whole(void **state)
{
    (void)state;
    tp_path p = path();
    p.password = (char *)"Qz9";
    char *c = strdup("a Qz9 b Qz c");
    assert_int_equal(tp_redact_fragments(&p, 1, &c), 0);
    assert_string_equal(c, "a " TP_REDACTED " b Qz c");
    free(c);
}

/* The sinks' entry points: tp_rpt_clean and tp_rpt_say. */
static void test_sink_entry_points(void **state)
{
    (void)state;
    tp_path p = path();
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.paths = &p;
    cfg.n_paths = 1;
    tp_run run = {.cfg = &cfg};
    const char *hostile = "407 RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR"
                          "RRRRRRRRRRRRRRRRRRRRRRRRRRRZq7Hw9kX/J and c3ZjLXByb3h5LXVzZXI6WnE3SHc5a1 and Z\x01q\x01" "7\x01H";
    char *c = tp_rpt_clean(&run, hostile);
    assert_non_null(c);
    assert_clean(c);
    free(c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_rpt_say(f, &cfg, "warning: ", hostile);
    fclose(f);
    assert_non_null(strstr(buf, "tlspath: warning: 407 RRRR"));
    assert_clean(buf);
    free(buf);
}

/* A password too long for the guard's cache takes the per-call path: same result. */
static void test_long_password(void **state)
{
    (void)state;
    char pw[301];
    for (int i = 0; i < 300; i++)
        pw[i] = (char)('A' + (i * 7) % 26 + (i % 3 == 0 ? 32 : 0));
    pw[300] = '\0';
    tp_path p = path();
    p.password = pw;
    char text[64];
    snprintf(text, sizeof text, "cut: %.6s|", pw + 150);
    char *c = strdup(text);
    assert_int_equal(tp_redact_fragments(&p, 1, &c), 0);
    assert_string_equal(c, "cut: " TP_REDACTED "|");
    free(c);
}

/* serve's history pages and metrics have no run: the process-wide list guards them. */
/* The one-pass shortcut (tp_redact_may_hold) never says "clean" where the guard or the
 * whole-secret redaction would act: over thousands of strings built from pieces of every
 * guarded form (password, pair, token, URL and hex forms), ordinary report text, control
 * bytes and random bytes. And it does say "clean" for ordinary report text. */
static void test_shortcut_never_misses(void **state)
{
    (void)state;
    tp_path p = path();
    static const char *const pieces[] = {
        PASS, PAIR, TOKEN, "Zq7Hw9kX%2FJp%2Bx%403V", "5a71374877396b58", "5A71374877396B58",
        "C=US, O=Microsoft Corporation, CN=Microsoft Azure TLS Issuing CA 01",
        "proxy_auth_required: proxy 10.0.0.5:8080 answered 407", "\x01", "\x7f", "\xc2\x85", "[redacted]",
        "unitedstates.cp.wd.microsoft.com", "sha256/fi88s+bGi1KDIfWzJ+6/T7WbCsDo3xCO1zbbh+VxqXg="};
    uint32_t rnd = 12345;
    size_t flagged = 0, clean = 0;
    for (int round = 0; round < 4000; round++) {
        char buf[256];
        size_t n = 0;
        int parts = 1 + (int)((rnd = rnd * 1103515245u + 12345u) >> 16) % 4;
        for (int k = 0; k < parts && n < sizeof buf - 1; k++) {
            rnd = rnd * 1103515245u + 12345u;
            const char *pc = pieces[(rnd >> 16) % (sizeof pieces / sizeof pieces[0])];
            size_t len = strlen(pc);
            rnd = rnd * 1103515245u + 12345u;
            size_t from = (rnd >> 16) % len;
            rnd = rnd * 1103515245u + 12345u;
            size_t take = 1 + (rnd >> 16) % (len - from);
            if (((rnd >> 8) & 7) == 0) {   /* now and then a random byte instead */
                buf[n++] = (char)(1 + (rnd >> 20) % 255);
                continue;
            }
            for (size_t i = 0; i < take && n < sizeof buf - 1; i++)
                buf[n++] = pc[from + i];
        }
        buf[n] = '\0';
        bool would = tp_redact_would_change(&p, 1, buf);
        bool may = tp_redact_may_hold(&p, 1, buf);
        if (would && !may)
            fail_msg("shortcut missed a secret run in \"%s\"", buf);
        flagged += would;
        clean += !may;
    }
    assert_true(flagged > 500);   /* the pieces did carry secrets */
    assert_true(clean > 500);     /* and the shortcut did its job */
    assert_false(tp_redact_may_hold(&p, 1, "C=US, O=Microsoft Corporation, CN=Microsoft RSA Root Certificate Authority 2017"));
    assert_false(tp_redact_may_hold(&p, 1, "http://crl.microsoft.com/pki/crl/products/MicRooCerAut2011_2011_03_22.crl"));
    assert_true(tp_redact_may_hold(&p, 1, "echo: Zq7H"));
    assert_true(tp_redact_may_hold(&p, 1, "c3ZjLXBy"));   /* the token's head: the user part... */
    assert_true(tp_redact_may_hold(&p, 1, "a\x01b"));     /* a control byte: no shortcut */
    /* a password shorter than a run: always the slow, whole-secret path */
    p.password = (char *)"Zq7";
    assert_true(tp_redact_may_hold(&p, 1, "nothing here"));
}

static void test_guard_without_run(void **state)
{
    (void)state;
    tp_path p = path();
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.paths = &p;
    cfg.n_paths = 1;
    const char *hostile = "history: 407 Zq7Hw9kX/J (cut)";
    char *c = tp_rpt_clean(NULL, hostile);
    assert_string_equal(c, hostile); /* nothing registered yet */
    free(c);
    assert_int_equal(tp_rpt_guard_add(&cfg), 0);
    assert_int_equal(tp_rpt_guard_add(&cfg), 0); /* a reload with the same secret */
    size_t n;
    tp_rpt_guard_paths(&n);
    assert_int_equal(n, 1);
    c = tp_rpt_clean(NULL, hostile);
    assert_clean(c);
    assert_non_null(strstr(c, "history: 407 " TP_REDACTED));
    free(c);
    tp_rpt_guard_clear();
    tp_rpt_guard_paths(&n);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_truncation_offset), cmocka_unit_test(test_interleaved_controls),
        cmocka_unit_test(test_encoded_forms),           cmocka_unit_test(test_user_and_words_kept),
        cmocka_unit_test(test_short_password_whole),    cmocka_unit_test(test_sink_entry_points),
        cmocka_unit_test(test_guard_without_run),       cmocka_unit_test(test_long_password),
        cmocka_unit_test(test_shortcut_never_misses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
