/* config_entry.h — body of fuzz_config: tp_config_load_mem on top of tp_config_defaults.
 * No file name is passed (relative names are not resolved against a directory); a config
 * that names files only passes when they exist, so seeds name none or "builtin:mde".
 * Invariants: an accepted config validates (tp_config_validate == 0); a rejected one
 * leaves the defaults untouched (same number of paths, formats and pin sets). */
#ifndef TP_FUZZ_CONFIG_ENTRY_H
#define TP_FUZZ_CONFIG_ENTRY_H
#include "input/config.h"
#include "fuzz_common.h"

static void fuzz_config_one(const uint8_t *data, size_t size)
{
    char err[512];
    tp_config c;
    memset(&c, 0, sizeof c);
    if (tp_config_defaults(&c) != 0) {
        tp_config_free(&c);
        return;
    }
    size_t n_paths = c.n_paths, n_formats = c.formats.n, n_pinsets = c.n_pinsets;
    int rc = tp_config_load_mem((const char *)data, size, NULL, &c, err, sizeof err);
    fz_check_err(err, sizeof err, rc);
    if (rc == 0) {
        fz_check(tp_config_validate(&c, err, sizeof err) == 0);
        for (size_t i = 0; i < c.n_paths; i++)
            fz_check(c.paths[i].id != NULL);
    } else {
        fz_check(c.n_paths == n_paths && c.formats.n == n_formats && c.n_pinsets == n_pinsets);
    }
    tp_config_free(&c);
}
#endif
