/*
 * model.h — the data that flows one way through tlspath:
 *
 * Outcome codes (error_code) are tp_outcome values from the one table in core/outcome.def.
 *
 *   config + catalogs ──► plan (results[], one per endpoint × path)
 *     ──► engine fills the network facts (dns, connect, proxy, tls, http)
 *     ──► engine fetches CRLs (tp_fetch) ──► verdict fills the judgements
 *     ──► report sinks read everything, change nothing.
 *
 * Every string here is owned by the struct that holds it (heap, freed by the
 * matching *_free function) unless the comment says "borrowed".
 * Secrets (tp_path.password) must never be printed by anyone.
 */
#ifndef TLSPATH_MODEL_H
#define TLSPATH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/secret.h"
#include "base/str.h"
#include "core/outcome.h"

/* ---------- catalog ---------- */

#define TP_MAX_EXPECT_STATUS 8

enum { TP_REQ_REQUIRED = 0, TP_REQ_OPTIONAL = 1, TP_REQ_CONDITIONAL = 2 };

typedef struct tp_endpoint {
    char *id;            /* unique within the loaded catalogs, e.g. "maps-cp-us" */
    char *service;       /* maps | update | adl | submission | crl | diagnostics | edr | mma | ... */
    char *url;           /* as written in the catalog */
    char *scheme;        /* "https" or "http" (parsed from url) */
    char *host;          /* lower-case host name (parsed from url) */
    int port;            /* explicit or scheme default */
    char *path;          /* path + query, at least "/" */
    char *method;        /* "GET" (default) or "HEAD" */
    bool required;       /* counts toward the exit status (requirement == TP_REQ_REQUIRED) */
    int requirement;     /* TP_REQ_REQUIRED, TP_REQ_OPTIONAL or TP_REQ_CONDITIONAL */
    char *condition;     /* when a conditional endpoint is needed (Microsoft's words), or NULL */
    tp_strlist clouds;   /* commercial, gcc, gcc-high, dod; empty = every cloud */
    bool direct_only;    /* Microsoft: cannot be used through a proxy (WNS) */
    char *placeholder;   /* tenant value the host's first label stands for ("mma_workspace") */
    char *geography;     /* WW, US, EU, UK, AU, AEC, AEN, ... */
    tp_strlist os;       /* windows, macos, linux, ... */
    tp_strlist onboarding; /* standard, streamlined */
    char *pinset;        /* pin set name or NULL */
    bool inspection_allowed;
    int expect_status[TP_MAX_EXPECT_STATUS]; /* healthy statuses; n==0 means any 1xx-4xx answer */
    size_t n_expect_status;
    char *wildcard;      /* e.g. "*.wd.microsoft.com" or NULL */
    char *source;        /* where the fact came from */
    char *description;   /* optional human text */
} tp_endpoint;

typedef struct tp_catalog {
    char *file;          /* where it was loaded from ("<built-in>" allowed) */
    char *name;
    char *source;
    char *version;       /* optional: the catalog's version and date (built-in: always set) */
    char *date;
    tp_endpoint *endpoints;
    size_t n;
} tp_catalog;

void tp_endpoint_free(tp_endpoint *e);   /* frees members, not e itself */
void tp_catalog_free(tp_catalog *c);     /* frees members, not c itself */

/* ---------- configuration ---------- */

typedef enum tp_path_type { TP_PATH_DIRECT = 0, TP_PATH_HTTP = 1, TP_PATH_PAC = 2 } tp_path_type;
/* Which addresses of a name a path connects to (docs/paths.md "Each egress"). */
typedef enum tp_family { TP_FAM_ANY = 0, TP_FAM_V4, TP_FAM_V6, TP_FAM_BOTH } tp_family;

typedef struct tp_path {
    char *id;
    tp_path_type type;
    char *proxy_host;    /* HTTP proxy host (no credentials), NULL for direct */
    int proxy_port;
    char *username;      /* Basic credentials, or NULL */
    tp_secret *password; /* SECRET: never printed, logged or reported; tp_secret_free */
    bool expect_inspection;
    char *crl_via;       /* path id through which CRLs are fetched; NULL = this path */
    char *fallback;      /* path id used when the proxy cannot be reached; NULL = none */
    tp_strlist ca_files; /* extra trust anchors for this path (PEM files) */
    /* issue 14: how a device really gets out (docs/paths.md) */
    tp_strlist bypass;   /* host patterns that go direct instead (base/hostmatch.h) */
    char *pac;           /* TP_PATH_PAC: the PAC script's http:// URL or file name */
    char *source;        /* local address to bind, or NULL */
    char *interface;     /* network device to bind (SO_BINDTODEVICE), or NULL */
    tp_family family;
} tp_path;

