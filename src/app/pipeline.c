/* pipeline.c — probe → prepare → fetch → finish on one loop (see pipeline.h for why the
 * stages are split this way). Each stage starts from the previous stage's completion
 * callback, so nothing here blocks the loop; the engine reports completion only after its
 * last handle is closed, so a finished pipeline leaves the caller's loop as it found it.
 * Each CRL is judged as soon as its fetch ends, on the engine's thread pool (the fetch
 * sink below), and freed: with the engine's byte budget, the CRLs a run holds at once stay
 * within limits.crl_budget_bytes however many there are. */
#include "app/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/dnscompare.h"
#include "app/pacstage.h"
#include "judge/verdict.h"
#include "net/sigwatch.h"

struct tp_pipeline {
    uv_loop_t *loop;
    tp_pipeline_opts o;
    tp_cancel own_cancel;        /* used when the caller gave no token */
    tp_engine_opts eo;
    tp_engine_op *op;            /* the engine run in flight, or NULL */
    tp_judge *judge;
    tp_fetch *needs;
    size_t n_needs;
    tp_pipeline_done_fn done;
    void *ud;
};

static void pipeline_end(tp_pipeline *p, int rc, const char *err)
{
    tp_verdict_free(p->judge);
    tp_pipeline_done_fn done = p->done;
    void *ud = p->ud;
    free(p);
    if (done)
        done(ud, rc, err);
}

static void finish(tp_pipeline *p)
{
    char err[512] = "";
    int rc = tp_verdict_finish(p->judge, err, sizeof err);
    pipeline_end(p, rc, err);
}

/* The fetch sink: judge/ judges the CRL (thread pool), then hears how it ended (loop). */
static void crl_work(void *ud, size_t i, const tp_stop *stop)
{
    tp_verdict_crl_work(((tp_pipeline *)ud)->judge, i, stop);
}

static void crl_done(void *ud, size_t i, tp_outcome oc)
{
    tp_verdict_crl_done(((tp_pipeline *)ud)->judge, i, oc);
}

static void on_fetched(void *ud)
{
    tp_pipeline *p = ud;
    p->op = NULL;
    finish(p);
}

static void on_probe_progress(void *ud, size_t done, size_t total, size_t failed)
{
    tp_pipeline *p = ud;
    if (p->o.progress)
        p->o.progress(p->o.progress_ud, done, total, failed);
}

static void on_probed(void *ud)
{
    tp_pipeline *p = ud;
    p->op = NULL;
    char err[512] = "";
    tp_verdict_opts vo = {.now = p->o.now, .cancel = p->o.cancel};
    if (tp_verdict_prepare(p->o.plan, p->o.run, &vo, &p->judge, &p->needs, &p->n_needs, err, sizeof err) != 0) {
        pipeline_end(p, -1, err);
        return;
    }
    if (p->n_needs == 0) {
        finish(p);
        return;
    }
    tp_fetch_sink sink = {.work = crl_work, .done = crl_done, .ud = p, .stats = &p->o.run->crl};
    if (tp_engine_fetch_sink_start(p->loop, &p->eo, p->needs, p->n_needs, &sink, on_fetched, p, &p->op, err,
                                   sizeof err) != 0) {
        /* The fetch machinery itself could not start: every CRL is unreachable, and the
         * reason says why — the run goes on. */
        tp_fetch_fail_all(p->needs, p->n_needs, TP_OC_FETCH_FAILED, err[0] ? err : "the CRL fetch could not start");
        finish(p);
    }
}

/* The PAC stage, then the probes (directly when the run has no pac path). 0 or -1. */
static void on_pac_done(void *ud);
static int start_pac(tp_pipeline *p, char *err, size_t errlen)
{
    int prc = tp_pacstage_start(p->loop, p->o.plan, p->o.run, &p->eo, p->o.cancel, on_pac_done, p, err, errlen);
    if (prc < 0)
        return -1;
    if (prc > 0)
        return tp_engine_probe_start(p->loop, &p->eo, p->o.run->results, p->o.run->n_results, on_probe_progress,
                                     on_probed, p, &p->op, err, errlen);
    return 0;
}

