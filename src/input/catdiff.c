/* catdiff.c — catalog comparison (see catdiff.h). */
#include "input/catdiff.h"

#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *req_name(const tp_endpoint *e)
{
    return e->requirement == TP_REQ_CONDITIONAL ? "conditional"
           : e->requirement == TP_REQ_OPTIONAL  ? "optional"
                                                : "required";
}

/* A list as sorted, comma-joined text so order does not count as a change. */
static char *list_text(const tp_strlist *l, const char *empty)
{
    size_t len = 1;
    char **v = l->n ? malloc(l->n * sizeof *v) : NULL;
    char *out;
    if (l->n && !v)
        return NULL;
    for (size_t i = 0; i < l->n; i++) {
        v[i] = l->v[i];
        len += strlen(l->v[i]) + 1;
    }
    for (size_t i = 1; i < l->n; i++) /* insertion sort: lists are short */
        for (size_t j = i; j > 0 && strcasecmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    out = malloc(len + strlen(empty));
    if (out) {
        out[0] = '\0';
        for (size_t i = 0; i < l->n; i++) {
            if (i)
                strcat(out, ",");
            strcat(out, v[i]);
            for (char *p = out; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p + 32);
        }
        if (!l->n)
            strcpy(out, empty);
    }
    free(v);
    return out;
}

static char *status_text(const tp_endpoint *e)
{
    char buf[8 * 5 + 8] = "";
    for (size_t i = 0; i < e->n_expect_status; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%d", i ? "," : "", e->expect_status[i]);
    return strdup(e->n_expect_status ? buf : "any");
}

static char *dup_or(const char *s, const char *dflt) { return strdup(s ? s : dflt); }

/* The compared fields: everything that changes what is probed or how it is judged. */
enum { F_SERVICE, F_URL, F_METHOD, F_REQUIRED, F_CONDITION, F_CLOUD, F_GEO, F_OS, F_ONB, F_PINSET, F_INSPECT,
       F_STATUS, F_WILDCARD, F_DIRECT, F_PLACEHOLDER, F_COUNT };
static const char *const k_fields[F_COUNT] = {"service", "url", "method", "required", "condition", "cloud",
                                              "geography", "os", "onboarding", "pinset", "inspection_allowed",
                                              "expect_status", "wildcard", "direct_only", "placeholder"};

static char *field_text(const tp_endpoint *e, int f)
{
    switch (f) {
    case F_SERVICE: return dup_or(e->service, "");
    case F_URL: return dup_or(e->url, "");
    case F_METHOD: return dup_or(e->method, "GET");
    case F_REQUIRED: return strdup(req_name(e));
    case F_CONDITION: return dup_or(e->condition, "-");
    case F_CLOUD: return list_text(&e->clouds, "every cloud");
    case F_GEO: return dup_or(e->geography, "WW");
    case F_OS: return list_text(&e->os, "every OS");
    case F_ONB: return list_text(&e->onboarding, "both modes");
    case F_PINSET: return dup_or(e->pinset, "-");
    case F_INSPECT: return strdup(e->inspection_allowed ? "true" : "false");
    case F_STATUS: return status_text(e);
    case F_WILDCARD: return dup_or(e->wildcard, "-");
    case F_DIRECT: return strdup(e->direct_only ? "true" : "false");
    case F_PLACEHOLDER: return dup_or(e->placeholder, "-");
    default: return NULL;
    }
}

/* An imported spreadsheet says nothing about the probe's path, method, expected status,
 * pin set and the like: those fields are not compared when either side was imported. */
static bool imported(const tp_endpoint *e)
{
    return e->source && strncmp(e->source, "imported from ", 14) == 0;
}

static char *origin_text(const tp_endpoint *e)
{
    char buf[320];
    snprintf(buf, sizeof buf, "%s://%s:%d", e->scheme ? e->scheme : "?", e->host ? e->host : "?", e->port);
    return strdup(buf);
}

static int compare(tp_catdiff_pair *p)
{
    bool imp = imported(p->a) || imported(p->b);
    for (int f = 0; f < F_COUNT; f++) {
        if (imp && (f == F_METHOD || f == F_PINSET || f == F_STATUS || f == F_DIRECT || f == F_PLACEHOLDER))
            continue;
        char *a = imp && f == F_URL ? origin_text(p->a) : field_text(p->a, f);
        char *b = imp && f == F_URL ? origin_text(p->b) : field_text(p->b, f);
        bool same = a && b && (f == F_GEO ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0);
        if (!a || !b || same) {
            free(a);
            free(b);
            if (!a || !b)
                return -1;
            continue;
        }
        tp_catdiff_change *v = realloc(p->ch, (p->n_ch + 1) * sizeof *v);
        if (!v) {
            free(a);
            free(b);
            return -1;
        }
        p->ch = v;
        p->ch[p->n_ch++] = (tp_catdiff_change){k_fields[f], a, b};
    }
    return 0;
}

static bool same_hostport(const tp_endpoint *a, const tp_endpoint *b)
{
    return a->host && b->host && !strcmp(a->host, b->host) && a->port == b->port && a->scheme && b->scheme &&
           !strcmp(a->scheme, b->scheme);
}

static int push(tp_catdiff *d, const tp_endpoint *a, const tp_endpoint *b, size_t *cap)
{
    if (d->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        tp_catdiff_pair *v = realloc(d->pairs, nc * sizeof *v);
        if (!v)
            return -1;
        d->pairs = v;
        *cap = nc;
    }
    d->pairs[d->n] = (tp_catdiff_pair){a, b, NULL, 0};
    if (a && b && compare(&d->pairs[d->n]) != 0) {
        d->n++;
        return -1;
    }
    if (a && b && d->pairs[d->n].n_ch == 0) {
        d->unchanged++;
        return 0; /* not kept */
    }
    if (!a)
        d->added++;
    else if (!b)
        d->removed++;
    else
        d->changed++;
    d->n++;
    return 0;
}

int tp_catdiff_build(const tp_catalog *a, const tp_catalog *b, tp_catdiff *out)
{
    size_t cap = 0;
    int rc = -1;
    bool *used_b = calloc(b->n ? b->n : 1, sizeof *used_b);
    long *match = malloc((a->n ? a->n : 1) * sizeof *match);
    memset(out, 0, sizeof *out);
    if (!used_b || !match)
        goto done;
    for (size_t i = 0; i < a->n; i++)
        match[i] = -1;
    /* four rounds, each only over what is still unmatched: id, URL, scheme+host+port, and
     * the wildcard rule both stand for (a spreadsheet's "*.wns.windows.com" row is the
     * catalog's client.wns.windows.com) */
    for (int round = 0; round < 4; round++)
        for (size_t i = 0; i < a->n; i++) {
            if (match[i] >= 0)
                continue;
            const tp_endpoint *x = &a->endpoints[i];
            for (size_t j = 0; j < b->n; j++) {
                const tp_endpoint *y = &b->endpoints[j];
                bool hit = !used_b[j] && (round == 0   ? !strcmp(x->id, y->id)
                                          : round == 1 ? !strcmp(x->url, y->url)
                                          : round == 2 ? same_hostport(x, y)
                                                       : x->wildcard && y->wildcard &&
                                                             !strcasecmp(x->wildcard, y->wildcard) &&
                                                             !strcmp(x->scheme, y->scheme));
                if (hit) {
                    match[i] = (long)j;
                    used_b[j] = true;
                    break;
                }
            }
        }
    for (size_t i = 0; i < a->n; i++)
        if (push(out, &a->endpoints[i], match[i] >= 0 ? &b->endpoints[match[i]] : NULL, &cap) != 0)
            goto done;
    for (size_t j = 0; j < b->n; j++)
        if (!used_b[j] && push(out, NULL, &b->endpoints[j], &cap) != 0)
            goto done;
    rc = 0;
done:
    free(used_b);
    free(match);
    if (rc != 0)
        tp_catdiff_free(out);
    return rc;
}

void tp_catdiff_free(tp_catdiff *d)
{
    for (size_t i = 0; i < d->n; i++) {
        for (size_t k = 0; k < d->pairs[i].n_ch; k++) {
            free(d->pairs[i].ch[k].a);
            free(d->pairs[i].ch[k].b);
        }
        free(d->pairs[i].ch);
    }
    free(d->pairs);
    memset(d, 0, sizeof *d);
}

int tp_catdiff_print_table(const tp_catdiff *d, const char *name_a, const char *name_b, FILE *out)
{
    fprintf(out, "--- %s\n+++ %s\n", name_a, name_b);
    for (int kind = 0; kind < 3; kind++)
        for (size_t i = 0; i < d->n; i++) {
            const tp_catdiff_pair *p = &d->pairs[i];
            if (kind == 0 && !p->a)
                fprintf(out, "added    %-36s %s\n", p->b->id, p->b->url);
            else if (kind == 1 && !p->b)
                fprintf(out, "removed  %-36s %s\n", p->a->id, p->a->url);
            else if (kind == 2 && p->a && p->b) {
                fprintf(out, "changed  %-36s %s\n", p->a->id, p->a->url);
                if (strcmp(p->a->id, p->b->id) != 0)
                    fprintf(out, "           (is %s in %s)\n", p->b->id, name_b);
                for (size_t k = 0; k < p->n_ch; k++)
                    fprintf(out, "           %s: %s -> %s\n", p->ch[k].field, p->ch[k].a, p->ch[k].b);
            }
        }
    fprintf(out, "%zu added, %zu removed, %zu changed, %zu unchanged\n", d->added, d->removed, d->changed,
            d->unchanged);
    return ferror(out) ? -1 : 0;
}

static cJSON *ep_ref(const tp_endpoint *e)
{
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddStringToObject(o, "id", e->id);
        cJSON_AddStringToObject(o, "url", e->url);
        cJSON_AddStringToObject(o, "service", e->service);
    }
    return o;
}

int tp_catdiff_print_json(const tp_catdiff *d, const char *name_a, const char *name_b, FILE *out)
{
    cJSON *doc = cJSON_CreateObject(), *added = cJSON_CreateArray(), *removed = cJSON_CreateArray(),
          *changed = cJSON_CreateArray(), *sum = cJSON_CreateObject();
    char *text = NULL;
    int rc = -1;
    if (!doc || !added || !removed || !changed || !sum) {
        cJSON_Delete(added);
        cJSON_Delete(removed);
        cJSON_Delete(changed);
        cJSON_Delete(sum);
        goto done;
    }
    cJSON_AddStringToObject(doc, "a", name_a);
    cJSON_AddStringToObject(doc, "b", name_b);
    cJSON_AddItemToObject(doc, "added", added);
    cJSON_AddItemToObject(doc, "removed", removed);
    cJSON_AddItemToObject(doc, "changed", changed);
    cJSON_AddItemToObject(doc, "summary", sum);
    for (size_t i = 0; i < d->n; i++) {
        const tp_catdiff_pair *p = &d->pairs[i];
        if (!p->a) {
            cJSON_AddItemToArray(added, ep_ref(p->b));
        } else if (!p->b) {
            cJSON_AddItemToArray(removed, ep_ref(p->a));
        } else {
            cJSON *o = ep_ref(p->a), *chs = cJSON_CreateArray();
            if (!o || !chs) {
                cJSON_Delete(o);
                cJSON_Delete(chs);
                goto done;
            }
            cJSON_AddStringToObject(o, "id_b", p->b->id);
            for (size_t k = 0; k < p->n_ch; k++) {
                cJSON *c = cJSON_CreateObject();
                cJSON_AddStringToObject(c, "field", p->ch[k].field);
                cJSON_AddStringToObject(c, "a", p->ch[k].a);
                cJSON_AddStringToObject(c, "b", p->ch[k].b);
                cJSON_AddItemToArray(chs, c);
            }
            cJSON_AddItemToObject(o, "changes", chs);
            cJSON_AddItemToArray(changed, o);
        }
    }
    cJSON_AddNumberToObject(sum, "added", (double)d->added);
    cJSON_AddNumberToObject(sum, "removed", (double)d->removed);
    cJSON_AddNumberToObject(sum, "changed", (double)d->changed);
    cJSON_AddNumberToObject(sum, "unchanged", (double)d->unchanged);
    text = cJSON_Print(doc);
    if (text && fprintf(out, "%s\n", text) >= 0 && !ferror(out))
        rc = 0;
done:
    free(text);
    cJSON_Delete(doc);
    return rc;
}
