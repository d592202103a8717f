/* app_harness.h — tlspath as a function, in the test's own process (header-only: each
 * tests/unit/test_app_*.c is its own binary).
 *
 *  - app_call(): runs tp_app_main(argc, argv) with stdout and stderr redirected to temp
 *    files and hands back the exit status and both streams as strings, so a test asserts
 *    on what a user would see.
 *  - app_lab: a loopback world in which `tlspath run` passes for real: a CA and a leaf for
 *    127.0.0.1 made by mkpki_loopback.sh (openssl), a TLS origin presenting it (answers
 *    404), an HTTP server handing out the CA's CRL (the leaf is "good"), a CONNECT proxy,
 *    a port with nothing listening, and a catalog + config naming them. Nothing leaves
 *    127.0.0.1. */
#ifndef TP_APP_HARNESS_H
#define TP_APP_HARNESS_H

#include "testsrv.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "app/app.h"

/* ---------- running the program ---------- */

typedef struct app_out {
    int rc;
    char *out;   /* what went to stdout */
    char *err;   /* what went to stderr */
} app_out;

static inline char *app_slurp(const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *s = malloc(cap);
    while (s && (r = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *t = realloc(s, cap * 2);
            if (!t)
                free(s);
            s = t;
            cap *= 2;
        }
    }
    fclose(f);
    if (s)
        s[n] = '\0';
    return s;
}

static inline void app_out_free(app_out *o)
{
    free(o->out);
    free(o->err);
    o->out = o->err = NULL;
}

/* Calls tp_app_main with argv = {"tlspath", args..., NULL}. With stdout_to (e.g.
 * "/dev/full"), stdout goes there instead of a capture file. */
static inline void app_call_to(app_out *o, const char *stdout_to, const char *const *args)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = (char *)"tlspath";
    for (size_t i = 0; args[i]; i++) {
        assert_true(argc < 63);
        argv[argc++] = (char *)args[i];
    }
    argv[argc] = NULL;
    char of[] = "/tmp/tp-app-out-XXXXXX", ef[] = "/tmp/tp-app-err-XXXXXX";
    int ofd = stdout_to ? open(stdout_to, O_WRONLY) : mkstemp(of);
    int efd = mkstemp(ef);
    assert_true(ofd >= 0 && efd >= 0);
    fflush(stdout);
    fflush(stderr);
    int so = dup(STDOUT_FILENO), se = dup(STDERR_FILENO);
    dup2(ofd, STDOUT_FILENO);
    dup2(efd, STDERR_FILENO);
    close(ofd);
    close(efd);
    o->rc = tp_app_main(argc, argv);
    fflush(stdout);
    clearerr(stdout);   /* a /dev/full stdout must not poison the test's own output */
    fflush(stderr);
    dup2(so, STDOUT_FILENO);
    dup2(se, STDERR_FILENO);
    close(so);
    close(se);
    o->out = stdout_to ? strdup("") : app_slurp(of);
    o->err = app_slurp(ef);
    if (!stdout_to)
        unlink(of);
    unlink(ef);
    assert_non_null(o->out);
    assert_non_null(o->err);
}

#define APP(o, ...) app_call_to((o), NULL, (const char *const[]){__VA_ARGS__, NULL})

/* Fails the test with both streams shown when needle is not in hay. */
#define assert_has(hay, needle)                                                                 \
    do {                                                                                        \
        if (!strstr((hay), (needle)))                                                           \
            fail_msg("expected \"%s\" in:\n%s", (needle), (hay));                               \
    } while (0)
#define assert_rc(o, want)                                                                      \
    do {                                                                                        \
        if ((o)->rc != (want))                                                                  \
            fail_msg("exit %d, want %d\n--- stderr\n%.2000s\n--- stdout\n%.2000s", (o)->rc, (want), \
                     (o)->err, (o)->out);                                                       \
    } while (0)

