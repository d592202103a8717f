/* secret.c — see secret.h. */
#include "base/secret.h"

#include <mbedtls/platform_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tp_secret_release_hook g_hook; /* tests only (secret.h) */
static void *g_hook_ctx;

void tp_secret_set_release_hook(tp_secret_release_hook hook, void *ctx)
{
    g_hook = hook;
    g_hook_ctx = ctx;
}

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
    if (g_hook)
        g_hook(p, n, g_hook_ctx);
    free(p);
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
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void tp_secret_set(tp_secret **slot, tp_secret *s)
{
    tp_secret_free(*slot);
    *slot = s;
}
