/* msimport.c — Microsoft's Defender for Endpoint URL spreadsheet, saved as CSV, to a
 * catalog: header mapping (columns found by name in any order), one row to one or more
 * endpoints (several hosts per cell, ports, wildcards), stable ids, and the validated
 * catalog JSON written atomically. The rows come from csv.c; every host token goes
 * through url.h. Never produces a partial result: an error names the line and column. */
#include "input/catalog.h"
#include "input/catalog_int.h"
#include "input/msimport.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "base/fileout.h"
#include "base/jsonread.h"
#include "base/url.h"

#define CSV_MAX_FILE_BYTES (32u * 1024u * 1024u)
#define HOST_MAX 253u
#define ID_MAX 96u
#define DESC_MAX 1024u

static int lower_c(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Lower-case in place (ASCII only: host names and ids are ASCII). */
static void ascii_lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)lower_c((unsigned char)*s);
}

/* Quotes n bytes of s for a message (see tp_jr_show). */
static void quote_for_msg(const char *s, size_t n, char *out, size_t outlen)
{
    char tmp[TP_JR_SHOW_MAX + 2];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(n < sizeof tmp - 1 ? n : sizeof tmp - 1), s);
    tp_jr_show(tmp, out, outlen);
}

typedef struct id_slot {
    char *s;
    size_t next;
} id_slot;

typedef struct id_set {
    id_slot *slot;
    size_t cap, n;
} id_set;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static id_slot *id_set_find(const id_set *s, const char *id)
{
    size_t i;
    if (s->cap == 0)
        return NULL;
    for (i = fnv1a(id) & (s->cap - 1); s->slot[i].s; i = (i + 1) & (s->cap - 1))
        if (strcmp(s->slot[i].s, id) == 0)
            return &s->slot[i];
    return NULL;
}

static int id_set_add(id_set *s, const char *id)
{
    size_t i;
    char *c;
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256, k;
        id_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (k = 0; k < s->cap; k++)
            if (s->slot[k].s) {
                for (i = fnv1a(s->slot[k].s) & (ncap - 1); ns[i].s; i = (i + 1) & (ncap - 1))
                    ;
                ns[i] = s->slot[k];
            }
        free(s->slot);
        s->slot = ns;
        s->cap = ncap;
    }
    if (!(c = tp_strdup(id)))
        return -1;
    for (i = fnv1a(id) & (s->cap - 1); s->slot[i].s; i = (i + 1) & (s->cap - 1))
        ;
    s->slot[i].s = c;
    s->slot[i].next = 2;
    s->n++;
    return 0;
}

static void id_set_free(id_set *s)
{
    size_t i;
    for (i = 0; i < s->cap; i++)
        free(s->slot[i].s);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* Everything one CSV row contributes, shared by the endpoints it expands to. */
static void fold_append(char *out, size_t outlen, const char *s)
{
    size_t o = strlen(out);
    bool sp = o > 0;
    for (; *s && o + 5 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            sp = o > 0;
            continue;
        }
        if (sp) {
            out[o++] = ' ';
            sp = false;
        }
        out[o++] = (char)c;
    }
    /* cut in the middle of a UTF-8 sequence: drop its first half too */
    if (((unsigned char)*s & 0xC0) == 0x80) {
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80)
            o--;
        if (o > 0 && (unsigned char)out[o - 1] >= 0xC0)
            o--;
    }
    out[o] = '\0';
}

/* Builds JSON members; a NULL from cJSON (allocation failure) is remembered in *ok.
 * Text is written without control characters (TAB/LF/CR as a space; DEL and C1 dropped;
 * tp_csv_check_bytes already refused the other C0 bytes): the catalog loader refuses
 * them, and what the import writes must load again. */
