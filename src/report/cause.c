/* cause.c — the cause table (cause.h). Rows are matched in order: single codes first,
 * then whole categories of the outcome table (core/outcome.def) for the codes not named
 * above them: codes are compared as enums, never as strings. A row without an
 * abbreviation shows a status number: the proxy's for the proxy category (PRXY when
 * there is none), the endpoint's for http_status. */
#include "report/cause.h"

#include <stdio.h>
#include <string.h>

#include "core/outcome.h"

typedef struct cause_def {
    tp_outcome code;     /* one code, or TP_OC_NONE: the rest of category cat */
    tp_outcome_cat cat;  /* with TP_OC_NONE */
    const char *abbr;    /* NULL: a status number */
    const char *meaning;
} cause_def;

#define ONE(oc) TP_OC_##oc, TP_OCAT_NONE
#define ALL(cat) TP_OC_NONE, TP_OCAT_##cat

static const cause_def CAUSES[] = {
    {ONE(DNS_NXDOMAIN), "NXD", "the name does not exist (NXDOMAIN)"},
    {ONE(DNS_TIMEOUT), "DNS", "DNS failed (no answer, refused, no address)"},
    {ALL(DNS), "DNS", "DNS failed (no answer, refused, no address)"},
    {ONE(CONNECT_TIMEOUT), "T/O", "no answer: connection dropped, or a phase deadline"},
    {ONE(TIMEOUT), "T/O", "no answer: connection dropped, or a phase deadline"},
    {ONE(CONNECT_REFUSED), "REF", "TCP connection refused"},
    {ALL(CONNECT), "CONN", "TCP connection failed"},
    {ONE(PROXY_FALLBACK), "FBK", "the proxy is down; the probe fell back to direct"},
    {ONE(PROXY_AUTH_REQUIRED), "407", "the proxy asks for authentication"},
    {ONE(PROXY_AUTH_REJECTED), "AUTH", "the proxy refused the credentials"},
    {ONE(PROXY_AUTH_INTEGRATED), "NEG", "the proxy asks for Negotiate/NTLM only"},
    {ALL(PROXY), NULL, "the proxy's HTTP status (PRXY: the proxy broke the exchange)"},
    {ONE(INTERCEPTED), "MITM", "TLS re-signed by an inspecting proxy or firewall"},
    {ONE(PIN_MISMATCH), "PIN", "chain not in the endpoint's pin set"},
    {ONE(TLS_EXPIRED), "EXP", "expired certificate"},
    {ONE(TLS_UNTRUSTED), "CA", "chain anchors in no trusted CA"},
    {ONE(TLS_HOSTNAME_MISMATCH), "NAME", "certificate for another name"},
    {ONE(TLS_RESET), "RST", "connection reset during the TLS handshake"},
    {ONE(TLS_ALERT), "ALRT", "TLS alert from the peer"},
    {ONE(TLS_NOT_TLS), "!TLS", "the peer does not speak TLS"},
    {ALL(TLS), "TLS", "TLS handshake failed"},
    {ONE(REVOKED), "REV", "revoked certificate"},
    {ONE(CRL_UNREACHABLE), "CRL", "CRL could not be fetched"},
    {ONE(REVOCATION_UNKNOWN), "CRL?", "CRL unusable, or the leaf names none"},
    {ONE(HTTP_STATUS), NULL, "the endpoint's unexpected HTTP status"},
    {ALL(HTTP), "HTTP", "the HTTP exchange broke"},
};
#define N_CAUSES (sizeof CAUSES / sizeof CAUSES[0])

int tp_cause_index(const tp_result *r)
{
    if (!r || (r->status != TP_ST_FAIL && r->status != TP_ST_WARN) || r->error_code == TP_OC_NONE)
        return -1;
    /* a warning about where devices go, not a failure of the path: no cause to show */
    if (r->error_code == TP_OC_DIRECT_ONLY_VIA_PROXY)
        return -1;
    tp_outcome_cat cat = tp_outcome_info_of(r->error_code)->category;
    for (size_t i = 0; i < N_CAUSES; i++)
        if (CAUSES[i].code == TP_OC_NONE ? CAUSES[i].cat == cat : CAUSES[i].code == r->error_code)
            return (int)i;
    return -1;
}

/* The category a row is about (its code's, or the one it stands for). */
static tp_outcome_cat row_category(const cause_def *d)
{
    return d->code == TP_OC_NONE ? d->cat : tp_outcome_info_of(d->code)->category;
}

const char *tp_cause_short(const tp_result *r, char *buf, size_t cap)
{
    int i = tp_cause_index(r);
    if (i < 0)
        return NULL;
    const cause_def *d = &CAUSES[i];
    if (d->abbr)
        return d->abbr;
    bool proxy = row_category(d) == TP_OCAT_PROXY;
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
