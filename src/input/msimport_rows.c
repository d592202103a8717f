/* msimport_rows.c — reading one row of Microsoft's URL spreadsheet: which column is
 * which (by header name, in any order, with the per-OS columns of the standard list),
 * the service a row belongs to, and its port, geography, required and OS cells. */
#include "input/msimport.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/jsonread.h"

#define CSV_MAX_FIELDS 256u
#define CSV_HEADER_SEARCH_ROWS 10u /* title rows Excel may put above the header */

static int lower_c(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Header names are compared on their letters and digits only, lower-cased, so
 * "Endpoint/URL", "Endpoint / URLs" and "endpoint url" are one column. */
const struct ms_col k_cols[COL__N] = {
    [COL_SERVICE] = {"Service", {"service", "services", NULL}},
    [COL_GEO] = {"Geography", {"geography", "geo", "region", NULL}},
    [COL_CATEGORY] = {"Category", {"category", NULL}},
    [COL_PORT] = {"Port", {"port", "ports", NULL}},
    [COL_URL] = {"Endpoint/URL",
                 {"endpointurl", "endpointurls", "url", "urls", "endpoint", "endpoints", "fqdn",
                  NULL}},
    [COL_DESC] = {"Endpoint/URL Description",
                  {"endpointurldescription", "endpointurlsdescription", "description", NULL}},
    [COL_REQUIRED] = {"Required or Optional",
                      {"requiredoroptional", "requiredoptional", "required", NULL}},
    [COL_TYPE] = {"Type", {"type", NULL}},
    [COL_COMMENTS] = {"Comments", {"comments", "comment", "notes", NULL}},
    [COL_OS] = {"OS", {"os", "platform", "osplatform", NULL}},
};

static void norm_header(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    for (; *s && o + 1 < outlen; s++)
        if (isalnum((unsigned char)*s))
            out[o++] = (char)lower_c((unsigned char)*s);
    out[o] = '\0';
}

/* Maps a header row; true when it has an Endpoint/URL column. */
static bool csv_map_header(const csv_row *r, csv_map *m)
{
    size_t i;
    int c;
    memset(m, 0, sizeof *m);
    for (c = 0; c < COL__N; c++)
        m->col[c] = -1;
    for (i = 0; i < r->n && i < CSV_MAX_FIELDS; i++) {
        char h[64];
        bool known = false;
        norm_header(r->f[i], h, sizeof h);
        for (c = 0; c < COL__N && !known; c++) {
            const char *const *nm;
            for (nm = k_cols[c].names; *nm && !known; nm++)
                if (strcmp(h, *nm) == 0) {
                    known = true;
                    if (m->col[c] < 0) /* first of two same-named columns wins */
                        m->col[c] = (int)i;
                }
        }
        if (known || m->n_os >= MAX_OS_COLS)
            continue;
        /* one column per OS family in the standard list */
        if (strstr(h, "mac") || strstr(h, "linux") || strstr(h, "windows") || strstr(h, "server")) {
            m->os_col[m->n_os] = (int)i;
            m->os_kind[m->n_os] = strstr(h, "mac") ? OS_MACOS
                                  : strstr(h, "linux") ? OS_LINUX
                                                       : OS_WINDOWS;
            m->n_os++;
        }
    }
    m->streamlined = m->col[COL_TYPE] >= 0 || m->col[COL_OS] >= 0;
    m->header_line = r->line;
    return m->col[COL_URL] >= 0;
}

/* Trims ASCII white space and no-break spaces (Excel's &nbsp;) in place. */
static char *trim(char *s)
{
    char *e;
    for (;;) {
        if (isspace((unsigned char)*s))
            s++;
        else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
            s += 2;
        else
            break;
    }
    e = s + strlen(s);
    for (;;) {
        if (e > s && isspace((unsigned char)e[-1]))
            e--;
        else if (e - s >= 2 && (unsigned char)e[-2] == 0xC2 && (unsigned char)e[-1] == 0xA0)
            e -= 2;
        else
            break;
    }
    *e = '\0';
    return s;
}

static char *cell(const csv_row *r, int idx)
{
    static char empty[1];
    if (idx < 0 || (size_t)idx >= r->n)
        return empty;
    return trim(r->f[idx]);
}

/* Whole-word, case-insensitive, plural 's' allowed: "MAPS" must not match inside
 * "roadmaps", nor "mma" inside "Command". */
static bool has_word_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    const char *p;
    for (p = hay; *p; p++) {
        const char *e = p + n;
        if (strncasecmp(p, needle, n) != 0)
            continue;
        if (p > hay && isalnum((unsigned char)p[-1]) && isalnum((unsigned char)needle[0]))
            continue;
        if (lower_c((unsigned char)*e) == 's' && !isalnum((unsigned char)e[1]))
            return true;
        if (!isalnum((unsigned char)*e) || !isalnum((unsigned char)needle[n - 1]))
            return true;
    }
    return false;
}

