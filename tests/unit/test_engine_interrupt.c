/* test_engine_interrupt.c — SIGINT / SIGTERM during a run (its own binary: signal
 * dispositions are process-wide). A thread sends the signal once the silent peer has a
 * connection; the blocking engine wrapper must set the caller's cancel token, end the jobs
 * in flight and the queued ones as "cancelled" (skipped) at once, keep what completed,
 * give the default disposition back, close its loop cleanly; the verdict, given the token,
 * must leave cancelled results alone and ask for no CRL; `tlspath run` must write its
 * reports and exit 130. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"
#include "fixture_endpoint.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <uv.h>

#include "app/app.h"
#include "input/config.h"
#include "net/engine.h"
#include "core/model.h"
#include "judge/verdict.h"
#include "plan/plan.h"

static tpki pki;
static tpki_cert good_cert;
static mbedtls_ssl_config good_conf;

static int group_setup(void **state)
{
    (void)state;
    if (tpki_init(&pki) != 0 || tpki_leaf(&pki, "127.0.0.1", false, &good_cert) != 0 ||
        tsrv_tls_conf(&good_conf, &pki, &good_cert) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mbedtls_ssl_config_free(&good_conf);
    tpki_cert_free(&good_cert);
    tpki_free(&pki);
    return 0;
}

/* Long deadlines everywhere: only the signal can end the silent probes in time. */
static void cfg_init(tp_config *c)
{
    memset(c, 0, sizeof *c);
    assert_int_equal(tp_config_defaults(c), 0);
    tp_config_clear_paths(c);
    c->system_ca = false;
    assert_int_equal(tp_strlist_add(&c->ca_files, pki.ca_file), 0);
    c->limits.concurrency = 3;
    c->limits.dns_ms = c->limits.connect_ms = c->limits.proxy_ms = 20000;
    c->limits.tls_ms = c->limits.http_ms = c->limits.crl_ms = 20000;
    c->limits.total_ms = 30000;
    tp_path p = {.id = tp_strdup("direct"), .type = TP_PATH_DIRECT};
    assert_int_equal(tp_config_add_path(c, &p), 0);
}

static void ep_init(tp_endpoint *e, const char *scheme, const char *host, int port)
{
    tfx_endpoint(e, tp_asprintf("%s-%d", host, port), scheme, host, port, "/probe", 404);
}

/* Sends sig to the process once *accepted (a server's count) reaches want, then after delay_ms. */
typedef struct killer {
    pthread_t t;
    atomic_int *accepted;
    int want, delay_ms, sig;
    uint64_t sent_at;
} killer;

static void *killer_main(void *arg)
{
    killer *k = arg;
    for (int i = 0; i < 500 && atomic_load(k->accepted) < k->want; i++)
        usleep(10000);
    usleep((useconds_t)k->delay_ms * 1000);
    k->sent_at = uv_hrtime();
    kill(getpid(), k->sig);
    return NULL;
}

static void killer_start(killer *k, atomic_int *accepted, int want, int delay_ms, int sig)
{
    *k = (killer){.accepted = accepted, .want = want, .delay_ms = delay_ms, .sig = sig};
    assert_int_equal(pthread_create(&k->t, NULL, killer_main, k), 0);
}

static bool disposition_default(int sig)
{
    struct sigaction sa;
    return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL;
}

static tp_engine_opts opts_of(const tp_config *c, tp_cancel *cancel)
{
    return (tp_engine_opts){.limits = c->limits, .resolvers = &c->resolvers, .ca_files = &c->ca_files,
                            .system_ca = c->system_ca, .cancel = cancel};
}

static void assert_cancelled(const tp_result *r, const char *msg)
{
    if (r->error_code != TP_OC_CANCELLED)
        fail_msg("expected cancelled, got %s (%s)", r->error_code ? tp_outcome_name(r->error_code) : "no error",
                 r->error_message ? r->error_message : "");
    assert_int_equal(r->status, TP_ST_SKIPPED);
    assert_string_equal(r->error_message, msg);
}

