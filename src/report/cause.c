/* cause.c — the cause table (cause.h). Rows are matched in order: exact codes first, then
 * prefixes ending in '_'. A row without an abbreviation shows a status number: the
 * proxy's for proxy_* codes (PRXY when there is none), the endpoint's for http_status. */
#include "report/cause.h"

#include <stdio.h>
#include <string.h>

#include "core/outcome.h"

typedef struct cause_def {
    const char *code;    /* exact error code, or a prefix ending in '_' */
    const char *abbr;    /* NULL: a status number */
    const char *meaning;
} cause_def;

static const cause_def CAUSES[] = {
    {"dns_nxdomain", "NXD", "the name does not exist (NXDOMAIN)"},
    {"dns_timeout", "DNS", "DNS failed (no answer, refused, no address)"},
    {"dns_", "DNS", "DNS failed (no answer, refused, no address)"},
    {"connect_timeout", "T/O", "no answer: connection dropped, or a phase deadline"},
    {"timeout", "T/O", "no answer: connection dropped, or a phase deadline"},
    {"connect_refused", "REF", "TCP connection refused"},
    {"connect_", "CONN", "TCP connection failed"},
    {"proxy_fallback", "FBK", "the proxy is down; the probe fell back to direct"},
    {"proxy_auth_required", "407", "the proxy asks for authentication"},
    {"proxy_auth_rejected", "AUTH", "the proxy refused the credentials"},
    {"proxy_auth_integrated", "NEG", "the proxy asks for Negotiate/NTLM only"},
    {"proxy_", NULL, "the proxy's HTTP status (PRXY: the proxy broke the exchange)"},
    {"intercepted", "MITM", "TLS re-signed by an inspecting proxy or firewall"},
    {"pin_mismatch", "PIN", "chain not in the endpoint's pin set"},
    {"tls_expired", "EXP", "expired certificate"},
    {"tls_untrusted", "CA", "chain anchors in no trusted CA"},
    {"tls_hostname_mismatch", "NAME", "certificate for another name"},
    {"tls_reset", "RST", "connection reset during the TLS handshake"},
    {"tls_alert", "ALRT", "TLS alert from the peer"},
    {"tls_not_tls", "!TLS", "the peer does not speak TLS"},
    {"tls_", "TLS", "TLS handshake failed"},
    {"revoked", "REV", "revoked certificate"},
    {"crl_unreachable", "CRL", "CRL could not be fetched"},
    {"revocation_unknown", "CRL?", "CRL unusable, or the leaf names none"},
    {"http_status", NULL, "the endpoint's unexpected HTTP status"},
    {"http_", "HTTP", "the HTTP exchange broke"},
};
#define N_CAUSES (sizeof CAUSES / sizeof CAUSES[0])

int tp_cause_index(const tp_result *r)
{
    if (!r || (r->status != TP_ST_FAIL && r->status != TP_ST_WARN))
        return -1;
    const char *code = tp_outcome_name(r->error_code);
    for (size_t i = 0; code && i < N_CAUSES; i++) {
        size_t n = strlen(CAUSES[i].code);
        bool prefix = CAUSES[i].code[n - 1] == '_';
        if (prefix ? strncmp(code, CAUSES[i].code, n) == 0 : strcmp(code, CAUSES[i].code) == 0)
            return (int)i;
    }
    return -1;
}

const char *tp_cause_short(const tp_result *r, char *buf, size_t cap)
{
    int i = tp_cause_index(r);
    if (i < 0)
        return NULL;
    const cause_def *d = &CAUSES[i];
    if (d->abbr)
        return d->abbr;
    bool proxy = strncmp(d->code, "proxy_", 6) == 0;
    int st = proxy ? r->proxy_status : r->http_status;
    if (st >= 100 && st <= 999)
        snprintf(buf, cap, "%d", st);
    else
        snprintf(buf, cap, "%s", proxy ? "PRXY" : "?");
    return buf;
}

size_t tp_cause_count(void)
{
    return N_CAUSES;
}

const char *tp_cause_abbr(size_t i)
{
    return i < N_CAUSES ? (CAUSES[i].abbr ? CAUSES[i].abbr : "nnn") : "?";
}

const char *tp_cause_meaning(size_t i)
{
    return i < N_CAUSES ? CAUSES[i].meaning : "?";
}
