/* cli_help.c — the --help text of every command (tp_cli_help, cli.h). Kept apart from
 * the parser (cli.c) so that the words a user reads and the rules that parse the options
 * can each be read, and changed, on their own. */
#include "app/cli.h"

#ifndef TLSPATH_DEFAULT_CONFIG
#define TLSPATH_DEFAULT_CONFIG "/etc/tlspath/config.json"   /* as in cli.c */
#endif

static const char HELP_TOP[] =
    "tlspath " TLSPATH_VERSION " - proxy and TLS path tester for Microsoft Defender for Endpoint\n"
    "\n"
    "Usage:\n"
    "  tlspath run      [options]            probe every endpoint on every path and report\n"
    "  tlspath catalog  list [options]       show the endpoint catalog\n"
    "  tlspath catalog  import --csv FILE    convert Microsoft's URL spreadsheet (CSV) to a catalog\n"
    "  tlspath catalog  diff A B             what changed between two catalogs (builtin:mde or files)\n"
    "  tlspath pins     learn --path ID --output FILE   record the CA keys a run sees as a pin set\n"
    "  tlspath rules    --format F [options] allowlists, squid/PAC/nft/EDL rules, bypass and CRL lists\n"
    "  tlspath paths    import [options]     a device's proxy settings (netsh, .reg, mdatp, env) as paths\n"
    "  tlspath serve    [options]            run on a schedule; serve /metrics, reports, history\n"
    "  tlspath version                       print the version\n"
    "  tlspath help [COMMAND]                help for a command (or COMMAND --help)\n"
    "\n"
    "With no options, `tlspath run` tests the built-in MDE catalog directly with the\n"
    "system resolver and prints a table.\n"
    "\n"
    "Exit status: 0 every required endpoint passed on every path, 1 at least one did not,\n"
    "2 usage or configuration error, 130 interrupted (a partial report is still written,\n"
    "marked incomplete), 141 stdout's reader went away (`| head`).\n";

