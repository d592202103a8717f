/* history.c — the run history in SQLite (see history.h for the contract). SQLite is
 * the store because it gives atomic, crash-safe transactions in one file with no
 * daemon, and Debian ships it everywhere tlspath runs. */
#include "store/history.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define APP_ID 0x544C5350          /* "TLSP" */
#define BUSY_TIMEOUT_MS 5000
#define MS_PER_DAY ((int64_t)86400 * 1000)

struct tp_history {
    sqlite3 *db;
    char *file;
};

/* ---------- errors ---------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* One line that says what is wrong with the file and what to do, from SQLite's code. */
static int db_fail(sqlite3 *db, const char *file, const char *doing, char *err, size_t errlen)
{
    int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_CANTOPEN;
    const char *msg = db ? sqlite3_errmsg(db) : "out of memory";
    switch (code) {
    case SQLITE_NOTADB:
        return fail(err, errlen, "%s: not a SQLite database (%s); a tlspath history was expected: "
                    "move the file aside and a new history starts", file, msg);
    case SQLITE_CORRUPT:
        return fail(err, errlen, "%s: the history database is damaged (%s); move it aside (and its "
                    "-wal/-shm files) and a new history starts", file, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return fail(err, errlen, "%s: locked by another process for more than %d s while %s (%s)",
                    file, BUSY_TIMEOUT_MS / 1000, doing, msg);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return fail(err, errlen, "%s: cannot be written while %s (%s)", file, doing, msg);
    default:
        return fail(err, errlen, "%s: %s failed: %s", file, doing, msg);
    }
}

static int exec(tp_history *h, const char *sql, const char *doing, char *err, size_t errlen)
{
    if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(h->db, h->file, doing, err, errlen);
    return 0;
}

/* The single integer a PRAGMA or scalar query returns. */
static int scalar(tp_history *h, const char *sql, int64_t *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        db_fail(h->db, h->file, "reading the database header", err, errlen);
        sqlite3_finalize(st);
        return -1;
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static void rollback(tp_history *h)
{
    /* after a failed statement SQLite may already have rolled back: ignore the answer */
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---------- schema ---------- */

/* Schema version 1. Statuses and phases are stored by name so that `sqlite3 history.db`
 * reads without a decoder. */
static const char SCHEMA_V1[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"      /* never reused: timelines refer to ids */
    " started_at_ms INTEGER NOT NULL,"
    " finished_at_ms INTEGER NOT NULL,"
    " verdict TEXT NOT NULL,"                      /* pass | fail */
    " interrupted INTEGER NOT NULL DEFAULT 0,"
    " probes INTEGER NOT NULL, ok INTEGER NOT NULL, warn INTEGER NOT NULL,"
    " fail INTEGER NOT NULL, skipped INTEGER NOT NULL, required_failed INTEGER NOT NULL,"
    " tool_version TEXT NOT NULL);"
    "CREATE INDEX runs_started ON runs(started_at_ms);"
    "CREATE TABLE results ("
    " run_id INTEGER NOT NULL REFERENCES runs(id),"
    " endpoint TEXT NOT NULL, path TEXT NOT NULL,"
    " service TEXT, required INTEGER NOT NULL,"
    " status TEXT NOT NULL,"                       /* ok | warn | fail | skipped */
    " error_code TEXT, phase TEXT NOT NULL, http_status INTEGER,"
    " total_ms REAL, windows_error TEXT,"
    " PRIMARY KEY (run_id, endpoint, path)) WITHOUT ROWID;";

/* Brings the schema to TP_HISTORY_SCHEMA inside one IMMEDIATE transaction (so two
 * processes opening a new file at once do not both create it). */
static int migrate(tp_history *h, char *err, size_t errlen)
{
    int64_t version = 0, app = 0, objects = 0;
    if (exec(h, "BEGIN IMMEDIATE", "opening the history", err, errlen))
        return -1;
    if (scalar(h, "PRAGMA user_version", &version, err, errlen) ||
        scalar(h, "PRAGMA application_id", &app, err, errlen) ||
        scalar(h, "SELECT count(*) FROM sqlite_master", &objects, err, errlen))
        goto fail;
    if (app != APP_ID && (app != 0 || version != 0 || objects != 0)) {
        fail(err, errlen, "%s: a SQLite database of another application (application_id %lld), not a "
             "tlspath history: use another --state-dir", h->file, (long long)app);
        goto fail;
    }
    if (version > TP_HISTORY_SCHEMA) {
        fail(err, errlen, "%s: written by a newer tlspath (history schema %lld; this one knows up to %d): "
             "upgrade tlspath or use another --state-dir", h->file, (long long)version, TP_HISTORY_SCHEMA);
        goto fail;
    }
    if (version < 1) {
        char sql[128];
        snprintf(sql, sizeof sql, "PRAGMA application_id=%d", APP_ID);
        if (exec(h, SCHEMA_V1, "creating the history tables", err, errlen) ||
            exec(h, sql, "creating the history tables", err, errlen))
            goto fail;
    }
    /* later versions: `if (version < 2) ALTER ...` here, in order */
    if (version < TP_HISTORY_SCHEMA) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d", TP_HISTORY_SCHEMA);
        if (exec(h, sql, "upgrading the history schema", err, errlen))
            goto fail;
    }
    return exec(h, "COMMIT", "creating the history tables", err, errlen);
fail:
    rollback(h);
    return -1;
}

/* ---------- open / close ---------- */

/* mkdir -p, the last component 0700 (the history says which endpoints fail: not for
 * every local user); parents that are missing get 0755. */
static int make_dir(const char *dir)
{
    char *p = strdup(dir);
    if (!p)
        return -1;
    int rc = 0;
    for (char *s = p + 1; *s && rc == 0; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                rc = -1;
            *s = '/';
        }
    if (rc == 0 && mkdir(p, 0700) != 0 && errno != EEXIST)
        rc = -1;
    int saved = errno;
    free(p);
    errno = saved;
    return rc;
}

int tp_history_open(const char *state_dir, tp_history **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!state_dir || !*state_dir)
        return fail(err, errlen, "state directory: expected a directory name, got an empty one");
    struct stat st;
    if (make_dir(state_dir) != 0)
        return fail(err, errlen, "%s: cannot create the state directory: %s", state_dir, strerror(errno));
    if (stat(state_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(err, errlen, "%s: not a directory", state_dir);
    /* WAL needs to create history.db-wal and -shm beside the database, even to read it */
    if (access(state_dir, W_OK | X_OK) != 0)
        return fail(err, errlen, "%s: the state directory is not writable (%s): the history database and "
                    "its -wal/-shm files are created there", state_dir, strerror(errno));

    tp_history *h = calloc(1, sizeof *h);
    if (!h)
        return fail(err, errlen, "out of memory");
    size_t len = strlen(state_dir);
    bool slash = len && state_dir[len - 1] == '/';
    h->file = malloc(len + sizeof TP_HISTORY_DB_NAME + 1);
    if (!h->file) {
        free(h);
        return fail(err, errlen, "out of memory");
    }
    sprintf(h->file, "%s%s%s", state_dir, slash ? "" : "/", TP_HISTORY_DB_NAME);
    if (stat(h->file, &st) == 0 && !S_ISREG(st.st_mode)) {
        fail(err, errlen, "%s: not a regular file", h->file);
        goto fail;
    }
    if (sqlite3_open_v2(h->file, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        db_fail(h->db, h->file, "opening", err, errlen);
        goto fail;
    }
    sqlite3_extended_result_codes(h->db, 1);
    sqlite3_busy_timeout(h->db, BUSY_TIMEOUT_MS);

    /* The first read of the file: a non-database fails here with SQLITE_NOTADB. */
    sqlite3_stmt *st_wal = NULL;
    int rc = sqlite3_prepare_v2(h->db, "PRAGMA journal_mode=WAL", -1, &st_wal, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st_wal);
    if (rc != SQLITE_ROW) {
        db_fail(h->db, h->file, "opening", err, errlen);
        sqlite3_finalize(st_wal);
        goto fail;
    }
    const char *mode = (const char *)sqlite3_column_text(st_wal, 0);
    bool wal = mode && !strcmp(mode, "wal");
    sqlite3_finalize(st_wal);
    if (!wal) {
        fail(err, errlen, "%s: cannot use write-ahead logging here (journal mode \"%s\"); the state "
             "directory must be on a local file system", h->file, mode ? mode : "?");
        goto fail;
    }
    if (exec(h, "PRAGMA synchronous=NORMAL", "opening", err, errlen) || migrate(h, err, errlen))
        goto fail;
    /* Damage the header checks cannot see shows here, before a run is spent on it. */
    sqlite3_stmt *qc = NULL;
    rc = sqlite3_prepare_v2(h->db, "PRAGMA quick_check(1)", -1, &qc, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(qc);
    if (rc != SQLITE_ROW) {
        db_fail(h->db, h->file, "checking the database", err, errlen);
        sqlite3_finalize(qc);
        goto fail;
    }
    const char *ok = (const char *)sqlite3_column_text(qc, 0);
    if (!ok || strcmp(ok, "ok") != 0) {
        fail(err, errlen, "%s: the history database is damaged (%s); move it aside (and its -wal/-shm files) "
             "and a new history starts", h->file, ok ? ok : "?");
        sqlite3_finalize(qc);
        goto fail;
    }
    sqlite3_finalize(qc);
    *out = h;
    return 0;
fail:
    tp_history_close(h);
    return -1;
}

void tp_history_close(tp_history *h)
{
    if (!h)
        return;
    if (h->db)
        sqlite3_close_v2(h->db);   /* the last connection checkpoints and removes the WAL */
    free(h->file);
    free(h);
}

const char *tp_history_file(const tp_history *h)
{
    return h ? h->file : NULL;
}

/* ---------- changes ---------- */

static int status_from_name(const char *s)
{
    static const char *const names[] = {"ok", "warn", "fail", "skipped"};
    for (int i = 0; s && i < 4; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* ---------- record ---------- */

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The previous complete run and its results, sorted by (endpoint, path). */
typedef struct prev_run {
    int64_t id, started, finished;
    tp_history_prev *rows;
    char **strs;               /* owned copies behind rows[] */
    size_t n, n_strs;
} prev_run;

static void prev_free(prev_run *p)
{
    for (size_t i = 0; i < p->n_strs; i++)
        free(p->strs[i]);
    free(p->strs);
    free(p->rows);
    memset(p, 0, sizeof *p);
}

static const char *keep_str(prev_run *p, const unsigned char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup((const char *)s);
    char **v = d ? realloc(p->strs, (p->n_strs + 1) * sizeof *v) : NULL;
    if (!v) {
        free(d);
        *oom = true;
        return NULL;
    }
    p->strs = v;
    p->strs[p->n_strs++] = d;
    return d;
}

static int load_previous(tp_history *h, prev_run *p, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    memset(p, 0, sizeof *p);
    p->id = -1;
    int rc = sqlite3_prepare_v2(h->db, "SELECT id, started_at_ms, finished_at_ms FROM runs "
                                "WHERE interrupted = 0 ORDER BY id DESC LIMIT 1", -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        p->id = sqlite3_column_int64(st, 0);
        p->started = sqlite3_column_int64(st, 1);
        p->finished = sqlite3_column_int64(st, 2);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE)
        return db_fail(h->db, h->file, "reading the previous run", err, errlen);
    if (p->id < 0)
        return 0;
    rc = sqlite3_prepare_v2(h->db, "SELECT endpoint, path, status, error_code FROM results "
                            "WHERE run_id = ? ORDER BY endpoint, path", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, p->id);
    bool oom = false;
    size_t cap = 0;
    while (rc == SQLITE_OK && !oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int status = status_from_name((const char *)sqlite3_column_text(st, 2));
        if (status < 0) {
            rc = SQLITE_OK;
            continue;    /* not a status this version knows: nothing to compare with */
        }
        if (p->n == cap) {
            cap = cap ? cap * 2 : 64;
            tp_history_prev *v = realloc(p->rows, cap * sizeof *v);
            if (!v) {
                oom = true;
                break;
            }
            p->rows = v;
        }
        tp_history_prev *row = &p->rows[p->n];
        row->endpoint = keep_str(p, sqlite3_column_text(st, 0), &oom);
        row->path = keep_str(p, sqlite3_column_text(st, 1), &oom);
        row->status = (tp_status)status;
        row->error_code = keep_str(p, sqlite3_column_text(st, 3), &oom);
        if (!oom && row->endpoint && row->path)
            p->n++;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (oom) {
        prev_free(p);
        return fail(err, errlen, "out of memory");
    }
    if (rc != SQLITE_DONE) {
        prev_free(p);
        return db_fail(h->db, h->file, "reading the previous run", err, errlen);
    }
    return 0;
}

static int insert_run(tp_history *h, const tp_run *run, bool interrupted, int64_t *id, char *err,
                      size_t errlen)
{
    tp_summary s;
    tp_run_summary(run, &s);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h->db, "INSERT INTO runs (started_at_ms, finished_at_ms, verdict, interrupted,"
                                " probes, ok, warn, fail, skipped, required_failed, tool_version)"
                                " VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run->started_at_ms);
        sqlite3_bind_int64(st, 2, run->finished_at_ms);
        sqlite3_bind_text(st, 3, tp_summary_verdict(&s), -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, interrupted);
        sqlite3_bind_int64(st, 5, (int64_t)s.probes);
        sqlite3_bind_int64(st, 6, (int64_t)s.ok);
        sqlite3_bind_int64(st, 7, (int64_t)s.warn);
        sqlite3_bind_int64(st, 8, (int64_t)s.fail);
        sqlite3_bind_int64(st, 9, (int64_t)s.skipped);
        sqlite3_bind_int64(st, 10, (int64_t)s.required_failed);
        sqlite3_bind_text(st, 11, TLSPATH_VERSION, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(h->db, h->file, "recording the run", err, errlen);
    *id = sqlite3_last_insert_rowid(h->db);

    rc = sqlite3_prepare_v2(h->db, "INSERT OR REPLACE INTO results (run_id, endpoint, path, service, required,"
                            " status, error_code, phase, http_status, total_ms, windows_error)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (!r->ep || !r->path)
            continue;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_text(st, 2, r->ep->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->path->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->ep->service, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, r->ep->required);
        sqlite3_bind_text(st, 6, tp_status_name(r->status), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, tp_outcome_name(r->error_code), -1, SQLITE_STATIC);   /* NULL binds NULL */
        sqlite3_bind_text(st, 8, tp_phase_name(r->phase), -1, SQLITE_STATIC);
        if (r->http_status > 0)
            sqlite3_bind_int(st, 9, r->http_status);
        else
            sqlite3_bind_null(st, 9);
        if (r->t.total >= 0)
            sqlite3_bind_double(st, 10, r->t.total);
        else
            sqlite3_bind_null(st, 10);
        sqlite3_bind_text(st, 11, r->windows_error, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        rc = rc == SQLITE_DONE ? sqlite3_reset(st) : rc;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK)
        return db_fail(h->db, h->file, "recording the results", err, errlen);
    return 0;
}

static int prune(tp_history *h, int keep_runs, int keep_days, int64_t now, int64_t keep_id, char *err,
                 size_t errlen)
{
    static const char cond[] =
        " FROM runs WHERE id <> :keep_id AND ("
        " (:keep_runs > 0 AND id NOT IN (SELECT id FROM runs ORDER BY id DESC LIMIT :keep_runs))"
        " OR (:cutoff > 0 AND started_at_ms < :cutoff))";
    static const char *const sql[] = {"DELETE FROM results WHERE run_id IN (SELECT id", "DELETE"};
    int64_t cutoff = keep_days > 0 ? now - (int64_t)keep_days * MS_PER_DAY : 0;
    for (int i = 0; i < 2; i++) {
        char q[512];
        snprintf(q, sizeof q, "%s%s%s", sql[i], cond, i == 0 ? ")" : "");
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(h->db, q, -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":keep_id"), keep_id);
            sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":keep_runs"), keep_runs);
            sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":cutoff"), cutoff);
            rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return db_fail(h->db, h->file, "removing old runs", err, errlen);
    }
    return 0;
}

int tp_history_prune(tp_history *h, int keep_runs, int keep_days, int64_t now, char *err, size_t errlen)
{
    if (exec(h, "BEGIN IMMEDIATE", "removing old runs", err, errlen))
        return -1;
    if (prune(h, keep_runs, keep_days, now, -1, err, errlen) ||
        exec(h, "COMMIT", "removing old runs", err, errlen)) {
        rollback(h);
        return -1;
    }
    return 0;
}

int tp_history_record(tp_history *h, tp_run *run, bool interrupted, int keep_runs, int keep_days,
                      char *err, size_t errlen)
{
    prev_run prev;
    tp_changes *ch = NULL;
    int64_t id = 0;
    memset(&prev, 0, sizeof prev);
    /* IMMEDIATE: take the write lock first, so the baseline read and the insert see the
     * same history even when serve and a one-shot run share the file */
    if (exec(h, "BEGIN IMMEDIATE", "recording the run", err, errlen))
        return -1;
    if (load_previous(h, &prev, err, errlen) || insert_run(h, run, interrupted, &id, err, errlen))
        goto fail;
    if (!(ch = tp_changes_compute(run, prev.rows, prev.n))) {
        fail(err, errlen, "out of memory");
        goto fail;
    }
    ch->run_id = id;
    ch->has_previous = prev.id >= 0;
    ch->previous_run_id = prev.id;
    ch->previous_started_at_ms = prev.started;
    ch->previous_finished_at_ms = prev.finished;
    int64_t now = run->finished_at_ms > 0 ? run->finished_at_ms : now_ms();
    if (prune(h, keep_runs, keep_days, now, id, err, errlen) ||
        exec(h, "COMMIT", "recording the run", err, errlen))
        goto fail;
    prev_free(&prev);
    tp_changes_free(run->changes);
    run->changes = ch;
    return 0;
fail:
    rollback(h);
    prev_free(&prev);
    tp_changes_free(ch);
    return -1;
}

/* ---------- reading ---------- */

static void run_from_row(sqlite3_stmt *st, tp_history_run *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->started_at_ms = sqlite3_column_int64(st, 1);
    r->finished_at_ms = sqlite3_column_int64(st, 2);
    const char *v = (const char *)sqlite3_column_text(st, 3);
    r->pass = v && !strcmp(v, "pass");
    r->interrupted = sqlite3_column_int(st, 4) != 0;
    r->probes = (size_t)sqlite3_column_int64(st, 5);
    r->ok = (size_t)sqlite3_column_int64(st, 6);
    r->warn = (size_t)sqlite3_column_int64(st, 7);
    r->fail = (size_t)sqlite3_column_int64(st, 8);
    r->skipped = (size_t)sqlite3_column_int64(st, 9);
    r->required_failed = (size_t)sqlite3_column_int64(st, 10);
}

int tp_history_runs(tp_history *h, size_t limit, tp_history_run **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h->db, "SELECT id, started_at_ms, finished_at_ms, verdict, interrupted, probes,"
                                " ok, warn, fail, skipped, required_failed FROM runs ORDER BY id DESC LIMIT ?",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 1, limit ? (int64_t)limit : -1);
    size_t cap = 0;
    tp_history_run *v = NULL;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            tp_history_run *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                sqlite3_finalize(st);
                free(v);
                *n = 0;
                return fail(err, errlen, "out of memory");
            }
            v = nv;
        }
        run_from_row(st, &v[(*n)++]);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(v);
        *n = 0;
        return db_fail(h->db, h->file, "listing runs", err, errlen);
    }
    *out = v;
    return 0;
}

void tp_history_timeline_free(tp_history_timeline *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_rows; i++) {
        tp_history_row *r = &t->rows[i];
        for (size_t k = 0; r->cells && k < t->n_runs; k++)
            free(r->cells[k].error_code);
        free(r->cells);
        free(r->endpoint);
        free(r->path);
        free(r->service);
    }
    free(t->rows);
    free(t->runs);
    memset(t, 0, sizeof *t);
}

static tp_history_row *timeline_row(tp_history_timeline *t, size_t *cap, const char *ep, const char *path)
{
    if (t->n_rows) {
        tp_history_row *last = &t->rows[t->n_rows - 1];
        if (!strcmp(last->endpoint, ep) && !strcmp(last->path, path))
            return last;
    }
    if (t->n_rows == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        tp_history_row *v = realloc(t->rows, nc * sizeof *v);
        if (!v)
            return NULL;
        t->rows = v;
        *cap = nc;
    }
    tp_history_row *r = &t->rows[t->n_rows];
    memset(r, 0, sizeof *r);
    r->endpoint = strdup(ep);
    r->path = strdup(path);
    r->cells = calloc(t->n_runs, sizeof *r->cells);
    t->n_rows++;    /* counted now so that the free below releases what was allocated */
    if (!r->endpoint || !r->path || !r->cells)
        return NULL;
    for (size_t k = 0; k < t->n_runs; k++)
        r->cells[k].status = -1;
    return r;
}

int tp_history_timeline_get(tp_history *h, size_t last_n, tp_history_timeline *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    if (tp_history_runs(h, last_n ? last_n : 1, &t->runs, &t->n_runs, err, errlen))
        return -1;
    for (size_t i = 0; i < t->n_runs / 2; i++) {   /* newest first -> oldest first */
        tp_history_run tmp = t->runs[i];
        t->runs[i] = t->runs[t->n_runs - 1 - i];
        t->runs[t->n_runs - 1 - i] = tmp;
    }
    if (!t->n_runs)
        return 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h->db, "SELECT run_id, endpoint, path, service, required, status, error_code"
                                " FROM results WHERE run_id >= ? AND run_id <= ? ORDER BY endpoint, path, run_id",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, t->runs[0].id);
        sqlite3_bind_int64(st, 2, t->runs[t->n_runs - 1].id);
    }
    size_t cap = 0;
    bool oom = false;
    while (rc == SQLITE_OK && !oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = SQLITE_OK;
        int64_t run_id = sqlite3_column_int64(st, 0);
        const char *ep = (const char *)sqlite3_column_text(st, 1);
        const char *path = (const char *)sqlite3_column_text(st, 2);
        if (!ep || !path)
            continue;
        size_t lo = 0, hi = t->n_runs;   /* runs are sorted by id */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (t->runs[mid].id < run_id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == t->n_runs || t->runs[lo].id != run_id)
            continue;   /* a run recorded between the two queries */
        tp_history_row *row = timeline_row(t, &cap, ep, path);
        if (!row) {
            oom = true;
            break;
        }
        const char *svc = (const char *)sqlite3_column_text(st, 3);
        free(row->service);
        row->service = svc ? strdup(svc) : NULL;   /* the newest run's wins (ordered by run_id) */
        row->required = sqlite3_column_int(st, 4) != 0;
        row->cells[lo].status = status_from_name((const char *)sqlite3_column_text(st, 5));
        const char *code = (const char *)sqlite3_column_text(st, 6);
        free(row->cells[lo].error_code);
        row->cells[lo].error_code = code ? strdup(code) : NULL;
        oom = (svc && !row->service) || (code && !row->cells[lo].error_code);
    }
    sqlite3_finalize(st);
    if (oom || rc != SQLITE_DONE) {
        if (oom)
            fail(err, errlen, "out of memory");
        else
            db_fail(h->db, h->file, "reading the timeline", err, errlen);
        tp_history_timeline_free(t);
        return -1;
    }
    return 0;
}
