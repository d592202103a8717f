/* buf.h — one bounded byte buffer with checked appends and checked reads.
 *
 * Modelled on c-ares' ares_buf: every buffer has a hard bound (max), every append
 * either fits or fails with TP_BUF_EBOUND, and every read checks the bytes remaining
 * and fails with TP_BUF_EEND instead of running off the end. Hostile input (config and
 * catalog files, CSV spreadsheets, URLs) starts its life in one of these. A buffer made
 * with secret = true (a config file holding a proxy password) is wiped through
 * secret.h whenever its memory is released or reused.
 *
 * Two shapes: an owned, growable buffer (tp_buf_init + appends + tp_buf_free) and a
 * read-only view over bytes someone else owns (tp_buf_view: no allocation, no free). */
#ifndef TLSPATH_BASE_BUF_H
#define TLSPATH_BASE_BUF_H
#include <stdbool.h>
#include <stddef.h>

enum {
    TP_BUF_OK = 0,
    TP_BUF_ENOMEM = -1,  /* allocation failed */
    TP_BUF_EBOUND = -2,  /* the append would exceed max */
    TP_BUF_EEND = -3,    /* a read past the last byte */
    TP_BUF_EIO = -4      /* a file could not be read (errno set) */
};

typedef struct tp_buf {
    unsigned char *data; /* len bytes, always followed by a NUL when owned and non-empty */
    size_t len;          /* bytes held */
    size_t cap;          /* bytes allocated (0 for a view) */
    size_t max;          /* hard bound on len */
    size_t off;          /* read cursor: data + off is the next byte a read returns */
    bool secret;         /* wipe on free, reset and growth */
    bool view;           /* data belongs to someone else */
} tp_buf;

/* An empty owned buffer that will never hold more than max bytes. */
void tp_buf_init(tp_buf *b, size_t max, bool secret);
/* A read-only view over len bytes (nothing is copied or freed). */
void tp_buf_view(tp_buf *b, const void *data, size_t len);
/* Releases the memory (wiped first when secret). The buffer is empty and reusable. */
void tp_buf_free(tp_buf *b);
/* Empties an owned buffer, keeping its memory (wiped when secret). */
void tp_buf_reset(tp_buf *b);

/* Appends. Returns TP_BUF_OK, TP_BUF_EBOUND or TP_BUF_ENOMEM; on failure nothing is
 * appended. A view cannot be appended to (TP_BUF_EBOUND). */
int tp_buf_append(tp_buf *b, const void *p, size_t n);
int tp_buf_append_byte(tp_buf *b, unsigned char c);
/* The bytes as a NUL-terminated string ("" when empty). Never NULL for an owned buffer;
 * a view returns its data as is (not necessarily terminated). */
const char *tp_buf_str(const tp_buf *b);
/* Hands the owned bytes (NUL-terminated, malloc'ed) to the caller and empties b. NULL
 * when empty or on allocation failure. The caller frees (tp_secret_free_n when secret). */
char *tp_buf_take(tp_buf *b, size_t *len);

/* Reading. Each returns TP_BUF_OK or TP_BUF_EEND and never moves past len. */
size_t tp_buf_remaining(const tp_buf *b);
int tp_buf_peek(const tp_buf *b, unsigned char *c);          /* the next byte, cursor stays */
int tp_buf_peek_at(const tp_buf *b, size_t i, unsigned char *c); /* the byte i after the cursor */
int tp_buf_fetch(tp_buf *b, unsigned char *c);               /* the next byte, cursor moves */
int tp_buf_skip(tp_buf *b, size_t n);
/* True (and the cursor moves past it) when the next bytes are s, ASCII case-insensitive. */
bool tp_buf_match_ci(tp_buf *b, const char *s);
/* Length of the run of bytes from the cursor that are not in stop (at most the rest). */
size_t tp_buf_span_until(const tp_buf *b, const char *stop);
/* Pointer to the cursor (valid for tp_buf_remaining bytes). */
const unsigned char *tp_buf_cursor(const tp_buf *b);

/* Reads a whole file into an owned buffer initialised with its bound. Returns
 * TP_BUF_OK, TP_BUF_EBOUND (the file is larger than b->max), TP_BUF_ENOMEM, or
 * TP_BUF_EIO with errno set (cannot open or read; a directory gives EISDIR). */
int tp_buf_read_file(tp_buf *b, const char *file);
#endif
