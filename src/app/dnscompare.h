/* dnscompare.h — split horizon side by side (issue 14): with several resolvers configured,
 * every endpoint name is asked of each one on its own before the probes (a device asks one
 * of them; which one depends on the device). Where they answer differently (another set
 * of addresses, or one fails), each result on that name keeps every answer in dns_split
 * ("SERVER=a,b;SERVER=!dns_nxdomain"), reported as dns.by_resolver. */
#ifndef TLSPATH_APP_DNSCOMPARE_H
#define TLSPATH_APP_DNSCOMPARE_H
#include <uv.h>

#include "core/model.h"

typedef void (*tp_dnscompare_done_fn)(void *ud);

/* Returns 1 when there is nothing to compare (fewer than two servers; done is not called),
 * 0 when started (done follows from the loop), -1 on out of memory (err). servers and run
 * are borrowed until done. */
int tp_dnscompare_start(uv_loop_t *loop, const tp_strlist *servers, int dns_ms, tp_run *run,
                        tp_dnscompare_done_fn done, void *ud, char *err, size_t errlen);
#endif
