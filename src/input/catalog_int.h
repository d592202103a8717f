/* catalog_int.h — what the catalog modules share (input layer only). */
#ifndef TLSPATH_CATALOG_INT_H
#define TLSPATH_CATALOG_INT_H
#include <stdbool.h>

/* "*.wd.microsoft.com" covers host when host is a name under it, or is the suffix itself
 * (how an imported wildcard row with no derivable host is written). Other shapes: true. */
bool tp_cat_wildcard_covers(const char *wildcard, const char *host);
#endif
