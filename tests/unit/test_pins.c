/* test_pins.c — the pin syntax and the built-in "microsoft" set, each constant
 * recomputed from its certificate file with tp_x509_spki_sha256. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pki/castore.h"
#include "pki/pins.h"
#include "pki/x509.h"

#define MOZ "/usr/share/ca-certificates/mozilla/"

static const char *const PINNED_FILES[] = {
    TLSPATH_SOURCE_DIR "/certs/microsoft-root-ca-2011.pem",
    TLSPATH_SOURCE_DIR "/certs/microsoft-secure-server-ca-2011.pem",
    TLSPATH_SOURCE_DIR "/certs/microsoft-rsa-root-ca-2017.pem",
    TLSPATH_SOURCE_DIR "/certs/microsoft-ecc-root-ca-2017.pem",
    TLSPATH_SOURCE_DIR "/certs/digicert-global-root-g2.pem",
    MOZ "DigiCert_Global_Root_CA.crt",
    MOZ "DigiCert_Global_Root_G3.crt",
    MOZ "Baltimore_CyberTrust_Root.crt",
};
#define N_PINNED (sizeof PINNED_FILES / sizeof PINNED_FILES[0])

static void free_sets(tp_pinset *sets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(sets[i].name);
        free(sets[i].spki);
    }
    free(sets);
}

static const tp_pinset *find(const tp_pinset *sets, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sets[i].name, name) == 0)
            return &sets[i];
    return NULL;
}

static void test_parse_and_format_roundtrip(void **state)
{
    (void)state;
    uint8_t h[32];
    assert_int_equal(tp_pin_parse("sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=", h), 0);
    assert_int_equal(h[0], 0x02);
    assert_int_equal(h[1], 0x37);
    char b64[45];
    tp_pin_format_b64(h, b64);
    assert_string_equal(b64, "AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=");
    uint8_t zero[32] = {0};
    tp_pin_format_b64(zero, b64);
    assert_string_equal(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
}

static void test_parse_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        NULL,
        "",
        "sha256/",
        "AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=",              /* no prefix */
        "sha1/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=",
        "SHA256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg=",
        "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayiv=",         /* 31 bytes */
        "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivgA",        /* no padding, 33 */
        "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg==",       /* too long */
        "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhay vg=",        /* space */
        "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhay*vg=",        /* alphabet */
        "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg= ",
        "sha256/AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQh=ayivg=",        /* '=' inside */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t h[32];
        memset(h, 0xAA, sizeof h);
        assert_int_equal(tp_pin_parse(bad[i], h), -1);
        uint8_t zero[32] = {0};
        assert_memory_equal(h, zero, 32);  /* nothing half-written */
    }
}

/* Every built-in pin equals the SPKI SHA-256 recomputed from the certificate file,
 * and every file's key is in the set: the table and the files agree both ways. */
static void test_builtin_matches_certificate_files(void **state)
{
    (void)state;
    tp_pinset *sets = NULL;
    size_t n = 0;
    assert_int_equal(tp_pins_builtin(&sets, &n), 0);
    const tp_pinset *ms = find(sets, n, "microsoft");
    assert_non_null(ms);
    assert_int_equal(ms->n, N_PINNED);
    for (size_t i = 0; i < N_PINNED; i++) {
        if (access(PINNED_FILES[i], R_OK) != 0) {
            print_message("skipping %s (not installed)\n", PINNED_FILES[i]);
            continue;
        }
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        assert_int_equal(mbedtls_x509_crt_parse_file(&crt, PINNED_FILES[i]), 0);
        uint8_t h[32];
        assert_int_equal(tp_x509_spki_sha256(&crt, h), 0);
        if (!tp_pinset_has(ms, h))
            fail_msg("%s: its SPKI SHA-256 is not in the built-in set", PINNED_FILES[i]);
        /* the table is in file order: position i holds file i */
        assert_memory_equal(ms->spki[i], h, 32);
        mbedtls_x509_crt_free(&crt);
    }
    free_sets(sets, n);
}

static void test_builtin_appends(void **state)
{
    (void)state;
    tp_pinset *sets = calloc(1, sizeof *sets);
    assert_non_null(sets);
    sets[0].name = strdup("custom");
    size_t n = 1;
    assert_int_equal(tp_pins_builtin(&sets, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(sets[0].name, "custom");
    assert_string_equal(sets[1].name, "microsoft");
    free_sets(sets, n);
    assert_int_equal(tp_pins_builtin(NULL, &n), -1);
}

static void test_pinset_has(void **state)
{
    (void)state;
    uint8_t a[1][32];
    memset(a[0], 7, 32);
    tp_pinset ps = {.name = "x", .spki = a, .n = 1};
    uint8_t h[32];
    memset(h, 7, 32);
    assert_true(tp_pinset_has(&ps, h));
    h[31] = 8;
    assert_false(tp_pinset_has(&ps, h));
    assert_false(tp_pinset_has(NULL, h));
    tp_pinset empty = {.name = "e", .spki = NULL, .n = 0};
    assert_false(tp_pinset_has(&empty, h));
}

/* The current anchors are compiled in: trusted with the system bundle off (a container
 * without ca-certificates), alongside the two 2011 certificates. */
static void test_current_anchors_compiled_in(void **state)
{
    (void)state;
    tp_config cfg;
    tp_castore cs;
    char err[256] = "";
    memset(&cfg, 0, sizeof cfg);
    cfg.system_ca = false;
    assert_int_equal(tp_castore_init(&cs, &cfg.ca_files, cfg.system_ca, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(cs.n_anchors, 5);
    tp_castore_free(&cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format_roundtrip),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_builtin_matches_certificate_files),
        cmocka_unit_test(test_builtin_appends),
        cmocka_unit_test(test_pinset_has),
        cmocka_unit_test(test_current_anchors_compiled_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
