/* cli.c — argument parsing for every sub-command, and the merge of command-line
 * options over the configuration file (command line wins). Parsing has no side
 * effects: it neither reads files nor touches the environment, so it is testable.
 * The help texts are in cli_help.c. */
#include "app/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/limits.h"
#include "input/config.h"

#ifndef TLSPATH_DEFAULT_CONFIG
#define TLSPATH_DEFAULT_CONFIG "/etc/tlspath/config.json"
#endif
const char *tp_cli_default_config = TLSPATH_DEFAULT_CONFIG;

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* "250ms", "30s", "30" (seconds), "5m", "1h", "7d" into milliseconds. */
static int parse_duration(const char *s, uint64_t *ms)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || v > 1000000000ull)
        return -1;
    uint64_t mul;
    if (!strcmp(end, "ms")) mul = 1;
    else if (!*end || !strcmp(end, "s")) mul = 1000;
    else if (!strcmp(end, "m")) mul = 60000;
    else if (!strcmp(end, "h")) mul = 3600000;
    else if (!strcmp(end, "d")) mul = 86400000;
    else return -1;
    *ms = v * mul;
    return 0;
}

/* Which options each command accepts. */
enum { O_RUN = 1, O_LIST = 2, O_IMPORT = 4, O_DIFF = 8, O_LEARN = 16, O_RULES = 32, O_SERVE = 64 };
#define O_RS (O_RUN | O_SERVE)   /* run's input, selection and limit options: serve takes them too */

typedef struct opt_def {
    const char *name;
    bool has_arg;
    int cmds;
    char short_name;  /* 0 = long form only */
} opt_def;

/* The short forms are the common flags: -c -p -o -q -f (and -h, handled apart). */
static const opt_def OPTS[] = {
    {"config", true, O_RS | O_RULES, 'c'},
    {"catalog", true, O_RS | O_LIST | O_RULES, 0},
    {"path", true, O_RS, 'p'},
    {"resolver", true, O_RS, 0},
    {"service", true, O_RS | O_LIST | O_DIFF | O_RULES, 0},
    {"geo", true, O_RS | O_LIST | O_DIFF | O_RULES, 0},
    {"os", true, O_RS | O_LIST | O_DIFF | O_RULES, 0},
    {"onboarding", true, O_RS | O_LIST | O_IMPORT | O_DIFF | O_RULES, 0},
    {"required-only", false, O_RS | O_LIST | O_DIFF | O_RULES, 0},
    {"format", true, O_RUN | O_LIST | O_DIFF | O_RULES, 'f'},
    {"cloud", true, O_RS | O_LIST | O_DIFF | O_RULES, 0},
    {"mma-workspace", true, O_RS | O_LIST, 0},
    {"onboarding-package", true, O_RS | O_LIST, 0},
    {"cacert", true, O_RS, 0},
    {"crl-via", true, O_RS, 0},
    {"output", true, O_RUN | O_IMPORT | O_LEARN | O_RULES, 'o'},
    {"output-dir", true, O_RUN, 0},
    {"concurrency", true, O_RS, 0},
    {"client-profile", true, O_RS, 0},
    {"timeout", true, O_RS, 0},
    {"no-color", false, O_RUN | O_LIST, 0},
    {"quiet", false, O_RUN, 'q'},
    {"dry-run", false, O_RUN, 0},
    {"details", false, O_RUN, 0},
    {"verbose", false, O_RUN, 'v'},
    {"export-chain", true, O_RUN, 0},
    {"csv", true, O_IMPORT, 0},
    {"state-dir", true, O_RS, 0},
    {"keep-runs", true, O_RS, 0},
    {"keep-days", true, O_RS, 0},
    {"fail-on", true, O_RUN, 0},
    {"on-change", true, O_RUN, 0},
    {"pac", true, O_RUN, 0},
    {"wpad", false, O_RUN, 0},
    {"wpad-domain", true, O_RUN, 0},
    {"expect-public", false, O_RUN, 0},
    {"service-tags", true, O_RUN | O_RULES, 0},
    {"from", true, O_RULES, 0},
    {"proxy", true, O_RULES, 0},
    {"site", true, O_RS, 0},
    {"listen", true, O_SERVE, 0},
    {"token-file", true, O_SERVE, 0},
    {"interval", true, O_SERVE, 0},
    {"jitter", true, O_SERVE, 0},
    {"history", true, O_SERVE, 0},
    {"max-runs", true, O_SERVE, 0},
};
#define N_OPTS (sizeof OPTS / sizeof OPTS[0])
#define VAL_HELP 'h'
#define VAL_BASE 256 /* getopt value of OPTS[i] without a short form: VAL_BASE + i */

