/* str.c — small owned-string helpers shared by every layer: NULL-safe copies, a malloc'ed
 * printf, and a growable list of strings. */
#include "base/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *tp_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *tp_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *tp_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *tp_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = tp_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

int tp_strlist_add(tp_strlist *l, const char *s)
{
    char *c = strdup(s ? s : "");
    if (!c)
        return -1;
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) {
        free(c);
        return -1;
    }
    v[l->n++] = c;
    l->v = v;
    return 0;
}

bool tp_strlist_has(const tp_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

bool tp_strlist_has_ci(const tp_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->v[i], s) == 0)
            return true;
    return false;
}

void tp_strlist_free(tp_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int tp_strlist_copy(tp_strlist *dst, const tp_strlist *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (tp_strlist_add(dst, src->v[i]) != 0)
            return -1;
    return 0;
}
