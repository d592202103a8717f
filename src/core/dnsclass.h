/* dnsclass.h — what a DNS answer says before any connection (issue 14, docs/paths.md
 * "DNS judged"): a sinkhole (0.0.0.0, ::, loopback, a known block page: a DNS filter
 * blocks the name) or a private address (RFC 1918, CGNAT, link-local, ULA: Private Link or
 * a wrong internal zone). Pure functions over address text. */
#ifndef TLSPATH_CORE_DNSCLASS_H
#define TLSPATH_CORE_DNSCLASS_H
#include <stdbool.h>

#include "base/str.h"

/* 0.0.0.0/8, :: (also IPv4-mapped), loopback (127.0.0.0/8, ::1) when loopback is set, or an
 * address of block_pages (address literals; NULL = none). */
bool tp_addr_is_sinkhole(const char *ip, const tp_strlist *block_pages, bool loopback);
/* 10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16, fc00::/7, fe80::/10. */
bool tp_addr_is_private(const char *ip);
/* Every address is a sinkhole (and there is at least one). */
bool tp_dns_all_sinkhole(const tp_strlist *addrs, const tp_strlist *block_pages, bool loopback);
/* Some address is private. */
bool tp_dns_any_private(const tp_strlist *addrs);
#endif