static const char *const RULES_FORMATS[] = {"fqdn", "squid", "pac", "nft", "paloalto", "bypass", "crl"};

static const char *const FORMATS[] = {"table", "json", "junit", "prom", "html"};

static int set_once(char **slot, const char *opt, const char *val, char *err, size_t errlen)
{
    if (*slot)
        return fail(err, errlen, "--%s given twice", opt);
    *slot = tp_strdup(val);
    return *slot ? 0 : fail(err, errlen, "out of memory");
}

static int apply_opt(tp_cli *c, const char *name, const char *val, char *err, size_t errlen)
{
    int rc = 0;
    if (!strcmp(name, "config")) rc = set_once(&c->config_file, name, val, err, errlen);
    else if (!strcmp(name, "catalog")) rc = tp_strlist_add(&c->catalogs, val);
    else if (!strcmp(name, "path")) rc = tp_strlist_add(&c->path_specs, val);
    else if (!strcmp(name, "pac") || !strcmp(name, "wpad") || !strcmp(name, "wpad-domain")) {
        /* a pac path among the --path specs (docs/paths.md) */
        char *spec = !strcmp(name, "pac") ? tp_asprintf("pac:%s", val)
                                          : tp_asprintf("wpad=pac:wpad:%s", !strcmp(name, "wpad") ? "" : val);
        rc = spec ? tp_strlist_add(&c->path_specs, spec) : -1;
        free(spec);
    } else if (!strcmp(name, "expect-public")) c->expect_public = true;
    else if (!strcmp(name, "service-tags")) rc = set_once(&c->service_tags, name, val, err, errlen);
    else if (!strcmp(name, "resolver")) rc = tp_strlist_add(&c->resolvers, val);
    else if (!strcmp(name, "service")) rc = tp_strlist_add(&c->services, val);
    else if (!strcmp(name, "geo")) rc = tp_strlist_add(&c->geos, val);
    else if (!strcmp(name, "os")) rc = set_once(&c->os, name, val, err, errlen);
    else if (!strcmp(name, "onboarding")) rc = set_once(&c->onboarding, name, val, err, errlen);
    else if (!strcmp(name, "required-only")) c->required_only = true;
    else if (!strcmp(name, "format") && c->cmd == TP_CMD_RULES) {
        bool known = false;
        for (size_t i = 0; i < sizeof RULES_FORMATS / sizeof RULES_FORMATS[0]; i++)
            known |= !strcmp(val, RULES_FORMATS[i]);
        if (!known)
            return fail(err, errlen, "rules --format: expected fqdn, squid, pac, nft, paloalto, bypass or crl, "
                                     "got \"%s\"", val);
        if (c->formats.n)
            return fail(err, errlen, "rules --format given twice: one format a run");
        rc = tp_strlist_add(&c->formats, val);
    } else if (!strcmp(name, "format")) {
        bool known = false;
        for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++)
            known |= !strcmp(val, FORMATS[i]);
        if (!known)
            return fail(err, errlen, "--format: expected table, json, junit, prom or html, got \"%s\"", val);
        if ((c->cmd == TP_CMD_CATALOG_LIST || c->cmd == TP_CMD_CATALOG_DIFF) && strcmp(val, "table") &&
            strcmp(val, "json"))
            return fail(err, errlen, "%s --format: expected table or json, got \"%s\"",
                        c->cmd == TP_CMD_CATALOG_DIFF ? "catalog diff" : "catalog list", val);
        if (!tp_strlist_has(&c->formats, val))
            rc = tp_strlist_add(&c->formats, val);
    } else if (!strcmp(name, "cacert")) rc = tp_strlist_add(&c->cacerts, val);
    else if (!strcmp(name, "crl-via")) rc = set_once(&c->crl_via, name, val, err, errlen);
    else if (!strcmp(name, "output")) rc = set_once(&c->output, name, val, err, errlen);
    else if (!strcmp(name, "output-dir")) rc = set_once(&c->output_dir, name, val, err, errlen);
    else if (!strcmp(name, "client-profile")) {
        if ((c->client_profile = tp_client_profile_parse(val)) < 0)
            return fail(err, errlen, "--client-profile: expected windows or openssl, got \"%s\"", val);
        c->client_profile_set = true;
    } else if (!strcmp(name, "concurrency")) {
        if (parse_int(val, 1, TP_LIMIT_CONCURRENCY_MAX, &c->concurrency))
            return fail(err, errlen, "--concurrency: expected a number from 1 to %d, got \"%s\"",
                        TP_LIMIT_CONCURRENCY_MAX, val);
    } else if (!strcmp(name, "timeout")) {
        if (parse_int(val, 1, TP_LIMIT_TIMEOUT_MS_MAX, &c->timeout_ms))
            return fail(err, errlen, "--timeout: expected milliseconds from 1 to %d, got \"%s\"",
                        TP_LIMIT_TIMEOUT_MS_MAX, val);
    } else if (!strcmp(name, "no-color")) c->no_color = true;
    else if (!strcmp(name, "quiet")) c->quiet = true;
    else if (!strcmp(name, "dry-run")) c->dry_run = true;
    else if (!strcmp(name, "details")) c->details = true;
    else if (!strcmp(name, "verbose")) c->verbose = true;
    else if (!strcmp(name, "export-chain")) rc = set_once(&c->export_chain, name, val, err, errlen);
    else if (!strcmp(name, "csv")) rc = set_once(&c->csv, name, val, err, errlen);
    else if (!strcmp(name, "state-dir")) rc = set_once(&c->state_dir, name, val, err, errlen);
    else if (!strcmp(name, "on-change")) rc = set_once(&c->on_change, name, val, err, errlen);
    else if (!strcmp(name, "fail-on")) {
        if (strcmp(val, "any") && strcmp(val, "regression"))
            return fail(err, errlen, "--fail-on: expected any or regression, got \"%s\"", val);
        rc = set_once(&c->fail_on, name, val, err, errlen);
    } else if (!strcmp(name, "keep-runs") || !strcmp(name, "keep-days")) {
        bool runs = !strcmp(name, "keep-runs");
        if (parse_int(val, 0, runs ? 10000000 : 36500, runs ? &c->keep_runs : &c->keep_days))
            return fail(err, errlen, "--%s: expected a number from 0 (no limit) to %d, got \"%s\"", name,
                        runs ? 10000000 : 36500, val);
        *(runs ? &c->keep_runs_set : &c->keep_days_set) = true;
    } else if (!strcmp(name, "site")) rc = set_once(&c->site, name, val, err, errlen);
    else if (!strcmp(name, "listen")) rc = set_once(&c->listen, name, val, err, errlen);
    else if (!strcmp(name, "token-file")) rc = set_once(&c->token_file, name, val, err, errlen);
    else if (!strcmp(name, "interval") || !strcmp(name, "jitter")) {
        uint64_t ms;
        bool jit = name[0] == 'j';
        if (parse_duration(val, &ms) || ms > 7ull * 86400000 || (!jit && ms < 10))
            return fail(err, errlen, "--%s: expected a duration such as 300ms, 30s, 5m or 1h (%s to 7d), got \"%s\"",
                        name, jit ? "0" : "10ms", val);
        if (jit) {
            c->jitter_ms = ms;
            c->jitter_set = true;
        } else {
            c->interval_ms = ms;
        }
    } else if (!strcmp(name, "history")) {
        if (parse_int(val, 1, 100000, &c->history_runs))
            return fail(err, errlen, "--history: expected a number of runs from 1 to 100000, got \"%s\"", val);
    } else if (!strcmp(name, "max-runs")) {
        if (parse_int(val, 1, 100000000, &c->max_runs))
            return fail(err, errlen, "--max-runs: expected a number from 1 to 100000000, got \"%s\"", val);
    }
    else if (!strcmp(name, "cloud")) rc = set_once(&c->cloud, name, val, err, errlen);
    else if (!strcmp(name, "mma-workspace")) rc = set_once(&c->mma_workspace, name, val, err, errlen);
    else if (!strcmp(name, "onboarding-package")) rc = set_once(&c->onboarding_package, name, val, err, errlen);
    else if (!strcmp(name, "from")) rc = set_once(&c->from, name, val, err, errlen);
    else if (!strcmp(name, "proxy")) rc = set_once(&c->proxy, name, val, err, errlen);
    if (rc)
        return err[0] ? -1 : fail(err, errlen, "out of memory");
    return 0;
}

