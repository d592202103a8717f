/* tp_testpki.h — helpers shared by test_x509 / test_crl / test_verdict (header-only so
 * each cmocka binary stays self-contained): a throw-away PKI made by mkpki.sh in a
 * mkdtemp directory, file slurping, and a tiny DER builder for hostile inputs. */
#ifndef TP_TESTPKI_H
#define TP_TESTPKI_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <mbedtls/x509_crt.h>

static char tp_pki_dir[256];

/* Creates the PKI once per binary. Returns 0 or -1. */
static inline int tp_pki_setup(void **state)
{
    (void)state;
    snprintf(tp_pki_dir, sizeof tp_pki_dir, "/tmp/tp-pki-XXXXXX");
    if (!mkdtemp(tp_pki_dir))
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh '%s/tests/unit/mkpki.sh' '%s' >/dev/null 2>&1",
             TLSPATH_SOURCE_DIR, tp_pki_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static inline int tp_pki_teardown(void **state)
{
    (void)state;
    char cmd[512];
    if (tp_pki_dir[0] && strncmp(tp_pki_dir, "/tmp/tp-pki-", 12) == 0) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tp_pki_dir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

static inline void tp_pki_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tp_pki_dir, name);
}

/* Reads a whole file (<= 1 MiB) into an exact-size malloc buffer (so ASan sees
 * any over-read). Fails the test on error. */
static inline uint8_t *tp_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t tmp[1 << 16];
    size_t n = fread(tmp, 1, sizeof tmp, f);
    fclose(f);
    assert_true(n > 0 && n < sizeof tmp);
    uint8_t *b = malloc(n);
    assert_non_null(b);
    memcpy(b, tmp, n);
    *len = n;
    return b;
}

static inline uint8_t *tp_pki_slurp(const char *name, size_t *len)
{
    char p[512];
    tp_pki_path(p, sizeof p, name);
    return tp_slurp(p, len);
}

/* Parses one PKI certificate into crt (caller frees). */
static inline void tp_pki_crt(const char *name, mbedtls_x509_crt *crt)
{
    char p[512];
    tp_pki_path(p, sizeof p, name);
    mbedtls_x509_crt_init(crt);
    assert_int_equal(mbedtls_x509_crt_parse_file(crt, p), 0);
}

/* ---- a tiny DER writer: tlv() appends tag+len+content into a bounded buffer ---- */
typedef struct tp_der {
    uint8_t b[8192];
    size_t n;
} tp_der;

static inline void tp_der_raw(tp_der *d, const void *p, size_t n)
{
    assert_true(d->n + n <= sizeof d->b);
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static inline void tp_der_tlv(tp_der *d, uint8_t tag, const void *content, size_t n)
{
    uint8_t h[4];
    size_t hn = 0;
    h[hn++] = tag;
    if (n < 0x80) {
        h[hn++] = (uint8_t)n;
    } else if (n < 0x100) {
        h[hn++] = 0x81;
        h[hn++] = (uint8_t)n;
    } else {
        h[hn++] = 0x82;
        h[hn++] = (uint8_t)(n >> 8);
        h[hn++] = (uint8_t)n;
    }
    tp_der_raw(d, h, hn);
    tp_der_raw(d, content, n);
}

/* Wraps the whole buffer in one TLV. */
static inline void tp_der_wrap(tp_der *d, uint8_t tag)
{
    tp_der tmp = *d;
    d->n = 0;
    tp_der_tlv(d, tag, tmp.b, tmp.n);
}

/* A heap copy of exactly n bytes (ASan then catches any read past the end). */
static inline uint8_t *tp_exact(const void *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    if (n)
        memcpy(b, p, n);
    return b;
}
#endif
