/* testsrv.h — in-process peers for the engine tests and benchmark (header-only: every
 * tests/unit/test_*.c is its own binary). All of them listen on 127.0.0.1 only.
 *
 *  - tsrv: a TCP server on 127.0.0.1:<ephemeral> whose accept loop runs in its own thread and
 *    hands every connection to a thread of its own, behaving as `mode` says (a good TLS
 *    origin, a good CONNECT proxy, or one of many hostile peers). tsrv_stop() ends the accept
 *    loop and waits for every connection thread: nothing outlives the test.
 *  - tdns: a UDP DNS responder on 127.0.0.1:<ephemeral> answering by name.
 *  - tpki: a CA and leaf certificates made at run time with mbedtls_x509write_crt. */
#ifndef TP_TESTSRV_H
#define TP_TESTSRV_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/x509_crt.h>

/* ---------- PKI ---------- */

typedef struct tpki_cert {
    mbedtls_pk_context key;
    mbedtls_x509_crt chain;  /* leaf then CA: what the server presents */
} tpki_cert;

typedef struct tpki {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context ca_key;
    char ca_pem[4096];
    char ca_file[64];        /* temp file holding ca_pem */
} tpki;

static inline int tpki_genkey(tpki *p, mbedtls_pk_context *k)
{
    mbedtls_pk_init(k);
    if (mbedtls_pk_setup(k, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
        return -1;
    return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*k), mbedtls_ctr_drbg_random, &p->drbg);
}

/* Writes a certificate for subject signed by issuer_key as PEM into out; with crl_url, a CRL
 * Distribution Points extension naming it. */
static inline int tpki_write_cdp(tpki *p, mbedtls_pk_context *subject_key, const char *subject,
                                 mbedtls_pk_context *issuer_key, const char *issuer, bool is_ca, int serial_no,
                                 const char *not_after, const char *crl_url, char *out, size_t outlen)
{
    mbedtls_x509write_cert w;
    mbedtls_mpi serial;
    int rc;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&serial);
    mbedtls_mpi_lset(&serial, serial_no);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, subject_key);
    mbedtls_x509write_crt_set_issuer_key(&w, issuer_key);
    rc = mbedtls_x509write_crt_set_subject_name(&w, subject);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_issuer_name(&w, issuer);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_serial(&w, &serial);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_validity(&w, "20200101000000", not_after);
    if (rc == 0)
        rc = mbedtls_x509write_crt_set_basic_constraints(&w, is_ca, -1);
    if (rc == 0 && crl_url) {
        /* SEQUENCE { SEQUENCE { [0] { [0] { [6] IA5String url } } } } (short lengths) */
        size_t ul = strlen(crl_url);
        unsigned char der[160];
        if (ul > 120)
            rc = -1;
        else {
            size_t o = 0;
            der[o++] = 0x30;
            der[o++] = (unsigned char)(ul + 8);
            der[o++] = 0x30;
            der[o++] = (unsigned char)(ul + 6);
            der[o++] = 0xa0;
            der[o++] = (unsigned char)(ul + 4);
            der[o++] = 0xa0;
            der[o++] = (unsigned char)(ul + 2);
            der[o++] = 0x86;
            der[o++] = (unsigned char)ul;
            memcpy(der + o, crl_url, ul);
            o += ul;
            rc = mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS,
                                                     MBEDTLS_OID_SIZE(MBEDTLS_OID_CRL_DISTRIBUTION_POINTS), 0, der, o);
        }
    }
    if (rc == 0)
        rc = mbedtls_x509write_crt_pem(&w, (unsigned char *)out, outlen, mbedtls_ctr_drbg_random, &p->drbg);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    return rc;
}

static inline int tpki_write(tpki *p, mbedtls_pk_context *subject_key, const char *subject, mbedtls_pk_context *issuer_key,
                      const char *issuer, bool is_ca, int serial_no, const char *not_after, char *out, size_t outlen)
{
    return tpki_write_cdp(p, subject_key, subject, issuer_key, issuer, is_ca, serial_no, not_after, NULL, out, outlen);
}

