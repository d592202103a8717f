/* bench_engine.c — throughput and memory of tp_engine_run on loopback.
 *
 *   bench_engine [N probes (300)] [concurrency (N)]
 *
 * A child process runs the peers (one TLS origin answering 404 and one CONNECT proxy, from
 * tests/unit/testsrv.h) so that this process's CPU time and peak RSS are the engine's alone.
 * Runs N probes direct, then N through the proxy, and prints for each: probes/s, wall time,
 * the slowest single probe, CPU time (getrusage) and peak RSS (ru_maxrss), plus the RSS per
 * in-flight probe beyond the base measured after a one-probe warm-up run. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "../unit/testsrv.h"

#include "input/config.h"
#include "net/engine.h"
#include "plan/plan.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The child: serve until the parent closes the control pipe. */
static void run_peers(tpki *pki, int ctl_read, int report_write)
{
    tpki_cert cert;
    mbedtls_ssl_config conf;
    tsrv tls, proxy;
    if (tpki_leaf(pki, "127.0.0.1", false, &cert) != 0 || tsrv_tls_conf(&conf, pki, &cert) != 0)
        _exit(1);
    /* choose the group like an OpenSSL origin (nginx) does: the client's first one */
    static const mbedtls_ecp_group_id groups[] = {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
                                                  MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE};
    mbedtls_ssl_conf_curves(&conf, groups);
    if (tsrv_start(&tls, TS_TLS_404, &conf) != 0 || tsrv_start(&proxy, TS_PROXY, NULL) != 0)
        _exit(1);
    int ports[2] = {tls.port, proxy.port};
    if (write(report_write, ports, sizeof ports) != (ssize_t)sizeof ports)
        _exit(1);
    char c;
    while (read(ctl_read, &c, 1) > 0)
        ;
    tsrv_stop(&tls);
    tsrv_stop(&proxy);
    _exit(0);
}

typedef struct figures {
    double wall, cpu, slowest;
    long rss_kb;
    size_t ok, n;
} figures;

static int run_once(tp_config *cfg, const char *path_id, int port, size_t n, figures *fg)
{
    tp_endpoint *eps = calloc(n, sizeof *eps);
    tp_result *res = calloc(n, sizeof *res);
    const tp_path *path = tp_config_find_path(cfg, path_id);
    char err[512];
    tp_plan pl;
    if (!eps || !res || !path || tp_plan_resolve(&pl, cfg, err, sizeof err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        eps[i].id = tp_asprintf("ep%zu", i);
        eps[i].url = tp_asprintf("https://127.0.0.1:%d/bench/%zu", port, i);
        eps[i].scheme = tp_strdup("https");
        eps[i].host = tp_strdup("127.0.0.1");
        eps[i].port = port;
        eps[i].path = tp_asprintf("/bench/%zu", i);
        eps[i].method = tp_strdup("GET");
        eps[i].expect_status[0] = 404;
        eps[i].n_expect_status = 1;
        res[i].ep = &eps[i];
        res[i].path = res[i].used_path = path;
        res[i].route = tp_plan_route(&pl, path);
    }
    tp_engine_opts o = {.limits = pl.limits, .resolvers = &cfg->resolvers, .ca_files = &cfg->ca_files,
                        .system_ca = cfg->system_ca, .cancel = NULL};
    double c0 = cpu_ms(), t0 = now_ms();
    int rc = tp_engine_run(&o, res, n, NULL, NULL, err, sizeof err);
    fg->wall = now_ms() - t0;
    fg->cpu = cpu_ms() - c0;
    fg->rss_kb = maxrss_kb();
    fg->n = n;
    fg->ok = 0;
    fg->slowest = 0;
    if (rc != 0)
        fprintf(stderr, "engine: %s\n", err);
    const char *first_err = NULL;
    for (size_t i = 0; i < n; i++) {
        if (res[i].status == TP_ST_OK)
            fg->ok++;
        else if (!first_err && res[i].error_message)
            fprintf(stderr, "probe %zu: %s: %s\n", i, tp_outcome_name(res[i].error_code), first_err = res[i].error_message);
        if (res[i].t.total > fg->slowest)
            fg->slowest = res[i].t.total;
        tp_result_free(&res[i]);
        tp_endpoint_free(&eps[i]);
    }
    free(res);
    free(eps);
    tp_plan_release(&pl);
    return rc;
}

static void print(const char *label, const figures *f, long base_kb, size_t inflight)
{
    printf("%-7s probes=%zu ok=%zu  %.0f probes/s  wall=%.1f ms  slowest=%.1f ms  cpu=%.1f ms  "
           "peak_rss=%ld KB  base=%ld KB  rss/in-flight=%.1f KB\n",
           label, f->n, f->ok, (double)f->n / (f->wall / 1e3), f->wall, f->slowest, f->cpu, f->rss_kb, base_kb,
           inflight ? (double)(f->rss_kb - base_kb) / (double)inflight : 0.0);
    fflush(stdout);
}

/* One mode in a fresh process, so that its peak RSS is its own. Returns 0 when all passed. */
static int bench_mode(tp_config *cfg, const char *path_id, int port, size_t n, size_t inflight)
{
    pid_t pid = fork();
    if (pid == 0) {
        figures warm, f;
        int rc = run_once(cfg, path_id, port, 1, &warm); /* libraries, trust store, RNG */
        long base = maxrss_kb();
        rc |= run_once(cfg, path_id, port, n, &f);
        print(path_id, &f, base, inflight);
        _exit(rc == 0 && f.ok == n && warm.ok == 1 ? 0 : 1);
    }
    int st = 1;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 300;
    int conc = argc > 2 ? atoi(argv[2]) : (int)n;
    if (n == 0 || conc <= 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    tpki pki;
    if (tpki_init(&pki) != 0)
        return 1;
    int ctl[2], rep[2];
    if (pipe(ctl) != 0 || pipe(rep) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(ctl[1]);
        close(rep[0]);
        run_peers(&pki, ctl[0], rep[1]);
    }
    close(ctl[0]);
    close(rep[1]);
    int ports[2];
    if (pid < 0 || read(rep[0], ports, sizeof ports) != (ssize_t)sizeof ports)
        return 1;

    tp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    tp_config_defaults(&cfg);
    tp_config_clear_paths(&cfg);
    cfg.system_ca = false;
    tp_strlist_add(&cfg.ca_files, pki.ca_file);
    cfg.limits.concurrency = conc;
    cfg.limits.total_ms = 60000;
    cfg.limits.tls_ms = cfg.limits.http_ms = cfg.limits.proxy_ms = cfg.limits.connect_ms = 30000;
    tp_path d = {.id = tp_strdup("direct"), .type = TP_PATH_DIRECT};
    tp_path p = {.id = tp_strdup("proxy"), .type = TP_PATH_HTTP, .proxy_host = tp_strdup("127.0.0.1"),
                 .proxy_port = ports[1]};
    tp_config_add_path(&cfg, &d);
    tp_config_add_path(&cfg, &p);

    size_t inflight = n < (size_t)conc ? n : (size_t)conc;
    printf("bench_engine: %zu probes, concurrency %d; peers (TLS origin, CONNECT proxy) in a child process\n", n,
           conc);
    fflush(stdout);
    int rc = bench_mode(&cfg, "direct", ports[0], n, inflight);
    rc |= bench_mode(&cfg, "proxy", ports[0], n, inflight);

    close(ctl[1]);
    waitpid(pid, NULL, 0);
    tp_config_free(&cfg);
    tpki_free(&pki);
    return rc == 0 ? 0 : 1;
}
