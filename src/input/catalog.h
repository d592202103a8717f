/* catalog.h — endpoint catalogs: load (file or built-in), validate, filter, CSV import.
 * Implemented by catalog_load.c (JSON, through jsonread), catalog_filter.c (selection),
 * csv.c (CSV to rows) and msimport.c / msimport_rows.c (Microsoft's spreadsheet to a
 * catalog). URLs are parsed by base/url.h (tp_url_parse). */
#ifndef TLSPATH_CATALOG_H
#define TLSPATH_CATALOG_H
#include <stdio.h>
#include "core/model.h"
#include "base/url.h"

/* The largest catalog file tp_catalog_load_file reads; an import never writes more. */
#define TP_CATALOG_MAX_FILE_BYTES (16u * 1024u * 1024u)

/* Loads and validates a catalog file. On error returns -1 and writes one message to
 * err naming the file, the JSON path (e.g. "endpoints[3].url") and what was expected. */
int tp_catalog_load_file(const char *file, tp_catalog *out, char *err, size_t errlen);
/* Same from memory; `file` is only used in messages. */
int tp_catalog_load_mem(const char *text, size_t len, const char *file, tp_catalog *out,
                        char *err, size_t errlen);
/* The catalog compiled into the binary (endpoints/mde.json). */
int tp_catalog_load_builtin(tp_catalog *out, char *err, size_t errlen);

/* The values an endpoint's "cloud" may name (NULL-terminated); select.cloud takes one. */
extern const char *const tp_known_clouds[];

/* True when the endpoint passes the selection (cloud, services, geography, os,
 * onboarding, include_optional). Empty selection fields select everything, except the
 * cloud: NULL means "commercial". An endpoint with no cloud list serves every cloud.
 * Conditional and optional endpoints (required == false) are dropped by
 * include_optional == false. */
bool tp_endpoint_selected(const tp_endpoint *e, const tp_select *sel);

/* Microsoft's URL spreadsheet saved as CSV -> catalog JSON text (malloc'ed, in *json_out).
 * Never produces a partial result: on error returns -1 and err names the line and the
 * missing or odd column. */
int tp_catalog_import_csv_mem(const char *data, size_t len, const char *file, char **json_out,
                              char *err, size_t errlen);
/* Reads csv_file, writes the catalog to out_file (atomically: temp file + rename) or to
 * stdout when out_file is NULL or "-". Returns 0 or -1 (err filled). */
/* The file is written with tp_outfile_* (fileout.h): a symbolic link is kept and its
 * target replaced; a device or FIFO (/dev/null, a pipe) is written in place, never
 * replaced. Write errors read "cannot write FILE: reason". */
int tp_catalog_import_csv(const char *csv_file, const char *out_file, char *err, size_t errlen);

/* The same with options. A row that cannot be mapped (prose in the URL cell, a bad port, an
 * unknown geography...) is skipped; its message (the same text the error would be, plus
 * " (row skipped)") is appended to *warnings when given. The import fails only when no
 * row is usable (err is then the first row's message) or the file itself is unreadable.
 * onboarding forces the mode ("standard"/"streamlined"): the US Government streamlined
 * sheet has the standard sheet's columns. */
typedef struct tp_import_opts {
    const char *onboarding;
    tp_strlist *warnings;
} tp_import_opts;
int tp_catalog_import_csv_mem_ex(const char *data, size_t len, const char *file, const tp_import_opts *opts,
                                 char **json_out, char *err, size_t errlen);
int tp_catalog_import_csv_ex(const char *csv_file, const char *out_file, const tp_import_opts *opts, char *err,
                             size_t errlen);

#endif