/* A CA "CN=tlspath test CA", written to a temp PEM file (p->ca_file). Returns 0 or -1. */
static inline int tpki_init(tpki *p)
{
    memset(p, 0, sizeof *p);
    mbedtls_entropy_init(&p->entropy);
    mbedtls_ctr_drbg_init(&p->drbg);
    if (mbedtls_ctr_drbg_seed(&p->drbg, mbedtls_entropy_func, &p->entropy, NULL, 0) != 0)
        return -1;
    if (tpki_genkey(p, &p->ca_key) != 0)
        return -1;
    if (tpki_write(p, &p->ca_key, "CN=tlspath test CA,O=tlspath", &p->ca_key, "CN=tlspath test CA,O=tlspath", true, 1,
                   "20400101000000", p->ca_pem, sizeof p->ca_pem) != 0)
        return -1;
    snprintf(p->ca_file, sizeof p->ca_file, "/tmp/tp-engine-ca-XXXXXX");
    int fd = mkstemp(p->ca_file);
    if (fd < 0)
        return -1;
    size_t len = strlen(p->ca_pem);
    bool ok = write(fd, p->ca_pem, len) == (ssize_t)len;
    close(fd);
    return ok ? 0 : -1;
}

/* A leaf for CN=cn signed by the CA (or self-signed when self_signed), with a CRL
 * Distribution Point when crl_url is given. Returns 0 or -1. */
static inline int tpki_leaf_cdp(tpki *p, const char *cn, bool self_signed, const char *crl_url, tpki_cert *out)
{
    static int serial = 100;
    char subj[256], pem[4096];
    snprintf(subj, sizeof subj, "CN=%s,O=tlspath test", cn);
    mbedtls_x509_crt_init(&out->chain);
    if (tpki_genkey(p, &out->key) != 0)
        return -1;
    if (tpki_write_cdp(p, &out->key, subj, self_signed ? &out->key : &p->ca_key,
                       self_signed ? subj : "CN=tlspath test CA,O=tlspath", false, serial++, "20400101000000", crl_url,
                       pem, sizeof pem) != 0)
        return -1;
    if (mbedtls_x509_crt_parse(&out->chain, (const unsigned char *)pem, strlen(pem) + 1) != 0)
        return -1;
    if (!self_signed &&
        mbedtls_x509_crt_parse(&out->chain, (const unsigned char *)p->ca_pem, strlen(p->ca_pem) + 1) != 0)
        return -1;
    return 0;
}

static inline int tpki_leaf(tpki *p, const char *cn, bool self_signed, tpki_cert *out)
{
    return tpki_leaf_cdp(p, cn, self_signed, NULL, out);
}

static inline void tpki_cert_free(tpki_cert *c)
{
    mbedtls_pk_free(&c->key);
    mbedtls_x509_crt_free(&c->chain);
}

static inline void tpki_free(tpki *p)
{
    if (p->ca_file[0])
        unlink(p->ca_file);
    mbedtls_pk_free(&p->ca_key);
    mbedtls_ctr_drbg_free(&p->drbg);
    mbedtls_entropy_free(&p->entropy);
}

/* ---------- CRLs ---------- */

static inline uint8_t *tcrl_hdr(uint8_t *o, uint8_t tag, size_t n)
{
    *o++ = tag;
    if (n < 0x80) {
        *o++ = (uint8_t)n;
    } else {
        int k = n > 0xFFFFFF ? 4 : n > 0xFFFF ? 3 : n > 0xFF ? 2 : 1;
        *o++ = (uint8_t)(0x80 | k);
        for (int i = k - 1; i >= 0; i--)
            *o++ = (uint8_t)(n >> (8 * i));
    }
    return o;
}

static inline size_t tcrl_hdr_len(size_t n)
{
    return n < 0x80 ? 2 : n > 0xFFFFFF ? 6 : n > 0xFFFF ? 5 : n > 0xFF ? 4 : 3;
}

/* A v2 DER CRL of the test CA (ECDSA-SHA256, valid from yesterday for a week) listing
 * n_entries serials 0x10000000000000+i, plus `revoked` when > 0. malloc'd, *len set;
 * NULL on error. Large ones (a million entries) take a second or so. */