static void on_compared(void *ud)
{
    tp_pipeline *p = ud;
    char err[512] = "";
    if (start_pac(p, err, sizeof err) != 0)
        pipeline_end(p, -1, err);
}

static void on_pac_done(void *ud)
{
    tp_pipeline *p = ud;
    char err[512] = "";
    if (tp_engine_probe_start(p->loop, &p->eo, p->o.run->results, p->o.run->n_results, on_probe_progress, on_probed,
                              p, &p->op, err, sizeof err) != 0)
        pipeline_end(p, -1, err);
}

int tp_pipeline_start(uv_loop_t *loop, const tp_pipeline_opts *o, tp_pipeline_done_fn done, void *ud,
                      tp_pipeline **out, char *err, size_t errlen)
{
    if (!loop || !o || !o->plan || !o->plan->cfg || !o->run) {
        snprintf(err, errlen, "pipeline: no loop, plan or run");
        return -1;
    }
    tp_pipeline *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->loop = loop;
    p->o = *o;
    if (!p->o.cancel)
        p->o.cancel = &p->own_cancel;
    p->done = done;
    p->ud = ud;
    const tp_config *cfg = o->plan->cfg;
    p->eo = (tp_engine_opts){.limits = o->plan->limits, .resolvers = &cfg->resolvers,
                             .ca_files = &cfg->ca_files, .system_ca = cfg->system_ca,
                             .tls_profile = (tp_tls_profile_id)cfg->client_profile,
                             .block_pages = &cfg->dns.block_pages, .loopback_sinkhole = true,
                             .cancel = p->o.cancel, .trace = o->trace, .trace_ud = o->trace_ud};
    /* before the probes: several resolvers compared (split horizon), then the pac paths,
     * whose answers decide the routes the probes take */
    int drc = tp_dnscompare_start(loop, &cfg->resolvers, o->plan->limits.dns_ms, o->run, on_compared, p, err,
                                  errlen);
    if (drc < 0 || (drc > 0 && start_pac(p, err, errlen) != 0)) {
        free(p);
        return -1;
    }
    if (out)
        *out = p;
    return 0;
}

void tp_pipeline_cancel(tp_pipeline *p, const char *why)
{
    if (!p)
        return;
    tp_cancel_set(p->o.cancel, why);
    if (p->op)
        tp_engine_cancel(p->op, why);
}

/* ---------- blocking ---------- */

typedef struct blocking {
    tp_pipeline *p;              /* NULL once done */
    tp_cancel *cancel;           /* the caller's token, or NULL */
    int rc;
    char err[512];
} blocking;

static void blocking_done(void *ud, int rc, const char *err)
{
    blocking *b = ud;
    b->p = NULL;
    b->rc = rc;
    snprintf(b->err, sizeof b->err, "%s", err ? err : "");
}

static void blocking_signal(void *ud, int signum)
{
    blocking *b = ud;
    char why[64];
    snprintf(why, sizeof why, "interrupted by %s", tp_signal_name(signum));
    if (b->p)
        tp_pipeline_cancel(b->p, why);
    else   /* the signal came as the run ended: the caller still hears of it */
        tp_cancel_set(b->cancel, why);
}

int tp_pipeline_run(const tp_pipeline_opts *o, char *err, size_t errlen)
{
    uv_loop_t loop;
    int rc = uv_loop_init(&loop);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create the event loop: %s", uv_strerror(rc));
        return -1;
    }
    blocking b = {.p = NULL, .cancel = o ? o->cancel : NULL, .rc = 0, .err = ""};
    tp_sigwatch sw;
    tp_sigwatch_start(&sw, &loop, blocking_signal, &b);
    rc = tp_pipeline_start(&loop, o, blocking_done, &b, &b.p, err, errlen);
    uv_run(&loop, UV_RUN_DEFAULT);
    tp_sigwatch_stop(&sw, &loop);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (rc == 0 && b.rc != 0) {
        snprintf(err, errlen, "%s", b.err);
        rc = -1;
    }
    if (uv_loop_close(&loop) != 0) {
        snprintf(err, errlen, "internal error: handles left open on the event loop");
        rc = -1;
    }
    return rc;
}
