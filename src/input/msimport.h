/* msimport.h — what the two halves of the spreadsheet import share (input layer only):
 * msimport_rows.c reads a row's columns, msimport.c turns host tokens into endpoints and
 * the whole into a validated catalog. */
#ifndef TLSPATH_INPUT_MSIMPORT_H
#define TLSPATH_INPUT_MSIMPORT_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "input/csv.h"

#define CSV_MAX_PORTS 4u
/* Import bounds (issue 15: a 33 MB CSV of host lists ran 38 s into 8 GB; a 639 KB one
 * made a 17.6 MB catalog that would not load). Microsoft's cells list a handful of
 * hosts and its whole list a few hundred endpoints; past these the import stops with
 * one line and exit 2, and whatever it writes loads again (TP_CATALOG_MAX_FILE_BYTES). */
#define IMPORT_MAX_HOSTS_PER_CELL 256u
#define IMPORT_MAX_ENDPOINTS 5000u
/* A row error that ends the import instead of skipping the row (a bound was crossed). */
#define MS_FATAL (-2)

enum {
    COL_SERVICE, COL_GEO, COL_CATEGORY, COL_PORT, COL_URL, COL_DESC, COL_REQUIRED, COL_TYPE,
    COL_COMMENTS, COL_OS, COL__N
};

/* Header names are compared on their letters and digits only, lower-cased, so
 * "Endpoint/URL", "Endpoint / URLs" and "endpoint url" are one column. */
extern const struct ms_col {
    const char *display;
    const char *names[8];
} k_cols[COL__N];

enum { OS_WINDOWS = 1, OS_MACOS = 2, OS_LINUX = 4 };
#define MAX_OS_COLS 16

typedef struct csv_map {
    int col[COL__N];
    int os_col[MAX_OS_COLS];
    unsigned os_kind[MAX_OS_COLS];
    size_t n_os;
    bool streamlined;
    bool gov;               /* a US Government list: its WW rows serve GCC, GCC High and DoD */
    const char *onboarding; /* forced by the caller, or NULL */
    size_t header_line;
} csv_map;

typedef struct csv_rowinfo {
    const char *file;      /* for messages */
    const char *base;      /* file's base name, for "source" */
    size_t line;
    char service[48];
    char geography[24];
    bool required;
    unsigned os;
    const char *desc;
    const char *comments;
    int ports[CSV_MAX_PORTS];
    size_t n_ports;
    unsigned clouds;        /* CLOUD_* bits; 0 = not said */
    bool conditional;       /* "Yes*" cells: required unless (the comment says when) */
    const char *onboarding; /* forced mode ("standard"/"streamlined") or NULL */
} csv_rowinfo;

enum { CLOUD_COMMERCIAL = 1, CLOUD_GCC = 2, CLOUD_GCCH = 4, CLOUD_DOD = 8, CLOUD_GOV = 14 };

/* True when a Geography cell names a US Government cloud (GCC, GCC High, DoD, US Gov). */
bool ms_geo_is_gov(const char *cell);


struct id_set;

/* "FILE: line N: column "COL": expected WHAT, got "GOT"". Returns -1. */
int ms_col_error(const csv_rowinfo *ri, const char *col, const char *what, const char *got,
                 char *err, size_t errlen);
/* Lower-case kebab slug of s appended to out (bounded); collapses separators. */
void ms_slug_append(char *out, size_t outlen, const char *s);
/* Finds the header among the first rows (Excel exports may carry a title above it). */
int ms_find_header(const csv_doc *doc, const char *file, csv_map *m, size_t *hdr, char *err,
                   size_t errlen);
/* One data row to its endpoints (appended to eps); 0 or -1 (err set). */
int ms_row_to_endpoints(const csv_map *m, const csv_row *r, const char *file, const char *base,
                        cJSON *eps, struct id_set *ids, char *err, size_t errlen);
/* msimport.c: the host tokens of a row's URL cell to endpoints. */
int ms_emit_row_urls(cJSON *eps, struct id_set *ids, const csv_rowinfo *ri, char *urls,
                     bool streamlined, char *err, size_t errlen);
#endif
