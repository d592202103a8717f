/* test_engine_tls.c — tlsconn without sockets: a client and a server tp_tlsconn wired back to
 * back in memory, the server's bytes fed to the client ONE BYTE AT A TIME; and the failure
 * classification (not TLS, alerts, EOF) from crafted peer bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "testsrv.h"

#include "pki/castore.h"
#include "input/config.h"
#include "net/tlsconn.h"
#include "net/tlsprofile.h"

static tpki pki;
static tpki_cert leaf;
static mbedtls_ssl_config server_conf;
static tp_castore store;
static tp_config cfg;

/* Where each side's ciphertext goes: the other side's pending queue (a plain buffer here,
 * so the test decides how it is delivered). */
typedef struct pipe_buf {
    uint8_t data[64 * 1024];
    size_t len;
    bool fail;               /* make the next send fail */
} pipe_buf;

static int to_pipe(void *ud, const uint8_t *buf, size_t len)
{
    pipe_buf *p = ud;
    if (p->fail || len > sizeof p->data - p->len)
        return -1;
    memcpy(p->data + p->len, buf, len);
    p->len += len;
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    if (tpki_init(&pki) != 0 || tpki_leaf(&pki, "origin.test", false, &leaf) != 0 ||
        tsrv_tls_conf(&server_conf, &pki, &leaf) != 0)
        return -1;
    /* the server picks by its own preference among what we offer: secp256r1 over x25519,
     * so the group reported is the server's choice, not an echo of our first offer */
    static const mbedtls_ecp_group_id server_groups[] = {MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_CURVE25519,
                                                         MBEDTLS_ECP_DP_NONE};
    mbedtls_ssl_conf_curves(&server_conf, server_groups);
    memset(&cfg, 0, sizeof cfg);
    if (tp_config_defaults(&cfg) != 0)
        return -1;
    cfg.system_ca = false;
    if (tp_strlist_add(&cfg.ca_files, pki.ca_file) != 0)
        return -1;
    char err[256];
    if (tp_castore_init(&store, &cfg.ca_files, cfg.system_ca, NULL, &pki.drbg, err, sizeof err) != 0)
        return -1;
    tp_tls_profile_apply(&store.conf, tp_tls_profile_get(TP_TLSP_WINDOWS)); /* as the engine does */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tp_castore_free(&store);
    tp_config_free(&cfg);
    mbedtls_ssl_config_free(&server_conf);
    tpki_cert_free(&leaf);
    tpki_free(&pki);
    return 0;
}

/* Moves every byte of from into to's queue, one byte per feed when bytewise. */
static void deliver(pipe_buf *from, tp_tlsconn *to, bool bytewise, int (*step)(tp_tlsconn *), int *last)
{
    size_t n = from->len;
    from->len = 0;
    uint8_t copy[sizeof from->data];
    memcpy(copy, from->data, n);
    for (size_t i = 0; i < n;) {
        size_t k = bytewise ? 1 : n - i;
        assert_int_equal(tp_tls_feed(to, copy + i, k), 0);
        i += k;
        *last = step(to);
        if (*last != TP_TLS_AGAIN)
            break;
    }
}

