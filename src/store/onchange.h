/* onchange.h — the --on-change hook: a shell command fed the run's changes as JSON on
 * stdin (store/changes_json.h), bounded in time, never fatal to the run.
 *
 * The command runs as `/bin/sh -c CMD` in its own process group, with stdin a pipe
 * carrying the document, stdout sent to tlspath's stderr (a report written to stdout
 * stays clean) and stderr inherited. Its environment is tlspath's minus every secret:
 * TLSPATH_PROXY_PASSWORD and any variable whose value is a configured proxy password
 * (password_env) are removed. At the deadline the group gets SIGTERM, one second later
 * SIGKILL; the child is always reaped (no zombies). */
#ifndef TLSPATH_ONCHANGE_H
#define TLSPATH_ONCHANGE_H
#include <stddef.h>

#include "core/model.h"

#define TP_HOOK_TIMEOUT_MS 30000

/* Blocking: for use when no event loop runs (a one-shot run after its loop ended); serve
 * spawns with uv_spawn and tp_hook_env instead. Returns 0 when the command exited 0;
 * otherwise -1 with one line in err ("exited with status 3", "timed out after 30 s and
 * was killed", "could not be started: ..."). */
int tp_hook_run(const char *cmd, const char *input, size_t len, int timeout_ms, const tp_config *cfg,
                char *err, size_t errlen);

/* The hook's environment (NULL-terminated, malloc'ed; tp_hook_env_free), or NULL. */
char **tp_hook_env(const tp_config *cfg);
void tp_hook_env_free(char **env);
#endif
