/* secretfile.c — see secretfile.h for the rules and why. One open(), then fstat() on the
 * descriptor: the file checked is the file read (no window for a swap between the two). */
#include "base/secretfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The rules on the file itself; 0 or -1 with err filled. */
static int check_stat(const char *path, const struct stat *st, char *err, size_t errlen)
{
    unsigned mode = (unsigned)(st->st_mode & 07777);
    uid_t me = geteuid();

    if (!S_ISREG(st->st_mode))
        return fail(err, errlen, "%s: not a regular file", path);
    if (st->st_uid != 0 && st->st_uid != me)
        return fail(err, errlen, "%s: owned by uid %u, expected root or the user tlspath runs as (uid %u)",
                    path, (unsigned)st->st_uid, (unsigned)me);
    if (mode & (S_IWGRP | S_IWOTH))
        return fail(err, errlen, "%s: writable by group or others (mode %04o): expected 0400, 0600 or 0440 "
                                 "(chmod go-w,o-rwx)", path, mode);
    if (mode & S_IRWXO)
        return fail(err, errlen, "%s: accessible to others (mode %04o): expected 0400, 0600 or 0440 "
                                 "(chmod o-rwx; in Kubernetes defaultMode: 0440 with an fsGroup)", path, mode);
    if (st->st_size > TP_SECRET_MAX_BYTES)
        return fail(err, errlen, "%s: larger than %d bytes", path, TP_SECRET_MAX_BYTES);
    return 0;
}

int tp_secret_read_file(const char *path, tp_secret **out, char *err, size_t errlen)
{
    char buf[TP_SECRET_MAX_BYTES + 2];
    size_t len = 0;
    int rc = -1;
    struct stat st;

    /* O_NONBLOCK: a FIFO planted at the name must not hang the start-up. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        fail(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        goto done;
    }
    if (check_stat(path, &st, err, errlen))
        goto done;
    /* The size may change under us: read at most one byte more than allowed. */
    while (len < sizeof buf) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > TP_SECRET_MAX_BYTES) {
        fail(err, errlen, "%s: larger than %d bytes", path, TP_SECRET_MAX_BYTES);
        goto done;
    }
    if (len && buf[len - 1] == '\n')
        len--;
    if (len && buf[len - 1] == '\r')
        len--;
    if (len == 0) {
        fail(err, errlen, "%s: empty (expected the password on one line)", path);
        goto done;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 || c == 0x7f) {
            fail(err, errlen, "%s: expected the password on one line, got a control character or NUL "
                              "(only one trailing newline is stripped)", path);
            goto done;
        }
    }
    tp_secret *s = tp_secret_ndup(buf, len);
    if (!s) {
        fail(err, errlen, "%s: out of memory", path);
        goto done;
    }
    *out = s;
    rc = 0;
done:
    tp_secret_wipe(buf, sizeof buf);
    close(fd);
    return rc;
}
