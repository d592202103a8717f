/* test_onchange.c — the --on-change hook (store/onchange.c): it reads the document on
 * stdin, its exit status and signals are reported, a slow hook is killed at the deadline
 * (its whole process group) and reaped, a hook that ignores a large stdin does not hang
 * tlspath, its stdout does not reach tlspath's stdout, and no secret is in its
 * environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture_run.h"
#include "store/onchange.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/tlspath-hook-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = tp_asprintf("rm -rf '%s'", g_dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 21);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 21) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void assert_no_children(void)
{
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static void test_stdin_delivered(void **state)
{
    (void)state;
    char *out = tp_asprintf("%s/in.json", g_dir);
    char *cmd = tp_asprintf("cat > '%s'", out);
    const char doc[] = "{\"changes\": {\"newly_failing\": [{\"endpoint\": \"edr-cus\"}]}}\n";
    char err[256] = "";
    assert_int_equal(tp_hook_run(cmd, doc, strlen(doc), 5000, NULL, err, sizeof err), 0);
    char *got = slurp(out);
    assert_non_null(got);
    assert_string_equal(got, doc);
    free(got);
    free(cmd);
    free(out);
    assert_no_children();
}

static void test_large_input_and_unread_stdin(void **state)
{
    (void)state;
    size_t len = 3u << 20;   /* far beyond a pipe's buffer */
    char *doc = malloc(len);
    assert_non_null(doc);
    memset(doc, 'x', len);
    char *out = tp_asprintf("%s/big", g_dir);
    char *cmd = tp_asprintf("wc -c > '%s'", out);
    char err[256] = "";
    assert_int_equal(tp_hook_run(cmd, doc, len, 10000, NULL, err, sizeof err), 0);
    char *got = slurp(out);
    assert_int_equal(strtoul(got, NULL, 10), len);
    free(got);
    /* a hook that never reads: tlspath neither blocks nor fails for it */
    int64_t t0 = mono_ms();
    assert_int_equal(tp_hook_run("exit 0", doc, len, 10000, NULL, err, sizeof err), 0);
    assert_true(mono_ms() - t0 < 5000);
    free(cmd);
    free(out);
    free(doc);
    assert_no_children();
}

static void test_failures_reported(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(tp_hook_run("exit 3", "{}", 2, 5000, NULL, err, sizeof err), -1);
    assert_string_equal(err, "exited with status 3");
    assert_int_equal(tp_hook_run("kill -USR1 $$", "{}", 2, 5000, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "killed by signal"));
    assert_int_equal(tp_hook_run("/nonexistent/hook", "{}", 2, 5000, NULL, err, sizeof err), -1);
    assert_string_equal(err, "exited with status 127");
    assert_no_children();
}

static void test_timeout_kills_group(void **state)
{
    (void)state;
    char *pidfile = tp_asprintf("%s/grandchild.pid", g_dir);
    /* the hook starts a grandchild in its group and both would sleep far past the deadline;
     * TERM is trapped so only the SIGKILL a second later ends the shell */
    char *cmd = tp_asprintf("trap '' TERM; sleep 30 & echo $! > '%s'; wait; sleep 30", pidfile);
    char err[256] = "";
    int64_t t0 = mono_ms();
    assert_int_equal(tp_hook_run(cmd, "{}", 2, 300, NULL, err, sizeof err), -1);
    int64_t took = mono_ms() - t0;
    assert_string_equal(err, "timed out after 300 ms and was killed");
    assert_true(took >= 300);
    assert_true(took < 5000);
    assert_no_children();
    char *pidtext = slurp(pidfile);
    assert_non_null(pidtext);
    pid_t gc = (pid_t)strtol(pidtext, NULL, 10);
    assert_true(gc > 0);
    /* the grandchild went with the group (it is reparented, so poll rather than wait) */
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)gc);
        char *st = slurp(path);
        gone = !st || strstr(st, ") Z ") != NULL;
        free(st);
        if (!gone) {
            struct timespec ts = {0, 10000000L};
            nanosleep(&ts, NULL);
        }
    }
    assert_true(gone);
    free(pidtext);
    free(cmd);
    free(pidfile);
}

static void test_stdout_kept_off_stdout(void **state)
{
    (void)state;
    /* the hook's stdout goes to tlspath's stderr: capture both in a child */
    char *outf = tp_asprintf("%s/stdout", g_dir), *errf = tp_asprintf("%s/stderr", g_dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(outf, "w", stdout) || !freopen(errf, "w", stderr))
            _exit(9);
        char err[256];
        _exit(tp_hook_run("echo hook-said-this", "{}", 2, 5000, NULL, err, sizeof err) == 0 ? 0 : 8);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *o = slurp(outf), *e = slurp(errf);
    assert_string_equal(o, "");
    assert_non_null(strstr(e, "hook-said-this"));
    free(o);
    free(e);
    free(outf);
    free(errf);
}

static void test_env_has_no_secret(void **state)
{
    (void)state;
    fx_run fx;
    fx_build(&fx);   /* path corp-auth has password FX_PASSWORD */
    setenv("TLSPATH_PROXY_PASSWORD", "from-the-environment", 1);
    setenv("CORP_PROXY_PASS", FX_PASSWORD, 1);
    setenv("HOOK_TEST_KEEP", "kept", 1);
    char *out = tp_asprintf("%s/env", g_dir);
    char *cmd = tp_asprintf("env > '%s'", out);
    char err[256] = "";
    assert_int_equal(tp_hook_run(cmd, "{}", 2, 5000, &fx.cfg, err, sizeof err), 0);
    char *env = slurp(out);
    assert_non_null(env);
    assert_non_null(strstr(env, "HOOK_TEST_KEEP=kept"));
    assert_null(strstr(env, "from-the-environment"));
    assert_null(strstr(env, "TLSPATH_PROXY_PASSWORD"));
    assert_null(strstr(env, FX_PASSWORD));
    assert_null(strstr(env, "CORP_PROXY_PASS"));
    free(env);
    free(cmd);
    free(out);
    unsetenv("TLSPATH_PROXY_PASSWORD");
    unsetenv("CORP_PROXY_PASS");
    unsetenv("HOOK_TEST_KEEP");
    fx_free(&fx);
}

static void test_sigpipe_default_in_hook(void **state)
{
    (void)state;
    /* tlspath ignores SIGPIPE; the hook must not inherit that (yes | head ends by SIGPIPE) */
    signal(SIGPIPE, SIG_IGN);
    char *out = tp_asprintf("%s/pipe", g_dir);
    char *cmd = tp_asprintf("yes | head -n 2 > '%s'", out);
    char err[256] = "";
    int64_t t0 = mono_ms();
    assert_int_equal(tp_hook_run(cmd, "{}", 2, 5000, NULL, err, sizeof err), 0);
    assert_true(mono_ms() - t0 < 4000);
    signal(SIGPIPE, SIG_DFL);
    free(cmd);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdin_delivered),
        cmocka_unit_test(test_large_input_and_unread_stdin),
        cmocka_unit_test(test_failures_reported),
        cmocka_unit_test(test_timeout_kills_group),
        cmocka_unit_test(test_stdout_kept_off_stdout),
        cmocka_unit_test(test_env_has_no_secret),
        cmocka_unit_test(test_sigpipe_default_in_hook),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
