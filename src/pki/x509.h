/* x509.h — chain facts from mbedTLS certificates: names, serial, validity, SPKI SHA-256,
 * CRL Distribution Points and AIA URLs (which mbedTLS 2.28 does not parse: the raw
 * extensions are walked with mbedtls_asn1_*). */
#ifndef TLSPATH_X509_H
#define TLSPATH_X509_H
#include <mbedtls/x509_crt.h>
#include "core/model.h"

/* Fills every field of *out from crt (copies the DER). Returns 0 or -1. */
int tp_x509_cert_info(const mbedtls_x509_crt *crt, tp_cert_info *out);
/* SHA-256 of the certificate's SubjectPublicKeyInfo DER. */
int tp_x509_spki_sha256(const mbedtls_x509_crt *crt, uint8_t out[32]);
/* Sans-I/O: the extnValue of cRLDistributionPoints (a DER SEQUENCE) -> URI list.
 * Returns 0, or -1 on malformed input (urls may hold what was parsed before).
 * (All three parsers: -2 on allocation failure. Only URIs (GeneralName [6]) of printable
 * ASCII, 1..2048 bytes, are kept, at most 16 per list, duplicates dropped.) */
int tp_x509_parse_cdp(const uint8_t *der, size_t len, tp_strlist *urls);
/* Sans-I/O: the extnValue of authorityInfoAccess -> OCSP and caIssuers URIs. */
int tp_x509_parse_aia(const uint8_t *der, size_t len, tp_strlist *ocsp, tp_strlist *ca_issuers);
/* Sans-I/O: walks a SEQUENCE OF Extension (crt->v3_ext) and fills the URL lists. */
int tp_x509_parse_extensions(const uint8_t *der, size_t len, tp_strlist *cdp, tp_strlist *ocsp,
                             tp_strlist *ca_issuers);
/* Sans-I/O: 1 when the subjectAltName in a SEQUENCE OF Extension (crt->v3_ext) names the
 * IP literal ip as an iPAddress, 0 when not (or ip is not an IP literal), -1 when malformed.
 * mbedTLS 2.28 matches dNSName entries only. */
int tp_x509_san_ip_match(const uint8_t *der, size_t len, const char *ip);
#endif
