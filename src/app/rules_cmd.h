/* rules_cmd.h — the `tlspath rules` sub-command (rules_cmd.c). */
#ifndef TLSPATH_RULES_CMD_H
#define TLSPATH_RULES_CMD_H
#include "app/cli.h"

/* app.c's check that every selection value names something in the catalogs. */
typedef int (*tp_selection_check_fn)(const tp_config *cfg, const tp_cli *cli, const tp_catalog *cats,
                                     size_t n_cats, char *err, size_t errlen);

/* Returns the exit status: 0 written, 2 usage, configuration or write error. */
int tp_cmd_rules(const tp_cli *cli, tp_selection_check_fn check);
#endif
