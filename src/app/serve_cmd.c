/* serve_cmd.c — `tlspath serve`: turns the command line into serve's options and hooks
 * (serve/ knows neither how a configuration is built from argv nor how a run is made),
 * then runs the one loop until a signal or --max-runs stops it. */
#include "app/serve_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <uv.h>

#include "core/changes.h"
#include "input/config.h"
#include "judge/verdict.h"
#include "net/engine.h"
#include "pki/anchors.h"
#include "plan/plan.h"
#include "serve/serve.h"

#define EXIT_OK 0
#define EXIT_USAGE 2
#define TOKEN_MAX 4096

typedef struct runner runner;

typedef struct app_ctx {
    const tp_cli *cli;
    runner *active;
} app_ctx;

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* ---------- configuration hook ---------- */

static tp_config *load_config(void *ud, char *err, size_t errlen)
{
    app_ctx *a = ud;
    tp_config *cfg = calloc(1, sizeof *cfg);
    tp_catalog *cats = NULL;
    size_t n_cats = 0, n = 0;
    tp_result *res = NULL;
    if (!cfg) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* what a run would refuse is refused now: a reload never installs a config whose
     * runs could only fail */
    int rc = tp_cli_build_config(a->cli, cfg, err, errlen);
    if (rc == 0)
        rc = tp_catalogs_load(cfg, &cats, &n_cats, err, errlen);
    if (rc == 0)
        rc = tp_plan_build(cfg, cats, n_cats, &res, &n, err, errlen);
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "the selection matches no endpoint (check --service, --geo, --os, --onboarding, "
                              "--required-only)");
        rc = -1;
    }
    tp_plan_free(res, n);
    tp_catalogs_free(cats, n_cats);
    if (rc != 0) {
        tp_config_free(cfg);
        free(cfg);
        return NULL;
    }
    return cfg;
}

static void free_config(void *ud, tp_config *cfg)
{
    (void)ud;
    tp_config_free(cfg);
    free(cfg);
}

/* ---------- run hook ----------
 * Until the run is a pipeline on the caller's loop, the blocking run (its own loop, inside
 * tp_engine_run) goes to libuv's thread pool: serve's loop keeps answering while it runs,
 * and its end comes back on serve's loop (after_work). It cannot be cancelled: SIGTERM
 * then waits for it to finish (every probe has its deadline). */

struct runner {
    uv_work_t work;
    app_ctx *app;
    const tp_config *cfg;
    tp_serve_run_done done;
    void *done_ud;
    tp_catalog *cats;
    size_t n_cats;
    tp_run run;
    char err[1024];
    int rc;
};

static void run_work(uv_work_t *w)
{
    runner *r = w->data;
    tp_run *run = &r->run;
    size_t n = 0;
    r->rc = -1;
    if (tp_catalogs_load(r->cfg, &r->cats, &r->n_cats, r->err, sizeof r->err) != 0 ||
        tp_plan_build(r->cfg, r->cats, r->n_cats, &run->results, &n, r->err, sizeof r->err) != 0)
        return;
    run->cfg = r->cfg;
    run->catalogs = r->cats;
    run->n_catalogs = r->n_cats;
    run->n_results = n;
    run->started_at_ms = now_ms();
    if (tp_anchor_warnings(r->cfg, run->started_at_ms / 1000, &run->warnings) != 0) {
        snprintf(r->err, sizeof r->err, "out of memory");
        return;
    }
    if (tp_engine_run(r->cfg, run->results, n, NULL, NULL, r->err, sizeof r->err) != 0 ||
        tp_verdict_apply(r->cfg, run, r->err, sizeof r->err) != 0)
        return;
    run->finished_at_ms = now_ms();
    r->rc = 0;
}

static void run_after(uv_work_t *w, int status)
{
    runner *r = w->data;
    if (status != 0 && r->rc == 0)
        r->rc = -1;
    r->app->active = NULL;
    r->done(r->done_ud, r->rc == 0 ? &r->run : NULL, false, r->err[0] ? r->err : "the run did not complete");
    tp_changes_free(r->run.changes);   /* set by the history while serve recorded the run */
    tp_strlist_free(&r->run.warnings);
    tp_plan_free(r->run.results, r->run.n_results);
    tp_catalogs_free(r->cats, r->n_cats);
    free(r);
}

static int run_start(void *ud, uv_loop_t *loop, const tp_config *cfg, tp_serve_run_done done, void *done_ud,
                     char *err, size_t errlen)
{
    app_ctx *a = ud;
    runner *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *r = (runner){.app = a, .cfg = cfg, .done = done, .done_ud = done_ud};
    r->work.data = r;
    int rc = uv_queue_work(loop, &r->work, run_work, run_after);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start a run: %s", uv_strerror(rc));
        free(r);
        return -1;
    }
    a->active = r;
    return 0;
}

