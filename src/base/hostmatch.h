/* hostmatch.h — host name and address matching shared by proxy bypass lists (a path's
 * `bypass`, WinHTTP / Defender ProxyBypass, NO_PROXY) and the PAC helpers (shExpMatch,
 * isInNet, dnsDomainIs). Pure functions over bounded text: no allocation, no I/O.
 *
 * The bypass language (docs/paths.md "Bypass lists") is WinHTTP's, which every importer
 * translates into: entries are host patterns compared case-insensitively, where '*'
 * matches any run of characters (also dots) and '?' one character; "<local>" matches a
 * plain host name (no dot); "*" alone matches everything; an IPv4 or IPv6 prefix
 * "ADDR/BITS" matches an address literal host inside it. A trailing ":PORT" on an entry
 * restricts it to that port. */
#ifndef TLSPATH_BASE_HOSTMATCH_H
#define TLSPATH_BASE_HOSTMATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Shell-style glob ('*' any run, '?' one byte; no escapes, no classes), ASCII
 * case-insensitive. Iterative with one backtrack point: linear in practice, never
 * recursive, so a hostile pattern cannot blow the stack. */
bool tp_glob_match(const char *pattern, const char *text);

/* An IPv4 or IPv6 address literal (no brackets) into 16 bytes (IPv4: 4 bytes used).
 * Returns 4, 16, or 0 when text is not an address. */
int tp_ip_parse(const char *text, uint8_t out[16]);

/* "ADDR/BITS" (or a bare ADDR = all bits) contains the address literal ip. False when
 * either is not an address or the families differ. */
bool tp_cidr_contains(const char *cidr, const char *ip);

/* isInNet(ip, pattern, mask): IPv4 only, dotted mask. False on any bad input. */
bool tp_ip4_in_net(const char *ip, const char *pattern, const char *mask);

/* One bypass entry against a host (lower- or upper-case, no brackets) and port. */
bool tp_bypass_entry_match(const char *entry, const char *host, int port);
/* Any entry of a list of n entries. */
bool tp_bypass_match(char *const *entries, size_t n, const char *host, int port);

/* A bypass entry is well formed: printable ASCII without spaces or ';' ',', at most 253
 * bytes, and a CIDR has a valid address and prefix length. */
bool tp_bypass_entry_valid(const char *entry);
#endif
