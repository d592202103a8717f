/* fixture_run.h — a hand-built finished run for the report sink tests: 4 endpoints × 3
 * paths covering ok / warn / fail / skipped, DNS / connect / proxy / TLS failures, an
 * intercepted chain, a revoked leaf, CRLs, SSLOptions, Windows errors, remediation and a
 * fallback — plus hostile strings: markup, quotes, backslashes, newlines, terminal
 * escapes, invalid UTF-8, "]]>" and "--", and a proxy with a password that no report
 * may ever print.
 *
 * Expected counts: probes 12, ok 3, warn 2, fail 6, skipped 1, required_failed 2. */
#ifndef TLSPATH_FIXTURE_RUN_H
#define TLSPATH_FIXTURE_RUN_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/model.h"

#define FX_PASSWORD "s3cr3t-PASSWORD"
#define FX_USERNAME "svc-proxy-user"
/* base64("svc-proxy-user:s3cr3t-PASSWORD"): the Basic token tlspath sends to corp-auth */
#define FX_BASIC_TOKEN "c3ZjLXByb3h5LXVzZXI6czNjcjN0LVBBU1NXT1JE"
#define FX_HOSTILE_SUBJECT "CN=<script>alert(1)</script>, O=\"Quo\\\"ted\" \\Back\nslash \xff\xfe"
#define FX_HOSTILE_MESSAGE "proxy page: ]]> -- <!-- \"Proxy-Authorization\" refused & <b>bold</b>"
#define FX_LONG_ID "edr-streamlined-endpoint-with-a-very-long-identifier-eu"

enum { FX_EP_MAPS, FX_EP_CRL, FX_EP_EDR, FX_EP_MMA, FX_N_EP };
enum { FX_P_DIRECT, FX_P_CORP, FX_P_AUTH, FX_N_PATHS };

typedef struct fx_run {
    tp_config cfg;
    tp_catalog cat;
    tp_run run;
} fx_run;

static inline char *fx_s(const char *s)
{
    char *d = tp_strdup(s);
    if (!d)
        abort();
    return d;
}

static inline void fx_list(tp_strlist *l, const char *a, const char *b)
{
    if (a && tp_strlist_add(l, a) != 0)
        abort();
    if (b && tp_strlist_add(l, b) != 0)
        abort();
}

static inline void fx_endpoint(tp_endpoint *e, const char *id, const char *service, const char *url,
                        const char *scheme, const char *host, int port, bool required,
                        const char *geo, const char *pinset, int expect)
{
    memset(e, 0, sizeof *e);
    e->id = fx_s(id);
    e->service = fx_s(service);
    e->url = fx_s(url);
    e->scheme = fx_s(scheme);
    e->host = fx_s(host);
    e->port = port;
    e->path = fx_s("/");
    e->method = fx_s("GET");
    e->required = required;
    e->geography = fx_s(geo);
    e->pinset = pinset ? fx_s(pinset) : NULL;
    e->expect_status[0] = expect;
    e->n_expect_status = 1;
    fx_list(&e->os, "windows", NULL);
}

static inline void fx_paths(tp_config *c)
{
    c->n_paths = FX_N_PATHS;
    c->paths = calloc(FX_N_PATHS, sizeof *c->paths);
    if (!c->paths)
        abort();
    tp_path *d = &c->paths[FX_P_DIRECT], *corp = &c->paths[FX_P_CORP], *auth = &c->paths[FX_P_AUTH];
    d->id = fx_s("direct");
    d->type = TP_PATH_DIRECT;
    corp->id = fx_s("corp");
    corp->type = TP_PATH_HTTP;
    corp->proxy_host = fx_s("10.0.0.6");
    corp->proxy_port = 8080;
    corp->crl_via = fx_s("direct");
    auth->id = fx_s("corp-auth");
    auth->type = TP_PATH_HTTP;
    auth->proxy_host = fx_s("proxy.corp");
    auth->proxy_port = 3128;
    auth->username = fx_s(FX_USERNAME);
    auth->password = fx_s(FX_PASSWORD);
    auth->fallback = fx_s("direct");
}

