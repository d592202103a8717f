/* test_onboard.c — onboarding packages (synthetic fixtures in tests/data/onboarding) and
 * what `--onboarding-package` selects; the organisation's data never reaches the output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "input/onboard.h"

#define OB TLSPATH_SOURCE_DIR "/tests/data/onboarding/"
#define BIN TLSPATH_BINARY_DIR "/tlspath"
#define ORG "00000000-0000-4000-8000-00000000feed"

static void read_ok(const char *file, const char *fmt, const char *os, const char *gw, const char *geo,
                    const char *mode)
{
    tp_onboard_info i;
    char err[512] = "";
    if (tp_onboard_read_file(file, &i, err, sizeof err) != 0)
        fail_msg("%s: %s", file, err);
    assert_string_equal(i.format, fmt);
    assert_string_equal(i.os, os);
    assert_string_equal(i.gateway_host, gw);
    assert_string_equal(i.geo, geo);
    assert_string_equal(i.mode, mode);
}

static void test_read_formats(void **state)
{
    (void)state;
    read_ok(OB "WindowsDefenderATPOnboardingScript.cmd", "windows-cmd", "windows", "winatp-gw-cus3.microsoft.com",
            "US", "standard");
    read_ok(OB "streamlined-eu/WindowsDefenderATPOnboardingScript.cmd", "windows-cmd", "windows",
            "edr-weu.eu.endpoint.security.microsoft.com", "EU", "streamlined");
    read_ok(OB "MicrosoftDefenderATPOnboardingLinuxServer.py", "linux-py", "linux",
            "edr-eus3.us.endpoint.security.microsoft.com", "US", "streamlined");
    read_ok(OB "mdatp_onboard.json", "json", "", "winatp-gw-ukw.microsoft.com", "UK", "standard");
    read_ok(OB "gcc/mdatp_onboard.json", "json", "", "winatp-gw-usmt.microsoft.com", "US", "standard");
}

static void read_bad(const char *text, const char *want)
{
    tp_onboard_info i;
    char err[512] = "";
    assert_int_equal(tp_onboard_read_mem(text, strlen(text), "x.json", &i, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("got %s, want %s", err, want);
    assert_null(strstr(err, ORG));
}

static void test_read_hostile(void **state)
{
    (void)state;
    tp_onboard_info i;
    char err[256];
    read_bad("{\"name\":\"x\"}", "no onboarding information");
    read_bad("{\"onboardingInfo\": \"{}\"}", "names no geoLocationUrl");
    read_bad("{\"onboardingInfo\": \"{\\\"geoLocationUrl\\\":\\\"https://a b<script>\\\"}\"}",
             "malformed geoLocationUrl");
    read_bad("", "empty file");
    assert_int_equal(tp_onboard_read_mem("a\0b", 3, "x.bin", &i, err, sizeof err), -1);
    assert_non_null(strstr(err, "binary data"));
    /* a field value longer than any real one is refused, not truncated */
    static const char head[] = "{\"onboardingInfo\":\"\\\"vortexGeoLocation\\\":\\\"";
    char big[2048];
    memset(big, 'a', sizeof big);
    memcpy(big, head, sizeof head - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(tp_onboard_read_mem(big, strlen(big), "x", &i, err, sizeof err), -1);
    assert_int_equal(tp_onboard_read_file(OB "no-such-file.cmd", &i, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));
}

static char *run(const char *args, int *st)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", BIN, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 20, len = 0, n;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    while (len < cap && (n = fread(buf + len, 1, cap - len, p)) > 0)
        len += n;
    buf[len] = '\0';
    int s = pclose(p);
    *st = WIFEXITED(s) ? WEXITSTATUS(s) : -1;
    /* never the organisation's data */
    assert_null(strstr(buf, ORG));
    assert_null(strstr(buf, "U1lOVEhFVElD"));
    return buf;
}

static void test_selects_what_the_device_needs(void **state)
{
    (void)state;
    int st;
    char *out = run("catalog list --onboarding-package " OB "WindowsDefenderATPOnboardingScript.cmd", &st);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "cloud commercial, geography US, standard onboarding, windows"));
    assert_non_null(strstr(out, "winatp-gw-cus3.microsoft.com"));
    assert_null(strstr(out, "winatp-gw-weu.microsoft.com"));      /* not its geography */
    assert_null(strstr(out, "endpoint.security.microsoft.com/edr")); /* not its mode */
    assert_null(strstr(out, ".microsoft.us"));                    /* not its cloud */
    free(out);
    out = run("catalog list --onboarding-package " OB "MicrosoftDefenderATPOnboardingLinuxServer.py", &st);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "edr-eus3.us.endpoint.security.microsoft.com"));
    assert_non_null(strstr(out, "us-v20.events.endpoint.security.microsoft.com")); /* streamlined cyber data */
    assert_null(strstr(out, "winatp-gw-"));
    assert_null(strstr(out, "ctldl.windowsupdate.com"));          /* Windows only */
    free(out);
    out = run("catalog list --onboarding-package " OB "gcc/mdatp_onboard.json", &st);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "unitedstates4.x.cp.wd.microsoft.us"));
    assert_null(strstr(out, "unitedstates1.x.cp.wd.microsoft.us"));
    assert_null(strstr(out, "unitedstates.x.cp.wd.microsoft.com"));
    free(out);
    out = run("catalog list --onboarding-package " OB "uae/mdatp_onboard.json", &st);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "geography AEC"));
    assert_non_null(strstr(out, "automatedirstrprdaec0a.blob.core.windows.net"));
    free(out);
}

static void test_package_errors(void **state)
{
    (void)state;
    int st;
    char *out = run("catalog list --onboarding-package " OB "gcch-or-dod/mdatp_onboard.json", &st);
    assert_int_equal(st, 2);
    assert_non_null(strstr(out, "serves gcc-high or dod: give --cloud"));
    free(out);
    out = run("catalog list --cloud dod --onboarding-package " OB "gcch-or-dod/mdatp_onboard.json", &st);
    assert_int_equal(st, 0);
    assert_non_null(strstr(out, "unitedstates2.cp.wd.microsoft.us"));
    free(out);
    out = run("catalog list --geo EU --onboarding-package " OB "mdatp_onboard.json", &st);
    assert_int_equal(st, 2);
    assert_non_null(strstr(out, "contradicts the onboarding package"));
    free(out);
    out = run("catalog list --onboarding-package " OB "not-a-package.json", &st);
    assert_int_equal(st, 2);
    assert_non_null(strstr(out, "no onboarding information"));
    assert_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
    free(out);
    out = run("run --dry-run --onboarding-package " OB "nope.cmd", &st);
    assert_int_equal(st, 2);
    assert_non_null(strstr(out, "cannot open"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_formats),
        cmocka_unit_test(test_read_hostile),
        cmocka_unit_test(test_selects_what_the_device_needs),
        cmocka_unit_test(test_package_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
