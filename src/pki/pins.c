/*
 * pins.c — built-in pin sets and the "sha256/<base64>" pin syntax.
 *
 * A pin is the SHA-256 of a certificate's SubjectPublicKeyInfo DER (as HPKP defined
 * it). We pin roots and intermediates, never leaves: leaves rotate every few months.
 * How each constant below was derived (and re-checked by tests/unit/test_pins.c from
 * the certificate files) is in docs/verdicts.md.
 */
#include "pki/pins.h"

#include <mbedtls/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIN_PREFIX "sha256/"
#define PIN_B64_LEN 44   /* base64 of 32 bytes: 43 characters and one '=' */

typedef struct builtin_pin {
    const char *what;   /* for readers of this table only */
    const char *b64;
} builtin_pin;

/* The "microsoft" set: the anchors Microsoft's own connectivity test pins for the MDE
 * service hosts (the 2011 root and its intermediate; /work/shared/anchors) plus the
 * roots Azure-hosted endpoints chain to (Debian's ca-certificates, mozilla/). */
static const builtin_pin MICROSOFT_PINS[] = {
    {"Microsoft Root Certificate Authority 2011 (certs/microsoft-root-ca-2011.pem)",
     "AjdtCQisIwQcx9Zm2drxklVPf8NjF6qcuACQhhayivg="},
    /* notAfter 2026-10-18: expired; kept so chains still presenting it are recognised. */
    {"Microsoft Secure Server CA 2011 (certs/microsoft-secure-server-ca-2011.pem)",
     "LGeFnfXVZQ2JS9JdVa4Pa+zTnnRRhtcK8U0h4DSJgnY="},
    /* The current anchors (certs/README.md): Azure's 2026 chains run DigiCert Global Root G2
     * -> Microsoft TLS RSA Root G2 -> Microsoft TLS G2 RSA CA OCSP nn -> leaf, older ones end
     * in the 2017 roots. Compiled in (certs/current-anchors.pem) as well as pinned. */
    {"Microsoft RSA Root Certificate Authority 2017 (certs/microsoft-rsa-root-ca-2017.pem)",
     "svcpi1K/LDysTd/nLeTWgqxYlXWVmC8rYjAa9ZfGmcU="},
    {"Microsoft ECC Root Certificate Authority 2017 (certs/microsoft-ecc-root-ca-2017.pem)",
     "NfU84SZGEeAzQP434ex9TMmGxWE9ynD9BKpEVF8tryg="},
    {"DigiCert Global Root G2 (certs/digicert-global-root-g2.pem)", "i7WTqTvh0OioIruIfFR4kMPnBqrS2rdiVPl/s2uC/CY="},
    {"DigiCert Global Root CA", "r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E="},
    {"DigiCert Global Root G3", "uUwZgwDOxcBXrQcntwu+kYFpkiVkOaezL0WYEZ3anJc="},
    /* notAfter 2025-05-12: expired; cross-signed chains may still present it. */
    {"Baltimore CyberTrust Root", "Y9mvm0exBk1JoQ57f9Vm28jKo5lFm/woKcVxrYxu80o="},
};

static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

int tp_pin_parse(const char *s, uint8_t out[32])
{
    memset(out, 0, 32);
    if (!s || strncmp(s, PIN_PREFIX, strlen(PIN_PREFIX)) != 0)
        return -1;
    const char *b = s + strlen(PIN_PREFIX);
    /* Strict shape first: mbedtls_base64_decode tolerates whitespace and other lengths. */
    if (strlen(b) != PIN_B64_LEN || b[PIN_B64_LEN - 1] != '=')
        return -1;
    for (size_t i = 0; i < PIN_B64_LEN - 1; i++)
        if (!b64_char(b[i]))
            return -1;
    uint8_t tmp[33];
    size_t olen = 0;
    if (mbedtls_base64_decode(tmp, sizeof tmp, &olen, (const unsigned char *)b, PIN_B64_LEN) != 0 ||
        olen != 32)
        return -1;
    memcpy(out, tmp, 32);
    return 0;
}

void tp_pin_format_b64(const uint8_t in[32], char out[45])
{
    size_t olen = 0;
    if (mbedtls_base64_encode((unsigned char *)out, 45, &olen, in, 32) != 0)
        out[0] = '\0';  /* cannot happen: 45 bytes is exactly enough */
}

bool tp_pinset_has(const tp_pinset *ps, const uint8_t spki[32])
{
    if (!ps || !spki)
        return false;
    for (size_t i = 0; i < ps->n; i++)
        if (memcmp(ps->spki[i], spki, 32) == 0)
            return true;
    return false;
}

/* Builds one set from a table. Returns 0 or -1 (nothing to free on failure). */
static int build_set(const char *name, const builtin_pin *pins, size_t n, tp_pinset *out)
{
    memset(out, 0, sizeof *out);
    out->name = tp_strdup(name);
    out->spki = calloc(n, sizeof *out->spki);
    if (!out->name || !out->spki)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        char pin[64];
        if (snprintf(pin, sizeof pin, PIN_PREFIX "%s", pins[i].b64) >= (int)sizeof pin ||
            tp_pin_parse(pin, out->spki[i]) != 0)
            goto fail;
    }
    out->n = n;
    return 0;
fail:
    free(out->name);
    free(out->spki);
    memset(out, 0, sizeof *out);
    return -1;
}

int tp_pins_builtin(tp_pinset **sets, size_t *n)
{
    if (!sets || !n)
        return -1;
    tp_pinset ms;
    if (build_set("microsoft", MICROSOFT_PINS, sizeof MICROSOFT_PINS / sizeof MICROSOFT_PINS[0],
                  &ms) != 0)
        return -1;
    tp_pinset *grown = realloc(*sets, (*n + 1) * sizeof **sets);
    if (!grown) {
        free(ms.name);
        free(ms.spki);
        return -1;
    }
    grown[*n] = ms;
    *sets = grown;
    (*n)++;
    return 0;
}
