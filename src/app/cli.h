/* cli.h — the command line of the SPEC: parsing (no side effects) and merging the
 * options over the configuration file. */
#ifndef TLSPATH_CLI_H
#define TLSPATH_CLI_H
#include "core/model.h"

typedef enum tp_cmd {
    TP_CMD_NONE = 0, TP_CMD_RUN, TP_CMD_CATALOG_LIST, TP_CMD_CATALOG_IMPORT, TP_CMD_VERSION,
    TP_CMD_HELP, TP_CMD_CATALOG_DIFF, TP_CMD_PINS_LEARN, TP_CMD_RULES, TP_CMD_SERVE
} tp_cmd;

typedef struct tp_cli {
    tp_cmd cmd;
    tp_cmd help_for;          /* with TP_CMD_HELP: which command's help (NONE = top level) */
    char *config_file;
    tp_strlist catalogs;      /* --catalog */
    tp_strlist path_specs;    /* --path */
    tp_strlist resolvers;     /* --resolver */
    tp_strlist services;      /* --service */
    tp_strlist geos;          /* --geo */
    char *os;                 /* --os */
    char *onboarding;         /* --onboarding */
    bool required_only;       /* --required-only */
    tp_strlist formats;       /* --format */
    tp_strlist cacerts;       /* --cacert */
    char *output;             /* --output */
    char *output_dir;         /* --output-dir */
    int concurrency;          /* --concurrency, 0 = unset */
    int client_profile;       /* --client-profile (TP_CLIENT_PROFILE_*), when client_profile_set */
    bool client_profile_set;
    int timeout_ms;           /* --timeout, 0 = unset */
    bool no_color, quiet, dry_run;
    bool details;             /* --details */
    bool verbose;             /* -v, --verbose: per-phase trace on stderr */
    char *export_chain;       /* --export-chain DIR */
    char *crl_via;            /* --crl-via: crl_via for every proxy path without one */
    bool expect_public;       /* --expect-public */
    char *service_tags;       /* --service-tags FILE (run: label addresses; rules nft: tag sets) */
    char *csv;                /* catalog import --csv */
    char *from;               /* rules --from REPORT.json */
    char *proxy;              /* rules --proxy HOST:PORT (pac) */
    char *site;               /* --site (run, serve): overrides the config's site */
    /* serve */
    char *listen;             /* --listen ADDR:PORT */
    char *token_file;         /* --token-file */
    uint64_t interval_ms;     /* --interval, 0 = unset */
    uint64_t jitter_ms;       /* --jitter */
    bool jitter_set;
    int history_runs;         /* --history, 0 = unset */
    int max_runs;             /* --max-runs, 0 = unset (forever) */
    /* history (store/history.h) */
    char *state_dir;          /* --state-dir */
    int keep_runs, keep_days; /* --keep-runs, --keep-days (valid when *_set) */
    bool keep_runs_set, keep_days_set;
    char *fail_on;            /* --fail-on any|regression */
    char *on_change;          /* --on-change CMD */
    char *cloud;              /* --cloud */
    char *mma_workspace;      /* --mma-workspace */
    char *onboarding_package; /* --onboarding-package */
    char *diff_a, *diff_b;    /* catalog diff A B */
} tp_cli;

/* Parses argv (argv[0] is the program). Returns 0, or -1 with a usage message in err. */
int tp_cli_parse(int argc, char **argv, tp_cli *cli, char *err, size_t errlen);
void tp_cli_free(tp_cli *cli);

/* The config file read when --config is absent, if it exists: SYSCONFDIR/tlspath/config.json
 * of the install (TLSPATH_DEFAULT_CONFIG). A variable so that tests can point it elsewhere. */
extern const char *tp_cli_default_config;

/* Defaults, then the config file (--config, else tp_cli_default_config if it exists), then the command-line overrides, then
 * validation. Returns 0 or -1 (err names the file, key and what was expected). */
int tp_cli_build_config(const tp_cli *cli, tp_config *cfg, char *err, size_t errlen);

/* The help text for a command (TP_CMD_NONE = overview). */
const char *tp_cli_help(tp_cmd cmd);
#endif
