/* jsonread.c — see jsonread.h. */
#include "base/jsonread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/secret.h"

static int vfail(const tp_jr *r, const char *jpath, const char *fmt, va_list ap)
{
    if (!r->err || r->errlen == 0)
        return -1;
    int n;
    if (jpath && *jpath)
        n = snprintf(r->err, r->errlen, "%s: %s: ", r->file, jpath);
    else
        n = snprintf(r->err, r->errlen, "%s: ", r->file);
    if (n < 0 || (size_t)n >= r->errlen)
        return -1;
    vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
    return -1;
}

int tp_jr_fail(const tp_jr *r, const char *jpath, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, jpath, fmt, ap);
    va_end(ap);
    return -1;
}

void tp_jr_show(const char *s, char *out, size_t n)
{
    size_t o = 0, i = 0;
    if (n < 8) {
        if (n)
            out[0] = '\0';
        return;
    }
    out[o++] = '"';
    for (; s[i] && i < TP_JR_SHOW_MAX && o + 8 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch >= 0x20 && ch < 0x7f) {
            out[o++] = (char)ch;
        } else {
            o += (size_t)snprintf(out + o, n - o, "\\x%02X", ch);
        }
    }
    if (s[i] && o + 5 < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '"';
    out[o] = '\0';
}

void tp_jr_describe(const cJSON *v, bool secret, char *out, size_t n)
{
    if (!v)
        snprintf(out, n, "nothing");
    else if (cJSON_IsString(v))
        secret ? (void)snprintf(out, n, "a string") : tp_jr_show(v->valuestring, out, n);
    else if (cJSON_IsNumber(v))
        secret ? (void)snprintf(out, n, "a number") : (void)snprintf(out, n, "%.15g", v->valuedouble);
    else if (cJSON_IsTrue(v))
        snprintf(out, n, "true");
    else if (cJSON_IsFalse(v))
        snprintf(out, n, "false");
    else if (cJSON_IsNull(v))
        snprintf(out, n, "null");
    else if (cJSON_IsArray(v))
        snprintf(out, n, "an array");
    else if (cJSON_IsObject(v))
        snprintf(out, n, "an object");
    else
        snprintf(out, n, "an invalid value");
}

int tp_jr_fail_got(const tp_jr *r, const char *jpath, const char *expected, const cJSON *v,
                   bool secret)
{
    char got[TP_JR_SHOW_BUF];
    tp_jr_describe(v, secret, got, sizeof got);
    return tp_jr_fail(r, jpath, "expected %s, got %s", expected, got);
}

int tp_jr_fail_text(const tp_jr *r, const char *jpath, const char *expected, const char *got)
{
    char shown[TP_JR_SHOW_BUF];
    tp_jr_show(got, shown, sizeof shown);
    return tp_jr_fail(r, jpath, "expected %s, got %s", expected, shown);
}

void tp_jr_key(char *out, size_t n, const char *parent, const char *key)
{
    char k[68];
    size_t i = 0;
    for (; key[i] && i < 64; i++) {
        unsigned char ch = (unsigned char)key[i];
        k[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    if (key[i]) {
        memcpy(k + i, "...", 3);
        i += 3;
    }
    k[i] = '\0';
    if (parent && *parent)
        snprintf(out, n, "%s.%s", parent, k);
    else
        snprintf(out, n, "%s", k);
}

void tp_jr_idx(char *out, size_t n, const char *parent, size_t i)
{
    /* a path that does not fit is cut short: the message is still one bounded line */
    if (snprintf(out, n, "%s[%zu]", parent, i) >= (int)n && n > 4)
        memcpy(out + n - 4, "...", 4);
}

/* ---------- text ---------- */

int tp_jr_read_file(const tp_jr *r, size_t max, bool secret, tp_buf *b)
{
    tp_buf_init(b, max, secret);
    int rc = tp_buf_read_file(b, r->file);
    if (rc == TP_BUF_OK)
        return 0;
    int e = errno;
    if (rc == TP_BUF_EBOUND)
        tp_jr_fail(r, NULL, "expected a file of at most %zu bytes, got more", max);
    else if (rc == TP_BUF_ENOMEM)
        tp_jr_fail(r, NULL, "out of memory");
    else if (b->len == 0 && e != EISDIR)
        tp_jr_fail(r, NULL, "cannot open: %s", strerror(e));
    else
        tp_jr_fail(r, NULL, "cannot read: %s", strerror(e));
    tp_buf_free(b);
    return -1;
}

size_t tp_jr_nul_line(const char *text, size_t len, bool *raw)
{
    size_t line = 1;
    *raw = false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line++;
        } else if (text[i] == '\0') {
            *raw = true;
            return line;
        } else if (text[i] == '\\' && i + 1 < len) {
            if ((text[i + 1] == 'u' || text[i + 1] == 'U') && i + 5 < len &&
                memcmp(text + i + 2, "0000", 4) == 0)
                return line;
            i++; /* the escaped character */
        }
    }
    return 0;
}

