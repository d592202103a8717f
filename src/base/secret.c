/* secret.c — see secret.h. */
#include "base/secret.h"
#include "base/str.h"

#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tp_secret_wipe(void *p, size_t n)
{
    if (p && n)
        mbedtls_platform_zeroize(p, n);
}

void tp_secret_free_n(void *p, size_t n)
{
    if (!p)
        return;
    tp_secret_wipe(p, n);
    free(p);   /* tests/unit/test_secret.c wraps free() and searches what comes back */
}

void tp_secret_free(tp_secret *s)
{
    if (s)
        tp_secret_free_n(s, strlen(s) + 1);
}

tp_secret *tp_secret_ndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

tp_secret *tp_secret_dup(const char *s)
{
    return s ? tp_secret_ndup(s, strlen(s)) : NULL;
}

tp_secret *tp_secret_printf(const char *fmt, ...)
{
    /* same allocation as any string: what makes it a secret is how it is freed (wiped) */
    va_list ap;
    va_start(ap, fmt);
    tp_secret *s = tp_vasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void tp_secret_set(tp_secret **slot, tp_secret *s)
{
    tp_secret_free(*slot);
    *slot = s;
}
