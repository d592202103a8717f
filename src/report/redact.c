/* redact.c — the fragment guard (redact.h): no run of TP_SECRET_RUN_MIN characters of
 * a configured secret, or of its encoded forms, leaves tlspath. */
#include "report/redact.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#include "base/secret.h"
#include "report/report_util.h"

/* One guarded string, the shortest run of it that is refused, and which of its
 * characters carry the secret: in "user:password" and its encodings the part that
 * encodes only the user name is no secret (a report may name the user, and "svc-proxy-
 * user" must not turn the phase "proxy" into "[redacted]"), so a run is refused only if
 * it holds at least one character that encodes part of the password. */
typedef struct guarded {
    char *s;
    unsigned char *secret; /* per byte of s: 1 if it encodes a password byte */
    size_t min;
} guarded;

/* password and pair, each plain, URL-, base64-, hex lower- and hex upper-encoded */
#define MAX_GUARDED 10


/* An encoding of plain[0..n) into g (whose s and secret point at n * 3 + 5 bytes each of
 * the caller's arena) with, per output byte, whether it encodes a byte at index >= from
 * (the password part). kind: 'p' plain, 'u' URL, 'b' base64, 'x'/'X' hex. */
static void encode(guarded *g, const char *plain, size_t from, int kind, size_t min)
{
    static const char b64a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *hex = kind == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = strlen(plain), o = 0;
    g->min = min;
    const unsigned char *u = (const unsigned char *)plain;
    if (kind == 'b') {
        /* character c holds bits [6c, 6c + 6) of the byte stream */
        size_t chars = (n * 8 + 5) / 6;
        for (size_t c = 0; c < chars; c++) {
            size_t bit = 6 * c, v = 0;
            for (size_t b = 0; b < 6; b++, bit++) {
                size_t byte = bit / 8;
                int on = byte < n ? (u[byte] >> (7 - bit % 8)) & 1 : 0;
                v = (v << 1) | (size_t)on;
            }
            size_t first = 6 * c / 8, last = (6 * c + 5) / 8 < n ? (6 * c + 5) / 8 : n - 1;
            g->s[o] = b64a[v];
            g->secret[o++] = last >= from && first <= last;
        }
        while (o % 4)
            g->s[o] = '=', g->secret[o++] = 0;
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = u[i], sec = i >= from;
            bool plain_ok = kind == 'p' || (kind == 'u' && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                                            (c >= '0' && c <= '9') || strchr("-._~", c)));
            if (plain_ok) {
                g->s[o] = (char)c, g->secret[o++] = sec;
                continue;
            }
            if (kind == 'u')
                g->s[o] = '%', g->secret[o++] = sec;
            const char *digits = kind == 'u' ? "0123456789ABCDEF" : hex;
            g->s[o] = digits[c >> 4], g->secret[o++] = sec;
            g->s[o] = digits[c & 15], g->secret[o++] = sec;
        }
    }
    g->s[o] = '\0';
}

/* The bytes collect_into needs for p's guarded strings (0: p has no password). */
static size_t collect_size(const tp_path *p)
{
    if (!p->password || !*p->password)
        return 0;
    size_t ul = p->username ? strlen(p->username) : 0, pl = strlen(p->password);
    if (pl > SIZE_MAX / 64 || ul > SIZE_MAX / 64)
        return SIZE_MAX;
    size_t pair_len = ul + 1 + pl;
    return pair_len + 1 + 10 * ((pair_len * 3 + 5) * 2);
}

/* The guarded strings of one path, laid out in buf (collect_size(p) bytes): the pair
 * "user:password" first, then 5 kinds x (password, pair) encodings with their flags. */
static void collect_into(const tp_path *p, guarded *g, size_t *n, char *buf)
{
    const char *user = p->username ? p->username : "";
    size_t ul = strlen(user), pl = strlen(p->password), pair_len = ul + 1 + pl;
    size_t per = (pair_len * 3 + 5) * 2;
    char *pair = buf;
    memcpy(pair, user, ul);
    pair[ul] = ':';
    memcpy(pair + ul + 1, p->password, pl + 1);
    char *cur = buf + pair_len + 1;
    static const int kinds[] = {'p', 'u', 'b', 'x', 'X'};
    *n = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        /* hex spends two digits per byte: its run is two bytes' worth per character */
        size_t min = (kinds[k] == 'x' || kinds[k] == 'X') ? 2 * TP_SECRET_RUN_MIN : TP_SECRET_RUN_MIN;
        for (int which = 0; which < 2; which++) {
            guarded *x = &g[(*n)++];
            x->s = cur;
            x->secret = (unsigned char *)cur + per / 2;
            cur += per;
            encode(x, which ? pair : p->password, which ? ul + 1 : 0, kinds[k], min);
        }
    }
}

