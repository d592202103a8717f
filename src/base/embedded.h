/* embedded.h — files compiled into the binary (see cmake/Embed.cmake). */
#ifndef TLSPATH_EMBEDDED_H
#define TLSPATH_EMBEDDED_H
#include <stddef.h>
extern const char tp_embed_catalog_mde[];      /* endpoints/mde.json */
extern const size_t tp_embed_catalog_mde_len;
extern const char tp_embed_ms_root_2011[];     /* certs/microsoft-root-ca-2011.pem */
extern const size_t tp_embed_ms_root_2011_len;
extern const char tp_embed_ms_ca_2011[];       /* certs/microsoft-secure-server-ca-2011.pem */
extern const size_t tp_embed_ms_ca_2011_len;
/* certs/current-anchors.pem: the roots Microsoft's current service chains end in
 * (Microsoft RSA/ECC Root CA 2017, DigiCert Global Root G2); see certs/README.md */
extern const char tp_embed_current_anchors[];
extern const size_t tp_embed_current_anchors_len;
#endif
