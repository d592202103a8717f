/* test_history_kill.c — the history survives kill -9 at any instant: a child records runs
 * in a tight loop (with retention pruning, so deletes are in flight too) and is killed
 * with SIGKILL after a random delay, many times over. After every kill the database must
 * pass PRAGMA integrity_check, hold only whole runs (every run has all its results, no
 * result without its run), take a write lock at once (never left locked) and accept the
 * next run through the normal API. The seed is printed so a failure can be replayed
 * (TLSPATH_KILL_SEED). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture_run.h"
#include "store/history.h"

#define ROUNDS 30
#define KEEP_RUNS 40

static int64_t q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The child: records forever; statuses vary so the changes code runs too. It writes one
 * byte to ready_fd once the history is open. */
static void recorder(const char *state, int ready_fd) __attribute__((noreturn));
static void recorder(const char *state, int ready_fd)
{
    fx_run fx;
    fx_build(&fx);
    char err[1024];
    tp_history *h = NULL;
    if (tp_history_open(state, &h, err, sizeof err) != 0) {
        fprintf(stderr, "child: %s\n", err);
        _exit(3);
    }
    if (write(ready_fd, "r", 1) != 1)
        _exit(5);
    for (unsigned i = 0;; i++) {
        fx.run.started_at_ms = (int64_t)time(NULL) * 1000;
        fx.run.finished_at_ms = fx.run.started_at_ms + 1;
        fx.run.results[i % fx.run.n_results].status = (tp_status)(i % 3);
        if (tp_history_record(h, &fx.run, i % 7 == 0, KEEP_RUNS, 0, err, sizeof err) != 0) {
            fprintf(stderr, "child: %s\n", err);
            _exit(4);
        }
    }
}

static void check_consistent(const char *db_file, int64_t *runs_out)
{
    sqlite3 *db = NULL;
    *runs_out = 0;
    if (access(db_file, F_OK) != 0)
        return;   /* killed before SQLite created the file: nothing to check */
    assert_int_equal(sqlite3_open_v2(db_file, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    /* no busy timeout: a lock left behind would fail here at once */
    sqlite3_busy_timeout(db, 0);
    char *msg = NULL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("the database is locked after kill -9: %s", msg);
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *ok = (const char *)sqlite3_column_text(st, 0);
    if (!ok || strcmp(ok, "ok"))
        fail_msg("integrity_check: %s", ok ? ok : "?");
    sqlite3_finalize(st);
    if (q_int(db, "SELECT count(*) FROM sqlite_master") == 0) {
        /* killed while the schema was being created: the transaction left nothing */
        assert_int_equal(q_int(db, "PRAGMA user_version"), 0);
        sqlite3_close(db);
        return;
    }
    assert_int_equal(q_int(db, "PRAGMA user_version"), TP_HISTORY_SCHEMA);
    /* whole runs only */
    assert_int_equal(q_int(db, "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM results "
                               "WHERE run_id = r.id) <> 12"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM results WHERE run_id NOT IN (SELECT id FROM runs)"), 0);
    /* retention held inside the same transactions */
    assert_true(q_int(db, "SELECT count(*) FROM runs") <= KEEP_RUNS);
    *runs_out = q_int(db, "SELECT coalesce(max(id), 0) FROM runs");
    sqlite3_close(db);
}

static void test_kill9_mid_record(void **state)
{
    (void)state;
    char dir[] = "/tmp/tlspath-kill-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db_file[128];
    snprintf(db_file, sizeof db_file, "%s/" TP_HISTORY_DB_NAME, dir);
    const char *env = getenv("TLSPATH_KILL_SEED");
    unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
    printf("kill -9 test: seed %u (TLSPATH_KILL_SEED to replay), %d rounds\n", seed, ROUNDS);
    srand(seed);

    int64_t last_max = 0, progressed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(ready[0]);
            recorder(dir, ready[1]);
        }
        close(ready[1]);
        /* every fifth round is killed while it may still be opening (creating the schema,
         * upgrading, recovering the WAL); the others once recording is under way, 0..30 ms in
         * (waiting for "ready" keeps a loaded machine from turning them into early kills) */
        if (round % 5 != 0) {
            char c;
            assert_int_equal(read(ready[0], &c, 1), 1);
        }
        struct timespec ts = {0, (long)(round % 5 ? rand() % 31 : rand() % 4) * 1000000L};
        nanosleep(&ts, NULL);
        close(ready[0]);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFSIGNALED(status))
            fail_msg("round %d: the recorder ended on its own (status %d) before the kill", round, status);
        int64_t max = 0;
        check_consistent(db_file, &max);
        progressed += max > last_max;
        last_max = max;
    }
    /* the kills landed while runs were being written, not always before the first */
    printf("kill -9 test: %" PRId64 " runs recorded, %" PRId64 "/%d rounds recorded something\n", last_max,
           progressed, ROUNDS);
    assert_true(progressed >= ROUNDS / 4);

    /* and the API carries on */
    fx_run fx;
    fx_build(&fx);
    char err[1024];
    tp_history *h = NULL;
    if (tp_history_open(dir, &h, err, sizeof err) != 0)
        fail_msg("open after the kills: %s", err);
    if (tp_history_record(h, &fx.run, false, KEEP_RUNS, 0, err, sizeof err) != 0)
        fail_msg("record after the kills: %s", err);
    assert_true(fx.run.changes->has_previous);
    tp_changes_free(fx.run.changes);
    fx.run.changes = NULL;
    tp_history_close(h);
    fx_free(&fx);
    char *cmd = tp_asprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill9_mid_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