static void add_str(cJSON *o, const char *k, const char *v, bool *ok)
{
    char *clean = NULL;
    if (v) {
        const unsigned char *p = (const unsigned char *)v;
        size_t n = 0;
        if (!(clean = malloc(strlen(v) + 1))) {
            *ok = false;
            return;
        }
        for (size_t i = 0; p[i]; i++) {
            if (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
                i++;
                continue;
            }
            if (p[i] == 0x7F)
                continue;
            clean[n++] = p[i] < 0x20 ? ' ' : (char)p[i];
        }
        clean[n] = '\0';
    }
    if (!(clean ? cJSON_AddStringToObject(o, k, clean) : cJSON_AddNullToObject(o, k)))
        *ok = false;
    free(clean);
}

static void add_bool(cJSON *o, const char *k, bool v, bool *ok)
{
    if (!cJSON_AddBoolToObject(o, k, v))
        *ok = false;
}

static void add_os(cJSON *o, unsigned os, bool *ok)
{
    static const struct {
        unsigned bit;
        const char *name;
    } k[] = {{OS_WINDOWS, "windows"}, {OS_MACOS, "macos"}, {OS_LINUX, "linux"}};
    cJSON *a = cJSON_AddArrayToObject(o, "os");
    size_t i;
    if (!a) {
        *ok = false;
        return;
    }
    for (i = 0; i < 3; i++)
        if ((os & k[i].bit) && !cJSON_AddItemToArray(a, cJSON_CreateString(k[i].name)))
            *ok = false;
}

/* Turns one host-or-URL token into a scheme (NULL when the cell gives none), a concrete
 * host, an explicit port (0 when none: "example.com:8443" gives 8443), a path and a
 * wildcard. A wildcard host "*.x.com" is probed as "x.com" (the concrete hosts are not
 * in the spreadsheet); "a-*.x.com" as "x.com" too: the parent domain stands in, the
 * wildcard's own hosts are not tested. A wildcard that leaves no concrete host ("*",
 * "*.com") is an error. A trailing "*" in the path ("crl.microsoft.com/pki/crl/" plus a
 * star) is dropped. Credentials ("https://user:pw@host/") are refused without being
 * echoed. Errors quote the token as written in the cell. Returns 0 or -1 (err set). */
static int split_token(const csv_rowinfo *ri, const char *tok, char **scheme, char **host,
                       int *port, char **pathq, char **wildcard, char *err, size_t errlen)
{
    static const char what[] = "a host name or an http(s) URL";
    const char *p = tok, *hs, *he, *ae, *star;
    char *h = NULL, *w = NULL, *path = NULL, *sc = NULL;
    char red[TP_JR_SHOW_BUF];
    size_t plen;

    *scheme = *host = *pathq = *wildcard = NULL;
    *port = 0;
    if (tp_url_redact_userinfo(tok, red, sizeof red))
        return ms_col_error(ri, "Endpoint/URL", "a URL without credentials", red, err, errlen);
    if (strncasecmp(p, "https://", 8) == 0) {
        sc = tp_strdup("https");
        p += 8;
    } else if (strncasecmp(p, "http://", 7) == 0) {
        sc = tp_strdup("http");
        p += 7;
    } else if (strstr(p, "://")) {
        return ms_col_error(ri, "Endpoint/URL", what, tok, err, errlen);
    }
    /* authority: "host", "host:port", "[v6]", "[v6]:port", or a bare v6 literal */
    ae = p + strcspn(p, "/?#");
    {
        tp_authority a;
        if (tp_authority_split(p, (size_t)(ae - p), TP_AUTH_BARE_V6, &a) != 0 ||
            (a.bare_v6 && !tp_host_is_v6_text(a.host, a.host_len)))
            goto bad;
        hs = a.host;
        he = a.host + a.host_len;
        *port = a.port > 0 ? a.port : 0;
    }
    star = memchr(hs, '*', (size_t)(he - hs));
    if (star) {
        const char *dot = memchr(star, '.', (size_t)(he - star));
        if (dot && memchr(dot, '*', (size_t)(he - dot)))
            goto bad;
        if (!dot || dot + 1 >= he || !memchr(dot + 1, '.', (size_t)(he - dot - 1))) {
            /* "*", "*.", "*.com", "a*.com": only a top-level domain (or nothing) is left */
            char q[TP_JR_SHOW_BUF];
            quote_for_msg(hs, (size_t)(he - hs), q, sizeof q);
            tp_csv_err(err, errlen,
                    "%s: line %zu: column \"Endpoint/URL\": wildcard %s names no concrete host",
                    ri->file, ri->line, q);
            goto fail;
        }
        w = tp_strndup(hs, (size_t)(he - hs));
        h = tp_strndup(dot + 1, (size_t)(he - dot - 1));
    } else {
        h = tp_strndup(hs, (size_t)(he - hs));
    }
    plen = strcspn(ae, "#");
    while (plen > 0 && ae[plen - 1] == '*')
        plen--;
    path = plen == 0 ? tp_strdup("/") : tp_asprintf("%s%.*s", ae[0] == '/' ? "" : "/", (int)plen, ae);
    if (!h || !path || (star && !w) || (p != tok && !sc)) {
        tp_csv_err(err, errlen, "%s: out of memory", ri->file);
        goto fail;
    }
    ascii_lower(h);
    ascii_lower(w);
    if (strchr(path, '*') || strchr(h, '*'))
        goto bad;
    /* Microsoft's tables hold only DNS names and IP literals: a word without a dot is
     * prose ("Root URL for public Microsoft CDN endpoints ..."), not a host */
    if (!strchr(h, '.') && !strchr(h, ':'))
        goto bad;
    *scheme = sc;
    *host = h;
    *pathq = path;
    *wildcard = w;
    return 0;
bad:
    ms_col_error(ri, "Endpoint/URL", what, tok, err, errlen);
fail:
    free(sc);
    free(h);
    free(w);
    free(path);
    *port = 0;
    return -1;
}

