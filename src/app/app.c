/* app.c — the sub-commands: wires config, catalogs, plan, the pipeline (probes, CRL
 * fetches, verdicts: pipeline.c) and report sinks together, and turns their outcome into
 * the exit status. */
#include "app/app.h"
#include "app/cmd_paths.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/version.h>

#include "pki/anchors.h"
#include "pki/castore.h"
#include "input/catalog.h"
#include "app/cli.h"
#include "app/serve_cmd.h"
#include "input/config.h"
#include "app/pipeline.h"
#include "plan/pacroute.h"
#include "app/app_paths.h"
#include "base/fileout.h"
#include "plan/plan.h"
#include "app/app_select.h"
#include "judge/directonly.h"
#include "report/report.h"
#include "judge/verdict.h"
#include "net/x25519.h"
#include "app/app_history.h"
#include "app/rules_cmd.h"
#include "report/export_chain.h"
#include "report/report_util.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130   /* 128 + SIGINT, as shells report it */
#define EXIT_PIPE 141          /* 128 + SIGPIPE: stdout's reader went away */

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "tlspath: %s\n", msg);
    return EXIT_USAGE;
}

/* ---------- report destinations ---------- */

typedef int (*sink_fn)(const tp_run *, FILE *);

typedef struct sink {
    const char *format;
    const char *file_name;   /* name inside --output-dir */
    sink_fn fn;
} sink;

static const sink SINKS[] = {
    {"json", "tlspath-report.json", tp_report_json},
    {"junit", "tlspath-report.junit.xml", tp_report_junit},
    {"prom", "tlspath.prom", tp_report_prom},
    {"html", "tlspath-report.html", tp_report_html},
};

static const sink *find_sink(const char *format)
{
    for (size_t i = 0; i < sizeof SINKS / sizeof SINKS[0]; i++)
        if (!strcmp(SINKS[i].format, format))
            return &SINKS[i];
    return NULL;
}

/* Writes one report through fileout (atomic for regular files, in place for devices
 * and FIFOs). "-" is stdout. */
static int write_report(const sink *s, const tp_run *run, const char *dest)
{
    if (!strcmp(dest, "-")) {
        int rc = s->fn(run, stdout);
        fflush(stdout);
        return rc;
    }
    char err[1024];
    tp_outfile o;
    if (tp_outfile_open(&o, dest, err, sizeof err) != 0) {
        fprintf(stderr, "tlspath: %s\n", err);
        return -1;
    }
    if (s->fn(run, o.f) != 0) {
        fprintf(stderr, "tlspath: cannot write %s: the %s report could not be produced\n", dest, s->format);
        tp_outfile_abort(&o);
        return -1;
    }
    if (tp_outfile_commit(&o, err, sizeof err) != 0) {
        fprintf(stderr, "tlspath: %s\n", err);
        return -1;
    }
    return 0;
}

