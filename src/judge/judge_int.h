/* judge_int.h — internal to judge/: what the verdict modules share. Not a public header
 * (layers above use judge/verdict.h).
 *
 *   verdict.c       the driver (prepare / finish), final status, SSLOptions, Windows error
 *   trust.c         trust anchors and parsed chains: who issued what
 *   interception.c  pinning and interception: does the chain come from the origin?
 *   revocation.c    which CRLs a run needs, and each certificate judged against them
 *   crlwork.c       each CRL judged for every certificate that needs it, once fetched
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

/* One certificate a CRL must answer for: its parse (a result's parsed chain, borrowed)
 * and its issuer, found when the run's CRLs are planned — on the caller's thread, since
 * the anchors' memo is not thread-safe — and the CRL's verdict once judged. */
typedef struct crl_check {
    const mbedtls_x509_crt *cert;
    const mbedtls_x509_crt *issuer;   /* NULL: not in the chain nor the store */
    tp_crl_verdict v;
    size_t same;        /* the check judged for it: itself, or an earlier equal one */
} crl_check;

typedef enum slot_state {
    SLOT_PENDING = 0,   /* not judged yet (its body, if any, is still in f[i]) */
    SLOT_JUDGED,        /* every check has its verdict; the bytes are freed */
    SLOT_STOPPED        /* the judgement did not end in time (crl_timeout): bytes freed */
} slot_state;

typedef struct slot_info {
    crl_check *checks;  /* every distinct certificate of the run that needs this CRL */
    size_t n_checks, cap_checks;
    slot_state state;
    bool fetched;       /* a 2xx body came back */
    tp_outcome stopped_by;  /* SLOT_STOPPED: TP_OC_CRL_TIMEOUT or TP_OC_CANCELLED */
} slot_info;

/* The CRLs of a run: f[i] is what the caller fills (one entry per (URL, route)); info[i]
 * what the judge knows of it. Each CRL is judged once, for all its checks, as soon as it is
 * fetched (tp_verdict_crl_work, on a worker thread) or else when finish first needs it —
 * then its bytes are freed: a run holds a CRL only from its fetch to its judgement. */
typedef struct slots {
    tp_fetch *f;
    slot_info *info;
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
/* Lists the run's CRLs and, for each, the certificates it must answer for (with their
 * issuers, looked up here). 0 or -1 (out of memory). */
int tpj_plan_fetches(const tp_run *run, const parsed_chain *pcs, anchors *a, size_t max_bytes, slots *s);
long tpj_slot_find(const slots *s, const char *url, const tp_route *rt);
int tpj_judge_revocation(tp_result *r, const parsed_chain *pc, slots *s, time_t now, bool interrupted);

/* ---- crlwork.c ---- */
/* Adds cert (once) to slot i's checks. 0 or -1. */
int tpj_check_add(slots *s, size_t i, const mbedtls_x509_crt *cert, const mbedtls_x509_crt *issuer);
/* Slot i's verdict for cert, or NULL (not among its checks). */
const tp_crl_verdict *tpj_check_verdict(const slots *s, size_t i, const mbedtls_x509_crt *cert);
/* Judges slot i's body for every check and frees it (see tp_verdict_crl_work). */
void tpj_slot_judge(slots *s, size_t i, time_t now, const tp_stop *stop);

/* ---- remediation.c ---- */
char *tpj_remediation_for(const tp_result *r, tp_outcome code);
char *tpj_message_for(const tp_result *r, tp_outcome code, const tp_pinset *ps);
#endif
