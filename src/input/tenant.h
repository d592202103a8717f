/* tenant.h — endpoints whose host needs a value only the tenant knows (the MMA hosts are
 * <workspace-id>.ods.opinsights.azure.com). The catalog writes a stand-in first label and
 * "placeholder": "mma_workspace"; a run substitutes the value it is given, and an endpoint
 * without its value is not probed: it is reported as skipped with the reason, so a run on
 * a healthy network can exit 0. */
#ifndef TLSPATH_TENANT_H
#define TLSPATH_TENANT_H
#include <stddef.h>
#include "core/model.h"

/* True when s is usable as a DNS label: 1..63 letters, digits or '-', not starting or
 * ending with '-' (a Log Analytics workspace id is a GUID, which qualifies). */
bool tp_workspace_id_ok(const char *s);

/* Replaces the first host label of every placeholder endpoint whose value sel carries
 * (url and host both). Returns 0, or -1 on allocation failure (err filled). */
int tp_catalogs_apply_tenant(tp_catalog *cats, size_t n, const tp_select *sel, char *err, size_t errlen);

/* Why the endpoint cannot be probed with this selection (static text), or NULL. */
const char *tp_endpoint_unresolved(const tp_endpoint *e, const tp_select *sel);
#endif
