/* config.h — the run configuration: defaults, JSON loading, --path specs, validation.
 * Implemented by config_load.c (file, sections, defaults), config_paths.c (paths,
 * credentials, --path specs) and config_check.c (validators, cross-checks). */
#ifndef TLSPATH_CONFIG_H
#define TLSPATH_CONFIG_H
#include "core/model.h"
#include "base/url.h" /* tp_parse_hostport */

/* Fills the built-in defaults: one "direct" path, system resolver, system CA store,
 * the built-in pin sets (pins.h), default limits, formats ["table"]. */
int tp_config_defaults(tp_config *c);

/* Loads a config file on top of defaults already in *c. Errors: -1 and one message
 * "FILE: JSON.PATH: expected ..." (unknown keys, wrong types, bad addresses, duplicate
 * path ids, missing catalog files, bad pins...). Relative catalog / CA paths are
 * resolved against the current directory first, then the config file's directory. */
int tp_config_load_file(const char *file, tp_config *c, char *err, size_t errlen);
int tp_config_load_mem(const char *text, size_t len, const char *file, tp_config *c,
                       char *err, size_t errlen);

/* Parses a --path SPEC: "[ID=]direct" or "[ID=]http://[user[:pass]@]host:port".
 * Without ID the path is named "direct", or "proxyN" with N = proxy_index.
 * Credentials missing from the URL may come from the environment
 * (TLSPATH_PROXY_USER / TLSPATH_PROXY_PASSWORD). */
int tp_path_parse_spec(const char *spec, int proxy_index, tp_path *out, char *err, size_t errlen);

/* Cross-checks: unique path ids, crl_via / fallback name existing paths, formats known,
 * limits positive, resolvers valid. */
int tp_config_validate(const tp_config *c, char *err, size_t errlen);

/* History retention defaults (history.keep_runs / keep_days; 0 = unlimited). */
#define TP_HISTORY_KEEP_RUNS 2000
#define TP_HISTORY_KEEP_DAYS 90

/* The catalogs entry that names the catalog compiled into the binary. */
#define TP_CATALOG_BUILTIN "builtin:mde"
/* crl_via value meaning "fetch CRLs over a direct connection", even when no path has
 * that id. */
#define TP_CRL_VIA_DIRECT "direct"

/* A deep copy of src into dst (credentials included, in secret memory). 0 or -1. */
int tp_path_copy(tp_path *dst, const tp_path *src);
/* Frees a path's members (wiping the password first), not p itself. */
void tp_path_free(tp_path *p);
/* Moves *p to the end of c->paths (on success *p is zeroed). Returns 0 or -1. */
int tp_config_add_path(tp_config *c, tp_path *p);
/* Frees every path of c, leaving none. */
void tp_config_clear_paths(tp_config *c);

#endif
