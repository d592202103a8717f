/* jsontext.h — checks on JSON text before cJSON parses it (config and catalog files). */
#ifndef TLSPATH_JSONTEXT_H
#define TLSPATH_JSONTEXT_H
#include <stdbool.h>
#include <stddef.h>

/* cJSON turns a \u0000 escape into a NUL that silently cuts the string short (a password
 * "Pw\u0000Secret" would become "Pw"). Returns the 1-based line of the first such escape
 * (\U too), or 0. An escaped backslash followed by "u0000" is text, not an escape, and is
 * skipped. A raw NUL byte cuts a string the same way: its line is returned too, with
 * *raw set. */
size_t tp_json_nul_line(const char *text, size_t len, bool *raw);
#endif
