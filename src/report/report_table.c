/* report_table.c — the terminal report: first what to change (the action list, one line
 * per (where, what) naming every rule it covers), then a matrix (rows = endpoints grouped
 * by service, columns = paths) of short marks, a summary line, and with --details one
 * block per failure or warning with the phase, error code, message, Windows error and
 * remediation. Network text is
 * passed through tp_term_clean so it cannot move the cursor or inject escape sequences;
 * ANSI colour is written only when asked for. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "judge/actions.h"
#include "report/cause.h"
#include "report/report_util.h"

#define ELLIPSIS "\xE2\x80\xA6"   /* U+2026, one column wide */
#define CELL_MIN 6                /* widest mark ("SKIP") plus gap */
#define PATH_ID_MAX 16            /* column headers longer than this are truncated */
#define ENDPOINT_MIN 18           /* narrowest endpoint column (fits the header) */
#define ENDPOINT_ID_MAX 40        /* endpoint ids longer than this are ellipsized */
#define TEXT_MAX 1024             /* bytes of one cleaned line of network text */

typedef struct matrix {
    const tp_endpoint **eps;  /* distinct endpoints, grouped by service */
    size_t n_eps;
    const tp_path **paths;    /* distinct paths, configured order first */
    size_t n_paths;
    const tp_result **cell;   /* [ep * n_paths + path], NULL = no probe */
    size_t *colw;             /* per path column: widest of its id and its cells, plus gap */
} matrix;

typedef struct tctx {
    const tp_run *run;
    FILE *out;
    bool color;
    int width;
    bool details;
} tctx;

/* ---------- building the matrix ---------- */

static size_t ep_index(const matrix *m, const tp_endpoint *e)
{
    size_t i = 0;
    while (i < m->n_eps && m->eps[i] != e)
        i++;
    return i;
}

static size_t path_index(const matrix *m, const tp_path *p)
{
    size_t i = 0;
    while (i < m->n_paths && m->paths[i] != p)
        i++;
    return i;
}

static const char *svc(const tp_endpoint *e)
{
    return e && e->service ? e->service : "";
}

/* Stable grouping by service: services in order of first appearance. */
static void group_by_service(const tp_endpoint **eps, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        /* find the last row of eps[i]'s service among eps[0..i) */
        size_t last = i;
        for (size_t k = 0; k < i; k++)
            if (strcmp(svc(eps[k]), svc(eps[i])) == 0)
                last = k;
        if (last == i || last == i - 1)
            continue;
        const tp_endpoint *e = eps[i];
        for (; j > last + 1; j--)
            eps[j] = eps[j - 1];
        eps[j] = e;
    }
}

static int matrix_build(const tp_run *run, matrix *m)
{
    size_t n = run->results ? run->n_results : 0, np = tp_rpt_n_paths(run);
    memset(m, 0, sizeof *m);
    m->eps = calloc(n + 1, sizeof *m->eps);
    m->paths = calloc(n + np + 1, sizeof *m->paths);
    if (!m->eps || !m->paths)
        return -1;
    for (size_t i = 0; i < np; i++)
        m->paths[m->n_paths++] = tp_rpt_path(run, i);
    for (size_t i = 0; i < n; i++) {
        const tp_result *r = &run->results[i];
        if (ep_index(m, r->ep) == m->n_eps)
            m->eps[m->n_eps++] = r->ep;
        if (path_index(m, r->path) == m->n_paths)
            m->paths[m->n_paths++] = r->path;
    }
    group_by_service(m->eps, m->n_eps);
    m->cell = calloc(m->n_eps * m->n_paths + 1, sizeof *m->cell);
    if (!m->cell)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const tp_result *r = &run->results[i];
        m->cell[ep_index(m, r->ep) * m->n_paths + path_index(m, r->path)] = r;
    }
    return 0;
}

static void matrix_free(matrix *m)
{
    free(m->colw);
    free(m->eps);
    free(m->paths);
    free(m->cell);
}

/* ---------- text helpers ---------- */

/* Writes s (already clean) truncated to cols characters with an ellipsis; padded to
 * cols when pad (the last column is not padded: no trailing blanks). */
