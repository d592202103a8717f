/* wpad.h — where Windows looks for a PAC by DNS (WPAD): for each search domain,
 * http://wpad.<domain>/wpad.dat, walking up one label at a time and stopping at the
 * second-level domain (DNS devolution: corp.contoso.com → wpad.corp.contoso.com, then
 * wpad.contoso.com; never wpad.com). docs/paths.md "WPAD". Pure: text in, URLs out. */
#ifndef TLSPATH_INPUT_WPAD_H
#define TLSPATH_INPUT_WPAD_H
#include <stddef.h>

#include "base/str.h"

#define TP_WPAD_MAX_CANDIDATES 32

/* The search domains of a resolv.conf text: the last "search" line's domains, else the
 * "domain" line (as the resolver reads them). Names are lower-cased; invalid ones skipped. */
int tp_wpad_search_domains(const char *resolv_conf, size_t len, tp_strlist *out);
/* The candidate URLs for these domains, in the order they are tried, each once. */
int tp_wpad_candidates(const tp_strlist *domains, tp_strlist *urls);
#endif
