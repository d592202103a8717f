/* test_serve_cli.c — the command line and configuration of `tlspath serve` and of the site
 * label: option parsing (durations, bounds, which options serve takes), --listen, the
 * token file and the refusal of an open listen without a token (exit 2, before anything
 * runs), config `site` / --site and where the site shows (every Prometheus series, the
 * JSON report). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/cli.h"
#include "fixture_run.h"
#include "input/config.h"
#include "report/report.h"
#include "serve/httpsrv.h"
#include "serve/timeline.h"

#define ARGV(...) ((char *[]){"tlspath", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"tlspath", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cli, err, ...) tp_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (cli), (err), sizeof(err))
#define MAIN(...) tp_app_main(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_serve_options(void **state)
{
    (void)state;
    tp_cli c;
    char err[256];
    assert_int_equal(PARSE(&c, err, "serve", "--catalog", "a.json", "--path", "direct", "--listen", "0.0.0.0:9100",
                           "--token-file", "/run/secrets/t", "--interval", "90s", "--jitter", "250ms", "--site",
                           "eu-1", "--history", "12", "--max-runs", "3", "--timeout", "5000"),
                     0);
    assert_int_equal(c.cmd, TP_CMD_SERVE);
    assert_string_equal(c.listen, "0.0.0.0:9100");
    assert_string_equal(c.token_file, "/run/secrets/t");
    assert_int_equal(c.interval_ms, 90000);
    assert_true(c.jitter_set);
    assert_int_equal(c.jitter_ms, 250);
    assert_string_equal(c.site, "eu-1");
    assert_int_equal(c.history_runs, 12);
    assert_int_equal(c.max_runs, 3);
    tp_cli_free(&c);
    static const struct { char *v; uint64_t ms; } durs[] = {
        {"10ms", 10}, {"30", 30000}, {"5m", 300000}, {"1h", 3600000}, {"7d", 604800000}};
    for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
        assert_int_equal(PARSE(&c, err, "serve", "--interval", durs[i].v), 0);
        assert_int_equal(c.interval_ms, durs[i].ms);
        tp_cli_free(&c);
    }
    char *bad[] = {"9ms", "0", "8d", "-5s", "5x", "s", "", "1.5s", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(PARSE(&c, err, "serve", "--interval", bad[i]), -1);
        assert_non_null(strstr(err, "--interval"));
        tp_cli_free(&c);
    }
    assert_int_equal(PARSE(&c, err, "serve", "--jitter", "0"), 0);   /* no jitter is fine */
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "serve", "--history", "0"), -1);
    tp_cli_free(&c);
    /* serve writes no report files; run has no listener */
    assert_int_equal(PARSE(&c, err, "serve", "--output-dir", "d"), -1);
    assert_non_null(strstr(err, "serve"));
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--listen", "127.0.0.1:1"), -1);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--site", "x"), 0);   /* run takes the site */
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "help", "serve"), 0);
    assert_int_equal(c.help_for, TP_CMD_SERVE);
    assert_non_null(strstr(tp_cli_help(TP_CMD_SERVE), "--token-file"));
    tp_cli_free(&c);
}

