/* x25519.c — see x25519.h for why this file defines an mbedTLS symbol.
 *
 * The definition below is what libmbedcrypto's ECDH reaches through its PLT (the binary's
 * symbols come first in the dynamic linker's search). It must behave exactly like the
 * function it stands in for, for every caller:
 *   - a curve other than Curve25519, or the substitution not (yet) proven: mbedTLS's own;
 *   - Curve25519: the same key and point checks mbedTLS makes first (a private key clamped
 *     as RFC 7748 says, a u-coordinate of at most 32 bytes), then nettle's ladder on the
 *     little-endian forms, the result as mbedTLS gives it (X = u, Z = 1, no Y). An all-zero
 *     result (a small-order point from a hostile server) is the zero point (Z = 0), which
 *     ECDH refuses as mbedTLS does — the handshake fails, the probe says so.
 * nettle's curve25519_mul clears the point's top bit and takes the scalar's bits 3..254
 * (bit 254 set), which is what a key that passed the check already is. */
#define _GNU_SOURCE 1
#include "net/x25519.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>
#include <nettle/curve25519.h>
#include <nettle/version.h>
#include <uv.h>

typedef int (*ecp_mul_fn)(mbedtls_ecp_group *, mbedtls_ecp_point *, const mbedtls_mpi *, const mbedtls_ecp_point *,
                          int (*)(void *, unsigned char *, size_t), void *, mbedtls_ecp_restart_ctx *);

static _Atomic(ecp_mul_fn) real_mul;        /* mbedTLS's, set once by install */
static atomic_bool use_nettle;              /* proven and not switched off */
static atomic_uint_fast64_t nettle_muls;
static tp_x25519_impl impl = TP_X25519_MBEDTLS;
static char why[160] = "mbedTLS (not installed)";
static uv_once_t once = UV_ONCE_INIT;

/* Curve25519 through nettle. Returns an mbedTLS error code (0 = done). */
static int nettle_mul(const mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                      const mbedtls_ecp_point *P)
{
    int ret = mbedtls_ecp_check_privkey(grp, m);
    if (ret == 0)
        ret = mbedtls_ecp_check_pubkey(grp, P);
    if (ret != 0)
        return ret;
    uint8_t n[CURVE25519_SIZE], u[CURVE25519_SIZE], q[CURVE25519_SIZE];
    ret = mbedtls_mpi_write_binary_le(m, n, sizeof n);
    if (ret == 0)
        ret = mbedtls_mpi_write_binary_le(&P->X, u, sizeof u);   /* before R is written: R may be P */
    if (ret == 0) {
        curve25519_mul(q, n, u);
        atomic_fetch_add_explicit(&nettle_muls, 1, memory_order_relaxed);
        uint8_t any = 0;
        for (size_t i = 0; i < sizeof q; i++)
            any |= q[i];
        ret = mbedtls_mpi_read_binary_le(&R->X, q, sizeof q);
        if (ret == 0)
            ret = mbedtls_mpi_lset(&R->Z, any ? 1 : 0);
        mbedtls_mpi_free(&R->Y);
    }
    mbedtls_platform_zeroize(n, sizeof n);
    mbedtls_platform_zeroize(q, sizeof q);
    return ret;
}

int mbedtls_ecp_mul_restartable(mbedtls_ecp_group *grp, mbedtls_ecp_point *R, const mbedtls_mpi *m,
                                const mbedtls_ecp_point *P, int (*f_rng)(void *, unsigned char *, size_t),
                                void *p_rng, mbedtls_ecp_restart_ctx *rs_ctx)
{
    /* bit 255 of u: RFC 7748 (and nettle) ignore it, mbedTLS's ladder would not. Points read
     * off the wire never have it (mbedtls_ecp_point_read_binary clears it); anything else
     * keeps mbedTLS's meaning. */
    if (grp && grp->id == MBEDTLS_ECP_DP_CURVE25519 && R && m && P && mbedtls_mpi_get_bit(&P->X, 255) == 0 &&
        atomic_load_explicit(&use_nettle, memory_order_relaxed))
        return nettle_mul(grp, R, m, P);
    ecp_mul_fn real = atomic_load(&real_mul);
    if (!real) {   /* called before install (a test or a caller of our own): find it now */
        tp_x25519_install();
        real = atomic_load(&real_mul);
    }
    if (!real)
        return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
    return real(grp, R, m, P, f_rng, p_rng, rs_ctx);
}

/* RFC 7748 section 5.2, second vector, through the public ECDH API: the call must reach
 * nettle (the counter moves) and give the RFC's answer. */
