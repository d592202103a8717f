/* devproxy_paths.c — from a device's proxy settings (devproxy.h) to the tlspath paths it
 * really uses. One path per setting that is present, each saying in "$comment" which
 * Defender component uses it and in which order; the precedence and the fallback to direct
 * are Microsoft's, cited in docs/paths.md:
 *
 *   EDR sensor        TelemetryProxyServer (falls back to direct when the proxy cannot be
 *                     reached), else the WinHTTP proxy, else direct (or WPAD).
 *   Defender AV       ProxyServer (honouring ProxyBypass), ProxyPacUrl, else WinHTTP.
 *   the OS (CRLs,     the WinHTTP proxy, else direct — so a static Defender proxy without a
 *   Windows Update)   system-wide one fetches CRLs direct (crl_via "direct"), unless
 *                     PreferStaticProxyForHttpRequest=1 sends the sensor's HTTP through its
 *                     static proxy.
 *   Linux / macOS     mdatp_managed.json cloudService.proxy, else HTTPS_PROXY (NO_PROXY). */
#include "input/devproxy.h"

#include <stdio.h>
#include <string.h>

static cJSON *strlist_json(const tp_strlist *l)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < l->n; i++) {
        cJSON *s = cJSON_CreateString(l->v[i]);
        if (!s || !cJSON_AddItemToArray(a, s)) {
            cJSON_Delete(s);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* Adds one path object; NULL on out of memory. */
static cJSON *add_path(cJSON *paths, const char *id, const char *type, const char *comment)
{
    cJSON *p = cJSON_CreateObject();
    if (!p || !cJSON_AddItemToArray(paths, p)) {
        cJSON_Delete(p);
        return NULL;
    }
    if (!cJSON_AddStringToObject(p, "$comment", comment) || !cJSON_AddStringToObject(p, "id", id) ||
        !cJSON_AddStringToObject(p, "type", type))
        return NULL;
    return p;
}

static bool add_bypass(cJSON *p, const tp_strlist *l)
{
    if (l->n == 0)
        return true;
    cJSON *a = strlist_json(l);
    if (a && cJSON_AddItemToObject(p, "bypass", a))
        return true;
    cJSON_Delete(a); /* a refused add (its key not copied) leaves a ours */
    return false;
}

cJSON *tp_devproxy_paths(const tp_devproxy *d)
{
    cJSON *root = cJSON_CreateObject(), *paths = NULL, *p;
    char c[512];
    const char *sys = d->winhttp_proxy ? "winhttp" : "direct";
    if (!root)
        return NULL;
    cJSON *notes = strlist_json(&d->notes);
    if (!notes || !cJSON_AddItemToObject(root, "$comment", notes)) {
        cJSON_Delete(notes);
        goto oom;
    }
    if (!(paths = cJSON_AddArrayToObject(root, "paths")))
        goto oom;

    if (d->winhttp_proxy) {
        snprintf(c, sizeof c, "WinHTTP proxy (netsh winhttp): the EDR sensor's proxy when no "
                 "TelemetryProxyServer is set, Defender Antivirus' when it has none of its own, "
                 "and the OS's for CRLs and Windows Update%s",
                 d->winhttp_http_proxy ? "; http= names another proxy, which CRL fetches use on "
                                         "the device" : "");
        if (!(p = add_path(paths, "winhttp", "http", c)) ||
            !cJSON_AddStringToObject(p, "proxy", d->winhttp_proxy) || !add_bypass(p, &d->winhttp_bypass))
            goto oom;
    }
    if (d->telemetry_proxy) {
        bool via_self = d->prefer_static_for_http == 1;
        snprintf(c, sizeof c, "TelemetryProxyServer: the EDR sensor's first choice; it falls back "
                 "to direct when the proxy cannot be reached. CRLs: %s",
                 via_self ? "through this proxy (PreferStaticProxyForHttpRequest=1)"
                          : d->winhttp_proxy ? "through the WinHTTP proxy"
                                             : "direct (no system-wide proxy): set "
                                               "PreferStaticProxyForHttpRequest=1 or a WinHTTP "
                                               "proxy if direct port 80 is closed");
        if (d->disable_enterprise_auth == 0)
            strncat(c, ". DisableEnterpriseAuthProxy is 0: Microsoft asks for 1 (the sensor "
                       "connects anonymously)", sizeof c - strlen(c) - 1);
        if (!(p = add_path(paths, "edr-static", "http", c)) ||
            !cJSON_AddStringToObject(p, "proxy", d->telemetry_proxy) ||
            !cJSON_AddStringToObject(p, "fallback", "direct") ||
            (!via_self && !cJSON_AddStringToObject(p, "crl_via", sys)))
            goto oom;
    }
    if (d->mdav_proxy) {
        snprintf(c, sizeof c, "Defender Antivirus ProxyServer: cloud protection (MAPS) goes here "
                 "first, names in ProxyBypass go direct; CRLs and updates use the system (%s)", sys);
        if (!(p = add_path(paths, "mdav-static", "http", c)) ||
            !cJSON_AddStringToObject(p, "proxy", d->mdav_proxy) || !add_bypass(p, &d->mdav_bypass) ||
            !cJSON_AddStringToObject(p, "crl_via", sys))
            goto oom;
    }
    if (d->mdav_pac) {
        snprintf(c, sizeof c, "Defender Antivirus ProxyPacUrl: cloud protection asks this PAC "
                 "%s; CRLs use the system (%s)",
                 d->mdav_proxy ? "when ProxyServer is not used" : "for each URL", sys);
        if (!(p = add_path(paths, "mdav-pac", "pac", c)) || !cJSON_AddStringToObject(p, "pac", d->mdav_pac) ||
            !cJSON_AddStringToObject(p, "crl_via", sys))
            goto oom;
    }
    if (d->mdatp_proxy) {
        if (!(p = add_path(paths, "mdatp", "http", "mdatp_managed.json cloudService.proxy: the "
                           "Linux/macOS agent's static proxy (wins over HTTPS_PROXY)")) ||
            !cJSON_AddStringToObject(p, "proxy", d->mdatp_proxy))
            goto oom;
    }
    if (d->env_proxy) {
        snprintf(c, sizeof c, "HTTPS_PROXY: the Linux agent's proxy at installation%s; NO_PROXY "
                 "names go direct", d->mdatp_proxy ? " (the managed proxy wins after it)"
                                                   : " and, without a managed one, after it");
        if (!(p = add_path(paths, "env", "http", c)) || !cJSON_AddStringToObject(p, "proxy", d->env_proxy) ||
            !add_bypass(p, &d->env_no_proxy))
            goto oom;
    }
    if (cJSON_GetArraySize(paths) == 0) {
        if (!add_path(paths, "direct", "direct", "no proxy setting found: the device goes direct "
                      "(or finds a proxy by WPAD: see --wpad)"))
            goto oom;
    } else if (d->telemetry_proxy &&
               !add_path(paths, "direct", "direct", "direct: where the EDR sensor goes when "
                         "TelemetryProxyServer cannot be reached")) {
        goto oom;
    }
    return root;
oom:
    cJSON_Delete(root);
    return NULL;
}