/* Characters some sink drops (C0 and C1 controls, DEL, U+FFFE/U+FFFF): skipped inside
 * a run, since the sink would join what they separate. Their length in bytes, or 0. */
static size_t droppable(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len = tp_utf8_decode(s, n, &cp);
    if (cp == 0xFFFDu)
        return 0;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF)
        return len;
    return 0;
}

#define IDX_MAX 1024 /* bytes of a guarded string indexed; a longer secret is still
                        refused whole by report_util's redaction */
#define IDX_NONE 0xFFFF

/* Where each byte value occurs in g: a text byte is then tried only against the
 * positions it can match (every report string passes here). */
typedef struct gindex {
    uint16_t first[256];
    uint16_t nexts[IDX_MAX];
} gindex;

static void index_build(const guarded *g, gindex *x)
{
    const unsigned char *sec = (const unsigned char *)g->s;
    size_t m = strlen(g->s);
    if (m > IDX_MAX)
        m = IDX_MAX;
    for (size_t b = 0; b < 256; b++)
        x->first[b] = IDX_NONE;
    for (size_t j = m; j-- > 0;) {
        x->nexts[j] = x->first[sec[j]];
        x->first[sec[j]] = (uint16_t)j;
    }
}

/* Whether the byte can start a droppable character: C0 controls and DEL, C1 controls
 * (0xC2 0x80-0x9F), U+FFFE/U+FFFF (0xEF 0xBF 0xBE/0xBF). Every other byte skips the UTF-8
 * decode: mark_runs asks this at each mismatch, for every byte of every report string. */
static bool may_drop(unsigned char c)
{
    return c < 0x20 || c == 0x7F || c == 0xC2 || c == 0xEF;
}

/* Marks in mark[] every byte of h that belongs to a run of g (droppable bytes inside a
 * run included). Returns whether anything was marked. */
static bool mark_runs(const unsigned char *h, size_t n, const guarded *g, const gindex *x, unsigned char *mark)
{
    const unsigned char *sec = (const unsigned char *)g->s;
    size_t m = strlen(g->s), need = m < g->min ? m : g->min;
    size_t rl = strlen(TP_REDACTED);
    bool any = false;
    if (m > IDX_MAX)
        m = IDX_MAX;
    for (size_t i = 0; i < n; i++) {
        /* an earlier redaction marker is ours, not the secret's (a password that
         * shares letters with "[redacted]" must not eat its own marker) */
        if (h[i] == (unsigned char)TP_REDACTED[0] && n - i >= rl && memcmp(h + i, TP_REDACTED, rl) == 0) {
            i += rl - 1;
            continue;
        }
        for (size_t j = x->first[h[i]]; j != IDX_NONE; j = x->nexts[j]) {
            size_t k = i, jj = j, got = 0, end = i, skip;
            bool secret = false;
            while (jj < m && k < n) {
                if (h[k] == sec[jj]) {
                    secret = secret || g->secret[jj];
                    k++;
                    jj++;
                    got++;
                    end = k;
                } else if (may_drop(h[k]) && (skip = droppable(h + k, n - k)) > 0) {
                    k += skip;
                } else {
                    break;
                }
            }
            if (got >= need && secret) {
                memset(mark + i, 1, end - i);
                any = true;
            }
        }
    }
    return any;
}

/* One path's guarded strings and indexes, kept between calls: every string of every
 * report passes here, and rebuilding them each time made serve's loop miss its deadlines
 * under ASan. Keyed by the credentials' content, never their address; in static storage
 * (nothing on the heap to leak), wiped by tp_rpt_guard_clear. A path whose credentials
 * do not fit is handled on the heap, per call. */
#define CACHE_SLOTS 8
#define CACHE_ARENA 8192
#define GRAM_SLOTS 8192   /* power of two, at least twice the 4-grams an arena can hold */
typedef struct cached {
    bool used;
    size_t ulen, len;
    char arena[CACHE_ARENA];
    guarded g[MAX_GUARDED];
    size_t ng;
    gindex idx[MAX_GUARDED];
    /* every 4-byte window of every guarded string (0 = empty slot): a text none of whose
     * windows is here holds no run of TP_SECRET_RUN_MIN (>= 4) — the common case, decided
     * in one pass instead of mark_runs per guarded string; grams_ok false: no shortcut */
    uint32_t grams[GRAM_SLOTS];
    bool grams_ok;
} cached;

