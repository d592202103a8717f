/* onboard.c — onboarding package reader (see onboard.h). Hostile input: bounded size,
 * bounded field lengths, only [A-Za-z0-9._:/-] accepted in the values it keeps. */
#include "input/onboard.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONBOARD_MAX_BYTES (4u * 1024 * 1024) /* real packages are ~10-30 KiB */

static bool value_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == ':' || c == '/';
}

static const char *find_mem(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* The value of `key` however deeply the JSON around it is escaped: the key, then quotes
 * and backslashes, ':', quotes and backslashes again, then the value up to the next
 * quote or backslash. The key must be preceded by a quote (possibly escaped) so that
 * "datacenter" does not match inside another name. Returns 1 found, 0 absent, -1 bad. */
static int field(const char *d, size_t n, const char *key, char *out, size_t outlen)
{
    const char *p = d, *end = d + n;
    size_t k = strlen(key);
    while ((p = find_mem(p, (size_t)(end - p), key)) != NULL) {
        const char *q = p + k;
        if (p == d || p[-1] != '"') {
            p = q;
            continue;
        }
        while (q < end && (*q == '\\' || *q == '"'))
            q++;
        if (q >= end || *q != ':') {
            p = q;
            continue;
        }
        q++;
        while (q < end && (*q == '\\' || *q == '"' || *q == ' '))
            q++;
        size_t i = 0;
        while (q < end && *q != '\\' && *q != '"') {
            if (!value_char(*q) || i + 1 >= outlen)
                return -1;
            out[i++] = *q++;
        }
        out[i] = '\0';
        return i > 0 ? 1 : -1;
    }
    return 0;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s + 32);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int tp_onboard_read_mem(const char *data, size_t len, const char *file, tp_onboard_info *out, char *err,
                        size_t errlen)
{
    char url[512], geo[16], partner[16];
    int rc_url, rc_geo, rc_partner;
    memset(out, 0, sizeof *out);
    if (!data || len == 0) {
        snprintf(err, errlen, "%s: empty file (expected an MDE onboarding package)", file);
        return -1;
    }
    if (memchr(data, '\0', len)) {
        snprintf(err, errlen, "%s: binary data (expected an MDE onboarding package: the .cmd, .py or "
                              "mdatp_onboard.json from the portal)", file);
        return -1;
    }
    /* which of the three shapes */
    if (find_mem(data, len, "Windows Advanced Threat Protection") && find_mem(data, len, "OnboardingInfo")) {
        snprintf(out->format, sizeof out->format, "windows-cmd");
        snprintf(out->os, sizeof out->os, "windows");
    } else if (find_mem(data, len, "mdatp_onboard") && find_mem(data, len, "import ")) {
        snprintf(out->format, sizeof out->format, "linux-py");
        snprintf(out->os, sizeof out->os, "linux");
    } else if (find_mem(data, len, "\"onboardingInfo\"")) {
        snprintf(out->format, sizeof out->format, "json");
    } else {
        snprintf(err, errlen, "%s: no onboarding information (expected WindowsDefenderATPOnboardingScript.cmd, "
                              "MicrosoftDefenderATPOnboardingLinuxServer.py or mdatp_onboard.json)", file);
        return -1;
    }
    rc_url = field(data, len, "geoLocationUrl", url, sizeof url);
    rc_geo = field(data, len, "vortexGeoLocation", geo, sizeof geo);
    rc_partner = field(data, len, "partnerGeoLocation", partner, sizeof partner);
    if (rc_url < 0 || rc_geo < 0 || rc_partner < 0) {
        snprintf(err, errlen, "%s: a malformed %s field (expected a URL or a location code)", file,
                 rc_url < 0 ? "geoLocationUrl" : rc_geo < 0 ? "vortexGeoLocation" : "partnerGeoLocation");
        return -1;
    }
    if (rc_url == 0 && rc_geo == 0 && rc_partner == 0) {
        snprintf(err, errlen, "%s: the onboarding blob names no geoLocationUrl, vortexGeoLocation or "
                              "partnerGeoLocation", file);
        return -1;
    }
    if (rc_url > 0) {
        const char *h = strstr(url, "://");
        h = h ? h + 3 : url;
        size_t hl = strcspn(h, "/:");
        if (hl == 0 || hl >= sizeof out->gateway_host) {
            snprintf(err, errlen, "%s: geoLocationUrl: expected an https:// URL", file);
            return -1;
        }
        memcpy(out->gateway_host, h, hl);
        out->gateway_host[hl] = '\0';
        lower(out->gateway_host);
    }
    if (rc_geo > 0)
        snprintf(out->geo, sizeof out->geo, "%s", geo);
    else if (rc_partner > 0)
        snprintf(out->geo, sizeof out->geo, "%s", strncmp(partner, "GW_", 3) == 0 ? partner + 3 : partner);
    /* Streamlined packages point the sensor at *.endpoint.security.microsoft.com (.us for
     * US Government) and name a partnerGeoLocation "GW_<geo>"; standard ones at winatp-gw-*. */
    bool streamlined = ends_with(out->gateway_host, ".endpoint.security.microsoft.com") ||
                       ends_with(out->gateway_host, ".endpoint.security.microsoft.us") ||
                       (rc_partner > 0 && strncmp(partner, "GW_", 3) == 0);
    snprintf(out->mode, sizeof out->mode, "%s", streamlined ? "streamlined" : "standard");
    return 0;
}

int tp_onboard_read_file(const char *file, tp_onboard_info *out, char *err, size_t errlen)
{
    FILE *f = fopen(file, "rb");
    char *buf;
    size_t n;
    int rc;
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", file, strerror(errno));
        return -1;
    }
    buf = malloc(ONBOARD_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n = fread(buf, 1, ONBOARD_MAX_BYTES + 1, f);
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", file, strerror(errno ? errno : EIO));
        rc = -1;
    } else if (n > ONBOARD_MAX_BYTES) {
        snprintf(err, errlen, "%s: over %u bytes (expected an MDE onboarding package)", file, ONBOARD_MAX_BYTES);
        rc = -1;
    } else {
        rc = tp_onboard_read_mem(buf, n, file, out, err, errlen);
    }
    free(buf);
    fclose(f);
    return rc;
}