static inline uint8_t *tpki_crl_der(tpki *p, size_t n_entries, int revoked, size_t *len)
{
    static const uint8_t alg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
    mbedtls_x509_crt ca;
    mbedtls_x509_crt_init(&ca);
    if (mbedtls_x509_crt_parse(&ca, (const unsigned char *)p->ca_pem, strlen(p->ca_pem) + 1) != 0)
        return NULL;
    char t_this[80], t_next[80];
    time_t now = time(NULL), a = now - 86400, b = now + 7 * 86400;
    struct tm tm;
    /* UTCTime is YYMMDDHHMMSSZ: the full year, minus its century */
    gmtime_r(&a, &tm);
    snprintf(t_this, sizeof t_this, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    gmtime_r(&b, &tm);
    snprintf(t_next, sizeof t_next, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    const size_t entry = 2 + 10 + 15;   /* SEQ { INTEGER (8 bytes), UTCTime } */
    size_t n_all = n_entries + (revoked > 0);
    size_t rev_c = n_all * entry;
    size_t tbs_c = 3 + sizeof alg + ca.subject_raw.len + 15 + 15 + (n_all ? tcrl_hdr_len(rev_c) + rev_c : 0);
    size_t tbs = tcrl_hdr_len(tbs_c) + tbs_c;
    size_t cap = tbs + sizeof alg + 16 + MBEDTLS_ECDSA_MAX_LEN;
    uint8_t *out = malloc(cap + 8), *w;
    if (!out) {
        mbedtls_x509_crt_free(&ca);
        return NULL;
    }
    /* the TBS first at an offset that leaves room for the outer header */
    uint8_t *t = out + 8;
    w = tcrl_hdr(t, 0x30, tbs_c);
    *w++ = 0x02; *w++ = 0x01; *w++ = 0x01;
    memcpy(w, alg, sizeof alg); w += sizeof alg;
    memcpy(w, ca.subject_raw.p, ca.subject_raw.len); w += ca.subject_raw.len;
    w = tcrl_hdr(w, 0x17, 13); memcpy(w, t_this, 13); w += 13;
    w = tcrl_hdr(w, 0x17, 13); memcpy(w, t_next, 13); w += 13;
    if (n_all) {
        w = tcrl_hdr(w, 0x30, rev_c);
        for (size_t i = 0; i < n_all; i++) {
            uint64_t sn = i < n_entries ? 0x10000000000000ULL + i : (uint64_t)revoked;
            *w++ = 0x30; *w++ = (uint8_t)(entry - 2);
            *w++ = 0x02; *w++ = 8;
            for (int k = 7; k >= 0; k--)
                *w++ = (uint8_t)(sn >> (8 * k));
            w = tcrl_hdr(w, 0x17, 13); memcpy(w, t_this, 13); w += 13;
        }
    }
    mbedtls_x509_crt_free(&ca);
    unsigned char hash[32], sig[MBEDTLS_ECDSA_MAX_LEN];
    size_t sig_len = 0;
    if (mbedtls_sha256_ret(t, tbs, hash, 0) != 0 ||
        mbedtls_pk_sign(&p->ca_key, MBEDTLS_MD_SHA256, hash, 0, sig, &sig_len, mbedtls_ctr_drbg_random, &p->drbg) != 0) {
        free(out);
        return NULL;
    }
    memcpy(w, alg, sizeof alg); w += sizeof alg;
    w = tcrl_hdr(w, 0x03, sig_len + 1);
    *w++ = 0;
    memcpy(w, sig, sig_len); w += sig_len;
    size_t inner = (size_t)(w - t);
    size_t h = tcrl_hdr_len(inner);
    memmove(out + h, t, inner);
    tcrl_hdr(out, 0x30, inner);
    *len = h + inner;
    return out;
}

/* ---------- TCP servers ---------- */

typedef enum tsrv_mode {
    TS_TLS_404,        /* TLS origin: reads the request, answers HTTP/1.1 404 */
    TS_TLS_503,        /* TLS origin answering 503 */
    TS_HTTP_200,       /* plain HTTP origin answering 200 with `body` */
    TS_HTTP_404,       /* plain HTTP origin answering 404 */
    TS_HTTP_103,       /* plain HTTP origin answering 103 Early Hints, then 404 */
    TS_HTTP_100_FLOOD, /* plain HTTP origin answering "100 Continue" forever */
    TS_PROXY,          /* CONNECT proxy: 200, then relays to host:port (127.0.0.1 only) */
    TS_SILENT,         /* accepts, reads, never answers */
    TS_DRIP,           /* answers one byte a second */
    TS_BIG_HEAD,       /* answers "HTTP/1.1 200 OK" then a 10 MB header */
    TS_NOT_HTTP,       /* answers an SSH banner */
    TS_GARBAGE,        /* answers the ClientHello with an HTTP error page */
    TS_RESET,          /* reads the ClientHello, then resets (RST) */
    TS_CLOSE,          /* closes (FIN) right after accept; drains so the kernel sends no RST */
    TS_407,            /* proxy demanding authentication */
    TS_403,            /* proxy denying */
    TS_STATUS,         /* proxy answering CONNECT with `status` */
    TS_ALERT,          /* answers the ClientHello with a fatal handshake_failure alert */
    TS_ALERT_VERSION,  /* answers the ClientHello with a fatal protocol_version alert */
    TS_PROXY_COALESCE, /* CONNECT proxy sending "200" and a TLS alert record in ONE write:
                          the bytes after the blank line must reach the TLS layer */
    TS_HTTP_STREAM,    /* plain HTTP 200 with Content-Length 8 MiB, streamed as fast as it goes */
    TS_HTTP_HUGE_CL,   /* plain HTTP 200 announcing Content-Length 10 GB, then silence */
    TS_HTTP_DRIP_BODY, /* plain HTTP 200 (Content-Length 1 MB), then one body byte per 50 ms */
    TS_HTTP_EMPTY_OPEN,/* plain HTTP 200 with Content-Length 0, connection kept open */
    TS_HTTP_RESET_BODY,/* plain HTTP 200 without Content-Length (close-delimited), part of a
                          body, then a reset (RST) */
    TS_RAW             /* reads a request head, answers `body` verbatim (a whole response) */
} tsrv_mode;

typedef struct tsrv {
    tsrv_mode mode;
    int fd;
    int port;
    pthread_t thread;
    atomic_bool stop;
    atomic_int active;       /* connection threads running */
    atomic_int accepted;
    atomic_llong sent;       /* body bytes sent (TS_HTTP_STREAM / TS_HTTP_DRIP_BODY) */
    mbedtls_ssl_config *tls; /* for TS_TLS_* (borrowed) */
    const char *body;        /* for TS_HTTP_200 */
    size_t body_len;         /* for TS_HTTP_200: body's length when set (binary bodies) */
    int status;              /* for TS_STATUS */
    char last_request[1024]; /* first bytes of the last request (proxy / http modes) */
    pthread_mutex_t mu;
} tsrv;

typedef struct tconn {
    tsrv *s;
    int fd;
} tconn;

static inline bool tsrv_stopping(tsrv *s)
{
    return atomic_load(&s->stop);
}

/* Waits up to ms for fd to be readable; false on stop or timeout. */
static inline bool tsrv_wait(tsrv *s, int fd, int ms)
{
    for (int waited = 0; waited < ms && !tsrv_stopping(s); waited += 20) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 20) > 0)
            return true;
    }
    return false;
}