/* Checks before probing that every requested format has somewhere to go. */
/* mkdir -p: a scheduled run's report directory may not exist yet on a fresh machine. */
static int mkdir_p(const char *dir)
{
    char *p = tp_strdup(dir);
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
    if (rc == 0 && mkdir(p, 0755) != 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc;
}

static int check_outputs(const tp_config *cfg, const tp_cli *cli, char *err, size_t errlen)
{
    size_t non_table = 0;
    for (size_t i = 0; i < cfg->formats.n; i++)
        non_table += strcmp(cfg->formats.v[i], "table") != 0;
    if (cfg->output_dir) {
        /* name where the directory came from: the command line or the config's key */
        char where[512];
        if (cli->output_dir || !cfg->file)
            snprintf(where, sizeof where, "--output-dir");
        else
            snprintf(where, sizeof where, "%s: report.output_dir", cfg->file);
        struct stat st;
        if (cfg->dry_run && stat(cfg->output_dir, &st) != 0)
            return 0;   /* a dry run changes nothing: the directory is made by the real run */
        if (mkdir_p(cfg->output_dir) != 0) {
            snprintf(err, errlen, "%s: cannot create \"%s\": %s", where, cfg->output_dir, strerror(errno));
            return -1;
        }
        if (stat(cfg->output_dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(cfg->output_dir, W_OK) != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not a writable directory", where, cfg->output_dir);
            return -1;
        }
        return 0;
    }
    if (non_table > 1) {
        snprintf(err, errlen, "%zu report formats besides table: give --output-dir DIR to write them all",
                 non_table);
        return -1;
    }
    if (cfg->output && non_table == 0) {
        snprintf(err, errlen, "--output: expected a non-table --format (json, junit, prom or html)");
        return -1;
    }
    /* Fail before probing, not after a long run whose report then has nowhere to go. */
    char ferr[512];
    if (cfg->output && strcmp(cfg->output, "-") != 0 && tp_outfile_check(cfg->output, ferr, sizeof ferr) != 0) {
        snprintf(err, errlen, "--output: %s", ferr);
        return -1;
    }
    return 0;
}

/* The table fits the terminal: the window size when out is one, else $COLUMNS, else
 * the sink's default. */
static int terminal_width(FILE *out)
{
    struct winsize ws;
    if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    const char *cols = getenv("COLUMNS");
    int w = cols ? atoi(cols) : 0;
    return w > 0 ? w : 0;
}

static bool table_wanted(const tp_config *cfg)
{
    return tp_strlist_has(&cfg->formats, "table") && !cfg->quiet;
}

static int emit_reports(const tp_config *cfg, const tp_run *run)
{
    int rc = 0;
    bool stdout_taken = false;
    for (size_t i = 0; i < cfg->formats.n; i++) {
        const sink *s = find_sink(cfg->formats.v[i]);
        if (!s)
            continue;
        char *dest = NULL;
        if (cfg->output_dir)
            dest = tp_asprintf("%s/%s", cfg->output_dir, s->file_name);
        else
            dest = tp_strdup(cfg->output ? cfg->output : "-");
        if (!dest)
            return -1;
        stdout_taken |= !strcmp(dest, "-");
        rc |= write_report(s, run, dest);
        free(dest);
    }
    if (table_wanted(cfg)) {
        /* The table shares stdout with a report sent to "-" only if asked for both;
         * then it goes to stderr so the machine-readable stream stays clean. */
        FILE *out = stdout_taken ? stderr : stdout;
        const char *nc = getenv("NO_COLOR");
        tp_table_opts o = {.color = !cfg->no_color && !(nc && *nc) && isatty(fileno(out)), .width = 0,
                           .details = cfg->details};
        o.width = terminal_width(out);
        rc |= tp_report_table(run, out, &o);
        fflush(out);
    }
    return rc;
}

/* ---------- progress ---------- */

typedef struct progress {
    bool on;
    int64_t start;
} progress;

static void on_progress(void *ud, size_t done, size_t total, size_t failed)
{
    progress *p = ud;
    double s = (double)(now_ms() - p->start) / 1000.0;
    /* the engine's count is network failures; after the last probe the verdicts (CRLs,
     * pins) run, and the final line (after the summary) counts what the summary counts */
    if (p->on && done < total)
        tp_report_progress(stderr, done, total, failed, s);
    else if (p->on)
        tp_report_progress_judging(stderr, total, s);
}

/* ---------- -v trace ---------- */

/* One engine trace line to stderr: network text made safe for a terminal, and any
 * configured secret redacted (the engine never puts one there; this is the second lock). */
static void on_trace(void *ud, const char *line)
{
    const tp_run *run = ud;
    char *red = tp_rpt_clean(run, line);
    char buf[1600];
    tp_term_clean(buf, sizeof buf, red ? red : "");
    free(red);
    fprintf(stderr, "tlspath: %s\n", buf);
}

/* ---------- selection ---------- */

/* Appends v to the comma-separated list in buf unless it is already there. */
static void add_known(char *buf, size_t len, const char *v)
{
    char probe[256];
    snprintf(probe, sizeof probe, ", %s,", v);
    char padded[2048];
    snprintf(padded, sizeof padded, ", %s,", buf);
    if (strstr(padded, probe))
        return;
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s", used ? ", " : "", v);
}

/* A selection value no endpoint carries is a typo (--geo EUR, --service nosuch): say so
 * instead of quietly testing less. `what` names where the value came from. */
static int check_values(const tp_strlist *vals, const char *what, const tp_catalog *cats, size_t n_cats,
                        const char *(*field)(const tp_endpoint *, size_t), char *err, size_t errlen)
{
    for (size_t v = 0; v < vals->n; v++) {
        bool found = false;
        char known[1024] = "";
        for (size_t c = 0; c < n_cats; c++)
            for (size_t i = 0; i < cats[c].n; i++)
                for (size_t k = 0;; k++) {
                    const char *f = field(&cats[c].endpoints[i], k);
                    if (!f)
                        break;
                    found |= strcasecmp(f, vals->v[v]) == 0;
                    add_known(known, sizeof known, f);
                }
        if (!found) {
            snprintf(err, errlen, "%s: expected one of the catalog's values (%s), got \"%s\"", what, known,
                     vals->v[v]);
            return -1;
        }
    }
    return 0;
}

static const char *f_service(const tp_endpoint *e, size_t k) { return k == 0 ? e->service : NULL; }
static const char *f_geo(const tp_endpoint *e, size_t k) { return k == 0 ? (e->geography ? e->geography : "WW") : NULL; }
static const char *f_os(const tp_endpoint *e, size_t k) { return k < e->os.n ? e->os.v[k] : NULL; }
static const char *f_onb(const tp_endpoint *e, size_t k) { return k < e->onboarding.n ? e->onboarding.v[k] : NULL; }

int tp_app_check_selection(const tp_config *cfg, const tp_cli *cli, const tp_catalog *cats, size_t n_cats,
                           char *err, size_t errlen)
{
    char w[4][512];
    const char *file = cfg->file ? cfg->file : "config";
    snprintf(w[0], sizeof w[0], cli->services.n ? "--service" : "%s: select.services", file);
    snprintf(w[1], sizeof w[1], cli->geos.n ? "--geo" : "%s: select.geography", file);
    snprintf(w[2], sizeof w[2], cli->os ? "--os" : "%s: select.os", file);
    snprintf(w[3], sizeof w[3], cli->onboarding ? "--onboarding" : "%s: select.onboarding", file);
    tp_strlist os = {0}, onb = {0};
    int rc = 0;
    if ((cfg->select.os && tp_strlist_add(&os, cfg->select.os)) ||
        (cfg->select.onboarding && tp_strlist_add(&onb, cfg->select.onboarding))) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0)
        rc = check_values(&cfg->select.services, w[0], cats, n_cats, f_service, err, errlen) ||
             check_values(&cfg->select.geography, w[1], cats, n_cats, f_geo, err, errlen) ||
             check_values(&os, w[2], cats, n_cats, f_os, err, errlen) ||
             check_values(&onb, w[3], cats, n_cats, f_onb, err, errlen) ? -1 : 0;
    tp_strlist_free(&os);
    tp_strlist_free(&onb);
    return rc;
}

/* ---------- run ---------- */

/* Configured text for the terminal: the loaders refuse control characters already, this
 * is the second guard (issue 15). Eight results may be live in one printf. */
static const char *tc(const char *s)
{
    static char bufs[8][2048];
    static unsigned k;
    char *b = bufs[k++ % 8];
    tp_term_clean(b, sizeof bufs[0], s ? s : "");
    return b;
}

static void print_plan(const tp_config *cfg, const tp_result *r, size_t n)
{
    size_t endpoints = cfg->n_paths ? n / cfg->n_paths : 0;
    printf("plan: %zu endpoint(s) x %zu path(s) = %zu probe(s)\n", endpoints, cfg->n_paths, n);
    for (size_t p = 0; p < cfg->n_paths; p++) {
        const tp_path *pa = &cfg->paths[p];
        if (pa->type == TP_PATH_DIRECT)
            printf("path %-14s direct", tc(pa->id));
        else if (pa->type == TP_PATH_PAC)
            printf("path %-14s pac %s", tc(pa->id), tc(pa->pac ? pa->pac : "?"));
        else
            printf(strchr(pa->proxy_host, ':') ? "path %-14s http proxy [%s]:%d%s" : "path %-14s http proxy %s:%d%s",
                   tc(pa->id), tc(pa->proxy_host), pa->proxy_port,
                   pa->username ? " (basic auth)" : "");
        if (pa->expect_inspection)
            printf(", inspection expected");
        if (pa->crl_via)
            printf(", CRLs via %s", tc(pa->crl_via));
        if (pa->fallback)
            printf(", falls back to %s", tc(pa->fallback));
        printf("\n");
    }
    printf("resolver: %s\n", cfg->resolvers.n ? "configured" : "system");
    for (size_t i = 0; i < cfg->resolvers.n; i++)
        printf("  %s\n", tc(cfg->resolvers.v[i]));
    for (size_t i = 0; i < n; i++)
        printf("%-40s %-12s %-10s %s%s\n", tc(r[i].ep->id), tc(r[i].ep->service), tc(r[i].path->id), tc(r[i].ep->url),
               r[i].ep->required ? "" : " (optional)");
}

static int cmd_run(const tp_cli *cli)
{
    char err[1024];
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tp_catalog *cats = NULL;
    size_t n_cats = 0;
    tp_result *results = NULL;
    size_t n = 0;
    tp_run run;
    memset(&run, 0, sizeof run);
    tp_plan plan;
    memset(&plan, 0, sizeof plan);
    tp_cancel cancel = {.cancelled = false, .why = ""};
    tp_history *hist = NULL;   /* --state-dir: app_history.c */
    bool hist_failed = false;
    int rc = EXIT_USAGE;

    tp_servicetags tags;
    memset(&tags, 0, sizeof tags);
    if (tp_cli_build_config(cli, &cfg, err, sizeof err) != 0 || tp_app_expand_families(&cfg, err, sizeof err) != 0 ||
        (cfg.dns.service_tags && tp_servicetags_load_file(cfg.dns.service_tags, &tags, err, sizeof err) != 0) ||
        check_outputs(&cfg, cli, err, sizeof err) != 0 ||
        tp_catalogs_load(&cfg, &cats, &n_cats, err, sizeof err) != 0 ||
        tp_app_select_prepare(&cfg, cli, cats, n_cats, err, sizeof err) != 0 ||
        tp_app_check_selection(&cfg, cli, cats, n_cats, err, sizeof err) != 0 ||
        tp_plan_resolve(&plan, &cfg, err, sizeof err) != 0 ||
        tp_plan_build(&plan, cats, n_cats, &results, &n, err, sizeof err) != 0) {
        usage_error(err);
        goto done;
    }
    if (n == 0) {
        usage_error(cats && n_cats && cats[0].n == 0 && n_cats == 1
                        ? "the catalog has no endpoints"
                        : "the selection matches no endpoint (check --cloud, --service, --geo, --os, "
                          "--onboarding, --required-only)");
        goto done;
    }
    if (cfg.dry_run) {
        /* a dry run validates what a run would load: every path's trust store too (the
         * RNG is only used by a handshake, which a dry run never makes) */
        for (size_t p = 0; p < cfg.n_paths; p++) {
            tp_castore cs;
            char cerr[900];
            if (tp_castore_init(&cs, &cfg.ca_files, cfg.system_ca, &cfg.paths[p], NULL, cerr, sizeof cerr) != 0) {
                snprintf(err, sizeof err, "path %s: %s", cfg.paths[p].id, cerr);
                usage_error(err);
                goto done;
            }
            tp_castore_free(&cs);
        }
        print_plan(&cfg, results, n);
        rc = EXIT_PASS;
        goto done;
    }

    if (tp_app_history_open(&cfg, &hist, err, sizeof err) != 0) {   /* before a run is spent */
        usage_error(err);
        goto done;
    }
    /* endpoints still needing a tenant value are reported as skipped, never probed */
    size_t n_probe = tp_plan_probe_count(results, n);
    run = (tp_run){.cfg = &cfg, .catalogs = cats, .n_catalogs = n_cats, .results = results, .n_results = n_probe};
    run.started_at_ms = now_ms();
    if (tp_anchor_warnings(&cfg, run.started_at_ms / 1000, &run.warnings) != 0) {
        usage_error("out of memory");
        goto done;
    }
    for (size_t i = 0; i < run.warnings.n && !cfg.quiet; i++)
        tp_rpt_say(stderr, &cfg, "warning: ", run.warnings.v[i]);
    size_t n_warn = run.warnings.n;
    /* the trace and the \r-rewritten progress line would garble each other */
    progress prog = {.on = !cfg.quiet && !cli->verbose && isatty(STDERR_FILENO), .start = run.started_at_ms};
    /* Ctrl-C (or SIGTERM) during the run sets this token: what was in flight ends as
     * "cancelled" (skipped) and what completed is reported all the same. */
    tp_pipeline_opts po = {.plan = &plan, .run = &run, .cancel = &cancel, .now = 0,
                           .progress = on_progress, .progress_ud = &prog,
                           .trace = cli->verbose ? on_trace : NULL, .trace_ud = &run};
    int prc = tp_pipeline_run(&po, err, sizeof err);
    if (prc != 0) {
        if (prog.on)
            fprintf(stderr, "\n");
        tp_rpt_say(stderr, &cfg, NULL, err);
        rc = EXIT_USAGE;
        goto done;
    }
    if (tp_judge_direct_only(results, n_probe) != 0) {
        fprintf(stderr, "tlspath: out of memory\n");
        rc = EXIT_USAGE;
        goto done;
    }
    run.n_results = n;
    run.finished_at_ms = now_ms();
    if (cfg.dns.service_tags && tp_app_label_addresses(&tags, results, n_probe) != 0) {
        fprintf(stderr, "tlspath: out of memory\n");
        rc = EXIT_USAGE;
        goto done;
    }
    /* what the run itself found out (WPAD's search, a PAC path's fate) */
    for (size_t i = n_warn; i < run.warnings.n && !cfg.quiet; i++)
        tp_rpt_say(stderr, &cfg, "note: ", run.warnings.v[i]);

    /* an interrupted run is reported all the same, as incomplete (never as passed) */
    bool interrupted = tp_cancelled(&cancel);
    run.interrupted = interrupted;
    tp_summary sum;
    tp_run_summary(&run, &sum);
    if (prog.on)   /* the last progress line counts what the summary counts */
        tp_report_progress_done(stderr, &sum, (double)(run.finished_at_ms - prog.start) / 1000.0);
    if (tp_app_history_record(hist, &cfg, &run, interrupted, err, sizeof err) != 0) {
        fprintf(stderr, "tlspath: %s\n", err);   /* the reports still go out; exit 2 below */
        hist_failed = true;
    }
    if (emit_reports(&cfg, &run) != 0) {
        if (interrupted)
            fprintf(stderr, "tlspath: interrupted — the partial report could not be written\n");
        rc = interrupted ? EXIT_INTERRUPTED : EXIT_USAGE;
        goto done;
    }
    if (cli->export_chain) {
        size_t files = 0;
        if (tp_export_chains(&run, cli->export_chain, &files, err, sizeof err) != 0) {
            fprintf(stderr, "tlspath: %s\n", err);
            rc = EXIT_USAGE;
            goto done;
        }
        if (!cfg.quiet)
            fprintf(stderr, "tlspath: wrote %zu chain(s) to %s\n", files, cli->export_chain);
    }
    if (interrupted) {
        fprintf(stderr, "tlspath: interrupted — partial report written\n");
        rc = EXIT_INTERRUPTED;
        goto done;
    }
    rc = tp_app_history_finish(&cfg, &run, sum.pass ? EXIT_PASS : EXIT_FAIL);
    if (hist_failed)
        rc = EXIT_USAGE;
done:
    tp_changes_free(run.changes);
    tp_history_close(hist);
    tp_strlist_free(&run.warnings);
    tp_plan_free(results, n);
    tp_route_store_free(run.routes);
    tp_servicetags_free(&tags);
    tp_plan_release(&plan);
    tp_catalogs_free(cats, n_cats);
    tp_config_free(&cfg);
    return rc;
}

/* `tlspath rules` selects exactly as `run` does. */
static int rules_select(tp_config *cfg, const tp_cli *cli, tp_catalog *cats, size_t n_cats, char *err,
                        size_t errlen)
{
    return tp_app_select_prepare(cfg, cli, cats, n_cats, err, errlen) != 0 ||
                   tp_app_check_selection(cfg, cli, cats, n_cats, err, errlen) != 0
               ? -1
               : 0;
}

/* ---------- catalog ---------- */

static cJSON *endpoint_json(const tp_endpoint *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", e->id);
    cJSON_AddStringToObject(o, "service", e->service);
    cJSON_AddStringToObject(o, "url", e->url);
    cJSON_AddStringToObject(o, "method", e->method ? e->method : "GET");
    cJSON_AddBoolToObject(o, "required", e->required);
    cJSON_AddStringToObject(o, "requirement", e->requirement == TP_REQ_CONDITIONAL ? "conditional"
                                              : e->requirement == TP_REQ_OPTIONAL  ? "optional" : "required");
    if (e->condition)
        cJSON_AddStringToObject(o, "condition", e->condition);
    if (e->clouds.n)
        cJSON_AddItemToObject(o, "cloud", cJSON_CreateStringArray((const char *const *)e->clouds.v, (int)e->clouds.n));
    if (e->direct_only)
        cJSON_AddBoolToObject(o, "direct_only", true);
    if (e->placeholder)
        cJSON_AddStringToObject(o, "placeholder", e->placeholder);
    cJSON_AddStringToObject(o, "geography", e->geography ? e->geography : "WW");
    cJSON_AddItemToObject(o, "os", cJSON_CreateStringArray((const char *const *)e->os.v, (int)e->os.n));
    cJSON_AddItemToObject(o, "onboarding",
                          cJSON_CreateStringArray((const char *const *)e->onboarding.v, (int)e->onboarding.n));
    if (e->pinset)
        cJSON_AddStringToObject(o, "pinset", e->pinset);
    else
        cJSON_AddNullToObject(o, "pinset");
    cJSON_AddBoolToObject(o, "inspection_allowed", e->inspection_allowed);
    cJSON_AddItemToObject(o, "expect_status", cJSON_CreateIntArray(e->expect_status, (int)e->n_expect_status));
    if (e->wildcard)
        cJSON_AddStringToObject(o, "wildcard", e->wildcard);
    else
        cJSON_AddNullToObject(o, "wildcard");
    if (e->source)
        cJSON_AddStringToObject(o, "source", e->source);
    if (e->description)
        cJSON_AddStringToObject(o, "description", e->description);
    return o;
}

static int cmd_catalog_list(const tp_cli *cli)
{
    char err[1024];
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tp_catalog *cats = NULL;
    size_t n_cats = 0;
    int rc = EXIT_USAGE;
    /* Reuse the run's merge so the filters mean exactly what they mean for `run`. */
    if (tp_cli_build_config(cli, &cfg, err, sizeof err) != 0 ||
        tp_catalogs_load(&cfg, &cats, &n_cats, err, sizeof err) != 0 ||
        tp_app_select_prepare(&cfg, cli, cats, n_cats, err, sizeof err) != 0 ||
        tp_app_check_selection(&cfg, cli, cats, n_cats, err, sizeof err) != 0) {
        usage_error(err);
        goto done;
    }
    bool json = tp_strlist_has(&cli->formats, "json");
    size_t shown = 0;
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    if (!json)
        printf("%-36s %-13s %-4s %-4s %-8s %s\n", "ID", "SERVICE", "GEO", "REQ", "PINSET", "URL");
    for (size_t c = 0; c < n_cats; c++)
        for (size_t i = 0; i < cats[c].n; i++) {
            const tp_endpoint *e = &cats[c].endpoints[i];
            if (!tp_endpoint_selected(e, &cfg.select))
                continue;
            shown++;
            if (json)
                cJSON_AddItemToArray(arr, endpoint_json(e));
            else
                printf("%-36s %-13s %-4s %-4s %-8s %s%s\n", tc(e->id), tc(e->service), tc(e->geography ? e->geography : "WW"),
                       e->requirement == TP_REQ_CONDITIONAL ? "cond" : e->required ? "yes" : "no",
                       tc(e->pinset ? e->pinset : "-"), tc(e->url), e->placeholder ? "  (needs --mma-workspace)" : "");
        }
    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "name", n_cats == 1 && cats[0].name ? cats[0].name : "selection");
        cJSON_AddItemToObject(doc, "endpoints", arr);
        char *s = cJSON_Print(doc);
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(doc);
    } else {
        printf("%zu endpoint(s)\n", shown);
    }
    rc = EXIT_PASS;
