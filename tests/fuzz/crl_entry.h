/* crl_entry.h — body of fuzz_crl: tp_crl_parse on the raw bytes (DER or PEM), then
 * tp_crl_judge of a fixed leaf (serial 0x1002, revoked in the seed int.crl) against its
 * fixed issuer, of the issuer itself against no issuer and against itself (issuer
 * mismatch), and a second judgement of the leaf (the signature memo), at a fixed time.
 * The certificates and the seed CRLs come from one run of tests/unit/mkpki.sh (EC P-256,
 * made 2026-11-23). Invariants: status and reason are in range and agree (GOOD and REVOKED
 * carry TP_CRL_OK, UNKNOWN does not; a CRL that did not parse judges unknown(its parse
 * reason); no issuer gives unknown(no_issuer) or the parse reason); reason names exist;
 * the memo holds at most TP_CRL_SIG_MEMO entries. */
#ifndef TP_FUZZ_CRL_ENTRY_H
#define TP_FUZZ_CRL_ENTRY_H
#include <mbedtls/x509_crt.h>

#include "pki/crl.h"
#include "fuzz_common.h"

/* "CN=TP Test Intermediate, O=tlspath lab", issued by the mkpki root. */
static const char fz_crl_issuer_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICIzCCAcmgAwIBAgICAQAwCgYIKoZIzj0EAwIwLTEVMBMGA1UEAwwMVFAgVGVz\n"
    "dCBSb290MRQwEgYDVQQKDAt0bHNwYXRoIGxhYjAeFw0yNjExMjMxMDEzMDZaFw0y\n"
    "NzExMjMxMDEzMDZaMDUxHTAbBgNVBAMMFFRQIFRlc3QgSW50ZXJtZWRpYXRlMRQw\n"
    "EgYDVQQKDAt0bHNwYXRoIGxhYjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHuz\n"
    "Kk6T5T9eNNKZ9O77Fze3O8CmyESkfq5q/2sIgJpbXZLOMmVH0jx5fcLsd6qf+PdH\n"
    "Bsd65z185gDdun1ZN+mjgdAwgc0wEgYDVR0TAQH/BAgwBgEB/wIBADAOBgNVHQ8B\n"
    "Af8EBAMCAQYwHQYDVR0OBBYEFPdOO5IDLYn8uTyk9LFdu5Ucvrx6MB8GA1UdIwQY\n"
    "MBaAFMNKam/XPn3ndAS7dpY+pA2fEW0XMC0GA1UdHwQmMCQwIqAgoB6GHGh0dHA6\n"
    "Ly9jcmwubGFiLnRlc3Qvcm9vdC5jcmwwOAYIKwYBBQUHAQEELDAqMCgGCCsGAQUF\n"
    "BzAChhxodHRwOi8vY3JsLmxhYi50ZXN0L3Jvb3QuY3J0MAoGCCqGSM49BAMCA0gA\n"
    "MEUCIQDbWaPNldYx5et37TiJDQbxw4gwAcIN2liljt5PhwtrRQIgZyhCU6FukN5w\n"
    "YRh3Tf9OaoqdY2CK3O2Thr/eHqXXkCk=\n"
    "-----END CERTIFICATE-----\n"
    ;

