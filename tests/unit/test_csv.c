/* test_csv.c — import of Microsoft's URL spreadsheet saved as CSV: RFC 4180 details,
 * column mapping, precise errors, and the atomic, round-trippable output file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "input/catalog.h"

#define CSV(name) TLSPATH_SOURCE_DIR "/tests/data/csv/" name

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Imports text, loads the result back with the catalog loader. */
static void import_ok(const char *text, size_t len, const char *file, char **json,
                      tp_catalog *cat)
{
    char err[512] = "";
    if (tp_catalog_import_csv_mem(text, len, file, json, err, sizeof err) != 0)
        fail_msg("import failed: %s", err);
    assert_non_null(*json);
    if (tp_catalog_load_mem(*json, strlen(*json), "imported.json", cat, err, sizeof err) != 0)
        fail_msg("round trip failed: %s\n%s", err, *json);
}

static void import_err(const char *text, size_t len, const char *file, const char *msg)
{
    char err[512] = "";
    char *json = (char *)1;
    if (tp_catalog_import_csv_mem(text, len, file, &json, err, sizeof err) == 0) {
        free(json);
        fail_msg("accepted %s", file);
    }
    assert_null(json);
    if (strcmp(err, msg) != 0)
        fail_msg("got:  %s\nwant: %s", err, msg);
}

/* import_err for a NUL-free string literal. */
static void import_err_s(const char *text, const char *file, const char *msg)
{
    import_err(text, strlen(text), file, msg);
}

static const tp_endpoint *by_url(const tp_catalog *c, const char *url)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->endpoints[i].url, url) == 0)
            return &c->endpoints[i];
    fail_msg("no endpoint %s", url);
    return NULL;
}

/* ---------- mapping ---------- */

static void test_standard_list(void **state)
{
    size_t len;
    char *text = slurp(CSV("standard.csv"), &len), *json = NULL;
    tp_catalog c;
    const tp_endpoint *e;
    (void)state;
    import_ok(text, len, CSV("standard.csv"), &json, &c);
    /* 10 rows; go.microsoft.com has ports 80 and 443 */
    assert_int_equal(c.n, 11);

    e = by_url(&c, "http://crl.microsoft.com/");
    assert_string_equal(e->service, "crl");
    assert_string_equal(e->id, "crl-crl-microsoft-com");
    assert_true(e->required);
    assert_string_equal(e->geography, "WW");
    assert_int_equal(e->os.n, 1);
    assert_string_equal(e->os.v[0], "windows");
    assert_string_equal(e->onboarding.v[0], "standard");
    assert_string_equal(e->source, "imported from standard.csv line 2");
    assert_int_equal(e->n_expect_status, 0);
    assert_null(e->pinset);

    /* trailing "*" in a path is dropped */
    e = by_url(&c, "http://www.microsoft.com/pkiops/");
    assert_string_equal(e->service, "crl");

    /* OS family columns: Yes in Mac and Linux */
    e = by_url(&c, "https://events.data.microsoft.com/");
    assert_string_equal(e->service, "diagnostics"); /* "Common" category: from the description */
    assert_int_equal(e->os.n, 3);
    assert_true(tp_strlist_has(&e->os, "macos"));
    assert_true(tp_strlist_has(&e->os, "linux"));

    /* wildcard row: the wildcard's parent stands in, flagged in wildcard + description */
    e = by_url(&c, "https://wns.windows.com/");
    assert_string_equal(e->wildcard, "*.wns.windows.com");
    assert_string_equal(e->service, "live-response"); /* from the description */
    assert_false(e->required);
    assert_non_null(strstr(e->description, "Wildcard rule *.wns.windows.com"));
    /* Comments joined to the description */
    assert_non_null(strstr(e->description, "Live Response \xE2\x80\x94 Required for Live Response Performance"));

    /* quoted field with a comma and doubled quotes */
    e = by_url(&c, "https://wdcp.microsoft.com/");
    assert_string_equal(e->service, "maps");
    assert_non_null(strstr(e->description, "MAPS, the \"cloud-delivered protection\" service"));

    e = by_url(&c, "https://unitedstates.cp.wd.microsoft.com/");
    assert_string_equal(e->geography, "US");
    assert_string_equal(e->service, "maps");

    e = by_url(&c, "https://ussus1eastprod.blob.core.windows.net/");
    assert_string_equal(e->service, "submission");
    /* Microsoft: exclude the MDE-specific storage accounts from inspection */
    assert_false(e->inspection_allowed);
    assert_int_equal(e->clouds.n, 1);
    assert_string_equal(e->clouds.v[0], "commercial");

    /* a line break inside a quoted description is folded */
    e = by_url(&c, "https://winatp-gw-cus.microsoft.com/");
    assert_string_equal(e->service, "edr");
    assert_string_equal(e->description, "Command and control (C&C)");
    assert_false(e->inspection_allowed);
    /* the record after a multi-line field keeps counting physical lines */
    e = by_url(&c, "http://go.microsoft.com/");
    assert_string_equal(e->source, "imported from standard.csv line 11");
    assert_string_equal(e->service, "adl");
    assert_false(e->required);
    e = by_url(&c, "https://go.microsoft.com/");
    assert_string_equal(e->id, "adl-go-microsoft-com-2"); /* numbered on collision */

    e = by_url(&c, "https://ods.opinsights.azure.com/");
    assert_string_equal(e->service, "mma");
    assert_int_equal(e->os.n, 1); /* Windows 7 + MMA columns: both Windows */

    tp_catalog_free(&c);
    free(json);
    free(text);
}