static int cmd_mask(tp_cmd cmd)
{
    switch (cmd) {
    case TP_CMD_RUN: return O_RUN;
    case TP_CMD_PINS_LEARN: return O_RUN | O_LEARN;
    case TP_CMD_CATALOG_DIFF: return O_DIFF;
    case TP_CMD_CATALOG_LIST: return O_LIST;
    case TP_CMD_CATALOG_IMPORT: return O_IMPORT;
    case TP_CMD_RULES: return O_RULES;
    case TP_CMD_SERVE: return O_SERVE;
    default: return 0;
    }
}

static const char *cmd_name(tp_cmd cmd)
{
    switch (cmd) {
    case TP_CMD_RUN: return "run";
    case TP_CMD_CATALOG_LIST: return "catalog list";
    case TP_CMD_CATALOG_IMPORT: return "catalog import";
    case TP_CMD_CATALOG_DIFF: return "catalog diff";
    case TP_CMD_PINS_LEARN: return "pins learn";
    case TP_CMD_VERSION: return "version";
    case TP_CMD_RULES: return "rules";
    case TP_CMD_SERVE: return "serve";
    default: return "tlspath";
    }
}

/* Reads the sub-command words; returns the index of the first option. */
static int parse_command(int argc, char **argv, tp_cli *c, char *err, size_t errlen)
{
    if (argc < 2) {
        c->cmd = TP_CMD_HELP;
        c->help_for = TP_CMD_NONE;
        return argc;
    }
    const char *w = argv[1];
    if (!strcmp(w, "run")) { c->cmd = TP_CMD_RUN; return 2; }
    if (!strcmp(w, "rules")) { c->cmd = TP_CMD_RULES; return 2; }
    if (!strcmp(w, "serve")) { c->cmd = TP_CMD_SERVE; return 2; }
    if (!strcmp(w, "version") || !strcmp(w, "--version")) { c->cmd = TP_CMD_VERSION; return 2; }
    if (!strcmp(w, "help") || !strcmp(w, "--help") || !strcmp(w, "-h")) {
        c->cmd = TP_CMD_HELP;
        c->help_for = TP_CMD_NONE;
        if (argc > 2) {
            if (!strcmp(argv[2], "run")) c->help_for = TP_CMD_RUN;
            else if (!strcmp(argv[2], "catalog")) c->help_for = TP_CMD_CATALOG_LIST;
            else if (!strcmp(argv[2], "version")) c->help_for = TP_CMD_VERSION;
            else if (!strcmp(argv[2], "pins")) c->help_for = TP_CMD_PINS_LEARN;
            else if (!strcmp(argv[2], "rules")) c->help_for = TP_CMD_RULES;
            else if (!strcmp(argv[2], "serve")) c->help_for = TP_CMD_SERVE;
            else return fail(err, errlen, "help: unknown command \"%s\" (run, catalog, pins, rules, serve, version)", argv[2]);
        }
        return argc;
    }
    if (!strcmp(w, "catalog")) {
        if (argc < 3 || !strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
            if (argc >= 3) {
                c->cmd = TP_CMD_HELP;
                c->help_for = TP_CMD_CATALOG_LIST;
                return argc;
            }
            return fail(err, errlen, "catalog: expected a sub-command: list, import or diff");
        }
        if (!strcmp(argv[2], "list")) { c->cmd = TP_CMD_CATALOG_LIST; return 3; }
        if (!strcmp(argv[2], "import")) { c->cmd = TP_CMD_CATALOG_IMPORT; return 3; }
        if (!strcmp(argv[2], "diff")) { c->cmd = TP_CMD_CATALOG_DIFF; return 3; }
        return fail(err, errlen, "catalog: unknown sub-command \"%s\" (expected list, import or diff)", argv[2]);
    }
    if (!strcmp(w, "pins")) {
        if (argc >= 3 && !strcmp(argv[2], "learn")) { c->cmd = TP_CMD_PINS_LEARN; return 3; }
        if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            c->cmd = TP_CMD_HELP;
            c->help_for = TP_CMD_PINS_LEARN;
            return argc;
        }
        return fail(err, errlen, "pins: expected the sub-command learn");
    }
    return fail(err, errlen, "unknown command \"%s\" (expected run, catalog, pins, rules, serve, version or help)", w);
}

