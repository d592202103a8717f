/* changes_json.h — the changes of a run as JSON: the `changes` object of the JSON report
 * (docs/report.schema.json) and, wrapped, the document an --on-change hook reads. Only
 * identifiers, statuses and codes: no message text, no proxy, never a secret. */
#ifndef TLSPATH_CHANGES_JSON_H
#define TLSPATH_CHANGES_JSON_H
#include <cjson/cJSON.h>

#include "core/changes.h"

/* run->changes as the report's `changes` object; a JSON null when run->changes is NULL.
 * Returns NULL on allocation failure. */
cJSON *tp_changes_json(const tp_run *run);

/* The hook's stdin: {"tool", "started_at", "finished_at", "verdict", "changes"}; malloc'ed
 * text (free()), or NULL on allocation failure. */
char *tp_changes_hook_doc(const tp_run *run);
#endif