static void test_bom_crlf_same_result(void **state)
{
    size_t len, i, o = 3;
    char *text = slurp(CSV("standard.csv"), &len), *json1 = NULL, *json2 = NULL;
    char *crlf = malloc(2 * len + 4);
    tp_catalog c1, c2;
    (void)state;
    assert_non_null(crlf);
    memcpy(crlf, "\xEF\xBB\xBF", 3);
    for (i = 0; i < len; i++) {
        if (text[i] == '\n')
            crlf[o++] = '\r';
        crlf[o++] = text[i];
    }
    import_ok(text, len, "standard.csv", &json1, &c1);
    import_ok(crlf, o, "standard.csv", &json2, &c2);
    /* same catalog, same line numbers; only the line break inside the quoted
     * description differs, and descriptions fold white space */
    assert_string_equal(json1, json2);
    tp_catalog_free(&c1);
    tp_catalog_free(&c2);
    free(json1);
    free(json2);
    free(crlf);
    free(text);
}

static void test_import_is_stable(void **state)
{
    size_t len;
    char *text = slurp(CSV("standard.csv"), &len), *a = NULL, *b = NULL;
    char err[256];
    (void)state;
    assert_int_equal(tp_catalog_import_csv_mem(text, len, "s.csv", &a, err, sizeof err), 0);
    assert_int_equal(tp_catalog_import_csv_mem(text, len, "s.csv", &b, err, sizeof err), 0);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(text);
}

static void test_streamlined_list(void **state)
{
    size_t len;
    char *text = slurp(CSV("streamlined.csv"), &len), *json = NULL;
    tp_catalog c;
    const tp_endpoint *e;
    (void)state;
    import_ok(text, len, "streamlined.csv", &json, &c);
    assert_int_equal(c.n, 6); /* the update row holds two hosts */
    e = by_url(&c, "https://endpoint.security.microsoft.com/");
    assert_string_equal(e->service, "edr");
    assert_string_equal(e->wildcard, "*.endpoint.security.microsoft.com");
    assert_string_equal(e->onboarding.v[0], "streamlined");
    assert_int_equal(e->os.n, 3); /* All */
    e = by_url(&c, "https://update.microsoft.com/");
    assert_string_equal(e->service, "update");
    assert_int_equal(e->os.n, 1);
    assert_string_equal(e->os.v[0], "windows");
    e = by_url(&c, "https://delivery.mp.microsoft.com/");
    assert_string_equal(e->source, "imported from streamlined.csv line 3");
    e = by_url(&c, "http://crl.microsoft.com/");
    assert_string_equal(e->service, "crl");
    assert_int_equal(e->os.n, 2);
    assert_true(tp_strlist_has(&e->os, "linux"));
    /* an explicit scheme is kept */
    e = by_url(&c, "https://cdn.x.cp.wd.microsoft.com/");
    assert_false(e->required);
    assert_string_equal(e->os.v[0], "macos");
    /* whole words: "Command" holds "mma" but is EDR */
    e = by_url(&c, "https://winatp-gw-cus.microsoft.com/");
    assert_string_equal(e->service, "edr");
    tp_catalog_free(&c);
    free(json);
    free(text);
}

static void test_reordered_columns_and_semicolons(void **state)
{
    size_t len;
    char *text = slurp(CSV("reordered.csv"), &len), *json = NULL;
    tp_catalog c;
    const tp_endpoint *e;
    (void)state;
    import_ok(text, len, "reordered.csv", &json, &c);
    assert_int_equal(c.n, 2);
    e = by_url(&c, "https://vortex-win.data.microsoft.com/");
    assert_string_equal(e->service, "diagnostics");
    assert_string_equal(e->geography, "EU");
    assert_false(e->required);
    assert_string_equal(e->os.v[0], "linux");
    assert_string_equal(e->description, "Note one");
    e = by_url(&c, "http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en/authrootstl.cab");
    assert_string_equal(e->service, "crl");
    assert_int_equal(e->os.n, 0);
    tp_catalog_free(&c);
    free(json);
    free(text);
}

static void test_rfc4180_details(void **state)
{
    /* quoted header names, an empty trailing field, a lone-CR line end, a blank line,
     * quotes inside an unquoted field kept as is, an explicit port, an unknown category */
    static const char t[] = "\"Service\",\"Category\",\"Port\",\"Endpoint/URL\",\"Comments\"\r"
                            "MDE,Some New Thing,8443,h.example.com/a,say \"hi\"\n"
                            "\n"
                            "MDE,,,\"k.example.com\",\n";
    char *json = NULL;
    tp_catalog c;
    const tp_endpoint *e;
    (void)state;
    import_ok(t, sizeof t - 1, "r.csv", &json, &c);
    assert_int_equal(c.n, 2);
    e = by_url(&c, "https://h.example.com:8443/a");
    assert_string_equal(e->service, "some-new-thing");
    assert_int_equal(e->port, 8443);
    assert_string_equal(e->description, "say \"hi\"");
    assert_string_equal(e->source, "imported from r.csv line 2");
    e = by_url(&c, "https://k.example.com/");
    assert_string_equal(e->service, "mde");
    assert_string_equal(e->source, "imported from r.csv line 4");
    tp_catalog_free(&c);
    free(json);
}

