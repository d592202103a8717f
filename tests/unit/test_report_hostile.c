/* test_report_hostile.c — every sink on runs whose every string is random hostile bytes
 * (markup, quotes, backslashes, control characters, broken UTF-8 lead bytes, "]]>"):
 * no crash or sanitizer report, and each output stays well-formed for its consumer —
 * JSON parses and is valid UTF-8, JUnit passes xmllint, Prometheus passes promtool,
 * the table carries no control character, the HTML data block has no '<'. Seeded, so
 * a failure reproduces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "fixture_run.h"
#include "report/report.h"
#include "report/report_util.h"

#define ROUNDS 40
#define TOOL_ROUNDS 6   /* rounds that also run xmllint and promtool (process spawns) */

static uint32_t rng_state;

static uint32_t rnd(void)
{
    /* xorshift32: deterministic, good enough to pick bytes */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static const char SPICY[] = "<>&\"'\\\n\r\t\x1b\x07\x7f]-!/:=@{}\xff\xfe\xc3\xe2\x80\xbf\xed\xf4\x90\xc0";

/* A random NUL-free string, 0..63 bytes, mostly from the characters formats trip on. */
static char *rand_str(void)
{
    size_t n = rnd() % 64;
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd();
        if (r % 3 == 0)
            s[i] = SPICY[(r >> 8) % (sizeof SPICY - 1)];
        else
            s[i] = (char)(1 + (r >> 8) % 255);
    }
    s[n] = '\0';
    return s;
}

static void replace(char **field)
{
    free(*field);
    *field = rand_str();
}

static void scramble_list(tp_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        replace(&l->v[i]);
    char *extra = rand_str();
    assert_int_equal(tp_strlist_add(l, extra), 0);
    free(extra);
}

static void scramble_result(tp_result *r)
{
    /* a code is a row of the outcome table (any row, or none): not free text */
    r->error_code = (tp_outcome)(rnd() % TP_OC_COUNT);
    replace(&r->error_message);
    replace(&r->windows_error);
    replace(&r->remediation);
    replace(&r->resolver);
    replace(&r->interception_issuer);
    replace(&r->revocation_reason);
    scramble_list(&r->addresses);
    scramble_list(&r->cnames);
    scramble_list(&r->proxy_auth_schemes);
    if (r->tls_done) {
        replace(&r->tls_version);
        replace(&r->tls_cipher);
    }
    for (size_t i = 0; i < r->chain_len; i++) {
        replace(&r->chain[i].subject);
        replace(&r->chain[i].issuer);
        replace(&r->chain[i].serial);
        scramble_list(&r->chain[i].crl_urls);
    }
    for (size_t i = 0; i < r->n_crls; i++) {
        replace(&r->crls[i].url);
        replace(&r->crls[i].error);
    }
}

static void scramble(fx_run *f)
{
    for (size_t i = 0; i < f->cat.n; i++) {
        tp_endpoint *e = &f->cat.endpoints[i];
        replace(&e->id);
        replace(&e->service);
        replace(&e->url);
        replace(&e->host);
        replace(&e->geography);
        replace(&e->pinset);
    }
    for (size_t i = 0; i < f->cfg.n_paths; i++) {
        replace(&f->cfg.paths[i].id);
        replace(&f->cfg.paths[i].proxy_host);
    }
    for (size_t i = 0; i < f->run.n_results; i++)
        scramble_result(&f->run.results[i]);
}

static void assert_valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t used = tp_utf8_decode(p + i, n - i, &cp);
        if (cp == 0xFFFD)
            assert_int_equal(used, 3);   /* only a real, encoded U+FFFD */
        i += used;
    }
}

static void check_json(const tp_run *run)
{
    int rc;
    char *text = fx_render(run, tp_report_json, &rc);
    assert_int_equal(rc, 0);
    assert_valid_utf8(text);
    cJSON *doc = cJSON_Parse(text);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "results")), (int)run->n_results);
    cJSON_Delete(doc);
    free(text);
}

/* Runs TOOL on the sink's output file; the tool must exit 0. */
static void check_tool(const tp_run *run, fx_sink sink, const char *suffix, const char *tool)
{
    int rc;
    char *text = fx_render(run, sink, &rc);
    assert_int_equal(rc, 0);
    assert_valid_utf8(text);
    char *file = fx_tmpfile(text, suffix);
    char *cmd = tp_asprintf("%s '%s' 2>&1", tool, file);
    int st;
    char *out = fx_capture(cmd, &st);
    if (st != 0)
        fail_msg("%s failed (seed round): %s", cmd, out);
    free(out);
    free(cmd);
    unlink(file);
    free(file);
    free(text);
}

static int table_sink(const tp_run *run, FILE *out)
{
    tp_table_opts o = {false, 60, true};
    return tp_report_table(run, out, &o);
}

