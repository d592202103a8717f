/* devproxy.h — a device's own proxy settings, read from what an administrator can export
 * (`netsh winhttp show proxy`, a .reg export of the Defender / telemetry policy keys,
 * Linux/macOS `mdatp_managed.json`, HTTPS_PROXY / NO_PROXY), and the tlspath paths such a
 * device would really use (`tlspath paths import`). Precedence, fallback and the
 * Microsoft pages they come from: docs/paths.md.
 *
 * Every reader takes hostile bytes (bounded, UTF-16LE or ASCII/UTF-8), fills only what it
 * recognised, never keeps a credential (a proxy URL's user-info is dropped and noted), and
 * fails with "FILE:LINE: expected ..., got ..." on text it cannot read. */
#ifndef TLSPATH_INPUT_DEVPROXY_H
#define TLSPATH_INPUT_DEVPROXY_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "base/str.h"

#define TP_DEVPROXY_MAX_FILE (1u << 20) /* any of these files is a few hundred bytes */

/* One proxy setting as found: "host:port" (no scheme, no credentials) or NULL. */
typedef struct tp_devproxy {
    /* WinHTTP, system wide (netsh winhttp show proxy) */
    bool winhttp_read;        /* a netsh output was read */
    char *winhttp_proxy;      /* proxy used for https, NULL = direct access */
    char *winhttp_http_proxy; /* a different proxy named for http= (CRLs), or NULL */
    tp_strlist winhttp_bypass;
    /* EDR sensor: HKLM\SOFTWARE\Policies\Microsoft\Windows\DataCollection */
    char *telemetry_proxy;          /* TelemetryProxyServer */
    int disable_enterprise_auth;    /* DisableEnterpriseAuthProxy: -1 unset, else the DWORD */
    int prefer_static_for_http;     /* ...\Windows Advanced Threat Protection
                                       PreferStaticProxyForHttpRequest: -1 unset */
    /* Defender Antivirus: ...\Policies\Microsoft\Windows Defender (policy) wins over
     * ...\Microsoft\Windows Defender (Set-MpPreference) */
    char *mdav_proxy;               /* ProxyServer */
    char *mdav_pac;                 /* ProxyPacUrl */
    tp_strlist mdav_bypass;         /* ProxyBypass */
    /* Linux / macOS: mdatp_managed.json cloudService.proxy */
    char *mdatp_proxy;
    /* environment: HTTPS_PROXY / https_proxy, NO_PROXY / no_proxy */
    char *env_proxy;
    tp_strlist env_no_proxy;        /* already in the bypass language (hostmatch.h) */
    /* what was seen and why it was not used (credentials dropped, https:// proxies, ...) */
    tp_strlist notes;
} tp_devproxy;

void tp_devproxy_init(tp_devproxy *d);
void tp_devproxy_free(tp_devproxy *d);

/* Each reader: text of len bytes named file (for messages). 0, or -1 with err filled. */
int tp_devproxy_read_netsh(tp_devproxy *d, const char *text, size_t len, const char *file,
                           char *err, size_t errlen);
int tp_devproxy_read_reg(tp_devproxy *d, const char *text, size_t len, const char *file,
                         char *err, size_t errlen);
int tp_devproxy_read_mdatp(tp_devproxy *d, const char *text, size_t len, const char *file,
                           char *err, size_t errlen);
/* HTTPS_PROXY / NO_PROXY values (either may be NULL); source names them in messages. */
int tp_devproxy_read_env(tp_devproxy *d, const char *https_proxy, const char *no_proxy,
                         const char *source, char *err, size_t errlen);
/* An /etc/environment-style file: KEY=VALUE lines (optionally quoted, '#' comments). */
int tp_devproxy_read_envfile(tp_devproxy *d, const char *text, size_t len, const char *file,
                             char *err, size_t errlen);

/* The bypass-list translators, exposed for tests: WinHTTP / ProxyBypass lists (';', ',' or
 * white space separated, entries kept as written, "<local>" kept) and NO_PROXY (curl's
 * convention: "example.com" and ".example.com" mean the domain and its subdomains,
 * "*" everything, CIDR prefixes kept). Entries that are not valid are skipped and
 * noted. Returns 0 or -1 (out of memory). */
int tp_bypass_from_winhttp(const char *list, tp_strlist *out, tp_strlist *notes);
int tp_bypass_from_no_proxy(const char *list, tp_strlist *out, tp_strlist *notes);

/* The paths a device with d's settings uses, as a config "paths" document:
 * {"$comment": ..., "paths": [...]} (ids winhttp, edr-static, mdav-static, mdav-pac,
 * mdatp, env; "direct" when the device has no proxy at all). Loads with
 * tp_config_load_mem. NULL on out of memory. */
cJSON *tp_devproxy_paths(const tp_devproxy *d);
#endif
