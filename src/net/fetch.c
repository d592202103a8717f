/* fetch.c — a fetch is a job with a URL instead of an endpoint: a plain http:// GET of a
 * CRL, always anonymously (through route->anon, the path without credentials: the OS
 * fetches CRLs as SYSTEM), its body bounded by max_bytes (else limits.crl_max_bytes), the
 * whole of it within limits.crl_ms. */
#include "net/job.h"

#include <stdlib.h>
#include <string.h>

#include "base/url.h"

/* A fetch's body bound: its own, else limits.crl_max_bytes. */
size_t tpn_fetch_max(const job *j)
{
    return j->f->max_bytes > 0 ? j->f->max_bytes : j->e->lim->crl_max_bytes;
}

void tpn_fetch_complete(job *j)
{
    tp_fetch *f = j->f;
    f->http_status = j->r->http_status;
    f->error_code = j->r->error_code;
    f->error_message = j->r->error_message;
    j->r->error_code = TP_OC_NONE;
    j->r->error_message = NULL;
    f->ms = j->r->t.total;
    tp_result_free(&j->own);
    tpn_budget_fetch_end(j);   /* its bytes back to the budget, its body to the sink */
}

/* http://host[:port][/path] -> parts (base/url.h: the one URL parser). 0 or -1. */
static int parse_http_url(const char *url, char **host, int *port, char **path)
{
    char *scheme = NULL;
    if (tp_url_parse(url, &scheme, host, port, path) != 0)
        return -1;
    bool http = strcmp(scheme, "http") == 0;
    free(scheme);
    if (!http) {
        free(*host);
        free(*path);
        *host = *path = NULL;
        return -1;
    }
    return 0;
}


void tpn_fetch_begin(engine *e, tp_fetch *f)
{
    job *j = f->route ? calloc(1, sizeof *j) : NULL;
    if (!j) {
        tpn_job_refused(e, &f->error_code, &f->error_message, TP_OC_ENGINE_ERROR,
                    f->route ? "out of memory" : "no route for this fetch");
        return;
    }
    j->f = f;
    j->r = &j->own;
    tpn_reset_timings(j->r, false);
    if (parse_http_url(f->url, &j->url_host, &j->port, &j->url_path) != 0) {
        tpn_job_refused(e, &f->error_code, &f->error_message, TP_OC_FETCH_BAD_URL, "not a plain http:// URL with a host");
        tpn_job_free(j);
        return;
    }
    j->scheme = "http";
    j->tls = false;
    j->host = j->url_host;
    j->reqpath = j->url_path;
    j->method = "GET";
    j->route = f->route;
    j->path = tpn_route_path(j, f->route);
    j->r->path = j->r->used_path = j->path;
    tpn_job_limits(j, e->lim, e->lim->crl_ms);
    tpn_job_start_common(e, j);
    tpn_attempt_start(j);
}