static inline void fx_timings(tp_timings *t, double dns, double connect, double proxy, double tls,
                       double http, double rev)
{
    t->dns = dns; t->connect = connect; t->proxy = proxy; t->tls = tls; t->http = http;
    t->revocation = rev;
    double total = 0;
    const double v[] = {dns, connect, proxy, tls, http, rev};
    for (size_t i = 0; i < 6; i++)
        total += v[i] > 0 ? v[i] : 0;
    t->total = total;
}

static inline void fx_cert(tp_cert_info *c, const char *subject, const char *issuer, const char *serial,
                    const char *crl)
{
    memset(c, 0, sizeof *c);
    c->subject = fx_s(subject);
    c->issuer = fx_s(issuer);
    c->serial = fx_s(serial);
    c->not_before = fx_s("2026-01-01T00:00:00Z");
    c->not_after = fx_s("2027-01-01T00:00:00Z");
    strcpy(c->spki_sha256, "AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=");
    if (crl)
        fx_list(&c->crl_urls, crl, NULL);
    fx_list(&c->ocsp_urls, "http://ocsp.lab.test/", NULL);
    fx_list(&c->ca_issuers, "http://crl.lab.test/int.crt", NULL);
}

/* leaf (hostile subject), intermediate, root */
static inline void fx_chain(tp_result *r, const char *root_subject)
{
    r->tls_done = true;
    r->tls_version = fx_s("TLSv1.2");
    r->tls_cipher = fx_s("TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384");
    r->chain_len = 3;
    r->chain = calloc(3, sizeof *r->chain);
    if (!r->chain)
        abort();
    fx_cert(&r->chain[0], FX_HOSTILE_SUBJECT, "CN=TP Test Intermediate, O=tlspath lab", "1001",
            "http://crl.lab.test/int.crl");
    fx_cert(&r->chain[1], "CN=TP Test Intermediate, O=tlspath lab", root_subject, "2002",
            "http://crl.lab.test/root.crl");
    fx_cert(&r->chain[2], root_subject, root_subject, "01", NULL);
    r->chain[1].is_ca = r->chain[2].is_ca = true;
    r->chain[2].self_signed = true;
    r->trusted = true;
    r->hostname_ok = true;
}

static inline void fx_crls(tp_result *r, const char *path, int http_status, const char *error)
{
    r->n_crls = 2;
    r->crls = calloc(2, sizeof *r->crls);
    if (!r->crls)
        abort();
    r->crls[0].url = fx_s("http://crl.lab.test/int.crl");
    r->crls[1].url = fx_s("http://crl.lab.test/root.crl");
    for (size_t i = 0; i < 2; i++) {
        r->crls[i].path = fx_s(path);
        r->crls[i].http_status = http_status;
        r->crls[i].fetched = http_status == 200;
        r->crls[i].error = error ? fx_s(error) : NULL;
    }
}

static inline void fx_ssl(tp_result *r, bool m0, bool m1, bool m2, bool m3)
{
    r->ssloptions_set = true;
    r->ssloptions_pass[0] = m0; r->ssloptions_pass[1] = m1;
    r->ssloptions_pass[2] = m2; r->ssloptions_pass[3] = m3;
}

static inline void fx_fail(tp_result *r, tp_phase ph, const char *code, const char *msg,
                    const char *win, const char *fix)
{
    r->status = TP_ST_FAIL;
    r->phase = ph;
    r->error_code = tp_outcome_from_name(code);
    r->error_message = fx_s(msg);
    r->windows_error = win ? fx_s(win) : NULL;
    r->remediation = fix ? fx_s(fix) : NULL;
}

static inline void fx_dns(tp_result *r, const char *addr, const char *cname)
{
    fx_list(&r->addresses, addr, NULL);
    fx_list(&r->cnames, cname, NULL);
    r->resolver = fx_s("10.0.0.53:53");
}

#define FX_ROOT "CN=TP Test Root, O=tlspath lab"
#define FX_CORP_CA "CN=Corp Inspection CA, O=Example Corp"

