/* test_fileout.c — atomic report files (base/fileout.h): the write replaces the target,
 * and the "<target>.tmp.<PID>" a killed earlier write left behind is removed (issue 15:
 * a SIGKILL during a report write left 0-byte *.tmp.PID files forever), while a live
 * writer's temporary file and unrelated files stay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/fileout.h"

static char dir[64];

static void touch(const char *name, time_t age_s)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    if (age_s) {
        struct timeval tv[2];
        gettimeofday(&tv[0], NULL);
        tv[0].tv_sec -= age_s;
        tv[1] = tv[0];
        assert_int_equal(utimes(p, tv), 0);
    }
}

static bool exists(const char *name)
{
    char p[256];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

/* A PID that runs nothing now. */
static long dead_pid(void)
{
    for (long pid = 4000000; pid > 1000; pid -= 7919)
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
            return pid;
    fail_msg("no free pid");
    return -1;
}

static void test_stale_tmps_removed(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tlspath-fileout-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char dead[64], live[64], old_live[64];
    snprintf(dead, sizeof dead, "report.json.tmp.%ld", dead_pid());
    snprintf(live, sizeof live, "report.json.tmp.%ld", (long)getppid());     /* a running writer */
    snprintf(old_live, sizeof old_live, "report.json.tmp.%ld", 1L);           /* PID 1: alive, but 2 h old */
    touch(dead, 0);
    touch(live, 0);
    touch(old_live, 7200);
    touch("report.json.tmp.notapid", 0);
    touch("other.json.tmp.999999", 0);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/report.json", dir);
    tp_outfile o;
    assert_int_equal(tp_outfile_open(&o, path, err, sizeof err), 0);
    fputs("{}\n", o.f);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), 0);
    assert_true(exists("report.json"));
    assert_false(exists(dead));
    assert_false(exists(old_live));
    assert_true(exists(live));
    assert_true(exists("report.json.tmp.notapid"));
    assert_true(exists("other.json.tmp.999999"));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stale_tmps_removed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
