#!/usr/bin/env python3
"""tests/lab/scenarios.py BIN — end-to-end scenarios for tlspath in the lab (python3 stdlib only).

Runs BIN inside the lab's client namespace with the configs `tests/lab/up` generated, loads
the JSON reports and asserts status, phase and error code per (endpoint, path). One line per
case ("PASS name: detail" / "FAIL name: detail"), then "N passed, M failed"; exit 1 if M > 0.
Engine-level cases (dns, connect, proxy, tls handshake, http) come first, verdicts after.

Options: --lab-dir DIR (default $TLSPATH_LAB_DIR or /var/tmp/<prefix>lab), --reports DIR (where the
reports, stdout and stderr of each run are kept; default tests/lab/reports), -k SUBSTRING
(only cases whose name contains it), -v (print the offending result on failure).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from changes import LoopRun, build_change_cases, build_loop_cases  # noqa: E402  (issue 13 cases)
import serve_lab  # noqa: E402  (tlspath serve + a real Prometheus)

# The lab catalog's healthy endpoints and the HTTP status each one answers.
HEALTHY = {
    "maps-cp-us": 404,
    "maps-cp-eu-bypass": 404,
    "edr-cus": 200,
    "submission-blob-us": 400,
    "diag-settings": 200,
    "crl-root": 200,
}
HTTPS_HEALTHY = [e for e in HEALTHY if e != "crl-root"]
CORP_CA_CN = "Contoso Corp Inspection CA"
LAB_INTER_CN = "Lab Microsoft Secure Server CA 2011"


class Fail(Exception):
    pass


# ----------------------------------------------------------------------------- runs

class Run:
    """One tlspath invocation inside the client namespace."""

    def __init__(self, name, args, env_extra=None, timeout=120):
        self.name, self.args, self.env_extra, self.timeout = name, args, env_extra or {}, timeout
        self.rc = None
        self.stdout = self.stderr = ""
        self.report = None
        self.report_text = ""
        self.error = None
        self.seconds = None

    def start(self, lab, binary, reports):
        self.out = os.path.join(reports, f"{self.name}.json")
        if os.path.exists(self.out):
            os.unlink(self.out)
        cmd = ["ip", "netns", "exec", lab["NS_CLIENT"], binary, "run"] + self.args + \
              ["--format", "json", "--output", self.out]
        env = dict(os.environ)
        env.update(self.env_extra)
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=self.timeout)
            self.rc = p.returncode
            self.stdout = p.stdout.decode("utf-8", "replace")
            self.stderr = p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            self.error = f"timed out after {self.timeout} s"
            self.stdout = (e.stdout or b"").decode("utf-8", "replace")
            self.stderr = (e.stderr or b"").decode("utf-8", "replace")
        except OSError as e:
            self.error = f"could not run: {e}"
        self.seconds = time.monotonic() - t0
        for suffix, text in ((".stdout", self.stdout), (".stderr", self.stderr)):
            with open(self.out + suffix, "w") as f:
                f.write(text)
        if self.error is None:
            try:
                with open(self.out) as f:
                    self.report_text = f.read()
                self.report = json.loads(self.report_text)
            except FileNotFoundError:
                self.error = f"no report written (rc={self.rc})"
                if self.rc is not None and self.rc < 0:
                    try:
                        sig = signal.Signals(-self.rc).name
                    except ValueError:
                        sig = str(-self.rc)
                    self.error = f"no report written: killed by {sig}"
            except ValueError as e:
                self.error = f"report is not JSON: {e}"

    def why_missing(self):
        tail = " | ".join(self.stderr.strip().splitlines()[-3:])
        return f"run {self.name}: {self.error}" + (f"; stderr: {tail[:300]}" if tail else "")

    def need(self):
        if self.report is None:
            raise Fail(self.why_missing())
        return self.report

    def result(self, ep, path):
        rep = self.need()
        for r in rep.get("results") or []:
            if (r.get("endpoint") or {}).get("id") == ep and r.get("path") == path:
                return r
        raise Fail(f"run {self.name}: no result for {ep}@{path}")


def brief(r):
    """A one-line summary of a result for failure messages."""
    err = r.get("error") or {}
    http = r.get("http") or {}
    prox = r.get("proxy") or {}
    rev = r.get("revocation") or {}
    s = f"status={r.get('status')} phase={r.get('phase')} code={err.get('code')}"
    if prox:
        s += f" proxy={prox.get('status')}"
    if http:
        s += f" http={http.get('status')}"
    if rev:
        s += f" revocation={rev.get('status')}"
    if err.get("message"):
        s += f" msg={err.get('message')[:120]!r}"
    return s


def expect(r, label, status=None, phase=None, code="__any__"):
    problems = []
    err = r.get("error") or {}
    if status is not None and r.get("status") not in (status if isinstance(status, tuple) else (status,)):
        problems.append(f"status {r.get('status')!r} != {status!r}")
    if phase is not None and r.get("phase") != phase:
        problems.append(f"phase {r.get('phase')!r} != {phase!r}")
    if code != "__any__":
        got = err.get("code")
        if got != code:
            problems.append(f"code {got!r} != {code!r}")
    if problems:
        raise Fail(f"{label}: " + ", ".join(problems) + f" [{brief(r)}]")


def expect_auth_path(r, label):
    """Through an authenticating proxy with credentials: the CONNECT (or GET) succeeds and
    the endpoint answers; an https endpoint's CRL, fetched anonymously as the OS (SYSTEM)
    would, is refused with 407 -> crl_unreachable naming anonymous access."""
    if not (r.get("http") or {}).get("ok"):
        raise Fail(f"{label}: no expected HTTP answer through the proxy [{brief(r)}]")
    if r["endpoint"]["url"].startswith("http://"):
        expect(r, label, "ok", "done", None)
        return
    if (r.get("proxy") or {}).get("status") != 200:
        raise Fail(f"{label}: CONNECT with credentials not accepted [{brief(r)}]")
    expect(r, label, "fail", "revocation", "crl_unreachable")
    if "anonymous" not in str(r.get("remediation")):
        raise Fail(f"{label}: remediation {r.get('remediation')!r} does not ask for anonymous CRL access")


# ----------------------------------------------------------------------------- cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def run_in_client(lab, args, timeout=60):
    """One more tlspath invocation in the client namespace, outside the parallel runs."""
    p = subprocess.run(["ip", "netns", "exec", lab["NS_CLIENT"]] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def build_cases(lab, runs, password, binary=None, reports=None, lab_dir=None):
    main, managed, sysres, deadres, clicreds, cliflags, clicrl = (runs[n] for n in (
        "main", "managed", "sysresolver", "deadresolver", "clicreds", "cliflags", "clicrl"))
    healthy, placeholder, tenant = runs["healthy"], runs["placeholder"], runs["tenant"]
    gw = lab["GW_CLIENT_IP"]

    @case
    def serve_prometheus_scrape():
        return serve_lab.check(runs["serve"], Fail)

    # ---------------- engine level: the runs themselves, dns, connect, proxy, tls, http
    @case
    def run_main_report():
        rep = main.need()
        cat = json.load(open(os.path.join(HERE, "catalog.json")))
        n_paths = len(json.load(open(lab["CONFIG_MAIN"]))["paths"])
        want = len(cat["endpoints"]) * n_paths
        got = len(rep.get("results") or [])
        if (rep.get("tool") or {}).get("name") != "tlspath":
            raise Fail(f"tool.name = {(rep.get('tool') or {}).get('name')!r}")
        if got != want:
            raise Fail(f"{got} results, expected {want} (endpoints x paths)")
        if (rep.get("summary") or {}).get("probes") != got:
            raise Fail(f"summary.probes {rep.get('summary', {}).get('probes')} != {got}")
        return f"{got} results in {main.seconds:.1f} s (duration_ms={rep.get('duration_ms')})"

    @case
    def dns_lab_resolver():
        for ep in HTTPS_HEALTHY:
            r = main.result(ep, "direct")
            d = r.get("dns") or {}
            if not d.get("addresses"):
                raise Fail(f"{ep}@direct: no dns.addresses [{brief(r)}]")
            if not any(a.startswith("10.237.100.") for a in d["addresses"]):
                raise Fail(f"{ep}@direct: addresses {d['addresses']} are not lab addresses")
            if lab["DNS_IP"] not in str(d.get("resolver")):
                raise Fail(f"{ep}@direct: dns.resolver {d.get('resolver')!r} is not the lab DNS")
        return "healthy names resolve to lab addresses via " + lab["DNS_IP"]

    @case
    def dns_cname_chain():
        r = main.result("edr-cus", "direct")
        d = r.get("dns") or {}
        if "edr-cus.lab-edge.trafficmanager.net" not in (d.get("cnames") or []):
            raise Fail(f"dns.cnames = {d.get('cnames')!r}, expected the CNAME target [{brief(r)}]")
        if "10.237.100.40" not in (d.get("addresses") or []):
            raise Fail(f"dns.addresses = {d.get('addresses')!r}")
        return "cnames " + ", ".join(d["cnames"])

    @case
    def dns_nxdomain():
        expect(main.result("lab-nxdomain", "direct"), "lab-nxdomain@direct", "fail", "dns", "dns_nxdomain")
        return "nxdomain.* -> dns_nxdomain"

    @case
    def dns_refused():
        expect(main.result("lab-dnsrefused", "direct"), "lab-dnsrefused@direct", "fail", "dns", "dns_refused")
        return "name outside the lab zones -> dns_refused"

    @case
    def dns_timeout():
        expect(deadres.result("maps-cp-us", "direct"), "maps-cp-us@direct (dead resolver)", "fail", "dns",
               "dns_timeout")
        return "resolver on a dropped address -> dns_timeout"

    @case
    def connect_timeout_drop():
        r = main.result("lab-dropped", "direct")
        expect(r, "lab-dropped@direct", "fail", "connect", "connect_timeout")
        return f"dropped.* -> connect_timeout after {((r.get('timings_ms') or {}).get('connect'))} ms"

    @case
    def connect_refused_reject():
        expect(main.result("lab-rejected", "direct"), "lab-rejected@direct", "fail", "connect", "connect_refused")
        return "rejected.* -> connect_refused"

    @case
    def tls_windows_group():
        # nginx (OpenSSL) takes the client's first group it supports: a Windows-shaped
        # ClientHello (x25519, secp256r1, secp384r1) gets x25519, never secp521r1
        seen = []
        for ep in HTTPS_HEALTHY:
            for path in ("direct", "proxy"):
                r = main.result(ep, path)
                t = r.get("tls") or {}
                if t.get("group") != "x25519":
                    raise Fail(f"{ep}@{path}: tls.group = {t.get('group')!r}, expected x25519 [{brief(r)}]")
                if not t.get("sigalg"):
                    raise Fail(f"{ep}@{path}: tls.sigalg missing [{brief(r)}]")
                if not str(t.get("cipher", "")).startswith("TLS-ECDHE-"):
                    raise Fail(f"{ep}@{path}: tls.cipher = {t.get('cipher')!r}, expected an ECDHE suite")
                seen.append(f"{t['cipher']}/{t['sigalg']}")
        return f"group x25519 on {len(seen)} handshakes ({', '.join(sorted(set(seen)))})"

    @case
    def tls_alert():
        expect(main.result("lab-tlsalert", "direct"), "lab-tlsalert@direct", "fail", "tls", "tls_alert")
        return "handshake rejected by the origin -> tls_alert"

    @case
    def tls_not_tls():
        expect(main.result("lab-nottls", "direct"), "lab-nottls@direct", "fail", "tls", "tls_not_tls")
        expect(main.result("lab-nottls", "proxy"), "lab-nottls@proxy", "fail", "tls", "tls_not_tls")
        return "plain HTTP on :443 -> tls_not_tls (direct and through CONNECT)"

    @case
    def tls_reset():
        expect(main.result("lab-tlsreset", "direct"), "lab-tlsreset@direct", "fail", "tls", "tls_reset")
        return "ClientHello answered by a TCP reset -> tls_reset"

    @case
    def http_direct():
        for ep, st in HEALTHY.items():
            r = main.result(ep, "direct")
            if (r.get("http") or {}).get("status") != st:
                raise Fail(f"{ep}@direct: http.status != {st} [{brief(r)}]")
        return "healthy endpoints answer their expected status directly"

    @case
    def tls_chain_captured():
        r = main.result("maps-cp-us", "direct")
        t = r.get("tls") or {}
        chain = t.get("chain") or []
        if len(chain) < 2:
            raise Fail(f"chain has {len(chain)} certificates [{brief(r)}]")
        if "unitedstates.cp.wd.microsoft.com" not in str(chain[0].get("subject")):
            raise Fail(f"leaf subject {chain[0].get('subject')!r}")
        if LAB_INTER_CN not in str(chain[0].get("issuer")):
            raise Fail(f"leaf issuer {chain[0].get('issuer')!r}")
        urls = chain[0].get("crl_urls") or []
        if not any("crl.microsoft.com/pki/mscorp/crl/" in u for u in urls):
            raise Fail(f"leaf crl_urls {urls!r}")
        pins = lab["pins"]
        spkis = ["sha256/" + str(c.get("spki_sha256")) for c in chain]
        if pins["intermediate"] not in spkis:
            raise Fail(f"intermediate SPKI {pins['intermediate']} not in chain {spkis}")
        return f"{len(chain)} certs, TLS {t.get('version')} {t.get('cipher')}, CDP {urls[0]}"

    @case
    def http_via_proxy():
        for path in ("proxy", "proxy-auth", "deny"):
            for ep, st in HEALTHY.items():
                r = main.result(ep, path)
                if (r.get("http") or {}).get("status") != st:
                    raise Fail(f"{ep}@{path}: http.status != {st} [{brief(r)}]")
        return "healthy endpoints answer through the plain, auth (with creds) and deny proxies"

    @case
    def proxy_auth_required():
        for ep in ("maps-cp-us", "edr-cus"):
            r = main.result(ep, "proxy-noauth")
            expect(r, f"{ep}@proxy-noauth", "fail", "proxy", "proxy_auth_required")
            p = r.get("proxy") or {}
            if p.get("status") != 407:
                raise Fail(f"{ep}@proxy-noauth: proxy.status {p.get('status')!r} != 407")
            schemes = [str(s).lower() for s in (p.get("auth_schemes") or [])]
            if "basic" not in schemes:
                raise Fail(f"{ep}@proxy-noauth: proxy.auth_schemes {p.get('auth_schemes')!r} lacks Basic")
        return "407 with Basic offered"

    @case
    def proxy_denied():
        r = main.result("lab-denied", "deny")
        expect(r, "lab-denied@deny", "fail", "proxy", "proxy_denied")
        if (r.get("proxy") or {}).get("status") != 403:
            raise Fail(f"proxy.status {(r.get('proxy') or {}).get('status')!r} != 403")
        expect(main.result("lab-denied", "direct"), "lab-denied@direct", "ok", "done", None)
        return "denied.* -> 403 proxy_denied through the deny proxy, ok directly"

    @case
    def proxy_error_nxdomain():
        r = main.result("lab-nxdomain", "proxy")
        expect(r, "lab-nxdomain@proxy", "fail", "proxy", "proxy_error")
        if (r.get("proxy") or {}).get("status") != 500:
            raise Fail(f"proxy.status {(r.get('proxy') or {}).get('status')!r} != 500")
        return "NXDOMAIN behind CONNECT -> squid 500 -> proxy_error"

    @case
    def proxy_unavailable():
        for ep in ("lab-dropped", "lab-rejected"):
            r = main.result(ep, "proxy")
            expect(r, f"{ep}@proxy", "fail", "proxy", "proxy_unavailable")
            if (r.get("proxy") or {}).get("status") != 503:
                raise Fail(f"{ep}@proxy: proxy.status {(r.get('proxy') or {}).get('status')!r} != 503")
        return "dropped/rejected origins behind CONNECT -> 503 proxy_unavailable"

    @case
    def fallback_direct():
        for ep in HTTPS_HEALTHY:
            r = main.result(ep, "sensor")
            if r.get("used_path") != "direct":
                raise Fail(f"{ep}@sensor: used_path {r.get('used_path')!r} != 'direct' [{brief(r)}]")
            if (r.get("http") or {}).get("status") != HEALTHY[ep]:
                raise Fail(f"{ep}@sensor: no expected HTTP answer after fallback [{brief(r)}]")
        expect(main.result("lab-rejected", "sensor"), "lab-rejected@sensor", "fail", "connect", "connect_refused")
        return f"dead proxy {lab['PROXY_DEAD']} -> fallback to direct"

    @case
    def bump_chain_resigned():
        r = main.result("maps-cp-us", "bump")
        chain = (r.get("tls") or {}).get("chain") or []
        if not chain or CORP_CA_CN not in str(chain[0].get("issuer")):
            raise Fail(f"leaf issuer {chain[0].get('issuer') if chain else None!r} is not the Corp CA [{brief(r)}]")
        if (r.get("http") or {}).get("status") != 404:
            raise Fail(f"http.status through the bump != 404 [{brief(r)}]")
        return "bumped leaf issued by " + CORP_CA_CN

    # ---------------- verdicts: trust, hostname, pinning, interception, revocation
    @case
    def ok_direct():
        for ep in HEALTHY:
            expect(main.result(ep, "direct"), f"{ep}@direct", "ok", "done", None)
        return "all healthy endpoints ok directly"

    @case
    def ok_via_proxies():
        for path in ("proxy", "deny"):
            for ep in HEALTHY:
                expect(main.result(ep, path), f"{ep}@{path}", "ok", "done", None)
        for ep in HEALTHY:
            expect(main.result(ep, "sensor"), f"{ep}@sensor", "warn", "done", "proxy_fallback")
            expect_auth_path(main.result(ep, "proxy-auth"), f"{ep}@proxy-auth")
        return ("healthy endpoints ok through proxy and deny; sensor warns proxy_fallback; "
                "proxy-auth answers but its CRLs, fetched anonymously, get 407")

    @case
    def trusted_and_pinned():
        r = main.result("maps-cp-us", "direct")
        t = r.get("tls") or {}
        if t.get("trusted") is not True or t.get("hostname_ok") is not True:
            raise Fail(f"trusted={t.get('trusted')} hostname_ok={t.get('hostname_ok')} [{brief(r)}]")
        pin = r.get("pinning") or {}
        if pin.get("pinset") != "microsoft" or pin.get("matched") is not True:
            raise Fail(f"pinning {pin!r}")
        return "lab chain trusted, hostname ok, pinned to the lab 'microsoft' set"

    @case
    def revocation_good():
        for ep in HTTPS_HEALTHY:
            for path in ("direct", "proxy"):
                r = main.result(ep, path)
                rev = r.get("revocation") or {}
                if rev.get("status") != "good":
                    raise Fail(f"{ep}@{path}: revocation {rev.get('status')!r} != 'good' [{brief(r)}]")
                if not any(c.get("fetched") for c in rev.get("crls") or []):
                    raise Fail(f"{ep}@{path}: no CRL fetched: {rev.get('crls')!r}")
        return "CRLs fetched, revocation good (direct and proxy)"

    @case
    def intercepted():
        r = main.result("maps-cp-us", "bump")
        expect(r, "maps-cp-us@bump", "fail", None, "intercepted")
        i = r.get("interception") or {}
        if i.get("detected") is not True or CORP_CA_CN not in str(i.get("issuer")):
            raise Fail(f"interception {i!r}")
        return "pinned MAPS host re-signed by " + str(i.get("issuer"))

    @case
    def intercepted_managed_device():
        r = managed.result("maps-cp-us", "bump-managed")
        expect(r, "maps-cp-us@bump-managed", "fail", None, "intercepted")
        t = r.get("tls") or {}
        if t.get("trusted") is not True:
            raise Fail(f"with the Corp CA trusted, tls.trusted should be true [{brief(r)}]")
        if (r.get("pinning") or {}).get("matched") is not False:
            raise Fail(f"pinning {(r.get('pinning'))!r} should not match")
        i = r.get("interception") or {}
        if i.get("detected") is not True or CORP_CA_CN not in str(i.get("issuer")):
            raise Fail(f"interception {i!r}")
        return "trusted Corp CA: still intercepted, pin mismatch"

    @case
    def intercepted_allowed_warn():
        for run, path in ((main, "bump"), (managed, "bump-managed")):
            r = run.result("diag-settings", path)
            i = r.get("interception") or {}
            if i.get("detected") is not True:
                raise Fail(f"diag-settings@{path}: interception not detected [{brief(r)}]")
        expect(managed.result("diag-settings", "bump-managed"), "diag-settings@bump-managed", "warn", None,
               "intercepted")
        return "inspection_allowed endpoint re-signed -> warn"

    @case
    def bypass_not_intercepted():
        for ep in ("maps-cp-eu-bypass", "submission-blob-us"):
            for run, path in ((main, "bump"), (managed, "bump-managed")):
                r = run.result(ep, path)
                i = r.get("interception") or {}
                if i.get("detected") is not False:
                    raise Fail(f"{ep}@{path}: interception {i!r} on a spliced name")
                expect(r, f"{ep}@{path}", "ok", "done", None)
        return "spliced names (bypass list) keep the origin chain"

    @case
    def paths_inspection_observed():
        paths = {p.get("id"): p for p in main.need().get("paths") or []}
        if (paths.get("bump") or {}).get("inspection_observed") is not True:
            raise Fail(f"bump path {paths.get('bump')!r}")
        if (paths.get("proxy") or {}).get("inspection_observed") is not False:
            raise Fail(f"proxy path {paths.get('proxy')!r}")
        return "paths[].inspection_observed true on bump, false on proxy"

    @case
    def tls_untrusted():
        r = main.result("lab-unknownroot", "direct")
        expect(r, "lab-unknownroot@direct", "fail", None, "tls_untrusted")
        if (r.get("tls") or {}).get("trusted") is not False:
            raise Fail(f"tls.trusted should be false [{brief(r)}]")
        return "unknown root -> tls_untrusted"

    @case
    def tls_expired():
        r = main.result("lab-expired", "direct")
        expect(r, "lab-expired@direct", "fail", None, "tls_expired")
        return "expired leaf -> tls_expired"

    @case
    def tls_hostname_mismatch():
        r = main.result("lab-wronghost", "direct")
        expect(r, "lab-wronghost@direct", "fail", None, "tls_hostname_mismatch")
        if (r.get("tls") or {}).get("hostname_ok") is not False:
            raise Fail(f"tls.hostname_ok should be false [{brief(r)}]")
        return "leaf for another name -> tls_hostname_mismatch"

    @case
    def revoked():
        for path in ("direct", "proxy"):
            r = main.result("lab-revoked", path)
            expect(r, f"lab-revoked@{path}", "fail", None, "revoked")
            if (r.get("revocation") or {}).get("status") != "revoked":
                raise Fail(f"lab-revoked@{path}: revocation {(r.get('revocation') or {}).get('status')!r}")
        return "revoked leaf -> revoked (direct and proxy)"

    @case
    def crl_via_proxy_not_direct():
        ep = "maps-cp-uk-crlproxy"
        r = main.result(ep, "proxy")
        expect(r, f"{ep}@proxy", "ok", "done", None)
        if (r.get("revocation") or {}).get("status") != "good":
            raise Fail(f"{ep}@proxy: revocation {(r.get('revocation') or {}).get('status')!r} != good")
        r = main.result(ep, "mdav-static")
        expect(r, f"{ep}@mdav-static", "fail", None, "crl_unreachable")
        rev = r.get("revocation") or {}
        if rev.get("status") != "unreachable":
            raise Fail(f"{ep}@mdav-static: revocation {rev.get('status')!r} != unreachable")
        crl_paths = {c.get("path") for c in rev.get("crls") or []
                     if "www.microsoft.com" in str(c.get("url"))}
        if crl_paths != {"direct"}:
            raise Fail(f"{ep}@mdav-static: the blocked CRL was fetched via {crl_paths!r}, expected direct")
        if (r.get("http") or {}).get("status") != 404:
            raise Fail(f"{ep}@mdav-static: the endpoint itself should answer 404 [{brief(r)}]")
        expect(main.result(ep, "direct"), f"{ep}@direct", "fail", None, "crl_unreachable")
        return "CRL reachable through the proxy, not directly: mdav-static fails with crl_unreachable"

    @case
    def headline_ssloptions():
        r = main.result("maps-cp-uk-crlproxy", "mdav-static")
        so = r.get("ssloptions") or {}
        want = {"3": "fail", "2": "pass", "1": "fail", "0": "pass"}
        if any(so.get(k) != v for k, v in want.items()):
            raise Fail(f"ssloptions {so!r}, expected {want!r}")
        if r.get("windows_error") != "0x80072F8F":
            raise Fail(f"windows_error {r.get('windows_error')!r} != '0x80072F8F'")
        if not r.get("remediation"):
            raise Fail("no remediation")
        return "SSLOptions 3 fails, 2 passes, 0x80072F8F: " + str(r.get("remediation"))[:80]

    @case
    def revocation_hidden_by_bump():
        # behind a bump the origin's revoked leaf is replaced by a freshly minted one: the
        # report must not call it good, and should say why it could not check
        r = main.result("lab-revoked", "bump")
        expect(r, "lab-revoked@bump", "fail", None, "intercepted")
        rev = r.get("revocation") or {}
        if rev.get("status") in ("good", None):
            raise Fail(f"revocation {rev.get('status')!r} behind the bump [{brief(r)}]")
        if "intercept" not in str(rev.get("reason")).lower():
            raise Fail(f"revocation.reason {rev.get('reason')!r} does not mention the interception")
        return f"revoked origin behind the bump: revocation {rev.get('status')}, reason given"

    @case
    def bad_crl_signature():
        r = main.result("lab-badcrl", "direct")
        rev = r.get("revocation") or {}
        if rev.get("status") != "unknown":
            raise Fail(f"revocation {rev.get('status')!r} != unknown [{brief(r)}]")
        expect(r, "lab-badcrl@direct", "fail", None, "revocation_unknown")
        if (r.get("ssloptions") or {}).get("3") != "fail" or (r.get("ssloptions") or {}).get("2") != "pass":
            raise Fail(f"ssloptions {r.get('ssloptions')!r}: expected 3 fail, 2 pass")
        return "CRL signed by another key -> revocation unknown (fail; SSLOptions 2 would pass)"

    @case
    def crl_http_endpoint():
        for path in ("direct", "proxy", "proxy-auth"):
            r = main.result("crl-root", path)
            expect(r, f"crl-root@{path}", "ok", "done", None)
            if r.get("tls") is not None:
                raise Fail(f"crl-root@{path}: plain HTTP endpoint has a tls object")
        return "http:// CRL endpoint 200 direct and through proxies"

    @case
    def system_resolver():
        rep = sysres.need()
        for ep in HEALTHY:
            for path in ("direct", "proxy"):
                expect(sysres.result(ep, path), f"{ep}@{path} (system resolver)", "ok", "done", None)
        res = (sysres.result("maps-cp-us", "direct").get("dns") or {}).get("resolver")
        if res != "system":
            raise Fail(f"dns.resolver {res!r} != 'system'")
        if sysres.rc != 0 or (rep.get("summary") or {}).get("verdict") != "pass":
            raise Fail(f"exit {sysres.rc}, verdict {(rep.get('summary') or {}).get('verdict')!r}; expected 0/pass")
        return "system resolver (/etc/netns resolv.conf) -> all ok, exit 0"

    @case
    def exit_code_required_failed():
        rep = main.need()
        s = rep.get("summary") or {}
        if main.rc != 1:
            raise Fail(f"exit status {main.rc} != 1")
        if s.get("verdict") != "fail" or not s.get("required_failed"):
            raise Fail(f"summary {s!r}")
        return f"exit 1, required_failed={s.get('required_failed')}"

    @case
    def cli_path_credentials():
        rep = clicreds.need()
        for ep in HEALTHY:
            expect_auth_path(clicreds.result(ep, "cliauth"), f"{ep}@cliauth")
        for p in rep.get("paths") or []:
            if p.get("id") == "cliauth":
                if p.get("proxy") != f"{gw}:{lab['PROXY_AUTH'].split(':')[1]}":
                    raise Fail(f"paths[].proxy = {p.get('proxy')!r}")
                break
        else:
            raise Fail("no path 'cliauth' in the report")
        return "--path id=http://user:pass@host:port works; paths[].proxy without credentials"

    # ---------------- the closed loop (docs/rules.md; tests/lab/changes.py)
    build_loop_cases(case, lab, runs, expect, brief, Fail)

    # ---------------- the table's action list and cells, -v, verdict wording (tests/lab/changes.py)
    build_change_cases(case, lab, runs, password, expect, brief, Fail)

    @case
    def reports_match_schema():
        import jsonschema   # python3-jsonschema (Debian), installed by scripts/setup test
        schema = json.load(open(os.path.join(HERE, "..", "..", "docs", "report.schema.json")))
        checked = 0
        for run in (main, managed, sysres, deadres, clicreds, cliflags, clicrl, runs["loop"].after):
            try:
                jsonschema.validate(run.need(), schema)
            except jsonschema.ValidationError as e:
                raise Fail(f"run {run.name}: {e.message} at {list(e.absolute_path)}")
            checked += 1
        return f"{checked} real reports valid against docs/report.schema.json"

    @case
    def cli_crl_via_direct():
        r = clicrl.result("maps-cp-uk-crlproxy", "static")
        expect(r, "maps-cp-uk-crlproxy@static (--crl-via direct)", "fail", "revocation", "crl_unreachable")
        so = r.get("ssloptions") or {}
        if (so.get("3"), so.get("2")) != ("fail", "pass"):
            raise Fail(f"ssloptions {so!r}: expected 3 fail, 2 pass")
        expect(clicrl.result("maps-cp-us", "static"), "maps-cp-us@static (--crl-via direct)", "ok", "done", None)
        return "--crl-via direct: the CRL only the proxy reaches -> crl_unreachable, SSLOptions 2 passes"

    @case
    def cli_flags_builtin_pins():
        # no config: --catalog/--resolver/--cacert/--path/--timeout/--concurrency only; the
        # built-in "microsoft" pin set (Microsoft's real roots) cannot match the lab chain
        r = cliflags.result("edr-cus", "direct")
        expect(r, "edr-cus@direct (flags only)", "ok", "done", None)
        if lab["DNS_IP"] not in str((r.get("dns") or {}).get("resolver")):
            raise Fail(f"--resolver ignored: dns.resolver {(r.get('dns') or {}).get('resolver')!r}")
        r = cliflags.result("maps-cp-us", "direct")
        expect(r, "maps-cp-us@direct (built-in pins)", "fail", None, "pin_mismatch")
        if cliflags.rc != 1:
            raise Fail(f"exit status {cliflags.rc} != 1")
        return "--cacert trusts the lab root; built-in pins -> pin_mismatch on the pinned host"

    # ---------------- catalog truth: a healthy network exits 0; placeholders are skipped
    @case
    def healthy_catalog_exit_0():
        rep = healthy.need()
        bad = [brief(r) for r in rep["results"] if r.get("status") != "ok"]
        if bad:
            raise Fail("not ok: " + "; ".join(bad[:3]))
        if healthy.rc != 0:
            raise Fail(f"exit status {healthy.rc} != 0 with every endpoint healthy")
        return f"{len(rep['results'])} probes ok, exit 0"

    @case
    def placeholder_skipped_with_reason():
        rep = placeholder.need()
        r = placeholder.result("mma-ods-lab", "direct")
        expect(r, "mma-ods-lab@direct (no --mma-workspace)", "skipped", None, "placeholder")
        msg = ((r.get("error") or {}).get("message") or "")
        if "workspace" not in msg or "--mma-workspace" not in msg:
            raise Fail(f"reason does not say what is missing: {msg!r}")
        if (r.get("timings_ms") or {}).get("dns") not in (None, -1) and (r.get("dns") or {}).get("addresses"):
            raise Fail("a placeholder host was resolved: it must never be probed")
        others = [x for x in rep["results"] if x["endpoint"]["id"] != "mma-ods-lab" and x["path"] == "direct"]
        bad = [brief(x) for x in others if x.get("status") != "ok"]
        if bad:
            raise Fail("not ok: " + "; ".join(bad[:3]))
        if placeholder.rc != 0:
            raise Fail(f"exit status {placeholder.rc} != 0 (a required placeholder must not fail the run)")
        return "skipped: " + msg[:70] + "...; exit 0"

    @case
    def direct_only_via_proxy_warns():
        r = placeholder.result("wns-lab", "proxy")
        expect(r, "wns-lab@proxy", "warn", None, "direct_only_via_proxy")
        expect(placeholder.result("wns-lab", "direct"), "wns-lab@direct", "ok", "done", None)
        return "direct-only endpoint: ok direct, warn through the proxy (devices cannot use it)"

    @case
    def placeholder_value_substituted():
        r = tenant.result("mma-ods-lab", "direct")
        ep = r.get("endpoint") or {}
        if ep.get("host") != "0f1e2d3c-aaaa-bbbb-cccc-112233445566.ods.opinsights.azure.com":
            raise Fail(f"host not substituted: {ep.get('host')!r}")
        if r.get("status") == "skipped":
            raise Fail(f"still skipped with --mma-workspace [{brief(r)}]")
        return f"--mma-workspace probes {ep.get('host')} ({r.get('status')}, {(r.get('error') or {}).get('code')})"

    @case
    def pins_learn_then_pinned_run():
        # learn the lab chain's CA keys from a trusted vantage point, then run with them
        healthy_cat = os.path.join(lab_dir, "configs", "catalog-healthy.json")
        learned = os.path.join(reports, "learned-pins.json")
        if os.path.exists(learned):
            os.unlink(learned)
        flags = ["--resolver", f"{lab['DNS_IP']}:53", "--cacert", lab["LAB_ROOT_CA"], "--timeout", "5000"]
        rc, out, err = run_in_client(lab, [binary, "pins", "learn", "--catalog", healthy_cat, "--path", "direct",
                                           "--output", learned] + flags)
        if rc != 0:
            raise Fail(f"pins learn exit {rc}: {err.strip()[-300:]}")
        pins = json.load(open(learned))["tls"]["pinsets"].get("microsoft") or []
        if not pins or not all(p.startswith("sha256/") and len(p) == 51 for p in pins):
            raise Fail(f"learned pins look wrong: {pins!r}")
        out_json = os.path.join(reports, "pinned-with-learned.json")
        rc, out, err = run_in_client(lab, [binary, "run", "--config", learned, "--catalog", healthy_cat,
                                           "--path", "direct", "--format", "json", "--output", out_json] + flags)
        rep = json.load(open(out_json))
        r = next(x for x in rep["results"] if x["endpoint"]["id"] == "maps-cp-us")
        if not (r.get("pinning") or {}).get("matched") or r.get("status") != "ok" or rc != 0:
            raise Fail(f"run with learned pins: exit {rc}, maps-cp-us {brief(r)} pinning={r.get('pinning')}")
        return f"learned {len(pins)} CA key(s); maps-cp-us pinned and ok with them, exit 0"

    @case
    def password_never_printed():
        leaks = []
        for run in runs.values():
            for what, text in (("report", run.report_text), ("stdout", run.stdout), ("stderr", run.stderr)):
                if password and password in text:
                    leaks.append(f"{run.name} {what}")
        if leaks:
            raise Fail("proxy password appears in: " + ", ".join(leaks))
        if not main.report_text or not clicreds.report_text:
            raise Fail("cannot check: " + (main.why_missing() if not main.report_text else clicreds.why_missing()))
        return f"checked {len(runs)} runs (report, stdout, stderr)"

    @case
    def no_sanitizer_reports():
        bad = []
        for run in runs.values():
            for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
                if marker in run.stderr:
                    line = next(l for l in run.stderr.splitlines() if marker in l)
                    bad.append(f"{run.name}: {line.strip()[:160]}")
                    break
        if bad:
            raise Fail("; ".join(bad))
        return "no ASan/LSan/UBSan report in any run's stderr"

    @case
    def run_time_bounded():
        slow = [f"{r.name} {r.seconds:.1f}s" for r in runs.values() if r.seconds is not None and r.seconds > 40]
        if slow:
            raise Fail("runs too slow: " + ", ".join(slow))
        return ", ".join(f"{r.name} {r.seconds:.1f}s" for r in runs.values() if r.seconds is not None)


# ----------------------------------------------------------------------------- main

def load_lab(lab_dir):
    path = os.path.join(lab_dir, "lab.json")
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        sys.exit(f"scenarios: cannot read {path} ({e}); is the lab up? (tests/lab/up)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--lab-dir", default=os.environ.get("TLSPATH_LAB_DIR", "/var/tmp/%slab" % os.environ.get("TLSPATH_LAB_PREFIX", "tlsp-")))
    ap.add_argument("--reports", default=os.environ.get("TLSPATH_LAB_REPORTS", os.path.join(HERE, "reports")))
    ap.add_argument("-k", dest="only", default=None)
    ap.add_argument("-v", dest="verbose", action="store_true")
    a = ap.parse_args()

    binary = os.path.abspath(a.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"scenarios: {binary} is not executable")
    lab = load_lab(a.lab_dir)
    os.makedirs(a.reports, exist_ok=True)
    with open(lab["PROXY_PASS_FILE"]) as f:
        password = f.read().strip()
    user = lab["PROXY_USER"]

    # Child environment: the lab password only where a config names it; no proxy variables.
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
              "no_proxy", "NO_PROXY", "TLSPATH_PROXY_USER", "TLSPATH_PROXY_PASSWORD", "LAB_PROXY_PASS"):
        os.environ.pop(k, None)

    # Catalogs for the catalog-truth cases: the lab's healthy endpoints unpinned (the lab PKI
    # is not Microsoft's), then the same plus an MMA placeholder host and a direct-only copy.
    healthy_cat = json.load(open(os.path.join(a.lab_dir, "configs", "catalog-healthy.json")))
    healthy_cat["name"] = "tlspath-lab-all-healthy"
    for e in healthy_cat["endpoints"]:
        e["pinset"] = None
        e["cloud"] = ["commercial"]
    healthy_file = os.path.join(a.reports, "catalog-all-healthy.json")
    json.dump(healthy_cat, open(healthy_file, "w"), indent=1)
    ph_cat = json.loads(json.dumps(healthy_cat))
    ph_cat["name"] = "tlspath-lab-placeholder"
    wns = dict(next(e for e in ph_cat["endpoints"] if e["id"] == "edr-cus"), id="wns-lab",
               service="live-response", required="optional", direct_only=True,
               source="lab: a direct-only service (like WNS) on a healthy origin")
    mma = {"id": "mma-ods-lab", "service": "mma", "cloud": "commercial", "required": "required",
           "url": "https://workspaceid.ods.opinsights.azure.com/", "placeholder": "mma_workspace",
           "source": "lab: an MMA host whose first label is the tenant's workspace id"}
    ph_cat["endpoints"] += [wns, mma]
    ph_file = os.path.join(a.reports, "catalog-placeholder.json")
    json.dump(ph_cat, open(ph_file, "w"), indent=1)
    lab_flags = ["--resolver", f"{lab['DNS_IP']}:53", "--cacert", lab["LAB_ROOT_CA"], "--timeout", "5000"]

    runs = {
        "healthy": Run("healthy", ["--catalog", healthy_file, "--path", "direct"] + lab_flags),
        "placeholder": Run("placeholder", ["--catalog", ph_file, "--path", "direct",
                                           "--path", f"proxy=http://{lab['PROXY_PLAIN']}"] + lab_flags),
        "tenant": Run("tenant", ["--catalog", ph_file, "--path", "direct", "--service", "mma",
                                 "--mma-workspace", "0F1E2D3C-aaaa-bbbb-cccc-112233445566"] + lab_flags),
        # the table too (stdout): its action list, cells and legend are checked
        "main": Run("main", ["--config", lab["CONFIG_MAIN"], "--format", "table"],
                    {"LAB_PROXY_PASS": password, "COLUMNS": "120"}),
        "managed": Run("managed", ["--config", lab["CONFIG_MANAGED"]]),
        "sysresolver": Run("sysresolver", ["--config", lab["CONFIG_SYSRESOLVER"]]),
        "deadresolver": Run("deadresolver", ["--config", lab["CONFIG_DEADRESOLVER"]]),
        "clicreds": Run("clicreds", ["--config", lab["CONFIG_SYSRESOLVER"],
                                     "--path", f"cliauth=http://{user}:{password}@{lab['PROXY_AUTH']}"]),
        # the seeds' headline case from the command line alone: Defender's static proxy,
        # no system-wide WinHTTP proxy, so the OS fetches CRLs directly
        "clicrl": Run("clicrl", ["--config", lab["CONFIG_MAIN"], "--service", "maps",
                                 "--path", f"static=http://{lab['PROXY_PLAIN']}", "--crl-via", "direct"],
                      {"LAB_PROXY_PASS": password}),
        # a wrong password: credentials sent and refused (issue 13)
        "wrongpass": Run("wrongpass", ["--config", lab["CONFIG_SYSRESOLVER"],
                                       "--path", f"wrong=http://{user}:not-the-password@{lab['PROXY_AUTH']}"]),
        # -v: the per-phase trace on stderr, through an authenticating proxy (no secret in it)
        "verbose": Run("verbose", ["--config", lab["CONFIG_SYSRESOLVER"], "-v",
                                   "--path", f"auth=http://{user}:{password}@{lab['PROXY_AUTH']}"]),
        "cliflags": Run("cliflags", ["--catalog", os.path.join(a.lab_dir, "configs", "catalog-healthy.json"),
                                     "--resolver", f"{lab['DNS_IP']}:53", "--cacert", lab["LAB_ROOT_CA"],
                                     "--path", "direct", "--timeout", "5000", "--concurrency", "4"]),
    }
    t0 = time.monotonic()
    threads = [threading.Thread(target=r.start, args=(lab, binary, a.reports)) for r in runs.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the closed loop after the others: its squid bumps everything, and its certificate
    # minting would compete for the CPU with the bump path's phase deadlines
    runs["loop"] = LoopRun(Run, Fail)
    runs["loop"].start(lab, binary, a.reports)
    # the loop's two runs are checked like every other run (password, sanitizers, time)
    loop = runs.pop("loop")
    if loop.error:
        print(f"# loop: {loop.error}")
    for r in (loop.before, loop.after):
        if r.rc is not None or r.error:
            runs[r.name] = r
    runs["loop"] = loop
    # serve last, alone: its runs every 2 s and its Prometheus would compete for the CPU
    # with the one-shot runs' phase deadlines (an ASan build on 2 busy cores misses them)
    runs["serve"] = serve_lab.ServeRun("serve")
    runs["serve"].start(lab, binary, a.reports)
    for r in runs.values():
        if isinstance(r, LoopRun):
            continue
        print(f"# run {r.name}: exit {r.rc}, {r.seconds:.1f} s" + (f", {r.error}" if r.error else ""))
    print(f"# runs took {time.monotonic() - t0:.1f} s; reports in {a.reports}")

    build_cases(lab, runs, password, binary, a.reports, a.lab_dir)
    # history and regressions: sequential runs with firewall changes, after the parallel runs
    import scenario_history
    scenario_history.add_cases(case, Fail, lab, binary, a.reports)
    # the paths a device really takes (PAC, WPAD, bypass, imported settings, DNS judged)
    import scenario_paths
    scenario_paths.add_cases(case, Fail, lab, binary, a.reports)
    passed = failed = 0
    for fn in CASES:
        name = fn.__name__
        if a.only and a.only not in name:
            continue
        try:
            detail = fn() or ""
            ok = True
        except Fail as e:
            detail, ok = str(e), False
        except Exception as e:  # a harness bug or an unexpected report shape: a failure, not a crash
            detail, ok = f"{type(e).__name__}: {e}", False
        if password:
            detail = detail.replace(password, "***")
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
