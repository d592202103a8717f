/* tenant.c — substitutes tenant values into placeholder hosts (see tenant.h). */
#include "input/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TP_PLACEHOLDER_MMA "mma_workspace"

bool tp_workspace_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* "https://workspaceid.ods.example/x" + "abc" -> host "abc.ods.example", url rebuilt around it. */
static int substitute(tp_endpoint *e, const char *value)
{
    const char *dot = strchr(e->host, '.');
    const char *at = strstr(e->url, "://");
    char *host, *url, *p;
    /* the URL's host starts right after "://" (catalog URLs carry no userinfo) and has
     * the lower-cased host's length */
    if (!dot || !at || strlen(at + 3) < strlen(e->host))
        return 0; /* the loader refuses such placeholders; nothing to do */
    at += 3;
    host = malloc(strlen(value) + strlen(dot) + 1);
    url = malloc(strlen(e->url) + strlen(value) + 1);
    if (!host || !url) {
        free(host);
        free(url);
        return -1;
    }
    sprintf(host, "%s%s", value, dot);
    for (p = host; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    memcpy(url, e->url, (size_t)(at - e->url));
    sprintf(url + (at - e->url), "%s%s", host, at + strlen(e->host));
    free(e->host);
    free(e->url);
    e->host = host;
    e->url = url;
    free(e->placeholder); /* resolved: probed like any other endpoint */
    e->placeholder = NULL;
    return 0;
}

int tp_catalogs_apply_tenant(tp_catalog *cats, size_t n, const tp_select *sel, char *err, size_t errlen)
{
    if (!sel || !sel->mma_workspace || !tp_workspace_id_ok(sel->mma_workspace))
        return 0;
    for (size_t c = 0; c < n; c++)
        for (size_t i = 0; i < cats[c].n; i++) {
            tp_endpoint *e = &cats[c].endpoints[i];
            if (e->placeholder && !strcmp(e->placeholder, TP_PLACEHOLDER_MMA) &&
                substitute(e, sel->mma_workspace) != 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
    return 0;
}

const char *tp_endpoint_unresolved(const tp_endpoint *e, const tp_select *sel)
{
    (void)sel;
    if (e && e->placeholder && !strcmp(e->placeholder, TP_PLACEHOLDER_MMA))
        return "the host needs your Log Analytics workspace id (the MMA hosts are "
               "<workspace-id>.ods/.oms.opinsights...): not probed; give --mma-workspace ID or "
               "select.mma_workspace to test it";
    return NULL;
}
