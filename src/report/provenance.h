/* provenance.h — where and with what a run was made (provenance.c). */
#ifndef TLSPATH_PROVENANCE_H
#define TLSPATH_PROVENANCE_H
#include <cjson/cJSON.h>

#include "core/model.h"

/* "sha256:" + 16 hex digits of the effective configuration (no secret enters it). */
void tp_config_digest(const tp_config *c, char out[32]);
/* The same over a catalog's name and endpoints. */
void tp_catalog_digest(const tp_catalog *cat, char out[32]);
/* {host, tool_version, catalogs: [{name, file, source, endpoints, digest}],
 *  config: {file, digest}}; NULL on allocation failure. */
cJSON *tp_report_provenance(const tp_run *run);
#endif
