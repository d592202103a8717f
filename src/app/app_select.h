/* app_select.h — what a run selects beyond the plain filters: the cloud, tenant values
 * for placeholder hosts, and the device's onboarding package. Shared by run, catalog
 * list and pins learn. */
#ifndef TLSPATH_APP_SELECT_H
#define TLSPATH_APP_SELECT_H
#include <stddef.h>
#include "app/cli.h"
#include "core/model.h"

/* Validates select.cloud and select.mma_workspace, applies --onboarding-package (cloud,
 * geography, onboarding mode and OS of that device), then substitutes tenant values into
 * the catalogs' placeholder hosts. Returns 0, or -1 with one line in err. */
int tp_app_select_prepare(tp_config *cfg, const tp_cli *cli, tp_catalog *cats, size_t n_cats, char *err,
                          size_t errlen);

/* "tlspath catalog diff" and "tlspath pins learn" (app_catalog.c). */
int tp_app_catalog_diff(const tp_cli *cli);
int tp_app_pins_learn(const tp_cli *cli);
#endif
