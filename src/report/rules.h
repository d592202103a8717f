/* rules.h — what a network team pastes into its devices, built from the selected
 * catalog and (optionally) from what a run saw: allowlists, an inspection-bypass list,
 * squid ACLs, a PAC function, nftables address sets, a Palo Alto EDL, the anonymous
 * CRL/CTL hosts. Building is pure (no I/O); writing takes a FILE.
 *
 * A rule is a name ("*.wd.microsoft.com" or "crl.microsoft.com") with the ports the
 * endpoints behind it use and two facts: `bypass` (must not be TLS-inspected: a pinned
 * endpoint, or one whose catalog entry does not tolerate inspection) and `crl` (a
 * plain-HTTP CRL/CTL host the OS fetches as SYSTEM: it must be reachable anonymously).
 * Every name added is checked to be a DNS name (letters, digits, '-', '_', '.', and one
 * leading "*." for a wildcard), so nothing from a report can inject syntax into a
 * squid, PAC or nft file. */
#ifndef TLSPATH_RULES_H
#define TLSPATH_RULES_H
#include <stdio.h>

#include "core/model.h"

#define TP_RULE_MAX_PORTS 8

typedef enum tp_rules_format {
    TP_RULES_FQDN = 0, TP_RULES_SQUID, TP_RULES_PAC, TP_RULES_NFT, TP_RULES_PALOALTO,
    TP_RULES_BYPASS, TP_RULES_CRL
} tp_rules_format;

typedef struct tp_rule {
    char *name;              /* lower case; "*.suffix" for a wildcard */
    bool wildcard;
    int ports[TP_RULE_MAX_PORTS];
    size_t n_ports;
    bool bypass;             /* exclude from TLS inspection */
    bool crl;                /* plain-HTTP CRL/CTL host, anonymous access on port 80 */
    bool required;           /* some required endpoint stands behind it */
    char *cname_of;          /* non-NULL: a CNAME target a run observed for this host */
    tp_strlist endpoints;    /* ids of the endpoints the rule covers (or "CDP of ...") */
} tp_rule;

typedef struct tp_rule_addr {
    char *addr;              /* IPv4 or IPv6 text, validated */
    bool v6;
    int port;
    char *host;              /* the endpoint host it was resolved for */
} tp_rule_addr;

typedef struct tp_ruleset {
    tp_rule *rules;
    size_t n, cap;
    tp_rule_addr *addrs;
    size_t n_addrs, cap_addrs;
    char *origin;            /* one line: where the rules came from (catalog, report) */
    bool observed;           /* a run's observations were added (--from) */
    const struct tp_servicetags *tags; /* --service-tags (borrowed): nft also writes the
                                          Defender tags' prefixes */
} tp_ruleset;

/* Parses a --format word; -1 if unknown. */
int tp_rules_format_parse(const char *s);
const char *tp_rules_format_name(tp_rules_format f);

/* True when a DNS name (or "*.suffix" wildcard, if allowed) is well formed. */
bool tp_rules_name_ok(const char *name, bool allow_wildcard);

/* True when rule (a name or "*.suffix") covers host: equal, or host is a subdomain of
 * the wildcard's suffix (any depth, as squid's ".suffix" and PAC's dnsDomainIs). */
bool tp_rule_covers(const char *rule, const char *host);

/* Adds the rules an endpoint needs (its wildcard, and its host unless the wildcard
 * covers it), merging into existing ones. Returns 0, 1 when the endpoint has no usable
 * name (an IPv6 literal: skipped), -1 on allocation failure. */
int tp_rules_add_endpoint(tp_ruleset *rs, const tp_endpoint *e);

/* A CNAME target observed for endpoint e: added as its own rule (bypass / crl as e's
 * rule) unless an existing rule already covers it. Malformed names are ignored (they
 * came from the network): returns 1 then, 0 when added or covered, -1 on OOM. */
int tp_rules_add_cname(tp_ruleset *rs, const char *target, const tp_endpoint *e);

/* An address the run resolved for e's host (deduplicated by address and port).
 * Returns 0, 1 when the text is not an IP address (ignored), -1 on OOM. */
int tp_rules_add_address(tp_ruleset *rs, const char *addr, const tp_endpoint *e);

/* A CRL distribution point URL a run fetched (from a certificate's CDP): its host, if
 * plain HTTP, becomes a crl rule on its port. Returns 0, 1 if ignored, -1 on OOM. */
int tp_rules_add_crl_url(tp_ruleset *rs, const char *url, const char *for_host);

/* Sorts rules by name (wildcards by their suffix) so output is stable. */
void tp_rules_sort(tp_ruleset *rs);

void tp_ruleset_free(tp_ruleset *rs);

/* Writes the rule set in a format. `proxy` ("host:port") is required for PAC and
 * ignored otherwise. Returns 0, or -1 (err filled: a missing proxy, a write error). */
int tp_rules_write(const tp_ruleset *rs, tp_rules_format f, const char *proxy, FILE *out, char *err,
                   size_t errlen);

/* Adds what a run saw, from a JSON report's text (tlspath run --format json): for each
 * result whose endpoint id is one of eps[], its dns.cnames (as CNAME rules), its
 * dns.addresses and the CRL URLs it fetched. `file` names the report in messages.
 * *matched counts the results that belonged to eps[]. Returns 0, or -1 (err filled:
 * not JSON, not a tlspath report). */
int tp_rules_observe_report(tp_ruleset *rs, const char *text, size_t len, const char *file,
                            const tp_endpoint *const *eps, size_t n_eps, size_t *matched, char *err,
                            size_t errlen);
#endif
