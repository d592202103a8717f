/* chaincache.c — see chaincache.h. */
#include "net/chaincache.h"

#include <stdlib.h>
#include <string.h>
#include <mbedtls/md.h>

#include "pki/x509.h"

static int chain_key(const mbedtls_x509_crt *peer, uint8_t key[32])
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    int rc = mbedtls_md_setup(&ctx, md, 0) || mbedtls_md_starts(&ctx) ? -1 : 0;
    for (const mbedtls_x509_crt *p = peer; rc == 0 && p && p->raw.p; p = p->next) {
        uint8_t len[4] = {(uint8_t)(p->raw.len >> 24), (uint8_t)(p->raw.len >> 16), (uint8_t)(p->raw.len >> 8),
                          (uint8_t)p->raw.len};
        if (mbedtls_md_update(&ctx, len, sizeof len) || mbedtls_md_update(&ctx, p->raw.p, p->raw.len))
            rc = -1;
    }
    if (rc == 0 && mbedtls_md_finish(&ctx, key))
        rc = -1;
    mbedtls_md_free(&ctx);
    return rc;
}

static size_t slot_of(const tp_chain_cache *cc, const uint8_t key[32])
{
    size_t h;
    memcpy(&h, key, sizeof h);
    h &= cc->cap - 1;
    while (cc->t[h].chain && memcmp(cc->t[h].key, key, 32) != 0)
        h = (h + 1) & (cc->cap - 1);
    return h;
}

static int grow(tp_chain_cache *cc)
{
    size_t ncap = cc->cap ? cc->cap * 2 : 16;
    tp_chain_entry *old = cc->t;
    size_t ocap = cc->cap;
    cc->t = calloc(ncap, sizeof *cc->t);
    if (!cc->t) {
        cc->t = old;
        return -1;
    }
    cc->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].chain)
            cc->t[slot_of(cc, old[i].key)] = old[i];
    free(old);
    return 0;
}

/* The facts of every presented certificate, in a fresh shared block. */
static tp_cert_info *build(const mbedtls_x509_crt *peer, size_t n, size_t *len)
{
    tp_cert_info *chain = tp_chain_new(n);
    if (!chain)
        return NULL;
    *len = 0;
    for (const mbedtls_x509_crt *p = peer; p && p->raw.p && *len < n; p = p->next) {
        if (tp_x509_cert_info(p, &chain[*len]) != 0) {
            tp_cert_info_free(&chain[*len]);
            memset(&chain[*len], 0, sizeof chain[0]);
            continue; /* keep the others: a fact missing is better than none */
        }
        (*len)++;
    }
    return chain;
}

int tp_chain_cache_get(tp_chain_cache *cc, const mbedtls_x509_crt *peer, tp_result *r)
{
    size_t n = 0;
    for (const mbedtls_x509_crt *p = peer; p && p->raw.p; p = p->next)
        n++;
    if (n == 0)
        return 0;
    uint8_t key[32];
    if (chain_key(peer, key) != 0)
        return -1;
    if ((cc->n + 1) * 2 > cc->cap && grow(cc) != 0)
        return -1;
    size_t s = slot_of(cc, key);
    if (!cc->t[s].chain) {
        size_t len;
        tp_cert_info *chain = build(peer, n, &len);
        if (!chain)
            return -1;
        memcpy(cc->t[s].key, key, 32);
        cc->t[s].chain = chain;
        cc->t[s].len = len;
        cc->n++;
        cc->misses++;
    } else {
        cc->hits++;
    }
    r->chain = tp_chain_ref(cc->t[s].chain);
    r->chain_len = cc->t[s].len;
    r->chain_shared = true;
    return 0;
}

void tp_chain_cache_free(tp_chain_cache *cc)
{
    for (size_t i = 0; i < cc->cap; i++)
        if (cc->t[i].chain)
            tp_chain_unref(cc->t[i].chain);
    free(cc->t);
    memset(cc, 0, sizeof *cc);
}
