/* test_x25519.c — net/x25519.c: the binary's mbedtls_ecp_mul_restartable takes libmbedcrypto's
 * ECDH calls for Curve25519 and gives exactly mbedTLS's answers (RFC 7748 vectors, random keys
 * against mbedTLS's own ladder, the same refusals), leaves every other curve to mbedTLS, and
 * carries a real TLS handshake where both sides agree on x25519. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <mbedtls/ecdh.h>

#include "testsrv.h"

#include "input/config.h"
#include "net/tlsconn.h"
#include "net/tlsprofile.h"
#include "net/x25519.h"
#include "pki/castore.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;

static int group_setup(void **state)
{
    (void)state;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"x25519", 6) != 0)
        return -1;
    return tp_x25519_install() == TP_X25519_NETTLE ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    tp_x25519_enable(true);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}

static void hex32(const char *hex, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* X25519(k, u) as RFC 7748 defines it (clamping k, masking u's top bit), through mbedTLS's public
 * ECDH API. Returns the mbedTLS status; out is the shared u-coordinate. */
static int x25519(const uint8_t k[32], const uint8_t u[32], uint8_t out[32])
{
    uint8_t kc[32], uc[32];
    memcpy(kc, k, 32);
    memcpy(uc, u, 32);
    kc[0] &= 248;
    kc[31] &= 127;
    kc[31] |= 64;
    uc[31] &= 127;
    mbedtls_ecp_group g;
    mbedtls_ecp_point Q;
    mbedtls_mpi d, z;
    mbedtls_ecp_group_init(&g);
    mbedtls_ecp_point_init(&Q);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    assert_int_equal(mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_CURVE25519), 0);
    assert_int_equal(mbedtls_mpi_read_binary_le(&d, kc, 32), 0);
    assert_int_equal(mbedtls_mpi_read_binary_le(&Q.X, uc, 32), 0);
    assert_int_equal(mbedtls_mpi_lset(&Q.Z, 1), 0);
    int rc = mbedtls_ecdh_compute_shared(&g, &z, &Q, &d, mbedtls_ctr_drbg_random, &drbg);
    if (rc == 0)
        assert_int_equal(mbedtls_mpi_write_binary_le(&z, out, 32), 0);
    mbedtls_ecp_group_free(&g);
    mbedtls_ecp_point_free(&Q);
    mbedtls_mpi_free(&d);
    mbedtls_mpi_free(&z);
    return rc;
}

