/* test_export_chain.c — --export-chain: one PEM file per probe that saw a chain, which
 * openssl/mbedTLS read back to the same certificates; names cannot leave the directory;
 * hostile subjects stay on their comment line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <mbedtls/x509_crt.h>

#include "fixture_run.h"
#include "report/export_chain.h"

static void test_export(void **state)
{
    (void)state;
    fx_run f;
    fx_build(&f);
    mbedtls_x509_crt root;
    mbedtls_x509_crt_init(&root);
    assert_int_equal(mbedtls_x509_crt_parse_file(&root, TLSPATH_SOURCE_DIR "/certs/microsoft-root-ca-2011.pem"), 0);
    /* every certificate of the fixture's chains gets real DER (the same one: enough to
     * check the encoding) */
    size_t with_chain = 0;
    for (size_t i = 0; i < f.run.n_results; i++) {
        tp_result *r = &f.run.results[i];
        if (!r->tls_done || !r->chain_len)
            continue;
        with_chain++;
        for (size_t k = 0; k < r->chain_len; k++) {
            tp_cert_info *c = &r->chain[k];
            c->der = malloc(root.raw.len);
            assert_non_null(c->der);
            memcpy(c->der, root.raw.p, root.raw.len);
            c->der_len = root.raw.len;
        }
    }
    assert_true(with_chain > 0);
    /* an id that tries to leave the directory */
    free(f.cat.endpoints[FX_EP_MAPS].id);
    f.cat.endpoints[FX_EP_MAPS].id = fx_s("../../etc/evil");

    char dir[] = "/tmp/tp-export-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *sub = tp_asprintf("%s/chains", dir);
    size_t written = 0;
    char err[512];
    assert_int_equal(tp_export_chains(&f.run, sub, &written, err, sizeof err), 0);
    assert_int_equal(written, with_chain);

    char *file = tp_asprintf("%s/.._.._etc_evil@direct.pem", sub);
    FILE *in = fopen(file, "r");
    if (!in) {
        free(file);
        file = tp_asprintf("%s/_._.._etc_evil@direct.pem", sub);
        in = fopen(file, "r");
    }
    assert_non_null(in);
    char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, in);
    text[n] = '\0';
    fclose(in);
    /* the hostile subject (newline, markup, invalid UTF-8) stays on one comment line */
    assert_non_null(strstr(text, "# subject: CN=<script>"));
    assert_null(strstr(text, "\nslash"));
    assert_int_equal(fx_count(text, "-----BEGIN CERTIFICATE-----"), 3);
    /* and mbedTLS reads back the very certificate */
    mbedtls_x509_crt back;
    mbedtls_x509_crt_init(&back);
    assert_int_equal(mbedtls_x509_crt_parse_file(&back, file), 0);
    assert_int_equal(back.raw.len, root.raw.len);
    assert_memory_equal(back.raw.p, root.raw.p, root.raw.len);
    mbedtls_x509_crt_free(&back);
    free(file);

    char *rm = tp_asprintf("rm -rf '%s'", dir);
    assert_int_equal(system(rm), 0);
    free(rm);
    free(sub);
    mbedtls_x509_crt_free(&root);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
