/* sigwatch.c — see sigwatch.h: the one place signals meet the event loop. */
#include "net/sigwatch.h"

#include <signal.h>
#include <string.h>

static const int watched[2] = {SIGINT, SIGTERM};

const char *tp_signal_name(int signum)
{
    return signum == SIGTERM ? "SIGTERM" : "SIGINT";
}

static void on_signal(uv_signal_t *h, int signum)
{
    tp_sigwatch *w = h->data;
    for (size_t i = 0; i < 2; i++)
        if (w->on[i])
            uv_signal_stop(&w->sig[i]);
    if (w->caught)
        return;
    w->caught = signum;
    if (w->cb)
        w->cb(w->ud, signum);
}

void tp_sigwatch_start(tp_sigwatch *w, uv_loop_t *loop, tp_sigwatch_fn cb, void *ud)
{
    memset(w, 0, sizeof *w);
    w->cb = cb;
    w->ud = ud;
    for (size_t i = 0; i < 2; i++) {
        struct sigaction sa;
        if (sigaction(watched[i], NULL, &sa) != 0 || sa.sa_handler != SIG_DFL)
            continue;
        if (uv_signal_init(loop, &w->sig[i]) != 0)
            continue;
        w->sig[i].data = w;
        w->on[i] = true; /* initialised: closed in tp_sigwatch_stop whatever happens */
        /* one-shot: libuv installs it with SA_RESETHAND, the default action is back at once */
        if (uv_signal_start_oneshot(&w->sig[i], on_signal, watched[i]) == 0)
            uv_unref((uv_handle_t *)&w->sig[i]);
    }
}

void tp_sigwatch_stop(tp_sigwatch *w, uv_loop_t *loop)
{
    if (!w->on[0] && !w->on[1])
        return;
    if (!w->caught)
        uv_run(loop, UV_RUN_NOWAIT);
    for (size_t i = 0; i < 2; i++)
        if (w->on[i]) {
            uv_close((uv_handle_t *)&w->sig[i], NULL);
            w->on[i] = false;
        }
}