static void put_fit(const tctx *c, const char *s, size_t cols, bool pad)
{
    size_t len = tp_utf8_len(s);
    if (len <= cols) {
        fputs(s, c->out);
        for (size_t i = len; pad && i < cols; i++)
            fputc(' ', c->out);
        return;
    }
    if (cols == 0)
        return;
    /* cols - 1 characters, then the ellipsis */
    const unsigned char *p = (const unsigned char *)s;
    size_t bytes = 0, chars = 0, n = strlen(s);
    while (bytes < n && chars < cols - 1) {
        uint32_t cp;
        bytes += tp_utf8_decode(p + bytes, n - bytes, &cp);
        chars++;
    }
    fwrite(s, 1, bytes, c->out);
    fputs(ELLIPSIS, c->out);
}

/* Network or catalog text, cleaned for the terminal and redacted, into buf. */
static const char *clean(const tctx *c, const char *s, char *buf, size_t cap)
{
    char *red = tp_rpt_clean(c->run, s ? s : "");
    tp_term_clean(buf, cap, red ? red : "");
    free(red);
    return buf;
}

static const char *mark(tp_status s)
{
    switch (s) {
    case TP_ST_OK: return "OK";
    case TP_ST_WARN: return "WARN";
    case TP_ST_FAIL: return "FAIL";
    case TP_ST_SKIPPED: return "SKIP";
    }
    return "?";
}

static const char *color_of(tp_status s)
{
    switch (s) {
    case TP_ST_OK: return "\033[32m";
    case TP_ST_WARN: return "\033[33m";
    case TP_ST_FAIL: return "\033[31m";
    case TP_ST_SKIPPED: return "\033[2m";
    }
    return "";
}

/* The cell text: the mark, and for a failure or warning its cause ("FAIL 407"). */
static const char *cell_text(const tp_result *r, char *buf, size_t cap)
{
    if (!r)
        return "-";
    const char *m = mark(r->status);
    char cb[16];
    const char *cause = tp_cause_short(r, cb, sizeof cb);
    if (!cause)
        return m;
    snprintf(buf, cap, "%s %s", m, cause);
    return buf;
}

static void put_mark(const tctx *c, const tp_result *r, size_t cols, bool pad)
{
    char buf[32];
    const char *m = cell_text(r, buf, sizeof buf);
    if (c->color && r)
        fputs(color_of(r->status), c->out);
    fputs(m, c->out);
    if (c->color && r)
        fputs("\033[0m", c->out);
    for (size_t i = strlen(m); pad && i < cols; i++)
        fputc(' ', c->out);
}

/* ---------- the matrix ---------- */

static size_t path_id_col(const tctx *c, const tp_path *p)
{
    char buf[64];
    size_t len = tp_utf8_len(clean(c, p && p->id ? p->id : "?", buf, sizeof buf));
    if (len > PATH_ID_MAX)
        len = PATH_ID_MAX;
    return (len + 2 > CELL_MIN ? len + 2 : CELL_MIN);
}

/* Column widths: the path id, or the widest cell ("WARN MITM") of the column. */
static int column_widths(const tctx *c, matrix *m)
{
    m->colw = calloc(m->n_paths + 1, sizeof *m->colw);
    if (!m->colw)
        return -1;
    for (size_t p = 0; p < m->n_paths; p++) {
        size_t w = path_id_col(c, m->paths[p]);
        for (size_t e = 0; e < m->n_eps; e++) {
            char buf[32];
            size_t len = strlen(cell_text(m->cell[e * m->n_paths + p], buf, sizeof buf)) + 2;
            if (len > w)
                w = len;
        }
        m->colw[p] = w;
    }
    return 0;
}

static size_t path_col(const matrix *m, size_t p)
{
    return m->colw[p];
}

/* Endpoint column width (indent + id + gap): as wide as the longest id, up to
 * ENDPOINT_ID_MAX characters, at least ENDPOINT_MIN. Ids stay whole — distinct rows must
 * read differently — and path columns wrap into further blocks instead; only when even
 * the widest single path column would not fit beside it does the column shrink. */
