/* tlssnoop.c — see tlssnoop.h. Record layer: type(1) version(2) length(2); handshake
 * messages (type(1) length(3)) may span records. ServerHello (2): version(2) random(32)
 * session_id<1> cipher_suite(2). ServerKeyExchange (12), TLS 1.2:
 *   ECDHE: curve_type(1)=3 named_curve(2) point<1> | hash(1) sig(1) signature<2>
 *   DHE:   dh_p<2> dh_g<2> dh_Ys<2>                | hash(1) sig(1) signature<2>
 * The kind of exchange is told by the ServerKeyExchange itself (curve_type 3 and a length
 * that fits), the cipher from the ServerHello confirms it (ECDHE suites are 0xC0xx/0xCCxx). */
#include "net/tlssnoop.h"

#include <stdio.h>
#include <string.h>

void tp_tls_snoop_init(tp_tls_snoop *s)
{
    memset(s, 0, sizeof *s);
    s->cipher = s->group = s->sig_hash = s->sig_alg = -1;
}

static bool ecdhe_suite(int c)
{
    return (c & 0xff00) == 0xc000 || (c & 0xff00) == 0xcc00;
}

static void parse_server_hello(tp_tls_snoop *s, const uint8_t *b, size_t n)
{
    if (n < 35)
        return;
    size_t sid = b[34];
    if (n < 35 + sid + 2)
        return;
    s->cipher = (b[35 + sid] << 8) | b[36 + sid];
}

static void parse_ske(tp_tls_snoop *s, const uint8_t *b, size_t n)
{
    size_t off;
    if (ecdhe_suite(s->cipher)) {
        if (n < 4 || b[0] != 3)
            return;
        s->group = (b[1] << 8) | b[2];
        off = 4 + (size_t)b[3];
    } else {
        /* dh_p, dh_g, dh_Ys: three 2-byte-length vectors */
        off = 0;
        for (int i = 0; i < 3; i++) {
            if (off + 2 > n)
                return;
            size_t l = ((size_t)b[off] << 8) | b[off + 1];
            if (i == 0) {
                size_t lead = l > 0 && off + 2 < n && b[off + 2] == 0 ? 1 : 0; /* a leading zero byte */
                s->dh_bits = (int)((l - lead) * 8);
            }
            off += 2 + l;
        }
    }
    if (off + 2 <= n) {
        s->sig_hash = b[off];
        s->sig_alg = b[off + 1];
    }
}

/* A complete message (or the kept head of a long one). */
static void message(tp_tls_snoop *s)
{
    if (s->hs_type == 2)
        parse_server_hello(s, s->keep, s->keep_len);
    else if (s->hs_type == 12)
        parse_ske(s, s->keep, s->keep_len);
    else if (s->hs_type == 14)
        s->done = true;   /* ServerHelloDone: the server's first flight is over */
}

static void handshake_bytes(tp_tls_snoop *s, const uint8_t *d, size_t n)
{
    while (n > 0 && !s->done) {
        if (s->hs_hdr_len < 4) {
            s->hs_hdr[s->hs_hdr_len++] = *d++;
            n--;
            if (s->hs_hdr_len == 4) {
                s->hs_type = s->hs_hdr[0];
                s->hs_left = ((size_t)s->hs_hdr[1] << 16) | ((size_t)s->hs_hdr[2] << 8) | s->hs_hdr[3];
                s->keep_len = 0;
                if (s->hs_left == 0) {
                    message(s);
                    s->hs_hdr_len = 0;
                }
            }
            continue;
        }
        size_t take = n < s->hs_left ? n : s->hs_left;
        if (s->hs_type == 2 || s->hs_type == 12) {
            size_t room = TP_SNOOP_KEEP - s->keep_len;
            size_t k = take < room ? take : room;
            memcpy(s->keep + s->keep_len, d, k);
            s->keep_len += k;
        }
        d += take;
        n -= take;
        s->hs_left -= take;
        if (s->hs_left == 0) {
            message(s);
            s->hs_hdr_len = 0;
        }
    }
}

void tp_tls_snoop_feed(tp_tls_snoop *s, const uint8_t *data, size_t len)
{
    while (len > 0 && !s->done) {
        if (s->rec_hdr_len < 5) {
            s->rec_hdr[s->rec_hdr_len++] = *data++;
            len--;
            if (s->rec_hdr_len == 5) {
                s->rec_type = s->rec_hdr[0];
                s->rec_left = ((size_t)s->rec_hdr[3] << 8) | s->rec_hdr[4];
                if (s->rec_type < 20 || s->rec_type > 23 || s->rec_hdr[1] != 3 || s->rec_type == 20 ||
                    s->rec_type == 23)
                    s->done = true;  /* not TLS, or CCS / application data: encrypted from here */
                else if (s->rec_left == 0)
                    s->rec_hdr_len = 0;
            }
            continue;
        }
        size_t take = len < s->rec_left ? len : s->rec_left;
        if (s->rec_type == 22)
            handshake_bytes(s, data, take);
        data += take;
        len -= take;
        s->rec_left -= take;
        if (s->rec_left == 0)
            s->rec_hdr_len = 0;
    }
}

const char *tp_tls_group_name(int id)
{
    switch (id) {
    case 23: return "secp256r1";
    case 24: return "secp384r1";
    case 25: return "secp521r1";
    case 26: return "brainpoolP256r1";
    case 27: return "brainpoolP384r1";
    case 28: return "brainpoolP512r1";
    case 29: return "x25519";
    case 30: return "x448";
    case 256: return "ffdhe2048";
    case 257: return "ffdhe3072";
    case 258: return "ffdhe4096";
    default: return NULL;
    }
}

const char *tp_tls_snoop_group(const tp_tls_snoop *s, char *buf, size_t n)
{
    if (s->group >= 0) {
        const char *name = tp_tls_group_name(s->group);
        if (name)
            return name;
        snprintf(buf, n, "group_0x%04x", (unsigned)s->group);
        return buf;
    }
    if (s->dh_bits > 0) {
        snprintf(buf, n, "dhe%d", s->dh_bits);
        return buf;
    }
    return NULL;
}

const char *tp_tls_snoop_sigalg(const tp_tls_snoop *s, char *buf, size_t n)
{
    if (s->sig_hash < 0 || s->sig_alg < 0)
        return NULL;
    int code = (s->sig_hash << 8) | s->sig_alg;
    switch (code) {
    case 0x0201: return "rsa_pkcs1_sha1";
    case 0x0401: return "rsa_pkcs1_sha256";
    case 0x0501: return "rsa_pkcs1_sha384";
    case 0x0601: return "rsa_pkcs1_sha512";
    case 0x0203: return "ecdsa_sha1";
    case 0x0403: return "ecdsa_secp256r1_sha256";
    case 0x0503: return "ecdsa_secp384r1_sha384";
    case 0x0603: return "ecdsa_secp521r1_sha512";
    case 0x0804: return "rsa_pss_rsae_sha256";
    case 0x0805: return "rsa_pss_rsae_sha384";
    case 0x0806: return "rsa_pss_rsae_sha512";
    case 0x0807: return "ed25519";
    case 0x0808: return "ed448";
    default:
        snprintf(buf, n, "sigalg_0x%04x", (unsigned)code);
        return buf;
    }
}