static inline void fx_results_maps(tp_run *run, tp_config *c)
{
    tp_result *r = &run->results[FX_EP_MAPS * FX_N_PATHS];
    /* direct: everything fine */
    fx_dns(&r[0], "192.0.2.10", "unitedstates.cp.wd.microsoft.com.edgekey.net");
    fx_timings(&r[0].t, 1.26, 2.04, -1, 15.55, 3.3, 7.0);
    r[0].status = TP_ST_OK;
    r[0].phase = TP_PH_DONE;
    r[0].connected_address = fx_s("192.0.2.10:443");
    fx_chain(&r[0], FX_ROOT);
    r[0].http_status = 404;
    r[0].http_status_ok = true;
    r[0].pin_checked = r[0].pin_matched = true;
    r[0].revocation = TP_REV_GOOD;
    fx_crls(&r[0], "direct", 200, NULL);
    fx_ssl(&r[0], true, true, true, true);
    /* corp: re-signed by the inspection CA */
    fx_timings(&r[1].t, -1, 1.0, 2.0, 12.0, 3.0, 5.0);
    r[1].connected_address = fx_s("10.0.0.6:8080");
    r[1].proxy_status = 200;
    fx_chain(&r[1], FX_CORP_CA);
    r[1].http_status = 404;
    r[1].http_status_ok = true;
    r[1].pin_checked = true;
    r[1].interception_detected = true;
    r[1].interception_issuer = fx_s(FX_CORP_CA);
    r[1].revocation = TP_REV_GOOD;
    fx_crls(&r[1], "direct", 200, NULL);
    fx_ssl(&r[1], true, true, false, false);
    fx_fail(&r[1], TP_PH_VERIFY, "intercepted", "chain re-signed by " FX_CORP_CA, "0x80072F8F",
            "Exclude *.wd.microsoft.com from TLS inspection on proxy corp");
    /* corp-auth: the proxy wants credentials it does not accept */
    fx_timings(&r[2].t, -1, 1.5, 2.5, -1, -1, -1);
    r[2].connected_address = fx_s("proxy.corp:3128");
    r[2].proxy_status = 407;
    fx_list(&r[2].proxy_auth_schemes, "Basic", "NTLM");
    fx_fail(&r[2], TP_PH_PROXY, "proxy_auth_required", FX_HOSTILE_MESSAGE, "0x80072EFE",
            "Allow anonymous CONNECT to *.wd.microsoft.com: the sensor runs as SYSTEM");
    (void)c;
}

static inline void fx_results_crl(tp_run *run)
{
    tp_result *r = &run->results[FX_EP_CRL * FX_N_PATHS];
    fx_dns(&r[0], "192.0.2.20", NULL);
    fx_timings(&r[0].t, 0.5, 1.0, -1, -1, 2.0, -1);
    r[0].status = TP_ST_OK;
    r[0].phase = TP_PH_DONE;
    r[0].http_status = 200;
    r[0].http_status_ok = true;
    fx_timings(&r[1].t, -1, 1.0, 1.0, -1, 2.0, -1);
    r[1].status = TP_ST_WARN;
    r[1].phase = TP_PH_DONE;
    r[1].proxy_status = 200;
    r[1].http_status = 302;
    r[1].error_code = TP_OC_HTTP_STATUS;
    r[1].error_message = fx_s("HTTP 302, expected 200");
    r[1].remediation = fx_s("Check the proxy's redirect rules for crl.microsoft.com");
    /* corp-auth: not planned for CRLs */
    fx_timings(&r[2].t, -1, -1, -1, -1, -1, -1);
    r[2].status = TP_ST_SKIPPED;
    r[2].phase = TP_PH_DNS;
}

