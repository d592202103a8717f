/* hostmatch.c — globs, address prefixes and bypass entries (see hostmatch.h). */
#include "base/hostmatch.h"

#include <arpa/inet.h>
#include <string.h>

#define ENTRY_MAX 253

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

bool tp_glob_match(const char *p, const char *t)
{
    if (!p || !t)
        return false;
    const char *star = NULL, *resume = NULL;
    while (*t) {
        if (*p == '*') {
            /* remember where the star was; first try matching it against nothing */
            star = ++p;
            resume = t;
        } else if (*p && (*p == '?' || lower((unsigned char)*p) == lower((unsigned char)*t))) {
            p++;
            t++;
        } else if (star) {
            /* let the last star swallow one more byte and retry from there */
            p = star;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

int tp_ip_parse(const char *text, uint8_t out[16])
{
    if (!text || strlen(text) > 45)
        return 0;
    memset(out, 0, 16);
    if (inet_pton(AF_INET, text, out) == 1)
        return 4;
    if (strchr(text, ':') && inet_pton(AF_INET6, text, out) == 1)
        return 16;
    return 0;
}

static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t m = (uint8_t)(0xFFu << (8 - rest));
    return (a[full] & m) == (b[full] & m);
}

/* Parses "ADDR[/BITS]" of at most 60 bytes. Returns the family size (4/16) or 0. */
static int cidr_parse(const char *cidr, uint8_t addr[16], unsigned *bits)
{
    char buf[64];
    size_t n = strlen(cidr);
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, cidr, n + 1);
    char *slash = strchr(buf, '/');
    long b = -1;
    if (slash) {
        *slash = '\0';
        const char *d = slash + 1;
        if (!*d || strlen(d) > 3)
            return 0;
        b = 0;
        for (; *d; d++) {
            if (*d < '0' || *d > '9')
                return 0;
            b = b * 10 + (*d - '0');
        }
    }
    int fam = tp_ip_parse(buf, addr);
    if (!fam)
        return 0;
    if (b < 0)
        b = fam * 8;
    if (b > fam * 8)
        return 0;
    *bits = (unsigned)b;
    return fam;
}

bool tp_cidr_contains(const char *cidr, const char *ip)
{
    uint8_t net[16], a[16];
    unsigned bits;
    if (!cidr || !ip)
        return false;
    int fam = cidr_parse(cidr, net, &bits);
    if (!fam || tp_ip_parse(ip, a) != fam)
        return false;
    return prefix_equal(net, a, bits);
}

bool tp_ip4_in_net(const char *ip, const char *pattern, const char *mask)
{
    uint8_t a[16], p[16], m[16];
    if (tp_ip_parse(ip, a) != 4 || tp_ip_parse(pattern, p) != 4 || tp_ip_parse(mask, m) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if ((a[i] & m[i]) != (p[i] & m[i]))
            return false;
    return true;
}

bool tp_bypass_entry_valid(const char *e)
{
    if (!e || !*e || strlen(e) > ENTRY_MAX)
        return false;
    for (const char *c = e; *c; c++)
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7F || *c == ';' || *c == ',')
            return false;
    if (strchr(e, '/')) {
        uint8_t a[16];
        unsigned bits;
        return cidr_parse(e, a, &bits) != 0;
    }
    return true;
}

/* Splits a trailing ":PORT" off an entry: "host:8080" and "[v6]:8080" carry one; a bare
 * IPv6 literal (several ':') does not. Writes the host part (brackets removed) into
 * out. Returns the port, 0 for none, -1 when malformed. */
static int entry_split_port(const char *e, char *out, size_t outlen)
{
    size_t n = strlen(e);
    const char *colon = strrchr(e, ':');
    const char *first = strchr(e, ':');
    int port = 0;
    size_t hn = n;
    if (e[0] == '[') {
        const char *close = strchr(e, ']');
        if (!close)
            return -1;
        if (close[1] == ':')
            colon = close + 1;
        else if (close[1] != '\0')
            return -1;
        else
            colon = NULL;
        e++;
        hn = (size_t)(close - e);
    } else if (colon && colon == first) {
        hn = (size_t)(colon - e);
    } else {
        colon = NULL; /* none, or a bare IPv6 literal */
    }
    if (colon) {
        const char *d = colon + 1;
        if (!*d || strlen(d) > 5)
            return -1;
        for (; *d; d++) {
            if (*d < '0' || *d > '9')
                return -1;
            port = port * 10 + (*d - '0');
        }
        if (port < 1 || port > 65535)
            return -1;
    }
    if (hn >= outlen)
        return -1;
    memcpy(out, e, hn);
    out[hn] = '\0';
    return port;
}

bool tp_bypass_entry_match(const char *entry, const char *host, int port)
{
    if (!tp_bypass_entry_valid(entry) || !host || !*host)
        return false;
    if (strcmp(entry, "<local>") == 0)
        return strchr(host, '.') == NULL && strchr(host, ':') == NULL;
    if (strchr(entry, '/'))
        return tp_cidr_contains(entry, host);
    char pat[ENTRY_MAX + 1];
    int eport = entry_split_port(entry, pat, sizeof pat);
    if (eport < 0 || !pat[0])
        return false;
    if (eport && eport != port)
        return false;
    /* an address literal entry matches the same address however it is written */
    uint8_t a[16], b[16];
    int fa = tp_ip_parse(pat, a);
    if (fa && tp_ip_parse(host, b) == fa)
        return memcmp(a, b, (size_t)fa) == 0;
    return tp_glob_match(pat, host);
}

bool tp_bypass_match(char *const *entries, size_t n, const char *host, int port)
{
    for (size_t i = 0; i < n; i++)
        if (tp_bypass_entry_match(entries[i], host, port))
            return true;
    return false;
}
