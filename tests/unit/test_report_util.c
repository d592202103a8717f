/* test_report_util.c — the shared sink helpers on hostile bytes: strict UTF-8 decoding
 * (overlong, surrogate, out of range, truncated), repair, secret redaction, XML / Prometheus
 * / terminal escaping, RFC 3339 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "fixture_run.h"
#include "report/report_util.h"

static uint32_t decode1(const char *s, size_t n, size_t *used)
{
    uint32_t cp;
    *used = tp_utf8_decode((const unsigned char *)s, n, &cp);
    return cp;
}

static void test_utf8_decode(void **state)
{
    (void)state;
    size_t used;
    assert_int_equal(decode1("A", 1, &used), 'A');
    assert_int_equal(used, 1);
    assert_int_equal(decode1("\xC3\xA9", 2, &used), 0xE9);
    assert_int_equal(used, 2);
    assert_int_equal(decode1("\xE2\x82\xAC", 3, &used), 0x20AC);
    assert_int_equal(used, 3);
    assert_int_equal(decode1("\xF0\x9F\x98\x80", 4, &used), 0x1F600);
    assert_int_equal(used, 4);
    /* each invalid form: U+FFFD, one byte consumed */
    const char *bad[] = {"\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                         "\xF5\x80\x80\x80", "\xFF", "\x80", "\xC3\x41", "\xE2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(decode1(bad[i], strlen(bad[i]), &used), 0xFFFD);
        assert_int_equal(used, 1);
    }
    /* truncated by the length limit, not the NUL */
    assert_int_equal(decode1("\xE2\x82\xAC", 2, &used), 0xFFFD);
}

static void test_clean_and_redact(void **state)
{
    (void)state;
    char *s = tp_rpt_clean(NULL, "ok \xff\xfe end \xE2\x82");
    assert_string_equal(s, "ok \xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD");
    free(s);
    assert_null(tp_rpt_clean(NULL, NULL));

    fx_run f;
    fx_build(&f);
    s = tp_rpt_clean(&f.run, "Authorization: " FX_USERNAME ":" FX_PASSWORD " and " FX_PASSWORD FX_PASSWORD);
    assert_string_equal(s, "Authorization: " TP_REDACTED " and " TP_REDACTED TP_REDACTED);
    free(s);
    /* the Basic token tlspath sends: base64("cfgUser:CfgPassw0rd"), padded or not, with
     * characters a sink would drop interleaved, and for a user without a password */
    tp_path *auth = &f.cfg.paths[FX_P_AUTH];
    free(auth->username);
    free(auth->password);
    auth->username = tp_strdup("cfgUser");
    auth->password = tp_strdup("CfgPassw0rd");
    s = tp_rpt_clean(&f.run, "502 Bad Basic Y2ZnVXNlcjpDZmdQYXNzdzByZA== | Y2ZnVXNlcjpDZmdQYXNzdzByZA. "
                             "Y2ZnVX\x01NlcjpD\x1b\x7f\xc2\x85ZmdQYXNzdzByZA== \xff");
    assert_string_equal(s, "502 Bad Basic " TP_REDACTED " | " TP_REDACTED ". " TP_REDACTED " \xEF\xBF\xBD");
    free(s);
    free(auth->password);
    auth->password = NULL;
    s = tp_rpt_clean(&f.run, "Basic Y2ZnVXNlcjo=");   /* base64("cfgUser:") */
    assert_string_equal(s, "Basic " TP_REDACTED);
    free(s);
    s = tp_rpt_clean(&f.run, "nothing secret");
    assert_string_equal(s, "nothing secret");
    free(s);
    fx_free(&f);
}

static char *capture_xml(const char *in, int attr)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_xml_put(f, in, attr);
    fclose(f);
    return buf;
}

static void test_xml_put(void **state)
{
    (void)state;
    char *s = capture_xml("<a href=\"x\">&'</a> ]]> --\x01\x1b\x7f\xff\tT\nN", 0);
    /* DEL (U+007F) is allowed in XML 1.0; C0 controls other than TAB/LF/CR are not */
    assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt; ]]&gt; --\x7f\xEF\xBF\xBD\tT\nN");
    free(s);
    s = capture_xml("a\tb\nc\rd", 1);
    assert_string_equal(s, "a&#9;b&#10;c&#13;d");
    free(s);
    s = capture_xml("\xEF\xBF\xBE\xEF\xBF\xBF", 0);   /* U+FFFE, U+FFFF: not XML characters */
    assert_string_equal(s, "");
    free(s);
}

static void test_prom_label(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tp_prom_label_put(f, "a\"b\\c\nd\x01\xff");
    fclose(f);
    assert_string_equal(buf, "a\\\"b\\\\c\\nd\xEF\xBF\xBD");
    free(buf);
}

static void test_term_clean(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(tp_term_clean(buf, sizeof buf, "red \x1b[31mX\x1b[0m\a\r\n\xC2\x9B" "2J\xff"), 17);
    assert_string_equal(buf, "red [31mX[0m  2J\xEF\xBF\xBD");
    /* bounded: stops on a character boundary, always terminated */
    char small[5];
    tp_term_clean(small, sizeof small, "ab\xE2\x82\xAC");
    assert_string_equal(small, "ab");
    tp_term_clean(small, sizeof small, NULL);
    assert_string_equal(small, "");
    assert_int_equal(tp_utf8_len("a\xE2\x82\xAC\xff"), 3);
}

static void test_rfc3339(void **state)
{
    (void)state;
    char ts[32];
    assert_string_equal(tp_rfc3339_ms(0, ts, sizeof ts), "1970-01-01T00:00:00.000Z");
    assert_string_equal(tp_rfc3339_ms(1795425132345LL, ts, sizeof ts), "2026-11-23T09:12:12.345Z");
    assert_string_equal(tp_rfc3339_ms(-1, ts, sizeof ts), "1969-12-31T23:59:59.999Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_clean_and_redact),
        cmocka_unit_test(test_xml_put),
        cmocka_unit_test(test_prom_label),
        cmocka_unit_test(test_term_clean),
        cmocka_unit_test(test_rfc3339),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
