/* cancel.h — a cancellation token owned by whoever runs the pipeline (the CLI on SIGINT,
 * later the appliance on shutdown). Layers that must stop early read the token they are
 * given; none reads a process-wide flag, so two runs in one process never see each
 * other's interruption and tests need no signals to exercise it. */
#ifndef TLSPATH_CANCEL_H
#define TLSPATH_CANCEL_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct tp_cancel {
    bool cancelled;
    char why[64];   /* "interrupted by SIGINT": messages read "<why> in phase tls" */
} tp_cancel;

static inline bool tp_cancelled(const tp_cancel *c)
{
    return c && c->cancelled;
}

/* Sets the token (the first reason wins). */
static inline void tp_cancel_set(tp_cancel *c, const char *why)
{
    if (!c || c->cancelled)
        return;
    c->cancelled = true;
    snprintf(c->why, sizeof c->why, "%s", why ? why : "cancelled");
}
/* A stop flag for work on another thread (a CRL judged on the thread pool): the loop sets
 * it when that work's deadline passes or the run is cancelled, the worker reads it between
 * steps and returns early. Atomic, unlike the token above, which only the loop's thread
 * touches. */
typedef atomic_bool tp_stop;

static inline bool tp_stop_requested(const tp_stop *s)
{
    return s && atomic_load_explicit((tp_stop *)s, memory_order_relaxed);
}
#endif
