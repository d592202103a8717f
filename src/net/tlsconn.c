/* tlsconn.c — mbedTLS client over memory buffers. The BIO callbacks read from the pending
 * ciphertext queue (WANT_READ when empty, 0 at EOF) and write through the caller's send
 * callback. The first bytes the peer sent are kept so that an answer which is not TLS at
 * all (an HTTP error page, a banner, garbage) is named as such. */
#include "net/tlsconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/version.h>

#include "net/resolver.h"
#include "pki/x509.h"

#if MBEDTLS_VERSION_MAJOR >= 3
#define TP_SSL_PRIV(field) MBEDTLS_PRIVATE(field)
#else
#define TP_SSL_PRIV(field) field
#endif

#define TP_TLS_MAX_PENDING (1u << 20)

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    tp_tlsconn *c = ctx;
    if (c->send(c->ud, buf, len) != 0)
        return MBEDTLS_ERR_NET_CONN_RESET;
    return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    tp_tlsconn *c = ctx;
    size_t avail = c->in_len - c->in_off;
    if (avail == 0)
        return c->eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = avail < len ? avail : len;
    if (n > (size_t)0x7fffffff)
        n = 0x7fffffff;
    memcpy(buf, c->in + c->in_off, n);
    c->in_off += n;
    if (c->in_off == c->in_len)
        c->in_off = c->in_len = 0;
    return (int)n;
}

int tp_tls_init(tp_tlsconn *c, const mbedtls_ssl_config *conf, const char *host, tp_tls_send_fn send,
                void *ud)
{
    memset(c, 0, sizeof *c);
    c->send = send;
    c->ud = ud;
    tp_tls_snoop_init(&c->snoop);
    mbedtls_ssl_init(&c->ssl);
    c->ssl_ok = true;
    int ret = mbedtls_ssl_setup(&c->ssl, conf);
    if (ret == 0)
        ret = mbedtls_ssl_set_hostname(&c->ssl, host);
    if (ret == 0)
        mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
    return ret;
}

int tp_tls_feed(tp_tlsconn *c, const uint8_t *data, size_t len)
{
    size_t keep = TP_TLS_SNIFF - c->sniff_len;
    if (keep > len)
        keep = len;
    memcpy(c->sniff + c->sniff_len, data, keep);
    c->sniff_len += keep;
    if (len == 0)
        return 0;
    tp_tls_snoop_feed(&c->snoop, data, len);
    if (c->in_off > 0) { /* compact before growing */
        memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
        c->in_len -= c->in_off;
        c->in_off = 0;
    }
    if (len > TP_TLS_MAX_PENDING - c->in_len)
        return -1;
    if (c->in_len + len > c->in_cap) {
        size_t cap = c->in_cap ? c->in_cap : 4096;
        while (cap < c->in_len + len)
            cap *= 2;
        uint8_t *nb = realloc(c->in, cap);
        if (!nb)
            return -1;
        c->in = nb;
        c->in_cap = cap;
    }
    memcpy(c->in + c->in_len, data, len);
    c->in_len += len;
    return 0;
}

void tp_tls_eof(tp_tlsconn *c)
{
    c->eof = true;
}

int tp_tls_handshake(tp_tlsconn *c)
{
    int ret = mbedtls_ssl_handshake(&c->ssl);
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
        return TP_TLS_AGAIN;
    return ret;
}

int tp_tls_write(tp_tlsconn *c, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        int ret = mbedtls_ssl_write(&c->ssl, buf, len);
        if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ)
            continue; /* our send callback never blocks: this cannot loop for long */
        if (ret < 0)
            return ret;
        buf += ret;
        len -= (size_t)ret;
    }
    return 0;
}

int tp_tls_read(tp_tlsconn *c, uint8_t *buf, size_t len)
{
    int ret;
    do {
        ret = mbedtls_ssl_read(&c->ssl, buf, len);
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
        /* mbedTLS 3.x with TLS 1.3: a ticket after the handshake is not an error */
    } while (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET);
#else
    } while (0);
#endif
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
        return -TP_TLS_AGAIN;
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF)
        return 0;
    return ret;
}