static void test_long_description_cut_on_utf8_boundary(void **state)
{
    /* 2000 bytes of "é" (2 bytes each): the 1 KiB cap must not split one */
    size_t n = 0;
    char *t = malloc(4200), *json = NULL;
    tp_catalog c;
    (void)state;
    assert_non_null(t);
    n += (size_t)sprintf(t, "Service,Endpoint/URL,Comments\nS,a.example,x");
    for (int i = 0; i < 1000; i++) {
        t[n++] = '\xC3';
        t[n++] = '\xA9';
    }
    t[n++] = '\n';
    import_ok(t, n, "d.csv", &json, &c);
    assert_true(strlen(c.endpoints[0].description) < 1024);
    assert_true(strlen(c.endpoints[0].description) > 1000);
    assert_int_equal(strlen(c.endpoints[0].description) % 2, 1); /* "x" + whole "é"s */
    tp_catalog_free(&c);
    free(json);
    free(t);
}

static void test_id_numbering(void **state)
{
    /* the same host four times, and a host whose own slug is a numbered id */
    static const char t[] = "Service,Endpoint/URL\nS,a.ex\nS,a.ex\nS,a.ex\nS,a.ex-2\nS,a.ex\n";
    char *json = NULL;
    tp_catalog c;
    (void)state;
    import_ok(t, sizeof t - 1, "i.csv", &json, &c);
    assert_int_equal(c.n, 5);
    assert_string_equal(c.endpoints[0].id, "s-a-ex");
    assert_string_equal(c.endpoints[1].id, "s-a-ex-2");
    assert_string_equal(c.endpoints[2].id, "s-a-ex-3");
    assert_string_equal(c.endpoints[3].id, "s-a-ex-2-2");
    assert_string_equal(c.endpoints[4].id, "s-a-ex-4");
    tp_catalog_free(&c);
    free(json);
}

/* "host:port" without a scheme: the port is the cell's unless a Port column gives one,
 * the scheme follows the port; errors quote the cell, not a rebuilt URL. */
static void test_host_port_cells(void **state)
{
    static const char t[] = "Service,Endpoint/URL\n"
                            "S,example.com:8443\n"
                            "S,plain.example:80/x\n"
                            "S,https://s.example:8443/p\n"
                            "S,[2001:db8::1]:9443\n"
                            "S,2001:db8::2\n";
    static const char tp[] = "Service,Port,Endpoint/URL\nS,80,example.com:8443\n";
    char *json = NULL;
    tp_catalog c;
    const tp_endpoint *e;
    (void)state;
    import_ok(t, sizeof t - 1, "hp.csv", &json, &c);
    assert_int_equal(c.n, 5);
    e = by_url(&c, "https://example.com:8443/");
    assert_string_equal(e->host, "example.com");
    assert_int_equal(e->port, 8443);
    e = by_url(&c, "http://plain.example/x");
    assert_int_equal(e->port, 80);
    e = by_url(&c, "https://s.example:8443/p");
    assert_int_equal(e->port, 8443);
    e = by_url(&c, "https://[2001:db8::1]:9443/");
    assert_string_equal(e->host, "2001:db8::1");
    e = by_url(&c, "https://[2001:db8::2]/");
    assert_int_equal(e->port, 443);
    tp_catalog_free(&c);
    free(json);
    json = NULL;
    import_ok(tp, sizeof tp - 1, "hp.csv", &json, &c); /* the Port column wins */
    assert_int_equal(c.n, 1);
    by_url(&c, "http://example.com/");
    tp_catalog_free(&c);
    free(json);
    import_err_s("Service,Endpoint/URL\nS,example.com:99999\n", "p.csv",
               "p.csv: line 2: column \"Endpoint/URL\": expected a host name or an http(s) URL, got \"example.com:99999\"");
    import_err_s("Service,Endpoint/URL\nS,bad!.example:8443\n", "p.csv",
               "p.csv: line 2: column \"Endpoint/URL\": expected a host name or an http(s) URL, got \"bad!.example:8443\"");
    import_err_s("Service,Endpoint/URL\nS,[::1\n", "p.csv",
               "p.csv: line 2: column \"Endpoint/URL\": expected a host name or an http(s) URL, got \"[::1\"");
}

/* Credentials in a cell are refused without being repeated, even when a space in the
 * password splits the cell into two tokens. */
static void test_credentials_refused(void **state)
{
    char err[512] = "", *json = (char *)1;
    static const char split[] = "Service,Endpoint/URL\nS,a.example https://user:Pw s3cret@h.example/x\n";
    (void)state;
    import_err_s("Service,Endpoint/URL\nS,https://user:Pw-s3cret@h.example/x\n", "c.csv",
               "c.csv: line 2: column \"Endpoint/URL\": expected a URL without credentials, got \"https://***@h.example/x\"");
    import_err_s("Service,Endpoint/URL\nS,user:Pw-s3cret@h.example\n", "c.csv",
               "c.csv: line 2: column \"Endpoint/URL\": expected a URL without credentials, got \"***@h.example\"");
    assert_int_equal(tp_catalog_import_csv_mem(split, sizeof split - 1, "c.csv", &json, err,
                                               sizeof err),
                     -1);
    assert_null(json);
    assert_null(strstr(err, "Pw"));
    assert_null(strstr(err, "s3cret"));
    assert_null(strstr(err, "user"));
    assert_string_equal(err, "c.csv: line 2: column \"Endpoint/URL\": expected a URL without credentials, got \"***@h.example/x\"");
}

