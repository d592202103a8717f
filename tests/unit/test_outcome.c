/* test_outcome.c — the outcome table (core/outcome.def) against itself and against the
 * docs: docs/engine.md "## Error codes" and docs/verdicts.md "## Outcome codes" together
 * list every code exactly once, with the table's phase and word-for-word its doc line; the
 * Windows-error, remediation and final-status tables of docs/verdicts.md name only codes
 * (or `prefix_*` groups) the table has. Also the template expander and the Windows rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/model.h"
#include "core/outcome.h"

/* ---------- the table itself ---------- */

static void test_names_round_trip(void **state)
{
    (void)state;
    assert_null(tp_outcome_name(TP_OC_NONE));
    assert_int_equal(tp_outcome_from_name(NULL), TP_OC_NONE);
    assert_int_equal(tp_outcome_from_name("no_such_code"), TP_OC_NONE);
    assert_int_equal(tp_outcome_from_name("DNS_NXDOMAIN"), TP_OC_NONE);   /* exact */
    assert_string_equal(tp_outcome_name(TP_OC_DNS_NXDOMAIN), "dns_nxdomain");
    assert_int_equal(tp_outcome_from_name("proxy_fallback"), TP_OC_PROXY_FALLBACK);
    assert_null(tp_outcome_name((tp_outcome)TP_OC_COUNT));   /* out of range: the none row */
    for (int i = 1; i < TP_OC_COUNT; i++) {
        const tp_outcome_info *in = tp_outcome_info_of((tp_outcome)i);
        assert_non_null(in->name);
        assert_int_equal(tp_outcome_from_name(in->name), i);   /* so names are unique */
        for (const char *c = in->name; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
        assert_non_null(in->doc);
        assert_true(strlen(in->doc) > 5);
        assert_null(strchr(in->doc, '|'));   /* it is a markdown table cell */
        assert_true(in->phase == TP_OC_PHASE_VARIES || (in->phase >= TP_PH_DNS && in->phase <= TP_PH_DONE));
        assert_true(in->category != TP_OCAT_NONE);
        if (in->windows_error)
            assert_int_equal(strlen(in->windows_error), 10);
    }
}

/* Every template names only the documented placeholders and conditions. */
static int g_unknown;
static const char *vocab_lookup(void *ud, const char *n, size_t len, char *buf, size_t buflen)
{
    (void)ud;
    for (size_t i = 0; tp_outcome_placeholders[i]; i++)
        if (strlen(tp_outcome_placeholders[i]) == len && memcmp(tp_outcome_placeholders[i], n, len) == 0) {
            snprintf(buf, buflen, "<%.*s>", (int)len, n);
            return buf;
        }
    g_unknown++;
    return NULL;
}
static bool vocab_cond(void *ud, const char *n, size_t len)
{
    bool *yes = ud;
    for (size_t i = 0; tp_outcome_conditions[i]; i++)
        if (strlen(tp_outcome_conditions[i]) == len && memcmp(tp_outcome_conditions[i], n, len) == 0)
            return *yes;
    g_unknown++;
    return false;
}

static void test_remediation_or_explicit_none(void **state)
{
    (void)state;
    for (int i = 1; i < TP_OC_COUNT; i++) {
        const tp_outcome_info *in = tp_outcome_info_of((tp_outcome)i);
        /* a verdict always says what to do; a crls[] reason never reaches a result */
        if (in->source == TP_OSRC_VERDICT && !in->remediation)
            fail_msg("%s: a verdict code without a remediation template", in->name);
        if (in->source == TP_OSRC_CRLREF && in->remediation)
            fail_msg("%s: a crls[] reason with a remediation template", in->name);
        if (!in->remediation)
            continue;   /* explicit none (OC_NO_FIX) */
        for (int branch = 0; branch < 2; branch++) {
            bool yes = branch == 0;
            g_unknown = 0;
            char *s = tp_outcome_expand(in->remediation, vocab_lookup, vocab_cond, &yes);
            if (!s)
                fail_msg("%s: malformed template", in->name);
            if (g_unknown)
                fail_msg("%s: template names something outside the vocabulary", in->name);
            assert_null(strchr(s, '{'));
            assert_null(strchr(s, '}'));
            free(s);
        }
    }
}

static const char *echo_lookup(void *ud, const char *n, size_t len, char *buf, size_t buflen)
{
    (void)ud;
    if (len == 4 && memcmp(n, "host", 4) == 0)
        return "h.example";
    if (len == 4 && memcmp(n, "port", 4) == 0) {
        snprintf(buf, buflen, "%d", 443);
        return buf;
    }
    return NULL;
}
static bool flag_cond(void *ud, const char *n, size_t len)
{
    return len == 2 && memcmp(n, "on", 2) == 0 && *(bool *)ud;
}

static void test_expand(void **state)
{
    (void)state;
    bool on = true, off = false;
    char *s = tp_outcome_expand("open {host}:{port} {?on|via {host}|direct}.", echo_lookup, flag_cond, &on);
    assert_string_equal(s, "open h.example:443 via h.example.");
    free(s);
    s = tp_outcome_expand("open {host}:{port} {?on|via {host}|direct}.", echo_lookup, flag_cond, &off);
    assert_string_equal(s, "open h.example:443 direct.");
    free(s);
    s = tp_outcome_expand("{?on||empty then}{missing}", echo_lookup, flag_cond, &on);
    assert_string_equal(s, "?");
    free(s);
    s = tp_outcome_expand("no placeholders", NULL, NULL, NULL);
    assert_string_equal(s, "no placeholders");
    free(s);
    assert_null(tp_outcome_expand(NULL, echo_lookup, flag_cond, &on));
    assert_null(tp_outcome_expand("unclosed {host", echo_lookup, flag_cond, &on));
    assert_null(tp_outcome_expand("{?on|one branch}", echo_lookup, flag_cond, &on));
    assert_null(tp_outcome_expand("{}", echo_lookup, flag_cond, &on));
    assert_null(tp_outcome_expand("{a|b}", echo_lookup, flag_cond, &on));
}

static void test_windows_error(void **state)
{
    (void)state;
    char buf[16];
    assert_null(tp_outcome_windows_error(TP_OC_NONE, 0, 0, buf));
    assert_string_equal(tp_outcome_windows_error(TP_OC_PROXY_AUTH_REQUIRED, 0, 0, buf), "0x80190197");
    assert_string_equal(tp_outcome_windows_error(TP_OC_PROXY_DENIED, 403, 0, buf), "0x80190193");
    assert_string_equal(tp_outcome_windows_error(TP_OC_PROXY_DENIED, 0, 0, buf), "0x80072EFD");
    assert_string_equal(tp_outcome_windows_error(TP_OC_PROXY_CLOSED, 0, 502, buf), "0x80072EFE");
    assert_string_equal(tp_outcome_windows_error(TP_OC_PROXY_MALFORMED, 200, 0, buf), "0x80072F78");
    assert_null(tp_outcome_windows_error(TP_OC_PROXY_FALLBACK, 502, 0, buf));   /* it worked */
    assert_null(tp_outcome_windows_error(TP_OC_HTTP_STATUS, 407, 0, buf));
    assert_string_equal(tp_outcome_windows_error(TP_OC_HTTP_STATUS, 0, 503, buf), "0x801901F7");
    assert_null(tp_outcome_windows_error(TP_OC_HTTP_STATUS, 0, 200, buf));
    assert_string_equal(tp_outcome_windows_error(TP_OC_CONNECT_TIMEOUT, 0, 0, buf), "0x80072EFE");
    assert_string_equal(tp_outcome_windows_error(TP_OC_CONNECT_ERROR, 0, 0, buf), "0x80072EFD");
    assert_string_equal(tp_outcome_windows_error(TP_OC_TLS_NOT_TLS, 0, 0, buf), "0x80072F7D");
    assert_string_equal(tp_outcome_windows_error(TP_OC_REVOKED, 0, 0, buf), "0x80072F8A");
    assert_null(tp_outcome_windows_error(TP_OC_CANCELLED, 0, 0, buf));
    assert_null(tp_outcome_windows_error(TP_OC_CRL_EXPIRED, 0, 0, buf));
}

/* ---------- the docs ---------- */

static char *slurp(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TLSPATH_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        fail_msg("%s is empty", path);
    buf[len] = '\0';
    return buf;
}

/* The text of section `heading` ("## Error codes"): from after its line to the next "## ". */
static char *section(const char *doc, const char *heading)
{
    size_t hl = strlen(heading);
    const char *p = doc;
    while (p && strncmp(p, heading, hl) != 0)
        p = (p = strchr(p, '\n')) ? p + 1 : NULL;
    if (!p)
        fail_msg("no section \"%s\"", heading);
    p = strchr(p, '\n');
    const char *end = p;
    while (end && strncmp(end, "\n## ", 4) != 0)
        end = strchr(end + 1, '\n');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char *s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Is `t` (length n) shaped like a code or a `prefix_*` group? */
static bool code_shaped(const char *t, size_t n)
{
    if (n == 0 || t[0] < 'a' || t[0] > 'z')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || t[i] == '_' || (t[i] == '*' && i == n - 1 && t[i - 1] == '_')))
            return false;
    return true;
}