static inline void app_write(const char *file, const char *text)
{
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static inline bool app_exists(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 && st.st_size > 0;
}

/* ---------- the loopback lab ---------- */

typedef struct app_lab {
    char dir[64];
    tpki pki;                /* its DRBG serves the TLS origin */
    tpki_cert leaf;          /* chain.pem + leaf.key */
    mbedtls_ssl_config conf;
    tsrv origin, crl, proxy;
    char *crl_pem;
    int dead;                /* nothing listens here: connect_refused */
    char ca[128], catalog[160], config[160];
} app_lab;

static app_lab lab;

/* dir/name into out */
static inline const char *lab_file(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", lab.dir, name);
    return out;
}

static inline int lab_setup(void **state)
{
    (void)state;
    memset(&lab, 0, sizeof lab);
    snprintf(lab.dir, sizeof lab.dir, "/tmp/tp-app-XXXXXX");
    if (!mkdtemp(lab.dir) || tsrv_start(&lab.crl, TS_HTTP_200, NULL) != 0)
        return -1;
    char cmd[512], f[160];
    snprintf(cmd, sizeof cmd, "sh '%s/tests/unit/mkpki_loopback.sh' '%s' %d >/dev/null 2>&1", TLSPATH_SOURCE_DIR,
             lab.dir, lab.crl.port);
    if (system(cmd) != 0 || !(lab.crl_pem = app_slurp(lab_file(f, sizeof f, "ca.crl.pem"))))
        return -1;
    lab.crl.body = lab.crl_pem;
    if (tpki_init(&lab.pki) != 0)
        return -1;
    mbedtls_x509_crt_init(&lab.leaf.chain);
    mbedtls_pk_init(&lab.leaf.key);
    if (mbedtls_x509_crt_parse_file(&lab.leaf.chain, lab_file(f, sizeof f, "chain.pem")) != 0 ||
        mbedtls_pk_parse_keyfile(&lab.leaf.key, lab_file(f, sizeof f, "leaf.key"), NULL) != 0 ||
        tsrv_tls_conf(&lab.conf, &lab.pki, &lab.leaf) != 0 || tsrv_start(&lab.origin, TS_TLS_404, &lab.conf) != 0 ||
        tsrv_start(&lab.proxy, TS_PROXY, NULL) != 0)
        return -1;
    lab.dead = tsrv_dead_port();
    lab_file(lab.ca, sizeof lab.ca, "ca.pem");
    lab_file(lab.catalog, sizeof lab.catalog, "catalog.json");
    lab_file(lab.config, sizeof lab.config, "config.json");
    /* one required endpoint that passes, one optional endpoint that cannot be reached */
    char text[2048];
    snprintf(text, sizeof text,
             "{\"name\": \"app-lab\", \"source\": \"test_app\", \"version\": \"1\", \"endpoints\": [\n"
             " {\"id\": \"maps-ok\", \"service\": \"maps\", \"url\": \"https://127.0.0.1:%d/probe\","
             "  \"required\": \"required\", \"geography\": \"US\", \"os\": [\"windows\"],"
             "  \"onboarding\": [\"standard\"], \"expect_status\": [404], \"wildcard\": \"127.0.0.1\"},\n"
             " {\"id\": \"edr-closed\", \"service\": \"edr\", \"url\": \"https://127.0.0.1:%d/\","
             "  \"required\": \"optional\", \"geography\": \"EU\", \"os\": [\"linux\"], \"expect_status\": [200]}\n"
             "]}\n",
             lab.origin.port, lab.dead);
    app_write(lab.catalog, text);
    snprintf(text, sizeof text,
             "{\"catalogs\": [\"%s\"], \"tls\": {\"system_ca\": false, \"ca_files\": [\"%s\"]},\n"
             " \"limits\": {\"timeout_ms\": {\"dns\": 3000, \"connect\": 3000, \"proxy\": 3000, \"tls\": 3000,"
             " \"http\": 3000, \"crl\": 3000, \"total\": 8000}}}\n",
             lab.catalog, lab.ca);
    app_write(lab.config, text);
    return 0;
}

static inline int lab_teardown(void **state)
{
    (void)state;
    tsrv_stop(&lab.origin);
    tsrv_stop(&lab.crl);
    tsrv_stop(&lab.proxy);
    mbedtls_ssl_config_free(&lab.conf);
    tpki_cert_free(&lab.leaf);
    tpki_free(&lab.pki);
    free(lab.crl_pem);
    char cmd[128];
    if (strncmp(lab.dir, "/tmp/tp-app-", 12) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", lab.dir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

/* The JSON document in text (a report or a listing), parsed; fails the test if it is not. */
static inline cJSON *app_json(const char *text)
{
    cJSON *d = cJSON_Parse(text);
    if (!d)
        fail_msg("not JSON:\n%s", text);
    return d;
}

/* The result of endpoint id on path in a JSON report. */
static inline const cJSON *app_result(const cJSON *report, const char *id, const char *path)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "results"))
    {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "endpoint");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(r, "path");
        if (cJSON_IsString(p) && !strcmp(p->valuestring, path) &&
            !strcmp(cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring, id))
            return r;
    }
    fail_msg("no result for %s on %s", id, path);
    return NULL;
}

static inline const char *app_str(const cJSON *o, const char *k1, const char *k2)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k1);
    if (k2)
        v = cJSON_GetObjectItemCaseSensitive(v, k2);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

#endif
