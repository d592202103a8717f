"""tests/lab/scenario_paths.py — the paths a device really takes, end to end (issue 14;
imported by scenarios.py).

The lab serves a PAC over HTTP (tests/lab/up writes it): the blob DIRECT, the diagnostics
host through a dead proxy then DIRECT, every other name in the origins' subnet through the
plain squid. Its runs (one after another, after the parallel runs):

  pac         the healthy catalog + a sinkholed name + a block-page name; paths direct and
              pac (--pac URL); dns.block_pages names the block page
  wpad        --wpad: the client's search domain corp.lab.test has no wpad host, its parent
              lab.test has (DNS devolution); the PAC found there is used
  hostile     a PAC that never returns: every endpoint pac_timeout, the run still ends
  missing     a PAC URL answering 404: pac_unavailable
  bypass      a dead proxy whose bypass list sends the blob direct
  imported    `tlspath paths import` of a .reg (TelemetryProxyServer = the dead proxy,
              Defender ProxyServer = the plain squid, ProxyBypass = the blob) run as is
  public      --expect-public and --service-tags on the healthy catalog, direct
  egress      the client's two addresses as two paths (source), and one bound to its device
  split       two resolvers disagreeing about one name: both answers in dns.by_resolver
  family      a dual-stack name whose AAAA has no route: family both gives .ipv4 ok and
              .ipv6 connect_unreachable; the device's order (any) falls through to the A
"""
import json
import os
import subprocess
import time

HEALTHY = ["maps-cp-us", "maps-cp-eu-bypass", "edr-cus", "submission-blob-us", "diag-settings", "crl-root"]


