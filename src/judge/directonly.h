/* directonly.h — endpoints Microsoft says cannot be used through a proxy (WNS for Live
 * Response: "direct connection or proxy bypass required"). A success through a proxy
 * proves the lab path, not the device's: devices will not use that route. */
#ifndef TLSPATH_DIRECTONLY_H
#define TLSPATH_DIRECTONLY_H
#include "core/model.h"

/* Turns every ok result of a direct_only endpoint on an HTTP proxy path into a warning
 * (error_code "direct_only_via_proxy"). Returns 0, or -1 on allocation failure. */
int tp_judge_direct_only(tp_result *results, size_t n);
#endif
