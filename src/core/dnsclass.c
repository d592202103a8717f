/* dnsclass.c — sinkhole and private answers (see dnsclass.h). */
#include "core/dnsclass.h"

#include <string.h>

#include "base/hostmatch.h"

static bool in_any(const char *ip, const char *const *nets)
{
    for (size_t i = 0; nets[i]; i++)
        if (tp_cidr_contains(nets[i], ip))
            return true;
    return false;
}

bool tp_addr_is_sinkhole(const char *ip, const tp_strlist *block_pages, bool loopback)
{
    static const char *const nets[] = {"0.0.0.0/8", "::/128", "::ffff:0.0.0.0/104", NULL};
    static const char *const lo[] = {"127.0.0.0/8", "::1/128", "::ffff:127.0.0.0/104", NULL};
    uint8_t a[16], b[16];
    int fam = tp_ip_parse(ip, a);
    if (!fam)
        return false;
    if (in_any(ip, nets) || (loopback && in_any(ip, lo)))
        return true;
    for (size_t i = 0; block_pages && i < block_pages->n; i++)
        if (tp_ip_parse(block_pages->v[i], b) == fam && memcmp(a, b, (size_t)fam) == 0)
            return true;
    return false;
}

bool tp_addr_is_private(const char *ip)
{
    static const char *const nets[] = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                       "100.64.0.0/10", "169.254.0.0/16", "fc00::/7",
                                       "fe80::/10", NULL};
    return in_any(ip, nets);
}

bool tp_dns_all_sinkhole(const tp_strlist *addrs, const tp_strlist *block_pages, bool loopback)
{
    if (!addrs || addrs->n == 0)
        return false;
    for (size_t i = 0; i < addrs->n; i++)
        if (!tp_addr_is_sinkhole(addrs->v[i], block_pages, loopback))
            return false;
    return true;
}

bool tp_dns_any_private(const tp_strlist *addrs)
{
    for (size_t i = 0; addrs && i < addrs->n; i++)
        if (tp_addr_is_private(addrs->v[i]))
            return true;
    return false;
}