static const opt_def *opt_by_val(int val)
{
    for (size_t k = 0; k < N_OPTS; k++)
        if ((OPTS[k].short_name && OPTS[k].short_name == val) || (int)(VAL_BASE + k) == val)
            return &OPTS[k];
    return NULL;
}

static int unknown_opt(const tp_cli *c, const char *text, char *err, size_t errlen)
{
    /* "--name=value" is named without its value */
    size_t nlen = strncmp(text, "--", 2) == 0 ? strcspn(text, "=") : strlen(text);
    return fail(err, errlen, "%s: unknown option \"%.*s\" (see `tlspath %s --help`)",
                cmd_name(c->cmd), (int)nlen, text,
                c->cmd == TP_CMD_RUN ? "run" : c->cmd == TP_CMD_VERSION ? "version"
                : c->cmd == TP_CMD_PINS_LEARN ? "pins" : c->cmd == TP_CMD_RULES ? "rules"
                : c->cmd == TP_CMD_SERVE ? "serve" : "catalog");
}

/* getopt_long over the words after the sub-command, with only the options that
 * sub-command accepts in the tables (an option of another command is unknown here).
 * Abbreviated long options ("--conf") are refused: a prefix that works today would
 * become ambiguous when an option is added. Messages are tlspath's, not getopt's. */
