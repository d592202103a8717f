/* export_chain.h — `tlspath run --export-chain DIR`: the certificate chains the probes saw,
 * as PEM files, for openssl, a ticket or a vendor. */
#ifndef TLSPATH_EXPORT_CHAIN_H
#define TLSPATH_EXPORT_CHAIN_H
#include "core/model.h"

/* Writes one file per probe that saw a chain: DIR/ENDPOINT@PATH.pem (characters outside
 * [A-Za-z0-9._-] become '_'), the certificates as presented, leaf first, each preceded by
 * "# subject" / "# issuer" comment lines (openssl ignores text outside the PEM blocks).
 * DIR is created if missing. Files are written atomically. *written counts the files.
 * Returns 0, or -1 with err naming the file and the reason. */
int tp_export_chains(const tp_run *run, const char *dir, size_t *written, char *err, size_t errlen);
#endif