static void check_table(const tp_run *run)
{
    int rc;
    char *text = fx_render(run, table_sink, &rc);
    assert_int_equal(rc, 0);
    assert_valid_utf8(text);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        assert_true(*p >= 0x20 || *p == '\n');
    assert_null(strstr(text, "\xC2\x9B"));   /* C1 CSI */
    free(text);
}

static void check_html(const tp_run *run)
{
    int rc;
    char *text = fx_render(run, tp_report_html, &rc);
    assert_int_equal(rc, 0);
    const char *open = strstr(text, "id=\"tlspath-data\">");
    assert_non_null(open);
    const char *start = strchr(open, '>') + 1, *end = strstr(start, "</script>");
    assert_non_null(end);
    for (const char *p = start; p < end; p++)
        assert_true(*p != '<' && *p != '>');
    assert_int_equal(fx_count(text, "<script"), 2);
    free(text);
}

/* A hostile proxy echoes the client's Proxy-Authorization header back ("502 Bad Basic
 * <token>"): the Basic token is the credentials in base64, so no sink may print it —
 * whole, without its padding, or with characters some sink drops interleaved — in any
 * text that comes from the network. */
static const char *const TOKEN_FORMS[] = {
    "502 Bad Basic " FX_BASIC_TOKEN,
    "Proxy-Authorization: Basic " FX_BASIC_TOKEN "\r\n",
    "echo c3ZjLXBy\x01" "b3h5LXVzZXI6\x1b" "czNjcjN0LVBBU1NXT1JE end",   /* C0 controls inside */
    "c3ZjLXBy\x7f" "b3h5LXVzZXI6\xc2\x9b" "czNjcjN0LVBBU1NXT1JE",       /* DEL, C1 inside */
};

static void put_token(char **field, const char *form)
{
    free(*field);
    *field = tp_strdup(form);
    assert_non_null(*field);
}

static void inject_token(fx_run *f, const char *form)
{
    assert_int_equal(tp_strlist_add(&f->run.warnings, form), 0);
    for (size_t i = 0; i < f->run.n_results; i++) {
        tp_result *r = &f->run.results[i];
        r->error_code = TP_OC_PROXY_STATUS;
        put_token(&r->error_message, form);
        put_token(&r->remediation, form);
        put_token(&r->windows_error, form);
        put_token(&r->revocation_reason, form);
        put_token(&r->interception_issuer, form);
        put_token(&r->resolver, form);
        put_token(&r->connected_address, form);
        assert_int_equal(tp_strlist_add(&r->cnames, form), 0);
        assert_int_equal(tp_strlist_add(&r->proxy_auth_schemes, form), 0);
        for (size_t k = 0; k < r->chain_len; k++) {
            put_token(&r->chain[k].subject, form);
            put_token(&r->chain[k].issuer, form);
        }
        for (size_t k = 0; k < r->n_crls; k++)
            put_token(&r->crls[k].error, form);
    }
}

static void test_basic_token_redacted(void **state)
{
    (void)state;
    static const fx_sink sinks[] = {tp_report_json, tp_report_junit, tp_report_prom, tp_report_html,
                                    table_sink};
    for (size_t t = 0; t < sizeof TOKEN_FORMS / sizeof TOKEN_FORMS[0]; t++) {
        fx_run f;
        fx_build(&f);
        inject_token(&f, TOKEN_FORMS[t]);
        for (size_t k = 0; k < sizeof sinks / sizeof sinks[0]; k++) {
            int rc;
            char *text = fx_render(&f.run, sinks[k], &rc);
            assert_int_equal(rc, 0);
            if (fx_leaks_secret(text))
                fail_msg("sink %zu printed the Basic token (form %zu)", k, t);
            assert_non_null(strstr(text, TP_REDACTED));
            free(text);
        }
        fx_free(&f);
    }
}

static void test_random_strings(void **state)
{
    (void)state;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        rng_state = 0x9E3779B9u ^ (round * 2654435761u);
        if (rng_state == 0)
            rng_state = 1;
        fx_run f;
        fx_build(&f);
        scramble(&f);
        check_json(&f.run);
        check_table(&f.run);
        check_html(&f.run);
        if (round < TOOL_ROUNDS) {
            check_tool(&f.run, tp_report_junit, ".xml", "xmllint --noout");
            check_tool(&f.run, tp_report_prom, ".prom", "promtool check metrics <");
        } else {
            int rc;
            free(fx_render(&f.run, tp_report_junit, &rc));
            assert_int_equal(rc, 0);
            free(fx_render(&f.run, tp_report_prom, &rc));
            assert_int_equal(rc, 0);
        }
        fx_free(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_strings),
        cmocka_unit_test(test_basic_token_redacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