int tp_cli_parse(int argc, char **argv, tp_cli *c, char *err, size_t errlen)
{
    struct option longs[N_OPTS + 2];
    char shorts[3 + 2 * N_OPTS + 2];
    size_t nl = 0, ns = 0;

    memset(c, 0, sizeof *c);
    err[0] = '\0';
    int first = parse_command(argc, argv, c, err, errlen);
    if (first < 0)
        return -1;
    if (first >= argc)
        goto checks;

    /* "-": non-options come back in order as 1 (a stray word is an error where it
     * stands); ":": a missing value comes back as ':' */
    shorts[ns++] = '-';
    shorts[ns++] = ':';
    shorts[ns++] = 'h';
    for (size_t k = 0; k < N_OPTS; k++) {
        if (!(OPTS[k].cmds & cmd_mask(c->cmd)))
            continue;
        int val = OPTS[k].short_name ? OPTS[k].short_name : (int)(VAL_BASE + k);
        longs[nl++] = (struct option){OPTS[k].name, OPTS[k].has_arg ? required_argument : no_argument,
                                      NULL, val};
        if (OPTS[k].short_name) {
            shorts[ns++] = OPTS[k].short_name;
            if (OPTS[k].has_arg)
                shorts[ns++] = ':';
        }
    }
    longs[nl++] = (struct option){"help", no_argument, NULL, VAL_HELP};
    longs[nl] = (struct option){NULL, 0, NULL, 0};
    shorts[ns] = '\0';

    /* getopt sees the sub-command word as its argv[0] */
    int sub_argc = argc - first + 1;
    char **sub_argv = argv + first - 1;
    opterr = 0;
    optind = 0; /* glibc: a full re-initialisation, so parsing can run again */
    for (;;) {
        int at = optind ? optind : 1; /* the element getopt is about to read */
        int li = -1;
        int val = getopt_long(sub_argc, sub_argv, shorts, longs, &li);
        if (val == -1)
            break;
        const char *text = at < sub_argc ? sub_argv[at] : "";
        if (val == 1 && c->cmd == TP_CMD_CATALOG_DIFF) { /* catalog diff A B */
            char **slot = !c->diff_a ? &c->diff_a : !c->diff_b ? &c->diff_b : NULL;
            if (!slot)
                return fail(err, errlen, "catalog diff: expected two catalogs, got a third \"%s\"", optarg);
            if (set_once(slot, "catalog", optarg, err, errlen))
                return -1;
            continue;
        }
        if (val == 1)
            return fail(err, errlen, "%s: unexpected argument \"%s\"", cmd_name(c->cmd), optarg);
        if (val == '?' || val == ':') {
            const opt_def *d = optopt ? opt_by_val(optopt) : NULL;
            if (d && val == ':')
                return fail(err, errlen, "--%s: expected a value", d->name);
            if (d && !d->has_arg && strncmp(text, "--", 2) == 0 && strchr(text, '='))
                return fail(err, errlen, "--%s takes no value", d->name);
            if (strncmp(text, "--", 2) == 0 || !optopt)
                return unknown_opt(c, text, err, errlen);
            char shortopt[3] = {'-', (char)optopt, '\0'};
            return unknown_opt(c, shortopt, err, errlen);
        }
        if (li >= 0) { /* a long option: refuse abbreviations */
            size_t n = strlen(longs[li].name);
            if (strncmp(text, "--", 2) != 0 || strncmp(text + 2, longs[li].name, n) != 0 ||
                (text[2 + n] != '\0' && text[2 + n] != '='))
                return unknown_opt(c, text, err, errlen);
        }
        if (val == VAL_HELP) {
            c->help_for = c->cmd;
            c->cmd = TP_CMD_HELP;
            return 0;
        }
        const opt_def *d = opt_by_val(val);
        if (!d)
            return unknown_opt(c, text, err, errlen);
        if (apply_opt(c, d->name, d->has_arg ? optarg : NULL, err, errlen))
            return -1;
    }
    if (optind < sub_argc)
        return fail(err, errlen, "%s: unexpected argument \"%s\"", cmd_name(c->cmd), sub_argv[optind]);
    if (optind > 1 && strcmp(sub_argv[optind - 1], "--") == 0)
        return fail(err, errlen, "%s: unexpected argument \"--\"", cmd_name(c->cmd));
checks:
    if (c->cmd == TP_CMD_CATALOG_IMPORT && !c->csv)
        return fail(err, errlen, "catalog import: expected --csv FILE");
    if (c->cmd == TP_CMD_RULES && c->formats.n == 0)
        return fail(err, errlen, "rules: expected --format fqdn|squid|pac|nft|paloalto|bypass|crl");
    if (c->cmd == TP_CMD_CATALOG_DIFF && !c->diff_b)
        return fail(err, errlen, "catalog diff: expected two catalogs (each builtin:mde or a file)");
    if (c->cmd == TP_CMD_PINS_LEARN && (c->path_specs.n != 1 || !c->output))
        return fail(err, errlen, "pins learn: expected one --path ID and --output FILE");
    if (c->cmd == TP_CMD_RUN && c->output && c->output_dir)
        return fail(err, errlen, "--output and --output-dir: give one or the other");
    return 0;
}