static uint32_t gram_at(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t gram_slot(uint32_t gram)
{
    return (size_t)((gram * 2654435761u) >> 19) & (GRAM_SLOTS - 1);
}

static bool gram_has(const cached *c, uint32_t gram)
{
    for (size_t h = gram_slot(gram);; h = (h + 1) & (GRAM_SLOTS - 1)) {
        if (c->grams[h] == gram)
            return true;
        if (c->grams[h] == 0)
            return false;
    }
}

static void grams_build(cached *c)
{
    memset(c->grams, 0, sizeof c->grams);
    c->grams_ok = TP_SECRET_RUN_MIN >= 4;
    size_t n = 0;
    for (size_t i = 0; i < c->ng && c->grams_ok; i++) {
        const unsigned char *g = (const unsigned char *)c->g[i].s;
        size_t m = strlen(c->g[i].s);
        if (m < 4 || m < c->g[i].min) {   /* a run shorter than a window: no shortcut */
            c->grams_ok = false;
            break;
        }
        for (size_t j = 0; j + 4 <= m; j++) {
            uint32_t gram = gram_at(g + j);
            if (gram_has(c, gram))
                continue;
            if (++n > GRAM_SLOTS / 2) {
                c->grams_ok = false;
                break;
            }
            size_t h = gram_slot(gram);
            while (c->grams[h])
                h = (h + 1) & (GRAM_SLOTS - 1);
            c->grams[h] = gram;
        }
    }
    if (!c->grams_ok)
        memset(c->grams, 0, sizeof c->grams);
}

/* Whether s may hold a run of c's secrets: false only when it certainly does not (no byte
 * that a sink could drop between a run's characters, and no 4-byte window of a guarded
 * string). */
static bool may_hold(const cached *c, const unsigned char *s, size_t n)
{
    if (!c->grams_ok)
        return true;
    for (size_t i = 0; i < n; i++)
        if (may_drop(s[i]))
            return true;
    for (size_t i = 0; i + 4 <= n; i++)
        if (gram_has(c, gram_at(s + i)))
            return true;
    return false;
}
static cached g_cache[CACHE_SLOTS];
static unsigned g_cache_next;

static bool cache_matches(const cached *c, const tp_path *p)
{
    const char *user = p->username ? p->username : "";
    size_t ul = strlen(user);
    return c->used && c->ulen == ul && memcmp(c->arena, user, ul) == 0 && c->arena[ul] == ':' &&
           strcmp(c->arena + ul + 1, p->password) == 0;
}

static const cached *cache_get(const tp_path *p, size_t need)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (cache_matches(&g_cache[i], p))
            return &g_cache[i];
    if (need > CACHE_ARENA)
        return NULL;
    cached *c = &g_cache[g_cache_next++ % CACHE_SLOTS];
    tp_secret_wipe(c->arena, sizeof c->arena);
    collect_into(p, c->g, &c->ng, c->arena);
    for (size_t i = 0; i < c->ng; i++)
        index_build(&c->g[i], &c->idx[i]);
    grams_build(c);
    c->ulen = p->username ? strlen(p->username) : 0;
    c->len = need;
    c->used = true;
    return c;
}

static void cache_clear(void)
{
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        tp_secret_wipe(g_cache[i].arena, sizeof g_cache[i].arena);
        tp_secret_wipe(g_cache[i].grams, sizeof g_cache[i].grams);
        g_cache[i].used = false;
    }
}

/* Rewrites *s with every marked span replaced by one TP_REDACTED. */
static int rewrite(char **s, size_t n, const unsigned char *mark)
{
    size_t rl = strlen(TP_REDACTED), len = 0;
    for (size_t i = 0; i < n; i++)
        if (!mark[i])
            len++;
        else if (i == 0 || !mark[i - 1])
            len += rl;
    char *out = malloc(len + 1);
    if (!out)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (!mark[i]) {
            out[o++] = (*s)[i];
        } else if (i == 0 || !mark[i - 1]) {
            memcpy(out + o, TP_REDACTED, rl);
            o += rl;
        }
    }
    out[o] = '\0';
    tp_secret_free_n(*s, n + 1);
    *s = out;
    return 0;
}

/* Marks the runs of every secret of paths in s; *marked says whether any was found.
 * Returns the mark array (n + 1 bytes) or NULL on allocation failure. */
