/* fileout.c — see fileout.h. */
#include "base/fileout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/str.h"

static void release(tp_outfile *o)
{
    free(o->target);
    free(o->tmp);
    o->target = o->tmp = NULL;
    o->f = NULL;
}

/* A temporary file older than this is stale even if its PID is alive again (reused). */
#define STALE_TMP_SECONDS 3600

/* Removes "<target>.tmp.<PID>" files a killed earlier write left beside target: those
 * whose PID no longer runs, or that are older than STALE_TMP_SECONDS. A live writer's
 * file (another tlspath writing the same report right now) is left alone. Best effort:
 * a file we cannot remove stays, and the write goes on. */
static void remove_stale_tmps(const char *target)
{
    const char *slash = strrchr(target, '/');
    char *dir = slash ? tp_strndup(target, (size_t)(slash - target) + (slash == target)) : tp_strdup(".");
    const char *base = slash ? slash + 1 : target;
    char *prefix = tp_asprintf("%s.tmp.", base);
    DIR *d = dir && prefix ? opendir(dir) : NULL;
    size_t pl = prefix ? strlen(prefix) : 0;
    time_t now = time(NULL);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, pl) != 0)
            continue;
        const char *digits = e->d_name + pl;
        char *end;
        errno = 0;
        long pid = strtol(digits, &end, 10);
        if (end == digits || *end != '\0' || pid <= 0 || errno != 0 || pid == (long)getpid())
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        bool dead = kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        if (dead || now - st.st_mtime > STALE_TMP_SECONDS)
            (void)unlinkat(dirfd(d), e->d_name, 0);
    }
    if (d)
        closedir(d);
    free(dir);
    free(prefix);
}

int tp_outfile_open(tp_outfile *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    struct stat lst, st;
    bool exists = stat(path, &st) == 0;   /* follows links: what would be written */
    if (exists && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot write %s: it is a directory", path);
        return -1;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        /* /dev/stdout (a link to a pipe), /dev/null, a FIFO: write in place */
        o->f = fopen(path, "w");
        if (!o->f) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        /* the link stays; its (regular or not yet existing) target is replaced */
        o->target = exists ? realpath(path, NULL) : NULL;
        if (!o->target) {
            snprintf(err, errlen, "cannot write %s: it is a symbolic link to %s", path,
                     exists ? strerror(errno) : "a file that does not exist");
            return -1;
        }
    } else {
        o->target = tp_strdup(path);
    }
    if (!o->target)
        goto nomem;
    remove_stale_tmps(o->target);
    o->tmp = tp_asprintf("%s.tmp.%ld", o->target, (long)getpid());
    if (!o->tmp)
        goto nomem;
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        release(o);
        return -1;
    }
    if (exists)
        (void)fchmod(fd, st.st_mode & 07777);   /* a replaced file keeps its permissions */
    o->f = fdopen(fd, "w");
    if (!o->f) {
        close(fd);
        unlink(o->tmp);
        goto nomem;
    }
    return 0;
nomem:
    snprintf(err, errlen, "cannot write %s: out of memory", path);
    release(o);
    return -1;
}

int tp_outfile_check(const char *path, char *err, size_t errlen)
{
    struct stat st, lst;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "cannot write %s: it is a directory", path);
            return -1;
        }
        if (!S_ISREG(st.st_mode))
            return 0;   /* device or FIFO: opened when the report is written */
    } else if (lstat(path, &lst) == 0) {
        snprintf(err, errlen, "cannot write %s: it is a symbolic link to a file that does not exist", path);
        return -1;
    }
    char *real = realpath(path, NULL);   /* resolves a link to an existing regular file */
    char *dir = tp_strdup(real ? real : path);
    free(real);
    if (!dir) {
        snprintf(err, errlen, "cannot write %s: out of memory", path);
        return -1;
    }
    char *slash = strrchr(dir, '/');
    const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
    int rc = 0;
    if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "cannot write %s: directory %s does not exist", path, d);
        rc = -1;
    } else if (access(d, W_OK) != 0) {
        snprintf(err, errlen, "cannot write %s: directory %s is not writable", path, d);
        rc = -1;
    }
    free(dir);
    return rc;
}

/* Best effort: make the rename itself durable. */
static void fsync_dir_of(const char *file)
{
    char *dir = tp_strdup(file);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
    int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int tp_outfile_commit(tp_outfile *o, char *err, size_t errlen)
{
    int rc = 0, saved = 0;
    if (fflush(o->f) != 0 || ferror(o->f) || (o->tmp && fsync(fileno(o->f)) != 0)) {
        rc = -1;
        saved = errno ? errno : EIO;
    }
    if (fclose(o->f) != 0 && rc == 0) {
        rc = -1;
        saved = errno ? errno : EIO;
    }
    o->f = NULL;
    if (rc == 0 && o->tmp && rename(o->tmp, o->target) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        snprintf(err, errlen, "cannot write %s: %s", o->target, strerror(saved));
        if (o->tmp)
            unlink(o->tmp);
    } else if (o->tmp) {
        fsync_dir_of(o->target);
    }
    release(o);
    return rc;
}

void tp_outfile_abort(tp_outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    release(o);
}
