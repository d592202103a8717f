/* csv_entry.h — body of fuzz_csv: tp_catalog_import_csv_mem on the raw bytes.
 * Invariants: the error buffer stays terminated (also with a tiny buffer); on success the
 * JSON exists and loads as a catalog (the importer writes only what the loader accepts);
 * on failure nothing is returned (never a partial result). */
#ifndef TP_FUZZ_CSV_ENTRY_H
#define TP_FUZZ_CSV_ENTRY_H
#include "input/catalog.h"
#include "fuzz_common.h"

static void fuzz_csv_one(const uint8_t *data, size_t size)
{
    char err[512], small[8];
    char *json = (char *)0x1;
    int rc = tp_catalog_import_csv_mem((const char *)data, size, "fuzz.csv", &json, err, sizeof err);
    fz_check_err(err, sizeof err, rc);
    if (rc == 0) {
        tp_catalog cat;
        fz_check(json != NULL);
        memset(&cat, 0, sizeof cat);
        int lrc = tp_catalog_load_mem(json, strlen(json), "imported.json", &cat, err, sizeof err);
        fz_check(lrc == 0);
        tp_catalog_free(&cat);
        free(json);
    } else {
        fz_check(rc == -1 || rc == -2);
    }
    /* again with an 8-byte error buffer: messages are truncated, never overrun */
    json = NULL;
    rc = tp_catalog_import_csv_mem((const char *)data, size, NULL, &json, small, sizeof small);
    fz_check(memchr(small, '\0', sizeof small) != NULL);
    if (rc == 0)
        free(json);
}
#endif