static void handshake_pair(const char *sni, bool bytewise, tp_result *facts)
{
    pipe_buf to_server = {0}, to_client = {0};
    tp_tlsconn client, server;
    assert_int_equal(tp_tls_init(&client, &store.conf, sni, to_pipe, &to_server), 0);
    assert_int_equal(tp_tls_init(&server, &server_conf, "unused", to_pipe, &to_client), 0);
    int rc_client = tp_tls_handshake(&client), rc_server = TP_TLS_AGAIN;
    assert_int_equal(rc_client, TP_TLS_AGAIN);
    for (int round = 0; round < 20 && (rc_client != 0 || rc_server != 0); round++) {
        if (to_server.len)
            deliver(&to_server, &server, false, tp_tls_handshake, &rc_server);
        if (to_client.len)
            deliver(&to_client, &client, bytewise, tp_tls_handshake, &rc_client);
        assert_true(rc_client == 0 || rc_client == TP_TLS_AGAIN);
        assert_true(rc_server == 0 || rc_server == TP_TLS_AGAIN);
    }
    assert_int_equal(rc_client, 0);
    assert_int_equal(rc_server, 0);

    /* application data both ways, the answer fed bytewise too */
    const char *req = "GET / HTTP/1.1\r\n\r\n";
    assert_int_equal(tp_tls_write(&client, (const uint8_t *)req, strlen(req)), 0);
    assert_int_equal(tp_tls_feed(&server, to_server.data, to_server.len), 0);
    to_server.len = 0;
    uint8_t buf[256];
    int n = tp_tls_read(&server, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(req));
    assert_memory_equal(buf, req, strlen(req));
    const char *ans = "HTTP/1.1 404 Not Found\r\n\r\n";
    assert_int_equal(tp_tls_write(&server, (const uint8_t *)ans, strlen(ans)), 0);
    int got = -TP_TLS_AGAIN;
    for (size_t i = 0; i < to_client.len && got == -TP_TLS_AGAIN; i++) {
        assert_int_equal(tp_tls_feed(&client, to_client.data + i, 1), 0);
        got = tp_tls_read(&client, buf, sizeof buf);
    }
    assert_int_equal(got, (int)strlen(ans));
    assert_memory_equal(buf, ans, strlen(ans));
    /* the peer's end of stream reads as 0 */
    tp_tls_eof(&client);
    assert_int_equal(tp_tls_read(&client, buf, sizeof buf), 0);

    assert_int_equal(tp_tls_facts(&client, facts, NULL), 0);
    tp_tls_free(&client);
    tp_tls_free(&server);
    tp_tls_free(&client); /* idempotent */
}

/* Every EC anchor's comb table is built when the store is, on this thread: handshakes on the
 * pool then only read it (mbedTLS 2.28 builds it lazily, unlocked, in the key's group). */
static void test_ec_anchor_tables_built(void **state)
{
    (void)state;
    size_t ec = 0;
    for (const mbedtls_x509_crt *c = &store.ca; c && c->raw.p; c = c->next) {
        if (!mbedtls_pk_can_do(&c->pk, MBEDTLS_PK_ECKEY))
            continue;
        ec++;
        assert_non_null(mbedtls_pk_ec(c->pk)->grp.T);
    }
    assert_true(ec >= 2);   /* the test PKI's P-256 root, Microsoft's ECC root 2017 (P-384) */
    assert_int_equal(store.n_ec_warmed, ec);
}