/* One good probe (done before the signal), three silent TLS peers in flight (two of them
 * waiting on one shared DNS query that never answers), one queued: SIGINT after ~200 ms. */
static void test_sigint_cancels_run(void **state)
{
    (void)state;
    tsrv good, silent;
    tdns d;
    assert_int_equal(tsrv_start(&good, TS_TLS_404, &good_conf), 0);
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    assert_int_equal(tdns_start(&d), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.concurrency = 3; /* 0 ends fast, 3 takes its place, 4 waits */
    char rs[64];
    snprintf(rs, sizeof rs, "127.0.0.1:%d", d.port);
    assert_int_equal(tp_strlist_add(&c.resolvers, rs), 0);
    enum { N = 5 };
    tp_endpoint eps[N];
    tp_result res[N];
    memset(res, 0, sizeof res);
    ep_init(&eps[0], "https", "127.0.0.1", good.port);
    ep_init(&eps[1], "https", "127.0.0.1", silent.port);
    ep_init(&eps[2], "http", "slow.test", 80);   /* DNS never answers ... */
    ep_init(&eps[3], "http", "slow.test", 80);   /* ... and this one shares the query */
    ep_init(&eps[4], "https", "127.0.0.1", silent.port); /* queued behind the cap */
    char err[256] = "";
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    for (int i = 0; i < N; i++) {
        res[i].ep = &eps[i];
        res[i].path = res[i].used_path = &c.paths[0];
        res[i].route = tp_plan_route(&pl, res[i].path);
    }
    assert_true(disposition_default(SIGINT));
    killer k;
    killer_start(&k, &silent.accepted, 1, 200, SIGINT);
    tp_cancel cancel = {0};
    tp_engine_opts o = opts_of(&c, &cancel);
    uint64_t t0 = uv_hrtime();
    assert_int_equal(tp_engine_run(&o, res, N, NULL, NULL, err, sizeof err), 0);
    uint64_t t1 = uv_hrtime();
    pthread_join(k.t, NULL);
    tsrv_stop(&good);
    tsrv_stop(&silent);
    tdns_stop(&d);

    assert_true(tp_cancelled(&cancel));
    assert_string_equal(cancel.why, "interrupted by SIGINT");
    double after_signal = (double)(t1 - k.sent_at) / 1e6;
    double wall = (double)(t1 - t0) / 1e6;
    assert_true(after_signal >= 0 && after_signal < 2000);
    assert_true(wall < 5000);
    /* a second Ctrl-C would kill: the default disposition is back */
    assert_true(disposition_default(SIGINT));
    assert_true(disposition_default(SIGTERM));

    if (res[0].error_code != TP_OC_NONE)
        fail_msg("good probe: %s (%s)", tp_outcome_name(res[0].error_code), res[0].error_message);
    assert_int_equal(res[0].status, TP_ST_OK);
    assert_int_equal(res[0].http_status, 404);
    assert_cancelled(&res[1], "interrupted by SIGINT in phase tls");
    assert_int_equal(res[1].phase, TP_PH_TLS);
    assert_true(res[1].t.tls >= 100 && res[1].t.total >= 100);
    assert_cancelled(&res[2], "interrupted by SIGINT in phase dns");
    assert_cancelled(&res[3], "interrupted by SIGINT in phase dns");
    assert_int_equal(res[2].phase, TP_PH_DNS);
    assert_cancelled(&res[4], "interrupted by SIGINT in phase dns (not started)");
    assert_int_equal(res[4].phase, TP_PH_DNS);

    /* the verdict: cancelled stays skipped and unjudged; no CRL stage after an interrupt */
    tp_run run = {.cfg = &c, .results = res, .n_results = N};
    tp_verdict_opts vo = {.now = 0, .cancel = &cancel};
    tp_judge *j = NULL;
    tp_fetch *needs = NULL;
    size_t n_needs = 99;
    assert_int_equal(tp_verdict_prepare(&pl, &run, &vo, &j, &needs, &n_needs, err, sizeof err), 0);
    assert_int_equal(n_needs, 0);
    assert_int_equal(tp_verdict_finish(j, err, sizeof err), 0);
    tp_verdict_free(j);
    assert_int_equal(res[0].status, TP_ST_OK);
    assert_int_equal(res[0].revocation, TP_REV_NOT_CHECKED);
    assert_string_equal(res[0].revocation_reason, "run interrupted");
    for (int i = 1; i < N; i++) {
        assert_int_equal(res[i].status, TP_ST_SKIPPED);
        assert_int_equal(res[i].error_code, TP_OC_CANCELLED);
        assert_null(res[i].windows_error);
        assert_null(res[i].remediation);
        assert_false(res[i].ssloptions_set);
    }
    tp_summary sum;
    tp_run_summary(&run, &sum);
    assert_int_equal(sum.skipped, 4);
    assert_int_equal(sum.fail, 0);
    for (int i = 0; i < N; i++) {
        tp_result_free(&res[i]);
        tp_endpoint_free(&eps[i]);
    }
    tp_plan_release(&pl);
    tp_config_free(&c);
}

/* SIGTERM during tp_engine_fetch: the silent download is cancelled, the finished one kept. */
static void test_sigterm_cancels_fetch(void **state)
{
    (void)state;
    tsrv crl, silent;
    assert_int_equal(tsrv_start(&crl, TS_HTTP_200, NULL), 0);
    crl.body = "crl-bytes";
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    tp_config c;
    cfg_init(&c);
    c.limits.concurrency = 1; /* the second silent fetch waits in the queue */
    char u1[96], u2[96];
    snprintf(u1, sizeof u1, "http://127.0.0.1:%d/a.crl", crl.port);
    snprintf(u2, sizeof u2, "http://127.0.0.1:%d/b.crl", silent.port);
    char err[256] = "";
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    const tp_route *rt = tp_plan_route(&pl, &c.paths[0]);
    tp_fetch f[3];
    memset(f, 0, sizeof f);
    f[0] = (tp_fetch){.url = u1, .route = rt, .max_bytes = 1024};
    f[1] = (tp_fetch){.url = u2, .route = rt, .max_bytes = 1024};
    f[2] = (tp_fetch){.url = u2, .route = rt, .max_bytes = 1024};
    assert_true(disposition_default(SIGTERM));
    killer k;
    killer_start(&k, &silent.accepted, 1, 200, SIGTERM);
    tp_engine_opts o = opts_of(&c, NULL);   /* no token: the wrapper still cancels */
    assert_int_equal(tp_engine_fetch(&o, f, 3, err, sizeof err), 0);
    uint64_t t1 = uv_hrtime();
    pthread_join(k.t, NULL);
    tsrv_stop(&crl);
    tsrv_stop(&silent);
    assert_true((double)(t1 - k.sent_at) / 1e6 < 2000);
    assert_true(disposition_default(SIGTERM));

    assert_int_equal(f[0].error_code, TP_OC_NONE);
    assert_int_equal(f[0].body_len, 9);
    assert_int_equal(f[1].error_code, TP_OC_CANCELLED);
    assert_string_equal(f[1].error_message, "interrupted by SIGTERM in phase http");
    assert_null(f[1].body);
    assert_int_equal(f[2].error_code, TP_OC_CANCELLED);
    assert_null(f[2].body);
    for (int i = 0; i < 3; i++)
        tp_fetch_free(&f[i]);
    tp_plan_release(&pl);
    tp_config_free(&c);
}

/* A signal the program chose to ignore (nohup) stays ignored: the engine watches only
 * signals at their default disposition, and gives them back as it found them. */
static void test_ignored_signal_left_alone(void **state)
{
    (void)state;
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    assert_int_equal(sigaction(SIGINT, &ign, &old), 0);
    tsrv good;
    assert_int_equal(tsrv_start(&good, TS_TLS_404, &good_conf), 0);
    tp_config c;
    cfg_init(&c);
    tp_endpoint ep;
    ep_init(&ep, "https", "127.0.0.1", good.port);
    tp_result r;
    memset(&r, 0, sizeof r);
    r.ep = &ep;
    r.path = r.used_path = &c.paths[0];
    char err[256] = "";
    tp_plan pl;
    assert_int_equal(tp_plan_resolve(&pl, &c, err, sizeof err), 0);
    r.route = tp_plan_route(&pl, r.path);
    tp_engine_opts o = opts_of(&c, NULL);
    assert_int_equal(tp_engine_run(&o, &r, 1, NULL, NULL, err, sizeof err), 0);
    tp_plan_release(&pl);
    tsrv_stop(&good);
    assert_int_equal(r.error_code, TP_OC_NONE);
    struct sigaction now;
    assert_int_equal(sigaction(SIGINT, NULL, &now), 0);
    assert_true(now.sa_handler == SIG_IGN);
    assert_true(disposition_default(SIGTERM));
    assert_int_equal(sigaction(SIGINT, &old, NULL), 0);
    tp_result_free(&r);
    tp_endpoint_free(&ep);
    tp_config_free(&c);
}

/* `tlspath run` in a child process, SIGINT while a probe hangs: the JSON report is written
 * with the cancelled probe in it, stderr says so, the exit status is 130. */
static void test_cli_run_interrupted_exit_130(void **state)
{
    (void)state;
    tsrv silent;
    assert_int_equal(tsrv_start(&silent, TS_SILENT, NULL), 0);
    char dir[] = "/tmp/tp-intr-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cat[128], cfgf[128], out[128], errf[128];
    snprintf(cat, sizeof cat, "%s/cat.json", dir);
    snprintf(cfgf, sizeof cfgf, "%s/cfg.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(errf, sizeof errf, "%s/stderr", dir);
    FILE *f = fopen(cat, "w");
    assert_non_null(f);
    fprintf(f, "{\"name\": \"t\", \"source\": \"test\", \"endpoints\": [{\"id\": \"silent\", \"service\": \"maps\", "
               "\"url\": \"https://127.0.0.1:%d/x\", \"required\": true, \"geography\": \"WW\", "
               "\"os\": [\"windows\"], \"onboarding\": [\"standard\"], \"inspection_allowed\": false, "
               "\"expect_status\": [404]}]}\n", silent.port);
    fclose(f);
    f = fopen(cfgf, "w");
    assert_non_null(f);
    fprintf(f, "{\"catalogs\": [\"%s\"], \"tls\": {\"ca_files\": [\"%s\"]}, \"limits\": {\"timeout_ms\": "
               "{\"tls\": 20000, \"total\": 30000}}}\n", cat, pki.ca_file);
    fclose(f);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_WRONLY);
        if (fd < 0 || nul < 0)
            _exit(99);
        dup2(fd, 2);
        dup2(nul, 1);
        char *argv[] = {"tlspath", "run", "--config", cfgf, "--format", "json", "--output-dir", out, "--quiet", NULL};
        _exit(tp_app_main(9, argv));
    }
    for (int i = 0; i < 500 && atomic_load(&silent.accepted) < 1; i++)
        usleep(10000);
    usleep(200000);
    uint64_t t0 = uv_hrtime();
    assert_int_equal(kill(pid, SIGINT), 0);
    int st = -1;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    double ms = (double)(uv_hrtime() - t0) / 1e6;
    tsrv_stop(&silent);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 130);
    assert_true(ms < 2000);

    char path[192], buf[16384];
    snprintf(path, sizeof path, "%s/tlspath-report.json", out);
    f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "\"cancelled\""));
    assert_non_null(strstr(buf, "interrupted by SIGINT in phase tls"));
    assert_non_null(strstr(buf, "\"skipped\""));
    f = fopen(errf, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "tlspath: interrupted — partial report written"));

    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ignored_signal_left_alone),
        cmocka_unit_test(test_cli_run_interrupted_exit_130),
        cmocka_unit_test(test_sigint_cancels_run),
        cmocka_unit_test(test_sigterm_cancels_fetch),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
