/* anchors.c — expiry warnings for the trust anchors of a run (see anchors.h). */
#include "pki/anchors.h"

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), for an mbedtls_x509_time. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t x509_time_s(const mbedtls_x509_time *t)
{
    return days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

/* The CN of a certificate's subject, or its whole DN when it has none. */
static void subject_name(const mbedtls_x509_crt *c, char *buf, size_t len)
{
    for (const mbedtls_x509_name *n = &c->subject; n; n = n->next)
        if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
            snprintf(buf, len, "%.*s", (int)n->val.len, (const char *)n->val.p);
            return;
        }
    if (mbedtls_x509_dn_gets(buf, len, &c->subject) < 0)
        snprintf(buf, len, "?");
}

static int judge_chain(const mbedtls_x509_crt *chain, const char *origin, int64_t now_s, tp_strlist *out)
{
    for (const mbedtls_x509_crt *c = chain; c && c->raw.p; c = c->next) {
        int64_t end = x509_time_s(&c->valid_to);
        int64_t days = (end - now_s) / 86400;
        if (end - now_s > (int64_t)TP_ANCHOR_WARN_DAYS * 86400)
            continue;
        char name[256];
        subject_name(c, name, sizeof name);
        char *line = end <= now_s
            ? tp_asprintf("trust anchor \"%s\" (%s) expired on %04d-%02d-%02d: chains and pins that rely on "
                          "it alone no longer hold; Microsoft has likely rotated to a newer chain",
                          name, origin, c->valid_to.year, c->valid_to.mon, c->valid_to.day)
            : tp_asprintf("trust anchor \"%s\" (%s) expires on %04d-%02d-%02d, in %lld day(s)", name, origin,
                          c->valid_to.year, c->valid_to.mon, c->valid_to.day, (long long)days);
        if (!line)
            return -1;
        int rc = tp_strlist_has(out, line) ? 0 : tp_strlist_add(out, line);
        free(line);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int judge_pem(const char *pem, size_t len, const char *origin, int64_t now_s, tp_strlist *out)
{
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    int rc = 0;
    /* parse returns > 0 when some certificates in a bundle failed: judge the rest */
    if (mbedtls_x509_crt_parse(&chain, (const unsigned char *)pem, len) >= 0)
        rc = judge_chain(&chain, origin, now_s, out);
    mbedtls_x509_crt_free(&chain);
    return rc;
}

static int judge_file(const char *file, int64_t now_s, tp_strlist *out)
{
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    int rc = 0;
    if (mbedtls_x509_crt_parse_file(&chain, file) >= 0)
        rc = judge_chain(&chain, file, now_s, out);
    mbedtls_x509_crt_free(&chain);
    return rc;
}

int tp_anchor_warnings(const tp_config *cfg, int64_t now_s, tp_strlist *out)
{
    /* +1: mbedtls wants the NUL terminator counted for PEM input */
    if (judge_pem(tp_embed_ms_root_2011, tp_embed_ms_root_2011_len + 1, "built-in", now_s, out) ||
        judge_pem(tp_embed_ms_ca_2011, tp_embed_ms_ca_2011_len + 1, "built-in", now_s, out))
        return -1;
    for (size_t i = 0; i < cfg->ca_files.n; i++)
        if (judge_file(cfg->ca_files.v[i], now_s, out))
            return -1;
    for (size_t p = 0; p < cfg->n_paths; p++)
        for (size_t i = 0; i < cfg->paths[p].ca_files.n; i++)
            if (judge_file(cfg->paths[p].ca_files.v[i], now_s, out))
                return -1;
    return 0;
}
