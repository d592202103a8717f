/* app_select.c — cloud, tenant values and onboarding package (see app_select.h). */
#include "app/app_select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "input/catalog.h"
#include "input/onboard.h"
#include "input/tenant.h"


static int set_str(char **slot, const char *v)
{
    char *d = strdup(v);
    if (!d)
        return -1;
    free(*slot);
    *slot = d;
    return 0;
}

/* The clouds of the endpoints whose host is the package's gateway host, as a list. */
static void gateway_facts(const tp_catalog *cats, size_t n_cats, const char *host, tp_strlist *clouds,
                          const char **geo)
{
    *geo = NULL;
    for (size_t c = 0; c < n_cats; c++)
        for (size_t i = 0; i < cats[c].n; i++) {
            const tp_endpoint *e = &cats[c].endpoints[i];
            if (!e->host || strcmp(e->host, host) != 0)
                continue;
            if (e->geography && strcasecmp(e->geography, "WW") != 0)
                *geo = e->geography;
            for (size_t k = 0; k < e->clouds.n; k++)
                if (!tp_strlist_has(clouds, e->clouds.v[k]))
                    (void)tp_strlist_add(clouds, e->clouds.v[k]);
        }
}

static void join(const tp_strlist *l, char *out, size_t outlen)
{
    out[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        size_t u = strlen(out);
        snprintf(out + u, outlen - u, "%s%s", i ? (i + 1 == l->n ? " or " : ", ") : "", l->v[i]);
    }
}

static int apply_package(tp_config *cfg, const tp_cli *cli, const tp_catalog *cats, size_t n_cats, char *err,
                         size_t errlen)
{
    const char *file = cli->onboarding_package;
    tp_onboard_info info;
    tp_strlist clouds = {0};
    const char *geo = NULL, *cloud = NULL;
    char list[128], msg[640];
    int rc = -1;
    if (tp_onboard_read_file(file, &info, err, errlen) != 0)
        return -1;
    if (info.gateway_host[0])
        gateway_facts(cats, n_cats, info.gateway_host, &clouds, &geo);
    if (clouds.n == 0) {
        /* a gateway the catalog does not list: US Government hosts end in .us */
        size_t hl = strlen(info.gateway_host);
        bool gov = hl > 3 && strcmp(info.gateway_host + hl - 3, ".us") == 0;
        static const char *const g[] = {"gcc", "gcc-high", "dod"};
        for (size_t i = 0; i < (gov ? 3u : 1u); i++)
            if (tp_strlist_add(&clouds, gov ? g[i] : "commercial") != 0)
                goto oom;
    }
    if (clouds.n == 1) {
        cloud = clouds.v[0];
    } else {
        join(&clouds, list, sizeof list);
        if (!cli->cloud || !tp_strlist_has(&clouds, cli->cloud)) {
            snprintf(err, errlen, "%s: the package's gateway %s serves %s: give --cloud (one of those)", file,
                     info.gateway_host[0] ? info.gateway_host : "(none)", list);
            goto done;
        }
        cloud = cli->cloud;
    }
    if (!geo)
        geo = info.geo[0] ? info.geo : NULL;
    if (!geo) {
        snprintf(err, errlen, "%s: the package names no data location (vortexGeoLocation)", file);
        goto done;
    }
    /* the command line may narrow, never contradict, what the package says */
    if (cli->cloud && strcmp(cli->cloud, cloud) != 0) {
        snprintf(err, errlen, "--cloud %s contradicts the onboarding package %s (cloud %s)", cli->cloud, file, cloud);
        goto done;
    }
    if (cli->geos.n > 0 && !(cli->geos.n == 1 && strcasecmp(cli->geos.v[0], geo) == 0)) {
        snprintf(err, errlen, "--geo contradicts the onboarding package %s (geography %s)", file, geo);
        goto done;
    }
    if (cli->onboarding && strcmp(cli->onboarding, info.mode) != 0) {
        snprintf(err, errlen, "--onboarding %s contradicts the onboarding package %s (%s)", cli->onboarding, file,
                 info.mode);
        goto done;
    }
    if (cli->os && info.os[0] && strcmp(cli->os, info.os) != 0) {
        snprintf(err, errlen, "--os %s contradicts the onboarding package %s (%s)", cli->os, file, info.os);
        goto done;
    }
    tp_strlist_free(&cfg->select.geography);
    if (set_str(&cfg->select.cloud, cloud) || tp_strlist_add(&cfg->select.geography, geo) ||
        set_str(&cfg->select.onboarding, info.mode) || (info.os[0] && set_str(&cfg->select.os, info.os)))
        goto oom;
    /* What was read, never the blob itself (orgId and signatures stay in the file). */
    snprintf(msg, sizeof msg, "onboarding package: cloud %s, geography %s, %s onboarding%s%s%s%s", cloud, geo,
             info.mode, info.os[0] ? ", " : "", info.os, info.gateway_host[0] ? ", gateway " : "",
             info.gateway_host);
    if (!cfg->quiet)
        fprintf(stderr, "tlspath: %s\n", msg);
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    tp_strlist_free(&clouds);
    return rc;
}

int tp_app_select_prepare(tp_config *cfg, const tp_cli *cli, tp_catalog *cats, size_t n_cats, char *err,
                          size_t errlen)
{
    const char *cloud = cfg->select.cloud;
    if (cloud) {
        size_t k = 0;
        while (tp_known_clouds[k] && strcmp(tp_known_clouds[k], cloud) != 0)
            k++;
        if (!tp_known_clouds[k]) {
            snprintf(err, errlen, "--cloud: expected one of commercial, gcc, gcc-high, dod, got \"%.40s\"", cloud);
            return -1;
        }
    }
    if (cfg->select.mma_workspace && !tp_workspace_id_ok(cfg->select.mma_workspace)) {
        snprintf(err, errlen, "%s: expected a Log Analytics workspace id (1-63 letters, digits or '-')",
                 cli->mma_workspace ? "--mma-workspace" : "select.mma_workspace");
        return -1;
    }
    if (cli->onboarding_package && apply_package(cfg, cli, cats, n_cats, err, errlen) != 0)
        return -1;
    return tp_catalogs_apply_tenant(cats, n_cats, &cfg->select, err, errlen);
}