/* Reads until "\r\n\r\n" (or len-1 bytes, or 3 s). Returns bytes read. */
static inline size_t tsrv_read_head(tsrv *s, int fd, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    while (n + 1 < len && tsrv_wait(s, fd, 3000)) {
        ssize_t r = recv(fd, buf + n, len - 1 - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    return n;
}

static inline void tsrv_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        len -= (size_t)w;
    }
}

static inline void tsrv_record(tsrv *s, const char *req)
{
    pthread_mutex_lock(&s->mu);
    size_t n = strnlen(req, sizeof s->last_request - 1);
    memcpy(s->last_request, req, n);
    s->last_request[n] = '\0';
    pthread_mutex_unlock(&s->mu);
}

static inline void tsrv_tls_serve(tsrv *s, int fd)
{
    mbedtls_ssl_context ssl;
    mbedtls_net_context net = {.fd = fd};
    mbedtls_ssl_init(&ssl);
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (mbedtls_ssl_setup(&ssl, s->tls) != 0)
        goto done;
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, NULL);
    int rc;
    while ((rc = mbedtls_ssl_handshake(&ssl)) != 0)
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            goto done;
    char req[2048];
    size_t n = 0;
    while (n + 1 < sizeof req) {
        rc = mbedtls_ssl_read(&ssl, (unsigned char *)req + n, sizeof req - 1 - n);
        if (rc <= 0)
            break;
        n += (size_t)rc;
        req[n] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    req[n] = '\0';
    tsrv_record(s, req);
    const char *ans = s->mode == TS_TLS_503 ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                            : "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
    mbedtls_ssl_write(&ssl, (const unsigned char *)ans, strlen(ans));
    mbedtls_ssl_close_notify(&ssl);
done:
    mbedtls_ssl_free(&ssl);
}

