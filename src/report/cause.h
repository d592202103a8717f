/* cause.h — why a probe is not OK, in at most four characters ("407", "MITM", "CRL", a
 * proxy's or endpoint's HTTP status), for the table's cells and legend, the JSON's
 * `cause` and the HTML matrix. One table (cause.c) maps error codes to them. */
#ifndef TLSPATH_CAUSE_H
#define TLSPATH_CAUSE_H
#include <stddef.h>

#include "core/model.h"

/* The cause of a failed or warned result, NULL for others (or a code without one). A
 * status-number cause is written into buf (cap >= 8). */
const char *tp_cause_short(const tp_result *r, char *buf, size_t cap);
/* Its row in the cause table, -1 when none: for a legend of the causes shown. */
int tp_cause_index(const tp_result *r);
size_t tp_cause_count(void);
/* The row's abbreviation ("nnn" for a status number) and meaning. */
const char *tp_cause_abbr(size_t i);
const char *tp_cause_meaning(size_t i);
#endif