typedef struct tp_pinset {
    char *name;
    uint8_t (*spki)[32]; /* SHA-256 of SubjectPublicKeyInfo DER */
    size_t n;
} tp_pinset;

/* Client TLS profiles (net/tlsprofile.c holds their orderings): the device whose
 * ClientHello the probes imitate. */
#define TP_CLIENT_PROFILE_WINDOWS 0   /* Windows 10/11 Schannel (default) */
#define TP_CLIENT_PROFILE_OPENSSL 1   /* OpenSSL / libcurl: the macOS and Linux agents */

typedef struct tp_limits {
    int concurrency;          /* default 128 */
    int per_proxy;            /* connections to one proxy at once, default 64 */
    int dns_ms, connect_ms, proxy_ms, tls_ms, http_ms, crl_ms, total_ms;
    size_t crl_max_bytes;     /* default 32 MiB */
    size_t crl_budget_bytes;  /* CRL bytes held and in flight at once, default 128 MiB */
    size_t header_max_bytes;  /* default 16 KiB */
    size_t body_max_bytes;    /* kept of an endpoint's HTTP body, default 64 KiB */
} tp_limits;

typedef struct tp_select {
    tp_strlist services;     /* empty = all */
    tp_strlist geography;    /* empty = all */
    char *os;                /* NULL = all */
    char *onboarding;        /* NULL = all */
    bool include_optional;   /* default true */
    char *cloud;             /* commercial (default when NULL), gcc, gcc-high, dod */
    char *mma_workspace;     /* Log Analytics workspace id for MMA placeholder hosts, or NULL */
} tp_select;

/* History and regressions (store/history.h): off unless state_dir is set. */
typedef enum tp_fail_on { TP_FAIL_ON_ANY = 0, TP_FAIL_ON_REGRESSION } tp_fail_on;
typedef struct tp_history_cfg {
    char *state_dir;         /* the history lives in STATE_DIR/history.db; NULL = no history */
    int keep_runs;           /* retention by count (default 2000), 0 = unlimited */
    int keep_days;           /* retention by age (default 90), 0 = unlimited */
    tp_fail_on fail_on;      /* what makes the exit status 1 */
    char *on_change;         /* /bin/sh command fed the changes as JSON, or NULL */
} tp_history_cfg;

typedef struct tp_config {
    char *file;              /* the config file loaded, or NULL for built-in defaults */
    tp_strlist catalogs;     /* catalog files; empty = built-in catalog */
    tp_select select;
    tp_strlist resolvers;    /* "ip" or "ip:port" / "[v6]:port"; empty = system resolver */
    tp_path *paths;
    size_t n_paths;
    tp_strlist ca_files;     /* extra trust anchors for every path */
    bool system_ca;          /* load the system bundle (default true) */
    int client_profile;      /* the ClientHello's shape: TP_CLIENT_PROFILE_* (tls.client_profile) */
    tp_pinset *pinsets;      /* built-in "microsoft" set merged with config sets */
    size_t n_pinsets;
    tp_limits limits;
    tp_strlist formats;      /* table json junit prom html */
    char *output;            /* file or "-" for the (single) non-table format */
    char *output_dir;
    bool no_color, quiet, dry_run;
    struct {                 /* "dns" (issue 14): how answers are judged */
        tp_strlist block_pages;  /* addresses a DNS filter answers for blocked names */
        bool expect_public;      /* private answers for the catalog's names are a warning */
        char *service_tags;      /* Azure service tags file: tags of each address, or NULL */
    } dns;
    tp_history_cfg history;
    bool details;            /* table: per-probe blocks after the summary (--details) */
    char *site;              /* the egress site this instance tests from (a label in reports), or NULL */
} tp_config;

/* A configured path with its references resolved, once, by the plan (plan/plan.h): nothing
 * downstream looks a path up by name. */
typedef struct tp_route {
    const tp_path *path;             /* cfg->paths[i], or the plan's built-in "direct" */
    const tp_path *anon;             /* the same path without credentials: CRLs are fetched
                                        anonymously, as the OS does as SYSTEM */
    const struct tp_route *fallback; /* where a probe goes when the proxy cannot be reached;
                                        NULL = nowhere */
    const struct tp_route *crl_via;  /* where this path's CRLs go (through crl_via->anon);
                                        NULL = the route the probe really used */
    bool crl_via_unknown;            /* path->crl_via names no path: CRLs cannot be fetched */
    bool chain;                      /* a PAC answer's list: its fallbacks are followed however
                                        deep (a configured fallback is followed once) */
} tp_route;

