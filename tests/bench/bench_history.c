/* bench_history.c — what the run history costs: the time to record a run (insert, compare
 * with the previous run, prune) as the database fills up to its retention, the time to
 * open it (schema check and quick_check included), to list runs and to read a timeline,
 * and the file's size.
 *
 *   bench_history [endpoints (100)] [paths (2)] [runs (2000)] [DIR (a temp dir, removed)]
 *
 * Each run has endpoints x paths probes; one probe in ten flips status every run so every
 * record also computes changes. Retention keeps `runs` runs, so the last records prune. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/history.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const char *err)
{
    fprintf(stderr, "bench_history: %s: %s\n", what, err);
    exit(1);
}

int main(int argc, char **argv)
{
    size_t n_ep = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
    size_t n_paths = argc > 2 ? strtoul(argv[2], NULL, 10) : 2;
    int n_runs = argc > 3 ? atoi(argv[3]) : 2000;
    char tmp[] = "/tmp/tlspath-bench-history-XXXXXX";
    const char *dir = argc > 4 ? argv[4] : mkdtemp(tmp);
    if (!dir || !n_ep || !n_paths || n_runs < 2)
        die("usage", "bench_history [endpoints] [paths] [runs>=2] [dir]");

    tp_endpoint *eps = calloc(n_ep, sizeof *eps);
    tp_path *paths = calloc(n_paths, sizeof *paths);
    tp_result *res = calloc(n_ep * n_paths, sizeof *res);
    char (*ids)[48] = calloc(n_ep + n_paths, sizeof *ids);
    if (!eps || !paths || !res || !ids)
        die("setup", "out of memory");
    for (size_t e = 0; e < n_ep; e++) {
        snprintf(ids[e], sizeof ids[e], "endpoint-%04zu", e);
        eps[e].id = ids[e];
        eps[e].service = "maps";
        eps[e].required = e % 2 == 0;
    }
    for (size_t p = 0; p < n_paths; p++) {
        snprintf(ids[n_ep + p], sizeof ids[0], "path-%zu", p);
        paths[p].id = ids[n_ep + p];
    }
    for (size_t i = 0; i < n_ep * n_paths; i++) {
        res[i].ep = &eps[i / n_paths];
        res[i].path = res[i].used_path = &paths[i % n_paths];
        res[i].phase = TP_PH_DONE;
        res[i].t.total = 12.5;
        res[i].http_status = 404;
    }
    tp_run run = {.results = res, .n_results = n_ep * n_paths};

    char err[1024];
    tp_history *h = NULL;
    if (tp_history_open(dir, &h, err, sizeof err) != 0)
        die("open", err);
    double total = 0, worst = 0, last100 = 0;
    int64_t t0 = (int64_t)time(NULL) * 1000 - (int64_t)n_runs * 60000;
    for (int r = 0; r < n_runs + 100; r++) {   /* the last 100 also prune */
        for (size_t i = 0; i < run.n_results; i += 10) {
            bool fail = ((size_t)r + i) % 2;
            res[i].status = fail ? TP_ST_FAIL : TP_ST_OK;
            res[i].error_code = fail ? (r % 3 ? TP_OC_CONNECT_TIMEOUT : TP_OC_DNS_TIMEOUT) : TP_OC_NONE;
        }
        run.started_at_ms = t0 + (int64_t)r * 60000;
        run.finished_at_ms = run.started_at_ms + 5000;
        double s = now_ms();
        if (tp_history_record(h, &run, false, n_runs, 0, err, sizeof err) != 0)
            die("record", err);
        double d = now_ms() - s;
        total += d;
        worst = d > worst ? d : worst;
        if (r >= n_runs)
            last100 += d;
        tp_changes_free(run.changes);
        run.changes = NULL;
    }
    tp_history_close(h);

    double s = now_ms();
    if (tp_history_open(dir, &h, err, sizeof err) != 0)
        die("reopen", err);
    double open_ms = now_ms() - s;
    tp_history_run *runs = NULL;
    size_t n = 0;
    s = now_ms();
    if (tp_history_runs(h, 100, &runs, &n, err, sizeof err) != 0)
        die("runs", err);
    double runs_ms = now_ms() - s;
    free(runs);
    tp_history_timeline tl;
    s = now_ms();
    if (tp_history_timeline_get(h, 100, &tl, err, sizeof err) != 0)
        die("timeline", err);
    double tl_ms = now_ms() - s;
    size_t rows = tl.n_rows;
    tp_history_timeline_free(&tl);
    tp_history_close(h);

    char db[512];
    snprintf(db, sizeof db, "%s/%s", dir, TP_HISTORY_DB_NAME);
    struct stat st;
    stat(db, &st);
    printf("history: %zu probes/run, %d runs kept (%d recorded)\n", run.n_results, n_runs, n_runs + 100);
    printf("  record   avg %.2f ms, worst %.2f ms; while pruning (last 100) avg %.2f ms\n",
           total / (n_runs + 100), worst, last100 / 100);
    printf("  open     %.1f ms (schema check + quick_check)\n", open_ms);
    printf("  runs     %.2f ms for the newest 100\n", runs_ms);
    printf("  timeline %.1f ms for 100 runs x %zu probes\n", tl_ms, rows);
    printf("  file     %.1f MiB (%.1f KiB per run)\n", (double)st.st_size / 1048576.0,
           (double)st.st_size / 1024.0 / n_runs);
    if (argc <= 4) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 1;
    }
    free(eps);
    free(paths);
    free(res);
    free(ids);
    return 0;
}