/* Keyword -> service, first match wins: the order puts the specific before the
 * general ("AutoIR sample storage" is EDR, not submission). */
static const struct {
    const char *kw;
    const char *svc;
} k_service_kw[] = {
    /* the services Microsoft's current lists name on their own rows */
    {"smartscreen", "smartscreen"},
    {"web & network protection", "smartscreen"},
    {"live response", "live-response"},
    {"network scanner", "vm-scanner"},
    {"defender core", "defender-core"},
    {"ecs", "defender-core"},
    {"security management", "security-management"},
    {"ipv6", "reflector"},
    {"mma", "mma"},
    {"monitoring agent", "mma"},
    {"log analytics", "mma"},
    {"core defender", "edr"},
    {"autoir", "edr"},
    {"automated investigation", "edr"},
    {"alternate download", "adl"},
    {"(adl)", "adl"},
    {"crl", "crl"},
    {"revocation", "crl"},
    {"maps", "maps"},
    {"cloud-delivered", "maps"},
    {"cloud delivered", "maps"},
    {"cloud protection", "maps"},
    {"active protection", "maps"},
    {"sample", "submission"},
    {"submission", "submission"},
    {"edr", "edr"},
    {"endpoint detection", "edr"},
    {"command and control", "edr"},
    {"command & control", "edr"},
    {"cyber data", "edr"},
    {"sensor", "edr"},
    {"security intelligence", "update"},
    {"definition", "update"},
    {"update", "update"},
    {"diagnostic", "diagnostics"},
    {"telemetry", "diagnostics"},
};

/* Lower-case kebab slug of s appended to out (bounded); collapses separators. */
void ms_slug_append(char *out, size_t outlen, const char *s)
{
    size_t o = strlen(out);
    bool dash = o > 0 && out[o - 1] != '-';
    for (; *s && o + 2 < outlen; s++) {
        int c = (unsigned char)*s;
        if (isalnum(c) && c < 0x80) {
            if (dash && o > 0)
                out[o++] = '-';
            dash = false;
            out[o++] = (char)lower_c(c);
        } else {
            dash = true;
        }
    }
    out[o] = '\0';
    while (o > 0 && out[o - 1] == '-')
        out[--o] = '\0';
}

/* Category names the function in the standard list (Service is "Microsoft Defender for
 * Endpoint" on every row); Service does in the streamlined list; the description is the
 * last resort before a slug of the category. */
static void service_of(const char *category, const char *service, const char *desc, char *out,
                       size_t outlen)
{
    const char *texts[3] = {category, service, desc};
    size_t t, k;
    for (t = 0; t < 3; t++)
        for (k = 0; k < sizeof k_service_kw / sizeof k_service_kw[0]; k++)
            if (texts[t][0] && has_word_ci(texts[t], k_service_kw[k].kw)) {
                snprintf(out, outlen, "%s", k_service_kw[k].svc);
                return;
            }
    out[0] = '\0';
    ms_slug_append(out, outlen, category[0] ? category : service);
    if (!out[0])
        snprintf(out, outlen, "other");
}

/* A small string set (open addressing) for unique, stable ids. Each entry remembers the
 * next suffix to try when its id is used as a base again, so a hostile file repeating one
 * host 100000 times costs O(n), not O(n^2). */
int ms_col_error(const csv_rowinfo *ri, const char *col, const char *what, const char *got,
                     char *err, size_t errlen)
{
    char q[TP_JR_SHOW_BUF];
    tp_jr_show(got, q, sizeof q);
    tp_csv_err(err, errlen, "%s: line %zu: column \"%s\": expected %s, got %s", ri->file, ri->line,
            col, what, q);
    return -1;
}