class Paths:
    def __init__(self, lab, binary, reports, fail):
        self.lab, self.binary, self.Fail = lab, binary, fail
        self.dir = os.path.join(reports, "paths")
        self.runs = {}
        self.done = False

    def tlspath(self, name, args, timeout=120, cmd="run"):
        os.makedirs(self.dir, exist_ok=True)
        out = os.path.join(self.dir, f"{name}.json")
        if os.path.exists(out):
            os.unlink(out)
        full = ["ip", "netns", "exec", self.lab["NS_CLIENT"], self.binary, cmd] + args
        if cmd == "run":
            full += ["--format", "json", "--output", out, "--quiet"]
        t0 = time.monotonic()
        p = subprocess.run(full, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        rec = {"rc": p.returncode, "stdout": p.stdout.decode(errors="replace"),
               "stderr": p.stderr.decode(errors="replace"), "seconds": time.monotonic() - t0, "report": None}
        with open(out + ".stderr", "w") as f:
            f.write(rec["stderr"])
        if cmd == "run" and os.path.exists(out):
            with open(out) as f:
                rec["report"] = json.load(f)
        self.runs[name] = rec
        return rec

    def catalog(self):
        base = json.load(open(os.path.join(self.lab["LAB_DIR"], "configs", "catalog-healthy.json")))
        cat = dict(base, name="tlspath-lab-paths")
        maps = next(e for e in base["endpoints"] if e["id"] == "maps-cp-us")
        cat["endpoints"] = list(base["endpoints"]) + [
            dict(maps, id="maps-sinkholed", url="https://sinkholed.cp.wd.microsoft.com/wdcp.svc/bond/submitReport/test",
                 source="lab: dnsmasq answers 0.0.0.0 (a DNS filter)"),
            dict(maps, id="maps-blockpage", url="https://blockpage.cp.wd.microsoft.com/wdcp.svc/bond/submitReport/test",
                 source="lab: dnsmasq answers the block page address"),
        ]
        self.dual = dict(maps, id="maps-dualstack",
                         url="https://dualstack.cp.wd.microsoft.com/wdcp.svc/bond/submitReport/test",
                         source="lab: A works, AAAA has no route")
        path = os.path.join(self.dir, "catalog-paths.json")
        json.dump(cat, open(path, "w"), indent=1)
        return path

    def config(self, name, paths, catalog=None, extra=None):
        main = json.load(open(self.lab["CONFIG_MAIN"]))
        cfg = {"catalogs": [catalog or os.path.join(self.lab["LAB_DIR"], "configs", "catalog-healthy.json")],
               "resolvers": main["resolvers"], "paths": paths, "tls": main["tls"], "limits": main["limits"]}
        cfg.update(extra or {})
        path = os.path.join(self.dir, f"{name}-config.json")
        json.dump(cfg, open(path, "w"), indent=1)
        return path

    def ensure(self):
        if self.done:
            return
        self.done = True
        os.makedirs(self.dir, exist_ok=True)
        lab = self.lab
        cat = self.catalog()
        self.tlspath("pac", ["--config", self.config("pac", [{"id": "direct"}, {"id": "pac", "pac": lab["PAC_URL"]}],
                                                    cat, {"dns": {"block_pages": [lab["BLOCKPAGE_IP"]]}})])
        self.tlspath("wpad", ["--config", self.config("wpad", [{"id": "wpad", "type": "pac", "pac": "wpad:"}])])
        self.tlspath("hostile", ["--config", self.config("hostile", [{"id": "pac", "pac": lab["PAC_HOSTILE_URL"]}])],
                     timeout=90)
        self.tlspath("missing", ["--config", self.config(
            "missing", [{"id": "pac", "pac": lab["PAC_URL"].replace("proxy.pac", "nope.pac")}])])
        self.tlspath("bypass", ["--config", self.config("bypass", [
            {"id": "corp", "proxy": lab["PROXY_DEAD"], "bypass": ["*.blob.core.windows.net", "<local>"]}])])
        reg = os.path.join(self.dir, "device.reg")
        with open(reg, "wb") as f:
            text = ("Windows Registry Editor Version 5.00\r\n\r\n"
                    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\DataCollection]\r\n"
                    f"\"TelemetryProxyServer\"=\"{lab['PROXY_DEAD']}\"\r\n"
                    "\"DisableEnterpriseAuthProxy\"=dword:00000001\r\n\r\n"
                    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows Defender]\r\n"
                    f"\"ProxyServer\"=\"http://{lab['PROXY_PLAIN']}\"\r\n"
                    "\"ProxyBypass\"=\"*.blob.core.windows.net\"\r\n")
            f.write(b"\xff\xfe" + text.encode("utf-16-le"))
        imp = self.tlspath("import", ["import", "--reg", reg], cmd="paths")
        try:
            paths = json.loads(imp["stdout"])["paths"]
        except ValueError:
            paths = None
        self.runs["import"]["paths"] = paths
        if paths:
            self.tlspath("imported", ["--config", self.config("imported", paths)])
        # two egress addresses of one client: the gateway lets only the first reach the origins
        if lab.get("CLIENT_IP2"):
            self.tlspath("egress", ["--config", self.config("egress", [
                {"id": "egress-a", "source": lab["CLIENT_IP"]},
                {"id": "egress-b", "source": lab["CLIENT_IP2"]},
                {"id": "egress-nic", "interface": "c0", "family": "ipv4"}])])
        # IPv4 and IPv6 as two results of one path (family both), and the device's way (any)
        dcat = dict(json.load(open(cat)), name="tlspath-lab-dualstack", endpoints=[self.dual])
        dpath = os.path.join(self.dir, "catalog-dualstack.json")
        json.dump(dcat, open(dpath, "w"), indent=1)
        self.tlspath("family", ["--config", self.config("family", [{"id": "device"},
                                                                   {"id": "fam", "family": "both"}], dpath)])
        # two resolvers that disagree about one name (split horizon)
        if lab.get("DNS2_IP"):
            self.tlspath("split", ["--config", self.config("split", [{"id": "direct"}], None,
                                                          {"resolvers": [f"{lab['DNS_IP']}:53", f"{lab['DNS2_IP']}:53"]})])
        tags = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "servicetags",
                            "ServiceTags_Lab.json")
        self.tlspath("public", ["--config", self.config("public", [{"id": "direct"}, {"id": "proxy",
                                                                                   "proxy": lab["PROXY_PLAIN"]}]),
                                "--expect-public", "--service-tags", tags])

    def need(self, name):
        self.ensure()
        rec = self.runs.get(name)
        if not rec or rec.get("report") is None:
            raise self.Fail(f"run {name}: no report (rc={rec and rec['rc']}): {(rec or {}).get('stderr', '')[-300:]!r}")
        return rec

    def result(self, name, ep, path):
        for r in self.need(name)["report"]["results"]:
            if r["endpoint"]["id"] == ep and r["path"] == path:
                return r
        raise self.Fail(f"run {name}: no result for {ep}@{path}")


