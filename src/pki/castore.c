/* castore.c — trust anchors and the shared client ssl_config of one path. */
#include "pki/castore.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>

#include "base/embedded.h"

static size_t count_certs(const mbedtls_x509_crt *c)
{
    size_t n = 0;
    for (; c && c->raw.p; c = c->next)
        n++;
    return n;
}

/* A configured file must exist and yield at least one certificate. */
static int load_file(tp_castore *s, const char *file, char *err, size_t errlen)
{
    size_t before = count_certs(&s->ca);
    int ret = mbedtls_x509_crt_parse_file(&s->ca, file);
    if (ret < 0 || count_certs(&s->ca) == before) {
        char text[128];
        mbedtls_strerror(ret, text, sizeof text);
        snprintf(err, errlen, "CA file %s: no certificate could be loaded (%s)", file,
                 ret < 0 ? text : "no PEM certificate found");
        return -1;
    }
    return 0;
}

static int load_embedded(tp_castore *s, const char *pem, size_t len, const char *what, char *err, size_t errlen)
{
    /* mbedtls_x509_crt_parse wants the PEM's terminating NUL in the length */
    int ret = mbedtls_x509_crt_parse(&s->ca, (const unsigned char *)pem, len + 1);
    if (ret != 0) {
        char text[128];
        mbedtls_strerror(ret, text, sizeof text);
        snprintf(err, errlen, "embedded %s: %s", what, text);
        return -1;
    }
    return 0;
}

/* mbedTLS 2.28 keeps an EC key's fixed-base comb table in the key's own group (grp->T),
 * built the first time the key verifies a signature, with no lock: two handshakes on the
 * thread pool verifying against the same EC anchor at once can both build it, and one can
 * free the table the other is reading (ecp.c, ecp_mul_comb). RSA keys lock themselves
 * (MBEDTLS_THREADING_C). Building every EC anchor's table here, on one thread before any
 * handshake runs, leaves the handshakes only reading it. About 1 ms per EC anchor. Returns
 * how many tables were built. */
static size_t warm_ec_anchors(tp_castore *s, mbedtls_ctr_drbg_context *rng)
{
    size_t n = 0;
    mbedtls_ecp_point R;
    mbedtls_mpi one;
    mbedtls_ecp_point_init(&R);
    mbedtls_mpi_init(&one);
    if (mbedtls_mpi_lset(&one, 1) == 0)
        for (mbedtls_x509_crt *c = &s->ca; c && c->raw.p; c = c->next) {
            if (!mbedtls_pk_can_do(&c->pk, MBEDTLS_PK_ECKEY))
                continue;
            mbedtls_ecp_keypair *ec = mbedtls_pk_ec(c->pk);
            if (!ec || ec->grp.T || mbedtls_ecp_get_type(&ec->grp) != MBEDTLS_ECP_TYPE_SHORT_WEIERSTRASS)
                continue;
            /* 1·G through the comb: the table is the generator's, so the group keeps it */
            if (mbedtls_ecp_mul(&ec->grp, &R, &one, &ec->grp.G, rng ? mbedtls_ctr_drbg_random : NULL, rng) == 0 &&
                ec->grp.T)
                n++;
        }
    mbedtls_ecp_point_free(&R);
    mbedtls_mpi_free(&one);
    return n;
}

int tp_castore_init(tp_castore *s, const tp_strlist *ca_files, bool system_ca, const tp_path *path,
                    mbedtls_ctr_drbg_context *rng, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    mbedtls_x509_crt_init(&s->ca);
    mbedtls_ssl_config_init(&s->conf);

    if (system_ca && access(TP_SYSTEM_CA_BUNDLE, R_OK) == 0)
        (void)mbedtls_x509_crt_parse_file(&s->ca, TP_SYSTEM_CA_BUNDLE); /* > 0: some skipped; fine */
    if (load_embedded(s, tp_embed_ms_root_2011, tp_embed_ms_root_2011_len, "Microsoft Root 2011", err, errlen) ||
        load_embedded(s, tp_embed_ms_ca_2011, tp_embed_ms_ca_2011_len, "Microsoft CA 2011", err, errlen) ||
        /* Microsoft's current chains (2017 roots, DigiCert G2): trusted even where the
         * system bundle is off or absent, like the 2011 anchors */
        load_embedded(s, tp_embed_current_anchors, tp_embed_current_anchors_len, "current Microsoft anchors", err,
                      errlen))
        goto fail;
    for (size_t i = 0; ca_files && i < ca_files->n; i++)
        if (load_file(s, ca_files->v[i], err, errlen) != 0)
            goto fail;
    for (size_t i = 0; path && i < path->ca_files.n; i++)
        if (load_file(s, path->ca_files.v[i], err, errlen) != 0)
            goto fail;
    s->n_anchors = count_certs(&s->ca);
    s->n_ec_warmed = warm_ec_anchors(s, rng);

    int ret = mbedtls_ssl_config_defaults(&s->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        snprintf(err, errlen, "TLS configuration failed (-0x%04x)", (unsigned)-ret);
        goto fail;
    }
    /* OPTIONAL: the handshake completes whatever the chain, so every fact is recorded and
     * the verdict stage (not the handshake) decides what an untrusted chain means. */
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
    mbedtls_ssl_conf_ca_chain(&s->conf, &s->ca, NULL);
    mbedtls_ssl_conf_rng(&s->conf, mbedtls_ctr_drbg_random, rng);
    return 0;
fail:
    tp_castore_free(s);
    return -1;
}

void tp_castore_free(tp_castore *s)
{
    mbedtls_ssl_config_free(&s->conf);
    mbedtls_x509_crt_free(&s->ca);
}