void tp_cli_free(tp_cli *c)
{
    free(c->config_file);
    tp_strlist_free(&c->catalogs);
    /* a spec may carry "user:password@": wipe each before it goes */
    for (size_t i = 0; i < c->path_specs.n; i++) {
        tp_secret_free(c->path_specs.v[i]);
        c->path_specs.v[i] = NULL;
    }
    tp_strlist_free(&c->path_specs);
    tp_strlist_free(&c->resolvers);
    tp_strlist_free(&c->services);
    tp_strlist_free(&c->geos);
    free(c->os);
    free(c->onboarding);
    tp_strlist_free(&c->formats);
    tp_strlist_free(&c->cacerts);
    free(c->output);
    free(c->output_dir);
    free(c->csv);
    free(c->crl_via);
    free(c->service_tags);
    free(c->site);
    free(c->listen);
    free(c->token_file);
    free(c->state_dir);
    free(c->fail_on);
    free(c->on_change);
    free(c->cloud);
    free(c->mma_workspace);
    free(c->onboarding_package);
    free(c->diff_a);
    free(c->diff_b);
    free(c->from);
    free(c->proxy);
    free(c->export_chain);
    memset(c, 0, sizeof *c);
}

/* Replaces *dst with a copy of src. */
static int replace_str(char **dst, const char *src)
{
    char *d = tp_strdup(src);
    if (!d)
        return -1;
    free(*dst);
    *dst = d;
    return 0;
}