/* "443", "80, 443", "80/443", "443 and 80". Empty -> no ports (defaults apply). */
static int parse_ports(const char *s, csv_rowinfo *ri, char *err, size_t errlen)
{
    static const char what[] = "a port number";
    const char *p = s;
    ri->n_ports = 0;
    while (*p) {
        if (isdigit((unsigned char)*p)) {
            long v = 0;
            size_t nd = 0;
            while (isdigit((unsigned char)*p)) {
                if (++nd > 5)
                    return ms_col_error(ri, "Port", what, s, err, errlen);
                v = v * 10 + (*p++ - '0');
            }
            if (v < 1 || v > 65535 || ri->n_ports >= CSV_MAX_PORTS)
                return ms_col_error(ri, "Port", what, s, err, errlen);
            ri->ports[ri->n_ports++] = (int)v;
        } else if (strchr(" \t\r\n,/;&+", *p)) {
            p++;
        } else if (strncasecmp(p, "and", 3) == 0 && !isalpha((unsigned char)p[3])) {
            p += 3;
        } else if (strncasecmp(p, "or", 2) == 0 && !isalpha((unsigned char)p[2])) {
            p += 2;
        } else if (strncasecmp(p, "tcp", 3) == 0 && !isalpha((unsigned char)p[3])) {
            p += 3;
        } else {
            return ms_col_error(ri, "Port", what, s, err, errlen);
        }
    }
    return 0;
}

static int parse_required(const char *s, const char *col, csv_rowinfo *ri, char *err,
                          size_t errlen)
{
    if (!s[0] || strncasecmp(s, "required", 8) == 0 || strcasecmp(s, "yes") == 0)
        ri->required = true;
    else if (strncasecmp(s, "optional", 8) == 0 || strcasecmp(s, "no") == 0)
        ri->required = false;
    else
        return ms_col_error(ri, col, "Required or Optional", s, err, errlen);
    return 0;
}

static const struct {
    const char *name;
    unsigned clouds;
} k_gov_geo[] = {{"gcc", CLOUD_GCC}, {"gcchigh", CLOUD_GCCH}, {"gcch", CLOUD_GCCH}, {"dod", CLOUD_DOD},
                 {"usgov", CLOUD_GOV}, {"usgovernment", CLOUD_GOV}};

bool ms_geo_is_gov(const char *cell)
{
    char norm[32];
    norm_header(cell, norm, sizeof norm);
    for (size_t i = 0; i < sizeof k_gov_geo / sizeof k_gov_geo[0]; i++)
        if (strcmp(norm, k_gov_geo[i].name) == 0)
            return true;
    return false;
}

/* Microsoft's Geography cells: a code (WW, US, EU, UK, AU), "All", a name with the code in
 * parentheses ("Azure UAE Central (AEC)"), or a US Government cloud ("GCC", "GCC High",
 * "DoD", "US Gov": geography US, and the cloud the row serves). */
static int parse_geography(const char *s, csv_rowinfo *ri, char *err, size_t errlen)
{
    size_t i, n = strlen(s);
    const char *lp = strrchr(s, '('), *rp = lp ? strchr(lp, ')') : NULL;
    char norm[32];
    if (n == 0 || strcasecmp(s, "all") == 0) {
        snprintf(ri->geography, sizeof ri->geography, "WW");
        return 0;
    }
    norm_header(s, norm, sizeof norm);
    for (i = 0; i < sizeof k_gov_geo / sizeof k_gov_geo[0]; i++)
        if (strcmp(norm, k_gov_geo[i].name) == 0) {
            snprintf(ri->geography, sizeof ri->geography, "US");
            ri->clouds = k_gov_geo[i].clouds;
            return 0;
        }
    if (lp && rp && rp > lp + 1 && (size_t)(rp - lp - 1) < 16) {
        s = lp + 1; /* "Azure UAE Central (AEC)" -> AEC */
        n = (size_t)(rp - lp - 1);
    }
    if (n >= 17)
        goto bad;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (!(isalnum(c) || c == ' ' || c == '-'))
            goto bad;
        ri->geography[i] = (char)toupper(c);
    }
    ri->geography[n] = '\0';
    return 0;
bad:
    return ms_col_error(ri, "Geography", "a geography code such as WW, US, EU, UK or AU", lp && rp ? lp : s,
                        err, errlen);
}

/* Standard list: a cell per OS family, marked Yes / Y / x / a check mark, or a note. */
static bool cell_yes(const char *s)
{
    if (!s[0] || strcasecmp(s, "n") == 0 || strncasecmp(s, "no", 2) == 0 ||
        strncasecmp(s, "n/a", 3) == 0 || strcmp(s, "-") == 0)
        return false;
    return true;
}

