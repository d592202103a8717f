/* trust.c — trust anchors and parsed chains: the embedded Microsoft 2011 certificates, the
 * configured CA files and (if enabled) the system bundle, and, for any presented
 * certificate, its issuer — the next presented certificate with that subject, else an
 * anchor whose key really signed it (a name match alone is not enough: an inspection CA may
 * copy a real CA's name). Pinning on the anchor and CRL signature checks rest on this. */
#include "judge/judge_int.h"

#include <mbedtls/sha256.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"

#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* Best effort: the configuration was validated when loaded; a file that vanished since
 * only means fewer issuers can be found (the report then says "no issuer"). */
void tpj_anchors_load(anchors *a, const tp_config *cfg)
{
    mbedtls_x509_crt_init(&a->store);
    (void)mbedtls_x509_crt_parse(&a->store, (const unsigned char *)tp_embed_ms_root_2011,
                                 tp_embed_ms_root_2011_len + 1);
    (void)mbedtls_x509_crt_parse(&a->store, (const unsigned char *)tp_embed_ms_ca_2011,
                                 tp_embed_ms_ca_2011_len + 1);
    for (size_t i = 0; i < cfg->ca_files.n; i++)
        (void)mbedtls_x509_crt_parse_file(&a->store, cfg->ca_files.v[i]);
    for (size_t p = 0; p < cfg->n_paths; p++)
        for (size_t i = 0; i < cfg->paths[p].ca_files.n; i++)
            (void)mbedtls_x509_crt_parse_file(&a->store, cfg->paths[p].ca_files.v[i]);
    if (cfg->system_ca)
        (void)mbedtls_x509_crt_parse_file(&a->store, SYSTEM_CA_BUNDLE);
    a->loaded = true;
}

void tpj_anchors_free(anchors *a)
{
    if (a->loaded)
        mbedtls_x509_crt_free(&a->store);
    a->loaded = false;
    free(a->memo);
    a->memo = NULL;
    a->n_memo = a->cap_memo = 0;
}

bool tpj_raw_eq(const mbedtls_x509_buf *x, const mbedtls_x509_buf *y)
{
    return x->len == y->len && x->p && y->p && memcmp(x->p, y->p, x->len) == 0;
}

static bool signed_by(const mbedtls_x509_crt *c, const mbedtls_x509_crt *issuer)
{
    return tp_crl_verify_sig(issuer, &c->tbs, c->sig_md, c->sig_pk, c->sig_opts, &c->sig) == 0;
}

/* The store certificate named as c's issuer whose key signed c (a name match alone is
 * not enough: an inspection CA may copy a real CA's name). */
static const mbedtls_x509_crt *anchors_search(const anchors *a, const mbedtls_x509_crt *c)
{
    for (const mbedtls_x509_crt *k = &a->store; k && k->raw.p; k = k->next)
        if (tpj_raw_eq(&k->subject_raw, &c->issuer_raw) && signed_by(c, k))
            return k;
    return NULL;
}

const mbedtls_x509_crt *tpj_anchors_find_issuer(anchors *a, const mbedtls_x509_crt *c)
{
    if (!a->loaded)
        return NULL;
    uint8_t key[32];
    if (mbedtls_sha256_ret(c->raw.p, c->raw.len, key, 0) != 0)
        return anchors_search(a, c);
    for (size_t i = 0; i < a->n_memo; i++)
        if (memcmp(a->memo[i].cert_sha256, key, 32) == 0)
            return a->memo[i].issuer;
    const mbedtls_x509_crt *found = anchors_search(a, c);
    if (a->n_memo == a->cap_memo) {
        size_t cap = a->cap_memo ? a->cap_memo * 2 : 16;
        anchor_memo *m = realloc(a->memo, cap * sizeof *m);
        if (!m)
            return found;   /* no memo, same answer */
        a->memo = m;
        a->cap_memo = cap;
    }
    memcpy(a->memo[a->n_memo].cert_sha256, key, 32);
    a->memo[a->n_memo].issuer = found;
    a->n_memo++;
    return found;
}

int tpj_chain_parse(const tp_result *r, parsed_chain *pc)
{
    memset(pc, 0, sizeof *pc);
    if (r->chain_len == 0)
        return 0;
    pc->crt = calloc(r->chain_len, sizeof *pc->crt);
    pc->ok = calloc(r->chain_len, sizeof *pc->ok);
    if (!pc->crt || !pc->ok) {
        free(pc->crt);
        free(pc->ok);
        memset(pc, 0, sizeof *pc);
        return -1;
    }
    pc->n = r->chain_len;
    for (size_t i = 0; i < pc->n; i++) {
        mbedtls_x509_crt_init(&pc->crt[i]);
        pc->ok[i] = r->chain[i].der &&
                    mbedtls_x509_crt_parse_der(&pc->crt[i], r->chain[i].der,
                                               r->chain[i].der_len) == 0;
    }
    return 0;
}

void tpj_chain_free(parsed_chain *pc)
{
    if (pc->borrowed) {
        memset(pc, 0, sizeof *pc);
        return;
    }
    for (size_t i = 0; i < pc->n; i++)
        mbedtls_x509_crt_free(&pc->crt[i]);
    free(pc->crt);
    free(pc->ok);
    memset(pc, 0, sizeof *pc);
}

/* Issuer of chain[i]: the next presented certificate whose subject is its issuer name
 * (preferring i+1), else a trust anchor that signed it, else NULL. */
const mbedtls_x509_crt *tpj_chain_issuer(const parsed_chain *pc, size_t i, anchors *a)
{
    if (!pc->ok[i])
        return NULL;
    const mbedtls_x509_crt *c = &pc->crt[i];
    if (i + 1 < pc->n && pc->ok[i + 1] && tpj_raw_eq(&pc->crt[i + 1].subject_raw, &c->issuer_raw))
        return &pc->crt[i + 1];
    for (size_t j = 0; j < pc->n; j++)
        if (j != i && pc->ok[j] && tpj_raw_eq(&pc->crt[j].subject_raw, &c->issuer_raw))
            return &pc->crt[j];
    return tpj_anchors_find_issuer(a, c);
}

bool tpj_has_chain(const tp_result *r)
{
    return r->tls_done && r->chain && r->chain_len > 0;
}