static void free_paths(tp_config *cfg)
{
    /* Reuse the model's destructor by moving the paths into a scratch config. */
    tp_config tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.paths = cfg->paths;
    tmp.n_paths = cfg->n_paths;
    tp_config_free(&tmp);
    cfg->paths = NULL;
    cfg->n_paths = 0;
}

static int replace_list(tp_strlist *dst, const tp_strlist *src)
{
    if (src->n == 0)
        return 0;
    tp_strlist_free(dst);
    return tp_strlist_copy(dst, src);
}

/* The history options over the config's "history" object; what needs a state dir says so. */
static int merge_history(const tp_cli *cli, tp_config *cfg, char *err, size_t errlen)
{
    tp_history_cfg *h = &cfg->history;
    if ((cli->state_dir && replace_str(&h->state_dir, cli->state_dir)) ||
        (cli->on_change && replace_str(&h->on_change, cli->on_change)))
        return fail(err, errlen, "out of memory");
    if (cli->keep_runs_set)
        h->keep_runs = cli->keep_runs;
    if (cli->keep_days_set)
        h->keep_days = cli->keep_days;
    if (cli->fail_on)
        h->fail_on = strcmp(cli->fail_on, "any") ? TP_FAIL_ON_REGRESSION : TP_FAIL_ON_ANY;
    if (!h->state_dir && (h->fail_on == TP_FAIL_ON_REGRESSION || h->on_change))
        return fail(err, errlen, "%s needs a history: give --state-dir DIR (or history.state_dir in the config)",
                    h->on_change ? (cli->on_change ? "--on-change" : "history.on_change")
                                 : (cli->fail_on ? "--fail-on regression" : "history.fail_on"));
    return 0;
}

