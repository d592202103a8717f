/* pac.c — FindProxyForURL in a sandboxed duktape heap (see pac.h).
 *
 * The sandbox: one heap per script, a custom allocator that refuses to grow the heap past
 * env.mem_max, and duktape's DUK_USE_EXEC_TIMEOUT_CHECK hook (enabled in our build of
 * Debian's duktape source, CMakeLists.txt) polled by the bytecode executor, which makes
 * every call fail once its deadline has passed — even when the script catches the error
 * and loops again, because the deadline stays passed. The heap has no I/O at all (duktape
 * has no require, no file or socket access): the only ways out are the PAC functions
 * below, and their answers come from the caller. */
#include "plan/pac.h"

#include <duktape.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hostmatch.h"

#define DEFAULT_MEM (64u << 20)
#define DEFAULT_MS 1000
#define ADDRS_MAX 1024
#define HDR 16 /* allocation header: keeps the size, keeps 16-byte alignment */

struct tp_pac {
    duk_context *ctx;
    tp_pac_env env;
    size_t used;          /* bytes handed to duktape */
    bool mem_hit;         /* an allocation was refused during this call */
    int64_t deadline_ms;  /* CLOCK_MONOTONIC; 0 = no call running */
    bool time_hit;
    bool broken;          /* a fatal error left the heap unusable */
    jmp_buf fatal_jmp;
    tp_strlist *pending;  /* this call's list of names not resolved yet */
    bool pending_added;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Called by duktape's executor (DUK_USE_EXEC_TIMEOUT_CHECK): nonzero ends the call. */
int tp_pac_timeout_check(void *udata);
int tp_pac_timeout_check(void *udata)
{
    struct tp_pac *p = udata;
    if (!p || p->deadline_ms == 0)
        return 0;
    if (p->time_hit || mono_ms() > p->deadline_ms) {
        p->time_hit = true;
        return 1;
    }
    return 0;
}

/* ---------- the capped allocator ---------- */

/* Native code (a join, a sort, the collector) never reaches the executor's timeout check:
 * once the deadline has passed, every allocation fails too, so such a loop ends as soon as
 * it needs memory. */
static bool past_deadline(struct tp_pac *p)
{
    if (p->deadline_ms == 0)
        return false;
    if (!p->time_hit && mono_ms() > p->deadline_ms)
        p->time_hit = true;
    return p->time_hit;
}

static void *pac_alloc(void *udata, duk_size_t size)
{
    struct tp_pac *p = udata;
    if (size == 0 || past_deadline(p))
        return NULL;
    if (size > p->env.mem_max - p->used || size > SIZE_MAX - HDR) {
        p->mem_hit = true;
        return NULL;
    }
    unsigned char *b = malloc(size + HDR);
    if (!b) {
        p->mem_hit = true;
        return NULL;
    }
    memcpy(b, &size, sizeof size);
    p->used += size;
    return b + HDR;
}

static void pac_free(void *udata, void *ptr)
{
    struct tp_pac *p = udata;
    if (!ptr)
        return;
    unsigned char *b = (unsigned char *)ptr - HDR;
    size_t size;
    memcpy(&size, b, sizeof size);
    p->used -= size;
    free(b);
}

static void *pac_realloc(void *udata, void *ptr, duk_size_t size)
{
    struct tp_pac *p = udata;
    if (!ptr)
        return pac_alloc(udata, size);
    if (size == 0) {
        pac_free(udata, ptr);
        return NULL;
    }
    unsigned char *b = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, b, sizeof old);
    if (size > old && past_deadline(p))
        return NULL;
    if (size > old && (size - old > p->env.mem_max - p->used || size > SIZE_MAX - HDR)) {
        p->mem_hit = true;
        return NULL;
    }
    unsigned char *nb = realloc(b, size + HDR);
    if (!nb) {
        p->mem_hit = true;
        return NULL;
    }
    memcpy(nb, &size, sizeof size);
    p->used = p->used - old + size;
    return nb + HDR;
}

static void pac_fatal(void *udata, const char *msg)
{
    struct tp_pac *p = udata;
    if (getenv("TLSPATH_PAC_DEBUG"))
        fprintf(stderr, "pac fatal: %s\n", msg ? msg : "?");
    p->broken = true;
    longjmp(p->fatal_jmp, 1); /* duktape's fatal handler must not return */
}