done:
    tp_catalogs_free(cats, n_cats);
    tp_config_free(&cfg);
    return rc;
}

static int cmd_catalog_import(const tp_cli *cli)
{
    char err[1024];
    tp_strlist warnings = {0};
    tp_import_opts opts = {.onboarding = cli->onboarding, .warnings = &warnings};
    if (cli->onboarding && strcmp(cli->onboarding, "standard") && strcmp(cli->onboarding, "streamlined")) {
        tp_strlist_free(&warnings);
        return usage_error("--onboarding: expected standard or streamlined");
    }
    int rc = tp_catalog_import_csv_ex(cli->csv, cli->output, &opts, err, sizeof err);
    for (size_t i = 0; i < warnings.n; i++)
        fprintf(stderr, "tlspath: warning: %s\n", warnings.v[i]);
    if (warnings.n)
        fprintf(stderr, "tlspath: %zu row(s) skipped\n", warnings.n);
    tp_strlist_free(&warnings);
    if (rc != 0)
        return usage_error(err);
    if (cli->output && strcmp(cli->output, "-"))
        fprintf(stderr, "tlspath: wrote %s\n", cli->output);
    return EXIT_PASS;
}

int tp_app_main(int argc, char **argv)
{
    /* SIGPIPE ignored: a closed socket is a probe's error, and a closed stdout is told
     * apart at the end (EXIT_PIPE) rather than killing us mid-report. */
    signal(SIGPIPE, SIG_IGN);
    char err[1024];
    tp_cli cli;
    /* `tlspath paths ...` has a command line of its own (app/cmd_paths.c) */
    if (argc >= 2 && strcmp(argv[1], "paths") == 0)
        return tp_cmd_paths(argc, argv);
    if (argc == 3 && strcmp(argv[1], "help") == 0 && strcmp(argv[2], "paths") == 0) {
        char *hv[] = {argv[0], "paths", "--help", NULL};
        return tp_cmd_paths(3, hv);
    }
    if (tp_cli_parse(argc, argv, &cli, err, sizeof err) != 0) {
        fprintf(stderr, "tlspath: %s\n", err);
        fprintf(stderr, "Try `tlspath --help`.\n");
        tp_cli_free(&cli);
        return EXIT_USAGE;
    }
    int rc = EXIT_USAGE;
    switch (cli.cmd) {
    case TP_CMD_HELP:
        fputs(tp_cli_help(cli.help_for), stdout);
        rc = argc < 2 ? EXIT_USAGE : EXIT_PASS;
        break;
    case TP_CMD_VERSION: {
        tp_catalog mde;
        printf("tlspath %s\n", TLSPATH_VERSION);
        printf("mbedTLS %s, X25519 by %s\n", MBEDTLS_VERSION_STRING, tp_x25519_describe());
        if (tp_catalog_load_builtin(&mde, err, sizeof err) == 0) {
            printf("built-in catalog %s %s (%s)\n", mde.name, mde.version ? mde.version : "-",
                   mde.date ? mde.date : "undated");
            tp_catalog_free(&mde);
        }
        rc = EXIT_PASS;
        break;
    }
    case TP_CMD_CATALOG_DIFF: rc = tp_app_catalog_diff(&cli); break;
    case TP_CMD_PINS_LEARN: rc = tp_app_pins_learn(&cli); break;
    case TP_CMD_RUN: rc = cmd_run(&cli); break;
    case TP_CMD_CATALOG_LIST: rc = cmd_catalog_list(&cli); break;
    case TP_CMD_CATALOG_IMPORT: rc = cmd_catalog_import(&cli); break;
    case TP_CMD_RULES: rc = tp_cmd_rules(&cli, rules_select); break;
    case TP_CMD_SERVE: rc = tp_serve_cmd(&cli); break;
    default: break;
    }
    tp_cli_free(&cli);
    int ferr = fflush(stdout) != 0 ? errno : 0;
    if (ferr || ferror(stdout)) {
        /* A reader that went away (`| head -1`) ends us quietly with the status a shell
         * reports for a process SIGPIPE killed (128 + 13), as cat or grep would: not worth
         * a message, not a success. Whether it happens depends on whether our output had
         * all gone into the pipe before the reader left, as for every Unix tool. The
         * pipe's state is asked directly (POLLERR: no reader) because an earlier failed
         * write leaves no errno behind. Any other write error is a message and exit 2. */
        struct pollfd pfd = {.fd = STDOUT_FILENO, .events = POLLOUT};
        bool gone = ferr == EPIPE || (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR));
        if (gone && rc != EXIT_INTERRUPTED && rc != EXIT_USAGE)
            rc = EXIT_PIPE;
        else if (!gone) {
            fprintf(stderr, "tlspath: cannot write to stdout: %s\n", strerror(ferr ? ferr : EIO));
            rc = EXIT_USAGE;
        }
    }
    return rc;
}
