/* test_history.c — the run history (store/history.c): recording, changes against the
 * previous complete run, retention by count and age, the timeline, schema creation from
 * an empty file, refusal of non-SQLite / damaged / foreign / newer files (and exit 2 from
 * the binary), a read-only state directory, and the changes in every report sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture_run.h"
#include "report/report.h"
#include "store/changes_json.h"
#include "store/history.h"

#define R(e, p) (FX_##e * FX_N_PATHS + FX_P_##p)

typedef struct tctx {
    char dir[64];
    char state[128];
    char db[160];
    fx_run fx;
    tp_history *h;
} tctx;

static int setup(void **state)
{
    tctx *t = calloc(1, sizeof *t);
    assert_non_null(t);
    strcpy(t->dir, "/tmp/tlspath-history-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->state, sizeof t->state, "%s/state/sub", t->dir);
    snprintf(t->db, sizeof t->db, "%s/" TP_HISTORY_DB_NAME, t->state);
    fx_build(&t->fx);
    t->fx.run.started_at_ms = 1796000000000;
    t->fx.run.finished_at_ms = 1796000001500;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    tctx *t = *state;
    tp_history_close(t->h);
    tp_changes_free(t->fx.run.changes);
    t->fx.run.changes = NULL;
    fx_free(&t->fx);
    char *cmd = tp_asprintf("rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(t);
    return 0;
}

static void open_ok(tctx *t)
{
    char err[1024] = "";
    if (tp_history_open(t->state, &t->h, err, sizeof err) != 0)
        fail_msg("open: %s", err);
}

static void record(tctx *t, bool interrupted, int keep_runs, int keep_days)
{
    char err[1024] = "";
    if (tp_history_record(t->h, &t->fx.run, interrupted, keep_runs, keep_days, err, sizeof err) != 0)
        fail_msg("record: %s", err);
    assert_non_null(t->fx.run.changes);
}

static void set_result(tctx *t, size_t i, tp_status st, const char *code)
{
    tp_result *r = &t->fx.run.results[i];
    r->status = st;
    r->error_code = tp_outcome_from_name(code);
    assert_true(!code || r->error_code != TP_OC_NONE);
}

static int64_t q_int(const char *db, const char *sql)
{
    sqlite3 *d = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(db, &d, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(d, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(d);
    return v;
}

static void q_exec(const char *db, const char *sql)
{
    sqlite3 *d = NULL;
    assert_int_equal(sqlite3_open_v2(db, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(d, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(d);
}

/* ---------- recording ---------- */

static void test_first_run_recorded(void **state)
{
    tctx *t = *state;
    open_ok(t);
    struct stat st;
    assert_int_equal(stat(t->state, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    record(t, false, 0, 0);
    const tp_changes *c = t->fx.run.changes;
    assert_false(c->has_previous);
    assert_int_equal(c->n, 0);
    assert_true(c->run_id > 0);

    tp_history_run *runs = NULL;
    size_t n = 0;
    char err[512];
    assert_int_equal(tp_history_runs(t->h, 0, &runs, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].id, c->run_id);
    assert_int_equal(runs[0].started_at_ms, 1796000000000);
    assert_int_equal(runs[0].finished_at_ms, 1796000001500);
    /* the fixture's documented counts */
    assert_int_equal(runs[0].probes, 12);
    assert_int_equal(runs[0].ok, 3);
    assert_int_equal(runs[0].warn, 2);
    assert_int_equal(runs[0].fail, 6);
    assert_int_equal(runs[0].skipped, 1);
    assert_int_equal(runs[0].required_failed, 2);
    assert_false(runs[0].pass);
    assert_false(runs[0].interrupted);
    free(runs);

    assert_int_equal(q_int(t->db, "SELECT count(*) FROM results"), 12);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM results WHERE endpoint='mma-ods' AND path='corp-auth' "
                                  "AND status='fail' AND error_code='revoked' AND phase='revocation' AND "
                                  "http_status=404 AND windows_error='0x80092010' AND total_ms=17.0"), 1);
    assert_int_equal(q_int(t->db, "PRAGMA user_version"), TP_HISTORY_SCHEMA);
}

/* The fixture mutated into a second run with every kind of change and the cases that
 * must not count (skipped on either side). */
