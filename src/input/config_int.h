/* config_int.h — what the config modules share (not for other layers). */
#ifndef TLSPATH_CONFIG_INT_H
#define TLSPATH_CONFIG_INT_H
#include "input/config.h"
#include "base/jsonread.h"

#define CFG_MAX_FILE_BYTES (1024 * 1024) /* a config is a few KiB; refuse anything huge */
#define CFG_MAX_ITEMS 256                /* items in any array of the file */
#define CFG_MAX_PINSETS 64
#define CFG_MAX_TOKEN 64                 /* ids, names, service codes */
#define CFG_MAX_ENV_NAME 128

/* Messages go through jsonread ("WHERE: JSON.PATH: expected WHAT, got WHAT"); dir is the
 * config file's directory for relative file names (NULL = none). */
typedef struct cfg_ctx {
    tp_jr jr;
    const char *dir;
} cfg_ctx;

/* config_check.c: validators and the cross-checks of a whole configuration */
bool cfg_is_token(const char *s);        /* [A-Za-z0-9_.-]{1,64} */
bool cfg_is_env_name(const char *s);
bool cfg_has_ctl(const char *s);         /* a control character (header injection) */
bool cfg_is_known_format(const char *s);
bool cfg_is_resolver(const char *s);     /* ip, ip:port, [v6]:port: no names */
int cfg_probe_file(const char *name);    /* 0 when a readable regular file, else errno */
const char *cfg_probe_why(int e);
int cfg_check_config(const cfg_ctx *x, const tp_config *c);
int cfg_set_str(const cfg_ctx *x, const char *jp, char **dst, const char *s);
int cfg_get_token(const cfg_ctx *x, const cJSON *v, const char *jp, const char *what,
                  const char **out);

/* config_paths.c: network paths */
int cfg_path_copy(tp_path *dst, const tp_path *src);
int cfg_check_paths(const cfg_ctx *x, const tp_path *paths, size_t n);
int cfg_parse_paths(const cfg_ctx *x, const cJSON *v, tp_config *c);
/* config_egress.c: a path's bypass, pac, source, interface and family (issue 14) */
int cfg_parse_path_egress(const cfg_ctx *x, const cJSON *o, const char *jp, tp_path *p);
int cfg_path_copy_egress(tp_path *dst, const tp_path *src);
int cfg_parse_dns(const cfg_ctx *x, const cJSON *v, tp_config *c); /* "dns" */
/* config_history.c: the "history" object */
int cfg_parse_history(const cfg_ctx *x, const cJSON *o, tp_history_cfg *h);
int cfg_history_copy(tp_history_cfg *dst, const tp_history_cfg *src);
/* config_load.c */
/* A file name resolved against the current directory, then the config's directory. */
int cfg_resolve_file(const cfg_ctx *x, const char *jp, const char *name, char **out);
int cfg_get_filelist(const cfg_ctx *x, const cJSON *v, const char *jp, bool builtin_ok,
                     tp_strlist *out);
#endif