/* A wildcard that leaves no concrete host is an error; a mid-label wildcard is kept and
 * its description says that only the parent domain is tested. */
static void test_wildcards(void **state)
{
    static const char t[] = "Service,Endpoint/URL,Comments\n"
                            "EDR command and control,winatp-gw-*.microsoft.com,gateway\n"
                            "S,*.wd.example.com\n";
    char *json = NULL;
    tp_catalog c;
    const tp_endpoint *e;
    (void)state;
    import_err_s("Service,Endpoint/URL\nS,*.com\n", "w.csv",
               "w.csv: line 2: column \"Endpoint/URL\": wildcard \"*.com\" names no concrete host");
    import_err_s("Service,Endpoint/URL\nS,https://*.COM/x\n", "w.csv",
               "w.csv: line 2: column \"Endpoint/URL\": wildcard \"*.COM\" names no concrete host");
    import_err_s("Service,Endpoint/URL\nS,gw-*.com\n", "w.csv",
               "w.csv: line 2: column \"Endpoint/URL\": wildcard \"gw-*.com\" names no concrete host");
    import_err_s("Service,Endpoint/URL\nS,*.\n", "w.csv",
               "w.csv: line 2: column \"Endpoint/URL\": wildcard \"*.\" names no concrete host");
    import_ok(t, sizeof t - 1, "w.csv", &json, &c);
    e = by_url(&c, "https://microsoft.com/");
    assert_string_equal(e->wildcard, "winatp-gw-*.microsoft.com");
    assert_string_equal(e->description,
                        "gateway Wildcard rule winatp-gw-*.microsoft.com: the spreadsheet names "
                        "no concrete host, so this probe tests the parent domain microsoft.com, "
                        "not the hosts the wildcard matches; replace it with a real host to test "
                        "those.");
    e = by_url(&c, "https://wd.example.com/");
    assert_string_equal(e->wildcard, "*.wd.example.com");
    assert_non_null(strstr(e->description, "tests the parent domain wd.example.com, not the hosts"));
    tp_catalog_free(&c);
    free(json);
}

/* The wildcard note survives a description at the 1 KiB cap. */
static void test_wildcard_note_not_cut(void **state)
{
    char *t = malloc(4200), *json = NULL;
    size_t n = 0;
    tp_catalog c;
    (void)state;
    assert_non_null(t);
    n += (size_t)sprintf(t, "Service,Endpoint/URL,Comments\nS,*.x.example,");
    for (int i = 0; i < 3000; i++)
        t[n++] = 'a';
    t[n++] = '\n';
    import_ok(t, n, "d.csv", &json, &c);
    assert_true(strlen(c.endpoints[0].description) < 1024);
    assert_non_null(strstr(c.endpoints[0].description,
                           "tests the parent domain x.example, not the hosts the wildcard matches"));
    tp_catalog_free(&c);
    free(json);
    free(t);
}

/* ---------- errors ---------- */