static size_t endpoint_col(const tctx *c, const matrix *m)
{
    char buf[TEXT_MAX];
    size_t w = 10;
    for (size_t i = 0; i < m->n_eps; i++) {
        size_t len = tp_utf8_len(clean(c, m->eps[i] ? m->eps[i]->id : "?", buf, sizeof buf));
        if (len > ENDPOINT_ID_MAX)
            len = ENDPOINT_ID_MAX;
        if (len + 4 > w)
            w = len + 4;
    }
    size_t widest = 0;
    for (size_t i = 0; i < m->n_paths; i++)
        if (path_col(m, i) > widest)
            widest = path_col(m, i);
    size_t avail = (size_t)c->width > widest ? (size_t)c->width - widest : 0;
    if (w > avail)
        w = avail;
    return w < ENDPOINT_MIN ? ENDPOINT_MIN : w;
}

/* One block of columns [from, to): header, then service groups and endpoint rows. */
static void matrix_chunk(const tctx *c, const matrix *m, size_t ew, size_t from, size_t to)
{
    char buf[TEXT_MAX];
    put_fit(c, "SERVICE/ENDPOINT", ew - 2, from < to);
    if (from < to)
        fputs("  ", c->out);
    for (size_t p = from; p < to; p++) {
        size_t w = path_col(m, p);
        bool last = p + 1 == to;
        put_fit(c, clean(c, m->paths[p] && m->paths[p]->id ? m->paths[p]->id : "?", buf, sizeof buf),
                w - 2, !last);
        if (!last)
            fputs("  ", c->out);
    }
    fputc('\n', c->out);
    const char *group = NULL;
    for (size_t e = 0; e < m->n_eps; e++) {
        const tp_endpoint *ep = m->eps[e];
        if (!group || strcmp(group, svc(ep)) != 0) {
            group = svc(ep);
            put_fit(c, clean(c, *group ? group : "(no service)", buf, sizeof buf), ew, false);
            fputc('\n', c->out);
        }
        fputs("  ", c->out);
        put_fit(c, clean(c, ep && ep->id ? ep->id : "?", buf, sizeof buf), ew - 4, from < to);
        if (from < to)
            fputs("  ", c->out);
        for (size_t p = from; p < to; p++)
            put_mark(c, m->cell[e * m->n_paths + p], path_col(m, p), p + 1 < to);
        fputc('\n', c->out);
    }
}

/* Above the matrix: each path column and what it is (its proxy's address), so a column
 * header can be read without the config at hand. */
static void write_path_legend(const tctx *c, const matrix *m)
{
    size_t w = 0;
    char buf[128];
    for (size_t p = 0; p < m->n_paths; p++) {
        size_t len = tp_utf8_len(clean(c, m->paths[p] && m->paths[p]->id ? m->paths[p]->id : "?", buf, sizeof buf));
        if (len > w)
            w = len;
    }
    if (w > PATH_ID_MAX)
        w = PATH_ID_MAX;
    for (size_t p = 0; p < m->n_paths; p++) {
        const tp_path *pa = m->paths[p];
        fputs(p == 0 ? "paths: " : "       ", c->out);
        put_fit(c, clean(c, pa && pa->id ? pa->id : "?", buf, sizeof buf), w, true);
        fputs("  ", c->out);
        if (!pa || pa->type != TP_PATH_HTTP) {
            fputs("direct", c->out);
        } else {
            char host[300];
            clean(c, pa->proxy_host ? pa->proxy_host : "?", host, sizeof host);
            fprintf(c->out, strchr(host, ':') ? "proxy [%s]:%d" : "proxy %s:%d", host, pa->proxy_port);
            if (pa->username)
                fputs(", credentials", c->out);
            if (pa->expect_inspection)
                fputs(", inspection expected", c->out);
        }
        /* the notes wrap onto indented lines rather than past the terminal's edge */
        size_t col = 7 + w + 2 + 20;
        char note[200];
        const char *notes[2] = {NULL, NULL};
        char n1[200], n2[200];
        if (pa && pa->crl_via)
            notes[0] = (snprintf(n1, sizeof n1, "CRLs via %s", clean(c, pa->crl_via, buf, sizeof buf)), n1);
        if (pa && pa->fallback)
            notes[1] = (snprintf(n2, sizeof n2, "falls back to %s", clean(c, pa->fallback, buf, sizeof buf)), n2);
        for (size_t k = 0; k < 2; k++) {
            if (!notes[k])
                continue;
            snprintf(note, sizeof note, "%s", notes[k]);
            size_t len = tp_utf8_len(note) + 2;
            if (col + len > (size_t)c->width) {
                fprintf(c->out, ",\n%*s", (int)(7 + w + 2), "");
                col = 7 + w + 2;
            } else {
                fputs(", ", c->out);
            }
            fputs(note, c->out);
            col += len;
        }
        fputc('\n', c->out);
    }
    if (m->n_paths)
        fputc('\n', c->out);
}

