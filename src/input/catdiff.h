/* catdiff.h — what changed between two catalogs: endpoints added, removed, and changed
 * field by field. Endpoints are matched by id, then by URL, then by scheme+host+port,
 * then by the wildcard rule both stand for (an imported spreadsheet names endpoints
 * differently from the built-in catalog). */
#ifndef TLSPATH_CATDIFF_H
#define TLSPATH_CATDIFF_H
#include <stdio.h>
#include "core/model.h"

typedef struct tp_catdiff_change {
    const char *field;   /* static */
    char *a, *b;         /* the values as text */
} tp_catdiff_change;

typedef struct tp_catdiff_pair {
    const tp_endpoint *a, *b; /* borrowed; a NULL = added in B, b NULL = removed from A */
    tp_catdiff_change *ch;
    size_t n_ch;
} tp_catdiff_pair;

typedef struct tp_catdiff {
    tp_catdiff_pair *pairs; /* added, removed and changed pairs only */
    size_t n;
    size_t added, removed, changed, unchanged;
} tp_catdiff;

/* When either endpoint of a pair was imported from a spreadsheet (source "imported from
 * ..."), only what a spreadsheet says is compared: scheme, host and port instead of the
 * URL, and no method, pinset, expect_status, direct_only or placeholder.
 * Returns 0, or -1 on allocation failure. */
int tp_catdiff_build(const tp_catalog *a, const tp_catalog *b, tp_catdiff *out);
void tp_catdiff_free(tp_catdiff *d);
/* Table ("added ID URL", "removed ...", "changed ID  field: a -> b") and summary line. */
int tp_catdiff_print_table(const tp_catdiff *d, const char *name_a, const char *name_b, FILE *out);
/* {"a":..., "b":..., "added":[{id,url}], "removed":[...], "changed":[{id, url, changes:
 * [{field, a, b}]}], "summary": {...}} */
int tp_catdiff_print_json(const tp_catdiff *d, const char *name_a, const char *name_b, FILE *out);
#endif
