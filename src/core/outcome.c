/* outcome.c — the rows of core/outcome.def as a const table, name lookups, the Windows
 * error rule and the one remediation-template expander. */
#include "core/outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"

#define OC_VARIES TP_OC_PHASE_VARIES
#define OC_NO_WINERR NULL
#define OC_NO_FIX NULL

static const tp_outcome_info g_rows[TP_OC_COUNT] = {
    [TP_OC_NONE] = {NULL, TP_PH_DONE, TP_OCAT_NONE, TP_OSRC_ENGINE, false, false, NULL,
                    TP_OWIN_FIXED, NULL, NULL},
#define OC(id, name, phase, cat, src, blames, unreach, winerr, winfrom, fix, doc) \
    [TP_OC_##id] = {name, phase, cat, src, blames, unreach, winerr, winfrom, fix, doc},
#include "core/outcome.def"
#undef OC
};

const tp_outcome_info *tp_outcome_info_of(tp_outcome oc)
{
    return (unsigned)oc < TP_OC_COUNT ? &g_rows[oc] : &g_rows[TP_OC_NONE];
}

const char *tp_outcome_name(tp_outcome oc)
{
    return tp_outcome_info_of(oc)->name;
}

tp_outcome tp_outcome_from_name(const char *name)
{
    for (int i = 1; name && i < TP_OC_COUNT; i++)
        if (strcmp(g_rows[i].name, name) == 0)
            return (tp_outcome)i;
    return TP_OC_NONE;
}

const char *tp_outcome_category_name(tp_outcome_cat c)
{
    static const char *const names[] = {"none", "dns", "connect", "proxy", "timeout", "tls",
                                        "http", "fetch", "tester", "verify", "revocation", "crl"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "none";
}

const char *tp_outcome_windows_error(tp_outcome oc, int proxy_status, int http_status,
                                     char buf[16])
{
    const tp_outcome_info *in = tp_outcome_info_of(oc);
    int st = in->windows_from == TP_OWIN_PROXY_STATUS  ? proxy_status
             : in->windows_from == TP_OWIN_HTTP_STATUS ? http_status
                                                        : 0;
    /* HTTP statuses surface as 0x8019xxxx (BG_E_HTTP_ERROR_<status>) */
    if (st >= 300 && st <= 599) {
        snprintf(buf, 16, "0x8019%04X", (unsigned)st);
        return buf;
    }
    return in->windows_error;
}

const char *const tp_outcome_placeholders[] = {
    "host", "port", "rule", "path", "cfg_path", "proxy_port", "code", "proxy_status",
    "http_status", "auth_scheme", "resolver", "cname", "top_issuer", "leaf_subject", "pinset",
    "crl_host", "crl_path", "user", NULL};
const char *const tp_outcome_conditions[] = {"via_proxy", "http", "proxy_status", "cname",
                                             "crl_direct", "crl_slow", NULL};

/* ---------- template expansion ---------- */

typedef struct obuf {
    char *s;
    size_t len, cap;
    bool bad;
} obuf;

static void put(obuf *b, const char *s, size_t n)
{
    if (b->bad)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->bad = true;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

typedef struct xctx {
    tp_outcome_lookup_fn lookup;
    tp_outcome_cond_fn cond;
    void *ud;
} xctx;

/* Expands t[0..n) into b; returns false on a malformed template. Branches hold no '|' or
 * '}' of their own except inside nested placeholders, so a conditional's parts are found
 * by depth-counting braces. */
static bool expand(const xctx *x, const char *t, size_t n, obuf *b)
{
    size_t i = 0;
    while (i < n) {
        const char *open = memchr(t + i, '{', n - i);
        size_t lit = open ? (size_t)(open - (t + i)) : n - i;
        put(b, t + i, lit);
        i += lit;
        if (!open)
            break;
        /* find the matching '}' and, for a conditional, its two top-level '|' */
        size_t depth = 0, bars[2], nbars = 0, j = i;
        for (; j < n; j++) {
            if (t[j] == '{')
                depth++;
            else if (t[j] == '}' && --depth == 0)
                break;
            else if (t[j] == '|' && depth == 1 && nbars < 2)
                bars[nbars++] = j;
        }
        if (j >= n)
            return false;
        const char *in = t + i + 1;
        size_t in_len = j - i - 1;
        if (in_len > 0 && in[0] == '?') {
            if (nbars != 2)
                return false;
            bool yes = x->cond && x->cond(x->ud, in + 1, bars[0] - (i + 2));
            size_t from = yes ? bars[0] + 1 : bars[1] + 1;
            size_t to = yes ? bars[1] : j;
            if (!expand(x, t + from, to - from, b))
                return false;
        } else {
            if (nbars != 0 || in_len == 0)
                return false;
            char vb[64];
            const char *v = x->lookup ? x->lookup(x->ud, in, in_len, vb, sizeof vb) : NULL;
            v = v ? v : "?";
            put(b, v, strlen(v));
        }
        i = j + 1;
    }
    return true;
}

char *tp_outcome_expand(const char *tmpl, tp_outcome_lookup_fn lookup, tp_outcome_cond_fn cond,
                        void *ud)
{
    if (!tmpl)
        return NULL;
    xctx x = {lookup, cond, ud};
    obuf b = {NULL, 0, 0, false};
    put(&b, "", 0);
    if (!expand(&x, tmpl, strlen(tmpl), &b) || b.bad) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
