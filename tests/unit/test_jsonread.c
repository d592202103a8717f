/* test_jsonread.c — the validating JSON reader both loaders share: messages, key
 * checks ($comment, duplicates), NUL checks, syntax errors, typed reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonread.h"

static char g_err[512];
static const tp_jr R = {"f.json", g_err, sizeof g_err};

static cJSON *parse(const char *s)
{
    g_err[0] = '\0';
    return tp_jr_parse(&R, s, strlen(s));
}

static void test_parse_errors(void **state)
{
    (void)state;
    assert_null(parse(""));
    assert_string_equal(g_err, "f.json:1:1: expected valid JSON, got the end of the file");
    assert_null(parse("{\n \"a\": nope}"));
    assert_string_equal(g_err, "f.json:2:7: expected valid JSON, got 'n'");
    assert_null(parse("{} []"));
    assert_string_equal(g_err, "f.json:1:4: expected nothing after the top-level object, got '['");
    assert_null(parse("{\"a\":\n\"x\\u0000y\"}"));
    assert_string_equal(g_err, "f.json: line 2: \\u0000 is not allowed in strings");
    assert_null(tp_jr_parse(&R, "{\"a\":\"x\0\"}", 10));
    assert_string_equal(g_err, "f.json: line 1: a NUL byte is not allowed");
    cJSON *ok = parse("{\"a\": \"C:\\\\u0000\"}\n"); /* an escaped backslash, then text */
    assert_non_null(ok);
    tp_jr_delete(ok, true);
}

static void test_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {"id", "url"};
    cJSON *o = parse("{\"$comment\": 1, \"id\": 1, \"$comment\": [], \"url\": 2}");
    assert_non_null(o);
    assert_int_equal(tp_jr_check_keys(&R, o, "endpoints[0]", keys, 2), 0);
    cJSON_Delete(o);
    o = parse("{\"id\": 1, \"idd\": 2}");
    assert_int_equal(tp_jr_check_keys(&R, o, "endpoints[0]", keys, 2), -1);
    assert_string_equal(g_err, "f.json: endpoints[0].idd: unknown key: expected one of id, url");
    cJSON_Delete(o);
    o = parse("{\"url\": 1, \"id\": 2, \"url\": 3}");
    assert_int_equal(tp_jr_check_keys(&R, o, "", keys, 2), -1);
    assert_string_equal(g_err, "f.json: url: expected each key once, got it twice");
    assert_false(tp_jr_key_seen_before(o, o->child->next));
    assert_true(tp_jr_key_seen_before(o, o->child->next->next));
    cJSON_Delete(o);
    /* a hostile key is shown sanitised and cut */
    o = parse("{\"a\\u00e9\\\"bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\": 1}");
    assert_int_equal(tp_jr_check_keys(&R, o, "x", keys, 2), -1);
    assert_non_null(strstr(g_err, "x.a??\"bcd"));
    assert_non_null(strstr(g_err, "...: unknown key"));
    cJSON_Delete(o);
}

/* Control characters (C0, DEL, C1) in any string or key are refused at parse time with
 * the JSON path and the character, never the value (issue 15). */
