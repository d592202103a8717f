/* tlsprofile.c — named client profiles (see tlsprofile.h).
 *
 * windows: Windows 11 v22H2+ / Windows 10 22H2 Schannel defaults for TLS 1.2.
 *   Cipher suites, in the priority order of "TLS Cipher Suites in Windows 11 v22H2 and later"
 *   https://learn.microsoft.com/en-us/windows/win32/secauthn/tls-cipher-suites-in-windows-11-v22h2
 *   (the TLS 1.3 suites at the head of that list need TLS 1.3, which mbedTLS 2.28 does not
 *   speak; the NULL and PSK suites at its tail are never offered by a default client — NULL is
 *   filtered by SCH_USE_STRONG_CRYPTO, PSK needs a configured key).
 *   Groups: x25519, secp256r1, secp384r1 (Schannel's default curve order, "ECC Curve Order").
 *   Signature algorithms: Schannel offers rsa_pss_rsae_sha256/384/512, then rsa_pkcs1 and
 *   ecdsa with sha256, sha384, sha1, sha512. mbedTLS 2.28 builds the TLS 1.2 list from a hash
 *   list only (ecdsa+hash, rsa+hash for each hash) and has no RSA-PSS in TLS 1.2, so the
 *   hashes follow Schannel's order: sha256, sha384, sha1, sha512.
 * openssl: OpenSSL 3 defaults (what curl on the macOS / Linux agent offers over TLS 1.2):
 *   ECDHE-ECDSA/RSA with AES-GCM and ChaCha20 first, DHE-RSA next, then the CBC suites;
 *   groups x25519, secp256r1, x448 (absent in mbedTLS), secp521r1, secp384r1. */
#include "net/tlsprofile.h"

#include <string.h>
#include <uv.h>
#include <mbedtls/ssl_ciphersuites.h>

static const int windows_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA,
    0,
};
static const mbedtls_ecp_group_id windows_groups[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE,
};
static const int windows_hashes[] = {
    MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA1, MBEDTLS_MD_SHA512, MBEDTLS_MD_NONE,
};

static const int openssl_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_256_CBC_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
    MBEDTLS_TLS_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_RSA_WITH_AES_256_CBC_SHA,
    MBEDTLS_TLS_RSA_WITH_AES_128_CBC_SHA,
    0,
};
static const mbedtls_ecp_group_id openssl_groups[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP521R1, MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};
static const int openssl_hashes[] = {
    MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512, MBEDTLS_MD_SHA224, MBEDTLS_MD_NONE,
};

static const tp_tls_profile profiles[] = {
    [TP_TLSP_WINDOWS] = {"windows", windows_suites, windows_groups, windows_hashes},
    [TP_TLSP_OPENSSL] = {"openssl", openssl_suites, openssl_groups, openssl_hashes},
};

const tp_tls_profile *tp_tls_profile_get(tp_tls_profile_id id)
{
    if ((unsigned)id >= sizeof profiles / sizeof profiles[0])
        id = TP_TLSP_WINDOWS;
    return &profiles[id];
}

int tp_tls_profile_parse(const char *name)
{
    for (size_t i = 0; name && i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(name, profiles[i].name) == 0)
            return (int)i;
    return -1;
}

/* The library's build may lack a suite: offer only what it has, keeping the order. The
 * filtered copies live as long as the process (mbedtls_ssl_config keeps the pointer). */
#define TP_MAX_SUITES 64
#define TP_N_PROFILES (sizeof profiles / sizeof profiles[0])
static int filtered[TP_N_PROFILES][TP_MAX_SUITES + 1];
static uv_once_t filter_once = UV_ONCE_INIT;

static void filter_all(void)
{
    for (size_t pi = 0; pi < TP_N_PROFILES; pi++) {
        size_t n = 0;
        for (const int *s = profiles[pi].ciphersuites; *s && n < TP_MAX_SUITES; s++)
            if (mbedtls_ssl_ciphersuite_from_id(*s))
                filtered[pi][n++] = *s;
        filtered[pi][n] = 0;
    }
}

void tp_tls_profile_apply(mbedtls_ssl_config *conf, const tp_tls_profile *p)
{
    uv_once(&filter_once, filter_all);
    size_t pi = (size_t)(p - profiles);
    mbedtls_ssl_conf_ciphersuites(conf, filtered[pi < TP_N_PROFILES ? pi : 0]);
    mbedtls_ssl_conf_curves(conf, p->groups);
    mbedtls_ssl_conf_sig_hashes(conf, p->sig_hashes);
}
