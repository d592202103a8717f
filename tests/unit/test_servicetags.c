/* test_servicetags.c — the Defender-relevant tags of an Azure service tags file
 * (input/servicetags.h): which tags contain an address, and precise errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "input/servicetags.h"

static void test_match(void **state)
{
    (void)state;
    tp_servicetags st;
    char err[512] = "", out[256];
    if (tp_servicetags_load_file(TLSPATH_SOURCE_DIR "/tests/data/servicetags/ServiceTags_Lab.json", &st,
                                 err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(st.cloud, "Public");
    assert_int_equal(st.change_number, 314);
    assert_int_equal(st.tags.n, 4); /* Storage is not Defender's */
    assert_int_equal(tp_servicetags_match(&st, "20.42.4.7", out, sizeof out), 2);
    assert_string_equal(out, "AzureCloud.eastus,MicrosoftDefenderForEndpoint"); /* 20.42 is above AzureCloud 20.0.0.0/11 */
    assert_int_equal(tp_servicetags_match(&st, "20.31.255.255", out, sizeof out), 1);
    assert_string_equal(out, "AzureCloud");
    assert_int_equal(tp_servicetags_match(&st, "20.32.0.0", out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(tp_servicetags_match(&st, "2603:10ff::1", out, sizeof out), 1);
    assert_int_equal(tp_servicetags_match(&st, "10.237.100.20", out, sizeof out), 0); /* Storage only */
    assert_int_equal(tp_servicetags_match(&st, "10.237.100.30", out, sizeof out), 1);
    assert_string_equal(out, "OneDsCollector");
    assert_int_equal(tp_servicetags_match(&st, "not-an-ip", out, sizeof out), 0);
    tp_servicetags_free(&st);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"[]", "t.json: values: expected an array of service tags"},
        {"{\"values\": [{\"id\": 1}]}", "t.json: values[0].name: expected a tag name"},
        {"{\"values\": [{\"name\": \"AzureCloud\", \"properties\": {}}]}",
         "t.json: values[0].properties.addressPrefixes: expected an array"},
        {"{\"values\": [{\"name\": \"AzureCloud\", \"properties\": {\"addressPrefixes\": [\"20.0.0.0/33\"]}}]}",
         "t.json: values[0].properties.addressPrefixes[0]: expected an address prefix"},
        {"{\"values\": [{\"name\": \"Storage\", \"properties\": {\"addressPrefixes\": []}}]}",
         "t.json: values: expected MicrosoftDefenderForEndpoint"},
        {"{\"values\": [", "t.json:1:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_servicetags st;
        char err[512] = "";
        assert_int_equal(tp_servicetags_load_mem(cases[i].text, strlen(cases[i].text), "t.json", &st, err,
                                                 sizeof err), -1);
        if (strncmp(err, cases[i].msg, strlen(cases[i].msg)) != 0)
            fail_msg("case %zu: got \"%s\"", i, err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
