/* bench_crl.c — peak memory of revocation with large CRLs (issue 15, "one memory budget").
 *
 *   bench_crl                                 4 and 8 endpoints, 32 MB CRLs, default budget
 *   bench_crl ENDPOINTS [CRL_MB (32)] [BUDGET_MB (0 = limits' default, 128)]
 *
 * A child process generates one valid CRL of the given size (test CA, ECDSA, ~27 bytes per
 * entry) and serves it over loopback HTTP under one URL per endpoint, so that the peak RSS
 * (getrusage ru_maxrss) of the process running the pipeline is the pipeline's alone. That
 * process runs the whole pipeline (probe -> prepare -> fetch, each CRL judged as its fetch
 * ends -> finish) against N TLS origins whose leaves name N distinct CRL URLs, and prints
 * the peak RSS before and after, the wall time, the run's crl_stats and each verdict.
 * Without arguments each configuration runs in a process of its own (ru_maxrss never goes
 * down) and a summary line per run ends the output. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../unit/testsrv.h"
#include "../unit/fixture_endpoint.h"

#include "app/pipeline.h"
#include "input/config.h"
#include "plan/plan.h"

#define MAX_EP 16

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The child: generate the CRL, serve it until the parent closes the control pipe. */
static void run_crl_server(tpki *pki, size_t mb, int ctl_read, int report_write)
{
    size_t len = 0;
    /* just under mb MiB (the default crl_max_bytes is 32 MiB) */
    uint8_t *der = tpki_crl_der(pki, (mb * 1048576 - 4096) / 27, 0, &len);
    tsrv srv;
    if (!der || tsrv_start(&srv, TS_HTTP_200, NULL) != 0)
        _exit(1);
    srv.body = (const char *)der;
    srv.body_len = len;
    int msg[2] = {srv.port, (int)(len / 1024)};
    if (write(report_write, msg, sizeof msg) != (ssize_t)sizeof msg)
        _exit(1);
    char c;
    while (read(ctl_read, &c, 1) > 0)
        ;
    tsrv_stop(&srv);
    free(der);
    _exit(0);
}

/* One configuration, in this process. Writes "peak_mb wall_ms" to summary_fd (if >= 0).
 * Returns 0 when every result judged good. */