/* ---------- the PAC functions ---------- */

static struct tp_pac *self(duk_context *ctx)
{
    duk_memory_functions mf;
    duk_get_memory_functions(ctx, &mf);
    return mf.udata;
}

/* Resolves host through the caller: 1 + addrs, 0 none, and records names not known. */
static int ask(struct tp_pac *p, const char *host, char *addrs, size_t n)
{
    addrs[0] = '\0';
    uint8_t a[16];
    if (tp_ip_parse(host, a)) {
        snprintf(addrs, n, "%s", host);
        return 1;
    }
    if (!p->env.resolve || !*host || strlen(host) > 253)
        return 0;
    int r = p->env.resolve(p->env.ud, host, addrs, n);
    if (r < 0) {
        if (p->pending && !tp_strlist_has_ci(p->pending, host))
            tp_strlist_add(p->pending, host); /* out of memory: evaluated as unresolved */
        p->pending_added = true;
        return 0;
    }
    return r > 0 && addrs[0];
}

/* The first IPv4 address of a ';' list into out (dnsResolve answers IPv4 only). */
static bool first_v4(const char *addrs, char *out, size_t n)
{
    const char *s = addrs;
    while (*s) {
        size_t k = strcspn(s, ";");
        if (k < n) {
            memcpy(out, s, k);
            out[k] = '\0';
            uint8_t a[16];
            if (tp_ip_parse(out, a) == 4)
                return true;
        }
        s += k;
        if (*s)
            s++;
    }
    return false;
}

static duk_ret_t f_dnsResolve(duk_context *ctx)
{
    char addrs[ADDRS_MAX], v4[64];
    if (ask(self(ctx), duk_safe_to_string(ctx, 0), addrs, sizeof addrs) && first_v4(addrs, v4, sizeof v4))
        duk_push_string(ctx, v4);
    else
        duk_push_null(ctx);
    return 1;
}

static duk_ret_t f_dnsResolveEx(duk_context *ctx)
{
    char addrs[ADDRS_MAX];
    if (ask(self(ctx), duk_safe_to_string(ctx, 0), addrs, sizeof addrs))
        duk_push_string(ctx, addrs);
    else
        duk_push_string(ctx, "");
    return 1;
}

static duk_ret_t f_isResolvable(duk_context *ctx)
{
    char addrs[ADDRS_MAX];
    duk_push_boolean(ctx, ask(self(ctx), duk_safe_to_string(ctx, 0), addrs, sizeof addrs));
    return 1;
}

static duk_ret_t f_myIpAddress(duk_context *ctx)
{
    struct tp_pac *p = self(ctx);
    duk_push_string(ctx, p->env.my_ip ? p->env.my_ip : "127.0.0.1");
    return 1;
}

static duk_ret_t f_isInNet(duk_context *ctx)
{
    char addrs[ADDRS_MAX], v4[64];
    const char *host = duk_safe_to_string(ctx, 0);
    const char *pat = duk_safe_to_string(ctx, 1);
    const char *mask = duk_safe_to_string(ctx, 2);
    bool in = ask(self(ctx), host, addrs, sizeof addrs) && first_v4(addrs, v4, sizeof v4) &&
              tp_ip4_in_net(v4, pat, mask);
    duk_push_boolean(ctx, in);
    return 1;
}

static duk_ret_t f_isInNetEx(duk_context *ctx)
{
    duk_push_boolean(ctx, tp_cidr_contains(duk_safe_to_string(ctx, 1), duk_safe_to_string(ctx, 0)));
    return 1;
}

static duk_ret_t f_shExpMatch(duk_context *ctx)
{
    duk_push_boolean(ctx, tp_glob_match(duk_safe_to_string(ctx, 1), duk_safe_to_string(ctx, 0)));
    return 1;
}

static duk_ret_t f_now(duk_context *ctx)
{
    struct tp_pac *p = self(ctx);
    if (p->env.now_ms)
        duk_push_number(ctx, (double)p->env.now_ms);
    else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        duk_push_number(ctx, (double)ts.tv_sec * 1000.0 + (double)(ts.tv_nsec / 1000000));
    }
    return 1;
}

