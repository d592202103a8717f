/* x509ext_entry.h — body of fuzz_x509ext: the same bytes as a SEQUENCE OF Extension
 * (tp_x509_parse_extensions, tp_x509_san_ip_match), as a cRLDistributionPoints and an
 * authorityInfoAccess extnValue, and as a whole certificate (mbedtls_x509_crt_parse_der,
 * then tp_x509_cert_info when mbedTLS accepts it).
 * Invariants: return codes are 0 / -1 / -2 (san: 1 / 0 / -1); every URL list holds at
 * most 16 URIs of printable ASCII, 1..2048 bytes; cert_info fields are set. */
#ifndef TP_FUZZ_X509EXT_ENTRY_H
#define TP_FUZZ_X509EXT_ENTRY_H
#include <mbedtls/x509_crt.h>

#include "pki/x509.h"
#include "fuzz_common.h"

static void fuzz_x509ext_one(const uint8_t *data, size_t size)
{
    tp_strlist cdp = {0}, ocsp = {0}, cai = {0};
    int rc = tp_x509_parse_extensions(data, size, &cdp, &ocsp, &cai);
    fz_check(rc == 0 || rc == -1 || rc == -2);
    fz_check_urls(&cdp);
    fz_check_urls(&ocsp);
    fz_check_urls(&cai);
    tp_strlist_free(&cdp);
    tp_strlist_free(&ocsp);
    tp_strlist_free(&cai);

    rc = tp_x509_parse_cdp(data, size, &cdp);
    fz_check(rc == 0 || rc == -1 || rc == -2);
    fz_check_urls(&cdp);
    tp_strlist_free(&cdp);

    rc = tp_x509_parse_aia(data, size, &ocsp, &cai);
    fz_check(rc == 0 || rc == -1 || rc == -2);
    fz_check_urls(&ocsp);
    fz_check_urls(&cai);
    tp_strlist_free(&ocsp);
    tp_strlist_free(&cai);

    static const char *const ips[] = {"192.0.2.1", "2001:db8::1", "not-an-ip"};
    for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
        rc = tp_x509_san_ip_match(data, size, ips[i]);
        fz_check(rc == 1 || rc == 0 || rc == -1);
    }

    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse_der(&crt, data, size) == 0) {
        tp_cert_info info;
        memset(&info, 0, sizeof info);
        if (tp_x509_cert_info(&crt, &info) == 0) {
            fz_check(info.subject && info.issuer && info.serial);
            fz_check(info.not_before && info.not_after);
            fz_check(memchr(info.spki_sha256, '\0', sizeof info.spki_sha256) != NULL);
            fz_check(info.der && info.der_len == crt.raw.len);
            fz_check_urls(&info.crl_urls);
            fz_check_urls(&info.ocsp_urls);
            fz_check_urls(&info.ca_issuers);
        }
        tp_cert_info_free(&info);
    }
    mbedtls_x509_crt_free(&crt);
}
#endif