static void mutate(tctx *t)
{
    set_result(t, R(EP_MAPS, DIRECT), TP_ST_FAIL, "connect_timeout");     /* newly failing, required */
    set_result(t, R(EP_MAPS, CORP), TP_ST_OK, NULL);                      /* recovered */
    set_result(t, R(EP_MAPS, AUTH), TP_ST_FAIL, "proxy_denied");          /* cause, required */
    set_result(t, R(EP_CRL, CORP), TP_ST_WARN, "crl_unreachable");        /* cause (warn) */
    set_result(t, R(EP_EDR, DIRECT), TP_ST_FAIL, "dns_timeout");          /* cause, optional */
    set_result(t, R(EP_MMA, CORP), TP_ST_FAIL, "tls_alert");              /* newly failing, optional */
    set_result(t, R(EP_CRL, AUTH), TP_ST_FAIL, "proxy_denied");           /* was skipped: not compared */
    set_result(t, R(EP_MMA, AUTH), TP_ST_SKIPPED, NULL);                  /* now skipped: not compared */
    t->fx.run.started_at_ms += 60000;
    t->fx.run.finished_at_ms += 60000;
}

static void assert_change(const tp_change *c, tp_change_kind kind, const char *ep, const char *path,
                          tp_status prev, const char *prev_code)
{
    assert_int_equal(c->kind, kind);
    assert_string_equal(c->result->ep->id, ep);
    assert_string_equal(c->result->path->id, path);
    assert_int_equal(c->prev_status, prev);
    if (prev_code)
        assert_string_equal(c->prev_error_code, prev_code);
    else
        assert_null(c->prev_error_code);
}

static void test_changes(void **state)
{
    tctx *t = *state;
    open_ok(t);
    record(t, false, 0, 0);
    int64_t first = t->fx.run.changes->run_id;
    mutate(t);
    record(t, false, 0, 0);
    const tp_changes *c = t->fx.run.changes;
    assert_true(c->has_previous);
    assert_int_equal(c->previous_run_id, first);
    assert_int_equal(c->previous_started_at_ms, 1796000000000);
    assert_int_equal(c->previous_finished_at_ms, 1796000001500);
    assert_int_equal(c->n, 6);
    assert_int_equal(c->count[TP_CHANGE_NEWLY_FAILING], 2);
    assert_int_equal(c->count[TP_CHANGE_RECOVERED], 1);
    assert_int_equal(c->count[TP_CHANGE_CAUSE], 3);
    assert_int_equal(c->regressions, 2);   /* the optional endpoints' changes do not count */
    /* by kind, then endpoint id, then path id */
    assert_change(&c->v[0], TP_CHANGE_NEWLY_FAILING, "maps-cp-us", "direct", TP_ST_OK, NULL);
    assert_change(&c->v[1], TP_CHANGE_NEWLY_FAILING, "mma-ods", "corp", TP_ST_OK, NULL);
    assert_change(&c->v[2], TP_CHANGE_RECOVERED, "maps-cp-us", "corp", TP_ST_FAIL, "intercepted");
    assert_change(&c->v[3], TP_CHANGE_CAUSE, "crl-ms", "corp", TP_ST_WARN, "http_status");
    assert_change(&c->v[4], TP_CHANGE_CAUSE, FX_LONG_ID, "direct", TP_ST_FAIL, "dns_nxdomain");
    assert_change(&c->v[5], TP_CHANGE_CAUSE, "maps-cp-us", "corp-auth", TP_ST_FAIL, "proxy_auth_required");

    /* the same run again: nothing changed */
    record(t, false, 0, 0);
    assert_int_equal(t->fx.run.changes->n, 0);
    assert_int_equal(t->fx.run.changes->regressions, 0);
    assert_true(t->fx.run.changes->has_previous);
}