static void test_errors(void **state)
{
    size_t len;
    char *t;
    (void)state;
    t = slurp(CSV("missing-url.csv"), &len);
    import_err(t, len, "x.csv", "x.csv: line 1: missing column \"Endpoint/URL\"");
    free(t);
    t = slurp(CSV("bad-port.csv"), &len);
    {
        /* one good row, one bad: the bad one is skipped with the message an error would give */
        tp_strlist w = {0};
        tp_import_opts o = {.warnings = &w};
        char *json = NULL, err[512] = "";
        assert_int_equal(tp_catalog_import_csv_mem_ex(t, len, "x.csv", &o, &json, err, sizeof err), 0);
        assert_int_equal(w.n, 1);
        assert_string_equal(w.v[0], "x.csv: line 3: column \"Port\": expected a port number, got \"abc\" "
                                    "(row skipped)");
        free(json);
        tp_strlist_free(&w);
        /* only bad rows: nothing usable, the first row's message is the error */
        import_err_s("Service,Port,Endpoint/URL\nS,abc,a.example\nS,443,Root URL for the CDN\n", "x.csv",
                     "x.csv: line 2: column \"Port\": expected a port number, got \"abc\"");
    }
    free(t);
    t = slurp(CSV("unterminated.csv"), &len);
    import_err(t, len, "u.csv",
               "u.csv: line 2: unterminated quoted field (expected a closing '\"')");
    free(t);
    t = slurp(CSV("garbage.csv"), &len);
    import_err(t, len, "g.csv", "g.csv: line 1: binary data (byte 0x03): expected a text CSV file");
    free(t);
    t = slurp(CSV("latin1.csv"), &len);
    import_err(t, len, "l.csv",
               "l.csv: line 2: invalid UTF-8: expected a UTF-8 CSV file (save as \"CSV UTF-8\")");
    free(t);
    import_err("", 0, "e.csv",
               "e.csv: empty file (expected a header row with an \"Endpoint/URL\" column)");
    import_err("\xEF\xBB\xBF\r\n\r\n  \n", 9, "e.csv",
               "e.csv: empty file (expected a header row with an \"Endpoint/URL\" column)");
    import_err(NULL, 5, "e.csv",
               "e.csv: empty file (expected a header row with an \"Endpoint/URL\" column)");
    {
        static const char nul[] = "Service,Endpoint/URL\nA,b\0c\n";
        import_err(nul, sizeof nul - 1, "n.csv",
                   "n.csv: line 2: binary data (byte 0x00): expected a text CSV file");
    }
    import_err("Port,Endpoint/URL\n443,a.example\n", 32, "s.csv",
               "s.csv: line 1: missing column \"Service\"");
    import_err("Service,Endpoint/URL\n", 21, "h.csv",
               "h.csv: line 1: no endpoint rows below the header");
    import_err("Service,Port,Endpoint/URL\nS,70000,a.example\n", 43, "p.csv",
               "p.csv: line 2: column \"Port\": expected a port number, got \"70000\"");
    import_err("Service,Port,Endpoint/URL\nS,0,a.example\n", 39, "p.csv",
               "p.csv: line 2: column \"Port\": expected a port number, got \"0\"");
    import_err("Service,Endpoint/URL,Required or Optional\nS,a.example,maybe\n", 59, "q.csv",
               "q.csv: line 2: column \"Required or Optional\": expected Required or Optional, got \"maybe\"");
    import_err("Service,Endpoint/URL,OS\nS,a.example,Solaris\n", 43, "o.csv",
               "o.csv: line 2: column \"OS\": expected All, Windows, macOS or Linux, got \"Solaris\"");
    import_err("Service,Endpoint/URL\nS,ftp://a.example\n", 38, "f.csv",
               "f.csv: line 2: column \"Endpoint/URL\": expected a host name or an http(s) URL, got \"ftp://a.example\"");
    import_err("Service,Endpoint/URL\nS,*\n", 24, "w.csv",
               "w.csv: line 2: column \"Endpoint/URL\": wildcard \"*\" names no concrete host");
    /* the cell as written, not a URL rebuilt from it */
    import_err("Service,Endpoint/URL\nS,bad_host!.example\n", 40, "b.csv",
               "b.csv: line 2: column \"Endpoint/URL\": expected a host name or an http(s) URL, got \"bad_host!.example\"");
    import_err("Service,Geography,Endpoint/URL\nS,U$,a.example\n", 45, "g.csv",
               "g.csv: line 2: column \"Geography\": expected a geography code such as WW, US, EU, UK or AU, got \"U$\"");
    {
        char wide[1200];
        size_t o = (size_t)sprintf(wide, "Service,Endpoint/URL");
        for (int i = 0; i < 300; i++)
            wide[o++] = ',';
        wide[o] = '\0';
        import_err(wide, o, "c.csv", "c.csv: line 1: more than 256 columns");
    }
    import_err("Service,Endpoint/URL\nS,\"a.example\"x\n", 35, "q.csv",
               "q.csv: line 2: unexpected character after a closing quote (a quote inside a quoted field must be doubled)");
}

/* Microsoft's tables as published (tests/data/csv/ms-*.csv, copied from the current
 * pages): every row that names a host maps; prose rows are skipped with a warning. */
static const tp_endpoint *by_url_cloud(const tp_catalog *c, const char *url, const char *cloud)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->endpoints[i].url, url) == 0 && tp_strlist_has(&c->endpoints[i].clouds, cloud))
            return &c->endpoints[i];
    fail_msg("no endpoint %s for %s", url, cloud);
    return NULL;
}

static void import_ms(const char *name, const char *onboarding, tp_catalog *c, tp_strlist *w)
{
    size_t len;
    char *t, *json = NULL, err[512] = "", path[512];
    tp_import_opts o = {.onboarding = onboarding, .warnings = w};
    snprintf(path, sizeof path, "%s", CSV(""));
    strncat(path, name, sizeof path - strlen(path) - 1);
    t = slurp(path, &len);
    if (tp_catalog_import_csv_mem_ex(t, len, name, &o, &json, err, sizeof err) != 0)
        fail_msg("%s: %s", name, err);
    if (tp_catalog_load_mem(json, strlen(json), name, c, err, sizeof err) != 0)
        fail_msg("%s: round trip: %s", name, err);
    free(json);
    free(t);
}