/* The string and date helpers, in JavaScript: their argument rules (optional "GMT",
 * 1/2/4/6 arguments) read most plainly there. Names starting "__tp" are ours. */
static const char PRELUDE[] =
    "function dnsDomainIs(h,d){h=String(h).toLowerCase();d=String(d).toLowerCase();"
    " return h.length>=d.length&&h.substring(h.length-d.length)==d;}\n"
    "function isPlainHostName(h){return String(h).indexOf('.')<0;}\n"
    "function localHostOrDomainIs(h,hd){h=String(h).toLowerCase();hd=String(hd).toLowerCase();"
    " return h==hd||(h.indexOf('.')<0&&hd.substring(0,h.length+1)==h+'.');}\n"
    "function dnsDomainLevels(h){return String(h).split('.').length-1;}\n"
    "function convert_addr(ip){var b=String(ip).split('.');"
    " return ((b[0]&255)<<24|(b[1]&255)<<16|(b[2]&255)<<8|(b[3]&255))>>>0;}\n"
    "function myIpAddressEx(){return myIpAddress();}\n"
    "function isResolvableEx(h){return isResolvable(h);}\n"
    "function sortIpAddressList(l){return String(l);}\n"
    "function getClientVersion(){return '1.0';}\n"
    "function __tpArgs(a){var r=[],g=false;for(var i=0;i<a.length;i++){"
    " if(i==a.length-1&&String(a[i]).toUpperCase()=='GMT')g=true;else r.push(a[i]);}"
    " var d=new Date(__tpNow());"
    " return {a:r,g:g,d:d,wd:g?d.getUTCDay():d.getDay(),day:g?d.getUTCDate():d.getDate(),"
    " mon:g?d.getUTCMonth():d.getMonth(),yr:g?d.getUTCFullYear():d.getFullYear(),"
    " sec:g?d.getUTCHours()*3600+d.getUTCMinutes()*60+d.getUTCSeconds()"
    ":d.getHours()*3600+d.getMinutes()*60+d.getSeconds()};}\n"
    "function __tpIn(lo,x,hi){return lo<=hi?(lo<=x&&x<=hi):(x>=lo||x<=hi);}\n"
    "var __tpDays=['SUN','MON','TUE','WED','THU','FRI','SAT'];\n"
    "var __tpMons=['JAN','FEB','MAR','APR','MAY','JUN','JUL','AUG','SEP','OCT','NOV','DEC'];\n"
    "function weekdayRange(){var c=__tpArgs(arguments),a=c.a;if(a.length<1||a.length>2)return false;"
    " var w1=__tpDays.indexOf(String(a[0]).toUpperCase());"
    " var w2=a.length>1?__tpDays.indexOf(String(a[1]).toUpperCase()):w1;"
    " if(w1<0||w2<0)return false;return __tpIn(w1,c.wd,w2);}\n"
    /* dateRange: each argument is a day (1-31), a month name or a year; the first half
     * of the arguments is the start, the second the end; only the fields given count */
    "function dateRange(){var c=__tpArgs(arguments),a=c.a,n=a.length;"
    " if(n!=1&&n!=2&&n!=4&&n!=6)return false;"
    " function key(part,now){var k=0,kinds='';for(var i=0;i<part.length;i++){var v=part[i],m;"
    "  if(typeof v=='string'&&(m=__tpMons.indexOf(v.toUpperCase()))>=0){kinds+='m';}"
    "  else{v=Number(v);if(!(v>=1))return null;kinds+=(v>31?'y':'d');}}"
    "  var y=kinds.indexOf('y')>=0,mo=kinds.indexOf('m')>=0,d=kinds.indexOf('d')>=0;"
    "  function f(p){var Y=0,M=0,D=0;for(var i=0;i<p.length;i++){var v=p[i],m;"
    "   if(typeof v=='string'&&(m=__tpMons.indexOf(v.toUpperCase()))>=0)M=m;"
    "   else{v=Number(v);if(v>31)Y=v;else D=v;}}return (y?Y:0)*10000+(mo?M:0)*100+(d?D:0);}"
    "  return {k:f(part),n:(y?c.yr:0)*10000+(mo?c.mon:0)*100+(d?c.day:0),kinds:kinds};}"
    " if(n==1){var s=key(a,c);return s!=null&&s.k==s.n;}"
    " var lo=key(a.slice(0,n/2)),hi=key(a.slice(n/2));"
    " if(lo==null||hi==null||lo.kinds!=hi.kinds)return false;return __tpIn(lo.k,lo.n,hi.k);}\n"
    "function timeRange(){var c=__tpArgs(arguments),a=c.a,n=a.length;"
    " for(var i=0;i<n;i++)a[i]=Number(a[i]);"
    " if(n==1)return Math.floor(c.sec/3600)==a[0];"
    " var lo,hi;if(n==2){lo=a[0]*3600;hi=a[1]*3600;}"
    " else if(n==4){lo=a[0]*3600+a[1]*60;hi=a[2]*3600+a[3]*60;}"
    " else if(n==6){lo=a[0]*3600+a[1]*60+a[2];hi=a[3]*3600+a[4]*60+a[5];}else return false;"
    " return __tpIn(lo,c.sec,hi);}\n";