static void test_interrupted_not_baseline(void **state)
{
    tctx *t = *state;
    open_ok(t);
    record(t, false, 0, 0);
    int64_t base = t->fx.run.changes->run_id;
    /* an interrupted run that looks very different is recorded ... */
    set_result(t, R(EP_MAPS, DIRECT), TP_ST_FAIL, "timeout");
    record(t, true, 0, 0);
    assert_int_equal(t->fx.run.changes->count[TP_CHANGE_NEWLY_FAILING], 1);
    /* ... but the next run compares with the last complete one */
    set_result(t, R(EP_MAPS, DIRECT), TP_ST_OK, NULL);
    record(t, false, 0, 0);
    assert_int_equal(t->fx.run.changes->previous_run_id, base);
    assert_int_equal(t->fx.run.changes->n, 0);
    tp_history_run *runs = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(tp_history_runs(t->h, 2, &runs, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);      /* limit honoured, newest first */
    assert_true(runs[0].id > runs[1].id);
    assert_true(runs[1].interrupted);
    assert_false(runs[0].interrupted);
    free(runs);
}

static void test_plan_change_not_compared(void **state)
{
    tctx *t = *state;
    open_ok(t);
    record(t, false, 0, 0);
    /* a probe of an endpoint the previous run did not have: no change, whatever its status */
    free(t->fx.cat.endpoints[FX_EP_MAPS].id);
    t->fx.cat.endpoints[FX_EP_MAPS].id = fx_s("maps-cp-eu");
    set_result(t, R(EP_MAPS, DIRECT), TP_ST_FAIL, "dns_nxdomain");
    record(t, false, 0, 0);
    assert_int_equal(t->fx.run.changes->n, 0);
}

/* ---------- retention ---------- */

static void test_retention_count(void **state)
{
    tctx *t = *state;
    open_ok(t);
    int64_t ids[6];
    for (int i = 0; i < 6; i++) {
        record(t, false, 3, 0);
        ids[i] = t->fx.run.changes->run_id;
        t->fx.run.started_at_ms += 1000;
    }
    tp_history_run *runs = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(tp_history_runs(t->h, 0, &runs, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(runs[0].id, ids[5]);
    assert_int_equal(runs[2].id, ids[3]);
    free(runs);
    /* the results of removed runs went with them */
    assert_int_equal(q_int(t->db, "SELECT count(DISTINCT run_id) FROM results"), 3);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM results"), 36);
    /* 0 = no limit */
    record(t, false, 0, 0);
    record(t, false, 0, 0);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM runs"), 5);
    /* keep 1: only the run just recorded */
    record(t, false, 1, 0);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM runs"), 1);
    assert_int_equal(q_int(t->db, "SELECT id FROM runs"), t->fx.run.changes->run_id);
}

static void test_retention_age(void **state)
{
    tctx *t = *state;
    open_ok(t);
    int64_t now = (int64_t)time(NULL) * 1000;
    int64_t day = 86400000;
    /* runs 10, 6 and 2 days old, then one now, keeping 5 days */
    int64_t ages[] = {10, 6, 2};
    for (int i = 0; i < 3; i++) {
        t->fx.run.started_at_ms = now - ages[i] * day;
        t->fx.run.finished_at_ms = t->fx.run.started_at_ms + 1000;
        record(t, false, 0, 0);
    }
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM runs"), 3);
    t->fx.run.started_at_ms = now;
    t->fx.run.finished_at_ms = now + 1000;
    record(t, false, 0, 5);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM runs"), 2);
    assert_int_equal(q_int(t->db, "SELECT min(started_at_ms) FROM runs"), now - 2 * day);
    assert_int_equal(q_int(t->db, "SELECT count(DISTINCT run_id) FROM results"), 2);
    /* prune on its own, a day later, keeping 1 day: the 2-day-old run goes */
    char err[256];
    assert_int_equal(tp_history_prune(t->h, 0, 1, now + day / 2, err, sizeof err), 0);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM runs"), 1);
}

/* ---------- timeline ---------- */

static void test_timeline(void **state)
{
    tctx *t = *state;
    open_ok(t);
    record(t, false, 0, 0);                                   /* run A */
    set_result(t, R(EP_MAPS, DIRECT), TP_ST_FAIL, "timeout");
    record(t, false, 0, 0);                                   /* run B */
    set_result(t, R(EP_MAPS, DIRECT), TP_ST_WARN, "crl_unreachable");
    free(t->fx.cat.endpoints[FX_EP_MMA].id);
    t->fx.cat.endpoints[FX_EP_MMA].id = fx_s("mma-oms");      /* a new probe in run C */
    record(t, false, 0, 0);                                   /* run C */
    int64_t last = t->fx.run.changes->run_id;

    tp_history_timeline tl;
    char err[256];
    assert_int_equal(tp_history_timeline_get(t->h, 2, &tl, err, sizeof err), 0);
    assert_int_equal(tl.n_runs, 2);
    assert_int_equal(tl.runs[1].id, last);                    /* oldest first */
    assert_true(tl.runs[0].id < tl.runs[1].id);
    /* 12 probes in B, C replaced mma-ods's 3 with mma-oms's 3 */
    assert_int_equal(tl.n_rows, 15);
    const tp_history_row *maps = NULL, *oms = NULL, *ods = NULL;
    for (size_t i = 0; i < tl.n_rows; i++) {
        if (i)
            assert_true(strcmp(tl.rows[i - 1].endpoint, tl.rows[i].endpoint) < 0 ||
                        (!strcmp(tl.rows[i - 1].endpoint, tl.rows[i].endpoint) &&
                         strcmp(tl.rows[i - 1].path, tl.rows[i].path) < 0));
        if (!strcmp(tl.rows[i].endpoint, "maps-cp-us") && !strcmp(tl.rows[i].path, "direct"))
            maps = &tl.rows[i];
        if (!strcmp(tl.rows[i].endpoint, "mma-oms") && !strcmp(tl.rows[i].path, "direct"))
            oms = &tl.rows[i];
        if (!strcmp(tl.rows[i].endpoint, "mma-ods") && !strcmp(tl.rows[i].path, "direct"))
            ods = &tl.rows[i];
    }
    assert_non_null(maps);
    assert_int_equal(maps->cells[0].status, TP_ST_FAIL);
    assert_string_equal(maps->cells[0].error_code, "timeout");
    assert_int_equal(maps->cells[1].status, TP_ST_WARN);
    assert_string_equal(maps->cells[1].error_code, "crl_unreachable");
    assert_true(maps->required);
    assert_string_equal(maps->service, "maps");
    assert_non_null(oms);
    assert_int_equal(oms->cells[0].status, -1);               /* not in run B */
    assert_int_equal(oms->cells[1].status, TP_ST_FAIL);
    assert_non_null(ods);
    assert_int_equal(ods->cells[0].status, TP_ST_FAIL);
    assert_int_equal(ods->cells[1].status, -1);
    assert_false(ods->required);
    tp_history_timeline_free(&tl);

    /* more than recorded: all of them */
    assert_int_equal(tp_history_timeline_get(t->h, 100, &tl, err, sizeof err), 0);
    assert_int_equal(tl.n_runs, 3);
    tp_history_timeline_free(&tl);
}

/* ---------- schema and bad files ---------- */

static void make_state_dir(tctx *t)
{
    char *cmd = tp_asprintf("mkdir -p '%s'", t->state);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void expect_open_error(tctx *t, const char *needle)
{
    char err[1024] = "";
    tp_history *h = NULL;
    assert_int_equal(tp_history_open(t->state, &h, err, sizeof err), -1);
    assert_null(h);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not say \"%s\"", err, needle);
    if (!strstr(err, t->db) && !strstr(err, t->state))
        fail_msg("error \"%s\" does not name the file", err);
}

static void test_schema_from_empty_file(void **state)
{
    tctx *t = *state;
    make_state_dir(t);
    write_file(t->db, "", 0);   /* an empty file is an empty SQLite database */
    open_ok(t);
    assert_int_equal(q_int(t->db, "PRAGMA user_version"), TP_HISTORY_SCHEMA);
    assert_int_equal(q_int(t->db, "PRAGMA application_id"), 0x544C5350);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM sqlite_master WHERE name IN ('runs','results')"), 2);
    record(t, false, 0, 0);
    tp_history_close(t->h);
    t->h = NULL;
    /* re-opening an existing history keeps it */
    open_ok(t);
    assert_int_equal(q_int(t->db, "SELECT count(*) FROM runs"), 1);
    /* WAL is persistent: the file header's read/write versions are 2 */
    unsigned char hdr[20];
    FILE *f = fopen(t->db, "rb");
    assert_non_null(f);
    assert_int_equal(fread(hdr, 1, sizeof hdr, f), sizeof hdr);
    fclose(f);
    assert_int_equal(hdr[18], 2);
    assert_int_equal(hdr[19], 2);
}

static void test_not_sqlite(void **state)
{
    tctx *t = *state;
    make_state_dir(t);
    const char text[] = "this is a report, not a database\n"
                        "................................................................\n"
                        "................................................................\n";
    write_file(t->db, text, sizeof text - 1);
    expect_open_error(t, "not a SQLite database");
}

static void test_damaged(void **state)
{
    tctx *t = *state;
    open_ok(t);
    for (int i = 0; i < 30; i++)
        record(t, false, 0, 0);
    tp_history_close(t->h);
    t->h = NULL;
    /* garbage over the pages after the first (the header stays valid) */
    struct stat st;
    assert_int_equal(stat(t->db, &st), 0);
    assert_true(st.st_size > 8192);
    int fd = open(t->db, O_WRONLY);
    assert_true(fd >= 0);
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + 3);
    for (off_t off = 4096; off + (off_t)sizeof junk <= st.st_size; off += 8192)
        assert_int_equal(pwrite(fd, junk, sizeof junk, off), (ssize_t)sizeof junk);
    close(fd);
    expect_open_error(t, "damaged");
}

static void test_foreign_and_newer(void **state)
{
    tctx *t = *state;
    make_state_dir(t);
    q_exec(t->db, "CREATE TABLE customers (id INTEGER)");
    expect_open_error(t, "another application");
    unlink(t->db);
    open_ok(t);
    tp_history_close(t->h);
    t->h = NULL;
    q_exec(t->db, "PRAGMA user_version=99");
    expect_open_error(t, "newer tlspath");
}

static void test_unwritable_state_dir(void **state)
{
    tctx *t = *state;
    /* a directory we may not write: root ignores modes, so drop to nobody in a child */
    char ro[160];
    snprintf(ro, sizeof ro, "%s/ro", t->dir);
    assert_int_equal(mkdir(ro, 0755), 0);
    assert_int_equal(chmod(t->dir, 0755), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(10);
        char err[1024] = "", sub[200];
        tp_history *h = NULL;
        /* the directory exists but is not writable */
        if (tp_history_open(ro, &h, err, sizeof err) != -1 || !strstr(err, "not writable") || !strstr(err, ro))
            _exit(11);
        /* it cannot be created */
        snprintf(sub, sizeof sub, "%s/state", ro);
        if (tp_history_open(sub, &h, err, sizeof err) != -1 || !strstr(err, "cannot create") ||
            !strstr(err, sub))
            _exit(12);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* a file where the directory should be */
    char file[200];
    snprintf(file, sizeof file, "%s/file", t->dir);
    write_file(file, "x", 1);
    char err[1024];
    tp_history *h = NULL;
    assert_int_equal(tp_history_open(file, &h, err, sizeof err), -1);
    assert_non_null(strstr(err, file));
}

/* The binary: a damaged history is a configuration error (exit 2) before any probe. */
static void test_binary_exit_2(void **state)
{
    tctx *t = *state;
    make_state_dir(t);
    write_file(t->db, "definitely not sqlite, long enough to have a header............", 64);
    char *cmd = tp_asprintf("'%s/tlspath' run --state-dir '%s' --resolver 127.0.0.1:9 --timeout 500 "
                            "--quiet 2>&1", TLSPATH_BINARY_DIR, t->state);
    int st;
    char *out = fx_capture(cmd, &st);
    assert_int_equal(st, 2);
    if (!strstr(out, "not a SQLite database") || !strstr(out, t->db))
        fail_msg("message: %s", out);
    free(out);
    free(cmd);
    /* --fail-on regression without a history is a usage error */
    cmd = tp_asprintf("'%s/tlspath' run --fail-on regression --quiet 2>&1", TLSPATH_BINARY_DIR);
    out = fx_capture(cmd, &st);
    assert_int_equal(st, 2);
    assert_non_null(strstr(out, "--state-dir"));
    free(out);
    free(cmd);
}

/* ---------- the sinks ---------- */

/* python3-jsonschema against docs/report.schema.json; returns its exit status. */
static int schema_validate(const char *json_text)
{
    char *file = fx_tmpfile(json_text, ".json");
    char *cmd = tp_asprintf(
        "python3 -c 'import json,sys,jsonschema\n"
        "s=json.load(open(sys.argv[1])); d=json.load(open(sys.argv[2]))\n"
        "jsonschema.Draft202012Validator.check_schema(s)\n"
        "jsonschema.Draft202012Validator(s).validate(d)' '%s/docs/report.schema.json' '%s' 2>/dev/null",
        TLSPATH_SOURCE_DIR, file);
    int st = system(cmd);
    unlink(file);
    free(file);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int promtool_check(const char *text)
{
    char *file = fx_tmpfile(text, ".prom");
    char *cmd = tp_asprintf("promtool check metrics < '%s' >/dev/null 2>&1", file);
    int st = system(cmd);
    unlink(file);
    free(file);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_sinks_show_changes(void **state)
{
    tctx *t = *state;
    int rc;
    /* without history: JSON says null, the others say nothing */
    char *json = fx_render(&t->fx.run, tp_report_json, &rc);
    cJSON *doc = cJSON_Parse(json);
    assert_non_null(doc);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(doc, "changes")));
    cJSON_Delete(doc);
    assert_int_equal(schema_validate(json), 0);
    free(json);
    char *prom = fx_render(&t->fx.run, tp_report_prom, &rc);
    assert_null(strstr(prom, "tlspath_changes"));
    free(prom);

    open_ok(t);
    record(t, false, 0, 0);
    mutate(t);
    record(t, false, 0, 0);
    json = fx_render(&t->fx.run, tp_report_json, &rc);
    assert_int_equal(rc, 0);
    doc = cJSON_Parse(json);
    cJSON *c = cJSON_GetObjectItem(doc, "changes");
    assert_true(cJSON_IsObject(c));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "previous"), "started_at")->valuestring,
                        "2026-11-30T00:53:20.000Z");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "counts"), "changed_cause")->valueint, 3);
    assert_int_equal(cJSON_GetObjectItem(c, "regressions")->valueint, 2);
    cJSON *nf = cJSON_GetObjectItem(c, "newly_failing");
    assert_int_equal(cJSON_GetArraySize(nf), 2);
    cJSON *first = cJSON_GetArrayItem(nf, 0);
    assert_string_equal(cJSON_GetObjectItem(first, "endpoint")->valuestring, "maps-cp-us");
    assert_string_equal(cJSON_GetObjectItem(first, "path")->valuestring, "direct");
    assert_string_equal(cJSON_GetObjectItem(first, "error_code")->valuestring, "connect_timeout");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(first, "previous"), "status")->valuestring, "ok");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "recovered")), 1);
    assert_int_equal(schema_validate(json), 0);
    /* the schema does constrain the object: without its counts it is refused */
    cJSON_DeleteItemFromObject(c, "counts");
    char *broken = cJSON_Print(doc);
    assert_int_not_equal(schema_validate(broken), 0);
    free(broken);
    cJSON_Delete(doc);
    assert_false(fx_leaks_secret(json));
    free(json);

    /* the hook's document carries the same object */
    char *hook = tp_changes_hook_doc(&t->fx.run);
    doc = cJSON_Parse(hook);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "changes"), "counts"),
                                         "newly_failing")->valueint, 2);
    assert_string_equal(cJSON_GetObjectItem(doc, "verdict")->valuestring, "fail");
    assert_false(fx_leaks_secret(hook));
    cJSON_Delete(doc);
    free(hook);

    tp_table_opts o = {.color = false, .width = 120};
    char *table = NULL;
    {
        struct { char *buf; size_t len; } *ms = calloc(1, sizeof *ms);
        FILE *f = open_memstream(&ms->buf, &ms->len);
        assert_int_equal(tp_report_table(&t->fx.run, f, &o), 0);
        fclose(f);
        table = ms->buf;
        free(ms);
    }
    assert_non_null(strstr(table, "Changes since the previous run (2026-11-30T00:53:20.000Z): 2 newly failing, "
                                  "1 recovered, 3 changed cause"));
    assert_non_null(strstr(table, "NEW FAIL  maps-cp-us via direct: ok - -> fail connect_timeout"));
    assert_non_null(strstr(table, "RECOVERED maps-cp-us via corp: fail intercepted -> ok -"));
    free(table);

    prom = fx_render(&t->fx.run, tp_report_prom, &rc);
    assert_non_null(strstr(prom, "\ntlspath_changes{kind=\"newly_failing\"} 2\n"));
    assert_non_null(strstr(prom, "\ntlspath_changes{kind=\"recovered\"} 1\n"));
    assert_non_null(strstr(prom, "\ntlspath_regressions 2\n"));
    assert_non_null(strstr(prom, "\ntlspath_probe_changed{endpoint=\"maps-cp-us\",path=\"corp\",kind=\"recovered\"} 1\n"));
    assert_int_equal(promtool_check(prom), 0);
    free(prom);

    char *junit = fx_render(&t->fx.run, tp_report_junit, &rc);
    assert_non_null(strstr(junit, "change: changed_cause"));
    free(junit);
    char *html = fx_render(&t->fx.run, tp_report_html, &rc);
    assert_non_null(strstr(html, "\"newly_failing\":[{\"endpoint\":\"maps-cp-us\""));
    assert_non_null(strstr(html, "id=\"changes\""));
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_run_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_not_baseline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_change_not_compared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_age, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_from_empty_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_sqlite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_and_newer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_state_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sinks_show_changes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
