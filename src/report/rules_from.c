/* rules_from.c — what a run saw, read back from its JSON report (docs/report.schema.json)
 * for `tlspath rules --from`: the CNAME targets devices really connect to, the addresses
 * the names resolved to, and the CRL URLs the certificates named. The report is a file
 * someone hands us: every field is checked for type, and names and addresses are
 * validated by the rule set before they can reach an output format. */
#include "report/rules.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const tp_endpoint *find_ep(const tp_endpoint *const *eps, size_t n, const char *id)
{
    for (size_t i = 0; id && i < n; i++)
        if (eps[i]->id && strcmp(eps[i]->id, id) == 0)
            return eps[i];
    return NULL;
}

static int observe_result(tp_ruleset *rs, const cJSON *res, const tp_endpoint *e)
{
    const cJSON *dns = cJSON_GetObjectItemCaseSensitive(res, "dns");
    const cJSON *item;
    if (cJSON_IsObject(dns)) {
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(dns, "cnames"))
            if (cJSON_IsString(item) && tp_rules_add_cname(rs, item->valuestring, e) < 0)
                return -1;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(dns, "addresses"))
            if (cJSON_IsString(item) && tp_rules_add_address(rs, item->valuestring, e) < 0)
                return -1;
    }
    const cJSON *rev = cJSON_GetObjectItemCaseSensitive(res, "revocation");
    if (cJSON_IsObject(rev))
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(rev, "crls"))
            if (cJSON_IsObject(item) && tp_rules_add_crl_url(rs, jstr(item, "url"), e->host) < 0)
                return -1;
    return 0;
}

int tp_rules_observe_report(tp_ruleset *rs, const char *text, size_t len, const char *file,
                            const tp_endpoint *const *eps, size_t n_eps, size_t *matched, char *err,
                            size_t errlen)
{
    *matched = 0;
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (!doc) {
        snprintf(err, errlen, "%s: not JSON (expected a report of `tlspath run --format json`)", file);
        return -1;
    }
    int rc = -1;
    const cJSON *tool = cJSON_GetObjectItemCaseSensitive(doc, "tool");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
    const char *name = cJSON_IsObject(tool) ? jstr(tool, "name") : NULL;
    if (!name || strcmp(name, "tlspath") != 0 || !cJSON_IsArray(results)) {
        snprintf(err, errlen, "%s: not a tlspath report (expected tool.name \"tlspath\" and a results array)", file);
        goto done;
    }
    const cJSON *res;
    cJSON_ArrayForEach(res, results) {
        const cJSON *ep = cJSON_GetObjectItemCaseSensitive(res, "endpoint");
        const tp_endpoint *e = cJSON_IsObject(ep) ? find_ep(eps, n_eps, jstr(ep, "id")) : NULL;
        if (!e)
            continue;   /* not in the selection: the catalog decides what the rules cover */
        (*matched)++;
        if (observe_result(rs, res, e) != 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    rs->observed = true;
    rc = 0;
done:
    cJSON_Delete(doc);
    return rc;
}