void tp_config_free(tp_config *c);       /* frees members, not c itself */
const tp_path *tp_config_find_path(const tp_config *c, const char *id);
const tp_pinset *tp_config_find_pinset(const tp_config *c, const char *name);

/* ---------- results ---------- */

typedef enum tp_status { TP_ST_OK = 0, TP_ST_WARN, TP_ST_FAIL, TP_ST_SKIPPED } tp_status;

typedef enum tp_phase {
    TP_PH_DNS = 0, TP_PH_CONNECT, TP_PH_PROXY, TP_PH_TLS, TP_PH_HTTP,
    TP_PH_VERIFY, TP_PH_REVOCATION, TP_PH_DONE
} tp_phase;

typedef enum tp_revocation {
    TP_REV_NOT_CHECKED = 0, TP_REV_GOOD, TP_REV_REVOKED, TP_REV_UNKNOWN, TP_REV_UNREACHABLE
} tp_revocation;

const char *tp_status_name(tp_status s);       /* "ok" ... */
const char *tp_phase_name(tp_phase p);         /* "dns" ... */
const char *tp_revocation_name(tp_revocation r);

typedef struct tp_cert_info {
    char *subject;       /* RFC 4514-ish, as mbedtls_x509_dn_gets prints it */
    char *issuer;
    char *serial;        /* hex, colon-free, upper-case */
    char *not_before;    /* RFC 3339 UTC */
    char *not_after;
    char spki_sha256[45];/* base64 of SHA-256(SubjectPublicKeyInfo), NUL-terminated */
    uint8_t spki_raw[32];
    bool is_ca;
    bool self_signed;
    tp_strlist crl_urls; /* CRL Distribution Points (URIs) */
    tp_strlist ocsp_urls;/* AIA OCSP */
    tp_strlist ca_issuers; /* AIA caIssuers */
    uint8_t *der;        /* the certificate as presented */
    size_t der_len;
} tp_cert_info;

typedef struct tp_crl_ref {
    char *url;
    char *path;          /* path id the CRL was fetched through */
    int http_status;     /* 0 = no HTTP answer */
    bool fetched;        /* a body was received and kept */
    char *error;         /* why not, or why it did not count (NULL if fine): an outcome name
                            (core/outcome.def) or http_<status> */
} tp_crl_ref;

typedef struct tp_timings {
    /* milliseconds; < 0 means the phase was not reached */
    double dns, connect, proxy, tls, http, revocation, total;
} tp_timings;

typedef struct tp_result {
    const tp_endpoint *ep;   /* borrowed */
    const tp_path *path;     /* borrowed: the configured path */
    const tp_path *used_path;/* borrowed: the path actually used (fallback), == path normally */
    const tp_route *route;   /* borrowed: the plan's resolution of path (fallback, crl_via) */

    tp_status status;
    tp_phase phase;          /* last phase reached */
    tp_outcome error_code;   /* TP_OC_NONE or a row of core/outcome.def (dns_nxdomain, ...) */
    char *error_message;     /* human text; never contains secrets */
    tp_timings t;

    /* dns */
    tp_strlist addresses;
    tp_strlist cnames;
    char *resolver;          /* "system" or "ip:port" */
    char *connected_address; /* the address (endpoint or proxy) the TCP connection reached */

    /* proxy */
    int proxy_status;        /* CONNECT reply status, 0 if none */
    tp_strlist proxy_auth_schemes; /* from Proxy-Authenticate on 407 */

    /* http */
    int http_status;         /* 0 = no HTTP answer */
    bool http_status_ok;     /* http_status is one of the endpoint's expect_status */

    /* tls (valid when tls_done) */
    bool tls_done;
    char *tls_version;
    char *tls_cipher;
    char *tls_group;         /* key exchange group seen in the ServerKeyExchange ("x25519"), or NULL */
    char *tls_sigalg;        /* its signature algorithm ("rsa_pkcs1_sha256"), or NULL */
    tp_cert_info *chain;     /* as presented, leaf first */
    size_t chain_len;
    bool chain_shared;       /* chain is a tp_chain_new() block shared with other results
                                (reference counted: tp_result_free drops one reference) */
    uint32_t verify_flags;   /* mbedtls_ssl_get_verify_result() */
    bool trusted;            /* chain anchors in the configured CA store */
    bool hostname_ok;
    bool expired;            /* some certificate out of its validity period */

    /* verdicts (verdict.c) */
    bool pin_checked;        /* endpoint had a pinset and a chain was seen */
    bool pin_matched;
    bool interception_detected;
    char *interception_issuer; /* "CN=..., O=..." of the re-signing CA */
    tp_revocation revocation;
    char *revocation_reason;
    tp_crl_ref *crls;
    size_t n_crls;
    bool ssloptions_pass[4]; /* index = SSLOptions value 0..3 */
    bool ssloptions_set;
    char *windows_error;     /* "0x80072F8F" or NULL */
    char *remediation;       /* one line or NULL */

    /* how this endpoint left the path's proxy (issue 14, docs/paths.md) */
    bool bypassed;           /* the path's bypass list sent it direct */
    char *pac_answer;        /* what the path's PAC answered for it (owned), or NULL */
    char *addr_tags;         /* --service-tags: per address "ADDR=TAG,TAG" joined by ';' (owned) */
    char *dns_split;         /* several resolvers answered differently: "SERVER=a,b;SERVER=!code"
                                (owned; app/dnscompare.h) */
} tp_result;

