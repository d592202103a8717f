/* report_util.c — UTF-8 sanitising, secret redaction and per-format escaping shared by
 * the report sinks. Every function here is total: any byte string in, well-formed text
 * out, no read past the terminating NUL. */
#include "report/report_util.h"

#include "report/redact.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/base64.h>

#define REPLACEMENT 0xFFFDu

size_t tp_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2; v = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; v = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; v = c & 0x07; min = 0x10000;
    } else {
        *cp = REPLACEMENT;   /* continuation byte alone, C0/C1 overlong lead, F5..FF */
        return 1;
    }
    if (n < len) {
        *cp = REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = REPLACEMENT;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = REPLACEMENT;
        return 1;
    }
    *cp = v;
    return len;
}

size_t tp_utf8_encode(uint32_t cp, char *dst)
{
    unsigned char *d = (unsigned char *)dst;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = REPLACEMENT;
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | (cp >> 6));
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | (cp >> 12));
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | (cp >> 18));
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Valid UTF-8 copy of s without control characters: at most 3 output bytes (U+FFFD)
 * per input byte. */
static char *utf8_sanitize(const char *s)
{
    size_t n = strlen(s);
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t used = tp_utf8_decode(p + i, n - i, &cp);
        i += used;
        /* control characters never leave through a sink (second guard after the
         * loaders, first for network text): TAB/LF/CR read as a space, others go */
        if (cp == '\t' || cp == '\n' || cp == '\r')
            out[o++] = ' ';
        else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            continue;
        else
            o += tp_utf8_encode(cp, out + o);
    }
    out[o] = '\0';
    return out;
}

/* Characters some sink drops silently (C0 controls, DEL, C1 controls, U+FFFE/U+FFFF):
 * a secret with such characters interleaved would reappear whole in that sink's output,
 * so the matcher skips them inside a match. Returns their length in bytes, or 0. */
static size_t droppable(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len = tp_utf8_decode(s, n, &cp);
    if (cp == REPLACEMENT)
        return 0;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF)
        return len;
    return 0;
}

/* End (exclusive) of a match of secret starting at h[i], or 0 if none. */
static size_t match_at(const unsigned char *h, size_t n, size_t i, const char *secret)
{
    const unsigned char *sec = (const unsigned char *)secret;
    size_t k = i, skip;
    if (k >= n || h[k] != sec[0])
        return 0;
    for (size_t j = 0; sec[j];) {
        if (k < n && h[k] == sec[j]) {
            k++;
            j++;
        } else if (k < n && (skip = droppable(h + k, n - k)) > 0) {
            k += skip;
        } else {
            return 0;
        }
    }
    return k;
}

/* Replaces every occurrence of secret in *s (also with droppable characters interleaved)
 * by TP_REDACTED (new allocation). Returns 0, or -1 on allocation failure. */
static int redact(char **s, const char *secret)
{
    if (!secret || !*secret)
        return 0;
    const unsigned char *h = (const unsigned char *)*s;
    size_t n = strlen(*s), rl = strlen(TP_REDACTED), len = 0, count = 0;
    for (size_t i = 0; i < n;) {
        size_t e = match_at(h, n, i, secret);
        if (e) {
            len += rl;
            count++;
            i = e;
        } else {
            len++;
            i++;
        }
    }
    if (count == 0)
        return 0;
    char *out = malloc(len + 1);
    if (!out)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t e = match_at(h, n, i, secret);
        if (e) {
            memcpy(out + o, TP_REDACTED, rl);
            o += rl;
            i = e;
        } else {
            out[o++] = (char)h[i++];
        }
    }
    out[o] = '\0';
    tp_secret_free_n(*s, n);
    *s = out;
    return 0;
}

/* Frees a string that held a secret, wiping it first. */
static void free_secret(char *s)
{
    tp_secret_free(s);
}

/* The Basic token tlspath sends for p (base64 of "user:password", as httpparse builds
 * the Proxy-Authorization line: a user without a password sends "user:"), or NULL. */