/* Relays between a and b until either closes or the server stops. */
static inline void tsrv_relay(tsrv *s, int a, int b)
{
    char buf[16384];
    while (!tsrv_stopping(s)) {
        struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
        int r = poll(p, 2, 50);
        if (r < 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv(p[i].fd, buf, sizeof buf, 0);
            if (n <= 0)
                return;
            tsrv_send_all(p[1 - i].fd, buf, (size_t)n);
        }
    }
}

static inline void tsrv_proxy_serve(tsrv *s, int fd)
{
    char head[2048];
    tsrv_read_head(s, fd, head, sizeof head);
    tsrv_record(s, head);
    int port = 0;
    if (sscanf(head, "CONNECT 127.0.0.1:%d ", &port) != 1 || port <= 0) {
        const char *bad = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        tsrv_send_all(fd, bad, strlen(bad));
        return;
    }
    int up = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    if (up >= 0)
        setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (up < 0 || connect(up, (struct sockaddr *)&a, sizeof a) != 0) {
        const char *bad = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
        tsrv_send_all(fd, bad, strlen(bad));
        if (up >= 0)
            close(up);
        return;
    }
    const char *ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    tsrv_send_all(fd, ok, strlen(ok));
    tsrv_relay(s, fd, up);
    close(up);
}

