/* x25519.h — X25519 for the TLS handshake computed by nettle instead of mbedTLS 2.28.
 *
 * Why: a Windows-shaped ClientHello offers x25519 first and servers take it, so every
 * handshake does two X25519 scalar multiplications. mbedTLS 2.28 computes them with its
 * generic bignum code — 0.82 ms each on this project's 2-core VM, two thirds of a probe's
 * CPU — where nettle (GNU Nettle's libhogweed, in every Debian as a dependency of GnuTLS)
 * takes 0.07 ms with its constant-time field code. mbedTLS 2.28 has no run-time hook for
 * another implementation (MBEDTLS_ECP_ALT and the Everest variant are build options of the
 * library, both off in Debian), but its ECDH calls mbedtls_ecp_mul_restartable() through the
 * shared library's PLT, so the binary's own definition of that symbol takes the call
 * (ordinary ELF interposition). Ours computes Curve25519 with nettle and hands every other
 * curve to mbedTLS's own function (dlsym RTLD_NEXT): the bytes on the wire, the checks on
 * the key and the point, and every other curve stay mbedTLS's.
 *
 * tp_x25519_install() finds mbedTLS's function and proves the substitution on RFC 7748's
 * test vector through the public ECDH API; when anything is off (a statically linked or
 * differently built mbedTLS, TLSPATH_X25519=mbedtls in the environment) every call goes to
 * mbedTLS unchanged: slower, never wrong. */
#ifndef TLSPATH_X25519_H
#define TLSPATH_X25519_H
#include <stdbool.h>
#include <stdint.h>

typedef enum tp_x25519_impl {
    TP_X25519_MBEDTLS = 0,   /* mbedTLS's own (the fallback) */
    TP_X25519_NETTLE = 1,    /* nettle's curve25519_mul, proven on RFC 7748's vector */
} tp_x25519_impl;

/* Once per process (thread-safe, idempotent): decides and returns the implementation. */
tp_x25519_impl tp_x25519_install(void);
/* "nettle 3.8" or "mbedTLS (…why…)": for `tlspath version` and docs. */
const char *tp_x25519_describe(void);
/* Curve25519 multiplications done by nettle since start (tests, benchmarks). */
uint64_t tp_x25519_nettle_count(void);
/* Test seam: false sends every call to mbedTLS (the benchmark's "before"); install first. */
void tp_x25519_enable(bool on);
#endif
