/* tlssnoop.h — reads the server's cleartext handshake as it arrives (the bytes before its
 * ChangeCipherSpec) to learn what mbedTLS 2.28 does not expose after the handshake: the key
 * exchange group and the signature algorithm of the ServerKeyExchange. What is seen on the
 * wire is the fact; no library internals are read. Streaming, bounded (it keeps at most one
 * ServerHello / ServerKeyExchange prefix), and it gives up quietly on anything odd. */
#ifndef TLSPATH_NET_TLSSNOOP_H
#define TLSPATH_NET_TLSSNOOP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_SNOOP_KEEP 1100   /* enough for an ECDHE or a DHE-4096 ServerKeyExchange head */

typedef struct tp_tls_snoop {
    bool done;               /* CCS seen, or gave up: nothing more is read */
    uint8_t rec_hdr[5];
    size_t rec_hdr_len;
    size_t rec_left;         /* payload bytes left in the current record */
    uint8_t rec_type;
    uint8_t hs_hdr[4];
    size_t hs_hdr_len;
    size_t hs_left;          /* body bytes left in the current handshake message */
    uint8_t hs_type;
    uint8_t keep[TP_SNOOP_KEEP];
    size_t keep_len;
    /* what was learned */
    int cipher;              /* from the ServerHello, -1 unknown */
    int group;               /* IANA named group id (29 = x25519), -1 none */
    int dh_bits;             /* finite-field DHE: prime size, 0 none */
    int sig_hash, sig_alg;   /* TLS 1.2 SignatureAndHashAlgorithm, -1 unknown */
} tp_tls_snoop;

void tp_tls_snoop_init(tp_tls_snoop *s);
void tp_tls_snoop_feed(tp_tls_snoop *s, const uint8_t *data, size_t len);
/* "x25519", "secp256r1", "ffdhe2048"…, or NULL when no key exchange group was seen (RSA key
 * transport). buf holds a formatted name when needed. */
const char *tp_tls_snoop_group(const tp_tls_snoop *s, char *buf, size_t n);
/* "ecdsa_secp256r1_sha256", "rsa_pkcs1_sha256", "rsa_pss_rsae_sha256"…, or NULL. */
const char *tp_tls_snoop_sigalg(const tp_tls_snoop *s, char *buf, size_t n);
/* A named group id -> name, or NULL. */
const char *tp_tls_group_name(int id);
#endif
