/* export_chain.c — the chains the probes saw, written as PEM (see export_chain.h). The
 * subject and issuer lines are network text: they are cleaned (valid UTF-8, no control
 * characters, secrets redacted) so a comment line cannot become a PEM line. */
#include "report/export_chain.h"

#include <errno.h>
#include <mbedtls/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileout.h"
#include "report/report_util.h"

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----\n"
#define PEM_END "-----END CERTIFICATE-----\n"

static void safe_name(char *dst, size_t cap, const char *s)
{
    size_t i = 0;
    for (; s && *s && i + 1 < cap; s++, i++) {
        char ch = *s;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                  ch == '_' || ch == '-';
        dst[i] = ok ? ch : '_';
    }
    dst[i] = '\0';
    if (i == 0 || dst[0] == '.')   /* never "", ".", ".." or a hidden file */
        dst[0] = '_';
}

static void comment(FILE *f, const tp_run *run, const char *label, const char *text)
{
    char *c = tp_rpt_clean(run, text ? text : "");
    char line[1024];
    tp_term_clean(line, sizeof line, c ? c : "");
    free(c);
    fprintf(f, "# %s: %s\n", label, line);
}

static int write_one(const tp_run *run, const tp_result *r, const char *file, char *err, size_t errlen)
{
    tp_outfile o;
    if (tp_outfile_open(&o, file, err, errlen) != 0)
        return -1;
    int rc = 0;
    for (size_t k = 0; k < r->chain_len && rc == 0; k++) {
        const tp_cert_info *c = &r->chain[k];
        if (!c->der || c->der_len == 0)
            continue;
        comment(o.f, run, "subject", c->subject);
        comment(o.f, run, "issuer", c->issuer);
        /* base64 is 4/3 of the DER, plus a newline every 64 characters and the armour */
        size_t cap = c->der_len * 2 + 256, olen = 0;
        unsigned char *buf = malloc(cap);
        if (!buf || mbedtls_pem_write_buffer(PEM_BEGIN, PEM_END, c->der, c->der_len, buf, cap, &olen) != 0) {
            snprintf(err, errlen, "cannot write %s: PEM encoding failed", file);
            rc = -1;
        } else {
            fwrite(buf, 1, olen && buf[olen - 1] == '\0' ? olen - 1 : olen, o.f);
        }
        free(buf);
    }
    if (rc != 0) {
        tp_outfile_abort(&o);
        return -1;
    }
    return tp_outfile_commit(&o, err, errlen);
}

int tp_export_chains(const tp_run *run, const char *dir, size_t *written, char *err, size_t errlen)
{
    *written = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--export-chain: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; run->results && i < run->n_results; i++) {
        const tp_result *r = &run->results[i];
        if (!r->tls_done || r->chain_len == 0 || !r->chain)
            continue;
        char ep[128], path[128];
        safe_name(ep, sizeof ep, r->ep ? r->ep->id : NULL);
        safe_name(path, sizeof path, r->path ? r->path->id : NULL);
        char *file = tp_asprintf("%s/%s@%s.pem", dir, ep, path);
        if (!file) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        int rc = write_one(run, r, file, err, errlen);
        free(file);
        if (rc != 0)
            return -1;
        (*written)++;
    }
    return 0;
}