static inline void tsrv_hostile(tsrv *s, int fd)
{
    char buf[4096];
    switch (s->mode) {
    case TS_SILENT:
        while (tsrv_wait(s, fd, 60000) && recv(fd, buf, sizeof buf, 0) > 0)
            ;
        break;
    case TS_DRIP: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *msg = "HTTP/1.1 200 Connection established\r\n\r\n";
        for (size_t i = 0; msg[i] && !tsrv_stopping(s); i++) {
            if (send(fd, msg + i, 1, MSG_NOSIGNAL) != 1)
                break;
            for (int k = 0; k < 50 && !tsrv_stopping(s); k++)
                usleep(20000);
        }
        break;
    }
    case TS_BIG_HEAD: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *start = "HTTP/1.1 200 OK\r\nX-Big: ";
        tsrv_send_all(fd, start, strlen(start));
        memset(buf, 'a', sizeof buf);
        for (size_t sent = 0; sent < 10u * 1024 * 1024 && !tsrv_stopping(s); sent += sizeof buf)
            if (send(fd, buf, sizeof buf, MSG_NOSIGNAL) <= 0)
                break;
        break;
    }
    case TS_NOT_HTTP: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *b = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
        tsrv_send_all(fd, b, strlen(b));
        tsrv_wait(s, fd, 2000);
        break;
    }
    case TS_GARBAGE: {
        tsrv_wait(s, fd, 3000);
        (void)recv(fd, buf, sizeof buf, 0);
        const char *b = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>plain http here</html>";
        tsrv_send_all(fd, b, strlen(b));
        tsrv_wait(s, fd, 2000);
        break;
    }
    case TS_RESET: {
        tsrv_wait(s, fd, 3000);
        (void)recv(fd, buf, sizeof buf, 0);
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        break;
    }
    case TS_ALERT:
    case TS_ALERT_VERSION: {
        tsrv_wait(s, fd, 3000);
        (void)recv(fd, buf, sizeof buf, 0);
        const unsigned char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02,
                                       (unsigned char)(s->mode == TS_ALERT ? 40 : 70)};
        tsrv_send_all(fd, alert, sizeof alert);
        tsrv_wait(s, fd, 2000);
        break;
    }
    case TS_407: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        tsrv_record(s, buf);
        const char *b = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
                        "Proxy-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n";
        tsrv_send_all(fd, b, strlen(b));
        tsrv_wait(s, fd, 2000);
        break;
    }
    case TS_PROXY_COALESCE: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        static const char b[] = "HTTP/1.1 200 Connection established\r\n\r\n\x15\x03\x03\x00\x02\x02\x28";
        tsrv_send_all(fd, b, sizeof b - 1);
        tsrv_wait(s, fd, 2000);
        break;
    }
    case TS_RAW: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        tsrv_record(s, buf);
        tsrv_send_all(fd, s->body, strlen(s->body));
        tsrv_wait(s, fd, 2000);
        break;
    }
    case TS_403:
    case TS_STATUS: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        char b[128];
        snprintf(b, sizeof b, "HTTP/1.1 %d Proxy Says No\r\nContent-Length: 0\r\n\r\n",
                 s->mode == TS_403 ? 403 : s->status);
        tsrv_send_all(fd, b, strlen(b));
        tsrv_wait(s, fd, 2000);
        break;
    }
    case TS_HTTP_103: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *b = "HTTP/1.1 103 Early Hints\r\nLink: </x.css>; rel=preload\r\n\r\n"
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        tsrv_send_all(fd, b, strlen(b));
        break;
    }
    case TS_HTTP_100_FLOOD: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *b = "HTTP/1.1 100 Continue\r\n\r\n";
        for (int i = 0; i < 10000 && !tsrv_stopping(s); i++)
            if (send(fd, b, strlen(b), MSG_NOSIGNAL) <= 0)
                break;
        break;
    }
    case TS_HTTP_STREAM: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *h = "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: 8388608\r\n\r\n";
        tsrv_send_all(fd, h, strlen(h));
        memset(buf, 0x30, sizeof buf);
        for (size_t sent = 0; sent < 8u * 1024 * 1024 && !tsrv_stopping(s); sent += sizeof buf) {
            if (send(fd, buf, sizeof buf, MSG_NOSIGNAL) <= 0)
                break;
            atomic_fetch_add(&s->sent, (long long)sizeof buf);
        }
        break;
    }
    case TS_HTTP_HUGE_CL: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\n\r\n";
        tsrv_send_all(fd, h, strlen(h));
        while (tsrv_wait(s, fd, 60000) && recv(fd, buf, sizeof buf, 0) > 0)
            ;
        break;
    }
    case TS_HTTP_DRIP_BODY: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n";
        tsrv_send_all(fd, h, strlen(h));
        while (!tsrv_stopping(s)) {
            if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
                break;
            atomic_fetch_add(&s->sent, 1);
            usleep(50000);
        }
        break;
    }
    case TS_HTTP_EMPTY_OPEN: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        tsrv_send_all(fd, h, strlen(h));
        while (tsrv_wait(s, fd, 60000) && recv(fd, buf, sizeof buf, 0) > 0)
            ;
        break;
    }
    case TS_HTTP_RESET_BODY: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        const char *h = "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\n\r\npartial-crl";
        tsrv_send_all(fd, h, strlen(h));
        usleep(50000);
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        break;
    }
    case TS_HTTP_200:
    case TS_HTTP_404: {
        tsrv_read_head(s, fd, buf, sizeof buf);
        tsrv_record(s, buf);
        char ans[512];
        const char *body = s->body ? s->body : "";
        size_t blen = s->body_len ? s->body_len : strlen(body);
        if (s->mode == TS_HTTP_200)
            snprintf(ans, sizeof ans, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", blen);
        else
            snprintf(ans, sizeof ans, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        tsrv_send_all(fd, ans, strlen(ans));
        if (s->mode == TS_HTTP_200)
            tsrv_send_all(fd, body, blen);
        break;
    }
    default:
        break;
    }
}

