/* rules_cmd.h — the `tlspath rules` sub-command (rules_cmd.c). */
#ifndef TLSPATH_RULES_CMD_H
#define TLSPATH_RULES_CMD_H
#include "app/cli.h"

/* app.c's selection step, as for `run`: cloud, tenant values, onboarding package
 * (app_select.h), then the check that every selection value names something. */
typedef int (*tp_selection_check_fn)(tp_config *cfg, const tp_cli *cli, tp_catalog *cats, size_t n_cats,
                                     char *err, size_t errlen);

/* Returns the exit status: 0 written, 2 usage, configuration or write error. */
int tp_cmd_rules(const tp_cli *cli, tp_selection_check_fn check);
#endif
