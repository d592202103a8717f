/* castore.h — the trust store and TLS client configuration of one network path, built once
 * per engine run and shared (read-only) by every probe through that path:
 * system bundle (system_ca) + the embedded Microsoft 2011 root and intermediate
 * (Microsoft's service hosts chain to it and Debian lacks it) + ca_files (every path's) +
 * path->ca_files. It takes those, not the whole configuration, so the engine needs none. */
#ifndef TLSPATH_CASTORE_H
#define TLSPATH_CASTORE_H
#include <stddef.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include "core/model.h"

#define TP_SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

typedef struct tp_castore {
    const tp_path *path;     /* borrowed */
    mbedtls_x509_crt ca;
    mbedtls_ssl_config conf;
    size_t n_anchors;        /* certificates loaded */
    size_t n_ec_warmed;      /* EC anchors whose comb table was built at load (see castore.c) */
} tp_castore;

/* Builds the store for path (NULL path = no path-specific files) and a client ssl_config with
 * VERIFY_OPTIONAL, the given RNG. A missing or unreadable configured CA file is an error (err
 * names the file); a missing system bundle is not (the store is simply smaller).
 * Returns 0 or -1. */
int tp_castore_init(tp_castore *s, const tp_strlist *ca_files, bool system_ca, const tp_path *path,
                    mbedtls_ctr_drbg_context *rng, char *err, size_t errlen);
void tp_castore_free(tp_castore *s);
#endif