static const struct {
    const char *name;
    duk_c_function fn;
    duk_idx_t nargs;
} NATIVES[] = {
    {"dnsResolve", f_dnsResolve, 1}, {"dnsResolveEx", f_dnsResolveEx, 1},
    {"isResolvable", f_isResolvable, 1}, {"myIpAddress", f_myIpAddress, 0},
    {"isInNet", f_isInNet, 3}, {"isInNetEx", f_isInNetEx, 2},
    {"shExpMatch", f_shExpMatch, 2}, {"__tpNow", f_now, 0},
};

/* ---------- calls under budget ---------- */

const char *tp_pac_rc_name(tp_pac_rc rc)
{
    switch (rc) {
    case TP_PAC_OK: return "ok";
    case TP_PAC_PENDING: return "pending";
    case TP_PAC_ERROR: return "error";
    case TP_PAC_TIMEOUT: return "timeout";
    case TP_PAC_MEMORY: return "memory";
    }
    return "error";
}

static void arm(struct tp_pac *p)
{
    p->mem_hit = p->time_hit = false;
    p->deadline_ms = mono_ms() + p->env.time_ms;
}

/* The outcome of a failed protected call: the budgets win over the error they caused. */
static tp_pac_rc failed(struct tp_pac *p, const char *what, char *err, size_t errlen)
{
    tp_pac_rc rc = p->time_hit ? TP_PAC_TIMEOUT : p->mem_hit ? TP_PAC_MEMORY : TP_PAC_ERROR;
    if (rc == TP_PAC_TIMEOUT)
        snprintf(err, errlen, "%s: stopped after its time budget of %d ms", what, p->env.time_ms);
    else if (rc == TP_PAC_MEMORY)
        snprintf(err, errlen, "%s: stopped at its memory budget of %zu bytes", what, p->env.mem_max);
    else {
        /* the message of what was thrown; its toString runs under the same budgets */
        const char *m = duk_safe_to_string(p->ctx, -1);
        char shown[200];
        size_t k = 0;
        for (; m && m[k] && k + 1 < sizeof shown; k++)
            shown[k] = (m[k] >= 0x20 && m[k] < 0x7F) ? m[k] : '?';
        shown[k] = '\0';
        snprintf(err, errlen, "%s: %s", what, shown);
        rc = p->time_hit ? TP_PAC_TIMEOUT : p->mem_hit ? TP_PAC_MEMORY : TP_PAC_ERROR;
    }
    return rc;
}

