/* pac_entry.h — body of fuzz_pac: the PAC evaluator (plan/pac.h) on hostile scripts, and
 * the answer reader. Byte 0 bit 0 set: the rest is a FindProxyForURL answer for
 * tp_pac_answer_parse; clear: the rest is a PAC script, compiled and asked for two URLs
 * under small budgets (20 ms, 4 MiB). Invariants: every outcome is one of tp_pac_rc with a
 * message on failure; an answer is at most TP_PAC_MAX_ANSWER bytes and parses or fails
 * with a message; parsed hops are at most TP_PAC_MAX_HOPS and a PROXY hop has a host and
 * a port in 1..65535. */
#ifndef TP_FUZZ_PAC_ENTRY_H
#define TP_FUZZ_PAC_ENTRY_H
#include <stdio.h>

#include "plan/pac.h"
#include "fuzz_common.h"

static int fz_pac_resolve(void *ud, const char *host, char *addrs, size_t n)
{
    (void)ud;
    if (strcmp(host, "late.example") == 0)
        return -1;
    if (strlen(host) % 3 == 0)
        return 0;
    snprintf(addrs, n, "10.0.0.%zu;fd00::%zx", strlen(host) % 250, strlen(host));
    return 1;
}

static void fz_pac_answer(const char *s)
{
    char err[256];
    tp_pac_hop *h;
    size_t n;
    err[0] = '\0';
    int rc = tp_pac_answer_parse(s, &h, &n, err, sizeof err);
    fz_check_err(err, sizeof err, rc);
    if (rc != 0)
        return;
    fz_check(n >= 1 && n <= TP_PAC_MAX_HOPS);
    for (size_t i = 0; i < n; i++) {
        fz_check(h[i].text != NULL);
        if (h[i].kind == TP_HOP_PROXY)
            fz_check(h[i].host && h[i].host[0] && h[i].port >= 1 && h[i].port <= 65535);
    }
    tp_pac_hops_free(h, n);
}

static void fuzz_pac_one(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    char *s = malloc(size);
    if (!s)
        return;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if (data[0] & 1) {
        fz_pac_answer(s);
        free(s);
        return;
    }
    char err[512];
    tp_pac_env env = {.resolve = fz_pac_resolve, .my_ip = "10.9.8.7", .now_ms = 1796121000000LL,
                      .mem_max = 4u << 20, .time_ms = 20};
    tp_pac_rc rc;
    err[0] = '\0';
    /* the script as text up to its first NUL (a NUL is refused, not evaluated) */
    tp_pac *p = tp_pac_new(s, strlen(s), &env, &rc, err, sizeof err);
    if (!p) {
        fz_check(rc == TP_PAC_ERROR || rc == TP_PAC_TIMEOUT || rc == TP_PAC_MEMORY);
        fz_check(err[0] != '\0');
        free(s);
        return;
    }
    static const char *const q[][2] = {{"https://x.wd.microsoft.com/", "x.wd.microsoft.com"},
                                       {"http://late.example/a", "late.example"}};
    for (size_t i = 0; i < 2; i++) {
        char *ans = NULL;
        tp_strlist pending = {0};
        err[0] = '\0';
        rc = tp_pac_find(p, q[i][0], q[i][1], &ans, &pending, err, sizeof err);
        fz_check(rc <= TP_PAC_MEMORY);
        if (rc == TP_PAC_OK || rc == TP_PAC_PENDING) {
            fz_check(ans && strlen(ans) <= TP_PAC_MAX_ANSWER);
            fz_check(rc == TP_PAC_OK || pending.n > 0);
            fz_pac_answer(ans);
        } else {
            fz_check(ans == NULL && err[0] != '\0');
        }
        free(ans);
        tp_strlist_free(&pending);
    }
    tp_pac_free(p);
    free(s);
}
#endif