static void test_rfc7748_vectors(void **state)
{
    (void)state;
    static const char *v[][3] = {
        {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
         "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
         "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
        {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
         "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
         "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t k[32], u[32], want[32], got[32];
        hex32(v[i][0], k);
        hex32(v[i][1], u);
        hex32(v[i][2], want);
        uint64_t before = tp_x25519_nettle_count();
        assert_int_equal(x25519(k, u, got), 0);
        assert_memory_equal(got, want, 32);
        assert_int_equal(tp_x25519_nettle_count(), before + 1);   /* nettle did it */
    }
    assert_non_null(strstr(tp_x25519_describe(), "nettle"));
}

/* Random keys and points: nettle's answer is mbedTLS's own, bit for bit. */
static void test_matches_mbedtls(void **state)
{
    (void)state;
    for (int i = 0; i < 24; i++) {
        uint8_t k[32], u[32], ours[32], theirs[32];
        assert_int_equal(mbedtls_ctr_drbg_random(&drbg, k, sizeof k), 0);
        assert_int_equal(mbedtls_ctr_drbg_random(&drbg, u, sizeof u), 0);
        tp_x25519_enable(true);
        uint64_t before = tp_x25519_nettle_count();
        assert_int_equal(x25519(k, u, ours), 0);
        assert_int_equal(tp_x25519_nettle_count(), before + 1);
        tp_x25519_enable(false);
        assert_int_equal(x25519(k, u, theirs), 0);
        assert_int_equal(tp_x25519_nettle_count(), before + 1);   /* mbedTLS's ladder this time */
        assert_memory_equal(ours, theirs, 32);
    }
    tp_x25519_enable(true);
}

/* Both sides of an ECDH exchange through mbedTLS's context API (what the TLS code calls). */
static void test_ecdh_agreement(void **state)
{
    (void)state;
    mbedtls_ecdh_context a, b;
    mbedtls_ecdh_init(&a);
    mbedtls_ecdh_init(&b);
    assert_int_equal(mbedtls_ecdh_setup(&a, MBEDTLS_ECP_DP_CURVE25519), 0);
    assert_int_equal(mbedtls_ecdh_setup(&b, MBEDTLS_ECP_DP_CURVE25519), 0);
    unsigned char pa[64], pb[64], sa[32], sb[32];
    size_t la, lb, ka, kb;
    uint64_t before = tp_x25519_nettle_count();
    assert_int_equal(mbedtls_ecdh_make_params(&a, &la, pa, sizeof pa, mbedtls_ctr_drbg_random, &drbg), 0);
    const unsigned char *rp = pa;
    assert_int_equal(mbedtls_ecdh_read_params(&b, &rp, pa + la), 0);
    assert_int_equal(mbedtls_ecdh_make_public(&b, &lb, pb, sizeof pb, mbedtls_ctr_drbg_random, &drbg), 0);
    assert_int_equal(mbedtls_ecdh_read_public(&a, pb, lb), 0);
    assert_int_equal(mbedtls_ecdh_calc_secret(&a, &ka, sa, sizeof sa, mbedtls_ctr_drbg_random, &drbg), 0);
    assert_int_equal(mbedtls_ecdh_calc_secret(&b, &kb, sb, sizeof sb, mbedtls_ctr_drbg_random, &drbg), 0);
    assert_int_equal(ka, 32);
    assert_int_equal(kb, 32);
    assert_memory_equal(sa, sb, 32);
    assert_int_equal(tp_x25519_nettle_count(), before + 4);   /* two key pairs, two secrets */
    mbedtls_ecdh_free(&a);
    mbedtls_ecdh_free(&b);
}

/* What mbedTLS refuses, ours refuses: a small-order point (the all-zero secret a hostile server
 * could force) and a private key that is not clamped. */
static void test_refusals(void **state)
{
    (void)state;
    uint8_t k[32], zero[32] = {0}, one[32] = {1}, out[32];
    assert_int_equal(mbedtls_ctr_drbg_random(&drbg, k, sizeof k), 0);
    for (int on = 1; on >= 0; on--) {
        tp_x25519_enable(on);
        assert_int_not_equal(x25519(k, zero, out), 0);
        assert_int_not_equal(x25519(k, one, out), 0);
    }
    tp_x25519_enable(true);

    mbedtls_ecp_group g;
    mbedtls_ecp_point R, P;
    mbedtls_mpi d;
    mbedtls_ecp_group_init(&g);
    mbedtls_ecp_point_init(&R);
    mbedtls_ecp_point_init(&P);
    mbedtls_mpi_init(&d);
    assert_int_equal(mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_CURVE25519), 0);
    assert_int_equal(mbedtls_mpi_lset(&d, 7), 0);   /* low bits set, bit 254 clear */
    assert_int_equal(mbedtls_ecp_mul_restartable(&g, &R, &d, &g.G, mbedtls_ctr_drbg_random, &drbg, NULL),
                     MBEDTLS_ERR_ECP_INVALID_KEY);
    /* R may be P: the point is read before the result is written */
    assert_int_equal(mbedtls_ecp_gen_privkey(&g, &d, mbedtls_ctr_drbg_random, &drbg), 0);
    assert_int_equal(mbedtls_ecp_copy(&P, &g.G), 0);
    assert_int_equal(mbedtls_ecp_mul_restartable(&g, &R, &d, &g.G, mbedtls_ctr_drbg_random, &drbg, NULL), 0);
    assert_int_equal(mbedtls_ecp_mul_restartable(&g, &P, &d, &P, mbedtls_ctr_drbg_random, &drbg, NULL), 0);
    assert_int_equal(mbedtls_ecp_point_cmp(&P, &R), 0);
    mbedtls_ecp_group_free(&g);
    mbedtls_ecp_point_free(&R);
    mbedtls_ecp_point_free(&P);
    mbedtls_mpi_free(&d);
}

/* Other curves are mbedTLS's: the counter stays, the key is valid. */
static void test_other_curves_untouched(void **state)
{
    (void)state;
    static const mbedtls_ecp_group_id ids[] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1};
    for (size_t i = 0; i < 2; i++) {
        mbedtls_ecp_group g;
        mbedtls_ecp_point Q;
        mbedtls_mpi d;
        mbedtls_ecp_group_init(&g);
        mbedtls_ecp_point_init(&Q);
        mbedtls_mpi_init(&d);
        assert_int_equal(mbedtls_ecp_group_load(&g, ids[i]), 0);
        uint64_t before = tp_x25519_nettle_count();
        assert_int_equal(mbedtls_ecdh_gen_public(&g, &d, &Q, mbedtls_ctr_drbg_random, &drbg), 0);
        assert_int_equal(tp_x25519_nettle_count(), before);
        assert_int_equal(mbedtls_ecp_check_pubkey(&g, &Q), 0);
        mbedtls_ecp_group_free(&g);
        mbedtls_ecp_point_free(&Q);
        mbedtls_mpi_free(&d);
    }
}

