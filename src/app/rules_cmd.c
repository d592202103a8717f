/* rules_cmd.c — `tlspath rules`: the selected catalog (and, with --from, what a run saw)
 * turned into rules a device takes (report/rules.h), written to stdout or atomically to
 * --output. Selection means exactly what it means for `run`: the same merge of config
 * and command line, the same check of the values. */
#include "app/rules_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fileout.h"
#include "input/catalog.h"
#include "input/servicetags.h"
#include "plan/plan.h"
#include "report/rules.h"

#define EXIT_OK 0
#define EXIT_USAGE 2
#define REPORT_MAX_BYTES (256u << 20)   /* a report of 100k probes is ~150 MiB */

static int usage(const char *msg)
{
    fprintf(stderr, "tlspath: %s\n", msg);
    return EXIT_USAGE;
}

/* Reads a whole file, bounded. NULL with err filled on failure. */
static char *slurp(const char *file, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        snprintf(err, errlen, "--from: cannot read %s: %s", file, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= REPORT_MAX_BYTES) {
                snprintf(err, errlen, "--from: %s is larger than %u MiB", file, REPORT_MAX_BYTES >> 20);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                snprintf(err, errlen, "--from: cannot read %s: %s", file, strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    if (!buf && !err[0])
        snprintf(err, errlen, "out of memory");
    fclose(f);
    *len = n;
    return buf;
}

static int write_out(const tp_ruleset *rs, tp_rules_format fmt, const tp_cli *cli, char *err, size_t errlen)
{
    if (!cli->output || !strcmp(cli->output, "-"))
        return tp_rules_write(rs, fmt, cli->proxy, stdout, err, errlen);
    tp_outfile o;
    if (tp_outfile_open(&o, cli->output, err, errlen) != 0)
        return -1;
    if (tp_rules_write(rs, fmt, cli->proxy, o.f, err, errlen) != 0) {
        tp_outfile_abort(&o);
        return -1;
    }
    return tp_outfile_commit(&o, err, errlen);
}

int tp_cmd_rules(const tp_cli *cli, tp_selection_check_fn check)
{
    char err[1024] = "";
    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tp_catalog *cats = NULL;
    size_t n_cats = 0;
    tp_ruleset rs;
    memset(&rs, 0, sizeof rs);
    tp_servicetags tags;
    memset(&tags, 0, sizeof tags);
    const tp_endpoint **eps = NULL;
    char *text = NULL;
    int rc = EXIT_USAGE;
    int fmt = tp_rules_format_parse(cli->formats.n ? cli->formats.v[0] : NULL);

    /* the run's merge, without the rules format (not a report format) */
    tp_cli c = *cli;
    c.formats = (tp_strlist){0};
    if (fmt < 0 || tp_cli_build_config(&c, &cfg, err, sizeof err) != 0 ||
        tp_catalogs_load(&cfg, &cats, &n_cats, err, sizeof err) != 0 ||
        (check && check(&cfg, cli, cats, n_cats, err, sizeof err) != 0)) {
        usage(err[0] ? err : "rules: expected --format");
        goto done;
    }
    if (cli->proxy && fmt != TP_RULES_PAC) {
        usage("--proxy: only --format pac takes a proxy");
        goto done;
    }
    size_t total = 0, n_eps = 0, skipped = 0;
    for (size_t k = 0; k < n_cats; k++)
        total += cats[k].n;
    eps = calloc(total + 1, sizeof *eps);
    if (!eps)
        goto oom;
    for (size_t k = 0; k < n_cats; k++)
        for (size_t i = 0; i < cats[k].n; i++) {
            const tp_endpoint *e = &cats[k].endpoints[i];
            if (!tp_endpoint_selected(e, &cfg.select))
                continue;
            eps[n_eps++] = e;
            int r = tp_rules_add_endpoint(&rs, e);
            if (r < 0)
                goto oom;
            skipped += r > 0;
        }
    if (n_eps == 0) {
        usage("the selection matches no endpoint (check --service, --geo, --os, --onboarding, --required-only)");
        goto done;
    }
    if (skipped)
        fprintf(stderr, "tlspath: %zu endpoint(s) addressed by an IPv6 literal have no name rule\n", skipped);
    const char *cat_name = n_cats == 1 && cats[0].name ? cats[0].name : "several catalogs";
    rs.origin = tp_asprintf("from %s: %zu endpoint(s), %zu rule(s)", cat_name, n_eps, rs.n);
    if (!rs.origin)
        goto oom;
    if (cli->from) {
        size_t len = 0, matched = 0;
        if (!(text = slurp(cli->from, &len, err, sizeof err)) ||
            tp_rules_observe_report(&rs, text, len, cli->from, eps, n_eps, &matched, err, sizeof err) != 0) {
            usage(err);
            goto done;
        }
        if (matched == 0)
            fprintf(stderr, "tlspath: warning: %s has no result for the selected endpoints: nothing observed "
                            "was added\n", cli->from);
        char *o = tp_asprintf("%s; observed in %s (%zu result(s)): CNAME targets, addresses, CRL hosts",
                              rs.origin, cli->from, matched);
        if (!o)
            goto oom;
        free(rs.origin);
        rs.origin = o;
    }
    if (cli->service_tags) {
        if (tp_servicetags_load_file(cli->service_tags, &tags, err, sizeof err) != 0) {
            usage(err);
            goto done;
        }
        rs.tags = &tags;
    }
    tp_rules_sort(&rs);
    if (write_out(&rs, (tp_rules_format)fmt, cli, err, sizeof err) != 0) {
        usage(err);
        goto done;
    }
    if (cli->output && strcmp(cli->output, "-"))
        fprintf(stderr, "tlspath: wrote %s (%s)\n", cli->output, tp_rules_format_name((tp_rules_format)fmt));
    rc = EXIT_OK;
    goto done;
oom:
    usage("out of memory");
done:
    free(text);
    free(eps);
    tp_ruleset_free(&rs);
    tp_servicetags_free(&tags);
    tp_catalogs_free(cats, n_cats);
    tp_config_free(&cfg);
    return rc;
}
