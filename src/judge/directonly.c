/* directonly.c — see directonly.h. */
#include "judge/directonly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tp_judge_direct_only(tp_result *results, size_t n)
{
    static const char msg[] =
        "reachable through this proxy, but Microsoft says this service cannot be used through "
        "a proxy: devices need a direct connection or a proxy bypass for it";
    for (size_t i = 0; i < n; i++) {
        tp_result *r = &results[i];
        const tp_path *p = r->used_path ? r->used_path : r->path;
        if (!r->ep || !r->ep->direct_only || !p || p->type != TP_PATH_HTTP || r->status != TP_ST_OK)
            continue;
        char *m = strdup(msg), *fix = NULL;
        size_t fl = strlen(r->ep->host) + strlen(p->id) + 160;
        if ((fix = malloc(fl)) != NULL)
            snprintf(fix, fl, "let devices reach %s directly (proxy bypass), not through proxy %s: Microsoft says it "
                              "cannot be used through a proxy", r->ep->host, p->id);
        if (!m || !fix) {
            free(m);
            free(fix);
            return -1;
        }
        free(r->error_message);
        free(r->remediation);
        r->error_code = TP_OC_DIRECT_ONLY_VIA_PROXY;
        r->error_message = m;
        r->remediation = fix;
        r->status = TP_ST_WARN;
    }
    return 0;
}