static const char HELP_RUN[] =
    "Usage: tlspath run [options]\n"
    "\n"
    "Resolve, connect, handshake TLS and send one HTTP request to every selected endpoint\n"
    "on every path, concurrently; judge trust, pinning, interception and revocation; report.\n"
    "\n"
    "Input:\n"
    "  -c, --config FILE      run configuration (JSON; see docs/config.md); without it,\n"
    "                         " TLSPATH_DEFAULT_CONFIG " if it exists\n"
    "  --catalog FILE         endpoint catalog (repeatable; replaces the config's catalogs;\n"
    "                         \"builtin:mde\" is the catalog compiled into tlspath)\n"
    "  -p, --path SPEC        a network path (repeatable; replaces the config's paths):\n"
    "                           [ID=]direct  or  [ID=]http://[user[:pass]@]host:port\n"
    "                         unnamed paths are called direct, proxy1, proxy2, ...; a user\n"
    "                         without a password takes TLSPATH_PROXY_PASSWORD from the\n"
    "                         environment (TLSPATH_PROXY_USER supplies the user)\n"
    "  --resolver IP[:PORT]   DNS server to use instead of the system resolver (repeatable)\n"
    "  --cacert FILE          add a trusted CA file (PEM) to the store (repeatable)\n"
    "  --pac URL|FILE         a path \"pac\": each endpoint goes where this PAC script says\n"
    "                         (counts as a --path; see docs/paths.md)\n"
    "  --wpad                 a path \"wpad\": the PAC found by WPAD under the search domains\n"
    "                         of /etc/resolv.conf (--wpad-domain DOMAIN: under DOMAIN instead)\n"
    "  --expect-public        a private answer (RFC 1918, ULA) for a catalog name is a warning\n"
    "  --service-tags FILE    Azure service tags JSON: report which Defender tags contain each\n"
    "                         resolved address\n"
    "  --crl-via PATH         fetch CRLs through PATH (a path id, or \"direct\") for every\n"
    "                         proxy path that names none: \"direct\" models a device with no\n"
    "                         system-wide WinHTTP proxy (by default a proxy path's CRLs go\n"
    "                         through the same proxy, anonymously)\n"
    "Selection:\n"
    "  --cloud NAME           commercial (default), gcc, gcc-high or dod\n"
    "  --service NAME         only this service (repeatable): maps update adl submission crl\n"
    "                         diagnostics edr mma smartscreen defender-core live-response\n"
    "                         vm-scanner reflector security-management\n"
    "  --geo CODE             only this geography (repeatable; WW endpoints are always kept)\n"
    "  --os NAME              only endpoints for this OS (windows, macos, linux)\n"
    "  --onboarding MODE      only endpoints for this onboarding (standard, streamlined)\n"
    "  --required-only        skip optional and conditional endpoints\n"
    "  --mma-workspace ID     your Log Analytics workspace id: probe the MMA hosts (skipped\n"
    "                         with a reason otherwise)\n"
    "  --onboarding-package FILE  select what the device with this onboarding package needs:\n"
    "                         cloud, geography and mode from WindowsDefenderATPOnboardingScript.cmd,\n"
    "                         MicrosoftDefenderATPOnboardingLinuxServer.py or mdatp_onboard.json\n"
    "Output:\n"
    "  -f, --format F         table|json|junit|prom|html (repeatable; default table)\n"
    "  -o, --output FILE|-    where the one non-table format goes (- = stdout)\n"
    "  --output-dir DIR       write every non-table format into DIR (tlspath-report.json,\n"
    "                         tlspath-report.junit.xml, tlspath.prom, tlspath-report.html)\n"
    "  --no-color             no ANSI colours (also when NO_COLOR is set or not a terminal)\n"
    "  -q, --quiet            no progress line and no table\n"
    "  --details              after the table, one block per failed or warned probe (phase,\n"
    "                         code, message, Windows error, remediation); by default the\n"
    "                         table starts with the action list (what to change, where)\n"
    "  -v, --verbose          on stderr, each phase of each probe and CRL fetch as it ends\n"
    "                         (DNS answer, TCP peer, CONNECT reply, TLS version/cipher/chain,\n"
    "                         HTTP status, outcome); never credentials\n"
    "  --export-chain DIR     write the certificate chain each probe saw as PEM:\n"
    "                         DIR/ENDPOINT@PATH.pem, leaf first\n"
    "  --site NAME            the egress site this run is made from: a label on every\n"
    "                         Prometheus series and \"site\" in the JSON report\n"
    "Limits:\n"
    "  --concurrency N        probes in flight at once (default 128)\n"
    "  --client-profile NAME  the ClientHello to imitate: windows (Schannel, default) or openssl\n"
    "                         (the macOS / Linux agent)\n"
    "  --timeout MS           deadline for each probe as a whole (default 30000); phase\n"
    "                         deadlines come from the config and never exceed it\n"
    "  --dry-run              load and validate everything, print the plan, probe nothing\n"
    "  -h, --help             this text\n"
    "History (see docs/config.md \"history\"):\n"
    "  --state-dir DIR        record every run in DIR/history.db (DIR is created 0700) and\n"
    "                         report what changed since the previous run: newly failing,\n"
    "                         recovered, changed cause\n"
    "  --keep-runs N          keep the newest N runs (default 2000; 0 = no limit)\n"
    "  --keep-days D          keep runs of the last D days (default 90; 0 = no limit)\n"
    "  --fail-on WHAT         any (default): exit 1 when a required endpoint fails;\n"
    "                         regression: exit 1 only when a required endpoint is newly\n"
    "                         failing or fails for a new cause (needs --state-dir)\n"
    "  --on-change CMD        when something changed, run CMD with /bin/sh, the changes as\n"
    "                         JSON on stdin (at most 30 s; its failure is a warning)\n";

static const char HELP_CATALOG[] =
    "Usage: tlspath catalog list [--catalog FILE]... [--cloud NAME] [--service NAME]...\n"
    "                            [--geo CODE]... [--os NAME] [--onboarding MODE]\n"
    "                            [--onboarding-package FILE] [--required-only]\n"
    "                            [-f|--format table|json]\n"
    "       tlspath catalog import --csv FILE [-o|--output FILE] [--onboarding MODE]\n"
    "       tlspath catalog diff A B [--format table|json] [--cloud NAME] [--onboarding MODE]\n"
    "                            [--geo CODE]... [--os NAME] [--service NAME]...\n"
    "                            (A, B: builtin:mde or a file; exit 0 same, 1 different)\n"
    "\n"
    "list    prints the endpoints (the built-in catalog unless --catalog is given).\n"
    "import  converts Microsoft's URL spreadsheet, saved as CSV, into a catalog. Columns are\n"
    "        found by header name in any order; wildcard rows are kept and flagged.\n"
    "        Rows it cannot map are reported per line on stderr and skipped (exit 0 with\n"
    "        warnings; exit 2 only when no row is usable).\n"
    "diff    added, removed and changed endpoints (matched by id, else by URL).\n";

static const char HELP_PINS[] =
    "Usage: tlspath pins learn --path ID|SPEC --output FILE [--config FILE] [run options]\n"
    "\n"
    "Probes the selection over one path (run it from a trusted vantage point) and writes\n"
    "the SPKI hashes of the CA certificates of every chain that verified, per pin set, as\n"
    "{\"tls\": {\"pinsets\": {...}}}: a config file (--config) or a block to paste into one.\n";

