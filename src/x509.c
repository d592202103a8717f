/* x509.c — STUB until the verdicts work lands (owner: verdict helper). */
#include "x509.h"
#include <stdlib.h>
#include <string.h>
int tp_x509_cert_info(const mbedtls_x509_crt *crt, tp_cert_info *out)
{
    memset(out, 0, sizeof *out);
    char buf[1024];
    if (mbedtls_x509_dn_gets(buf, sizeof buf, &crt->subject) >= 0)
        out->subject = tp_strdup(buf);
    if (mbedtls_x509_dn_gets(buf, sizeof buf, &crt->issuer) >= 0)
        out->issuer = tp_strdup(buf);
    out->der = malloc(crt->raw.len);
    if (out->der) {
        memcpy(out->der, crt->raw.p, crt->raw.len);
        out->der_len = crt->raw.len;
    }
    return 0;
}
int tp_x509_spki_sha256(const mbedtls_x509_crt *crt, uint8_t out[32]) { (void)crt; memset(out, 0, 32); return -1; }
int tp_x509_parse_cdp(const uint8_t *der, size_t len, tp_strlist *urls) { (void)der; (void)len; (void)urls; return -1; }
int tp_x509_parse_aia(const uint8_t *der, size_t len, tp_strlist *o, tp_strlist *c) { (void)der; (void)len; (void)o; (void)c; return -1; }
int tp_x509_parse_extensions(const uint8_t *der, size_t len, tp_strlist *a, tp_strlist *b, tp_strlist *c) { (void)der; (void)len; (void)a; (void)b; (void)c; return -1; }
