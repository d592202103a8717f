/* tlsprofile.h — the client TLS profile: which cipher suites, groups and signature hashes a
 * ClientHello offers, in which order. The tester predicts what a device sees, so its
 * ClientHello is shaped like the device's: an OpenSSL server (nginx) picks the client's
 * first group, so offering secp521r1 first (mbedTLS's default) costs every handshake a P-521
 * ECDHE a Windows device never pays. Every ordering lives here, once, per named profile. */
#ifndef TLSPATH_NET_TLSPROFILE_H
#define TLSPATH_NET_TLSPROFILE_H
#include <mbedtls/ssl.h>
#include "core/model.h"

typedef enum tp_tls_profile_id {
    TP_TLSP_WINDOWS = TP_CLIENT_PROFILE_WINDOWS, /* Windows 10/11 Schannel, TLS 1.2 (default) */
    TP_TLSP_OPENSSL = TP_CLIENT_PROFILE_OPENSSL, /* OpenSSL 3 / libcurl (macOS / Linux agent) */
} tp_tls_profile_id;

typedef struct tp_tls_profile {
    const char *name;        /* "windows", "openssl" */
    const int *ciphersuites; /* 0-terminated, in offer order */
    const mbedtls_ecp_group_id *groups; /* MBEDTLS_ECP_DP_NONE-terminated */
    const int *sig_hashes;   /* MBEDTLS_MD_NONE-terminated */
} tp_tls_profile;

/* The profile by id (an unknown id gives the Windows one). */
const tp_tls_profile *tp_tls_profile_get(tp_tls_profile_id id);
/* The id of a profile name ("windows", "openssl"); -1 when unknown. */
int tp_tls_profile_parse(const char *name);
/* Shapes a client ssl_config's ClientHello after the profile (suites the library lacks are
 * left out, so the offer is always a subset of the device's, in its order). */
void tp_tls_profile_apply(mbedtls_ssl_config *conf, const tp_tls_profile *p);
#endif