static void test_listen_parse(void **state)
{
    (void)state;
    char ip[64], err[256];
    int port;
    bool lo;
    assert_int_equal(tp_listen_parse("127.0.0.1:9810", ip, sizeof ip, &port, &lo, err, sizeof err), 0);
    assert_string_equal(ip, "127.0.0.1");
    assert_int_equal(port, 9810);
    assert_true(lo);
    assert_int_equal(tp_listen_parse("127.8.9.10:0", ip, sizeof ip, &port, &lo, err, sizeof err), 0);
    assert_true(lo);
    assert_int_equal(tp_listen_parse("[::1]:80", ip, sizeof ip, &port, &lo, err, sizeof err), 0);
    assert_string_equal(ip, "::1");
    assert_true(lo);
    assert_int_equal(tp_listen_parse("0.0.0.0:9810", ip, sizeof ip, &port, &lo, err, sizeof err), 0);
    assert_false(lo);
    assert_int_equal(tp_listen_parse("[::]:9810", ip, sizeof ip, &port, &lo, err, sizeof err), 0);
    assert_false(lo);
    const char *bad[] = {"localhost:9810", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "::1:80",
                         "[::1]80", "10.0.0.1:-1", ":9810", "1.2.3.4:9x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (tp_listen_parse(bad[i], ip, sizeof ip, &port, &lo, err, sizeof err) == 0)
            fail_msg("\"%s\" accepted", bad[i]);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_refuses_before_running(void **state)
{
    (void)state;
    /* each of these ends with exit 2 before any probe or listener: nothing would answer */
    assert_int_equal(MAIN("serve", "--listen", "0.0.0.0:0"), 2);
    assert_int_equal(MAIN("serve", "--listen", "[::]:0"), 2);
    assert_int_equal(MAIN("serve", "--listen", "example.org:80"), 2);
    assert_int_equal(MAIN("serve", "--listen", "127.0.0.1:0", "--geo", "NOPE"), 2);   /* a typo, as for run */
    char dir[] = "/tmp/tp-serve-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char tok[256];
    snprintf(tok, sizeof tok, "%s/token", dir);
    assert_int_equal(MAIN("serve", "--listen", "0.0.0.0:0", "--token-file", tok), 2);   /* missing */
    write_file(tok, "\n", 0600);
    assert_int_equal(MAIN("serve", "--listen", "0.0.0.0:0", "--token-file", tok), 2);   /* empty */
    write_file(tok, "two words\n", 0600);
    assert_int_equal(MAIN("serve", "--listen", "0.0.0.0:0", "--token-file", tok), 2);
    write_file(tok, "s3cret\n", 0666);
    assert_int_equal(MAIN("serve", "--listen", "0.0.0.0:0", "--token-file", tok), 2);   /* o+w */
    assert_int_equal(MAIN("serve", "--listen", "0.0.0.0:0", "--token-file", dir), 2);   /* a directory */
    /* a good token but a bad config: still 2, before listening */
    write_file(tok, "s3cret\n", 0600);
    assert_int_equal(MAIN("serve", "--listen", "0.0.0.0:0", "--token-file", tok, "--catalog", "/nonexistent.json"), 2);
    unlink(tok);
    rmdir(dir);
}

/* The real command end to end (config hook, runner, loop): a loopback catalog whose one
 * endpoint refuses, three runs 10 ms apart, then exit 0 by --max-runs. */
static void test_serve_runs_then_exits(void **state)
{
    (void)state;
    char dir[] = "/tmp/tp-serve-run-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cat[256];
    snprintf(cat, sizeof cat, "%s/catalog.json", dir);
    write_file(cat,
               "{\"name\": \"loop\", \"source\": \"unit test\", \"endpoints\": [{\"id\": \"refused\", \"service\": \"crl\", "
               "\"url\": \"http://127.0.0.1:1/x\", \"required\": true, \"geography\": \"WW\", "
               "\"os\": [\"windows\"], \"onboarding\": [\"standard\"], \"pinset\": null, "
               "\"inspection_allowed\": false, \"expect_status\": [200], \"wildcard\": null, \"source\": \"unit test\"}]}\n",
               0600);
    assert_int_equal(MAIN("serve", "--catalog", cat, "--listen", "127.0.0.1:0", "--interval", "10ms", "--jitter", "5ms",
                          "--max-runs", "3", "--site", "unit"),
                     0);
    /* with --state-dir the runs go to SQLite and survive a restart: 2 + 2 runs */
    char sdir[256], cmd[600];
    snprintf(sdir, sizeof sdir, "%s/state", dir);
    for (int i = 0; i < 2; i++)
        assert_int_equal(MAIN("serve", "--catalog", cat, "--listen", "127.0.0.1:0", "--interval", "10ms",
                              "--max-runs", "2", "--state-dir", sdir),
                         0);
    tp_tl_store st;
    char err[512];
    assert_int_equal(tp_tl_store_open_history(&st, sdir, 0, 0, err, sizeof err), 0);
    tp_timeline tl;
    assert_int_equal(st.ops->timeline(st.h, 100, &tl, err, sizeof err), 0);
    assert_int_equal(tl.n_runs, 4);
    assert_int_equal(tl.n_series, 1);
    assert_string_equal(tl.series[0].endpoint, "refused");
    assert_int_equal(tl.series[0].n, 4);
    assert_int_equal(tl.series[0].pts[3].status, TP_ST_FAIL);
    assert_string_equal(tl.series[0].pts[3].error_code, "connect_refused");
    assert_true(tl.runs[0].id < tl.runs[3].id);
    tp_timeline_free(&tl);
    st.ops->close(st.h);
    /* a state dir that cannot be one: exit 2 before anything runs */
    assert_int_equal(MAIN("serve", "--catalog", cat, "--listen", "127.0.0.1:0", "--state-dir", cat), 2);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void *send_sigterm(void *arg)
{
    (void)arg;
    usleep(1500000);
    kill(getpid(), SIGTERM);
    return NULL;
}

/* SIGTERM in the middle of a run: the run is cancelled (its probe would otherwise wait for
 * the TLS deadline) and serve exits 0 at once. The origin accepts TCP and never answers. */
static void test_sigterm_cancels_the_run(void **state)
{
    (void)state;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ls, 16), 0);   /* the kernel completes the handshake; no one reads */
    assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
    char dir[] = "/tmp/tp-serve-term-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cat[256], text[1024];
    snprintf(cat, sizeof cat, "%s/catalog.json", dir);
    snprintf(text, sizeof text,
             "{\"name\": \"hang\", \"source\": \"unit test\", \"endpoints\": [{\"id\": \"silent-tls\", "
             "\"service\": \"maps\", \"url\": \"https://127.0.0.1:%d/x\", \"required\": true, "
             "\"geography\": \"WW\", \"os\": [\"windows\"], \"onboarding\": [\"standard\"], \"pinset\": null, "
             "\"inspection_allowed\": false, \"expect_status\": [200], \"wildcard\": null, \"source\": \"t\"}]}\n",
             ntohs(a.sin_port));
    write_file(cat, text, 0600);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, send_sigterm, NULL), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(MAIN("serve", "--catalog", cat, "--listen", "127.0.0.1:0", "--timeout", "30000"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    pthread_join(th, NULL);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(took >= 1.4 && took < 5.0);   /* the TLS deadline (10 s) was not waited for */
    close(ls);
    unlink(cat);
    rmdir(dir);
}

static void test_site_config_and_cli(void **state)
{
    (void)state;
    tp_config cfg;
    char err[512];
    assert_int_equal(tp_config_defaults(&cfg), 0);
    const char *good = "{\"site\": \"eu-west.egress_1\"}";
    assert_int_equal(tp_config_load_mem(good, strlen(good), "c.json", &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.site, "eu-west.egress_1");
    const char *bad[] = {"{\"site\": \"has space\"}", "{\"site\": \"\"}", "{\"site\": 3}",
                         "{\"site\": \"a\\\"b\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tp_config_load_mem(bad[i], strlen(bad[i]), "c.json", &cfg, err, sizeof err), -1);
        assert_non_null(strstr(err, "site"));
        assert_string_equal(cfg.site, "eu-west.egress_1");   /* a refused load changes nothing */
    }
    tp_config_free(&cfg);
    /* --site overrides the config's; a bad --site is refused with the option's key */
    tp_cli c;
    assert_int_equal(PARSE(&c, err, "run", "--site", "hq"), 0);
    assert_int_equal(tp_cli_build_config(&c, &cfg, err, sizeof err), 0);
    assert_string_equal(cfg.site, "hq");
    tp_config_free(&cfg);
    tp_cli_free(&c);
    assert_int_equal(PARSE(&c, err, "run", "--site", "h\"q"), 0);
    assert_int_equal(tp_cli_build_config(&c, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "site"));
    tp_config_free(&cfg);
    tp_cli_free(&c);
}

static char *render(int (*fn)(const tp_run *, FILE *), const tp_run *run)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    assert_non_null(f);
    assert_int_equal(fn(run, f), 0);
    fclose(f);
    return p;
}

static void test_site_in_reports(void **state)
{
    (void)state;
    fx_run fx;
    fx_build(&fx);
    /* without a site: no label (the .prom file is as before), "site": null */
    char *prom = render(tp_report_prom, &fx.run);
    assert_null(strstr(prom, "site="));
    assert_non_null(strstr(prom, "\ntlspath_run_probes 12\n"));
    free(prom);
    char *json = render(tp_report_json, &fx.run);
    assert_non_null(strstr(json, "\"site\":\tnull") ? strstr(json, "\"site\":\tnull") : strstr(json, "\"site\": null"));
    free(json);
    fx.cfg.site = fx_s("branch-7");
    prom = render(tp_report_prom, &fx.run);
    size_t samples = 0;
    for (char *l = prom; *l; l = strchr(l, '\n') + 1) {
        if (*l != '#') {
            samples++;
            char *brace = strchr(l, '{');
            char *nl = strchr(l, '\n');
            if (!brace || brace > nl || strncmp(brace, "{site=\"branch-7\"", 16) != 0)
                fail_msg("a sample without the site first: %.*s", (int)(nl - l), l);
        }
        if (!strchr(l, '\n')[1])
            break;
    }
    assert_true(samples > 20);
    assert_non_null(strstr(prom, "\ntlspath_run_probes{site=\"branch-7\"} 12\n"));
    assert_non_null(strstr(prom, "tlspath_build_info{site=\"branch-7\",version=\""));
    free(prom);
    json = render(tp_report_json, &fx.run);
    assert_non_null(strstr(json, "\"branch-7\""));
    free(json);
    fx_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_options),
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_refuses_before_running),
        cmocka_unit_test(test_serve_runs_then_exits),
        cmocka_unit_test(test_sigterm_cancels_the_run),
        cmocka_unit_test(test_site_config_and_cli),
        cmocka_unit_test(test_site_in_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
