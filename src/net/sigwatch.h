/* sigwatch.h — SIGINT / SIGTERM on a libuv loop, for whoever owns the loop (the blocking
 * engine wrappers, the CLI pipeline). The engine itself never watches signals: it is told
 * to stop (tp_engine_cancel), so a long-lived caller decides what a signal means.
 *
 * Only signals whose disposition is the default are watched (one ignored under nohup, or
 * handled by the program, is left alone). The handles are unreferenced: they never keep the
 * loop alive. The first signal stops every watcher, so the default action is back at once
 * and a second Ctrl-C kills the process as usual. */
#ifndef TLSPATH_SIGWATCH_H
#define TLSPATH_SIGWATCH_H
#include <stdbool.h>
#include <uv.h>

typedef void (*tp_sigwatch_fn)(void *ud, int signum);

typedef struct tp_sigwatch {
    uv_signal_t sig[2];
    bool on[2];
    int caught;              /* 0, or the first signal taken */
    tp_sigwatch_fn cb;
    void *ud;
} tp_sigwatch;

void tp_sigwatch_start(tp_sigwatch *w, uv_loop_t *loop, tp_sigwatch_fn cb, void *ud);
/* Takes a signal that arrived while the work ended (so it is not lost), then closes the
 * handles (libuv puts the default disposition back). The loop must then run once more for
 * the close callbacks. */
void tp_sigwatch_stop(tp_sigwatch *w, uv_loop_t *loop);
/* "SIGINT" / "SIGTERM". */
const char *tp_signal_name(int signum);
#endif