/* Streamlined list: "All", "Windows", "Linux", "macOS", or a list of them. */
static int parse_os_list(const char *s, csv_rowinfo *ri, char *err, size_t errlen)
{
    const char *p = s;
    ri->os = 0;
    while (*p) {
        size_t n = 0;
        char w[24];
        if (!isalnum((unsigned char)*p)) {
            p++;
            continue;
        }
        while (isalnum((unsigned char)p[n]))
            n++;
        snprintf(w, sizeof w, "%.*s", (int)(n < 23 ? n : 23), p);
        if (isdigit((unsigned char)w[0]) || strcasecmp(w, "server") == 0 ||
            strcasecmp(w, "and") == 0)
            ; /* "Windows 10/11", "Windows Server": versions add nothing here */
        else if (strcasecmp(w, "all") == 0)
            ri->os |= OS_WINDOWS | OS_MACOS | OS_LINUX;
        else if (strcasecmp(w, "windows") == 0 || strcasecmp(w, "win") == 0)
            ri->os |= OS_WINDOWS;
        else if (strcasecmp(w, "macos") == 0 || strcasecmp(w, "mac") == 0 ||
                 strcasecmp(w, "osx") == 0)
            ri->os |= OS_MACOS;
        else if (strcasecmp(w, "linux") == 0)
            ri->os |= OS_LINUX;
        else
            return ms_col_error(ri, "OS", "All, Windows, macOS or Linux", s, err, errlen);
        p += n;
    }
    return 0;
}

/* Copies s with white-space runs folded to one space, cut on a UTF-8 boundary. */
int ms_row_to_endpoints(const csv_map *m, const csv_row *r, const char *file,
                                const char *base, cJSON *eps, struct id_set *ids, char *err,
                                size_t errlen)
{
    csv_rowinfo ri = {.file = file, .base = base, .line = r->line};
    char *urls = cell(r, m->col[COL_URL]);
    size_t i;

    if (!urls[0])
        return 0; /* a note or section row */
    {
        char h[64];
        norm_header(urls, h, sizeof h);
        if (strcmp(h, "endpointurl") == 0 || strcmp(h, "endpointurls") == 0)
            return 0; /* a repeated header row */
    }
    service_of(cell(r, m->col[COL_CATEGORY]), cell(r, m->col[COL_SERVICE]),
               cell(r, m->col[COL_DESC]), ri.service, sizeof ri.service);
    if (parse_geography(cell(r, m->col[COL_GEO]), &ri, err, errlen) != 0 ||
        parse_ports(cell(r, m->col[COL_PORT]), &ri, err, errlen) != 0)
        return -1;
    if (m->col[COL_REQUIRED] >= 0) {
        if (parse_required(cell(r, m->col[COL_REQUIRED]), k_cols[COL_REQUIRED].display, &ri, err,
                           errlen) != 0)
            return -1;
    } else if (parse_required(cell(r, m->col[COL_TYPE]), "Type", &ri, err, errlen) != 0) {
        return -1;
    }
    if (m->col[COL_OS] >= 0 && parse_os_list(cell(r, m->col[COL_OS]), &ri, err, errlen) != 0)
        return -1;
    for (i = 0; i < m->n_os; i++) {
        const char *v = cell(r, m->os_col[i]);
        if (cell_yes(v))
            ri.os |= m->os_kind[i];
        if (cell_yes(v) && strchr(v, '*'))
            ri.conditional = true; /* "Yes*": "*Optional if updates are managed internally" */
    }
    if (!ri.clouds)
        ri.clouds = m->gov ? CLOUD_GOV : CLOUD_COMMERCIAL;
    ri.onboarding = m->onboarding;
    ri.desc = cell(r, m->col[COL_DESC]);
    ri.comments = cell(r, m->col[COL_COMMENTS]);
    return ms_emit_row_urls(eps, ids, &ri, urls, m->streamlined, err, errlen);
}

int ms_find_header(const csv_doc *doc, const char *file, csv_map *m, size_t *hdr,
                           char *err, size_t errlen)
{
    size_t i;
    for (i = 0; i < doc->n && i < CSV_HEADER_SEARCH_ROWS; i++)
        if (csv_map_header(&doc->rows[i], m)) {
            *hdr = i;
            if (m->col[COL_SERVICE] < 0 && m->col[COL_CATEGORY] < 0) {
                tp_csv_err(err, errlen, "%s: line %zu: missing column \"Service\"", file,
                        doc->rows[i].line);
                return -1;
            }
            return 0;
        }
    tp_csv_err(err, errlen, "%s: line %zu: missing column \"Endpoint/URL\"", file,
            doc->rows[0].line);
    return -1;
}