static char *basic_token(const tp_path *p, int *rc)
{
    *rc = 0;
    if (!p->username)
        return NULL;
    char *plain = tp_secret_printf("%s:%s", p->username, p->password ? p->password : "");
    if (!plain) {
        *rc = -1;
        return NULL;
    }
    size_t plen = strlen(plain), blen = 0;
    mbedtls_base64_encode(NULL, 0, &blen, (const unsigned char *)plain, plen);
    unsigned char *b64 = malloc(blen + 1);
    if (!b64 || mbedtls_base64_encode(b64, blen + 1, &blen, (const unsigned char *)plain, plen) != 0) {
        free(b64);
        b64 = NULL;
        *rc = -1;
    } else {
        b64[blen] = '\0';
    }
    free_secret(plain);
    return (char *)b64;
}

/* Redacts every secret of p in *s: its Basic token (padded, then without the '='
 * padding a proxy might strip), the user:password pair, the password. */
static int redact_path(char **s, const tp_path *p)
{
    int rc;
    char *token = basic_token(p, &rc);
    if (rc == 0 && token) {
        rc = redact(s, token);
        char *pad = strchr(token, '=');
        if (pad)
            *pad = '\0';
        if (rc == 0)
            rc = redact(s, token);
    }
    free_secret(token);
    if (rc != 0 || !p->password || !*p->password)
        return rc;
    /* the user:password pair first, so neither half is left behind */
    if (p->username) {
        char *pair = tp_secret_printf("%s:%s", p->username, p->password);
        rc = pair ? redact(s, pair) : -1;
        free_secret(pair);
        if (rc != 0)
            return rc;
    }
    return redact(s, p->password);
}

/* Redacts the secrets of every path of run in *s: whole secrets first, then the
 * fragment guard (redact.h) for every run of one that a truncation left behind. */
static int redact_all(const tp_run *run, char **s)
{
    /* most strings hold no trace of any secret: one pass says so (redact.c) */
    size_t ng = tp_rpt_n_paths(run);
    const tp_path *g = ng ? run->cfg->paths : tp_rpt_guard_paths(&ng);
    if (!tp_redact_may_hold(g, ng, *s))
        return 0;
    for (size_t i = 0; i < tp_rpt_n_paths(run); i++)
        if (redact_path(s, tp_rpt_path(run, i)) != 0)
            return -1;
    if (tp_rpt_n_paths(run))
        return tp_redact_fragments(run->cfg->paths, run->cfg->n_paths, s);
    /* no run at hand (serve's history pages): the process-wide list (redact.h) */
    for (size_t i = 0; i < ng; i++)
        if (redact_path(s, &g[i]) != 0)
            return -1;
    return tp_redact_fragments(g, ng, s);
}

static bool g_oom;

void tp_rpt_oom_reset(void)
{
    g_oom = false;
}

void tp_rpt_oom_set(void)
{
    g_oom = true;
}

bool tp_rpt_oom(void)
{
    return g_oom;
}

static char *clean_text(const tp_run *run, const char *s);

char *tp_rpt_clean(const tp_run *run, const char *s)
{
    char *out = clean_text(run, s);
    if (s && !out)
        g_oom = true;
    return out;
}

static char *clean_text(const tp_run *run, const char *s)
{
    if (!s)
        return NULL;
    /* Defence in depth: the model promises no secret in any text, but a proxy that
     * echoes the Proxy-Authorization line back in an error page would break that.
     * Redacted on the raw bytes (a secret that is not valid UTF-8) and again after
     * the UTF-8 repair. */
    char *raw = tp_strdup(s);
    if (!raw || redact_all(run, &raw) != 0) {
        free(raw);
        return NULL;
    }
    char *out = utf8_sanitize(raw);
    free_secret(raw);
    if (!out)
        return NULL;
    if (redact_all(run, &out) != 0) {
        free_secret(out);
        return NULL;
    }
    return out;
}

