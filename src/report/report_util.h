/* report_util.h — the helpers every report sink shares. Everything a sink prints that
 * came from the network (certificate names, error text, CNAMEs, CRL URLs) is hostile
 * bytes: these helpers turn it into valid UTF-8, strip what a format cannot carry and
 * escape what it would misread. They also keep secrets out: any configured proxy
 * password, user:password pair or Basic token (base64 of user:password, as sent in
 * Proxy-Authorization) that slipped into a string is redacted. */
#ifndef TLSPATH_REPORT_UTIL_H
#define TLSPATH_REPORT_UTIL_H
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "core/model.h"

/* What replaces a secret found inside reported text. */
#define TP_REDACTED "[redacted]"

/* Decodes one UTF-8 sequence from s (n > 0 bytes available). Strict: overlong forms,
 * surrogates, code points above U+10FFFF and truncated sequences are invalid; then *cp
 * is U+FFFD and 1 is returned so the caller resynchronises on the next byte.
 * Returns the number of bytes consumed (1..4). */
size_t tp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Appends the UTF-8 encoding of cp (<= U+10FFFF, not a surrogate) to dst. Returns the
 * number of bytes written (1..4); dst must have room for 4. */
size_t tp_utf8_encode(uint32_t cp, char *dst);

/* A malloc'ed copy of s with every invalid UTF-8 sequence replaced by U+FFFD, control
 * characters removed (C0, DEL, C1; TAB/LF/CR become a space), and every
 * configured proxy secret of run's paths replaced by TP_REDACTED (run may be NULL): the
 * Basic token tlspath sends (base64 of "user:password", with or without its '='
 * padding), the "user:password" pair and the password — also when characters some sink
 * drops (C0/C1 controls, DEL, U+FFFE/U+FFFF) are interleaved — and every run of 4+
 * characters of one (redact.h). Every sink passes all the text it prints through this. Returns NULL if s is NULL or on allocation failure. */
char *tp_rpt_clean(const tp_run *run, const char *s);

/* Allocation failure inside a sink: tp_rpt_clean (and the JSON builder) record it here
 * when they had to leave text out, so the sink returns -1 instead of a report with holes.
 * Every sink calls tp_rpt_oom_reset() first and checks tp_rpt_oom() last. One report is
 * written at a time (the loop thread), hence a plain flag. */
void tp_rpt_oom_reset(void);
void tp_rpt_oom_set(void);
bool tp_rpt_oom(void);

/* Writes s (any bytes) as XML 1.0 character data or attribute value: invalid UTF-8
 * becomes U+FFFD, characters XML 1.0 forbids (C0 controls but TAB/LF/CR, U+FFFE/U+FFFF)
 * are dropped, and & < > " ' are escaped. Safe for HTML text and quoted attributes.
 * With attr, TAB/LF/CR are written as character references so they survive attribute
 * value normalisation. NULL prints nothing. */
void tp_xml_put(FILE *out, const char *s, int attr);

/* Writes s as a Prometheus label value (the part between the quotes): valid UTF-8,
 * backslash, double quote and newline escaped, other control characters dropped. */
void tp_prom_label_put(FILE *out, const char *s);

/* Copies s into dst (cap bytes, always NUL-terminated when cap > 0) for a terminal:
 * valid UTF-8, C0/C1 control characters and DEL dropped (newlines and tabs become a
 * space) so network text cannot move the cursor or inject escape sequences. Stops at
 * a character boundary when dst is full. Returns the number of characters copied. */
size_t tp_term_clean(char *dst, size_t cap, const char *s);

/* Writes "tlspath: " prefix, msg, newline to out (stderr) the way every report sink
 * writes text: secrets of cfg's paths redacted (cfg may be NULL), control characters
 * dropped. The one way a run's messages reach stderr. */
void tp_rpt_say(FILE *out, const tp_config *cfg, const char *prefix, const char *msg);

/* Number of characters (code points) in valid UTF-8 s. */
size_t tp_utf8_len(const char *s);

/* Formats epoch milliseconds as RFC 3339 UTC with milliseconds:
 * "2026-11-23T09:12:12.345Z". dst needs 32 bytes. Returns dst. */
char *tp_rfc3339_ms(int64_t ms, char *dst, size_t cap);

/* The JSON report document (the SPEC's contract). Shared by the JSON sink and the HTML
 * sink, which embeds it. Returns NULL on allocation failure; free with cJSON_Delete. */
cJSON *tp_report_json_build(const tp_run *run);
/* The same text as printing tp_report_json_build's document (cJSON_Print when pretty,
 * cJSON_PrintUnformatted otherwise), handed to sink piece by piece: the head, then one result
 * at a time, each built, printed and freed — a run of 10,000 results never holds the whole
 * document (its tree was ~3.5 times the text) in memory. sink returns 0 or -1 (stops).
 * Returns 0 or -1. */
typedef int (*tp_json_sink)(void *ud, const char *text, size_t len);
int tp_report_json_stream(const tp_run *run, bool pretty, tp_json_sink sink, void *ud);

/* The run's paths (cfg may be absent in hand-built runs). */
size_t tp_rpt_n_paths(const tp_run *run);
const tp_path *tp_rpt_path(const tp_run *run, size_t i);
/* Index in run->cfg->paths of p, or (size_t)-1. */
size_t tp_rpt_path_index(const tp_run *run, const tp_path *p);

/* The changes since the previous run (report_changes.c; nothing when run->changes is
 * NULL): the change of one result or NULL, and the table's short section. */
struct tp_change;
const struct tp_change *tp_rpt_change_of(const tp_run *run, const tp_result *r);
void tp_rpt_changes_table(const tp_run *run, FILE *out, bool color);

#endif
