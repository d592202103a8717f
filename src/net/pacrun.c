/* pacrun.c — PAC evaluation in rounds: thread pool for the script, loop for DNS (see
 * pacrun.h). The duktape heap is used by one thread at a time (each round's work runs
 * alone, and the loop thread never touches it while a round is queued); the table of
 * resolved names is written by the loop only between rounds and read by the worker only
 * during one, so neither needs a lock. */
#include "net/pacrun.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/resolver.h"
#include "plan/pac.h"

#define ADDRS_MAX 1024

typedef struct name_ans {
    char *name;
    int rc;                  /* 1 resolved, 0 not */
    char addrs[ADDRS_MAX];
} name_ans;

typedef struct pacrun pacrun;

typedef struct name_wait {
    tp_dns_wait w;           /* first: the callback gets &w */
    pacrun *pr;
    size_t slot;             /* index into pr->names */
} name_wait;

struct pacrun {
    uv_loop_t *loop;
    uv_work_t work;
    char *script;
    size_t len;
    tp_pacrun_opts o;
    char my_ip[64];
    tp_pac *pac;
    bool compiled;           /* the compile was tried (pac may still be NULL) */
    tp_pac_query *q;
    size_t n;
    int round;
    int64_t spent_ms;        /* thread time spent evaluating, against TP_PACRUN_TOTAL_MS */
    tp_strlist pending;      /* names asked for and not in the table (filled by the worker) */
    name_ans *names;
    size_t n_names;
    tp_resolver *res;
    name_wait *waits;
    size_t waiting;
    tp_pacrun_done_fn done;
    void *ud;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tp_pacrun_my_ip(char *out, size_t n)
{
    struct ifaddrs *ifa = NULL;
    snprintf(out, n, "127.0.0.1");
    if (getifaddrs(&ifa) != 0)
        return;
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *sin = (const struct sockaddr_in *)i->ifa_addr;
        if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127)
            continue;
        inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)n);
        break;
    }
    freeifaddrs(ifa);
}

void tp_pac_queries_free(tp_pac_query *q, size_t n)
{
    for (size_t i = 0; q && i < n; i++) {
        free(q[i].answer);
        free(q[i].message);
        q[i].answer = q[i].message = NULL;
    }
}

/* The worker's view of DNS: the table, or "not yet" (the name goes to pending). */
static int table_resolve(void *ud, const char *host, char *addrs, size_t n)
{
    pacrun *pr = ud;
    for (size_t i = 0; i < pr->n_names; i++)
        if (strcasecmp(pr->names[i].name, host) == 0) {
            snprintf(addrs, n, "%s", pr->names[i].addrs);
            return pr->names[i].rc;
        }
    return -1;
}

static void set_final(tp_pac_query *q, tp_outcome code, const char *msg)
{
    q->final = true;
    q->code = code;
    free(q->answer);
    q->answer = NULL;
    free(q->message);
    q->message = msg ? strdup(msg) : NULL;
}

static tp_outcome code_of(tp_pac_rc rc)
{
    return rc == TP_PAC_TIMEOUT ? TP_OC_PAC_TIMEOUT : rc == TP_PAC_MEMORY ? TP_OC_PAC_MEMORY : TP_OC_PAC_ERROR;
}

/* Thread pool: compile once, then evaluate every query that is not final. */
static void work_cb(uv_work_t *w)
{
    pacrun *pr = w->data;
    char err[512];
    int64_t t0 = mono_ms();
    if (!pr->compiled) {
        pr->compiled = true;
        tp_pac_env env = {.resolve = table_resolve, .ud = pr, .my_ip = pr->my_ip,
                          .mem_max = pr->o.mem_max, .time_ms = pr->o.call_ms};
        tp_pac_rc rc;
        err[0] = '\0';
        pr->pac = tp_pac_new(pr->script, pr->len, &env, &rc, err, sizeof err);
        if (!pr->pac) {
            for (size_t i = 0; i < pr->n; i++)
                set_final(&pr->q[i], code_of(rc), err);
            pr->spent_ms += mono_ms() - t0;
            return;
        }
    }
    bool last = pr->round >= TP_PACRUN_ROUNDS;
    for (size_t i = 0; i < pr->n; i++) {
        tp_pac_query *q = &pr->q[i];
        if (q->final)
            continue;
        if (pr->spent_ms + (mono_ms() - t0) > TP_PACRUN_TOTAL_MS) {
            char msg[128];
            snprintf(msg, sizeof msg, "not evaluated: the PAC script used up its budget of %d ms "
                     "for the whole run", TP_PACRUN_TOTAL_MS);
            set_final(q, TP_OC_PAC_TIMEOUT, msg);
            continue;
        }
        char *ans = NULL;
        size_t before = pr->pending.n;
        err[0] = '\0';
        tp_pac_rc rc = tp_pac_find(pr->pac, q->url, q->host, &ans, &pr->pending, err, sizeof err);
        if (rc == TP_PAC_OK || (rc == TP_PAC_PENDING && (last || pr->pending.n == before))) {
            /* no new name to learn (or no rounds left): this answer stands */
            set_final(q, TP_OC_NONE, NULL);
            q->answer = ans;
        } else if (rc == TP_PAC_PENDING) {
            free(ans); /* evaluated again once the names are known */
        } else {
            set_final(q, code_of(rc), err);
            free(ans);
        }
    }
    pr->spent_ms += mono_ms() - t0;
}

