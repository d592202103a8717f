/* app_paths.h — the run command's part of issue 14 that is neither plan nor net: a path
 * with "family": "both" becomes one path per family, and --service-tags labels each
 * resolved address with the Defender tags that contain it. */
#ifndef TLSPATH_APP_PATHS_H
#define TLSPATH_APP_PATHS_H
#include "core/model.h"
#include "input/servicetags.h"

/* Every path with family both becomes "ID.ipv4" and "ID.ipv6" in its place; references to
 * ID (fallback, crl_via) then name "ID.ipv4". Returns 0 or -1 (out of memory, err). */
int tp_app_expand_families(tp_config *cfg, char *err, size_t errlen);
/* Labels results[0..n): addr_tags "ADDR=TAG,TAG;..." for every result with addresses. */
int tp_app_label_addresses(const tp_servicetags *st, tp_result *results, size_t n);
#endif
