/* wpad.c — WPAD candidates from search domains (see wpad.h). */
#include "input/wpad.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/url.h"

static int add_domains(const char *s, size_t n, tp_strlist *out)
{
    char buf[256];
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t st = i;
        while (i < n && s[i] != ' ' && s[i] != '\t')
            i++;
        size_t k = i - st;
        if (k == 0 || k >= sizeof buf)
            continue;
        for (size_t j = 0; j < k; j++)
            buf[j] = (s[st + j] >= 'A' && s[st + j] <= 'Z') ? (char)(s[st + j] + 32) : s[st + j];
        buf[k] = '\0';
        if (buf[k - 1] == '.')
            buf[--k] = '\0';
        if (k && tp_host_is_name(buf) && !tp_strlist_has(out, buf) && tp_strlist_add(out, buf) != 0)
            return -1;
    }
    return 0;
}

int tp_wpad_search_domains(const char *text, size_t len, tp_strlist *out)
{
    const char *search = NULL, *domain = NULL;
    size_t search_n = 0, domain_n = 0;
    size_t i = 0;
    while (i < len) {
        size_t st = i;
        while (i < len && text[i] != '\n')
            i++;
        const char *l = text + st;
        size_t n = i - st;
        if (i < len)
            i++;
        if (n >= 7 && strncmp(l, "search", 6) == 0 && (l[6] == ' ' || l[6] == '\t'))
            search = l + 7, search_n = n - 7;
        else if (n >= 7 && strncmp(l, "domain", 6) == 0 && (l[6] == ' ' || l[6] == '\t'))
            domain = l + 7, domain_n = n - 7;
    }
    /* the resolver: the last of "search" and "domain" wins; search when both (common) */
    if (search)
        return add_domains(search, search_n, out);
    if (domain)
        return add_domains(domain, domain_n, out);
    return 0;
}

int tp_wpad_candidates(const tp_strlist *domains, tp_strlist *urls)
{
    for (size_t d = 0; d < domains->n; d++) {
        const char *s = domains->v[d];
        /* walk up while at least two labels remain */
        while (s && strchr(s, '.')) {
            if (urls->n >= TP_WPAD_MAX_CANDIDATES)
                return 0;
            char *u = tp_asprintf("http://wpad.%s/wpad.dat", s);
            if (!u)
                return -1;
            int rc = tp_strlist_has(urls, u) ? 0 : tp_strlist_add(urls, u);
            free(u);
            if (rc != 0)
                return -1;
            s = strchr(s, '.') + 1;
        }
    }
    return 0;
}
