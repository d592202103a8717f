/* pages.h — the history views of `tlspath serve`: /history.json and the timeline page /.
 * Both render a tp_timeline (timeline.h) into memory; they do no I/O. */
#ifndef TLSPATH_SERVE_PAGES_H
#define TLSPATH_SERVE_PAGES_H
#include <stddef.h>
#include <stdint.h>

#include "serve/timeline.h"

/* The Content-Security-Policy of the timeline page (also sent as a header): nothing
 * external, no script at all — the page is plain HTML and inline SVG. */
#define TP_TIMELINE_CSP "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* {"site", "generated_at", "backend", "runs": [...], "series": [...]} (docs/serve.md).
 * site and backend may be NULL. Returns a malloc'ed string (length in *len) or NULL. */
char *tp_page_history_json(const tp_timeline *t, const char *site, const char *backend, int64_t now_ms,
                           size_t *len);

/* A self-contained HTML page: one row per endpoint x path, one square per run coloured by
 * status (inline SVG, a <title> per square), newest on the right. Returns a malloc'ed
 * string (length in *len) or NULL. */
char *tp_page_timeline_html(const tp_timeline *t, const char *site, int64_t now_ms, size_t *len);
#endif
