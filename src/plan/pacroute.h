/* pacroute.h — routes made for one run from what a PAC answered (issue 14): the answer
 * "PROXY a:1; PROXY b:2; DIRECT" becomes a chain of routes a → b → direct, each a path of
 * its own (id "PROXY a:1", "DIRECT") that inherits the pac path's inspection expectation,
 * family and egress, and whose fallback is the next entry (tp_route.chain: the engine
 * follows it entry after entry). Identical answers share one chain. The store belongs to
 * the run (tp_run.routes): results point into it until they are freed. */
#ifndef TLSPATH_PLAN_PACROUTE_H
#define TLSPATH_PLAN_PACROUTE_H
#include "core/model.h"
#include "plan/plan.h"

typedef struct tp_route_store tp_route_store;

tp_route_store *tp_route_store_new(void);
void tp_route_store_free(tp_route_store *s);

/* Gives r (a result on a pac path) the route chain of answer and keeps the answer in
 * r->pac_answer. Returns 0; or -1 when the answer is not a proxy list or names nothing
 * tlspath can try (only SOCKS / HTTPS entries): r is then failed with pac_error and the
 * reason (it is not probed). Out of memory: -1 with r failed as engine_error. */
int tp_route_store_apply(tp_route_store *s, const tp_plan *pl, tp_result *r, const char *answer);
/* Fails r (a result on a pac path) with code and message, not probed. */
void tp_route_store_fail(tp_result *r, tp_outcome code, const char *msg);
#endif
