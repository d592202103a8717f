/* test_fileout_modes.c — base/fileout (test_fileout.c: stale temporaries): a regular file
 * is replaced atomically (never half-written, permissions kept, a failed write leaves the
 * old file), a symbolic link keeps pointing at
 * its replaced target, devices and FIFOs are written in place, and every refusal (a
 * directory, a dangling link, a missing directory) is said before anything is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileout.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tp-fileout-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return strncmp(dir, "/tmp/tp-fileout-", 16) == 0 && system(cmd) == 0 ? 0 : -1;
}

static const char *in_dir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
    return out;
}

static void put(const char *file, const char *text)
{
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void expect_content(const char *file, const char *want)
{
    char buf[256] = "";
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

/* Files in dir whose name starts with prefix (a leftover temporary shows up here). */
static int count_prefix(const char *prefix)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void test_atomic_replace(void **state)
{
    (void)state;
    char f[128], err[256] = "";
    in_dir(f, sizeof f, "report.json");
    put(f, "old");
    assert_int_equal(chmod(f, 0600), 0);
    tp_outfile o;
    assert_int_equal(tp_outfile_open(&o, f, err, sizeof err), 0);
    fputs("new", o.f);
    fflush(o.f);
    expect_content(f, "old");                  /* nothing visible before the commit */
    assert_int_equal(count_prefix("report.json.tmp."), 1);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), 0);
    expect_content(f, "new");
    assert_int_equal(count_prefix("report.json.tmp."), 0);
    struct stat st;
    assert_int_equal(stat(f, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);  /* the replaced file's permissions */

    /* aborted: the old content stays, no temporary is left */
    assert_int_equal(tp_outfile_open(&o, f, err, sizeof err), 0);
    fputs("half", o.f);
    tp_outfile_abort(&o);
    expect_content(f, "new");
    assert_int_equal(count_prefix("report.json.tmp."), 0);

    /* a commit whose rename fails (the temporary vanished): an error, the target intact */
    assert_int_equal(tp_outfile_open(&o, f, err, sizeof err), 0);
    fputs("lost", o.f);
    assert_int_equal(unlink(o.tmp), 0);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot write "));
    assert_non_null(strstr(err, "report.json: No such file or directory"));
    expect_content(f, "new");

    /* a new name in a file-relative path */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(tp_outfile_check("fresh.txt", err, sizeof err), 0);
    assert_int_equal(tp_outfile_open(&o, "fresh.txt", err, sizeof err), 0);
    fputs("fresh", o.f);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), 0);
    assert_int_equal(chdir(cwd), 0);
    expect_content(in_dir(f, sizeof f, "fresh.txt"), "fresh");
}

static void test_symlinks(void **state)
{
    (void)state;
    char target[128], link[128], dangling[128], err[256] = "";
    in_dir(target, sizeof target, "real.prom");
    in_dir(link, sizeof link, "current.prom");
    put(target, "v1");
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(tp_outfile_check(link, err, sizeof err), 0);
    tp_outfile o;
    assert_int_equal(tp_outfile_open(&o, link, err, sizeof err), 0);
    fputs("v2", o.f);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), 0);
    struct stat lst;
    assert_int_equal(lstat(link, &lst), 0);
    assert_true(S_ISLNK(lst.st_mode));          /* still a link */
    expect_content(target, "v2");               /* whose target was replaced */

    in_dir(dangling, sizeof dangling, "dangling.prom");
    assert_int_equal(symlink("/nonexistent/x.prom", dangling), 0);
    assert_int_equal(tp_outfile_check(dangling, err, sizeof err), -1);
    assert_non_null(strstr(err, "it is a symbolic link to a file that does not exist"));
    assert_int_equal(tp_outfile_open(&o, dangling, err, sizeof err), -1);
    assert_non_null(strstr(err, "it is a symbolic link to a file that does not exist"));
    assert_null(o.f);
}

static void test_in_place(void **state)
{
    (void)state;
    char err[256] = "", fifo[128];
    tp_outfile o;
    /* a device: written in place, never renamed over */
    assert_int_equal(tp_outfile_check("/dev/null", err, sizeof err), 0);
    assert_int_equal(tp_outfile_open(&o, "/dev/null", err, sizeof err), 0);
    assert_null(o.tmp);
    fputs("gone", o.f);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    /* a device that cannot take the bytes: the commit says which file */
    assert_int_equal(tp_outfile_open(&o, "/dev/full", err, sizeof err), 0);
    for (int i = 0; i < 1000; i++)
        fputs("0123456789abcdef", o.f);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), -1);
    assert_string_equal(err, "cannot write /dev/full: No space left on device");
    /* a FIFO with a reader: the bytes go through it */
    in_dir(fifo, sizeof fifo, "pipe");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(tp_outfile_open(&o, fifo, err, sizeof err), 0);
    fputs("through", o.f);
    assert_int_equal(tp_outfile_commit(&o, err, sizeof err), 0);
    char buf[16] = "";
    assert_int_equal(read(rd, buf, sizeof buf - 1), 7);
    assert_string_equal(buf, "through");
    close(rd);
    /* aborting an in-place write removes nothing */
    assert_int_equal(tp_outfile_open(&o, "/dev/null", err, sizeof err), 0);
    tp_outfile_abort(&o);
    assert_int_equal(stat("/dev/null", &st), 0);
}

static void test_refusals(void **state)
{
    (void)state;
    char err[256] = "", f[128];
    tp_outfile o;
    assert_int_equal(tp_outfile_check(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "it is a directory"));
    assert_int_equal(tp_outfile_open(&o, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "it is a directory"));
    assert_int_equal(tp_outfile_check("/nonexistent-dir/r.json", err, sizeof err), -1);
    assert_string_equal(err, "cannot write /nonexistent-dir/r.json: directory /nonexistent-dir does not exist");
    assert_int_equal(tp_outfile_open(&o, "/nonexistent-dir/r.json", err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file or directory"));
    /* a name whose temporary already exists (another writer): refused, not clobbered */
    in_dir(f, sizeof f, "busy.json");
    char tmp[192];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", f, (long)getpid());
    put(tmp, "theirs");
    assert_int_equal(tp_outfile_open(&o, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "File exists"));
    expect_content(tmp, "theirs");
    /* a file at the root's level: its directory is "/", writable by root only */
    int rc = tp_outfile_check("/tlspath-fileout-test-never-written", err, sizeof err);
    if (geteuid() == 0)
        assert_int_equal(rc, 0);
    else
        assert_non_null(strstr(err, "directory / is not writable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_replace),
        cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_in_place),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
