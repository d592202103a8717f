/* fetch.c — ownership helpers of tp_fetch (see fetch.h). */
#include "core/fetch.h"

#include <stdlib.h>

void tp_fetch_free(tp_fetch *f)
{
    if (!f)
        return;
    free(f->body);
    free(f->error_message);
    f->body = NULL;
    f->error_code = TP_OC_NONE;
    f->error_message = NULL;
    f->body_len = 0;
}

void tp_fetch_fail_all(tp_fetch *f, size_t n, tp_outcome code, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].error_code == TP_OC_NONE)
            f[i].error_code = code;
        if (!f[i].error_message)
            f[i].error_message = tp_strdup(why);
    }
}