/* Appends one endpoint object to eps. */
static int emit_endpoint(cJSON *eps, struct id_set *ids, const csv_rowinfo *ri, const char *tok,
                         const char *scheme, const char *host, int port, const char *path,
                         const char *wildcard, bool streamlined, char *err, size_t errlen)
{
    char id[ID_MAX + 1] = "", desc[DESC_MAX] = "", src[512];
    char *url = NULL, *sc = NULL, *hs = NULL, *ps = NULL;
    bool def_port = (strcmp(scheme, "https") == 0 && port == 443) ||
                    (strcmp(scheme, "http") == 0 && port == 80);
    bool is_v6 = strchr(host, ':') != NULL && host[0] != '[', ok = true;
    bool blob = tp_cat_wildcard_covers("*.blob.core.windows.net", host);
    cJSON *o = NULL, *a;
    int rc = -1, pp;
    id_slot *used;

    url = def_port ? tp_asprintf("%s://%s%s%s%s", scheme, is_v6 ? "[" : "", host, is_v6 ? "]" : "", path)
                   : tp_asprintf("%s://%s%s%s:%d%s", scheme, is_v6 ? "[" : "", host,
                                 is_v6 ? "]" : "", port, path);
    if (!url)
        goto oom;
    if (tp_url_parse(url, &sc, &hs, &pp, &ps) != 0) {
        ms_col_error(ri, "Endpoint/URL", "a host name or an http(s) URL", tok, err, errlen);
        goto done;
    }
    /* id: service-host-path, numbered on collision; stable for a given file */
    ms_slug_append(id, 64, ri->service);
    ms_slug_append(id, 64, "-");
    ms_slug_append(id, 64, hs);
    ms_slug_append(id, ID_MAX - 8, "-");
    ms_slug_append(id, ID_MAX - 8, ps);
    if ((used = id_set_find(ids, id)) != NULL) {
        size_t base = strlen(id), n = used->next;
        do {
            snprintf(id + base, sizeof id - base, "-%zu", n++);
        } while (id_set_find(ids, id));
        used->next = n; /* before the insertion below may move the table */
    }
    if (id_set_add(ids, id) != 0)
        goto oom;
    {
        /* The wildcard note is what makes the result honest: the spreadsheet's text is cut
         * to leave room for it. */
        char note[HOST_MAX * 2 + 256] = "";
        size_t room;
        if (wildcard)
            snprintf(note, sizeof note,
                     "Wildcard rule %s: the spreadsheet names no concrete host, so this probe "
                     "tests the parent domain %s, not the hosts the wildcard matches; replace "
                     "it with a real host to test those.",
                     wildcard, hs);
        room = sizeof desc - (note[0] ? strlen(note) + 1 : 0);
        fold_append(desc, room, ri->desc);
        if (ri->comments[0]) {
            fold_append(desc, room, desc[0] ? " — " : "");
            fold_append(desc, room, ri->comments);
        }
        if (note[0]) {
            if (desc[0])
                fold_append(desc, sizeof desc, " ");
            fold_append(desc, sizeof desc, note);
        }
    }
    snprintf(src, sizeof src, "imported from %s line %zu", ri->base, ri->line);

    if (!(o = cJSON_CreateObject()))
        goto oom;
    add_str(o, "id", id, &ok);
    add_str(o, "service", ri->service, &ok);
    add_str(o, "url", url, &ok);
    add_str(o, "method", "GET", &ok);
    if (ri->required && ri->conditional) {
        char cond[512] = "";
        fold_append(cond, sizeof cond, ri->comments[0] ? ri->comments : "marked Yes* in the spreadsheet");
        add_str(o, "required", "conditional", &ok);
        add_str(o, "condition", cond, &ok);
    } else {
        add_str(o, "required", ri->required ? "required" : "optional", &ok);
    }
    {
        static const struct {
            unsigned bit;
            const char *name;
        } k[] = {{CLOUD_COMMERCIAL, "commercial"}, {CLOUD_GCC, "gcc"}, {CLOUD_GCCH, "gcc-high"}, {CLOUD_DOD, "dod"}};
        cJSON *cl = ri->clouds ? cJSON_AddArrayToObject(o, "cloud") : NULL;
        if (ri->clouds && !cl)
            ok = false;
        for (size_t k_i = 0; cl && k_i < 4; k_i++)
            if ((ri->clouds & k[k_i].bit) && !cJSON_AddItemToArray(cl, cJSON_CreateString(k[k_i].name)))
                ok = false;
    }
    add_str(o, "geography", ri->geography, &ok);
    add_os(o, ri->os, &ok);
    a = cJSON_AddArrayToObject(o, "onboarding");
    if (!a || !cJSON_AddItemToArray(a, cJSON_CreateString(ri->onboarding ? ri->onboarding
                                                          : streamlined ? "streamlined" : "standard")))
        ok = false;
    add_str(o, "pinset", NULL, &ok);
    /* Microsoft's current lists: exclude the MDE-specific storage accounts from inspection
     * too. Only a bare *.blob.core.windows.net rule (MMA, portal downloads) stays allowed. */
    add_bool(o, "inspection_allowed", blob && wildcard != NULL, &ok);
    if (!cJSON_AddArrayToObject(o, "expect_status"))
        ok = false;
    add_str(o, "wildcard", wildcard, &ok);
    add_str(o, "source", src, &ok);
    if (desc[0])
        add_str(o, "description", desc, &ok);
    if (!ok || !cJSON_AddItemToArray(eps, o))
        goto oom;
    o = NULL;
    rc = 0;
    goto done;
oom:
    tp_csv_err(err, errlen, "%s: out of memory", ri->file);
done:
    cJSON_Delete(o);
    free(url);
    free(sc);
    free(hs);
    free(ps);
    return rc;
}

