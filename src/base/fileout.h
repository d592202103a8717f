/* fileout.h — writing a whole output file (report, imported catalog) safely.
 *
 * A regular file (or a new name) is written to a temporary file beside its real target
 * and renamed into place on commit, so readers (node_exporter's textfile collector, a CI
 * job) never see half a file and a failed run never clobbers the previous one. Symbolic
 * links are followed: the link stays, its target is replaced. An existing file that is
 * not regular (/dev/stdout, /dev/null, a FIFO, a terminal) is written in place: renaming
 * over a device node as root would destroy it. Opening a regular target also removes the
 * "<target>.tmp.<PID>" files an earlier write left behind when it was killed (SIGKILL,
 * power loss): those whose PID no longer runs or that are over an hour old. */
#ifndef TLSPATH_FILEOUT_H
#define TLSPATH_FILEOUT_H
#include <stdbool.h>
#include <stdio.h>

typedef struct tp_outfile {
    FILE *f;          /* write here */
    char *target;     /* the file that will hold the result (links resolved) */
    char *tmp;        /* temporary name, NULL when writing in place */
} tp_outfile;

/* Returns 0, or -1 with "cannot write PATH: reason" in err. */
int tp_outfile_open(tp_outfile *o, const char *path, char *err, size_t errlen);
/* Checks, without writing anything, that tp_outfile_open(path) can be expected to work:
 * not a directory, not a dangling link, the directory exists and is writable. Lets a
 * long run fail before it starts rather than after. Returns 0 or -1 (err filled). */
int tp_outfile_check(const char *path, char *err, size_t errlen);
/* Flushes, syncs, closes and (for regular files) renames into place. Returns 0, or -1
 * with err filled; on failure the temporary file is removed and the target untouched. */
int tp_outfile_commit(tp_outfile *o, char *err, size_t errlen);
/* Closes and removes the temporary file; the target is untouched. */
void tp_outfile_abort(tp_outfile *o);
#endif
