/* app_catalog.c — "tlspath catalog diff A B" and "tlspath pins learn". */
#include "app/app_select.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileout.h"
#include "input/catalog.h"
#include "input/catdiff.h"
#include "app/pipeline.h"
#include "plan/pacroute.h"
#include "plan/plan.h"

#define EXIT_SAME 0
#define EXIT_DIFFER 1
#define EXIT_USAGE 2

static int load_one(const char *spec, tp_catalog *c, char *err, size_t errlen)
{
    if (!strcmp(spec, "builtin:mde"))
        return tp_catalog_load_builtin(c, err, errlen);
    return tp_catalog_load_file(spec, c, err, errlen);
}

/* Keeps the selected endpoints (shallow: the members stay owned by the catalog). */
static int select_view(const tp_catalog *c, const tp_select *sel, tp_catalog *view)
{
    *view = *c;
    view->endpoints = malloc((c->n ? c->n : 1) * sizeof *view->endpoints);
    if (!view->endpoints)
        return -1;
    view->n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (tp_endpoint_selected(&c->endpoints[i], sel))
            view->endpoints[view->n++] = c->endpoints[i];
    return 0;
}

/* Exit status as diff(1): 0 the same, 1 different, 2 trouble. */
int tp_app_catalog_diff(const tp_cli *cli)
{
    char err[1024];
    tp_catalog a, b;
    tp_catdiff d;
    int rc = EXIT_USAGE;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (load_one(cli->diff_a, &a, err, sizeof err) != 0 || load_one(cli->diff_b, &b, err, sizeof err) != 0) {
        fprintf(stderr, "tlspath: %s\n", err);
        goto done;
    }
    /* the same filters as catalog list; no --cloud here compares every cloud */
    tp_select sel = {.services = cli->services, .geography = cli->geos, .os = cli->os,
                     .onboarding = cli->onboarding, .include_optional = !cli->required_only};
    tp_catalog va, vb;
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    bool filter = cli->cloud || cli->services.n || cli->geos.n || cli->os || cli->onboarding || cli->required_only;
    if (cli->cloud) {
        size_t k = 0;
        while (tp_known_clouds[k] && strcmp(tp_known_clouds[k], cli->cloud) != 0)
            k++;
        if (!tp_known_clouds[k]) {
            fprintf(stderr, "tlspath: --cloud: expected one of commercial, gcc, gcc-high, dod, got \"%.40s\"\n",
                    cli->cloud);
            goto done;
        }
        sel.cloud = cli->cloud;
    }
    if (filter && (select_view(&a, &sel, &va) != 0 || select_view(&b, &sel, &vb) != 0)) {
        free(va.endpoints);
        fprintf(stderr, "tlspath: out of memory\n");
        goto done;
    }
    int built = tp_catdiff_build(filter ? &va : &a, filter ? &vb : &b, &d);
    if (built != 0) {
        free(va.endpoints);
        free(vb.endpoints);
        fprintf(stderr, "tlspath: out of memory\n");
        goto done;
    }
    bool json = tp_strlist_has(&cli->formats, "json");
    int w = json ? tp_catdiff_print_json(&d, cli->diff_a, cli->diff_b, stdout)
                 : tp_catdiff_print_table(&d, cli->diff_a, cli->diff_b, stdout);
    rc = w != 0 ? EXIT_USAGE : d.n ? EXIT_DIFFER : EXIT_SAME;
    tp_catdiff_free(&d);
    free(va.endpoints); /* views only: the endpoints belong to a and b */
    free(vb.endpoints);
done:
    tp_catalog_free(&a);
    tp_catalog_free(&b);
    return rc;
}

/* ---------- pins learn ---------- */

typedef struct learned {
    char name[64];
    tp_strlist pins; /* "sha256/<base64>" */
} learned;

static int learn_add(learned **sets, size_t *n, const char *set, const char *pin)
{
    size_t i = 0;
    while (i < *n && strcmp((*sets)[i].name, set) != 0)
        i++;
    if (i == *n) {
        learned *v = realloc(*sets, (*n + 1) * sizeof *v);
        if (!v)
            return -1;
        *sets = v;
        memset(&v[i], 0, sizeof v[i]);
        snprintf(v[i].name, sizeof v[i].name, "%s", set);
        (*n)++;
    }
    return tp_strlist_has(&(*sets)[i].pins, pin) ? 0 : tp_strlist_add(&(*sets)[i].pins, pin);
}

