/* crl.h — sans-I/O revocation judgement: CRL bytes (DER or PEM) + a certificate +
 * its issuer certificate + "now" -> good / revoked / unknown(reason).
 *
 * mbedTLS 2.28 cannot tell "no CRL for this issuer" from "not revoked" and rejects
 * CRLs with critical extensions; this module makes each of those cases explicit. */
#ifndef TLSPATH_CRL_H
#define TLSPATH_CRL_H
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/cancel.h"
#include "core/outcome.h"

typedef enum tp_crl_status {
    TP_CRL_GOOD = 0,     /* a current CRL signed by the issuer does not list the serial */
    TP_CRL_REVOKED,      /* a CRL signed by the issuer lists the serial */
    TP_CRL_UNKNOWN       /* the CRL cannot be used: see the reason */
} tp_crl_status;

typedef enum tp_crl_reason {
    TP_CRL_OK = 0,
    TP_CRL_UNPARSABLE,        /* not a CRL (garbage, truncated, wrong type) */
    TP_CRL_CRITICAL_EXT,      /* a critical extension mbedTLS does not support */
    TP_CRL_NO_ISSUER,         /* the issuer certificate is not known */
    TP_CRL_ISSUER_MISMATCH,   /* the CRL is not the certificate's issuer's CRL */
    TP_CRL_BAD_SIGNATURE,     /* the issuer's key did not sign it (or may not sign CRLs) */
    TP_CRL_NOT_YET_VALID,     /* thisUpdate is in the future */
    TP_CRL_EXPIRED,           /* nextUpdate is in the past */
    TP_CRL_NO_MEMORY,
    TP_CRL_STOPPED            /* the caller's stop flag was set (its deadline passed) */
} tp_crl_reason;

typedef struct tp_crl_verdict {
    tp_crl_status status;
    tp_crl_reason reason;
} tp_crl_verdict;

#define TP_CRL_SIG_MEMO 8

/* A parsed CRL (possibly several concatenated PEM CRLs), parsed once, judged many times.
 * The memo remembers signature checks per (CRL, issuer certificate): a run judges the
 * same CRL for hundreds of results, and an ECDSA verification costs milliseconds. */
typedef struct tp_crl {
    mbedtls_x509_crl crl;
    tp_crl_reason parse_reason;  /* TP_CRL_OK when crl holds at least one CRL */
    struct {
        const mbedtls_x509_crl *which;
        uint8_t issuer_sha256[32];  /* of the issuer certificate's DER */
        bool ok;
    } memo[TP_CRL_SIG_MEMO];
    size_t n_memo;
    /* DER input: mbedTLS parses the CRL without its revokedCertificates (a linked list of
     * entries would cost several times the file), the entries are walked in place in the
     * DER bytes and the signature checked over the original TBS bytes there. */
    bool lean;
    mbedtls_x509_buf tbs_full;     /* the original TBSCertList (in own) */
    const uint8_t *revoked;        /* contents of revokedCertificates (in own) */
    size_t revoked_len;
    uint8_t *own;                  /* the DER bytes tbs_full and revoked point into */
    const tp_stop *stop;           /* optional: read between steps of the long walks */
} tp_crl;

/* Parses DER or PEM bytes. Never fails hard: a CRL that cannot be parsed is kept with
 * parse_reason set, and every later judgement says unknown(parse_reason).
 * c keeps its own copy of what it needs: buf may be freed at once. */
void tp_crl_parse(tp_crl *c, const uint8_t *buf, size_t len);
/* The same, taking ownership of the malloc'd buf (freed by now or by tp_crl_free): a
 * DER CRL is then judged in place, with no second copy of a large file. */
void tp_crl_parse_take(tp_crl *c, uint8_t *buf, size_t len);
/* The same, stoppable: the walk over the entries (here and in every later tp_crl_judge)
 * and the signature's hash over a large CRL read *stop every few thousand entries or MiB,
 * and end as unknown(TP_CRL_STOPPED) once it is set — a worker thread judging a 32 MB CRL
 * returns within milliseconds of its deadline. (A PEM or odd-shaped DER CRL goes through
 * mbedTLS's own parse, which cannot be stopped; its cost is bounded by crl_max_bytes.) */
void tp_crl_parse_take_stop(tp_crl *c, uint8_t *buf, size_t len, const tp_stop *stop);
void tp_crl_free(tp_crl *c);

/* Judges cert against c: the CRL whose issuer is cert's issuer is selected, its
 * signature verified with issuer's key (issuer NULL -> unknown(no_issuer)), its
 * thisUpdate/nextUpdate compared with now, and cert's serial looked up.
 * A serial listed by a correctly signed CRL is revoked even when the CRL is stale:
 * revocation is permanent, staleness only hides newer revocations. */
void tp_crl_judge(tp_crl *c, const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer,
                  time_t now, tp_crl_verdict *v);

/* One shot: tp_crl_parse + tp_crl_judge + tp_crl_free. */
void tp_crl_check(const uint8_t *buf, size_t len, const mbedtls_x509_crt *cert,
                  const mbedtls_x509_crt *issuer, time_t now, tp_crl_verdict *v);

/* The reason as a row of the outcome table (TP_OC_CRL_*; TP_OC_NONE for TP_CRL_OK). */
tp_outcome tp_crl_reason_outcome(tp_crl_reason r);
/* Its stable name (the row's, "crl_unparsable" ...), "ok" for TP_CRL_OK. */
const char *tp_crl_reason_name(tp_crl_reason r);
/* Human text for a reason, e.g. "the CRL's nextUpdate is in the past". */
const char *tp_crl_reason_text(tp_crl_reason r);

/* Verifies that issuer's key signed the to-be-signed bytes (crt or crl). Shared with the
 * trust-anchor lookup in verdict.c. Returns 0 when the signature verifies. */
int tp_crl_verify_sig(const mbedtls_x509_crt *issuer, const mbedtls_x509_buf *tbs,
                      mbedtls_md_type_t md, mbedtls_pk_type_t pk, const void *pk_opts,
                      const mbedtls_x509_buf *sig);

/* mbedtls_x509_time -> time_t (UTC). A zero year (absent field) gives 0. */
time_t tp_x509_time_to_epoch(const mbedtls_x509_time *t);
#endif