/* Writes text word by word from column *col, wrapping at the width onto lines indented
 * by indent columns: a legend fits the terminal like the matrix above it. *fresh: the
 * cursor is at the start of an indented line (no space needed before the next word). */
static void put_wrapped(const tctx *c, const char *text, size_t indent, size_t *col, bool *fresh)
{
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, " ");
        char word[200];
        snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word - 1 ? n : sizeof word - 1), p);
        size_t len = tp_utf8_len(word);
        if (!*fresh && *col + 1 + len > (size_t)c->width) {
            fprintf(c->out, "\n%*s", (int)indent, "");
            *col = indent;
        } else if (!*fresh) {
            fputc(' ', c->out);
            (*col)++;
        }
        fputs(word, c->out);
        *col += len;
        *fresh = false;
        p += n;
        while (*p == ' ')
            p++;
    }
}

/* Under the matrix: what each cause in the cells means (only those that appear). */
static void write_cause_legend(const tctx *c, const matrix *m)
{
    bool seen[64] = {false};
    bool any = false;
    for (size_t i = 0; i < m->n_eps * m->n_paths; i++) {
        int k = m->cell[i] ? tp_cause_index(m->cell[i]) : -1;
        if (k >= 0 && (size_t)k < sizeof seen)
            any = seen[k] = true;
    }
    if (!any)
        return;
    fputs("\nlegend:", c->out);
    size_t col = 7;
    bool fresh = false;
    const char *shown[64];
    size_t n_shown = 0;
    for (size_t i = 0; i < tp_cause_count() && i < sizeof seen; i++) {
        if (!seen[i])
            continue;
        /* one entry per abbreviation (dns_timeout and dns_* share "DNS") */
        const char *abbr = tp_cause_abbr(i);
        bool dup = false;
        for (size_t k = 0; k < n_shown; k++)
            dup |= strcmp(shown[k], abbr) == 0 && strcmp(abbr, "nnn") != 0;
        if (dup)
            continue;
        shown[n_shown++] = abbr;
        char item[200];
        snprintf(item, sizeof item, "%s %s%s", abbr, tp_cause_meaning(i), ";");
        /* an entry that fits on a line is not split across two */
        if (!fresh && col + 1 + tp_utf8_len(item) > (size_t)c->width) {
            fputs("\n        ", c->out);
            col = 8;
            fresh = true;
        }
        put_wrapped(c, item, 8, &col, &fresh);
    }
    fputc('\n', c->out);
}

static void write_matrix(const tctx *c, const matrix *m)
{
    size_t ew = endpoint_col(c, m);
    size_t from = 0;
    if (m->n_paths == 0)
        matrix_chunk(c, m, ew, 0, 0);
    while (from < m->n_paths) {
        /* as many path columns as fit beside the endpoint column (at least one) */
        size_t to = from, used = ew;
        while (to < m->n_paths && (to == from || used + path_col(m, to) <= (size_t)c->width))
            used += path_col(m, to++);
        if (from > 0)
            fputc('\n', c->out);
        matrix_chunk(c, m, ew, from, to);
        from = to;
    }
}

/* ---------- summary and problems ---------- */

/* One line counting failures and warnings by cause, most frequent first: with 140
 * endpoints failing the same way, the reader sees "dns_nxdomain 140" before the list. */
