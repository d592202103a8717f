/* csv.c — bytes to rows (RFC 4180) for the spreadsheet import: the bytes must be UTF-8
 * text, the separator is sniffed from the header line (Excel writes ';' or tabs in some
 * locales), quoted fields may hold separators, doubled quotes and line breaks. The
 * input is read through a tp_buf view and every field is gathered in a bounded tp_buf,
 * so a hostile file ends in a message naming its line, never in an overrun. */
#include "input/csv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/str.h"

#define CSV_MAX_FIELD_BYTES (64u * 1024u)
#define CSV_MAX_FIELDS 256u
#define CSV_MAX_ROWS 100000u

void tp_csv_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void csv_row_free(csv_row *r)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        free(r->f[i]);
    free(r->f);
    memset(r, 0, sizeof *r);
}

void tp_csv_doc_free(csv_doc *d)
{
    size_t i;
    for (i = 0; i < d->n; i++)
        csv_row_free(&d->rows[i]);
    free(d->rows);
    memset(d, 0, sizeof *d);
}

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not valid UTF-8
 * (overlong forms, surrogates and code points above U+10FFFF are rejected). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len, i;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

/* A spreadsheet saved as CSV is text: NUL or control bytes mean a binary file (an
 * .xlsx renamed, say), and other encodings than UTF-8 would corrupt host names. */
int tp_csv_check_bytes(const char *data, size_t len, const char *file, char *err,
                           size_t errlen)
{
    const unsigned char *d = (const unsigned char *)data;
    size_t i = 0, line = 1;
    while (i < len) {
        unsigned c = d[i];
        size_t sl;
        if (c == '\n') {
            line++;
            i++;
            continue;
        }
        if (c < 0x20 && c != '\t' && c != '\r') {
            tp_csv_err(err, errlen,
                    "%s: line %zu: binary data (byte 0x%02X): expected a text CSV file", file,
                    line, c);
            return -1;
        }
        sl = utf8_seq_len(d + i, len - i);
        if (sl == 0) {
            tp_csv_err(err, errlen,
                    "%s: line %zu: invalid UTF-8: expected a UTF-8 CSV file (save as \"CSV UTF-8\")",
                    file, line);
            return -1;
        }
        i += sl;
    }
    return 0;
}

/* Excel writes ';' or tab-separated "CSV" in some locales: take the separator the
 * header line uses most. */
static char csv_sniff_delim(const char *d, size_t len)
{
    size_t i, comma = 0, semi = 0, tab = 0;
    bool q = false;
    for (i = 0; i < len; i++) {
        char c = d[i];
        if (c == '"')
            q = !q;
        else if (!q && (c == '\n' || c == '\r'))
            break;
        else if (!q && c == ',')
            comma++;
        else if (!q && c == ';')
            semi++;
        else if (!q && c == '\t')
            tab++;
    }
    if (semi > comma && semi >= tab)
        return ';';
    if (tab > comma && tab > semi)
        return '\t';
    return ',';
}

/* Ends the field gathered in b: appended to the row, b emptied. */
static int csv_row_push(csv_row *r, tp_buf *b)
{
    char **nf;
    char *s = tp_strndup(tp_buf_str(b), b->len);
    if (!s)
        return -1;
    nf = realloc(r->f, (r->n + 1) * sizeof *nf);
    if (!nf) {
        free(s);
        return -1;
    }
    r->f = nf;
    r->f[r->n++] = s;
    tp_buf_reset(b);
    return 0;
}

static int csv_doc_push(csv_doc *d, csv_row *r)
{
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        csv_row *nr = realloc(d->rows, ncap * sizeof *nr);
        if (!nr)
            return -1;
        d->rows = nr;
        d->cap = ncap;
    }
    d->rows[d->n++] = *r;
    memset(r, 0, sizeof *r);
    return 0;
}

static bool csv_row_blank(const csv_row *r)
{
    size_t i, j;
    for (i = 0; i < r->n; i++)
        for (j = 0; r->f[i][j]; j++)
            if (!isspace((unsigned char)r->f[i][j]))
                return false;
    return true;
}

