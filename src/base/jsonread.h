/* jsonread.h — the one validating JSON reader (over cJSON) of the configuration and
 * the catalogs, so both speak the same rules and the same messages:
 *
 *   - files are read with a size bound into a tp_buf (wiped afterwards when they may
 *     hold a secret), and a \u0000 escape or a raw NUL byte is refused before cJSON
 *     sees the text (it would cut a string short);
 *   - a syntax error reads "FILE:LINE:COLUMN: expected valid JSON, got 'c'", and text
 *     after the top-level value is an error too;
 *   - every object's keys are checked: each known or "$comment" (ignored anywhere), each
 *     given once (cJSON keeps duplicates; silently taking one would hide a typo);
 *   - every other message has one shape: "FILE: JSON.PATH: expected WHAT, got WHAT",
 *     the value echoed sanitised (printable ASCII, at most 80 bytes) or, for a secret,
 *     described by its type only ("a string"). A missing member is "got nothing". */
#ifndef TLSPATH_BASE_JSONREAD_H
#define TLSPATH_BASE_JSONREAD_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/buf.h"

#define TP_JR_PATH_MAX 256            /* a JSON path in a message */
#define TP_JR_SHOW_MAX 80             /* bytes of a value echoed in a message */
#define TP_JR_SHOW_BUF (TP_JR_SHOW_MAX * 4 + 8) /* worst case: every byte as \xNN */
#define TP_JR_MAX_KEYS 64             /* keys one object kind may know */

/* Where messages go. */
typedef struct tp_jr {
    const char *file; /* starts every message ("FILE: ...") */
    char *err;
    size_t errlen;
} tp_jr;

/* "FILE: JPATH: <fmt>" ("FILE: <fmt>" when jpath is NULL or ""). Always returns -1. */
int tp_jr_fail(const tp_jr *r, const char *jpath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "FILE: JPATH: expected EXPECTED, got <v described>". Returns -1. */
int tp_jr_fail_got(const tp_jr *r, const char *jpath, const char *expected, const cJSON *v,
                   bool secret);
/* Same with a text value (quoted and sanitised; redact first when it may hold one). */
int tp_jr_fail_text(const tp_jr *r, const char *jpath, const char *expected, const char *got);

/* Quotes s for a message: printable ASCII kept, '"' and '\' escaped, other bytes as
 * \xNN, at most TP_JR_SHOW_MAX source bytes (then "..."). */
void tp_jr_show(const char *s, char *out, size_t n);
/* Describes a value for "got ...": nothing, a quoted string, a number, true, false,
 * null, an array, an object. A secret is described by its type only. */
void tp_jr_describe(const cJSON *v, bool secret, char *out, size_t n);
/* JSON paths: "parent.key" (key sanitised) and "parent[i]" (cut short with "..."). */
void tp_jr_key(char *out, size_t n, const char *parent, const char *key);
void tp_jr_idx(char *out, size_t n, const char *parent, size_t i);

/* Reads FILE (r->file) into b, at most max bytes; secret: the buffer is wiped when
 * freed. Messages: "FILE: cannot open: REASON", "FILE: cannot read: REASON",
 * "FILE: expected a file of at most MAX bytes, got more". Returns 0 or -1. */
int tp_jr_read_file(const tp_jr *r, size_t max, bool secret, tp_buf *b);
/* The 1-based line of the first \u0000 (or \U0000) escape or raw NUL byte, or 0; *raw
 * says which. An escaped backslash followed by "u0000" is text, not an escape. */
size_t tp_jr_nul_line(const char *text, size_t len, bool *raw);
/* Parses text (NUL check, syntax, nothing but white space after the value, no control
 * character — C0, DEL, C1 — in any key or string: "FILE: JPATH: expected text without
 * control characters, got U+001B at character 5"). Returns the tree, or NULL with the
 * message written. */
cJSON *tp_jr_parse(const tp_jr *r, const char *text, size_t len);
/* Deletes a tree; wipe = true zeroes every key and string first (a config tree holds
 * the proxy passwords). NULL-safe. */
void tp_jr_delete(cJSON *root, bool wipe);

/* Checks obj's keys against keys[0..n) ("$comment" always allowed). Messages:
 * "FILE: JP.KEY: unknown key: expected one of A, B, ..." and
 * "FILE: JP.KEY: expected each key once, got it twice". n <= TP_JR_MAX_KEYS. */
int tp_jr_check_keys(const tp_jr *r, const cJSON *obj, const char *jp, const char *const *keys,
                     size_t n);
/* For objects whose keys are names (pin sets): true when it appears before `it`. */
bool tp_jr_key_seen_before(const cJSON *obj, const cJSON *it);

/* Typed reads: each writes its message and returns -1 on a wrong type or range. */
int tp_jr_object(const tp_jr *r, const cJSON *v, const char *jp);
int tp_jr_bool(const tp_jr *r, const cJSON *v, const char *jp, bool *out);
int tp_jr_string(const tp_jr *r, const cJSON *v, const char *jp, bool secret, const char **out);
/* An integer in [lo, hi] ("expected an integer from LO to HI, got ..."). */
int tp_jr_int(const tp_jr *r, const cJSON *v, const char *jp, double lo, double hi, double *out);
/* An array of at most max elements ("expected an array (each element OF), got ..."). */
int tp_jr_array(const tp_jr *r, const cJSON *v, const char *jp, const char *of, bool nonempty,
                int max);
#endif