/* "FILE:LINE:COLUMN: expected WHAT, got" the character there (one character: never a
 * whole secret). */
static void fail_syntax(const tp_jr *r, const char *text, size_t len, size_t pos,
                        const char *expected)
{
    size_t line = 1, col = 1;
    /* cJSON points just past the offending character when it is followed by white
     * space ("{"a": 1,}\n" points at the line break): step back onto it */
    while (pos > 0 && pos < len && strchr(" \t\r\n", text[pos]) && text[pos] != '\0')
        pos--;
    for (size_t i = 0; i < pos && i < len; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char got[32];
    if (pos >= len)
        snprintf(got, sizeof got, "the end of the file");
    else if ((unsigned char)text[pos] >= 0x20 && (unsigned char)text[pos] < 0x7f)
        snprintf(got, sizeof got, "'%c'", text[pos]);
    else
        snprintf(got, sizeof got, "byte 0x%02X", (unsigned char)text[pos]);
    if (r->err && r->errlen)
        snprintf(r->err, r->errlen, "%s:%zu:%zu: expected %s, got %s", r->file, line, col,
                 expected, got);
}

/* The first control character of s (C0, DEL, or C1 encoded in UTF-8) as a code point,
 * with its 1-based character index in *at; 0 if none. A terminal obeys these (clear
 * screen, window title, cursor moves), so no configured text may carry one. */
static uint32_t first_control(const char *s, size_t *at)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    for (size_t i = 0; p[i]; i++) {
        if ((p[i] & 0xC0) != 0x80)
            chars++;
        if (p[i] < 0x20 || p[i] == 0x7F) {
            *at = chars;
            return p[i];
        }
        if (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
            *at = chars;
            return p[i + 1];
        }
    }
    return 0;
}

/* Refuses a control character in any key or string of the tree (issue 15): "FILE:
 * JPATH: expected text without control characters, got U+001B at character 5". The
 * value is never echoed, and the position is withheld under a key named like a secret. */
static int check_text(const tp_jr *r, const cJSON *v, const char *jp)
{
    for (size_t i = 0; v; v = v->next, i++) {
        char here[TP_JR_PATH_MAX];
        if (v->string)
            tp_jr_key(here, sizeof here, jp, v->string);
        else
            tp_jr_idx(here, sizeof here, jp, i);
        size_t at = 0;
        uint32_t cp;
        if (v->string && (cp = first_control(v->string, &at)) != 0)
            return tp_jr_fail(r, jp && *jp ? jp : NULL,
                              "expected keys without control characters, got U+%04X in a key", (unsigned)cp);
        if (cJSON_IsString(v) && v->valuestring && (cp = first_control(v->valuestring, &at)) != 0) {
            bool secret = v->string && strstr(v->string, "password");
            if (secret)
                return tp_jr_fail(r, here, "expected text without control characters, got a string with one");
            return tp_jr_fail(r, here, "expected text without control characters, got U+%04X at character %zu",
                              (unsigned)cp, at);
        }
        if (v->child && check_text(r, v->child, here) != 0)
            return -1;
    }
    return 0;
}