/* Appends one byte to the field; leaves the function on a bound or allocation failure. */
#define PUT(c)                                                                                   \
    do {                                                                                         \
        int put_rc_ = tp_buf_append_byte(&b, (unsigned char)(c));                                \
        if (put_rc_ == TP_BUF_EBOUND)                                                            \
            goto too_long;                                                                       \
        if (put_rc_ != TP_BUF_OK)                                                                \
            goto oom;                                                                            \
    } while (0)

/* True when the next byte exists and is c (the cursor stays). */
static bool next_is(const tp_buf *in, char c)
{
    unsigned char ch;
    return tp_buf_peek(in, &ch) == TP_BUF_OK && ch == (unsigned char)c;
}

/* True when the next byte exists and ends an unquoted field. */
static bool next_ends_field(const tp_buf *in, char delim)
{
    unsigned char ch;
    return tp_buf_peek(in, &ch) != TP_BUF_OK || ch == (unsigned char)delim || ch == '\r' ||
           ch == '\n';
}

/* Parses records: quoted fields may hold the separator, doubled quotes and line
 * breaks; records end at CRLF, LF or a lone CR. Blank records are dropped. */
int tp_csv_parse(const char *d, size_t len, const char *file, csv_doc *doc, char *err,
                 size_t errlen)
{
    char delim = csv_sniff_delim(d, len);
    tp_buf in, b;
    csv_row row = {0};
    size_t line = 1;
    unsigned char ch;
    int rc = -1;

    tp_buf_view(&in, d, len);
    tp_buf_init(&b, CSV_MAX_FIELD_BYTES, false);
    while (tp_buf_remaining(&in) > 0) {
        row.line = line;
        for (;;) { /* one field per turn */
            if (next_is(&in, '"')) {
                size_t qline = line;
                tp_buf_skip(&in, 1);
                for (;;) {
                    if (tp_buf_fetch(&in, &ch) != TP_BUF_OK) {
                        tp_csv_err(err, errlen,
                                   "%s: line %zu: unterminated quoted field (expected a closing '\"')",
                                   file, qline);
                        goto done;
                    }
                    if (ch == '"') {
                        if (next_is(&in, '"')) {
                            tp_buf_skip(&in, 1);
                            PUT('"');
                            continue;
                        }
                        break;
                    }
                    if (ch == '\n')
                        line++;
                    PUT(ch);
                }
                while ((next_is(&in, ' ') || next_is(&in, '\t')) && !next_is(&in, delim))
                    tp_buf_skip(&in, 1);
                if (!next_ends_field(&in, delim)) {
                    tp_csv_err(err, errlen,
                               "%s: line %zu: unexpected character after a closing quote (a quote inside a quoted field must be doubled)",
                               file, line);
                    goto done;
                }
            } else {
                while (!next_ends_field(&in, delim)) {
                    tp_buf_fetch(&in, &ch);
                    PUT(ch);
                }
            }
            if (row.n >= CSV_MAX_FIELDS) {
                tp_csv_err(err, errlen, "%s: line %zu: more than %u columns", file, row.line,
                           CSV_MAX_FIELDS);
                goto done;
            }
            if (csv_row_push(&row, &b) != 0)
                goto oom;
            if (next_is(&in, delim)) {
                tp_buf_skip(&in, 1);
                if (tp_buf_remaining(&in) > 0)
                    continue;
                if (csv_row_push(&row, &b) != 0) /* "a,b," ends with an empty field */
                    goto oom;
                break;
            }
            if (next_is(&in, '\r'))
                tp_buf_skip(&in, 1);
            if (next_is(&in, '\n'))
                tp_buf_skip(&in, 1);
            line++;
            break;
        }
        if (csv_row_blank(&row)) {
            csv_row_free(&row);
            continue;
        }
        if (doc->n >= CSV_MAX_ROWS) {
            tp_csv_err(err, errlen, "%s: line %zu: more than %u rows", file, row.line, CSV_MAX_ROWS);
            goto done;
        }
        if (csv_doc_push(doc, &row) != 0)
            goto oom;
    }
    rc = 0;
    goto done;
too_long:
    tp_csv_err(err, errlen, "%s: line %zu: field longer than %u bytes", file, line,
               CSV_MAX_FIELD_BYTES);
    goto done;
oom:
    tp_csv_err(err, errlen, "%s: out of memory", file);
done:
    csv_row_free(&row);
    tp_buf_free(&b);
    if (rc != 0)
        tp_csv_doc_free(doc);
    return rc;
}
