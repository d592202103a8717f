/* app.h — the tlspath program as a function (main.c calls it; tests may too). */
#ifndef TLSPATH_APP_H
#define TLSPATH_APP_H
/* Returns the process exit status: 0 pass, 1 a required endpoint failed, 2 usage or
 * configuration error. */
int tp_app_main(int argc, char **argv);

#include "app/cli.h"
/* A selection value no endpoint of the catalogs carries (--geo EUR, --service nosuch) is a
 * typo: returns -1 with err naming where it came from and the values known (run and
 * serve refuse it rather than quietly test less). */
int tp_app_check_selection(const tp_config *cfg, const tp_cli *cli, const tp_catalog *cats, size_t n_cats,
                           char *err, size_t errlen);
#endif