static inline void fx_results_edr(tp_run *run, tp_config *c)
{
    tp_result *r = &run->results[FX_EP_EDR * FX_N_PATHS];
    fx_timings(&r[0].t, 30.0, -1, -1, -1, -1, -1);
    r[0].resolver = fx_s("system");
    fx_fail(&r[0], TP_PH_DNS, "dns_nxdomain", "NXDOMAIN \x1b[31mred\x1b[0m\a\r\nnext line", NULL,
            "Check that the resolver answers *.endpoint.security.microsoft.com");
    fx_timings(&r[1].t, -1, 0.3, -1, -1, -1, -1);
    fx_fail(&r[1], TP_PH_CONNECT, "connect_refused", "connection to proxy 10.0.0.6:8080 refused",
            "0x80072EFD", "Start the proxy or fix its address");
    /* corp-auth fell back to direct; the CRL could not be fetched */
    r[2].used_path = &c->paths[FX_P_DIRECT];
    fx_dns(&r[2], "192.0.2.30", NULL);
    fx_timings(&r[2].t, 1.0, 1.0, -1, 9.99, 2.0, 5000.04);
    fx_chain(&r[2], FX_ROOT);
    r[2].status = TP_ST_WARN;
    r[2].phase = TP_PH_DONE;
    r[2].http_status = 400;
    r[2].http_status_ok = true;
    r[2].revocation = TP_REV_UNREACHABLE;
    r[2].revocation_reason = fx_s("CRL timed out");
    fx_crls(&r[2], "direct", 0, "timeout after 5000 ms");
    fx_ssl(&r[2], true, true, true, false);
    r[2].error_code = TP_OC_CRL_UNREACHABLE;
    r[2].error_message = fx_s("CRL http://crl.lab.test/int.crl: timeout");
    r[2].windows_error = fx_s("0x80072F8F");
    r[2].remediation = fx_s("Give the device a system-wide proxy for CRL fetches (netsh winhttp)");
}

static inline void fx_results_mma(tp_run *run)
{
    tp_result *r = &run->results[FX_EP_MMA * FX_N_PATHS];
    fx_dns(&r[0], "192.0.2.40", NULL);
    fx_timings(&r[0].t, 1.0, 1.0, -1, 4.0, -1, -1);
    fx_fail(&r[0], TP_PH_TLS, "tls_alert", "handshake_failure alert (40) \xff\xfe from \x01peer\x7f",
            "0x80072F7D", NULL);
    fx_timings(&r[1].t, -1, 1.0, 1.0, 10.0, 2.0, 3.0);
    r[1].status = TP_ST_OK;
    r[1].phase = TP_PH_DONE;
    r[1].proxy_status = 200;
    fx_chain(&r[1], FX_ROOT);
    r[1].http_status = 404;
    r[1].http_status_ok = true;
    r[1].revocation = TP_REV_GOOD;
    fx_crls(&r[1], "direct", 200, NULL);
    fx_timings(&r[2].t, -1, 1.0, 1.0, 10.0, 2.0, 3.0);
    r[2].proxy_status = 200;
    fx_chain(&r[2], FX_ROOT);
    r[2].http_status = 404;
    r[2].http_status_ok = true;
    r[2].revocation = TP_REV_REVOKED;
    r[2].revocation_reason = fx_s("serial 1001 revoked (keyCompromise)");
    fx_crls(&r[2], "direct", 200, NULL);
    fx_ssl(&r[2], true, true, false, false);
    fx_fail(&r[2], TP_PH_REVOCATION, "revoked", "leaf serial 1001 is on http://crl.lab.test/int.crl",
            "0x80092010", "Replace the revoked certificate on the origin");
}