static void write_causes(const tctx *c)
{
    enum { MAX_CAUSES = 32 };
    tp_outcome code[MAX_CAUSES];
    size_t count[MAX_CAUSES], n = 0, other = 0;
    for (size_t i = 0; c->run->results && i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        if ((r->status != TP_ST_FAIL && r->status != TP_ST_WARN) || r->error_code == TP_OC_NONE)
            continue;
        size_t k = 0;
        while (k < n && code[k] != r->error_code)
            k++;
        if (k == n && n == MAX_CAUSES) {
            other++;
            continue;
        }
        if (k == n) {
            code[n] = r->error_code;
            count[n++] = 0;
        }
        count[k]++;
    }
    if (n == 0)
        return;
    /* insertion sort, most frequent first; ties keep first-seen order */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && count[j] > count[j - 1]; j--) {
            size_t tc = count[j];
            tp_outcome ts = code[j];
            count[j] = count[j - 1];
            code[j] = code[j - 1];
            count[j - 1] = tc;
            code[j - 1] = ts;
        }
    fputs("causes:", c->out);
    for (size_t i = 0; i < n; i++) {
        char buf[128];
        fprintf(c->out, "%s %s %zu", i ? "," : "", clean(c, tp_outcome_name(code[i]), buf, sizeof buf), count[i]);
    }
    if (other)
        fprintf(c->out, ", other %zu", other);
    fputc('\n', c->out);
}

static void write_summary(const tctx *c)
{
    tp_summary s;
    tp_run_summary(c->run, &s);
    int64_t dur = c->run->finished_at_ms - c->run->started_at_ms;
    fprintf(c->out, "\n%zu probes: %zu ok, %zu warn, %zu fail, %zu skipped; %zu required failed; %.1fs  ",
            s.probes, s.ok, s.warn, s.fail, s.skipped, s.required_failed,
            dur > 0 ? (double)dur / 1000.0 : 0.0);
    if (c->color)
        fputs(s.pass ? "\033[32m" : (s.interrupted ? "\033[33m" : "\033[31m"), c->out);
    fputs(s.interrupted ? "INCOMPLETE" : s.pass ? "PASS" : "FAIL", c->out);
    if (c->color)
        fputs("\033[0m", c->out);
    if (s.interrupted)
        fprintf(c->out, " (interrupted: %zu probe%s skipped)", s.skipped, s.skipped == 1 ? "" : "s");
    fputc('\n', c->out);
    write_causes(c);
    for (size_t i = 0; i < c->run->warnings.n; i++) {
        char buf[TEXT_MAX];
        fprintf(c->out, "warning: %s\n", clean(c, c->run->warnings.v[i], buf, sizeof buf));
    }
}

static void detail(const tctx *c, const char *label, const char *value)
{
    char buf[TEXT_MAX];
    if (value)
        fprintf(c->out, "      %-14s %s\n", label, clean(c, value, buf, sizeof buf));
}

static void write_problem(const tctx *c, const tp_result *r)
{
    char id[TEXT_MAX], path[128], code[128];
    fputs("  ", c->out);
    if (c->color)
        fputs(color_of(r->status), c->out);
    fprintf(c->out, "%-4s", mark(r->status));
    if (c->color)
        fputs("\033[0m", c->out);
    fputc(' ', c->out);
    fprintf(c->out, "%s via %s  [%s]  %s\n", clean(c, r->ep && r->ep->id ? r->ep->id : "?", id, sizeof id),
            clean(c, r->path && r->path->id ? r->path->id : "?", path, sizeof path),
            tp_phase_name(r->phase), clean(c, r->error_code != TP_OC_NONE ? tp_outcome_name(r->error_code) : "-", code, sizeof code));
    detail(c, "message", r->error_message);
    if (tp_result_fell_back(r))
        detail(c, "fell back to", r->used_path->id);
    detail(c, "pac answered", r->pac_answer);
    if (r->bypassed)
        detail(c, "bypassed", "the path's bypass list sends it direct");
    detail(c, "windows error", r->windows_error);
    detail(c, "remediation", r->remediation);
}