static void test_handshake_bytewise(void **state)
{
    (void)state;
    tp_result r;
    memset(&r, 0, sizeof r);
    handshake_pair("origin.test", true, &r);
    assert_true(r.tls_done);
    assert_string_equal(r.tls_version, "TLSv1.2");
    assert_int_equal(r.chain_len, 2);
    assert_non_null(strstr(r.chain[0].subject, "CN=origin.test"));
    assert_true(r.trusted);
    assert_true(r.hostname_ok);
    assert_false(r.expired);
    /* read off the server's cleartext flight: the group the server took from our offer */
    assert_string_equal(r.tls_group, "secp256r1");
    assert_string_equal(r.tls_sigalg, "ecdsa_secp256r1_sha256");
    tp_result_free(&r);

    memset(&r, 0, sizeof r);
    handshake_pair("other.test", false, &r);
    assert_true(r.trusted);
    assert_false(r.hostname_ok);
    assert_true(r.verify_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    tp_result_free(&r);
}

/* The ClientHello a Windows-shaped client sends: parsed field by field from the wire. */
typedef struct hello {
    int suites[128];
    size_t n_suites;
    int groups[32];
    size_t n_groups;
    int sigalgs[64];
    size_t n_sigalgs;
} hello;

static void parse_hello(const uint8_t *b, size_t n, hello *h)
{
    memset(h, 0, sizeof *h);
    assert_true(n > 5 + 4 + 2 + 32 + 1);
    assert_int_equal(b[0], 22);   /* handshake record */
    assert_int_equal(b[5], 1);    /* ClientHello */
    size_t o = 5 + 4 + 2 + 32;
    o += 1 + b[o];                /* session id */
    size_t sl = ((size_t)b[o] << 8) | b[o + 1];
    o += 2;
    for (size_t i = 0; i + 1 < sl && h->n_suites < 128; i += 2)
        h->suites[h->n_suites++] = (b[o + i] << 8) | b[o + i + 1];
    o += sl;
    o += 1 + b[o];                /* compression methods */
    size_t end = o + 2 + (((size_t)b[o] << 8) | b[o + 1]);
    assert_true(end <= n);
    o += 2;
    while (o + 4 <= end) {
        int type = (b[o] << 8) | b[o + 1];
        size_t len = ((size_t)b[o + 2] << 8) | b[o + 3];
        const uint8_t *x = b + o + 4;
        if (type == 10)           /* supported_groups */
            for (size_t i = 2; i + 1 < len && h->n_groups < 32; i += 2)
                h->groups[h->n_groups++] = (x[i] << 8) | x[i + 1];
        if (type == 13)           /* signature_algorithms */
            for (size_t i = 2; i + 1 < len && h->n_sigalgs < 64; i += 2)
                h->sigalgs[h->n_sigalgs++] = (x[i] << 8) | x[i + 1];
        o += 4 + len;
    }
}

static void test_clienthello_windows(void **state)
{
    (void)state;
    pipe_buf out = {0};
    tp_tlsconn c;
    assert_int_equal(tp_tls_init(&c, &store.conf, "origin.test", to_pipe, &out), 0);
    assert_int_equal(tp_tls_handshake(&c), TP_TLS_AGAIN);
    hello h;
    parse_hello(out.data, out.len, &h);
    tp_tls_free(&c);
    /* groups: x25519, secp256r1, secp384r1 — nothing else, in that order */
    assert_int_equal(h.n_groups, 3);
    assert_int_equal(h.groups[0], 29);
    assert_int_equal(h.groups[1], 23);
    assert_int_equal(h.groups[2], 24);
    /* Schannel's first four suites, in its order; no DHE, no ChaCha20 (Windows offers neither) */
    assert_true(h.n_suites >= 4);
    assert_int_equal(h.suites[0], 0xC02C);
    assert_int_equal(h.suites[1], 0xC02B);
    assert_int_equal(h.suites[2], 0xC030);
    assert_int_equal(h.suites[3], 0xC02F);
    for (size_t i = 0; i < h.n_suites; i++) {
        assert_true(h.suites[i] != 0x009F && h.suites[i] != 0x009E); /* DHE-RSA-AES-GCM */
        assert_true((h.suites[i] & 0xff00) != 0xCC00 || h.suites[i] == 0x00FF);
        const tp_tls_profile *w = tp_tls_profile_get(TP_TLSP_WINDOWS);
        bool listed = h.suites[i] == 0x00FF; /* the renegotiation SCSV */
        for (const int *s = w->ciphersuites; *s; s++)
            listed = listed || *s == h.suites[i];
        assert_true(listed);
    }
    /* signature hashes in Schannel's order: sha256 first, sha384 next */
    assert_true(h.n_sigalgs >= 4);
    assert_int_equal(h.sigalgs[0] >> 8, 4);
    assert_int_equal(h.sigalgs[2] >> 8, 5);

    /* the openssl profile (tls.client_profile / --client-profile): its own order */
    assert_int_equal(tp_client_profile_parse("openssl"), TP_TLSP_OPENSSL);
    assert_int_equal(tp_client_profile_parse("windows"), TP_TLSP_WINDOWS);
    assert_int_equal(tp_client_profile_parse("macos"), -1);
    tp_castore other;
    char err[256];
    assert_int_equal(tp_castore_init(&other, &cfg.ca_files, false, NULL, &pki.drbg, err, sizeof err), 0);
    tp_tls_profile_apply(&other.conf, tp_tls_profile_get(TP_TLSP_OPENSSL));
    out.len = 0;
    assert_int_equal(tp_tls_init(&c, &other.conf, "origin.test", to_pipe, &out), 0);
    assert_int_equal(tp_tls_handshake(&c), TP_TLS_AGAIN);
    parse_hello(out.data, out.len, &h);
    tp_tls_free(&c);
    tp_castore_free(&other);
    assert_int_equal(h.n_groups, 4);
    assert_int_equal(h.groups[0], 29);
    assert_int_equal(h.groups[2], 25); /* secp521r1 before secp384r1, as OpenSSL 3 offers */
    bool dhe = false;
    for (size_t i = 0; i < h.n_suites; i++)
        dhe = dhe || h.suites[i] == 0x009F;
    assert_true(dhe);
}

/* Feeds peer bytes after the ClientHello and classifies the handshake failure. */
static void classify_answer(const uint8_t *bytes, size_t len, bool eof, tp_outcome *code, char *msg, size_t n)
{
    pipe_buf to_server = {0};
    tp_tlsconn c;
    assert_int_equal(tp_tls_init(&c, &store.conf, "origin.test", to_pipe, &to_server), 0);
    assert_int_equal(tp_tls_handshake(&c), TP_TLS_AGAIN);
    assert_true(to_server.len > 0); /* the ClientHello went out */
    int rc = TP_TLS_AGAIN;
    for (size_t i = 0; i < len && rc == TP_TLS_AGAIN; i++) {
        assert_int_equal(tp_tls_feed(&c, bytes + i, 1), 0);
        rc = tp_tls_handshake(&c);
    }
    if (rc == TP_TLS_AGAIN && eof) {
        tp_tls_eof(&c);
        rc = tp_tls_handshake(&c);
    }
    assert_true(rc < 0);
    tp_tls_classify(&c, rc, code, msg, n);
    tp_tls_free(&c);
}

static void test_classification(void **state)
{
    (void)state;
    tp_outcome code;
    char msg[256];

    const char *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
    classify_answer((const uint8_t *)http, strlen(http), false, &code, msg, sizeof msg);
    assert_int_equal(code, TP_OC_TLS_NOT_TLS);
    /* fed bytewise, mbedTLS gives up after the 5-byte record header: that is what is quoted */
    assert_non_null(strstr(msg, "\"HTTP/\""));

    const uint8_t bin[] = {0x00, 0xff, 0x22, 0x5c, 0x41, 0x0a, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
    classify_answer(bin, sizeof bin, true, &code, msg, sizeof msg);
    assert_int_equal(code, TP_OC_TLS_NOT_TLS);
    assert_non_null(strstr(msg, "\"\\x00\\xff\\x22\\x5cA\"")); /* escaped, never raw */

    const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 48};
    classify_answer(alert, sizeof alert, false, &code, msg, sizeof msg);
    assert_int_equal(code, TP_OC_TLS_ALERT);
    assert_non_null(strstr(msg, "unknown_ca (48)"));

    const uint8_t odd[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 250};
    classify_answer(odd, sizeof odd, false, &code, msg, sizeof msg);
    assert_int_equal(code, TP_OC_TLS_ALERT);
    assert_non_null(strstr(msg, "(250)"));

    const uint8_t version[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70};
    classify_answer(version, sizeof version, false, &code, msg, sizeof msg);
    assert_int_equal(code, TP_OC_TLS_PROTOCOL);

    classify_answer(NULL, 0, true, &code, msg, sizeof msg);
    assert_int_equal(code, TP_OC_TLS_CLOSED);

    /* a TLS record header, then the peer closes: TLS, but cut short */
    const uint8_t part[] = {0x16, 0x03, 0x03, 0x00, 0x40, 0x02};
    classify_answer(part, sizeof part, true, &code, msg, sizeof msg);
    assert_int_equal(code, TP_OC_TLS_CLOSED);

    assert_string_equal(tp_tls_alert_name(40), "handshake_failure");
    assert_null(tp_tls_alert_name(-1));
    assert_true(tp_tls_untrusted_mask() & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    assert_false(tp_tls_untrusted_mask() & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    assert_false(tp_tls_untrusted_mask() & MBEDTLS_X509_BADCERT_EXPIRED);
}

/* The pending-ciphertext queue is bounded: a flood is refused, not buffered. */
static void test_feed_bound(void **state)
{
    (void)state;
    pipe_buf sink = {0};
    tp_tlsconn c;
    assert_int_equal(tp_tls_init(&c, &store.conf, "origin.test", to_pipe, &sink), 0);
    static uint8_t chunk[64 * 1024];
    memset(chunk, 0x16, sizeof chunk);
    size_t fed = 0;
    int rc = 0;
    while (rc == 0 && fed < (8u << 20)) {
        rc = tp_tls_feed(&c, chunk, sizeof chunk);
        if (rc == 0)
            fed += sizeof chunk;
    }
    assert_int_equal(rc, -1);
    assert_true(fed <= (1u << 20));
    /* a send failure surfaces as an error from the handshake, not a hang */
    tp_tlsconn d;
    pipe_buf broken = {.fail = true};
    assert_int_equal(tp_tls_init(&d, &store.conf, "origin.test", to_pipe, &broken), 0);
    int hr = tp_tls_handshake(&d);
    assert_true(hr < 0);
    tp_tls_free(&d);
    tp_tls_free(&c);
}

/* Every alert of RFC 8446 / 5246 by its registered name (what a report quotes). */
static void test_alert_names(void **state)
{
    (void)state;
    static const struct {
        int d;
        const char *name;
    } rfc[] = {{0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"}, {22, "record_overflow"},
               {40, "handshake_failure"}, {42, "bad_certificate"}, {43, "unsupported_certificate"},
               {44, "certificate_revoked"}, {45, "certificate_expired"}, {46, "certificate_unknown"},
               {47, "illegal_parameter"}, {48, "unknown_ca"}, {49, "access_denied"}, {50, "decode_error"},
               {51, "decrypt_error"}, {70, "protocol_version"}, {71, "insufficient_security"},
               {80, "internal_error"}, {86, "inappropriate_fallback"}, {90, "user_canceled"},
               {100, "no_renegotiation"}, {109, "missing_extension"}, {110, "unsupported_extension"},
               {112, "unrecognized_name"}, {116, "certificate_required"}, {120, "no_application_protocol"}};
    for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
        const char *n = tp_tls_alert_name(rfc[i].d);
        if (!n || strcmp(n, rfc[i].name) != 0)
            fail_msg("alert %d: %s, want %s", rfc[i].d, n ? n : "(none)", rfc[i].name);
    }
    /* numbers between registered ones have no name */
    const int unassigned[] = {1, 21, 41, 52, 60, 111, 255};
    for (size_t i = 0; i < sizeof unassigned / sizeof unassigned[0]; i++)
        assert_null(tp_tls_alert_name(unassigned[i]));
}

/* The mbedTLS errors a handshake can end with, each in its class (nothing sniffed yet, so
 * nothing says "not TLS" but the error itself). */
static void test_classification_by_error(void **state)
{
    (void)state;
    static const struct {
        int ret;
        tp_outcome code;
        const char *text;
    } cases[] = {
        {MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION, TP_OC_TLS_PROTOCOL, "TLS version or cipher negotiation failed"},
        {MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN, TP_OC_TLS_PROTOCOL, "TLS version or cipher negotiation failed"},
        {MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE, TP_OC_TLS_PROTOCOL, "negotiation failed"},
        {MBEDTLS_ERR_SSL_UNKNOWN_CIPHER, TP_OC_TLS_PROTOCOL, "negotiation failed"},
        {MBEDTLS_ERR_SSL_INVALID_RECORD, TP_OC_TLS_NOT_TLS, "the peer's TLS messages are malformed"},
        {MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, TP_OC_TLS_NOT_TLS, "malformed"},
        {MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO, TP_OC_TLS_NOT_TLS, "malformed"},
        {MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE, TP_OC_TLS_NOT_TLS, "malformed"},
        {MBEDTLS_ERR_SSL_BAD_HS_FINISHED, TP_OC_TLS_NOT_TLS, "malformed"},
        {MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, TP_OC_TLS_CLOSED, "closed the connection during the TLS handshake"},
        {MBEDTLS_ERR_SSL_ALLOC_FAILED, TP_OC_TLS_ERROR, "TLS handshake failed: "},
    };
    pipe_buf sink = {0};
    tp_tlsconn c;
    assert_int_equal(tp_tls_init(&c, &store.conf, "origin.test", to_pipe, &sink), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_outcome code = TP_OC_NONE;
        char msg[256] = "";
        tp_tls_classify(&c, cases[i].ret, &code, msg, sizeof msg);
        if (code != cases[i].code || !strstr(msg, cases[i].text))
            fail_msg("-0x%04x: %s \"%s\"", (unsigned)-cases[i].ret, tp_outcome_name(code), msg);
    }
    /* the fallback names the raw error number */
    tp_outcome code;
    char msg[256];
    tp_tls_classify(&c, MBEDTLS_ERR_SSL_ALLOC_FAILED, &code, msg, sizeof msg);
    char num[16];
    snprintf(num, sizeof num, "(-0x%04x)", (unsigned)-MBEDTLS_ERR_SSL_ALLOC_FAILED);
    assert_non_null(strstr(msg, num));
    tp_tls_free(&c);
}

/* Records that straddle feeds: a whole record and the start of the next arrive together,
 * the rest later (the queue compacts what was read before it grows). */
static void test_records_across_feeds(void **state)
{
    (void)state;
    pipe_buf to_server = {0}, to_client = {0};
    tp_tlsconn client, server;
    assert_int_equal(tp_tls_init(&client, &store.conf, "origin.test", to_pipe, &to_server), 0);
    assert_int_equal(tp_tls_init(&server, &server_conf, "unused", to_pipe, &to_client), 0);
    int rc_client = tp_tls_handshake(&client), rc_server = TP_TLS_AGAIN;
    for (int round = 0; round < 20 && (rc_client != 0 || rc_server != 0); round++) {
        if (to_server.len)
            deliver(&to_server, &server, false, tp_tls_handshake, &rc_server);
        if (to_client.len)
            deliver(&to_client, &client, false, tp_tls_handshake, &rc_client);
    }
    assert_int_equal(rc_client, 0);
    assert_int_equal(rc_server, 0);
    assert_int_equal(tp_tls_write(&server, (const uint8_t *)"first", 5), 0);
    size_t first = to_client.len;
    assert_int_equal(tp_tls_write(&server, (const uint8_t *)"second", 6), 0);
    size_t both = to_client.len;
    assert_true(both > first + 3);
    uint8_t buf[64];
    assert_int_equal(tp_tls_feed(&client, to_client.data, first + 3), 0);
    assert_int_equal(tp_tls_read(&client, buf, sizeof buf), 5);
    assert_memory_equal(buf, "first", 5);
    /* 3 bytes of the next header wait in the queue, unread, when the rest arrives */
    assert_int_equal(tp_tls_feed(&client, to_client.data + first + 3, both - first - 3), 0);
    assert_int_equal(tp_tls_read(&client, buf, sizeof buf), 6);
    assert_memory_equal(buf, "second", 6);
    tp_tls_free(&client);
    tp_tls_free(&server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ec_anchor_tables_built),
        cmocka_unit_test(test_handshake_bytewise),
        cmocka_unit_test(test_clienthello_windows),
        cmocka_unit_test(test_classification),
        cmocka_unit_test(test_feed_bound),
        cmocka_unit_test(test_alert_names),
        cmocka_unit_test(test_classification_by_error),
        cmocka_unit_test(test_records_across_feeds),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
