/* judge_int.h — internal to judge/: what the verdict modules share. Not a public header
 * (layers above use judge/verdict.h).
 *
 *   verdict.c       the driver (prepare / finish), final status, SSLOptions, Windows error
 *   trust.c         trust anchors and parsed chains: who issued what
 *   interception.c  pinning and interception: does the chain come from the origin?
 *   revocation.c    which CRLs a run needs, and each certificate judged against them
 *   remediation.c   the message and the one remediation line of a result
 *
 * Functions shared between them carry the tpj_ prefix. None of them does I/O. */
#ifndef TLSPATH_JUDGE_INT_H
#define TLSPATH_JUDGE_INT_H
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <mbedtls/x509_crt.h>

#include "core/fetch.h"
#include "core/model.h"
#include "judge/verdict.h"
#include "pki/crl.h"

#define MAX_CRL_URLS_PER_CERT 4   /* Windows tries a few; more is a hostile certificate */

/* ======================= trust anchors ======================= */

/* Issuer lookups remembered by the SHA-256 of the certificate's DER: hundreds of results
 * present the same few top certificates, and each lookup verifies a signature. */
typedef struct anchor_memo {
    uint8_t cert_sha256[32];
    const mbedtls_x509_crt *issuer;   /* NULL = none in the store */
} anchor_memo;

typedef struct anchors {
    mbedtls_x509_crt store;
    bool loaded;
    anchor_memo *memo;
    size_t n_memo, cap_memo;
} anchors;

/* ======================= per-result parsed chain ======================= */

typedef struct parsed_chain {
    mbedtls_x509_crt *crt;   /* one parsed certificate per chain entry */
    bool *ok;                /* parsed? */
    size_t n;
    bool borrowed;           /* another result's parse of the same shared chain: not freed here */
} parsed_chain;

/* The CRLs of a run: fetches[i] is what the caller fills; crl[i] its parse, made on first
 * use (the parse takes the fetched body over). One entry per (URL, route); last[i] is the
 * index of the last result that needs it, after which its CRL is freed. */
typedef struct slots {
    tp_fetch *f;
    tp_crl *crl;
    bool *parsed;
    size_t *last;
    size_t n, cap;
} slots;

/* ---- verdict.c ---- */
void tpj_replace_str(char **dst, char *s);

/* ---- trust.c ---- */
void tpj_anchors_load(anchors *a, const tp_config *cfg);
void tpj_anchors_free(anchors *a);
const mbedtls_x509_crt *tpj_anchors_find_issuer(anchors *a, const mbedtls_x509_crt *c);
int tpj_chain_parse(const tp_result *r, parsed_chain *pc);
void tpj_chain_free(parsed_chain *pc);
const mbedtls_x509_crt *tpj_chain_issuer(const parsed_chain *pc, size_t i, anchors *a);
bool tpj_has_chain(const tp_result *r);
bool tpj_raw_eq(const mbedtls_x509_buf *x, const mbedtls_x509_buf *y);

/* ---- interception.c ---- */
void tpj_judge_pin(const tp_config *cfg, tp_result *r, const parsed_chain *pc, anchors *a);
const tp_path *tpj_effective_path(const tp_result *r);
/* every result's interception facts; 0 or -1 (out of memory) */
int tpj_judge_interception(const tp_config *cfg, tp_run *run);
int tpj_propagate_interception(const tp_config *cfg, tp_run *run);

/* ---- revocation.c ---- */
bool tpj_is_http_url(const char *u);
const tp_route *tpj_crl_route(const tp_result *r);
void tpj_slots_free(slots *s);
/* Frees the bodies and parsed CRLs no result after `user` needs (judgement goes in result
 * order, so a run holds each large CRL only while it is being used). */
void tpj_slots_release(slots *s, size_t user);
int tpj_plan_fetches(const tp_run *run, size_t max_bytes, slots *s);
int tpj_judge_revocation(tp_result *r, const parsed_chain *pc, anchors *a, slots *s, time_t now, bool interrupted);

/* ---- remediation.c ---- */
char *tpj_remediation_for(const tp_result *r, tp_outcome code);
char *tpj_message_for(const tp_result *r, tp_outcome code, const tp_pinset *ps);
#endif
