/* onboard.h — reads what tlspath needs from a device's MDE onboarding package, without
 * keeping or printing the organisation's data: the gateway URL the sensor will use
 * (geoLocationUrl), the data location (vortexGeoLocation / partnerGeoLocation) and the
 * onboarding mode. Understood: WindowsDefenderATPOnboardingScript.cmd (a reg add of the
 * OnboardingInfo blob), MicrosoftDefenderATPOnboardingLinuxServer.py (writes
 * mdatp_onboard.json), and mdatp_onboard.json itself ({"onboardingInfo": "<blob>"}).
 * The blob is JSON nested in JSON strings (escaped once per level), so fields are found
 * by name whatever the escaping, the way Microsoft's client analyzer reads them. */
#ifndef TLSPATH_ONBOARD_H
#define TLSPATH_ONBOARD_H
#include <stddef.h>

typedef struct tp_onboard_info {
    char format[16];     /* "windows-cmd", "linux-py" or "json" */
    char os[16];         /* "windows", "linux" or "" (mdatp_onboard.json: macOS or Linux) */
    char gateway_host[256]; /* host of geoLocationUrl, lower-case, "" if absent */
    char geo[16];        /* vortexGeoLocation, else partnerGeoLocation without "GW_"; "" if absent */
    char mode[16];       /* "standard" or "streamlined" */
} tp_onboard_info;

/* Returns 0, or -1 with one line in err (never quoting the file's content). */
int tp_onboard_read_mem(const char *data, size_t len, const char *file, tp_onboard_info *out, char *err,
                        size_t errlen);
int tp_onboard_read_file(const char *file, tp_onboard_info *out, char *err, size_t errlen);
#endif