/* The tokens of a URL cell: Microsoft puts several hosts in one cell, separated by
 * spaces, line breaks or commas. Credentials anywhere in the cell are refused before
 * any token is looked at, so a password split by a space is not quoted half-way. */
int ms_emit_row_urls(cJSON *eps, struct id_set *ids, const csv_rowinfo *ri, char *urls,
                         bool streamlined, char *err, size_t errlen)
{
    static const char seps[] = " \t\r\n,;`";
    char *save = NULL, *tok, *br;
    const char *q;
    size_t hosts = 0;
    for (q = urls + strspn(urls, seps); *q; q += strspn(q, seps)) {
        q += strcspn(q, seps);
        hosts++;
    }
    if (hosts > IMPORT_MAX_HOSTS_PER_CELL) {
        tp_csv_err(err, errlen, "%s: line %zu: column \"Endpoint/URL\": expected at most %u host names in one cell, "
                   "got %zu", ri->file, ri->line, IMPORT_MAX_HOSTS_PER_CELL, hosts);
        return MS_FATAL;
    }
    /* a cell copied from the published page keeps its HTML line breaks */
    while ((br = strstr(urls, "<br>")) != NULL || (br = strstr(urls, "<br/>")) != NULL ||
           (br = strstr(urls, "<br />")) != NULL)
        memset(br, ' ', strcspn(br, ">") + 1);
    for (q = urls + strspn(urls, seps); *q; q += strspn(q, seps)) {
        size_t n = strcspn(q, seps);
        char *one = tp_strndup(q, n), red[TP_JR_SHOW_BUF];
        bool creds;
        if (!one) {
            tp_csv_err(err, errlen, "%s: out of memory", ri->file);
            return -1;
        }
        creds = tp_url_redact_userinfo(one, red, sizeof red);
        free(one);
        if (creds)
            return ms_col_error(ri, "Endpoint/URL", "a URL without credentials", red, err, errlen);
        q += n;
    }
    for (tok = strtok_r(urls, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
        char *scheme = NULL, *host = NULL, *path = NULL, *wild = NULL;
        int rc = 0, port = 0;
        size_t k;
        if (split_token(ri, tok, &scheme, &host, &port, &path, &wild, err, errlen) != 0)
            return -1;
        if (scheme) { /* an explicit scheme wins over the Port column */
            rc = emit_endpoint(eps, ids, ri, tok, scheme, host,
                               port ? port : strcmp(scheme, "https") == 0 ? 443 : 80, path, wild,
                               streamlined, err, errlen);
        } else if (ri->n_ports > 0) { /* the Port column wins over "host:port" */
            for (k = 0; k < ri->n_ports && rc == 0; k++)
                rc = emit_endpoint(eps, ids, ri, tok, ri->ports[k] == 80 ? "http" : "https", host,
                                   ri->ports[k], path, wild, streamlined, err, errlen);
        } else if (port) {
            rc = emit_endpoint(eps, ids, ri, tok, port == 80 ? "http" : "https", host, port, path,
                               wild, streamlined, err, errlen);
        } else {
            rc = emit_endpoint(eps, ids, ri, tok, "https", host, 443, path, wild, streamlined,
                               err, errlen);
        }
        free(scheme);
        free(host);
        free(path);
        free(wild);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Finds the header among the first rows (Excel exports may carry a title above it). */
int tp_catalog_import_csv_mem(const char *data, size_t len, const char *file, char **json_out,
                              char *err, size_t errlen)
{
    return tp_catalog_import_csv_mem_ex(data, len, file, NULL, json_out, err, errlen);
}

/* A US Government list is told by its Geography cells (GCC, GCC High, DoD, US Gov). */
static bool csv_is_gov(const csv_doc *doc, const csv_map *m, size_t hdr)
{
    for (size_t i = hdr + 1; m->col[COL_GEO] >= 0 && i < doc->n; i++) {
        const csv_row *r = &doc->rows[i];
        if ((size_t)m->col[COL_GEO] < r->n && ms_geo_is_gov(r->f[m->col[COL_GEO]]))
            return true;
    }
    return false;
}

int tp_catalog_import_csv_mem_ex(const char *data, size_t len, const char *file, const tp_import_opts *opts,
                                 char **json_out, char *err, size_t errlen)
{
    csv_doc doc = {0};
    char first_err[512] = "";
    csv_map m;
    id_set ids = {0};
    cJSON *root = NULL, *eps;
    char *text = NULL, *desc = NULL, *src = NULL;
    const char *base;
    size_t hdr = 0, i;
    bool ok = true;
    int rc = -1;

    if (!json_out)
        return -1;
    *json_out = NULL;
    file = file ? file : "<csv>";
    base = base_name(file);
    if (!data)
        len = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) { /* Excel's UTF-8 BOM */
        data += 3;
        len -= 3;
    }
    if (tp_csv_check_bytes(data, len, file, err, errlen) != 0 ||
        tp_csv_parse(data, len, file, &doc, err, errlen) != 0)
        goto done;
    if (doc.n == 0) {
        tp_csv_err(err, errlen, "%s: empty file (expected a header row with an \"Endpoint/URL\" column)",
                file);
        goto done;
    }
    if (ms_find_header(&doc, file, &m, &hdr, err, errlen) != 0)
        goto done;
    if (!(root = cJSON_CreateObject()) || !(eps = cJSON_CreateArray()))
        goto oom;
    m.gov = csv_is_gov(&doc, &m, hdr);
    m.onboarding = opts ? opts->onboarding : NULL;
    if (m.onboarding)
        m.streamlined = strcmp(m.onboarding, "streamlined") == 0;
    /* A row that cannot be mapped is reported and skipped: Microsoft's tables carry prose
     * rows ("Root URL for public Microsoft CDN endpoints ... see ...") among the hosts. Its
     * endpoints already emitted (an earlier host of the same cell) are taken back. */
    size_t n_eps = 0;
    for (i = hdr + 1; i < doc.n; i++) {
        /* counted from the last item (cJSON keeps it in child->prev): a walk of the whole
         * array per row would make a long file quadratic */
        cJSON *last = eps->child ? eps->child->prev : NULL;
        char rerr[512] = "";
        int rrc = ms_row_to_endpoints(&m, &doc.rows[i], file, base, eps, &ids, rerr, sizeof rerr);
        if (rrc == 0) {
            for (cJSON *it = last ? last->next : eps->child; it; it = it->next)
                n_eps++;
            if (n_eps > IMPORT_MAX_ENDPOINTS) {
                cJSON_Delete(eps);
                tp_csv_err(err, errlen, "%s: line %zu: expected at most %u endpoints in a catalog, got more "
                           "(nothing written)", file, doc.rows[i].line, IMPORT_MAX_ENDPOINTS);
                goto done;
            }
            continue;
        }
        if (rrc == MS_FATAL || strstr(rerr, "out of memory")) {
            cJSON_Delete(eps);
            if (rrc != MS_FATAL)
                goto oom;
            tp_csv_err(err, errlen, "%s (nothing written)", rerr);
            goto done;
        }
        while (eps->child && eps->child->prev != last) {
            cJSON *gone = eps->child->prev;
            cJSON_Delete(cJSON_DetachItemViaPointer(eps, gone));
        }
        if (!first_err[0])
            snprintf(first_err, sizeof first_err, "%s", rerr);
        if (opts && opts->warnings) {
            char w[600];
            snprintf(w, sizeof w, "%s (row skipped)", rerr);
            if (tp_strlist_add(opts->warnings, w) != 0) {
                cJSON_Delete(eps);
                goto oom;
            }
        }
    }
    if (cJSON_GetArraySize(eps) == 0) {
        cJSON_Delete(eps);
        if (first_err[0]) /* nothing usable: the first row's own error says why */
            tp_csv_err(err, errlen, "%s", first_err);
        else
            tp_csv_err(err, errlen, "%s: line %zu: no endpoint rows below the header", file, m.header_line);
        goto done;
    }
    desc = tp_asprintf("Imported from the Microsoft Defender for Endpoint URL spreadsheet (%s "
                       "list). expect_status is left empty (any 1xx-4xx answer means reachable), "
                       "pinset is null, and wildcard rows probe the wildcard's parent domain.",
                       m.streamlined ? "streamlined" : "standard");
    src = tp_asprintf("%s (Microsoft Defender for Endpoint %s URL list, saved as CSV)", base,
                      m.streamlined ? "streamlined" : "standard");
    if (!desc || !src)
        goto oom_eps;
    {
        char name[128];
        snprintf(name, sizeof name, "imported-%s", base);
        add_str(root, "name", name, &ok);
    }
    add_str(root, "source", src, &ok);
    add_str(root, "description", desc, &ok);
    if (!ok || !cJSON_AddItemToObject(root, "endpoints", eps))
        goto oom_eps;
    text = cJSON_Print(root);
    if (!text)
        goto oom;
    if (strlen(text) + 1 >= TP_CATALOG_MAX_FILE_BYTES) {
        tp_csv_err(err, errlen, "%s: expected an imported catalog of at most %u bytes, got %zu (nothing written)", file,
                   TP_CATALOG_MAX_FILE_BYTES, strlen(text) + 1);
        goto done;
    }
    {
        /* The promise is that the output loads back: check it here rather than hope. */
        tp_catalog check;
        char cerr[512];
        if (tp_catalog_load_mem(text, strlen(text), file, &check, cerr, sizeof cerr) != 0) {
            tp_csv_err(err, errlen, "%s: internal error: the imported catalog does not validate: %s",
                    file, cerr);
            goto done;
        }
        tp_catalog_free(&check);
    }
    *json_out = tp_asprintf("%s\n", text);
    if (!*json_out)
        goto oom;
    rc = 0;
    goto done;
oom_eps:
    cJSON_Delete(eps);
oom:
    tp_csv_err(err, errlen, "%s: out of memory", file);
done:
    cJSON_Delete(root);
    cJSON_free(text);
    free(desc);
    free(src);
    id_set_free(&ids);
    tp_csv_doc_free(&doc);
    return rc;
}

/* ---------- writing the catalog ---------- */

/* Through fileout.h: a regular file (or a new name) is written beside its real target
 * (a symbolic link stays and its target is replaced) and renamed into place; a device
 * or FIFO (/dev/null, /dev/stdout, a pipe) is written in place, never replaced by a
 * regular file. The text is complete and validated before anything is opened. */
static int write_output(const char *file, const char *text, char *err, size_t errlen)
{
    tp_outfile o;
    if (tp_outfile_open(&o, file, err, errlen) != 0)
        return -1;
    if (fputs(text, o.f) == EOF) {
        tp_csv_err(err, errlen, "cannot write %s: %s", file, strerror(errno ? errno : EIO));
        tp_outfile_abort(&o);
        return -1;
    }
    return tp_outfile_commit(&o, err, errlen);
}

int tp_catalog_import_csv(const char *csv_file, const char *out_file, char *err, size_t errlen)
{
    return tp_catalog_import_csv_ex(csv_file, out_file, NULL, err, errlen);
}

int tp_catalog_import_csv_ex(const char *csv_file, const char *out_file, const tp_import_opts *opts, char *err,
                             size_t errlen)
{
    tp_buf data;
    char *json = NULL;
    int rc = -1;

    if (!csv_file) {
        tp_csv_err(err, errlen, "(null): cannot open: no file name");
        return -1;
    }
    tp_jr jr = {csv_file, err, errlen};
    if (tp_jr_read_file(&jr, CSV_MAX_FILE_BYTES, false, &data) != 0)
        return -1;
    if (tp_catalog_import_csv_mem_ex(tp_buf_str(&data), data.len, csv_file, opts, &json, err, errlen) != 0)
        goto done;
    if (!out_file || strcmp(out_file, "-") == 0) {
        if (fputs(json, stdout) == EOF || fflush(stdout) != 0) {
            tp_csv_err(err, errlen, "<stdout>: cannot write: %s", strerror(errno));
            goto done;
        }
    } else if (write_output(out_file, json, err, errlen) != 0) {
        goto done;
    }
    rc = 0;
done:
    tp_buf_free(&data);
    free(json);
    return rc;
}