int tp_cli_build_config(const tp_cli *cli, tp_config *cfg, char *err, size_t errlen)
{
    err[0] = '\0';
    if (tp_config_defaults(cfg) != 0)
        return err[0] ? -1 : fail(err, errlen, "out of memory");
    /* No --config: the installed default config if there is one (a file that exists but
     * cannot be read is an error, not a silent fall-back), else the built-in defaults. */
    const char *file = cli->config_file;
    struct stat st;
    if (!file && tp_cli_default_config && (stat(tp_cli_default_config, &st) == 0 || errno != ENOENT))
        file = tp_cli_default_config;
    if (file && tp_config_load_file(file, cfg, err, errlen) != 0)
        return -1;

    if (cli->path_specs.n) {
        free_paths(cfg);
        cfg->paths = calloc(cli->path_specs.n, sizeof *cfg->paths);
        if (!cfg->paths)
            return fail(err, errlen, "out of memory");
        int proxies = 0;
        for (size_t i = 0; i < cli->path_specs.n; i++) {
            const char *spec = cli->path_specs.v[i];
            /* Anything but "direct" / "ID=direct" is a proxy and takes the next number. */
            const char *eq = strchr(spec, '=');
            const char *scheme = strstr(spec, "://");
            const char *kind = eq && (!scheme || eq < scheme) ? eq + 1 : spec;
            bool is_proxy = strcmp(kind, "direct") != 0;
            if (is_proxy)
                proxies++;
            char perr[512];
            if (tp_path_parse_spec(spec, proxies, &cfg->paths[i], perr, sizeof perr) != 0)
                return fail(err, errlen, "--path: %s", perr);
            cfg->n_paths = i + 1;
        }
    }
    if (replace_list(&cfg->catalogs, &cli->catalogs) || replace_list(&cfg->resolvers, &cli->resolvers) ||
        replace_list(&cfg->select.services, &cli->services) ||
        replace_list(&cfg->select.geography, &cli->geos) || replace_list(&cfg->formats, &cli->formats) ||
        tp_strlist_copy(&cfg->ca_files, &cli->cacerts))
        return fail(err, errlen, "out of memory");
    if (cli->os) {
        free(cfg->select.os);
        cfg->select.os = tp_strdup(cli->os);
    }
    if (cli->onboarding) {
        free(cfg->select.onboarding);
        cfg->select.onboarding = tp_strdup(cli->onboarding);
    }
    if (cli->required_only)
        cfg->select.include_optional = false;
    if (cli->cloud) {
        free(cfg->select.cloud);
        if (!(cfg->select.cloud = tp_strdup(cli->cloud)))
            return fail(err, errlen, "out of memory");
    }
    if (cli->mma_workspace) {
        free(cfg->select.mma_workspace);
        if (!(cfg->select.mma_workspace = tp_strdup(cli->mma_workspace)))
            return fail(err, errlen, "out of memory");
    }
    if (cli->site) {
        free(cfg->site);
        if (!(cfg->site = tp_strdup(cli->site)))
            return fail(err, errlen, "out of memory");
    }
    if (cli->output) {
        free(cfg->output);
        free(cfg->output_dir);
        cfg->output_dir = NULL;
        if (!(cfg->output = tp_strdup(cli->output)))
            return fail(err, errlen, "out of memory");   /* not quietly to stdout */
    }
    if (cli->output_dir) {
        free(cfg->output_dir);
        free(cfg->output);
        cfg->output = NULL;
        if (!(cfg->output_dir = tp_strdup(cli->output_dir)))
            return fail(err, errlen, "out of memory");
    }
    for (size_t i = 0; cli->crl_via && i < cfg->n_paths; i++)
        if (cfg->paths[i].type == TP_PATH_HTTP && !cfg->paths[i].crl_via &&
            !(cfg->paths[i].crl_via = tp_strdup(cli->crl_via)))
            return fail(err, errlen, "out of memory");
    cfg->dns.expect_public |= cli->expect_public;
    if (cli->service_tags) {
        free(cfg->dns.service_tags);
        if (!(cfg->dns.service_tags = tp_strdup(cli->service_tags)))
            return fail(err, errlen, "out of memory");
    }
    if (cli->concurrency)
        cfg->limits.concurrency = cli->concurrency;
    if (cli->client_profile_set)
        cfg->client_profile = cli->client_profile;
    if (cli->timeout_ms)
        cfg->limits.total_ms = cli->timeout_ms;
    cfg->no_color |= cli->no_color;
    cfg->quiet |= cli->quiet;
    cfg->dry_run |= cli->dry_run;
    cfg->details |= cli->details;
    if (merge_history(cli, cfg, err, errlen))
        return -1;

    /* No clamping here: the plan resolves limits (core/limits.c) whatever the entry point. */

    return tp_config_validate(cfg, err, errlen);
}
