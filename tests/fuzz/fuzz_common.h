/* fuzz_common.h — helpers shared by the tests/fuzz/<name>_entry.h bodies (libFuzzer
 * targets and tests/unit/test_fuzz_replay.c). An invariant that breaks aborts, so
 * libFuzzer reports it and the replay test dies under ctest. */
#ifndef TP_FUZZ_COMMON_H
#define TP_FUZZ_COMMON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"

static inline void fz_check(int cond)
{
    if (!cond)
        abort();
}

/* An error message must be NUL-terminated inside its buffer and, on failure, non-empty. */
static inline void fz_check_err(const char *err, size_t errlen, int rc)
{
    fz_check(memchr(err, '\0', errlen) != NULL);
    if (rc != 0)
        fz_check(err[0] != '\0');
}

/* Every entry of a URL list: non-NULL, 1..2048 bytes of printable ASCII; at most 16. */
static inline void fz_check_urls(const tp_strlist *l)
{
    fz_check(l->n <= 16);
    for (size_t i = 0; i < l->n; i++) {
        const char *s = l->v[i];
        fz_check(s != NULL);
        size_t n = strlen(s);
        fz_check(n >= 1 && n <= 2048);
        for (size_t k = 0; k < n; k++)
            fz_check(s[k] > 0x20 - 1 && s[k] < 0x7f);
    }
}
#endif