static void test_microsoft_published_tables(void **state)
{
    tp_catalog c;
    tp_strlist w = {0};
    const tp_endpoint *e;
    (void)state;
    /* standard, commercial (2026-07-03) */
    import_ms("ms-standard-commercial-2026-07.csv", NULL, &c, &w);
    assert_int_equal(w.n, 1); /* the ChannelURL prose row */
    assert_non_null(strstr(w.v[0], "line 13: column \"Endpoint/URL\""));
    assert_non_null(strstr(w.v[0], "(row skipped)"));
    assert_true(c.n >= 100);
    e = by_url(&c, "https://winatp-gw-aec0a.microsoft.com/");
    assert_string_equal(e->geography, "AEC"); /* "Azure UAE Central (AEC)" */
    assert_string_equal(e->service, "edr");
    e = by_url(&c, "https://go.microsoft.com/"); /* Yes* cells */
    assert_int_equal(e->requirement, TP_REQ_CONDITIONAL);
    assert_non_null(strstr(e->condition, "Optional if updates are being managed internally"));
    assert_int_equal(e->os.n, 3);
    e = by_url(&c, "https://smartscreen-prod.microsoft.com/");
    assert_string_equal(e->service, "smartscreen");
    e = by_url(&c, "https://login.live.com/");
    assert_string_equal(e->service, "live-response");
    assert_false(e->required);
    e = by_url(&c, "https://login.windows.net/");
    assert_string_equal(e->service, "vm-scanner");
    e = by_url(&c, "https://office.com/config/v1/MicrosoftWindowsDefenderClient"); /* "*ecs.office.com/..." */
    assert_string_equal(e->service, "defender-core");
    assert_string_equal(e->wildcard, "*ecs.office.com");
    e = by_url(&c, "http://ctldl.windowsupdate.com/");
    assert_int_equal(e->os.n, 1);
    assert_string_equal(e->clouds.v[0], "commercial");
    tp_catalog_free(&c);
    tp_strlist_free(&w);
    /* streamlined, commercial: multi-host cells, OS column, Type column */
    import_ms("ms-streamlined-commercial-2026-07.csv", NULL, &c, &w);
    assert_int_equal(w.n, 0);
    e = by_url(&c, "https://config.edge.skype.com/config/v1");
    assert_string_equal(e->onboarding.v[0], "streamlined");
    assert_int_equal(e->os.n, 1);
    assert_string_equal(e->os.v[0], "linux");
    e = by_url(&c, "https://definitionupdates.microsoft.com/");
    assert_int_equal(e->os.n, 3);
    tp_catalog_free(&c);
    /* standard, US Government (2025-10-16): clouds from the Geography cells */
    import_ms("ms-standard-gov-2025-10.csv", NULL, &c, &w);
    assert_int_equal(w.n, 0);
    e = by_url_cloud(&c, "https://winatp-gw-usgt.microsoft.com/", "gcc-high");
    assert_string_equal(e->geography, "US");
    e = by_url_cloud(&c, "https://winatp-gw-usgt.microsoft.com/", "dod");
    e = by_url_cloud(&c, "http://crl.microsoft.com/pki/crl/", "gcc");
    assert_int_equal(e->clouds.n, 3);
    e = by_url_cloud(&c, "https://unitedstates4.cp.wd.microsoft.us/", "gcc");
    assert_int_equal(e->clouds.n, 1);
    e = by_url_cloud(&c, "https://endpoint.security.microsoft.com/", "dod"); /* a WW row of a gov list */
    assert_int_equal(e->clouds.n, 3);
    tp_catalog_free(&c);
    /* streamlined, US Government: the standard sheet's columns, so the mode is given */
    import_ms("ms-streamlined-gov-2025-10.csv", "streamlined", &c, &w);
    assert_int_equal(w.n, 0);
    e = by_url_cloud(&c, "https://endpoint.security.microsoft.us/", "gcc-high");
    assert_string_equal(e->onboarding.v[0], "streamlined");
    assert_string_equal(e->wildcard, "*.endpoint.security.microsoft.us");
    tp_catalog_free(&c);
    /* a cell copied from the page keeps its <br> and backticks */
    {
        static const char t[] = "Service,Port,Endpoint/URLs,Type,OS\n"
                                "Updates,443,go.microsoft.com <br> `definitionupdates.microsoft.com`<br/>x.example,"
                                "Required,All\n";
        char *json = NULL;
        import_ok(t, sizeof t - 1, "br.csv", &json, &c);
        assert_int_equal(c.n, 3);
        tp_catalog_free(&c);
        free(json);
    }
}

/* Random bytes and truncations of a valid file never crash or leak. */
/* Import bounds (issue 15): too many hosts in one cell, or too many endpoints in all,
 * stop the import with one line; under the bounds the result loads again. */
static void test_import_bounds(void **state)
{
    (void)state;
    const char *hdr = "Geography,Category,Service,Endpoint/URL,Port,Description,Required\n";
    size_t cap = 8u << 20, n;
    char *t = malloc(cap);
    assert_non_null(t);
    /* one cell with 300 host names */
    n = (size_t)snprintf(t, cap, "%sWW,MAPS,Defender,\"", hdr);
    for (int i = 0; i < 300; i++)
        n += (size_t)snprintf(t + n, cap - n, "h%d.wd.microsoft.com ", i);
    n += (size_t)snprintf(t + n, cap - n, "\",443,d,Yes\n");
    import_err(t, n, "b.csv",
               "b.csv: line 2: column \"Endpoint/URL\": expected at most 256 host names in one cell, got 300 "
               "(nothing written)");
    /* 5001 rows of one host each */
    n = (size_t)snprintf(t, cap, "%s", hdr);
    for (int i = 0; i < 5001; i++)
        n += (size_t)snprintf(t + n, cap - n, "WW,MAPS,Defender,h%d.wd.microsoft.com,443,d,Yes\n", i);
    import_err(t, n, "b.csv", "b.csv: line 5002: expected at most 5000 endpoints in a catalog, got more (nothing written)");
    /* 5000 endpoints (20 cells of 250 hosts), each with a long description: written, and it loads */
    n = (size_t)snprintf(t, cap, "%s", hdr);
    for (int r = 0; r < 20; r++) {
        n += (size_t)snprintf(t + n, cap - n, "WW,MAPS,Defender,\"");
        for (int i = 0; i < 250; i++)
            n += (size_t)snprintf(t + n, cap - n, "h%d-%d.wd.microsoft.com ", r, i);
        n += (size_t)snprintf(t + n, cap - n, "\",443,\"");
        for (int k = 0; k < 1100; k++)
            t[n++] = (char)('a' + k % 26);
        n += (size_t)snprintf(t + n, cap - n, "\",Yes\n");
    }
    char *json = NULL;
    tp_catalog c;
    import_ok(t, n, "b.csv", &json, &c);
    assert_int_equal(c.n, 5000);
    assert_true(strlen(json) < TP_CATALOG_MAX_FILE_BYTES);
    tp_catalog_free(&c);
    free(json);
    free(t);
}