void tp_cert_info_free(tp_cert_info *c);   /* members only */
/* "windows" / "openssl" -> TP_CLIENT_PROFILE_*, or -1. */
int tp_client_profile_parse(const char *name);
/* A chain of n certificates that several results can share (10,000 probes usually see a
 * handful of chains): zeroed, one reference. tp_chain_ref adds one; tp_chain_unref drops
 * one and frees the certificates and the block with the last. Not thread-safe (the loop's). */
tp_cert_info *tp_chain_new(size_t n);
tp_cert_info *tp_chain_ref(tp_cert_info *chain);
void tp_chain_unref(tp_cert_info *chain);
void tp_result_free(tp_result *r);         /* members only; borrowed pointers untouched */
/* The probe went through a fallback (a configured path's, or a later entry of a PAC's
 * answer) rather than the route the plan chose for it. */
bool tp_result_fell_back(const tp_result *r);

/* What changed since the previous recorded run (core/changes.h); filled by the history. */
typedef struct tp_changes tp_changes;

/* A run: the plan (results) plus when it happened. */
/* The CRL stage of a run (net/crlbudget.c fills it): the memory budget and how it went. */
typedef struct tp_crl_stats {
    size_t fetches;          /* CRL fetches (one per URL and route) */
    size_t budget_bytes;     /* limits.crl_budget_bytes as the run used it */
    size_t bytes_now, bodies_now, waiting_now; /* live counts while the run goes */
    size_t bytes_peak;       /* most body bytes reserved + held at once */
    size_t bodies_peak;      /* most bodies reserved or held at once */
    size_t waited;           /* fetches that waited at their head for the budget */
    double wait_ms_max;      /* the longest such wait */
    size_t judged;           /* CRLs judged on the thread pool */
    size_t timeouts;         /* judgements stopped by the CRL deadline */
} tp_crl_stats;

typedef struct tp_run {
    const tp_config *cfg;    /* borrowed */
    tp_catalog *catalogs;    /* borrowed */
    size_t n_catalogs;
    tp_result *results;
    size_t n_results;
    int64_t started_at_ms;   /* unix epoch milliseconds */
    int64_t finished_at_ms;
    tp_strlist warnings;     /* run-level notes for the reader (e.g. an expired trust anchor) */
    bool interrupted;        /* SIGINT/SIGTERM ended the run early: it cannot pass */
    tp_changes *changes;     /* NULL when no history is kept; owned (tp_changes_free) */
    struct tp_route_store *routes; /* routes made for this run's results (a PAC's answers);
                                      owned, tp_route_store_free (plan/pacroute.h) */
    tp_crl_stats crl;        /* the CRL stage's budget figures (zero when it fetched nothing) */
} tp_run;

/* Summary counts used by every sink. */
typedef struct tp_summary {
    size_t probes, ok, warn, fail, skipped, required_failed;
    bool interrupted;        /* copied from the run */
    bool pass;               /* no required failure and not interrupted */
} tp_summary;
void tp_run_summary(const tp_run *run, tp_summary *s);
/* "pass", "fail", or "incomplete" for an interrupted run (whatever it had seen so far:
 * an interrupted run is never reported as passed). */
const char *tp_summary_verdict(const tp_summary *s);

/* Per path: did any probe through it observe interception? */
bool tp_run_path_inspection_observed(const tp_run *run, const tp_path *p);

#endif
