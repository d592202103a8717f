/* buf.c — see buf.h. Growth is geometric and clamped to max, so a hostile input costs
 * at most max bytes and O(n) copies. */
#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/secret.h"

void tp_buf_init(tp_buf *b, size_t max, bool secret)
{
    memset(b, 0, sizeof *b);
    b->max = max;
    b->secret = secret;
}

void tp_buf_view(tp_buf *b, const void *data, size_t len)
{
    memset(b, 0, sizeof *b);
    b->data = (unsigned char *)(uintptr_t)data; /* never written through: view is set */
    b->len = b->max = data ? len : 0;
    b->view = true;
}

void tp_buf_free(tp_buf *b)
{
    if (!b->view && b->data) {
        if (b->secret)
            tp_secret_free_n(b->data, b->cap);
        else
            free(b->data);
    }
    tp_buf_init(b, b->view ? 0 : b->max, b->secret); /* empty, same bound: reusable */
}

void tp_buf_reset(tp_buf *b)
{
    if (b->view)
        return;
    if (b->secret && b->data)
        tp_secret_wipe(b->data, b->cap);
    b->len = b->off = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for len + n bytes plus the terminating NUL. */
static int grow(tp_buf *b, size_t n)
{
    if (b->view || n > b->max - b->len)
        return TP_BUF_EBOUND;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return TP_BUF_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > (size_t)-1 / 2 ? need : ncap * 2;
    if (ncap > b->max + 1)
        ncap = b->max + 1;
    unsigned char *nd;
    if (b->secret) {
        /* realloc could leave a copy of the secret behind: move it by hand */
        nd = malloc(ncap);
        if (!nd)
            return TP_BUF_ENOMEM;
        if (b->data) {
            memcpy(nd, b->data, b->len + 1);
            tp_secret_free_n(b->data, b->cap);
        }
    } else {
        nd = realloc(b->data, ncap);
        if (!nd)
            return TP_BUF_ENOMEM;
    }
    b->data = nd;
    b->cap = ncap;
    return TP_BUF_OK;
}

int tp_buf_append(tp_buf *b, const void *p, size_t n)
{
    int rc = grow(b, n);
    if (rc != TP_BUF_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TP_BUF_OK;
}

int tp_buf_append_byte(tp_buf *b, unsigned char c)
{
    return tp_buf_append(b, &c, 1);
}

const char *tp_buf_str(const tp_buf *b)
{
    return b->data ? (const char *)b->data : "";
}

char *tp_buf_take(tp_buf *b, size_t *len)
{
    if (b->view || !b->data || b->len == 0)
        return NULL;
    char *d = (char *)b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = b->off = 0;
    return d;
}

size_t tp_buf_remaining(const tp_buf *b)
{
    return b->off < b->len ? b->len - b->off : 0;
}

int tp_buf_peek(const tp_buf *b, unsigned char *c)
{
    return tp_buf_peek_at(b, 0, c);
}

int tp_buf_peek_at(const tp_buf *b, size_t i, unsigned char *c)
{
    if (i >= tp_buf_remaining(b))
        return TP_BUF_EEND;
    *c = b->data[b->off + i];
    return TP_BUF_OK;
}

int tp_buf_fetch(tp_buf *b, unsigned char *c)
{
    if (tp_buf_peek(b, c) != TP_BUF_OK)
        return TP_BUF_EEND;
    b->off++;
    return TP_BUF_OK;
}

int tp_buf_skip(tp_buf *b, size_t n)
{
    if (n > tp_buf_remaining(b))
        return TP_BUF_EEND;
    b->off += n;
    return TP_BUF_OK;
}

bool tp_buf_match_ci(tp_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (n > tp_buf_remaining(b) || strncasecmp((const char *)b->data + b->off, s, n) != 0)
        return false;
    b->off += n;
    return true;
}

size_t tp_buf_span_until(const tp_buf *b, const char *stop)
{
    size_t n = 0, rem = tp_buf_remaining(b);
    while (n < rem && !memchr(stop, b->data[b->off + n], strlen(stop)))
        n++;
    return n;
}

const unsigned char *tp_buf_cursor(const tp_buf *b)
{
    return b->data ? b->data + b->off : (const unsigned char *)"";
}

int tp_buf_read_file(tp_buf *b, const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return TP_BUF_EIO;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return TP_BUF_EIO;
    }
    unsigned char chunk[16384];
    int rc = TP_BUF_OK;
    for (;;) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = TP_BUF_EIO;
            break;
        }
        if (got == 0)
            break;
        rc = tp_buf_append(b, chunk, (size_t)got);
        if (rc != TP_BUF_OK)
            break;
    }
    int e = errno;
    if (b->secret)
        tp_secret_wipe(chunk, sizeof chunk);
    close(fd);
    errno = e;
    return rc;
}