/* "CN=revoked.lab.test", serial 0x1002, issued by the intermediate above. */
static const char fz_crl_leaf_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICcTCCAhagAwIBAgICEAIwCgYIKoZIzj0EAwIwNTEdMBsGA1UEAwwUVFAgVGVz\n"
    "dCBJbnRlcm1lZGlhdGUxFDASBgNVBAoMC3Rsc3BhdGggbGFiMB4XDTI2MTEyMzEw\n"
    "MTMwNloXDTI3MTEyMzEwMTMwNlowMTEZMBcGA1UEAwwQcmV2b2tlZC5sYWIudGVz\n"
    "dDEUMBIGA1UECgwLdGxzcGF0aCBsYWIwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
    "AASXV2FU2x3f5n22yOdcT24Gn8fdk2AMqGL1rtCsh8kCY1Cl1Srv0/Zlbo35Ve8S\n"
    "UAgcvqHMcG07Fi4ZocPdvjuKo4IBGDCCARQwCQYDVR0TBAIwADAOBgNVHQ8BAf8E\n"
    "BAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwGAYDVR0RBBEwD4INZ29vZC5sYWIu\n"
    "dGVzdDAsBgNVHR8EJTAjMCGgH6AdhhtodHRwOi8vY3JsLmxhYi50ZXN0L2ludC5j\n"
    "cmwwWgYIKwYBBQUHAQEETjBMMCEGCCsGAQUFBzABhhVodHRwOi8vb2NzcC5sYWIu\n"
    "dGVzdC8wJwYIKwYBBQUHMAKGG2h0dHA6Ly9jcmwubGFiLnRlc3QvaW50LmNydDAd\n"
    "BgNVHQ4EFgQU6drH8FnpFSib/9zsyG3h9jxwm+owHwYDVR0jBBgwFoAU9047kgMt\n"
    "ify5PKT0sV27lRy+vHowCgYIKoZIzj0EAwIDSQAwRgIhAMUGTkvK7nanttOYdFyB\n"
    "x4U6FFuEtnsSzbTdPMOA+tEjAiEA6GKOPvv2gca62AIfzaCE0/Frv9px3rC3Q7W5\n"
    "Vs32lfs=\n"
    "-----END CERTIFICATE-----\n"
    ;

#define FZ_CRL_NOW ((time_t)1796083200) /* 2026-12-01T00:00:00Z: inside int.crl's window */

static mbedtls_x509_crt fz_crl_issuer, fz_crl_leaf;
static bool fz_crl_ready;

static void fz_crl_init(void)
{
    if (fz_crl_ready)
        return;
    mbedtls_x509_crt_init(&fz_crl_issuer);
    mbedtls_x509_crt_init(&fz_crl_leaf);
    fz_check(mbedtls_x509_crt_parse(&fz_crl_issuer, (const unsigned char *)fz_crl_issuer_pem,
                                    sizeof fz_crl_issuer_pem) == 0);
    fz_check(mbedtls_x509_crt_parse(&fz_crl_leaf, (const unsigned char *)fz_crl_leaf_pem,
                                    sizeof fz_crl_leaf_pem) == 0);
    fz_crl_ready = true; /* kept for the life of the process (libFuzzer's leak check is per input) */
}

static void fz_crl_check_verdict(const tp_crl *c, const tp_crl_verdict *v)
{
    fz_check(v->status == TP_CRL_GOOD || v->status == TP_CRL_REVOKED || v->status == TP_CRL_UNKNOWN);
    fz_check(v->reason >= TP_CRL_OK && v->reason <= TP_CRL_NO_MEMORY);
    fz_check((v->status == TP_CRL_UNKNOWN) == (v->reason != TP_CRL_OK));
    fz_check(tp_crl_reason_name(v->reason) != NULL && tp_crl_reason_text(v->reason) != NULL);
    if (c->parse_reason != TP_CRL_OK)
        fz_check(v->status == TP_CRL_UNKNOWN && v->reason == c->parse_reason);
    fz_check(c->n_memo <= TP_CRL_SIG_MEMO);
}

static void fuzz_crl_one(const uint8_t *data, size_t size)
{
    tp_crl c;
    tp_crl_verdict v, v2;

    fz_crl_init();
    tp_crl_parse(&c, data, size);
    fz_check(c.parse_reason >= TP_CRL_OK && c.parse_reason <= TP_CRL_NO_MEMORY);

    tp_crl_judge(&c, &fz_crl_leaf, &fz_crl_issuer, FZ_CRL_NOW, &v);
    fz_crl_check_verdict(&c, &v);
    tp_crl_judge(&c, &fz_crl_leaf, &fz_crl_issuer, FZ_CRL_NOW, &v2);
    fz_crl_check_verdict(&c, &v2);
    fz_check(v.status == v2.status && v.reason == v2.reason); /* the memo changes nothing */

    tp_crl_judge(&c, &fz_crl_issuer, NULL, FZ_CRL_NOW, &v);
    fz_crl_check_verdict(&c, &v);
    fz_check(v.status == TP_CRL_UNKNOWN);
    tp_crl_judge(&c, &fz_crl_issuer, &fz_crl_issuer, (time_t)0, &v);
    fz_crl_check_verdict(&c, &v);
    tp_crl_free(&c);
}
#endif