const char *tp_tls_alert_name(int d)
{
    switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return NULL;
    }
}

/* A TLS record starts with a content type 20..23 and major version 3. */
static bool sniff_is_tls(const tp_tlsconn *c)
{
    if (c->sniff_len == 0)
        return true; /* nothing seen: not evidence of anything */
    if (c->sniff[0] < 20 || c->sniff[0] > 23)
        return false;
    return c->sniff_len < 2 || c->sniff[1] == 3;
}

static void sniff_preview(const tp_tlsconn *c, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < c->sniff_len && j + 5 < n; i++) {
        uint8_t b = c->sniff[i];
        if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\')
            out[j++] = (char)b;
        else
            j += (size_t)snprintf(out + j, n - j, "\\x%02x", b);
    }
    out[j < n ? j : n - 1] = '\0';
}

void tp_tls_classify(const tp_tlsconn *c, int ret, tp_outcome *code, char *msg, size_t msglen)
{
    char text[160];
    mbedtls_strerror(ret, text, sizeof text);
    if (!sniff_is_tls(c)) {
        char pv[TP_TLS_SNIFF * 4 + 1];
        sniff_preview(c, pv, sizeof pv);
        *code = TP_OC_TLS_NOT_TLS;
        snprintf(msg, msglen, "the peer answered with something that is not TLS: \"%s\"", pv);
        return;
    }
    switch (ret) {
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: {
        int desc = -1;
        const unsigned char *in_msg = c->ssl.TP_SSL_PRIV(in_msg);
        if (in_msg)
            desc = in_msg[1];
        const char *name = tp_tls_alert_name(desc);
        if (desc == 70) {
            /* protocol_version: the server wants a TLS version we do not speak (e.g. 1.3 only) */
            *code = TP_OC_TLS_PROTOCOL;
            snprintf(msg, msglen, "the server rejected the TLS version: fatal alert protocol_version (70)");
            return;
        }
        *code = TP_OC_TLS_ALERT;
        if (name)
            snprintf(msg, msglen, "the server sent a fatal TLS alert: %s (%d)", name, desc);
        else
            snprintf(msg, msglen, "the server sent a fatal TLS alert (%d)", desc);
        return;
    }
    case MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE: {
        /* mbedTLS 2.28 cannot reassemble a handshake message spread over several
         * records ("TLS handshake fragmentation not supported"): in practice a certificate
         * chain above 16 KB. in_hslen holds the message's declared length + 4. */
        size_t hslen = c->ssl.TP_SSL_PRIV(in_hslen), inlen = c->ssl.TP_SSL_PRIV(in_msglen);
        if (hslen > inlen && hslen >= 4) {
            const unsigned char *in_msg = c->ssl.TP_SSL_PRIV(in_msg);
            bool cert = in_msg && in_msg[0] == MBEDTLS_SSL_HS_CERTIFICATE;
            *code = TP_OC_TLS_CHAIN_TOO_LARGE;
            snprintf(msg, msglen, "the server's %s is %zu bytes, above the 16384 one TLS record holds: mbedTLS 2.28 "
                     "cannot reassemble it (a limit of tlspath, not of the network)",
                     cert ? "certificate chain" : "handshake message", hslen - 4);
            return;
        }
        *code = TP_OC_TLS_ERROR;
        snprintf(msg, msglen, "TLS handshake failed: %s (-0x%04x)", text, (unsigned)-ret);
        return;
    }
    case MBEDTLS_ERR_SSL_CONN_EOF:
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        *code = TP_OC_TLS_CLOSED;
        snprintf(msg, msglen, "the peer closed the connection during the TLS handshake");
        return;
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
    case MBEDTLS_ERR_SSL_UNKNOWN_CIPHER:
        *code = TP_OC_TLS_PROTOCOL;
        snprintf(msg, msglen, "TLS version or cipher negotiation failed: %s", text);
        return;
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
    case MBEDTLS_ERR_SSL_UNEXPECTED_RECORD:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE_REQUEST:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO_DONE:
    case MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC:
    case MBEDTLS_ERR_SSL_BAD_HS_FINISHED:
    case MBEDTLS_ERR_SSL_BAD_HS_NEW_SESSION_TICKET:
        *code = TP_OC_TLS_NOT_TLS;
        snprintf(msg, msglen, "the peer's TLS messages are malformed: %s", text);
        return;
    default:
        *code = TP_OC_TLS_ERROR;
        snprintf(msg, msglen, "TLS handshake failed: %s (-0x%04x)", text, (unsigned)-ret);
        return;
    }
}