/* Builds the whole fixture. Free with fx_free. */
static inline void fx_build(fx_run *f)
{
    memset(f, 0, sizeof *f);
    fx_paths(&f->cfg);
    f->cat.name = fx_s("fixture");
    f->cat.n = FX_N_EP;
    f->cat.endpoints = calloc(FX_N_EP, sizeof *f->cat.endpoints);
    if (!f->cat.endpoints)
        abort();
    fx_endpoint(&f->cat.endpoints[FX_EP_MAPS], "maps-cp-us", "maps",
                "https://unitedstates.cp.wd.microsoft.com/wdcp.svc/bond/submitReport/test",
                "https", "unitedstates.cp.wd.microsoft.com", 443, true, "US", "microsoft", 404);
    fx_endpoint(&f->cat.endpoints[FX_EP_CRL], "crl-ms", "crl",
                "http://crl.microsoft.com/pki/crl/products/MicRooCerAut2011_2011_03_22.crl",
                "http", "crl.microsoft.com", 80, true, "WW", NULL, 200);
    fx_endpoint(&f->cat.endpoints[FX_EP_EDR], FX_LONG_ID, "edr",
                "https://edr-neu.eu.endpoint.security.microsoft.com/edr/commands",
                "https", "edr-neu.eu.endpoint.security.microsoft.com", 443, false, "EU", NULL, 400);
    fx_endpoint(&f->cat.endpoints[FX_EP_MMA], "mma-ods", "mma",
                "https://x.ods.opinsights.azure.com/", "https", "x.ods.opinsights.azure.com", 443,
                false, "WW", NULL, 404);

    f->run.cfg = &f->cfg;
    f->run.catalogs = &f->cat;
    f->run.n_catalogs = 1;
    f->run.n_results = FX_N_EP * FX_N_PATHS;
    f->run.results = calloc(f->run.n_results, sizeof *f->run.results);
    if (!f->run.results)
        abort();
    for (size_t e = 0; e < FX_N_EP; e++)
        for (size_t p = 0; p < FX_N_PATHS; p++) {
            tp_result *r = &f->run.results[e * FX_N_PATHS + p];
            r->ep = &f->cat.endpoints[e];
            r->path = r->used_path = &f->cfg.paths[p];
        }
    fx_results_maps(&f->run, &f->cfg);
    fx_results_crl(&f->run);
    fx_results_edr(&f->run, &f->cfg);
    fx_results_mma(&f->run);
    f->run.started_at_ms = 1795425132345LL;   /* 2026-11-22T... UTC, see test_report_json */
    f->run.finished_at_ms = f->run.started_at_ms + 12345;
}

static inline void fx_free(fx_run *f)
{
    for (size_t i = 0; i < f->run.n_results; i++)
        tp_result_free(&f->run.results[i]);
    free(f->run.results);
    tp_strlist_free(&f->run.warnings);
    tp_catalog_free(&f->cat);
    tp_config_free(&f->cfg);
}

/* Runs a sink into a malloc'ed NUL-terminated buffer (open_memstream). */
typedef int (*fx_sink)(const tp_run *, FILE *);
static inline char *fx_render(const tp_run *run, fx_sink fn, int *rc)
{
    /* The stream's buffer pointer lives on the heap: GCC's -Wdangling-pointer cannot
     * see that fclose() finalises a local one, and fails release builds. */
    struct { char *buf; size_t len; } *ms = calloc(1, sizeof *ms);
    if (!ms)
        abort();
    FILE *f = open_memstream(&ms->buf, &ms->len);
    if (!f)
        abort();
    *rc = fn(run, f);
    fclose(f);
    char *out = ms->buf;
    free(ms);
    return out;
}

/* True if the secret, the user:password pair or (a start of) the Basic token appears
 * anywhere in text. */
static inline bool fx_leaks_secret(const char *text)
{
    return strstr(text, FX_PASSWORD) || strstr(text, FX_USERNAME ":") || strstr(text, "s3cr3t") ||
           strstr(text, "c3ZjLXBy");
}

/* Writes text to a fresh temp file; returns the malloc'ed path. */
static inline char *fx_tmpfile(const char *text, const char *suffix)
{
    char *path = tp_asprintf("/tmp/tlspath-report-test-XXXXXX%s", suffix);
    if (!path)
        abort();
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0)
        abort();
    FILE *f = fdopen(fd, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return path;
}

/* Runs a shell command and returns its stdout (malloc'ed, at most 1 MiB); *status gets
 * the exit status (-1 if it did not exit). */
static inline char *fx_capture(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        abort();
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        abort();
    size_t n;
    while (len < cap && (n = fread(buf + len, 1, cap - len, p)) > 0)
        len += n;
    buf[len] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

/* Number of non-overlapping occurrences of needle in hay. */
static inline size_t fx_count(const char *hay, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + nl, needle))
        n++;
    return n;
}

#endif
