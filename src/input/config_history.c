/* config_history.c — the config's "history" object: run history and regressions
 * (store/history.h, docs/config.md "history"). */
#include <stdlib.h>
#include <string.h>

#include "input/config_int.h"

int cfg_parse_history(const cfg_ctx *x, const cJSON *o, tp_history_cfg *h)
{
    static const char *const keys[] = {"state_dir", "keep_runs", "keep_days", "fail_on", "on_change"};
    const cJSON *v;
    const char *s = NULL;
    double d = 0;

    if (tp_jr_object(&x->jr, o, "history") || tp_jr_check_keys(&x->jr, o, "history", keys, 5))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "state_dir"))) {
        if (tp_jr_string(&x->jr, v, "history.state_dir", false, &s))
            return -1;
        if (!*s)
            return tp_jr_fail_got(&x->jr, "history.state_dir", "a directory name", v, false);
        if (cfg_set_str(x, "history.state_dir", &h->state_dir, s))
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "keep_runs"))) {
        if (tp_jr_int(&x->jr, v, "history.keep_runs", 0, 10000000, &d))
            return -1;
        h->keep_runs = (int)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "keep_days"))) {
        if (tp_jr_int(&x->jr, v, "history.keep_days", 0, 36500, &d))
            return -1;
        h->keep_days = (int)d;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "fail_on"))) {
        if (!cJSON_IsString(v) || !v->valuestring ||
            (strcmp(v->valuestring, "any") && strcmp(v->valuestring, "regression")))
            return tp_jr_fail_got(&x->jr, "history.fail_on", "\"any\" or \"regression\"", v, false);
        h->fail_on = strcmp(v->valuestring, "any") ? TP_FAIL_ON_REGRESSION : TP_FAIL_ON_ANY;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(o, "on_change"))) {
        if (tp_jr_string(&x->jr, v, "history.on_change", false, &s))
            return -1;
        if (!*s)
            return tp_jr_fail_got(&x->jr, "history.on_change", "a shell command", v, false);
        if (cfg_set_str(x, "history.on_change", &h->on_change, s))
            return -1;
    }
    return 0;
}

int cfg_history_copy(tp_history_cfg *dst, const tp_history_cfg *src)
{
    *dst = *src;
    dst->state_dir = dst->on_change = NULL;
    if ((src->state_dir && !(dst->state_dir = strdup(src->state_dir))) ||
        (src->on_change && !(dst->on_change = strdup(src->on_change))))
        return -1;   /* what was copied is freed with the config */
    return 0;
}