uint32_t tp_tls_untrusted_mask(void)
{
    return MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_MISSING | MBEDTLS_X509_BADCERT_SKIP_VERIFY |
           MBEDTLS_X509_BADCERT_OTHER | MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
           MBEDTLS_X509_BADCERT_NS_CERT_TYPE | MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
           MBEDTLS_X509_BADCERT_BAD_KEY;
}

int tp_tls_facts(const tp_tlsconn *c, tp_result *r, tp_chain_cache *cache)
{
    int rc = -1;
    free(r->tls_version);
    free(r->tls_cipher);
    r->tls_version = tp_strdup(mbedtls_ssl_get_version(&c->ssl));
    r->tls_cipher = tp_strdup(mbedtls_ssl_get_ciphersuite(&c->ssl));
    if (!r->tls_version || !r->tls_cipher)
        goto done;
    char gb[32], sb[32];
    const char *group = tp_tls_snoop_group(&c->snoop, gb, sizeof gb);
    const char *sigalg = tp_tls_snoop_sigalg(&c->snoop, sb, sizeof sb);
    free(r->tls_group);
    free(r->tls_sigalg);
    r->tls_group = group ? tp_strdup(group) : NULL;
    r->tls_sigalg = sigalg ? tp_strdup(sigalg) : NULL;
    uint32_t flags = mbedtls_ssl_get_verify_result(&c->ssl);
    r->verify_flags = flags;
    r->trusted = !(flags & tp_tls_untrusted_mask());
    r->hostname_ok = !(flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    r->expired = (flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) != 0;

    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
    /* mbedTLS 2.28 compares an IP literal with the CN and dNSName entries only; an
     * iPAddress subjectAltName (what RFC 6125 expects for an address) counts too. */
    if (!r->hostname_ok && peer && r->ep && r->ep->host && tp_is_ip_literal(r->ep->host) &&
        tp_x509_san_ip_match(peer->v3_ext.p, peer->v3_ext.len, r->ep->host) == 1) {
        r->hostname_ok = true;
        r->verify_flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    if (cache && peer) {
        /* a result probed again (a fallback) drops what it had first */
        if (r->chain_shared)
            tp_chain_unref(r->chain);
        r->chain = NULL;
        r->chain_len = 0;
        r->chain_shared = false;
        if (tp_chain_cache_get(cache, peer, r) != 0)
            goto done;
        r->tls_done = true;
        rc = 0;
        goto done;
    }
    size_t n = 0;
    for (const mbedtls_x509_crt *p = peer; p && p->raw.p; p = p->next)
        n++;
    if (n > 0) {
        r->chain = calloc(n, sizeof *r->chain);
        if (!r->chain)
            goto done;
        for (const mbedtls_x509_crt *p = peer; p && p->raw.p && r->chain_len < n; p = p->next) {
            if (tp_x509_cert_info(p, &r->chain[r->chain_len]) != 0) {
                tp_cert_info_free(&r->chain[r->chain_len]);
                memset(&r->chain[r->chain_len], 0, sizeof r->chain[0]);
                continue; /* keep the others: a fact missing is better than none */
            }
            r->chain_len++;
        }
    }
    r->tls_done = true;
    rc = 0;
done:
    return rc;
}

void tp_tls_free(tp_tlsconn *c)
{
    if (c->ssl_ok) {
        mbedtls_ssl_free(&c->ssl);
        c->ssl_ok = false;
    }
    free(c->in);
    c->in = NULL;
    c->in_off = c->in_len = c->in_cap = 0;
}