static void run_cancel(void *ud)
{
    (void)ud;   /* the thread-pool run cannot be interrupted: it ends by its deadlines */
}

/* ---------- options ---------- */

/* The token is the file's first line, without its line end. A token file others may
 * write is refused; an empty one too (it would let anyone in). */
static int read_token(const char *file, char **out, char *err, size_t errlen)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        snprintf(err, errlen, "--token-file: cannot open \"%s\": %s", file, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        snprintf(err, errlen, "--token-file: \"%s\" is not a regular file", file);
        return -1;
    }
    if (st.st_mode & S_IWOTH) {
        fclose(f);
        snprintf(err, errlen, "--token-file: \"%s\" is writable by anyone (chmod o-w)", file);
        return -1;
    }
    char buf[TOKEN_MAX + 2];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    size_t len = strlen(buf);
    if (len > TOKEN_MAX) {
        snprintf(err, errlen, "--token-file: the token is longer than %d bytes", TOKEN_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)buf[i] <= 0x20 || (unsigned char)buf[i] >= 0x7f) {
            /* what a client can send in one header value, without spaces */
            snprintf(err, errlen, "--token-file: the token must be printable ASCII without spaces");
            return -1;
        }
    if (len == 0) {
        snprintf(err, errlen, "--token-file: \"%s\" holds no token", file);
        return -1;
    }
    *out = tp_strdup(buf);
    return *out ? 0 : -1;
}

int tp_serve_cmd(const tp_cli *cli)
{
    char err[1024];
    char ip[64] = "127.0.0.1";
    int port = 9810;
    bool loopback = true;
    char *token = NULL;
    app_ctx app = {.cli = cli};
    if (cli->listen && tp_listen_parse(cli->listen, ip, sizeof ip, &port, &loopback, err, sizeof err) != 0)
        goto usage;
    if (cli->token_file && read_token(cli->token_file, &token, err, sizeof err) != 0)
        goto usage;
    if (!loopback && !token) {
        snprintf(err, sizeof err, "--listen %s is not a loopback address: give --token-file FILE (a bearer token "
                                  "every client must send)", cli->listen);
        goto usage;
    }
    tp_config *cfg = load_config(&app, err, sizeof err);
    if (!cfg)
        goto usage;
    /* --state-dir (or the config's history.state_dir): the SQLite history, opened once;
     * a reload does not move it. Without it, an in-memory ring. */
    tp_tl_store store = {0};
    if (cfg->history.state_dir &&
        tp_tl_store_open_history(&store, cfg->history.state_dir, cfg->history.keep_runs, cfg->history.keep_days, err,
                                 sizeof err) != 0) {
        free_config(&app, cfg);
        goto usage;
    }

    tp_serve_opts o;
    tp_serve_opts_default(&o);
    o.listen_ip = ip;
    o.listen_port = port;
    o.token = token;
    if (cli->interval_ms)
        o.interval_ms = cli->interval_ms;
    o.jitter_ms = cli->jitter_set ? cli->jitter_ms : o.interval_ms / 10;
    if (cli->history_runs)
        o.history_runs = (size_t)cli->history_runs;
    o.max_runs = (uint64_t)cli->max_runs;
    o.history = store;
    o.handle_signals = true;
    tp_serve_hooks hooks = {&app, load_config, free_config, run_start, run_cancel};

    uv_loop_t loop;
    uv_loop_init(&loop);
    tp_serve *s = NULL;
    int rc = EXIT_OK;
    if (tp_serve_start(&s, &loop, &o, &hooks, cfg, err, sizeof err) != 0) {
        fprintf(stderr, "tlspath: %s\n", err);
        rc = EXIT_USAGE;
    } else {
        fprintf(stderr, "tlspath serve: listening on http://%s%s%s:%d/ (%s), a run every %.3g s + 0..%.3g s\n",
                strchr(ip, ':') ? "[" : "", ip, strchr(ip, ':') ? "]" : "", tp_serve_port(s),
                token ? "bearer token required" : "no token", (double)o.interval_ms / 1000.0,
                (double)o.jitter_ms / 1000.0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);   /* returns when serve closed its last handle */
    if (uv_loop_close(&loop) != 0) {
        /* a handle left open is a bug, but the process ends anyway */
        fprintf(stderr, "tlspath serve: warning: the loop still had open handles at exit\n");
    }
    free(token);
    return rc;
usage:
    free(token);
    fprintf(stderr, "tlspath: %s\n", err);
    return EXIT_USAGE;
}