static bool proven(void)
{
    static const uint8_t k[32] = {0x4b, 0x66, 0xe9, 0xd4, 0xd1, 0xb4, 0x67, 0x3c, 0x5a, 0xd2, 0x26,
                                  0x91, 0x95, 0x7d, 0x6a, 0xf5, 0xc1, 0x1b, 0x64, 0x21, 0xe0, 0xea,
                                  0x01, 0xd4, 0x2c, 0xa4, 0x16, 0x9e, 0x79, 0x18, 0xba, 0x0d};
    static const uint8_t uin[32] = {0xe5, 0x21, 0x0f, 0x12, 0x78, 0x68, 0x11, 0xd3, 0xf4, 0xb7, 0x95,
                                    0x9d, 0x05, 0x38, 0xae, 0x2c, 0x31, 0xdb, 0xe7, 0x10, 0x6f, 0xc0,
                                    0x3c, 0x3e, 0xfc, 0x4c, 0xd5, 0x49, 0xc7, 0x15, 0xa4, 0x93};
    static const uint8_t want[32] = {0x95, 0xcb, 0xde, 0x94, 0x76, 0xe8, 0x90, 0x7d, 0x7a, 0xad, 0xe4,
                                     0x5c, 0xb4, 0xb8, 0x73, 0xf8, 0x8b, 0x59, 0x5a, 0x68, 0x79, 0x9f,
                                     0xa1, 0x52, 0xe6, 0xf8, 0xf7, 0x64, 0x7a, 0xac, 0x79, 0x57};
    uint8_t kc[32], uc[32], got[32];
    memcpy(kc, k, sizeof kc);
    memcpy(uc, uin, sizeof uc);
    uc[31] &= 127;  /* decodeUCoordinate, as mbedtls_ecp_point_read_binary does */
    kc[0] &= 248;   /* RFC 7748's decodeScalar25519: what mbedTLS expects a key to be already */
    kc[31] &= 127;
    kc[31] |= 64;
    mbedtls_ecp_group g;
    mbedtls_ecp_point Q;
    mbedtls_mpi d, z;
    mbedtls_ecp_group_init(&g);
    mbedtls_ecp_point_init(&Q);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&z);
    uint64_t before = atomic_load(&nettle_muls);
    bool ok = mbedtls_ecp_group_load(&g, MBEDTLS_ECP_DP_CURVE25519) == 0 &&
              mbedtls_mpi_read_binary_le(&d, kc, sizeof kc) == 0 &&
              mbedtls_mpi_read_binary_le(&Q.X, uc, sizeof uc) == 0 && mbedtls_mpi_lset(&Q.Z, 1) == 0 &&
              mbedtls_ecdh_compute_shared(&g, &z, &Q, &d, NULL, NULL) == 0 &&
              mbedtls_mpi_write_binary_le(&z, got, sizeof got) == 0 && memcmp(got, want, sizeof want) == 0 &&
              atomic_load(&nettle_muls) == before + 1;
    mbedtls_ecp_group_free(&g);
    mbedtls_ecp_point_free(&Q);
    mbedtls_mpi_free(&d);
    mbedtls_mpi_free(&z);
    return ok;
}

static void install_once(void)
{
    atomic_store(&real_mul, (ecp_mul_fn)(uintptr_t)dlsym(RTLD_NEXT, "mbedtls_ecp_mul_restartable"));
    if (!atomic_load(&real_mul)) {
        /* mbedTLS linked statically (its definition and ours cannot both exist) or not found:
         * nothing to forward to — the link itself would have failed for the first case. */
        snprintf(why, sizeof why, "mbedTLS (its mbedtls_ecp_mul_restartable was not found: %s)", dlerror());
        return;
    }
    const char *env = getenv("TLSPATH_X25519");
    if (env && !strcmp(env, "mbedtls")) {
        snprintf(why, sizeof why, "mbedTLS (TLSPATH_X25519=mbedtls)");
        return;
    }
    atomic_store(&use_nettle, true);
    if (!proven()) {
        /* the library does not call through the PLT (built -Bsymbolic, or inlined), or
         * nettle disagreed with RFC 7748: mbedTLS's own, unchanged */
        atomic_store(&use_nettle, false);
        snprintf(why, sizeof why, "mbedTLS (the nettle substitution did not prove itself on RFC 7748)");
        return;
    }
    impl = TP_X25519_NETTLE;
    snprintf(why, sizeof why, "nettle %d.%d (mbedTLS's own for every other curve)", nettle_version_major(),
             nettle_version_minor());
}

tp_x25519_impl tp_x25519_install(void)
{
    uv_once(&once, install_once);
    return impl;
}

const char *tp_x25519_describe(void)
{
    tp_x25519_install();
    return why;
}

uint64_t tp_x25519_nettle_count(void)
{
    return atomic_load(&nettle_muls);
}

void tp_x25519_enable(bool on)
{
    tp_x25519_install();
    atomic_store(&use_nettle, on && impl == TP_X25519_NETTLE);
}
