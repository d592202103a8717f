/* anchors.h — checks on the trust anchors a run relies on: the built-in Microsoft 2011
 * root and intermediate (Microsoft's own connectivity test pins the service hosts to
 * them) and every configured CA file. An anchor that has expired, or expires soon, is
 * worth a warning: Microsoft rotates its chains, and a pin or trust decision made on a
 * dead anchor misleads the reader. */
#ifndef TLSPATH_ANCHORS_H
#define TLSPATH_ANCHORS_H
#include <stdint.h>
#include "core/model.h"

#define TP_ANCHOR_WARN_DAYS 90

/* Appends one line per anchor that is expired or expires within TP_ANCHOR_WARN_DAYS
 * of now_s (unix seconds) to *out. Unreadable files are not judged here (the trust store
 * reports them). Returns 0, or -1 on allocation failure. */
int tp_anchor_warnings(const tp_config *cfg, int64_t now_s, tp_strlist *out);
#endif