static int write_pinsets(const char *file, const learned *sets, size_t n, const char *path_id, char *err,
                         size_t errlen)
{
    cJSON *doc = cJSON_CreateObject(), *tls = cJSON_CreateObject(), *ps = cJSON_CreateObject();
    char *text = NULL;
    tp_outfile o;
    int rc = -1;
    if (!doc || !tls || !ps) {
        cJSON_Delete(tls);
        cJSON_Delete(ps);
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    cJSON_AddItemToObject(doc, "tls", tls);
    cJSON_AddItemToObject(tls, "pinsets", ps);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToObject(ps, sets[i].name,
                              cJSON_CreateStringArray((const char *const *)sets[i].pins.v, (int)sets[i].pins.n));
    (void)path_id;
    text = cJSON_Print(doc);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (tp_outfile_open(&o, file, err, errlen) != 0)
        goto done;
    if (fputs(text, o.f) == EOF || fputc('\n', o.f) == EOF) {
        snprintf(err, errlen, "cannot write %s: %s", file, strerror(errno ? errno : EIO));
        tp_outfile_abort(&o);
        goto done;
    }
    rc = tp_outfile_commit(&o, err, errlen);
done:
    free(text);
    cJSON_Delete(doc);
    return rc;
}

/* --path ID names a path of the config; anything else ("direct", "ID=...", a proxy URL)
 * is a path spec as for run. */
static bool is_path_id(const char *v)
{
    return strcmp(v, "direct") != 0 && !strchr(v, '=') && !strstr(v, "://");
}

int tp_app_pins_learn(const tp_cli *cli)
{
    char err[1024];
    tp_cli local = *cli; /* shallow: only path_specs is changed, nothing is freed here */
    tp_config cfg;
    tp_catalog *cats = NULL;
    size_t n_cats = 0, n = 0, n_sets = 0, verified = 0;
    tp_result *results = NULL;
    learned *sets = NULL;
    tp_run run;
    tp_plan plan;
    int rc = EXIT_USAGE;
    const char *want = cli->path_specs.v[0];
    memset(&cfg, 0, sizeof cfg);
    memset(&run, 0, sizeof run);
    memset(&plan, 0, sizeof plan);
    if (is_path_id(want))
        memset(&local.path_specs, 0, sizeof local.path_specs);
    if (tp_cli_build_config(&local, &cfg, err, sizeof err) != 0)
        goto usage;
    if (is_path_id(want)) {
        size_t keep = cfg.n_paths;
        for (size_t p = 0; p < cfg.n_paths; p++)
            if (!strcmp(cfg.paths[p].id, want))
                keep = p;
        if (keep == cfg.n_paths) {
            char known[512] = "";
            for (size_t p = 0; p < cfg.n_paths; p++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", p ? ", " : "", cfg.paths[p].id);
            snprintf(err, sizeof err, "--path: expected a path of the configuration (%s) or a path spec, got \"%s\"",
                     known, want);
            goto usage;
        }
        /* probe that one path only: move it first and hide the others (freed with cfg) */
        tp_path t = cfg.paths[0];
        cfg.paths[0] = cfg.paths[keep];
        cfg.paths[keep] = t;
    }
    size_t all_paths = cfg.n_paths;
    cfg.n_paths = 1;
    if (tp_catalogs_load(&cfg, &cats, &n_cats, err, sizeof err) != 0 ||
        tp_app_select_prepare(&cfg, cli, cats, n_cats, err, sizeof err) != 0 ||
        tp_plan_resolve(&plan, &cfg, err, sizeof err) != 0 ||
        tp_plan_build(&plan, cats, n_cats, &results, &n, err, sizeof err) != 0) {
        cfg.n_paths = all_paths;
        goto usage;
    }
    size_t n_probe = tp_plan_probe_count(results, n);
    run = (tp_run){.cfg = &cfg, .catalogs = cats, .n_catalogs = n_cats, .results = results, .n_results = n_probe};
    tp_pipeline_opts po = {.plan = &plan, .run = &run};
    if (tp_pipeline_run(&po, err, sizeof err) != 0) {
        cfg.n_paths = all_paths;
        goto usage;
    }
    /* Learn from chains that verified against the CA store, on endpoints that name a pin
     * set: every CA certificate presented (intermediates, and the root when sent). */
    for (size_t i = 0; i < n_probe; i++) {
        const tp_result *r = &results[i];
        if (!r->tls_done || !r->trusted || !r->ep || !r->ep->pinset)
            continue;
        verified++;
        for (size_t k = 0; k < r->chain_len; k++) {
            char pin[64];
            if (!r->chain[k].is_ca)
                continue;
            snprintf(pin, sizeof pin, "sha256/%s", r->chain[k].spki_sha256);
            if (learn_add(&sets, &n_sets, r->ep->pinset, pin) != 0) {
                snprintf(err, sizeof err, "out of memory");
                cfg.n_paths = all_paths;
                goto usage;
            }
        }
    }
    cfg.n_paths = all_paths;
    if (n_sets == 0) {
        fprintf(stderr, "tlspath: pins learn: no pinned endpoint presented a verified chain with a CA certificate "
                        "on path %s (%zu verified): nothing written\n", cfg.paths[0].id, verified);
        rc = 1;
        goto done;
    }
    if (write_pinsets(cli->output, sets, n_sets, cfg.paths[0].id, err, sizeof err) != 0)
        goto usage;
    for (size_t i = 0; i < n_sets; i++)
        fprintf(stderr, "tlspath: pin set %s: %zu key(s) from %zu verified chain(s) on path %s\n", sets[i].name,
                sets[i].pins.n, verified, cfg.paths[0].id);
    fprintf(stderr, "tlspath: wrote %s\n", cli->output);
    rc = 0;
    goto done;
usage:
    fprintf(stderr, "tlspath: %s\n", err);
    rc = EXIT_USAGE;
done:
    for (size_t i = 0; i < n_sets; i++)
        tp_strlist_free(&sets[i].pins);
    free(sets);
    tp_plan_free(results, n);
    tp_route_store_free(run.routes);
    tp_plan_release(&plan);
    tp_catalogs_free(cats, n_cats);
    tp_config_free(&cfg);
    return rc;
}