static inline void *tsrv_conn_main(void *arg)
{
    tconn *c = arg;
    tsrv *s = c->s;
    switch (s->mode) {
    case TS_TLS_404:
    case TS_TLS_503: tsrv_tls_serve(s, c->fd); break;
    case TS_PROXY: tsrv_proxy_serve(s, c->fd); break;
    case TS_CLOSE: {
        char buf[4096];
        shutdown(c->fd, SHUT_WR);
        while (tsrv_wait(s, c->fd, 3000) && recv(c->fd, buf, sizeof buf, 0) > 0)
            ;
        break;
    }
    default: tsrv_hostile(s, c->fd); break;
    }
    close(c->fd);
    free(c);
    atomic_fetch_sub(&s->active, 1);
    return NULL;
}

static inline void *tsrv_main(void *arg)
{
    tsrv *s = arg;
    while (!tsrv_stopping(s)) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0)
            continue;
        atomic_fetch_add(&s->accepted, 1);
        int one = 1; /* like real servers: no Nagle delay between a flight's records */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        tconn *c = malloc(sizeof *c);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&at, 256 * 1024);
        if (!c) {
            close(fd);
        } else {
            c->s = s;
            c->fd = fd;
            atomic_fetch_add(&s->active, 1);
            if (pthread_create(&t, &at, tsrv_conn_main, c) != 0) {
                atomic_fetch_sub(&s->active, 1);
                close(fd);
                free(c);
            }
        }
        pthread_attr_destroy(&at);
    }
    return NULL;
}

/* Starts a server on 127.0.0.1:<port>, or [::1]:<port> when v6 (port 0: ephemeral).
 * Returns 0 or -1. */
static inline int tsrv_start_port(tsrv *s, tsrv_mode mode, mbedtls_ssl_config *tls, bool v6, int port)
{
    memset(s, 0, sizeof *s);
    s->mode = mode;
    s->tls = tls;
    pthread_mutex_init(&s->mu, NULL);
    s->fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0)
        return -1;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t al;
    if (v6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_loopback;
        a6->sin6_port = htons((uint16_t)port);
        al = sizeof *a6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a4->sin_port = htons((uint16_t)port);
        al = sizeof *a4;
    }
    if (bind(s->fd, (struct sockaddr *)&ss, al) != 0 || listen(s->fd, 512) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&ss, &al) != 0)
        return -1;
    s->port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    return pthread_create(&s->thread, NULL, tsrv_main, s) == 0 ? 0 : -1;
}

static inline int tsrv_start_on(tsrv *s, tsrv_mode mode, mbedtls_ssl_config *tls, bool v6)
{
    return tsrv_start_port(s, mode, tls, v6, 0);
}

static inline int tsrv_start(tsrv *s, tsrv_mode mode, mbedtls_ssl_config *tls)
{
    return tsrv_start_on(s, mode, tls, false);
}

static inline void tsrv_stop(tsrv *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    close(s->fd);
    while (atomic_load(&s->active) > 0)
        usleep(5000);
    pthread_mutex_destroy(&s->mu);
}

/* A port on 127.0.0.1 with nothing listening (bound then closed). */
static inline int tsrv_dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    return ntohs(a.sin_port);
}

/* A listener on 127.0.0.1 whose accept queue is full: a further connect gets no SYN-ACK
 * (the kernel drops the SYN), which is how a firewall's "drop" looks. *fds gets the listener
 * and the queued client (close both). Returns the port, or -1. */
static inline int tsrv_blackhole(int fds[2])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 0) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) != 0)
        return -1;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    fds[0] = l;
    fds[1] = c;
    return ntohs(a.sin_port);
}

/* A TLS server configuration presenting cert (leaf + CA). */
static inline int tsrv_tls_conf(mbedtls_ssl_config *conf, tpki *p, tpki_cert *cert)
{
    mbedtls_ssl_config_init(conf);
    if (mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        return -1;
    mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &p->drbg);
    return mbedtls_ssl_conf_own_cert(conf, &cert->chain, &cert->key);
}

/* ---------- DNS responder ---------- */

typedef struct tdns {
    int fd, port;
    pthread_t thread;
    atomic_bool stop;
    atomic_int queries;
} tdns;

/* Answers by the first label: good.* -> A 127.0.0.1 (AAAA: none), cname.* -> CNAME good.test +
 * A, dual.* -> A 127.0.0.1 and AAAA ::1,
 * nx.* -> NXDOMAIN, fail.* -> SERVFAIL, refused.* -> REFUSED, noaddr.* -> no records,
 * slow.* -> no answer at all, sink.* -> A 0.0.0.0 (a DNS filter's sinkhole). */
