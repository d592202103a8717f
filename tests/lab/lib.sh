# tests/lab/lib.sh — names and addresses shared by up, down and run-scenarios (sourced, not run).
# Everything the lab creates is named from LAB_PREFIX so that `down` can find it again even
# when `up` died half-way and left no state behind.

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(cd "$LAB_HERE/../.." && pwd)
LAB_PREFIX=${TLSPATH_LAB_PREFIX:-tlsp-}
# The state dir is read by squid running as user `proxy`: it must not live under a
# directory only root may enter (a checkout in /root is mode 0700 on Debian).
LAB_DIR=${TLSPATH_LAB_DIR:-/var/tmp/${LAB_PREFIX}lab}

NS_CLIENT=${LAB_PREFIX}client
NS_GW=${LAB_PREFIX}gw
NS_INET=${LAB_PREFIX}inet
LAB_NSES=("$NS_CLIENT" "$NS_GW" "$NS_INET")
# squid's -n service name must be alphanumeric; its /dev/shm segments start with it.
LAB_SQUID_BASE="$(printf '%s' "$LAB_PREFIX" | tr -cd 'a-zA-Z0-9')lab"

# --- addresses (10.237.0.0/16 exists only inside the lab namespaces) ---
CLIENT_IP=10.237.1.2        # client ⇄ gw link 10.237.1.0/24
CLIENT_IP2=10.237.1.3       # the client's second egress address (rejected towards the origins' :443)
GW_CLIENT_IP=10.237.1.1     # the gateway as the client sees it; squid listens here
GW_INET_IP=10.237.2.1       # gw ⇄ inet link 10.237.2.0/24
DNS_IP=10.237.2.2           # inet's link address; dnsmasq :53
DNS2_IP=10.237.2.3          # a second dnsmasq: unitedstates.cp.wd.microsoft.com → the blob address (split horizon)
ORIGIN_IP=10.237.100.10     # nginx HTTPS origins (SNI) — most names
BLOB_IP=10.237.100.20       # nginx: submission blob host
DIAG_IP=10.237.100.30       # nginx: diagnostics host
EDR_IP=10.237.100.40        # nginx: EDR host (reached through a CNAME)
CRL_IP=10.237.100.80        # crl.microsoft.com: HTTP, reachable directly and through proxies
CRL_BLOCKED_IP=10.237.100.81 # www.microsoft.com: HTTP, rejected for the client's direct traffic only
DROP_IP=10.237.100.66       # dropped by the gateway (connect timeout)
REJECT_IP=10.237.100.67     # rejected with a TCP reset by the gateway (connection refused)
NOTTLS_IP=10.237.100.50     # nginx speaks plain HTTP on :443 here
TLSRESET_IP=10.237.100.51   # TCP connects, then the gateway resets the first data segment (the ClientHello)
BLOCKPAGE_IP=10.237.100.99  # a DNS filter's block page (no server: only DNS answers name it)
UNROUTED_V6=fd37:100::10    # dualstack.cp.wd.microsoft.com's AAAA: no IPv6 route anywhere in the lab
LAB_SEARCH_DOMAIN=corp.lab.test # the client's resolv.conf search domain (WPAD walks up from it)
INET_LOCAL_IPS=("$ORIGIN_IP" "$BLOB_IP" "$DIAG_IP" "$EDR_IP" "$CRL_IP" "$CRL_BLOCKED_IP" "$DROP_IP" "$REJECT_IP"
                "$NOTTLS_IP" "$TLSRESET_IP")

PORT_PLAIN=3128             # squid: plain CONNECT
PORT_AUTH=3129              # squid: Basic auth (407 without credentials)
PORT_BUMP=3130              # squid: ssl-bump with the Corp Inspection CA (bypass list spliced)
PORT_DENY=3131              # squid: deny list (403)
PORT_LOOP=3132              # squid: denies and bumps everything but what an included `tlspath rules` file allows
PORT_DEAD=3199              # nothing listens here (the sensor path's dead proxy)
PORT_WAN=3228               # delay-relay.py in front of the plain squid (WAN latency for benches)
PORT_WAN_AUTH=3229          # delay-relay.py in front of the Basic-auth squid (the same, benches)
LAB_DELAY_MS=${TLSPATH_LAB_DELAY_MS:-40}

LAB_PROXY_USER=labuser

lab_log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
lab_ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
