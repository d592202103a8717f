/* test_tlssnoop.c — the server's cleartext flight read off the wire: a DHE ServerKeyExchange
 * (the group is the prime's size), messages split across records and records across feeds,
 * an unknown group or signature algorithm named by its number, RSA key transport (no
 * ServerKeyExchange: no group), and everything after ChangeCipherSpec ignored. The ECDHE
 * case runs against a real mbedTLS server in test_engine_tls.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/tlssnoop.h"

typedef struct wire {
    uint8_t b[4096];
    size_t n;
} wire;

static void put(wire *w, const void *p, size_t n)
{
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put_u8(wire *w, unsigned v) { uint8_t x = (uint8_t)v; put(w, &x, 1); }
static void put_u16(wire *w, unsigned v) { put_u8(w, v >> 8); put_u8(w, v & 0xff); }
static void put_u24(wire *w, unsigned v) { put_u8(w, v >> 16); put_u16(w, v & 0xffff); }

/* Handshake messages: type, 24-bit length, body. */
static void server_hello(wire *hs, unsigned cipher)
{
    put_u8(hs, 2);
    put_u24(hs, 2 + 32 + 1 + 4 + 2 + 1);
    put_u16(hs, 0x0303);
    uint8_t rnd[32] = {0};
    put(hs, rnd, 32);
    put_u8(hs, 4);
    put(hs, "sess", 4);
    put_u16(hs, cipher);
    put_u8(hs, 0);
}

static void dhe_ske(wire *hs, size_t plen, unsigned hash, unsigned sig)
{
    size_t body = 2 + plen + 2 + 1 + 2 + plen + 2 + 2 + 64;
    put_u8(hs, 12);
    put_u24(hs, (unsigned)body);
    put_u16(hs, (unsigned)plen);
    for (size_t i = 0; i < plen; i++)
        put_u8(hs, 0xff);
    put_u16(hs, 1);
    put_u8(hs, 2);
    put_u16(hs, (unsigned)plen);
    for (size_t i = 0; i < plen; i++)
        put_u8(hs, 0x11);
    put_u8(hs, hash);
    put_u8(hs, sig);
    put_u16(hs, 64);
    for (int i = 0; i < 64; i++)
        put_u8(hs, 0x22);
}

/* Wraps handshake bytes in records of at most rec bytes. */
static void records(const wire *hs, size_t rec, wire *out)
{
    for (size_t o = 0; o < hs->n; o += rec) {
        size_t k = hs->n - o < rec ? hs->n - o : rec;
        put_u8(out, 22);
        put_u16(out, 0x0303);
        put_u16(out, (unsigned)k);
        put(out, hs->b + o, k);
    }
}

static void feed_in_pieces(tp_tls_snoop *s, const wire *w, size_t piece)
{
    for (size_t o = 0; o < w->n; o += piece)
        tp_tls_snoop_feed(s, w->b + o, w->n - o < piece ? w->n - o : piece);
}

static void test_dhe_split(void **state)
{
    (void)state;
    wire hs = {0}, w = {0};
    server_hello(&hs, 0x009F);
    dhe_ske(&hs, 256, 4, 1);
    put_u8(&hs, 14);  /* ServerHelloDone */
    put_u24(&hs, 0);
    records(&hs, 100, &w);   /* messages across records */
    tp_tls_snoop s;
    tp_tls_snoop_init(&s);
    feed_in_pieces(&s, &w, 7); /* records across feeds */
    char gb[32], sb[32];
    assert_int_equal(s.cipher, 0x009F);
    assert_string_equal(tp_tls_snoop_group(&s, gb, sizeof gb), "dhe2048");
    assert_string_equal(tp_tls_snoop_sigalg(&s, sb, sizeof sb), "rsa_pkcs1_sha256");
    assert_true(s.done);
}

static void test_ecdhe_names_and_numbers(void **state)
{
    (void)state;
    wire hs = {0}, w = {0};
    server_hello(&hs, 0xC030);
    uint8_t ske[] = {12, 0, 0, 4 + 3 + 2 + 2, 3, 0x01, 0x2C /* group 300 */, 3, 1, 2, 3, 0x08, 0x09, 0, 0};
    put(&hs, ske, sizeof ske);
    records(&hs, 16384, &w);
    tp_tls_snoop s;
    tp_tls_snoop_init(&s);
    tp_tls_snoop_feed(&s, w.b, w.n);
    char gb[32], sb[32];
    assert_string_equal(tp_tls_snoop_group(&s, gb, sizeof gb), "group_0x012c");
    assert_string_equal(tp_tls_snoop_sigalg(&s, sb, sizeof sb), "sigalg_0x0809");
    assert_string_equal(tp_tls_group_name(29), "x25519");
    assert_string_equal(tp_tls_group_name(23), "secp256r1");
}

static void test_rsa_kx_and_after_ccs(void **state)
{
    (void)state;
    wire hs = {0}, w = {0};
    server_hello(&hs, 0x009D);   /* TLS_RSA_WITH_AES_256_GCM_SHA384: no ServerKeyExchange */
    records(&hs, 16384, &w);
    /* ChangeCipherSpec, then an "encrypted" record that looks like a ServerKeyExchange */
    uint8_t ccs[] = {20, 3, 3, 0, 1, 1};
    put(&w, ccs, sizeof ccs);
    wire fake = {0};
    uint8_t ske[] = {12, 0, 0, 8, 3, 0, 29, 1, 9, 4, 1, 0};
    put(&fake, ske, sizeof ske);
    records(&fake, 16384, &w);
    tp_tls_snoop s;
    tp_tls_snoop_init(&s);
    feed_in_pieces(&s, &w, 1);
    char gb[32], sb[32];
    assert_int_equal(s.cipher, 0x009D);
    assert_null(tp_tls_snoop_group(&s, gb, sizeof gb));
    assert_null(tp_tls_snoop_sigalg(&s, sb, sizeof sb));
}

static void test_not_tls(void **state)
{
    (void)state;
    const char *page = "HTTP/1.1 403 Forbidden\r\n\r\n";
    tp_tls_snoop s;
    tp_tls_snoop_init(&s);
    tp_tls_snoop_feed(&s, (const uint8_t *)page, strlen(page));
    char gb[32];
    assert_true(s.done);
    assert_null(tp_tls_snoop_group(&s, gb, sizeof gb));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dhe_split),
        cmocka_unit_test(test_ecdhe_names_and_numbers),
        cmocka_unit_test(test_rsa_kx_and_after_ccs),
        cmocka_unit_test(test_not_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