static const char HELP_RULES[] =
    "Usage: tlspath rules --format F [--config FILE] [--catalog FILE]... [--service NAME]...\n"
    "                     [--geo CODE]... [--cloud NAME] [--os NAME] [--onboarding MODE]\n"
    "                     [--required-only]\n"
    "                     [--from REPORT.json] [--proxy HOST:PORT] [--service-tags FILE]\n"
    "                     [--output FILE|-]\n"
    "\n"
    "Writes what a network team pastes into its devices for the selected endpoints (the\n"
    "selection flags mean what they mean for `run`). See docs/rules.md.\n"
    "  --format F             fqdn      allowlist, one name or wildcard a line\n"
    "                         squid     dstdomain ACLs + http_access + ssl_bump splice\n"
    "                         pac       FindProxyForURL: the endpoints via --proxy, else DIRECT\n"
    "                         nft       nftables sets of the addresses a run resolved (--from),\n"
    "                                   and of the Defender service tags' prefixes (--service-tags)\n"
    "                         paloalto  URL-list EDL text (\"*.suffix/\", \"host/\")\n"
    "                         bypass    names to exclude from TLS inspection\n"
    "                         crl       plain-HTTP CRL/CTL hosts that must be reachable anonymously\n"
    "  --from REPORT.json     add what a run saw: CNAME targets a name rule would miss, the\n"
    "                         resolved addresses, the CRL hosts the certificates named\n"
    "  --proxy HOST:PORT      the proxy a PAC file sends the endpoints through\n"
    "  --output FILE|-        where to write (default stdout)\n";
static const char HELP_SERVE[] =
    "Usage: tlspath serve [run's input, selection and limit options] [options]\n"
    "\n"
    "Run the plan every --interval in one long-lived process (never two runs at once) and\n"
    "serve the results over HTTP: /metrics (Prometheus), /healthz, /report.json and\n"
    "/report.html (the latest run), /history.json and / (a timeline per endpoint x path).\n"
    "SIGTERM or SIGINT cancels the run in progress and exits 0; SIGHUP reloads the\n"
    "configuration (a bad one is refused, the old one kept, the reason logged to stderr).\n"
    "\n"
    "Takes run's --config, --catalog, --path, --resolver, --cacert, --crl-via, --cloud,\n"
    "--service, --geo, --os, --onboarding, --onboarding-package, --mma-workspace,\n"
    "--required-only, --concurrency, --client-profile, --timeout, --state-dir, --keep-runs\n"
    "and --keep-days\n"
    "(see `tlspath run --help`), and:\n"
    "  --listen ADDR:PORT     where to listen (default 127.0.0.1:9810; IP literals only,\n"
    "                         [::1]:PORT for IPv6); anything but loopback needs --token-file\n"
    "  --token-file FILE      bearer token (the file's first line): every request but\n"
    "                         /healthz must send `Authorization: Bearer TOKEN`, else 401\n"
    "  --interval DURATION    time between run starts (default 5m); DURATION is a number\n"
    "                         with ms, s, m or h (no unit = seconds), from 10ms to 7d\n"
    "  --jitter DURATION      each run starts a random 0..DURATION later (default interval/10)\n"
    "  --site NAME            the site label on every metric and in the reports (overrides\n"
    "                         the config's \"site\")\n"
    "  --state-dir DIR        keep the history of runs in DIR/history.db (SQLite; it survives\n"
    "                         restarts and the reports carry the changes); default: in memory\n"
    "  --history N            runs shown by /history.json and / (default 100)\n"
    "  --max-runs N           exit 0 after N runs (tests, soak benchmarks)\n"
    "\n"
    "Exit status: 0 stopped by a signal (or --max-runs), 2 usage or configuration error\n"
    "(including a non-loopback --listen without --token-file, or a port in use).\n";

static const char HELP_VERSION[] = "Usage: tlspath version\n";

const char *tp_cli_help(tp_cmd cmd)
{
    switch (cmd) {
    case TP_CMD_RUN: return HELP_RUN;
    case TP_CMD_CATALOG_LIST:
    case TP_CMD_CATALOG_IMPORT: return HELP_CATALOG;
    case TP_CMD_CATALOG_DIFF: return HELP_CATALOG;
    case TP_CMD_PINS_LEARN: return HELP_PINS;
    case TP_CMD_VERSION: return HELP_VERSION;
    case TP_CMD_RULES: return HELP_RULES;
    case TP_CMD_SERVE: return HELP_SERVE;
    default: return HELP_TOP;
    }
}
