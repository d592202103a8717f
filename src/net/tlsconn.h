/* tlsconn.h — an mbedTLS client over memory buffers (no sockets): ciphertext from the
 * wire is fed in, ciphertext to the wire leaves through a callback. WANT_READ/WANT_WRITE
 * are the only "again"; every other failure is classified with a stable code.
 * Version differences (2.28 vs 3.x) stay in tlsconn.c / castore.c. */
#ifndef TLSPATH_TLSCONN_H
#define TLSPATH_TLSCONN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mbedtls/ssl.h>
#include "core/model.h"
#include "net/chaincache.h"
#include "net/tlssnoop.h"

/* Sends len bytes of ciphertext to the peer. Returns 0, or -1 (the connection is gone). */
typedef int (*tp_tls_send_fn)(void *ud, const uint8_t *buf, size_t len);

#define TP_TLS_SNIFF 16

typedef struct tp_tlsconn {
    mbedtls_ssl_context ssl;
    bool ssl_ok;
    uint8_t *in;             /* pending ciphertext from the peer */
    size_t in_off, in_len, in_cap;
    bool eof;                /* the peer closed its side */
    uint8_t sniff[TP_TLS_SNIFF]; /* the first bytes the peer sent (not-TLS detection) */
    size_t sniff_len;
    tp_tls_snoop snoop;      /* the server's cleartext flight: group and signature algorithm */
    tp_tls_send_fn send;
    void *ud;
} tp_tlsconn;

enum { TP_TLS_AGAIN = 1 };

/* Sets up a client session on conf (shared, read-only) with SNI = host.
 * Returns 0, or a negative mbedTLS error. */
int tp_tls_init(tp_tlsconn *c, const mbedtls_ssl_config *conf, const char *host, tp_tls_send_fn send,
                void *ud);
/* Appends ciphertext from the peer (bounded: at most 1 MiB pending). Returns 0 or -1. */
int tp_tls_feed(tp_tlsconn *c, const uint8_t *data, size_t len);
/* Notes that the peer closed its side (pending bytes are still consumed first). */
void tp_tls_eof(tp_tlsconn *c);
/* Drives the handshake. Returns 0 when done, TP_TLS_AGAIN, or a negative mbedTLS error. */
int tp_tls_handshake(tp_tlsconn *c);
/* Writes all of buf. Returns 0 or a negative mbedTLS error. */
int tp_tls_write(tp_tlsconn *c, const uint8_t *buf, size_t len);
/* Reads plaintext. Returns > 0 bytes, 0 at the peer's end of stream (close_notify or EOF),
 * -TP_TLS_AGAIN (i.e. -1) when more ciphertext is needed, or a negative mbedTLS error. */
int tp_tls_read(tp_tlsconn *c, uint8_t *buf, size_t len);
/* Classifies a failed handshake: *code = TP_OC_ for tls_alert | tls_closed | tls_not_tls | tls_protocol |
 * tls_error; msg gets a human explanation (alert name, mbedTLS text, first bytes seen). */
void tp_tls_classify(const tp_tlsconn *c, int ret, tp_outcome *code, char *msg, size_t msglen);
/* Facts after a handshake: version, ciphersuite, chain (leaf first, via tp_x509_cert_info;
 * with a cache, shared with every result that saw the same chain; NULL: a chain of its own),
 * verify flags and the trusted / hostname_ok / expired judgements. Returns 0 or -1 (memory). */
int tp_tls_facts(const tp_tlsconn *c, tp_result *r, tp_chain_cache *cache);
/* Frees the session and buffers (idempotent). */
void tp_tls_free(tp_tlsconn *c);

/* TLS alert description number -> name ("handshake_failure"), or NULL. */
const char *tp_tls_alert_name(int desc);
/* Verify flags that mean "the chain does not anchor in the store". */
uint32_t tp_tls_untrusted_mask(void);
#endif