/* ---------- a real handshake on x25519, both sides in memory ---------- */

typedef struct pipe_buf {
    uint8_t data[64 * 1024];
    size_t len;
} pipe_buf;

static int to_pipe(void *ud, const uint8_t *buf, size_t len)
{
    pipe_buf *p = ud;
    if (len > sizeof p->data - p->len)
        return -1;
    memcpy(p->data + p->len, buf, len);
    p->len += len;
    return 0;
}

static void test_tls_handshake_on_x25519(void **state)
{
    (void)state;
    tpki pki;
    tpki_cert leaf;
    mbedtls_ssl_config server_conf;
    tp_config cfg;
    tp_castore store;
    char err[256];
    assert_int_equal(tpki_init(&pki), 0);
    assert_int_equal(tpki_leaf(&pki, "origin.test", false, &leaf), 0);
    assert_int_equal(tsrv_tls_conf(&server_conf, &pki, &leaf), 0);
    static const mbedtls_ecp_group_id server_groups[] = {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_NONE};
    mbedtls_ssl_conf_curves(&server_conf, server_groups);
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(tp_config_defaults(&cfg), 0);
    assert_int_equal(tp_strlist_add(&cfg.ca_files, pki.ca_file), 0);
    assert_int_equal(tp_castore_init(&store, &cfg.ca_files, false, NULL, &pki.drbg, err, sizeof err), 0);
    tp_tls_profile_apply(&store.conf, tp_tls_profile_get(TP_TLSP_WINDOWS));

    static pipe_buf to_server, to_client;
    to_server.len = to_client.len = 0;
    tp_tlsconn client, server;
    assert_int_equal(tp_tls_init(&client, &store.conf, "origin.test", to_pipe, &to_server), 0);
    assert_int_equal(tp_tls_init(&server, &server_conf, "unused", to_pipe, &to_client), 0);
    uint64_t before = tp_x25519_nettle_count();
    int rc_c = tp_tls_handshake(&client), rc_s = TP_TLS_AGAIN;
    for (int round = 0; round < 20 && (rc_c != 0 || rc_s != 0); round++) {
        if (to_server.len) {
            assert_int_equal(tp_tls_feed(&server, to_server.data, to_server.len), 0);
            to_server.len = 0;
            rc_s = tp_tls_handshake(&server);
        }
        if (to_client.len) {
            assert_int_equal(tp_tls_feed(&client, to_client.data, to_client.len), 0);
            to_client.len = 0;
            rc_c = tp_tls_handshake(&client);
        }
    }
    assert_int_equal(rc_c, 0);
    assert_int_equal(rc_s, 0);
    /* client and server each: one key pair, one shared secret */
    assert_int_equal(tp_x25519_nettle_count(), before + 4);
    tp_result r;
    memset(&r, 0, sizeof r);
    assert_int_equal(tp_tls_facts(&client, &r, NULL), 0);
    assert_string_equal(r.tls_group, "x25519");
    assert_true(r.trusted);
    tp_result_free(&r);
    tp_tls_free(&client);
    tp_tls_free(&server);
    tp_castore_free(&store);
    tp_config_free(&cfg);
    mbedtls_ssl_config_free(&server_conf);
    tpki_cert_free(&leaf);
    tpki_free(&pki);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7748_vectors),
        cmocka_unit_test(test_matches_mbedtls),
        cmocka_unit_test(test_ecdh_agreement),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_other_curves_untouched),
        cmocka_unit_test(test_tls_handshake_on_x25519),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