static unsigned char *scan(const tp_path *paths, size_t n_paths, const char *s, size_t n, bool *marked)
{
    unsigned char *mark = calloc(n + 1, 1);
    *marked = false;
    if (!mark)
        return NULL;
    for (size_t p = 0; p < n_paths; p++) {
        size_t need = collect_size(&paths[p]);
        if (need == 0)
            continue;
        const cached *c = need == SIZE_MAX ? NULL : cache_get(&paths[p], need);
        if (c) {
            if (!may_hold(c, (const unsigned char *)s, n))
                continue;
            for (size_t i = 0; i < c->ng; i++)
                if (mark_runs((const unsigned char *)s, n, &c->g[i], &c->idx[i], mark))
                    *marked = true;
            continue;
        }
        /* too long for the cache: built on the heap for this call */
        char *arena = need == SIZE_MAX ? NULL : malloc(need);
        gindex *idx = arena ? malloc(sizeof *idx) : NULL;
        if (!arena || !idx) {
            tp_secret_free_n(arena, need);
            free(mark);
            return NULL;
        }
        guarded g[MAX_GUARDED];
        size_t ng = 0;
        collect_into(&paths[p], g, &ng, arena);
        for (size_t i = 0; i < ng; i++) {
            index_build(&g[i], idx);
            if (mark_runs((const unsigned char *)s, n, &g[i], idx, mark))
                *marked = true;
        }
        free(idx);
        tp_secret_free_n(arena, need);
    }
    return mark;
}

static tp_path *g_paths;
static size_t g_n_paths;

int tp_rpt_guard_add(const tp_config *cfg)
{
    for (size_t i = 0; cfg && i < cfg->n_paths; i++) {
        const tp_path *p = &cfg->paths[i];
        if (!p->password || !*p->password)
            continue;
        bool known = false;
        for (size_t k = 0; k < g_n_paths && !known; k++)
            known = strcmp(g_paths[k].password, p->password) == 0 &&
                    strcmp(g_paths[k].username ? g_paths[k].username : "", p->username ? p->username : "") == 0;
        if (known)
            continue;
        tp_path *v = realloc(g_paths, (g_n_paths + 1) * sizeof *v);
        if (!v)
            return -1;
        g_paths = v;
        tp_path *n = &g_paths[g_n_paths];
        memset(n, 0, sizeof *n);
        n->password = tp_secret_dup(p->password);
        n->username = p->username ? tp_secret_dup(p->username) : NULL;
        if (!n->password || (p->username && !n->username)) {
            tp_secret_free(n->password);
            tp_secret_free(n->username);
            return -1;
        }
        g_n_paths++;
    }
    return 0;
}

void tp_rpt_guard_clear(void)
{
    cache_clear();
    for (size_t i = 0; i < g_n_paths; i++) {
        tp_secret_free(g_paths[i].password);
        tp_secret_free(g_paths[i].username);
    }
    free(g_paths);
    g_paths = NULL;
    g_n_paths = 0;
}

const tp_path *tp_rpt_guard_paths(size_t *n)
{
    *n = g_n_paths;
    return g_paths;
}

int tp_redact_fragments(const tp_path *paths, size_t n_paths, char **s)
{
    if (!s || !*s || n_paths == 0)
        return 0;
    size_t n = strlen(*s);
    bool marked;
    unsigned char *mark = scan(paths, n_paths, *s, n, &marked);
    if (!mark)
        return -1;
    int rc = marked ? rewrite(s, n, mark) : 0;
    free(mark);
    return rc;
}

bool tp_redact_may_hold(const tp_path *paths, size_t n_paths, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    for (size_t p = 0; s && p < n_paths; p++) {
        if (!paths[p].password || !*paths[p].password) {
            if (paths[p].username)
                return true;   /* its "user:" token is redacted whole: no shortcut */
            continue;
        }
        size_t need = collect_size(&paths[p]);
        const cached *c = need == SIZE_MAX ? NULL : cache_get(&paths[p], need);
        if (!c || may_hold(c, (const unsigned char *)s, n))
            return true;
    }
    return false;
}

bool tp_redact_would_change(const tp_path *paths, size_t n_paths, const char *s)
{
    if (!s || n_paths == 0)
        return false;
    bool marked;
    unsigned char *mark = scan(paths, n_paths, s, strlen(s), &marked);
    free(mark);
    return mark ? marked : true; /* out of memory: assume the worst */
}