/* Text cells keep no control characters (DEL, C1, TAB, a quoted newline): the catalog
 * loader refuses them, so the import must not write them. */
static void test_control_characters_dropped(void **state)
{
    (void)state;
    const char *t = "Geography,Category,Service,Endpoint/URL,Port,Description,Required,Comments\n"
                    "WW,MAPS,Defender,a.wd.microsoft.com,443,\"desc \x7f x\xc2\x9by\nz\tw\",Yes,\"com\xc2\x85ment\"\n";
    char *json = NULL;
    tp_catalog c;
    import_ok(t, strlen(t), "c.csv", &json, &c);
    assert_null(strchr(json, '\x7f'));
    assert_null(strstr(json, "\xc2\x9b"));
    tp_catalog_free(&c);
    free(json);
}

static void test_hostile_input(void **state)
{
    size_t len;
    char *text = slurp(CSV("standard.csv"), &len), *buf = malloc(len + 1);
    char err[256];
    unsigned seed = 99;
    (void)state;
    assert_non_null(buf);
    for (size_t n = 0; n <= len; n += 5) {
        char *json = NULL;
        if (tp_catalog_import_csv_mem(text, n, "t.csv", &json, err, sizeof err) == 0) {
            tp_catalog c;
            assert_int_equal(tp_catalog_load_mem(json, strlen(json), "t", &c, err, sizeof err), 0);
            tp_catalog_free(&c);
        }
        free(json);
    }
    for (int round = 0; round < 400; round++) {
        char *json = NULL;
        memcpy(buf, text, len);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[(seed >> 8) % len] = "\",\n\r*:/;x\xC3\t9 "[(seed >> 20) % 14];
        }
        if (tp_catalog_import_csv_mem(buf, len, "t.csv", &json, err, sizeof err) == 0) {
            tp_catalog c;
            if (tp_catalog_load_mem(json, strlen(json), "t", &c, err, sizeof err) != 0)
                fail_msg("imported catalog does not load: %s", err);
            tp_catalog_free(&c);
        } else {
            assert_null(json);
            assert_true(strncmp(err, "t.csv: ", 7) == 0);
        }
        free(json);
    }
    free(buf);
    free(text);
}

/* ---------- files ---------- */

static char g_dir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/tp_csv_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    DIR *d = opendir(g_dir);
    struct dirent *de;
    (void)state;
    while (d && (de = readdir(d))) {
        char p[512];
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", g_dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    return rmdir(g_dir);
}

