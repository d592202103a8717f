/* csv.h — RFC 4180 CSV to rows, for the spreadsheet import (input layer only). */
#ifndef TLSPATH_INPUT_CSV_H
#define TLSPATH_INPUT_CSV_H
#include <stdbool.h>
#include <stddef.h>

typedef struct csv_row {
    char **f;
    size_t n;
    size_t line; /* 1-based line where the record starts */
} csv_row;

typedef struct csv_doc {
    csv_row *rows;
    size_t n, cap;
} csv_doc;

/* A spreadsheet saved as CSV is text: NUL or control bytes mean a binary file (an .xlsx
 * renamed, say), other encodings than UTF-8 would corrupt host names. 0 or -1 (err:
 * "FILE: line N: ..."). */
int tp_csv_check_bytes(const char *data, size_t len, const char *file, char *err, size_t errlen);
/* Parses records into doc (blank records dropped; at most 256 fields of 64 KiB each and
 * 100000 rows). 0, or -1 with "FILE: line N: ..." in err and doc empty. */
int tp_csv_parse(const char *d, size_t len, const char *file, csv_doc *doc, char *err,
                 size_t errlen);
void tp_csv_doc_free(csv_doc *d);
/* snprintf into err (NULL-safe), for the import's messages. */
void tp_csv_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