/* Calls emit(cp) for each character of s after UTF-8 repair. */
#define FOR_EACH_CP(s, cp, body)                                              \
    do {                                                                      \
        const unsigned char *p_ = (const unsigned char *)(s);                 \
        size_t n_ = strlen(s);                                                \
        for (size_t i_ = 0; i_ < n_;) {                                       \
            uint32_t cp;                                                      \
            i_ += tp_utf8_decode(p_ + i_, n_ - i_, &cp);                      \
            body                                                              \
        }                                                                     \
    } while (0)

static void put_cp(FILE *out, uint32_t cp)
{
    char b[4];
    fwrite(b, 1, tp_utf8_encode(cp, b), out);
}

static bool xml_char_allowed(uint32_t cp)
{
    if (cp < 0x20)
        return cp == 0x09 || cp == 0x0A || cp == 0x0D;
    return cp != 0xFFFE && cp != 0xFFFF;
}

void tp_xml_put(FILE *out, const char *s, int attr)
{
    if (!s)
        return;
    FOR_EACH_CP(s, cp, {
        if (!xml_char_allowed(cp))
            continue;
        switch (cp) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\t': case '\n': case '\r':
            if (attr)
                fprintf(out, "&#%u;", (unsigned)cp);
            else
                fputc((int)cp, out);
            break;
        default: put_cp(out, cp); break;
        }
    });
}

void tp_prom_label_put(FILE *out, const char *s)
{
    if (!s)
        return;
    FOR_EACH_CP(s, cp, {
        if (cp == '\\')
            fputs("\\\\", out);
        else if (cp == '"')
            fputs("\\\"", out);
        else if (cp == '\n')
            fputs("\\n", out);
        else if (cp < 0x20 || cp == 0x7F)
            continue;
        else
            put_cp(out, cp);
    });
}

size_t tp_term_clean(char *dst, size_t cap, const char *s)
{
    size_t o = 0, chars = 0;
    if (cap == 0)
        return 0;
    dst[0] = '\0';
    if (!s)
        return 0;
    FOR_EACH_CP(s, cp, {
        if (cp == '\n' || cp == '\t' || cp == '\r')
            cp = ' ';
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
            continue;
        char b[4];
        size_t len = tp_utf8_encode(cp, b);
        if (o + len + 1 > cap)
            break;
        memcpy(dst + o, b, len);
        o += len;
        chars++;
    });
    dst[o] = '\0';
    return chars;
}

void tp_rpt_say(FILE *out, const tp_config *cfg, const char *prefix, const char *msg)
{
    tp_run run = {.cfg = cfg};
    char *clean = tp_rpt_clean(&run, msg ? msg : "");
    size_t cap = (clean ? strlen(clean) : 0) + 1;
    char *line = malloc(cap);
    if (clean && line)
        tp_term_clean(line, cap, clean);
    fprintf(out, "tlspath: %s%s\n", prefix ? prefix : "", clean && line ? line : "(message withheld: out of memory)");
    free(line);
    tp_secret_free(clean);
}

size_t tp_utf8_len(const char *s)
{
    size_t chars = 0;
    if (!s)
        return 0;
    FOR_EACH_CP(s, cp, { (void)cp; chars++; });
    return chars;
}

char *tp_rfc3339_ms(int64_t ms, char *dst, size_t cap)
{
    /* floor division, so times before 1970 keep a positive millisecond part */
    int64_t sec = ms / 1000, rem = ms % 1000;
    if (rem < 0) {
        rem += 1000;
        sec -= 1;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(dst, cap, "1970-01-01T00:00:00.000Z");
        return dst;
    }
    snprintf(dst, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)rem);
    return dst;
}

size_t tp_rpt_n_paths(const tp_run *run)
{
    return run && run->cfg ? run->cfg->n_paths : 0;
}

const tp_path *tp_rpt_path(const tp_run *run, size_t i)
{
    return &run->cfg->paths[i];
}

size_t tp_rpt_path_index(const tp_run *run, const tp_path *p)
{
    for (size_t i = 0; p && i < tp_rpt_n_paths(run); i++)
        if (&run->cfg->paths[i] == p)
            return i;
    return (size_t)-1;
}