static bool known(const char *t, size_t n)
{
    if (t[n - 1] == '*') {   /* a group: at least one code starts with it */
        for (int i = 1; i < TP_OC_COUNT; i++)
            if (strncmp(tp_outcome_name((tp_outcome)i), t, n - 1) == 0)
                return true;
        return false;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)n, t);
    return tp_outcome_from_name(name) != TP_OC_NONE;
}

/* The code-list table of a section: "| `code` | phase | meaning |" rows. Marks seen[code]
 * and checks phase and meaning against the table. Returns the number of rows. */
static int check_code_list(const char *doc_name, const char *sec, int seen[TP_OC_COUNT])
{
    int rows = 0;
    for (const char *l = sec; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, "| `", 3) != 0)
            continue;
        size_t ll = strcspn(l, "\n");
        char line[1024];
        snprintf(line, sizeof line, "%.*s", (int)ll, l);
        char *code = line + 3;
        char *tick = strchr(code, '`');
        assert_non_null(tick);
        *tick = '\0';
        char *phase = strstr(tick + 1, "| ");
        assert_non_null(phase);
        phase += 2;
        char *meaning = strstr(phase, " | ");
        assert_non_null(meaning);
        *meaning = '\0';
        meaning += 3;
        size_t ml = strlen(meaning);
        if (ml >= 2 && strcmp(meaning + ml - 2, " |") == 0)
            meaning[ml - 2] = '\0';
        tp_outcome oc = tp_outcome_from_name(code);
        if (oc == TP_OC_NONE)
            fail_msg("%s lists `%s`, which core/outcome.def lacks", doc_name, code);
        if (seen[oc]++)
            fail_msg("`%s` is listed twice in the docs (%s)", code, doc_name);
        const tp_outcome_info *in = tp_outcome_info_of(oc);
        if (strcmp(meaning, in->doc) != 0)
            fail_msg("%s, `%s`: the doc says \"%s\", the table \"%s\"", doc_name, code, meaning,
                     in->doc);
        if (in->phase != TP_OC_PHASE_VARIES) {
            const char *pn = tp_phase_name((tp_phase)in->phase);
            if (strncmp(phase, pn, strlen(pn)) != 0)
                fail_msg("%s, `%s`: phase \"%s\", the table says %s", doc_name, code, phase, pn);
        }
        rows++;
    }
    return rows;
}