static void test_control_characters(void **state)
{
    (void)state;
    static const struct {
        const char *json, *err;
    } cases[] = {
        {"{\"endpoints\": [{\"id\": \"a\"}, {\"service\": \"ma\\u001b]0;pwned\\u0007ps\"}]}",
         "f.json: endpoints[1].service: expected text without control characters, got U+001B at character 3"},
        {"{\"a\": {\"geography\": \"W\\u007fW\"}}",
         "f.json: a.geography: expected text without control characters, got U+007F at character 2"},
        {"{\"s\": [\"ok\", \"\\u00e9\\u009b2J\"]}",
         "f.json: s[1]: expected text without control characters, got U+009B at character 2"},
        {"{\"s\": \"tab\\there\"}", "f.json: s: expected text without control characters, got U+0009 at character 4"},
        {"{\"auth\": {\"password\": \"Pw\\nSecret\"}}",
         "f.json: auth.password: expected text without control characters, got a string with one"},
        {"{\"x\": {\"k\\u001bey\": 1}}", "f.json: x: expected keys without control characters, got U+001B in a key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        g_err[0] = '\0';
        assert_null(tp_jr_parse(&R, cases[i].json, strlen(cases[i].json)));
        assert_string_equal(g_err, cases[i].err);
    }
    /* UTF-8 text is fine */
    const char *ok = "{\"s\": \"Z\u00fcrich \u6771\u4eac\"}";
    cJSON *o = tp_jr_parse(&R, ok, strlen(ok));
    assert_non_null(o);
    cJSON_Delete(o);
}

static void test_typed(void **state)
{
    (void)state;
    cJSON *o = parse("{\"b\": 1, \"s\": \"Pw\", \"i\": 1.5, \"a\": [1,2,3], \"e\": []}");
    bool b;
    const char *s;
    double d;
    assert_int_equal(tp_jr_bool(&R, cJSON_GetObjectItem(o, "b"), "b", &b), -1);
    assert_string_equal(g_err, "f.json: b: expected true or false, got 1");
    assert_int_equal(tp_jr_string(&R, cJSON_GetObjectItem(o, "b"), "b", true, &s), -1);
    assert_string_equal(g_err, "f.json: b: expected a string, got a number"); /* secret: no value */
    assert_int_equal(tp_jr_string(&R, cJSON_GetObjectItem(o, "s"), "s", true, &s), 0);
    assert_string_equal(s, "Pw");
    assert_int_equal(tp_jr_int(&R, cJSON_GetObjectItem(o, "i"), "i", 1, 10, &d), -1);
    assert_string_equal(g_err, "f.json: i: expected an integer from 1 to 10, got 1.5");
    assert_int_equal(tp_jr_int(&R, cJSON_GetObjectItem(o, "missing"), "m", 1, 10, &d), -1);
    assert_string_equal(g_err, "f.json: m: expected an integer from 1 to 10, got nothing");
    assert_int_equal(tp_jr_array(&R, cJSON_GetObjectItem(o, "a"), "a", "a number", false, 2), -1);
    assert_string_equal(g_err, "f.json: a: expected at most 2 elements, got 3");
    assert_int_equal(tp_jr_array(&R, cJSON_GetObjectItem(o, "e"), "e", "a number", true, 2), -1);
    assert_string_equal(g_err, "f.json: e: expected at least one element, got an empty array");
    assert_int_equal(tp_jr_object(&R, cJSON_GetObjectItem(o, "a"), "a"), -1);
    assert_string_equal(g_err, "f.json: a: expected an object, got an array");
    tp_jr_delete(o, true);
    /* a tiny error buffer truncates, never overflows */
    char small[8];
    tp_jr r2 = {"long-file-name.json", small, sizeof small};
    assert_int_equal(tp_jr_fail(&r2, "x", "expected %s", "y"), -1);
    assert_int_equal(strlen(small), 7);
}

static void test_read_file(void **state)
{
    (void)state;
    tp_buf b;
    tp_jr r = {"no/such.json", g_err, sizeof g_err};
    assert_int_equal(tp_jr_read_file(&r, 100, false, &b), -1);
    assert_string_equal(g_err, "no/such.json: cannot open: No such file or directory");
    tp_jr d = {"/tmp", g_err, sizeof g_err};
    assert_int_equal(tp_jr_read_file(&d, 100, false, &b), -1);
    assert_string_equal(g_err, "/tmp: cannot read: Is a directory");
    tp_jr big = {TLSPATH_SOURCE_DIR "/endpoints/mde.json", g_err, sizeof g_err};
    assert_int_equal(tp_jr_read_file(&big, 100, true, &b), -1);
    assert_non_null(strstr(g_err, "mde.json: expected a file of at most 100 bytes, got more"));
    assert_int_equal(tp_jr_read_file(&big, 16u << 20, true, &b), 0);
    assert_true(b.len > 100);
    tp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_typed),
        cmocka_unit_test(test_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