static inline size_t tdns_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t outlen)
{
    if (qlen < 17 || outlen < 512)
        return 0;
    size_t i = 12;
    char name[256];
    size_t nl = 0;
    while (i < qlen && q[i] != 0) {
        size_t l = q[i];
        if (i + 1 + l >= qlen || nl + l + 2 >= sizeof name)
            return 0;
        if (nl)
            name[nl++] = '.';
        memcpy(name + nl, q + i + 1, l);
        nl += l;
        i += 1 + l;
    }
    name[nl] = '\0';
    if (i + 5 > qlen)
        return 0;
    size_t qend = i + 5;
    uint16_t qtype = (uint16_t)(q[i + 1] << 8 | q[i + 2]);
    int rcode = 0;
    bool a = false, cname = false, aaaa = false, sink = false;
    if (strncmp(name, "slow.", 5) == 0)
        return 0;
    if (strncmp(name, "nx.", 3) == 0)
        rcode = 3;
    else if (strncmp(name, "fail.", 5) == 0)
        rcode = 2;
    else if (strncmp(name, "refused.", 8) == 0)
        rcode = 5;
    else if (strncmp(name, "good.", 5) == 0)
        a = qtype == 1;
    else if (strncmp(name, "sink.", 5) == 0)
        a = sink = qtype == 1;
    else if (strncmp(name, "dual.", 5) == 0) {
        a = qtype == 1;
        aaaa = qtype == 28;
    } else if (strncmp(name, "cname.", 6) == 0) {
        cname = true;
        a = qtype == 1;
    } else if (strncmp(name, "noaddr.", 7) != 0)
        rcode = 3;
    memcpy(out, q, qend);
    out[2] = 0x81 | (q[2] & 0x01);
    out[3] = (uint8_t)(0x80 | rcode);
    out[4] = 0;
    out[5] = 1;
    out[6] = 0;
    out[7] = (uint8_t)((a ? 1 : 0) + (cname ? 1 : 0) + (aaaa ? 1 : 0));
    memset(out + 8, 0, 4);
    size_t o = qend;
    static const uint8_t target[] = {4, 'g', 'o', 'o', 'd', 4, 't', 'e', 's', 't', 0};
    if (cname) {
        const uint8_t rr[] = {0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60, 0, sizeof target};
        memcpy(out + o, rr, sizeof rr);
        o += sizeof rr;
        memcpy(out + o, target, sizeof target);
        o += sizeof target;
    }
    if (a) {
        const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
        memcpy(out + o, rr, sizeof rr);
        if (sink)
            out[o + 12] = out[o + 15] = 0; /* 0.0.0.0 */
        if (cname) { /* the A record belongs to the CNAME target */
            out[o] = 0xc0;
            out[o + 1] = (uint8_t)(qend + 12);
        }
        o += sizeof rr;
    }
    if (aaaa) {
        const uint8_t rr[] = {0xc0, 0x0c, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0,
                              0,    0,    0, 0,  0, 0, 0, 1};
        memcpy(out + o, rr, sizeof rr);
        o += sizeof rr;
    }
    return o;
}

static inline void *tdns_main(void *arg)
{
    tdns *d = arg;
    uint8_t q[512], out[1024];
    while (!atomic_load(&d->stop)) {
        struct pollfd p = {.fd = d->fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(d->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n <= 0)
            continue;
        atomic_fetch_add(&d->queries, 1);
        size_t len = tdns_answer(q, (size_t)n, out, sizeof out);
        if (len)
            sendto(d->fd, out, len, 0, (struct sockaddr *)&from, fl);
    }
    return NULL;
}

static inline int tdns_start(tdns *d)
{
    memset(d, 0, sizeof *d);
    d->fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (d->fd < 0 || bind(d->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(d->fd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    d->port = ntohs(a.sin_port);
    return pthread_create(&d->thread, NULL, tdns_main, d) == 0 ? 0 : -1;
}

static inline void tdns_stop(tdns *d)
{
    atomic_store(&d->stop, true);
    pthread_join(d->thread, NULL);
    close(d->fd);
}

#endif