def brief(r):
    err = r.get("error") or {}
    return (f"status={r.get('status')} code={err.get('code')} route={r.get('route')} "
            f"used_path={r.get('used_path')} msg={(err.get('message') or '')[:140]!r}")


def add_cases(case, Fail, lab, binary, reports):
    p = Paths(lab, binary, reports, Fail)
    gw_plain, gw_dead = lab["PROXY_PLAIN"], lab["PROXY_DEAD"]

    def want(r, status, code=None, entry="__any__", label=""):
        err = (r.get("error") or {}).get("code")
        route = r.get("route") or {}
        if r.get("status") != status or err != code or (entry != "__any__" and route.get("entry") != entry):
            raise Fail(f"{label}: expected status={status} code={code} entry={entry}, got {brief(r)}")

    @case
    def paths_pac_sends_each_endpoint_its_way():
        through = f"PROXY {gw_plain}"
        r = p.result("pac", "maps-cp-us", "pac")
        want(r, "ok", None, through, "maps-cp-us@pac")
        if (r["route"] or {}).get("pac_answer") != f"PROXY {gw_plain}; DIRECT" or r.get("used_path") is not None:
            raise Fail(f"maps-cp-us@pac: {brief(r)}")
        if not (r.get("proxy") or {}).get("status") == 200:
            raise Fail(f"maps-cp-us@pac did not CONNECT through the plain proxy: {r.get('proxy')}")
        want(p.result("pac", "edr-cus", "pac"), "ok", None, through, "edr-cus@pac (a CNAME into the subnet)")
        want(p.result("pac", "crl-root", "pac"), "ok", None, through, "crl-root@pac (plain http)")
        b = p.result("pac", "submission-blob-us", "pac")
        want(b, "ok", None, "DIRECT", "submission-blob-us@pac")
        if (b.get("proxy") or {}).get("status"):
            raise Fail(f"the blob went through a proxy: {b.get('proxy')}")
        return f"{through} for the origins' subnet, DIRECT for the blob; answers in route.pac_answer"

    @case
    def paths_pac_dead_proxy_then_direct():
        r = p.result("pac", "diag-settings", "pac")
        want(r, "warn", "proxy_fallback", "DIRECT", "diag-settings@pac")
        if r.get("used_path") != "DIRECT" or f"PROXY {gw_dead}" not in (r["route"] or {}).get("pac_answer", ""):
            raise Fail(f"diag-settings@pac: {brief(r)}")
        if f"proxy {gw_dead} (the PAC of path pac) could not be reached; the probe fell back to DIRECT" \
                not in (r.get("error") or {}).get("message", ""):
            raise Fail(f"diag-settings@pac message: {brief(r)}")
        return f"PROXY {gw_dead} refused, DIRECT worked: warn proxy_fallback (a proxy in the PAC is down)"

    @case
    def paths_dns_sinkhole_and_block_page():
        for path in ("direct", "pac"):
            r = p.result("pac", "maps-sinkholed", path)
            want(r, "fail", "dns_sinkhole", label=f"maps-sinkholed@{path}")
            if r["timings_ms"]["connect"] is not None:
                raise Fail(f"maps-sinkholed@{path} tried to connect: {r['timings_ms']}")
            if "a DNS filter blocks sinkholed.cp.wd.microsoft.com" not in r["error"]["message"]:
                raise Fail(f"maps-sinkholed@{path}: {brief(r)}")
            if r.get("windows_error") != "0x80072EFD" or "DNS filter" not in (r.get("remediation") or ""):
                raise Fail(f"maps-sinkholed@{path}: windows_error/remediation {r.get('windows_error')} {r.get('remediation')!r}")
        r = p.result("pac", "maps-blockpage", "direct")
        want(r, "fail", "dns_sinkhole", label="maps-blockpage@direct (dns.block_pages)")
        if lab["BLOCKPAGE_IP"] not in r["error"]["message"]:
            raise Fail(f"maps-blockpage: {brief(r)}")
        return "0.0.0.0 and the configured block page are dns_sinkhole, no TCP attempted (also where the PAC said DIRECT)"

    @case
    def paths_wpad_found_by_devolution():
        rec = p.need("wpad")
        warns = rec["report"].get("warnings") or []
        found = [w for w in warns if "WPAD for path wpad: found http://wpad.lab.test/wpad.dat" in w]
        if not found or "wpad.corp.lab.test" not in found[0]:
            raise Fail(f"warnings {warns!r}, expected WPAD found at wpad.lab.test after wpad.corp.lab.test")
        want(p.result("wpad", "maps-cp-us", "wpad"), "ok", None, f"PROXY {gw_plain}", "maps-cp-us@wpad")
        want(p.result("wpad", "submission-blob-us", "wpad"), "ok", None, "DIRECT", "submission-blob-us@wpad")
        return found[0][:160]

    @case
    def paths_hostile_pac_is_stopped():
        rec = p.need("hostile")
        codes = {(r.get("error") or {}).get("code") for r in rec["report"]["results"]}
        if codes != {"pac_timeout"}:
            raise Fail(f"codes {codes}, expected only pac_timeout")
        r = p.result("hostile", "maps-cp-us", "pac")
        if r.get("windows_error") != "0x80072F86" or r["timings_ms"]["connect"] is not None:
            raise Fail(f"maps-cp-us@pac: {brief(r)} windows_error={r.get('windows_error')}")
        if rec["seconds"] > 60:
            raise Fail(f"took {rec['seconds']:.1f} s")
        return f"every endpoint pac_timeout (0x80072F86) in {rec['seconds']:.1f} s, exit {rec['rc']}"

    @case
    def paths_missing_pac_is_unavailable():
        r = p.result("missing", "maps-cp-us", "pac")
        want(r, "fail", "pac_unavailable", label="maps-cp-us@pac")
        if not r["error"]["message"].endswith("nope.pac: HTTP 404") or r.get("windows_error") != "0x80072F87":
            raise Fail(f"maps-cp-us@pac: {brief(r)} {r.get('windows_error')}")
        return r["error"]["message"][:120]

    @case
    def paths_bypass_list_goes_direct():
        b = p.result("bypass", "submission-blob-us", "corp")
        want(b, "ok", None, label="submission-blob-us@corp")
        if not (b.get("route") or {}).get("bypassed"):
            raise Fail(f"the blob was not bypassed: {brief(b)}")
        m = p.result("bypass", "maps-cp-us", "corp")
        want(m, "fail", "connect_refused", label="maps-cp-us@corp (the dead proxy)")
        if (m.get("route") or {}).get("bypassed"):
            raise Fail(f"maps was bypassed: {brief(m)}")
        return "the blob bypasses the dead proxy (route.bypassed), maps does not"

    @case
    def paths_imported_device_settings():
        p.ensure()
        paths = p.runs.get("import", {}).get("paths")
        if not paths:
            raise Fail(f"paths import gave nothing: {p.runs.get('import', {}).get('stderr', '')[-300:]!r}")
        ids = [x["id"] for x in paths]
        if ids != ["edr-static", "mdav-static", "direct"]:
            raise Fail(f"imported path ids {ids}")
        edr = p.result("imported", "maps-cp-us", "edr-static")
        want(edr, "warn", "proxy_fallback", label="maps-cp-us@edr-static (TelemetryProxyServer dead)")
        want(p.result("imported", "maps-cp-us", "mdav-static"), "ok", None, label="maps-cp-us@mdav-static")
        blob = p.result("imported", "submission-blob-us", "mdav-static")
        if not (blob.get("route") or {}).get("bypassed") or blob.get("status") != "ok":
            raise Fail(f"ProxyBypass not honoured: {brief(blob)}")
        return "TelemetryProxyServer dead → direct (warn); ProxyServer through squid; ProxyBypass honoured"

    @case
    def paths_expect_public_and_service_tags():
        d = p.result("public", "maps-cp-us", "direct")
        want(d, "warn", "dns_private", label="maps-cp-us@direct --expect-public (lab addresses are RFC 1918)")
        v = p.result("public", "maps-cp-us", "proxy")
        if v.get("status") != "ok":
            raise Fail(f"through the proxy (no address of ours) it should stay ok: {brief(v)}")
        e = p.result("public", "edr-cus", "direct")
        tags = (e.get("dns") or {}).get("service_tags")
        if tags != [{"address": "10.237.100.40", "tags": ["MicrosoftDefenderForEndpoint"]}]:
            raise Fail(f"edr-cus service_tags {tags}")
        m = (d.get("dns") or {}).get("service_tags")
        if not m or m[0]["tags"] != []:
            raise Fail(f"maps-cp-us service_tags {m}, expected outside every tag")
        return "private answers warn with --expect-public; edr-cus inside MicrosoftDefenderForEndpoint, maps outside"

    @case
    def paths_each_egress():
        if not lab.get("CLIENT_IP2"):
            raise Fail("the lab has no second client address (tests/lab/up too old?)")
        a = p.result("egress", "maps-cp-us", "egress-a")
        want(a, "ok", None, label="maps-cp-us@egress-a")
        b = p.result("egress", "maps-cp-us", "egress-b")
        want(b, "fail", "connect_refused", label="maps-cp-us@egress-b (rejected for the second address)")
        n = p.result("egress", "maps-cp-us", "egress-nic")
        want(n, "ok", None, label="maps-cp-us@egress-nic (bound to c0, IPv4)")
        blob = p.result("egress", "submission-blob-us", "egress-b")
        want(blob, "ok", None, label="submission-blob-us@egress-b (another origin: allowed)")
        return f"{lab['CLIENT_IP']} reaches the origins, {lab['CLIENT_IP2']} is rejected; SO_BINDTODEVICE c0 works"

    @case
    def paths_ipv4_and_ipv6():
        v4 = p.result("family", "maps-dualstack", "fam.ipv4")
        want(v4, "ok", None, label="maps-dualstack@fam.ipv4")
        v6 = p.result("family", "maps-dualstack", "fam.ipv6")
        want(v6, "fail", "connect_unreachable", label="maps-dualstack@fam.ipv6 (no IPv6 route)")
        dev = p.result("family", "maps-dualstack", "device")
        want(dev, "ok", None, label="maps-dualstack@device (resolver order: the A after the AAAA)")
        if not (dev.get("connected_address") or "").startswith(lab["ORIGIN_IP"] + ":"):
            raise Fail(f"device connected to {dev.get('connected_address')}")
        return "family both: .ipv4 ok, .ipv6 connect_unreachable; the device's order falls through to the A"

    @case
    def paths_split_horizon_side_by_side():
        if not lab.get("DNS2_IP"):
            raise Fail("the lab has no second DNS server (tests/lab/up too old?)")
        r = p.result("split", "maps-cp-us", "direct")
        by = (r.get("dns") or {}).get("by_resolver")
        want_by = [{"resolver": f"{lab['DNS_IP']}:53", "addresses": [lab["ORIGIN_IP"]], "error": None},
                   {"resolver": f"{lab['DNS2_IP']}:53", "addresses": ["10.237.100.20"], "error": None}]
        if by != want_by:
            raise Fail(f"maps-cp-us by_resolver {by}")
        same = p.result("split", "edr-cus", "direct")
        if (same.get("dns") or {}).get("by_resolver") is not None:
            raise Fail(f"edr-cus: both servers agree, yet by_resolver = {same['dns'].get('by_resolver')}")
        return f"unitedstates.cp.wd.microsoft.com: {lab['ORIGIN_IP']} from one resolver, 10.237.100.20 from the other"

    @case
    def paths_service_tags_as_nft_sets():
        p.ensure()
        pub = os.path.join(p.dir, "public.json")
        out = os.path.join(p.dir, "tags.nft")
        tags = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "servicetags",
                            "ServiceTags_Lab.json")
        r = subprocess.run([binary, "rules", "--format", "nft", "--catalog",
                            os.path.join(lab["LAB_DIR"], "configs", "catalog-healthy.json"), "--from", pub,
                            "--service-tags", tags, "--output", out], capture_output=True, timeout=60)
        if r.returncode != 0:
            raise Fail(f"rules --format nft --service-tags: exit {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}")
        text = open(out).read()
        for want in ("set tag_microsoftdefenderforendpoint_v4", "10.237.100.40/32", "set mde_v4", "flags interval"):
            if want not in text:
                raise Fail(f"{out} lacks {want!r}")
        c = subprocess.run(["ip", "netns", "exec", lab["NS_CLIENT"], "nft", "-c", "-f", out], capture_output=True,
                           timeout=30)
        if c.returncode != 0:
            raise Fail(f"nft -c -f rejected {out}: {c.stderr.decode(errors='replace')[:300]}")
        return "the run's addresses and the Defender tags' prefixes as nft sets; nft -c accepts them"