static bool has_problems(const tctx *c)
{
    for (size_t i = 0; c->run->results && i < c->run->n_results; i++)
        if (c->run->results[i].status == TP_ST_FAIL || c->run->results[i].status == TP_ST_WARN)
            return true;
    return false;
}

static void write_problems(const tctx *c)
{
    bool any = false;
    for (size_t i = 0; c->run->results && i < c->run->n_results; i++) {
        const tp_result *r = &c->run->results[i];
        if (r->status != TP_ST_FAIL && r->status != TP_ST_WARN)
            continue;
        if (!any)
            fputs("\nFailures and warnings:\n", c->out);
        any = true;
        write_problem(c, r);
    }
}

/* The action list: numbered, most impact first, one line each. A line names at most
 * TABLE_ACTION_RULES rules and says how many more (all of them with --details, and always
 * in the JSON's actions[]); the terminal wraps a long one rather than a rule being cut off. */
#define TABLE_ACTION_RULES 12
static int write_actions(const tctx *c)
{
    tp_action *a = NULL;
    size_t n = 0;
    if (tp_actions_build(c->run, &a, &n) != 0)
        return -1;
    int rc = 0;
    if (n)
        fprintf(c->out, "What to change (%zu):\n", n);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *line = tp_action_line_max(&a[i], c->details ? 0 : TABLE_ACTION_RULES);
        char *red = line ? tp_rpt_clean(c->run, line) : NULL;
        size_t cap = red ? strlen(red) + 1 : 0;
        char *buf = red ? malloc(cap) : NULL;
        if (!buf) {
            rc = -1;
        } else {
            tp_term_clean(buf, cap, red);
            fprintf(c->out, "%3zu. ", i + 1);
            if (c->color)
                fputs(a[i].status == TP_ST_FAIL ? "\033[31m" : "\033[33m", c->out);
            fputs(a[i].status == TP_ST_FAIL ? "FAIL" : "WARN", c->out);
            if (c->color)
                fputs("\033[0m", c->out);
            fprintf(c->out, " %s\n", buf);
        }
        free(buf);
        free(red);
        free(line);
    }
    if (n)
        fputc('\n', c->out);
    tp_actions_free(a, n);
    return rc;
}

int tp_report_table(const tp_run *run, FILE *out, const tp_table_opts *o)
{
    tctx c = {run, out, o && o->color, o && o->width > 0 ? o->width : 100, o && o->details};
    tp_rpt_oom_reset();
    if (c.width < 40)
        c.width = 40;   /* narrower than this nothing useful fits; let the terminal wrap */
    matrix m;
    int rc = matrix_build(run, &m);
    if (rc == 0)
        rc = write_actions(&c);
    if (rc == 0)
        rc = column_widths(&c, &m);
    if (rc == 0) {
        write_path_legend(&c, &m);
        write_matrix(&c, &m);
        write_cause_legend(&c, &m);
        write_summary(&c);
        tp_rpt_changes_table(run, out, c.color);
        if (c.details)
            write_problems(&c);
        else if (has_problems(&c))
            fputs("(per-probe detail: --details, or the json and html reports)\n", c.out);
    }
    matrix_free(&m);
    return rc == 0 && !ferror(out) && !tp_rpt_oom() ? 0 : -1;
}

void tp_report_progress(FILE *out, size_t done, size_t total, size_t failed, double elapsed_s)
{
    /* \r rewrites the line in place; ESC[K clears what a longer previous line left */
    fprintf(out, "\r[%zu/%zu] %zu failed so far, %.1fs\033[K", done, total, failed, elapsed_s);
    fflush(out);
}

void tp_report_progress_judging(FILE *out, size_t total, double elapsed_s)
{
    fprintf(out, "\r[%zu/%zu] probed; judging chains and fetching CRLs, %.1fs\033[K", total, total, elapsed_s);
    fflush(out);
}

void tp_report_progress_done(FILE *out, const tp_summary *s, double elapsed_s)
{
    fprintf(out, "\r[%zu/%zu] %zu ok, %zu warn, %zu fail, %zu skipped, %.1fs\033[K\n", s->probes, s->probes, s->ok,
            s->warn, s->fail, s->skipped, elapsed_s);
    fflush(out);
}
