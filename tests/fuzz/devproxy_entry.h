/* devproxy_entry.h — body of fuzz_devproxy: the readers of a device's proxy settings
 * (input/devproxy.h). Byte 0 picks the reader (0 netsh, 1 .reg, 2 mdatp_managed.json,
 * 3 /etc/environment file, else all four on the same bytes), the rest is the file.
 * Invariants: a message on every failure; whatever was read, the paths document loads as
 * a configuration and validates, and no path's proxy carries user-info ('@'). */
#ifndef TP_FUZZ_DEVPROXY_ENTRY_H
#define TP_FUZZ_DEVPROXY_ENTRY_H
#include "input/config.h"
#include "input/devproxy.h"
#include "fuzz_common.h"

static void fuzz_devproxy_one(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    typedef int (*rd)(tp_devproxy *, const char *, size_t, const char *, char *, size_t);
    static const rd readers[] = {tp_devproxy_read_netsh, tp_devproxy_read_reg,
                                 tp_devproxy_read_mdatp, tp_devproxy_read_envfile};
    unsigned sel = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    char err[512];
    tp_devproxy d;
    tp_devproxy_init(&d);
    for (unsigned i = 0; i < 4; i++) {
        if (sel < 4 && sel != i)
            continue;
        err[0] = '\0';
        int rc = readers[i](&d, text, len, "fz", err, sizeof err);
        fz_check_err(err, sizeof err, rc);
    }
    cJSON *root = tp_devproxy_paths(&d);
    if (root) {
        const cJSON *p;
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(root, "paths"))
        {
            const cJSON *px = cJSON_GetObjectItemCaseSensitive(p, "proxy");
            fz_check(!px || (cJSON_IsString(px) && !strchr(px->valuestring, '@')));
        }
        char *json = cJSON_PrintUnformatted(root);
        if (json) {
            tp_config c;
            if (tp_config_defaults(&c) == 0) {
                int rc = tp_config_load_mem(json, strlen(json), NULL, &c, err, sizeof err);
                /* a pac path names a URL that must parse; a file name cannot come from here */
                fz_check(rc == 0);
                fz_check(tp_config_validate(&c, err, sizeof err) == 0);
            }
            tp_config_free(&c);
            free(json);
        }
        cJSON_Delete(root);
    }
    tp_devproxy_free(&d);
}
#endif
