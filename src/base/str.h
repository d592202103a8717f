/* str.h — owned-string helpers used by every layer (the bottom of the stack). */
#ifndef TLSPATH_BASE_STR_H
#define TLSPATH_BASE_STR_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>


typedef struct tp_strlist {
    char **v;
    size_t n;
} tp_strlist;

/* Appends a copy of s. Returns 0, or -1 on allocation failure. */
int tp_strlist_add(tp_strlist *l, const char *s);
bool tp_strlist_has(const tp_strlist *l, const char *s);          /* exact match */
bool tp_strlist_has_ci(const tp_strlist *l, const char *s);       /* ASCII case-insensitive */
void tp_strlist_free(tp_strlist *l);
int tp_strlist_copy(tp_strlist *dst, const tp_strlist *src);

char *tp_strdup(const char *s);                   /* NULL-safe strdup */
char *tp_strndup(const char *s, size_t n);
/* malloc'ed printf. Returns NULL on failure. */
char *tp_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same over a va_list (ap is consumed). */
char *tp_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
