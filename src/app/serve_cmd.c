/* serve_cmd.c — `tlspath serve`: turns the command line into serve's options and hooks
 * (serve/ knows neither how a configuration is built from argv nor how a run is made),
 * then runs the one loop until a signal or --max-runs stops it. */
#include "app/serve_cmd.h"
#include "app/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <uv.h>

#include "core/changes.h"
#include "input/config.h"
#include "app/pipeline.h"
#include "core/cancel.h"
#include "pki/anchors.h"
#include "plan/pacroute.h"
#include "app/app_paths.h"
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
    tp_plan plan;
    memset(&plan, 0, sizeof plan);
    int rc = tp_cli_build_config(a->cli, cfg, err, errlen);
    if (rc == 0)
        rc = tp_app_expand_families(cfg, err, errlen);   /* family "both": one path per family */
    if (rc == 0)
        rc = tp_catalogs_load(cfg, &cats, &n_cats, err, errlen);
    if (rc == 0)
        rc = tp_app_check_selection(cfg, a->cli, cats, n_cats, err, errlen);
    if (rc == 0)
        rc = tp_plan_resolve(&plan, cfg, err, errlen);
    if (rc == 0)
        rc = tp_plan_build(&plan, cats, n_cats, &res, &n, err, errlen);
    if (rc == 0 && n == 0) {
        snprintf(err, errlen, "the selection matches no endpoint (check --service, --geo, --os, --onboarding, "
                              "--required-only)");
        rc = -1;
    }
    tp_plan_free(res, n);
    tp_plan_release(&plan);
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
 * A run is a pipeline on serve's own loop (app/pipeline.c): config → catalogs → plan →
 * probes → CRL fetches → verdicts, every phase with its deadline. run_cancel sets the
 * pipeline's cancellation token: what is in flight ends as "cancelled". */

struct runner {
    app_ctx *app;
    const tp_config *cfg;
    tp_serve_run_done done;
    void *done_ud;
    tp_catalog *cats;
    size_t n_cats;
    tp_plan plan;
    tp_run run;
    tp_cancel cancel;
    tp_pipeline *pipeline;
};

static void runner_free(runner *r)
{
    tp_changes_free(r->run.changes);   /* set by the history while serve recorded the run */
    tp_strlist_free(&r->run.warnings);
    tp_plan_free(r->run.results, r->run.n_results);
    tp_route_store_free(r->run.routes);   /* routes a PAC's answers made for this run */
    tp_plan_release(&r->plan);
    tp_catalogs_free(r->cats, r->n_cats);
    free(r);
}

static void on_pipeline_done(void *ud, int rc, const char *err)
{
    runner *r = ud;
    r->app->active = NULL;
    r->pipeline = NULL;
    r->run.finished_at_ms = now_ms();
    r->done(r->done_ud, rc == 0 ? &r->run : NULL, tp_cancelled(&r->cancel), err ? err : "the run did not complete");
    runner_free(r);
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
    r->app = a;
    r->cfg = cfg;
    r->done = done;
    r->done_ud = done_ud;
    size_t n = 0;
    if (tp_catalogs_load(cfg, &r->cats, &r->n_cats, err, errlen) != 0 ||
        tp_plan_resolve(&r->plan, cfg, err, errlen) != 0 ||
        tp_plan_build(&r->plan, r->cats, r->n_cats, &r->run.results, &n, err, errlen) != 0)
        goto fail;
    r->run.cfg = cfg;
    r->run.catalogs = r->cats;
    r->run.n_catalogs = r->n_cats;
    r->run.n_results = n;
    r->run.started_at_ms = now_ms();
    if (tp_anchor_warnings(cfg, r->run.started_at_ms / 1000, &r->run.warnings) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    tp_pipeline_opts po = {.plan = &r->plan, .run = &r->run, .cancel = &r->cancel, .now = 0};
    if (tp_pipeline_start(loop, &po, on_pipeline_done, r, &r->pipeline, err, errlen) != 0)
        goto fail;
    a->active = r;
    return 0;
fail:
    runner_free(r);
    return -1;
}

static void run_cancel(void *ud)
{
    app_ctx *a = ud;
    if (a->active && a->active->pipeline)
        tp_pipeline_cancel(a->active->pipeline, "serve is stopping");
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