cJSON *tp_jr_parse(const tp_jr *r, const char *text, size_t len)
{
    bool raw;
    const char *end = NULL;

    if (!text)
        text = "", len = 0;
    size_t nl = tp_jr_nul_line(text, len, &raw);
    if (nl) { /* never quote the text around it: it may be a password */
        tp_jr_fail(r, NULL, "line %zu: %s", nl,
                   raw ? "a NUL byte is not allowed" : "\\u0000 is not allowed in strings");
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (!root) {
        size_t pos = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        fail_syntax(r, text, len, pos, "valid JSON");
        return NULL;
    }
    for (size_t pos = (size_t)(end - text); pos < len; pos++)
        if (!strchr(" \t\r\n", text[pos]) || text[pos] == '\0') {
            fail_syntax(r, text, len, pos, "nothing after the top-level object");
            cJSON_Delete(root);
            return NULL;
        }
    if (check_text(r, root->child, "") != 0) {
        tp_jr_delete(root, true);
        return NULL;
    }
    return root;
}

static void wipe_tree(cJSON *v)
{
    for (; v; v = v->next) {
        if (v->string)
            tp_secret_wipe(v->string, strlen(v->string));
        if (v->valuestring)
            tp_secret_wipe(v->valuestring, strlen(v->valuestring));
        wipe_tree(v->child);
    }
}

void tp_jr_delete(cJSON *root, bool wipe)
{
    if (root && wipe)
        wipe_tree(root);
    cJSON_Delete(root);
}

/* ---------- members ---------- */

int tp_jr_check_keys(const tp_jr *r, const cJSON *obj, const char *jp, const char *const *keys,
                     size_t n)
{
    bool seen[TP_JR_MAX_KEYS] = {false};
    char kjp[TP_JR_PATH_MAX], list[512];

    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *key = it->string ? it->string : "";
        if (strcmp(key, "$comment") == 0)
            continue;
        size_t k = 0;
        while (k < n && strcmp(key, keys[k]) != 0)
            k++;
        tp_jr_key(kjp, sizeof kjp, jp, key);
        if (k == n) {
            size_t o = 0;
            list[0] = '\0';
            for (size_t i = 0; i < n && o < sizeof list; i++)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", keys[i]);
            return tp_jr_fail(r, kjp, "unknown key: expected one of %s", list);
        }
        if (k < TP_JR_MAX_KEYS) {
            if (seen[k])
                return tp_jr_fail(r, kjp, "expected each key once, got it twice");
            seen[k] = true;
        }
    }
    return 0;
}

bool tp_jr_key_seen_before(const cJSON *obj, const cJSON *it)
{
    for (const cJSON *prev = obj->child; prev && prev != it; prev = prev->next)
        if (prev->string && it->string && strcmp(prev->string, it->string) == 0)
            return true;
    return false;
}

int tp_jr_object(const tp_jr *r, const cJSON *v, const char *jp)
{
    return cJSON_IsObject(v) ? 0 : tp_jr_fail_got(r, jp, "an object", v, false);
}

int tp_jr_bool(const tp_jr *r, const cJSON *v, const char *jp, bool *out)
{
    if (!cJSON_IsBool(v))
        return tp_jr_fail_got(r, jp, "true or false", v, false);
    *out = cJSON_IsTrue(v);
    return 0;
}

int tp_jr_string(const tp_jr *r, const cJSON *v, const char *jp, bool secret, const char **out)
{
    if (!cJSON_IsString(v) || !v->valuestring)
        return tp_jr_fail_got(r, jp, "a string", v, secret);
    *out = v->valuestring;
    return 0;
}

int tp_jr_int(const tp_jr *r, const cJSON *v, const char *jp, double lo, double hi, double *out)
{
    char expected[96];
    snprintf(expected, sizeof expected, "an integer from %.0f to %.0f", lo, hi);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || floor(v->valuedouble) != v->valuedouble ||
        v->valuedouble < lo || v->valuedouble > hi)
        return tp_jr_fail_got(r, jp, expected, v, false);
    *out = v->valuedouble;
    return 0;
}

int tp_jr_array(const tp_jr *r, const cJSON *v, const char *jp, const char *of, bool nonempty,
                int max)
{
    char expected[160];
    snprintf(expected, sizeof expected, "an array (each element %s)", of);
    if (!cJSON_IsArray(v))
        return tp_jr_fail_got(r, jp, expected, v, false);
    int n = cJSON_GetArraySize(v);
    if (nonempty && n == 0)
        return tp_jr_fail(r, jp, "expected at least one element, got an empty array");
    if (n > max)
        return tp_jr_fail(r, jp, "expected at most %d elements, got %d", max, n);
    return 0;
}
