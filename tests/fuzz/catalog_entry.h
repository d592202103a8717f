/* catalog_entry.h — body of fuzz_catalog: tp_catalog_load_mem on the raw bytes.
 * Invariants: on success every endpoint has id, service, url, an http(s) scheme, a
 * host, a port in 1..65535, a path starting with '/', at most TP_MAX_EXPECT_STATUS
 * statuses, and passes the empty selection when it is required; on failure the
 * catalog is left empty and the message is terminated. */
#ifndef TP_FUZZ_CATALOG_ENTRY_H
#define TP_FUZZ_CATALOG_ENTRY_H
#include "input/catalog.h"
#include "fuzz_common.h"

static void fuzz_catalog_one(const uint8_t *data, size_t size)
{
    char err[512];
    tp_catalog cat;
    tp_select sel;
    memset(&cat, 0, sizeof cat);
    memset(&sel, 0, sizeof sel);
    sel.include_optional = true;
    int rc = tp_catalog_load_mem((const char *)data, size, "fuzz.json", &cat, err, sizeof err);
    fz_check_err(err, sizeof err, rc);
    if (rc == 0) {
        for (size_t i = 0; i < cat.n; i++) {
            const tp_endpoint *e = &cat.endpoints[i];
            fz_check(e->id && e->service && e->url && e->host && e->path && e->scheme);
            fz_check(strcmp(e->scheme, "https") == 0 || strcmp(e->scheme, "http") == 0);
            fz_check(e->port >= 1 && e->port <= 65535);
            fz_check(e->path[0] == '/');
            fz_check(e->n_expect_status <= TP_MAX_EXPECT_STATUS);
            fz_check(tp_endpoint_selected(e, &sel));
        }
    } else {
        fz_check(cat.n == 0 && cat.endpoints == NULL);
    }
    tp_catalog_free(&cat);
}
#endif