/* Every backticked code-shaped token in column `col` (0 = first) of the section's table
 * rows is a code or a group. */
static void check_mentions(const char *sec, const char *what, int col)
{
    int mentions = 0;
    for (const char *l = sec; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (l[0] != '|')
            continue;
        size_t ll = strcspn(l, "\n");
        for (int c = 0; c < col && ll > 0; c++) {   /* skip to the column */
            const char *bar = memchr(l + 1, '|', ll - 1);
            if (!bar)
                break;
            ll -= (size_t)(bar - l);
            l = bar;
        }
        const char *bar = memchr(l + 1, '|', ll > 0 ? ll - 1 : 0);
        if (bar)
            ll = (size_t)(bar - l);
        for (const char *t = memchr(l, '`', ll); t && t < l + ll;) {
            const char *e = memchr(t + 1, '`', (size_t)(l + ll - (t + 1)));
            if (!e)
                break;
            size_t n = (size_t)(e - t - 1);
            if (code_shaped(t + 1, n)) {
                if (!known(t + 1, n))
                    fail_msg("docs/verdicts.md %s names `%.*s`, which core/outcome.def lacks", what,
                             (int)n, t + 1);
                mentions++;
            }
            t = memchr(e + 1, '`', (size_t)(l + ll - (e + 1)));
        }
    }
    if (mentions < 5)
        fail_msg("docs/verdicts.md %s: only %d codes found — did the table move?", what, mentions);
}

static void test_docs_agree_with_table(void **state)
{
    (void)state;
    int seen[TP_OC_COUNT] = {0};
    char *engine = slurp("docs/engine.md");
    char *verdicts = slurp("docs/verdicts.md");
    char *s = section(engine, "## Error codes");
    assert_true(check_code_list("docs/engine.md", s, seen) > 20);
    free(s);
    s = section(verdicts, "## Outcome codes");
    assert_true(check_code_list("docs/verdicts.md", s, seen) > 10);
    free(s);
    for (int i = 1; i < TP_OC_COUNT; i++)
        if (!seen[i])
            fail_msg("`%s` is in core/outcome.def but neither docs/engine.md \"## Error codes\" nor "
                     "docs/verdicts.md \"## Outcome codes\" lists it", tp_outcome_name((tp_outcome)i));

    static const struct { const char *heading; int col; } MENTIONS[] = {
        {"## Final status", 3}, {"## Windows error", 0}, {"## Remediation", 0}};
    for (size_t i = 0; i < sizeof MENTIONS / sizeof MENTIONS[0]; i++) {
        s = section(verdicts, MENTIONS[i].heading);
        check_mentions(s, MENTIONS[i].heading, MENTIONS[i].col);
        free(s);
    }
    free(engine);
    free(verdicts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_remediation_or_explicit_none),
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_windows_error),
        cmocka_unit_test(test_docs_agree_with_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