static void after_work(uv_work_t *w, int status);

static void finish(pacrun *pr)
{
    for (size_t i = 0; i < pr->n; i++)
        if (!pr->q[i].final)
            set_final(&pr->q[i], TP_OC_PAC_ERROR, "the PAC evaluation did not finish");
    tp_pac_free(pr->pac);
    if (pr->res)
        tp_resolver_close(pr->res);
    for (size_t i = 0; i < pr->n_names; i++)
        free(pr->names[i].name);
    free(pr->names);
    free(pr->waits);
    tp_strlist_free(&pr->pending);
    free(pr->script);
    tp_pacrun_done_fn done = pr->done;
    void *ud = pr->ud;
    free(pr);
    done(ud);
}

static void next_round(pacrun *pr)
{
    pr->round++;
    if (uv_queue_work(pr->loop, &pr->work, work_cb, after_work) != 0)
        finish(pr);
}

static void store_answer(pacrun *pr, size_t slot, const tp_dns_answer *a)
{
    name_ans *na = &pr->names[slot];
    na->rc = a->code == TP_OC_NONE && a->addresses.n > 0;
    na->addrs[0] = '\0';
    size_t o = 0;
    /* IPv4 first: dnsResolve answers IPv4, dnsResolveEx all of them */
    for (int v6 = 0; v6 < 2 && na->rc; v6++)
        for (size_t k = 0; k < a->addresses.n; k++) {
            const char *ad = a->addresses.v[k];
            if ((strchr(ad, ':') != NULL) != v6)
                continue;
            int m = snprintf(na->addrs + o, sizeof na->addrs - o, "%s%s", o ? ";" : "", ad);
            if (m < 0 || (size_t)m >= sizeof na->addrs - o)
                break;
            o += (size_t)m;
        }
}

static void on_name(tp_dns_wait *w, const tp_dns_answer *a)
{
    name_wait *nw = (name_wait *)w;
    pacrun *pr = nw->pr;
    store_answer(pr, nw->slot, a);
    if (--pr->waiting == 0)
        next_round(pr);
}

static void after_work(uv_work_t *w, int status)
{
    pacrun *pr = w->data;
    if (status != 0 || !pr->pac || pr->pending.n == 0 || pr->round >= TP_PACRUN_ROUNDS) {
        finish(pr);
        return;
    }
    char err[256];
    if (!pr->res && tp_resolver_new(pr->loop, pr->o.resolvers, pr->o.dns_ms, &pr->res, err, sizeof err) != 0) {
        /* no resolver: what the script got (names unresolved) is the answer */
        pr->round = TP_PACRUN_ROUNDS;
        next_round(pr);
        return;
    }
    /* every pending name gets a table slot, then its lookup */
    size_t first = pr->n_names, k = pr->pending.n;
    name_ans *nv = realloc(pr->names, (pr->n_names + k) * sizeof *nv);
    name_wait *wv = nv ? realloc(pr->waits, k * sizeof *wv) : NULL;
    if (nv)
        pr->names = nv;
    if (!nv || !wv) {
        finish(pr);
        return;
    }
    pr->waits = wv;
    memset(wv, 0, k * sizeof *wv);
    for (size_t i = 0; i < k; i++) {
        pr->names[first + i].name = pr->pending.v[i]; /* moved */
        pr->names[first + i].rc = 0;
        pr->names[first + i].addrs[0] = '\0';
        pr->pending.v[i] = NULL;
    }
    pr->n_names += k;
    tp_strlist_free(&pr->pending);
    pr->waiting = k + 1; /* +1 held until every lookup is registered */
    for (size_t i = 0; i < k; i++) {
        name_wait *nw = &pr->waits[i];
        nw->pr = pr;
        nw->slot = first + i;
        nw->w.cb = on_name;
        const tp_dns_answer *a = tp_resolver_lookup(pr->res, pr->names[first + i].name, &nw->w);
        if (a) {
            store_answer(pr, first + i, a);
            pr->waiting--;
        }
    }
    if (--pr->waiting == 0)
        next_round(pr);
}

int tp_pacrun_start(uv_loop_t *loop, const char *script, size_t len, const tp_pacrun_opts *o,
                    tp_pac_query *q, size_t n, tp_pacrun_done_fn done, void *ud, char *err,
                    size_t errlen)
{
    pacrun *pr = calloc(1, sizeof *pr);
    if (!pr || !(pr->script = malloc(len ? len : 1))) {
        free(pr);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(pr->script, script, len);
    pr->len = len;
    pr->loop = loop;
    pr->o = *o;
    if (o->my_ip)
        snprintf(pr->my_ip, sizeof pr->my_ip, "%s", o->my_ip);
    else
        tp_pacrun_my_ip(pr->my_ip, sizeof pr->my_ip);
    pr->q = q;
    pr->n = n;
    for (size_t i = 0; i < n; i++) {
        q[i].final = false;
        q[i].code = TP_OC_NONE;
    }
    pr->done = done;
    pr->ud = ud;
    pr->work.data = pr;
    pr->round = 1;
    int rc = uv_queue_work(loop, &pr->work, work_cb, after_work);
    if (rc != 0) {
        snprintf(err, errlen, "cannot queue the PAC evaluation: %s", uv_strerror(rc));
        free(pr->script);
        free(pr);
        return -1;
    }
    return 0;
}
