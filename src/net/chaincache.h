/* chaincache.h — one run's certificate chains, interned: probes of the same service usually
 * see the same chain, so the facts (tp_cert_info, DER copies) are built once per distinct
 * chain and shared by reference among the results (tp_chain_new / tp_chain_ref). Keyed by
 * SHA-256 over the presented chain (each certificate's length and DER). Loop thread only. */
#ifndef TLSPATH_NET_CHAINCACHE_H
#define TLSPATH_NET_CHAINCACHE_H
#include <mbedtls/x509_crt.h>
#include "core/model.h"

typedef struct tp_chain_entry {
    uint8_t key[32];
    tp_cert_info *chain;     /* one reference held by the cache */
    size_t len;
} tp_chain_entry;

typedef struct tp_chain_cache {
    tp_chain_entry *t;
    size_t cap, n;
    size_t hits, misses;
} tp_chain_cache;

/* Sets r->chain, chain_len and chain_shared for the presented chain `peer` (leaf first):
 * the cached block when this exact chain was seen before, else a new one. Returns 0 or -1
 * (memory). */
int tp_chain_cache_get(tp_chain_cache *cc, const mbedtls_x509_crt *peer, tp_result *r);
/* Drops the cache's references (results keep theirs). */
void tp_chain_cache_free(tp_chain_cache *cc);
#endif