static int bench_one(size_t n, size_t mb, size_t budget_mb, int summary_fd)
{
    signal(SIGPIPE, SIG_IGN);
    static tpki pki;
    if (tpki_init(&pki) != 0)
        return 1;
    int ctl[2], rep[2];
    if (pipe(ctl) != 0 || pipe(rep) != 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        close(ctl[1]);
        close(rep[0]);
        run_crl_server(&pki, mb, ctl[0], rep[1]);
    }
    close(ctl[0]);
    close(rep[1]);
    int msg[2];
    if (read(rep[0], msg, sizeof msg) != (ssize_t)sizeof msg) {
        fprintf(stderr, "bench_crl: the CRL server did not start\n");
        return 1;
    }

    static tpki_cert leaf[MAX_EP];
    static mbedtls_ssl_config conf[MAX_EP];
    static tsrv origin[MAX_EP];
    static tp_endpoint eps[MAX_EP];
    static tp_result res[MAX_EP];
    tp_config cfg;
    tp_plan plan;
    char err[256];
    if (tp_config_defaults(&cfg) != 0 || tp_strlist_add(&cfg.ca_files, pki.ca_file) != 0)
        return 1;
    cfg.system_ca = false;
    cfg.limits.crl_ms = cfg.limits.http_ms = 60000;
    cfg.limits.total_ms = 120000;
    cfg.limits.crl_budget_bytes = budget_mb * 1048576;   /* 0: the default */
    if (tp_plan_resolve(&plan, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "bench_crl: %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        char url[96];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/ca%zu.crl", msg[0], i);
        if (tpki_leaf_cdp(&pki, "127.0.0.1", false, url, &leaf[i]) != 0 ||
            tsrv_tls_conf(&conf[i], &pki, &leaf[i]) != 0 || tsrv_start(&origin[i], TS_TLS_404, &conf[i]) != 0)
            return 1;
        tp_endpoint *e = &eps[i];
        tfx_endpoint(e, tp_asprintf("ep%zu", i), "https", "127.0.0.1", origin[i].port, "/probe", 404);
        e->service = tp_strdup("maps");
        res[i].ep = e;
        res[i].path = res[i].used_path = &cfg.paths[0];
        res[i].route = tp_plan_route(&plan, res[i].path);
    }
    tp_run run = {.cfg = &cfg, .results = res, .n_results = n};
    long rss0 = maxrss_kb();
    double t0 = now_ms();
    tp_pipeline_opts o = {.plan = &plan, .run = &run};
    int rc = tp_pipeline_run(&o, err, sizeof err);
    double t1 = now_ms();
    long rss1 = maxrss_kb();
    printf("bench_crl: %zu endpoint(s), %zu distinct CRL URLs, each a valid CRL of %.1f MB\n", n, n,
           msg[1] / 1024.0);
    printf("  pipeline rc %d%s%s, wall %.0f ms\n", rc, rc ? ": " : "", rc ? err : "", t1 - t0);
    printf("  peak RSS before the run %.1f MB, after %.1f MB\n", rss0 / 1024.0, rss1 / 1024.0);
    const tp_crl_stats *st = &run.crl;
    printf("  crl budget %.0f MiB: peak %.1f MiB in %zu bodies at once, %zu fetch(es) waited (longest %.0f ms), "
           "%zu judged on the pool, %zu timeout(s)\n",
           st->budget_bytes / 1048576.0, st->bytes_peak / 1048576.0, st->bodies_peak, st->waited, st->wait_ms_max,
           st->judged, st->timeouts);
    int bad = rc != 0;
    if (summary_fd >= 0) {
        double sum[2] = {rss1 / 1024.0, t1 - t0};
        if (write(summary_fd, sum, sizeof sum) != (ssize_t)sizeof sum)
            bad = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const tp_result *r = &res[i];
        printf("  %s: status %s, revocation %s (%s)\n", r->ep->id, tp_status_name(r->status),
               tp_revocation_name(r->revocation), r->revocation_reason ? r->revocation_reason : "");
        if (r->revocation != TP_REV_GOOD)
            bad = 1;
    }
    close(ctl[1]);
    waitpid(child, NULL, 0);
    for (size_t i = 0; i < n; i++) {
        tsrv_stop(&origin[i]);
        mbedtls_ssl_config_free(&conf[i]);
        tpki_cert_free(&leaf[i]);
        tp_result_free(&res[i]);
        tp_endpoint_free(&eps[i]);
    }
    tp_plan_release(&plan);
    tp_config_free(&cfg);
    tpki_free(&pki);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        size_t n = (size_t)atoi(argv[1]);
        size_t mb = argc > 2 ? (size_t)atoi(argv[2]) : 32;
        size_t budget_mb = argc > 3 ? (size_t)atoi(argv[3]) : 0;
        if (n < 1 || n > MAX_EP || mb < 1 || mb > 1000 || budget_mb > 16384) {
            fprintf(stderr, "usage: bench_crl [endpoints 1..%d] [CRL MB] [budget MB]\n", MAX_EP);
            return 2;
        }
        return bench_one(n, mb, budget_mb, -1);
    }
    static const size_t counts[] = {4, 8};
    double res[2][2] = {{0}};
    int bad = 0;
    for (size_t k = 0; k < 2; k++) {
        int fds[2];
        if (pipe(fds) != 0)
            return 1;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            int rc = bench_one(counts[k], 32, 0, fds[1]);
            fflush(stdout);   /* _exit does not flush */
            _exit(rc);
        }
        close(fds[1]);
        if (read(fds[0], res[k], sizeof res[k]) != (ssize_t)sizeof res[k])
            bad = 1;
        close(fds[0]);
        int st = 0;
        waitpid(pid, &st, 0);
        bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
    }
    printf("bench_crl summary (32 MB CRLs, default budget): 4 distinct CRLs peak RSS %.1f MB (%.0f ms), "
           "8 distinct CRLs peak RSS %.1f MB (%.0f ms)\n",
           res[0][0], res[0][1], res[1][0], res[1][1]);
    return bad;
}
