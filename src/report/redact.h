/* redact.h — the last guard between a configured proxy secret and any output.
 *
 * Whole-secret redaction (report_util.c) misses what a hostile proxy does in practice:
 * it echoes the Proxy-Authorization line back, something truncates it at an arbitrary
 * offset, and a fragment survives ("…RRRZq7Hunter", "c3ZjdXNlcjpacTdIdW50ZX"). This guard
 * refuses fragments instead: no output may hold a run of TP_SECRET_RUN_MIN or more
 * consecutive characters of a configured password, of "user:password" or of the Basic
 * token tlspath sends (case-sensitive; control characters a sink would strip are skipped
 * inside a run, so "Z\x01q\x017\x01H" is the run "Zq7H"). Every such run becomes
 * TP_REDACTED. The URL-encoded and base64 forms of the password and the pair are guarded
 * the same way, and their hex forms from 2 * TP_SECRET_RUN_MIN hex digits on. A secret
 * shorter than TP_SECRET_RUN_MIN is refused whole. Every report sink and every stderr
 * message goes through tp_rpt_clean, which calls this. */
#ifndef TLSPATH_REPORT_REDACT_H
#define TLSPATH_REPORT_REDACT_H
#include <stddef.h>

#include "core/model.h"

#define TP_SECRET_RUN_MIN 4

/* Replaces in *s (a malloc'ed string; replaced by a new allocation when something was
 * found, the old one wiped) every run of a secret of the n_paths paths, as described
 * above. Returns 0, or -1 on allocation failure (then *s is unchanged). */
int tp_redact_fragments(const tp_path *paths, size_t n_paths, char **s);

/* A process-wide list of secrets for text that has no run at hand (serve's history pages
 * and metrics, whose strings come from earlier runs and configs): tp_rpt_clean applies it
 * whenever its run carries no paths. tp_rpt_guard_add copies the credentials of cfg's
 * paths (additive: after a reload the old password is still guarded, since history may
 * hold it); tp_rpt_guard_clear wipes and frees them all. Loop thread only. */
int tp_rpt_guard_add(const tp_config *cfg);
void tp_rpt_guard_clear(void);
/* The registered secrets as paths (username/password only), for tp_rpt_clean. */
const tp_path *tp_rpt_guard_paths(size_t *n);

/* False only when s certainly holds no secret of the paths, whole or as a run (no 4-byte
 * window of any guarded form, no character a sink drops): then neither the whole-secret
 * redaction nor the fragment guard has anything to do — the common case, for every string
 * of every report, decided in one pass. True when it may (or cannot tell). */
bool tp_redact_may_hold(const tp_path *paths, size_t n_paths, const char *s);

/* True when s holds a run of a secret of the paths that tp_redact_fragments would
 * remove: what a test asserts never happens in an output. */
bool tp_redact_would_change(const tp_path *paths, size_t n_paths, const char *s);

#endif
