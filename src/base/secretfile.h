/* secretfile.h — reading a secret (a proxy password) from a file, as Docker and Kubernetes
 * secrets and systemd credentials (LoadCredential=) hand them to a process.
 *
 * The file must be a regular file (symbolic links are followed: Kubernetes mounts secrets
 * through ..data links), owned by root or by the user tlspath runs as, writable by its
 * owner only, and not accessible to "others" at all: group read is allowed, so a Kubernetes
 * Secret with `defaultMode: 0440` and an `fsGroup` works, as does `chmod 0400`. A file that
 * anyone could read is refused, not warned about: a warning in a timer's journal is read by
 * nobody, and the fix (chmod o-rwx) is one command. One trailing newline ("\n" or "\r\n",
 * as `echo pw > file` or an editor leaves) is stripped; any other control character or a
 * NUL is refused. Messages name the file and the rule, never the content. */
#ifndef TLSPATH_SECRETFILE_H
#define TLSPATH_SECRETFILE_H
#include <stddef.h>

#include "base/secret.h"

#define TP_SECRET_MAX_BYTES 4096

/* Returns 0 with *out a new secret (release it with tp_secret_free), or -1 with a reason
 * in err ("PATH: ..."); *out is untouched on failure. */
int tp_secret_read_file(const char *path, tp_secret **out, char *err, size_t errlen);
#endif