static size_t dir_entries(void)
{
    DIR *d = opendir(g_dir);
    struct dirent *de;
    size_t n = 0;
    assert_non_null(d);
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_file_round_trip(void **state)
{
    char out[256], err[512] = "";
    tp_catalog c;
    struct stat st;
    (void)state;
    snprintf(out, sizeof out, "%s/mde.json", g_dir);
    if (tp_catalog_import_csv(CSV("standard.csv"), out, err, sizeof err) != 0)
        fail_msg("%s", err);
    if (tp_catalog_load_file(out, &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 11);
    assert_string_equal(c.endpoints[0].source, "imported from standard.csv line 2");
    tp_catalog_free(&c);
    assert_int_equal(dir_entries(), 1); /* no FILE.tmp left behind */
    /* importing again replaces the file */
    assert_int_equal(tp_catalog_import_csv(CSV("streamlined.csv"), out, err, sizeof err), 0);
    assert_int_equal(tp_catalog_load_file(out, &c, err, sizeof err), 0);
    assert_int_equal(c.n, 6);
    tp_catalog_free(&c);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(dir_entries(), 1);
}

static void test_file_not_written_on_error(void **state)
{
    char out[256], err[512] = "";
    tp_catalog c;
    (void)state;
    snprintf(out, sizeof out, "%s/new.json", g_dir);
    assert_int_equal(tp_catalog_import_csv(CSV("unterminated.csv"), out, err, sizeof err), -1);
    assert_non_null(strstr(err, "unterminated.csv: line 2: unterminated"));
    assert_int_equal(access(out, F_OK), -1);
    assert_int_equal(dir_entries(), 0);
    /* an existing catalog survives a failed import untouched */
    assert_int_equal(tp_catalog_import_csv(CSV("reordered.csv"), out, err, sizeof err), 0);
    assert_int_equal(tp_catalog_import_csv(CSV("garbage.csv"), out, err, sizeof err), -1);
    assert_int_equal(tp_catalog_import_csv(CSV("empty.csv"), out, err, sizeof err), -1);
    assert_int_equal(tp_catalog_import_csv(CSV("unterminated.csv"), out, err, sizeof err), -1);
    assert_int_equal(tp_catalog_load_file(out, &c, err, sizeof err), 0);
    assert_int_equal(c.n, 2);
    tp_catalog_free(&c);
    assert_int_equal(dir_entries(), 1);
    /* missing input, unwritable output */
    assert_int_equal(tp_catalog_import_csv("no/such.csv", out, err, sizeof err), -1);
    assert_string_equal(err, "no/such.csv: cannot open: No such file or directory");
    assert_int_equal(tp_catalog_import_csv(CSV("standard.csv"), "/nonexistent-dir/x.json", err,
                                           sizeof err),
                     -1);
    assert_string_equal(err, "cannot write /nonexistent-dir/x.json: No such file or directory");
    /* the output is a directory: refused, nothing left behind */
    assert_int_equal(tp_catalog_import_csv(CSV("standard.csv"), g_dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot write "));
    assert_int_equal(dir_entries(), 1);
    {
        char tmp[300];
        snprintf(tmp, sizeof tmp, "%s.tmp", g_dir);
        assert_int_equal(access(tmp, F_OK), -1);
    }
}

/* The output is a symbolic link: the link stays, its target gets the catalog. */
static void test_output_through_symlink(void **state)
{
    char real[256], link[256], got[256], err[512] = "";
    tp_catalog c;
    struct stat st;
    ssize_t n;
    FILE *f;
    (void)state;
    snprintf(real, sizeof real, "%s/real.json", g_dir);
    snprintf(link, sizeof link, "%s/link.json", g_dir);
    assert_non_null(f = fopen(real, "w"));
    fputs("old\n", f);
    fclose(f);
    assert_int_equal(chmod(real, 0600), 0);
    assert_int_equal(symlink("real.json", link), 0);
    if (tp_catalog_import_csv(CSV("standard.csv"), link, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    n = readlink(link, got, sizeof got - 1);
    assert_true(n > 0);
    got[n] = '\0';
    assert_string_equal(got, "real.json");
    assert_int_equal(lstat(real, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600); /* the replaced file keeps its mode */
    if (tp_catalog_load_file(real, &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 11);
    tp_catalog_free(&c);
    assert_int_equal(dir_entries(), 2); /* no temporary file left */
    /* a dangling link is refused, and nothing is created */
    assert_int_equal(unlink(real), 0);
    assert_int_equal(tp_catalog_import_csv(CSV("standard.csv"), link, err, sizeof err), -1);
    assert_int_equal(dir_entries(), 1);
}

/* The output is a FIFO: written in place (a reader gets the catalog), not replaced by a
 * regular file. The reader end is opened first, non-blocking, so the import's open
 * does not wait and a regression cannot hang the test (the catalog fits the pipe). */
static void test_output_to_fifo(void **state)
{
    char fifo[256], err[512] = "", *buf = malloc(1 << 16);
    size_t len = 0;
    tp_catalog c;
    struct stat st;
    int fd;
    (void)state;
    assert_non_null(buf);
    snprintf(fifo, sizeof fifo, "%s/out.fifo", g_dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(fd >= 0);
    if (tp_catalog_import_csv(CSV("standard.csv"), fifo, err, sizeof err) != 0)
        fail_msg("%s", err);
    for (;;) {
        ssize_t r = read(fd, buf + len, (1 << 16) - 1 - len);
        if (r > 0) {
            len += (size_t)r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    close(fd);
    buf[len] = '\0';
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_true(len > 0);
    if (tp_catalog_load_mem(buf, len, "fifo", &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(c.n, 11);
    tp_catalog_free(&c);
    assert_int_equal(dir_entries(), 1);
    free(buf);
}

/* The output is a character device: written in place, still a device afterwards. A
 * private null device is tried first (when mknod is allowed), so a regression fails
 * there before it could replace the system's /dev/null. */
static void test_output_to_dev_null(void **state)
{
    char node[256], err[512] = "";
    struct stat st;
    (void)state;
    snprintf(node, sizeof node, "%s/null", g_dir);
    if (mknod(node, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        if (tp_catalog_import_csv(CSV("standard.csv"), node, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_int_equal(lstat(node, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(dir_entries(), 1);
    }
    if (tp_catalog_import_csv(CSV("standard.csv"), "/dev/null", err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(access("/dev/null.tmp", F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_microsoft_published_tables),
        cmocka_unit_test(test_standard_list),
        cmocka_unit_test(test_bom_crlf_same_result),
        cmocka_unit_test(test_import_is_stable),
        cmocka_unit_test(test_streamlined_list),
        cmocka_unit_test(test_reordered_columns_and_semicolons),
        cmocka_unit_test(test_rfc4180_details),
        cmocka_unit_test(test_id_numbering),
        cmocka_unit_test(test_long_description_cut_on_utf8_boundary),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_host_port_cells),
        cmocka_unit_test(test_credentials_refused),
        cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_wildcard_note_not_cut),
        cmocka_unit_test(test_hostile_input),
        cmocka_unit_test(test_import_bounds),
        cmocka_unit_test(test_control_characters_dropped),
        cmocka_unit_test_setup_teardown(test_file_round_trip, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_file_not_written_on_error, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_output_through_symlink, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_output_to_fifo, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_output_to_dev_null, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
