/* servicetags.c — the Defender-relevant part of an Azure service tags file (servicetags.h). */
#include "input/servicetags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "base/hostmatch.h"
#include "base/jsonread.h"

static const char *const RELEVANT[] = {"MicrosoftDefenderForEndpoint", "OneDsCollector", "AzureCloud"};

static bool relevant(const char *name)
{
    for (size_t i = 0; i < sizeof RELEVANT / sizeof RELEVANT[0]; i++) {
        size_t n = strlen(RELEVANT[i]);
        if (strncmp(name, RELEVANT[i], n) == 0 && (name[n] == '\0' || name[n] == '.'))
            return true;
    }
    return false;
}

void tp_servicetags_free(tp_servicetags *st)
{
    free(st->cloud);
    tp_strlist_free(&st->tags);
    free(st->p);
    memset(st, 0, sizeof *st);
}

static int add_prefix(tp_servicetags *st, size_t *cap, const char *text, uint32_t tag)
{
    char buf[64];
    size_t n = strlen(text);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, text, n + 1);
    char *slash = strchr(buf, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    tp_tag_prefix p = {.tag = tag};
    int fam = tp_ip_parse(buf, p.addr);
    if (!fam || *end || slash[1] == '\0' || bits < 0 || bits > fam * 8)
        return -1;
    p.fam = (uint8_t)fam;
    p.bits = (uint8_t)bits;
    if (st->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        tp_tag_prefix *v = realloc(st->p, nc * sizeof *v);
        if (!v)
            return -2;
        st->p = v;
        *cap = nc;
    }
    st->p[st->n++] = p;
    return 0;
}

int tp_servicetags_load_mem(const char *text, size_t len, const char *file, tp_servicetags *st,
                            char *err, size_t errlen)
{
    tp_jr jr = {file, err, errlen};
    char jp[TP_JR_PATH_MAX], kp[TP_JR_PATH_MAX];
    memset(st, 0, sizeof *st);
    cJSON *root = tp_jr_parse(&jr, text, len);
    if (!root)
        return -1;
    int rc = -1;
    size_t cap = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "values");
    if (!cJSON_IsObject(root) || !cJSON_IsArray(v)) {
        tp_jr_fail_got(&jr, "values", "an array of service tags (an Azure service tags file)", v, false);
        goto done;
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "cloud");
    if (cJSON_IsString(c) && !(st->cloud = strdup(c->valuestring)))
        goto oom;
    c = cJSON_GetObjectItemCaseSensitive(root, "changeNumber");
    if (cJSON_IsNumber(c))
        st->change_number = (long)c->valuedouble;
    size_t i = 0;
    for (const cJSON *t = v->child; t; t = t->next, i++) {
        tp_jr_idx(jp, sizeof jp, "values", i);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "name");
        if (!cJSON_IsString(name)) {
            tp_jr_key(kp, sizeof kp, jp, "name");
            tp_jr_fail_got(&jr, kp, "a tag name", name, false);
            goto done;
        }
        if (!relevant(name->valuestring))
            continue;
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(t, "properties");
        const cJSON *pre = cJSON_GetObjectItemCaseSensitive(props, "addressPrefixes");
        tp_jr_key(kp, sizeof kp, jp, "properties.addressPrefixes");
        if (!cJSON_IsArray(pre)) {
            tp_jr_fail_got(&jr, kp, "an array of address prefixes", pre, false);
            goto done;
        }
        if (tp_strlist_add(&st->tags, name->valuestring) != 0)
            goto oom;
        uint32_t tag = (uint32_t)(st->tags.n - 1);
        size_t k = 0;
        for (const cJSON *a = pre->child; a; a = a->next, k++) {
            int r = cJSON_IsString(a) ? add_prefix(st, &cap, a->valuestring, tag) : -1;
            if (r == -2)
                goto oom;
            if (r != 0) {
                char ep[TP_JR_PATH_MAX];
                tp_jr_idx(ep, sizeof ep, kp, k);
                tp_jr_fail_got(&jr, ep, "an address prefix such as \"20.36.0.0/14\"", a, false);
                goto done;
            }
        }
    }
    if (st->tags.n == 0) {
        tp_jr_fail(&jr, "values", "expected MicrosoftDefenderForEndpoint, OneDsCollector or "
                                  "AzureCloud among the tags, got none of them");
        goto done;
    }
    rc = 0;
    goto done;
oom:
    tp_jr_fail(&jr, NULL, "out of memory");
done:
    tp_jr_delete(root, false);
    if (rc != 0)
        tp_servicetags_free(st);
    return rc;
}

int tp_servicetags_load_file(const char *file, tp_servicetags *st, char *err, size_t errlen)
{
    tp_jr jr = {file, err, errlen};
    tp_buf b;
    memset(st, 0, sizeof *st);
    if (tp_jr_read_file(&jr, TP_TAGS_MAX_FILE, false, &b) != 0) {
        tp_buf_free(&b);
        return -1;
    }
    int rc = tp_servicetags_load_mem(b.len ? (const char *)b.data : "", b.len, file, st, err, errlen);
    tp_buf_free(&b);
    return rc;
}

static bool in_prefix(const tp_tag_prefix *p, const uint8_t *a)
{
    unsigned full = p->bits / 8u, rest = p->bits % 8u;
    if (memcmp(p->addr, a, full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t m = (uint8_t)(0xFFu << (8 - rest));
    return (p->addr[full] & m) == (a[full] & m);
}

size_t tp_servicetags_match(const tp_servicetags *st, const char *ip, char *out, size_t outlen)
{
    uint8_t a[16];
    size_t hits = 0, o = 0;
    if (outlen)
        out[0] = '\0';
    int fam = tp_ip_parse(ip, a);
    if (!fam)
        return 0;
    bool seen[64] = {false};
    for (size_t i = 0; i < st->n; i++) {
        const tp_tag_prefix *p = &st->p[i];
        if (p->fam != fam || !in_prefix(p, a))
            continue;
        if (p->tag < 64) {
            if (seen[p->tag])
                continue;
            seen[p->tag] = true;
        }
        hits++;
        int m = snprintf(out + o, outlen > o ? outlen - o : 0, "%s%s", o ? "," : "", st->tags.v[p->tag]);
        if (m > 0 && o + (size_t)m < outlen)
            o += (size_t)m;
    }
    return hits;
}