tp_pac *tp_pac_new(const char *src, size_t len, const tp_pac_env *env, tp_pac_rc *rc, char *err,
                   size_t errlen)
{
    /* volatile: read again after a longjmp from the fatal handler */
    struct tp_pac *volatile p = calloc(1, sizeof *p);
    *rc = TP_PAC_ERROR;
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->env = *env;
    if (!p->env.mem_max)
        p->env.mem_max = DEFAULT_MEM;
    if (p->env.time_ms <= 0)
        p->env.time_ms = DEFAULT_MS;
    if (len > TP_PAC_MAX_SCRIPT) {
        snprintf(err, errlen, "the PAC script is larger than %u bytes", TP_PAC_MAX_SCRIPT);
        free(p);
        return NULL;
    }
    if (memchr(src, '\0', len)) {
        snprintf(err, errlen, "the PAC script holds a NUL byte (not JavaScript text)");
        free(p);
        return NULL;
    }
    p->ctx = duk_create_heap(pac_alloc, pac_realloc, pac_free, p, pac_fatal);
    if (!p->ctx) {
        snprintf(err, errlen, "the PAC engine could not start within its memory budget");
        *rc = TP_PAC_MEMORY;
        free(p);
        return NULL;
    }
    if (setjmp(p->fatal_jmp)) {
        snprintf(err, errlen, "the PAC engine failed fatally");
        tp_pac_free(p);
        return NULL;
    }
    for (size_t i = 0; i < sizeof NATIVES / sizeof NATIVES[0]; i++) {
        duk_push_c_function(p->ctx, NATIVES[i].fn, NATIVES[i].nargs);
        duk_put_global_string(p->ctx, NATIVES[i].name);
    }
    arm(p);
    if (duk_peval_string(p->ctx, PRELUDE) != 0) {
        *rc = failed(p, "the PAC helpers", err, errlen);
        tp_pac_free(p);
        return NULL;
    }
    duk_pop(p->ctx);
    arm(p);
    /* the script's top level may call dnsResolve: names it asks for are not recorded
     * (there is no caller list yet) and read as unresolved */
    if (duk_peval_lstring(p->ctx, src, len) != 0) {
        *rc = failed(p, "the PAC script", err, errlen);
        tp_pac_free(p);
        return NULL;
    }
    duk_pop(p->ctx);
    p->deadline_ms = 0;
    *rc = TP_PAC_OK;
    return p;
}

tp_pac_rc tp_pac_find(tp_pac *p, const char *url, const char *host, char **answer,
                      tp_strlist *pending, char *err, size_t errlen)
{
    volatile tp_pac_rc rc = TP_PAC_ERROR;
    *answer = NULL;
    if (!p || p->broken) {
        snprintf(err, errlen, "the PAC engine is unusable after a fatal error");
        return TP_PAC_ERROR;
    }
    if (setjmp(p->fatal_jmp)) {
        snprintf(err, errlen, "the PAC engine failed fatally");
        return TP_PAC_ERROR;
    }
    duk_context *ctx = p->ctx;
    duk_idx_t top = duk_get_top(ctx);
    const char *fn = "FindProxyForURLEx";
    duk_get_global_string(ctx, fn);
    if (!duk_is_function(ctx, -1)) {
        duk_pop(ctx);
        fn = "FindProxyForURL";
        duk_get_global_string(ctx, fn);
    }
    if (!duk_is_function(ctx, -1)) {
        snprintf(err, errlen, "the PAC script defines no function FindProxyForURL");
        goto done;
    }
    duk_push_string(ctx, url);
    duk_push_string(ctx, host);
    p->pending = pending;
    p->pending_added = false;
    arm(p);
    if (duk_pcall(ctx, 2) != 0) {
        rc = failed(p, fn, err, errlen);
        goto done;
    }
    if (!duk_is_string(ctx, -1)) {
        snprintf(err, errlen, "%s returned %s, not a string", fn,
                 duk_is_null(ctx, -1) ? "null" : duk_is_undefined(ctx, -1) ? "undefined" : "a non-string");
        goto done;
    }
    duk_size_t n;
    const char *s = duk_get_lstring(ctx, -1, &n);
    if (n > TP_PAC_MAX_ANSWER || memchr(s, '\0', n)) {
        snprintf(err, errlen, "%s returned %s", fn,
                 n > TP_PAC_MAX_ANSWER ? "an answer longer than 4096 bytes" : "a NUL character");
        goto done;
    }
    if (!(*answer = malloc(n + 1))) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    memcpy(*answer, s, n);
    (*answer)[n] = '\0';
    rc = p->pending_added ? TP_PAC_PENDING : TP_PAC_OK;
done:
    p->deadline_ms = 0;
    p->pending = NULL;
    duk_set_top(ctx, top);
    return rc;
}

void tp_pac_free(tp_pac *p)
{
    if (!p)
        return;
    /* after a fatal error duktape's heap is in an unknown state: destroying it could
     * crash, so it is left (a leak, once, instead of a crash) */
    if (p->ctx && !p->broken)
        duk_destroy_heap(p->ctx);
    if (!p->broken)
        free(p);
}
