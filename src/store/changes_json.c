/* changes_json.c — run->changes as JSON (see changes_json.h). */
#include "store/changes_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* RFC 3339 UTC with milliseconds, as every timestamp of the JSON report. */
static cJSON *jtime(int64_t ms)
{
    char buf[64];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&t, &tm))
        return cJSON_CreateNull();
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return cJSON_CreateString(buf);
}

static cJSON *jstr(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* Adds item (NULL = allocation failure) to obj, remembering failures in *ok. */
static void put(cJSON *obj, const char *key, cJSON *item, bool *ok)
{
    if (!item || !obj || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        *ok = false;
    }
}

static cJSON *change_json(const tp_change *c, bool *ok)
{
    const tp_result *r = c->result;
    cJSON *o = cJSON_CreateObject();
    put(o, "endpoint", jstr(r->ep->id), ok);
    put(o, "service", jstr(r->ep->service), ok);
    put(o, "host", jstr(r->ep->host), ok);
    put(o, "path", jstr(r->path->id), ok);
    put(o, "required", cJSON_CreateBool(r->ep->required), ok);
    put(o, "status", jstr(tp_status_name(r->status)), ok);
    put(o, "error_code", jstr(tp_outcome_name(r->error_code)), ok);
    put(o, "phase", jstr(tp_phase_name(r->phase)), ok);
    put(o, "http_status", r->http_status > 0 ? cJSON_CreateNumber(r->http_status) : cJSON_CreateNull(), ok);
    put(o, "windows_error", jstr(r->windows_error), ok);
    cJSON *prev = cJSON_CreateObject();
    put(prev, "status", jstr(tp_status_name(c->prev_status)), ok);
    put(prev, "error_code", jstr(c->prev_error_code), ok);
    put(o, "previous", prev, ok);
    if (!o)
        *ok = false;
    return o;
}

cJSON *tp_changes_json(const tp_run *run)
{
    const tp_changes *c = run->changes;
    if (!c)
        return cJSON_CreateNull();
    bool ok = true;
    cJSON *o = cJSON_CreateObject();
    put(o, "run_id", cJSON_CreateNumber((double)c->run_id), &ok);
    cJSON *prev = NULL;
    if (c->has_previous) {
        prev = cJSON_CreateObject();
        put(prev, "run_id", cJSON_CreateNumber((double)c->previous_run_id), &ok);
        put(prev, "started_at", jtime(c->previous_started_at_ms), &ok);
        put(prev, "finished_at", jtime(c->previous_finished_at_ms), &ok);
    } else {
        prev = cJSON_CreateNull();
    }
    put(o, "previous", prev, &ok);
    cJSON *counts = cJSON_CreateObject();
    for (int k = 0; k < TP_CHANGE_KINDS; k++)
        put(counts, tp_change_kind_name((tp_change_kind)k), cJSON_CreateNumber((double)c->count[k]), &ok);
    put(o, "counts", counts, &ok);
    put(o, "regressions", cJSON_CreateNumber((double)c->regressions), &ok);
    for (int k = 0; k < TP_CHANGE_KINDS; k++) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; arr && i < c->n; i++) {
            if (c->v[i].kind != (tp_change_kind)k)
                continue;
            cJSON *item = change_json(&c->v[i], &ok);
            if (!item || !cJSON_AddItemToArray(arr, item)) {
                cJSON_Delete(item);
                ok = false;
            }
        }
        put(o, tp_change_kind_name((tp_change_kind)k), arr, &ok);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

char *tp_changes_hook_doc(const tp_run *run)
{
    bool ok = true;
    tp_summary s;
    tp_run_summary(run, &s);
    cJSON *doc = cJSON_CreateObject();
    cJSON *tool = cJSON_CreateObject();
    put(tool, "name", cJSON_CreateString("tlspath"), &ok);
    put(tool, "version", cJSON_CreateString(TLSPATH_VERSION), &ok);
    put(doc, "tool", tool, &ok);
    put(doc, "started_at", jtime(run->started_at_ms), &ok);
    put(doc, "finished_at", jtime(run->finished_at_ms), &ok);
    put(doc, "verdict", cJSON_CreateString(tp_summary_verdict(&s)), &ok);
    put(doc, "changes", tp_changes_json(run), &ok);
    char *text = ok ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    return text;
}
