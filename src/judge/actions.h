/* actions.h — the change list a network team works from: failures and warnings grouped by
 * (where the change is made, what to change), each naming every rule it covers and the
 * probes behind it, most impact first. "proxy bump (10.0.0.5:8080): exclude from TLS
 * inspection: *.wd.microsoft.com, winatp-gw-cus.microsoft.com (16 probes)" replaces 16
 * per-probe blocks that repeat the same fix. A pure function of the judged results. */
#ifndef TLSPATH_ACTIONS_H
#define TLSPATH_ACTIONS_H
#include "core/model.h"

typedef struct tp_action {
    char *kind;          /* proxy | firewall | dns | endpoint | trust | crl | tester: where, as a word */
    char *where;         /* "proxy bump (10.0.0.5:8080)", "firewall / egress of the direct path", ... */
    const tp_path *path; /* borrowed: the path the change is made on, NULL when none */
    char *what;          /* "exclude from TLS inspection" */
    tp_strlist rules;    /* the names it covers ("*.wd.microsoft.com"), first seen first */
    tp_strlist codes;    /* the error codes behind it */
    size_t *probes;      /* indices into run->results */
    size_t n_probes;
    size_t required;     /* probes of required endpoints among them */
    tp_status status;    /* TP_ST_FAIL if any probe failed, else TP_ST_WARN */
} tp_action;

/* Groups run's failed and warned results. *out is a malloc'ed array (NULL when there is
 * nothing to change), most impact first: failures before warnings, then more probes,
 * then more required probes. Returns 0, or -1 on allocation failure. */
int tp_actions_build(const tp_run *run, tp_action **out, size_t *n);
void tp_actions_free(tp_action *a, size_t n);

/* "WHERE: WHAT: rule, rule, ... (N probes)" — malloc'ed, NULL on allocation failure. */
char *tp_action_line(const tp_action *a);
/* The same with at most max_rules names (0 = all), then "and K more": a terminal line
 * stays readable when one fix covers a whole catalog (every name failing DNS). */
char *tp_action_line_max(const tp_action *a, size_t max_rules);
#endif
