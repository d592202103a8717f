"""tests/lab/changes.py — scenarios about the change a network team makes (issue 13), for
scenarios.py (python3 stdlib only; scenarios.py passes its harness in):

- the closed loop of docs/rules.md: a squid that denies and bumps everything (tests/lab/up,
  port 3132) gets the rules `tlspath rules --format squid` writes from the healthy catalog
  and a run's report; the endpoints must then pass, and what is not in the catalog must
  still be refused;
- the table: the action list first, cells that say why, the paths header, the width;
- `-v`: the per-phase trace;
- verdict wording: every failed CRL host named, a rejected password, a proxy's own page.
"""
import json
import os
import signal
import subprocess
import time


class LoopRun:
    """The closed loop of docs/rules.md, in order, in one thread: empty the loop squid's
    rules file (deny and bump everything), run through it (`before`), write the squid
    rules with `tlspath rules` from the healthy catalog and that run's report, reconfigure
    the squid, run again (`after`). Also writes the fqdn and nft formats for their cases."""

    def __init__(self, Run, Fail):
        self.Fail = Fail
        self.before = Run("loop-before", None)
        self.after = Run("loop-after", None)
        self.error = None
        self.rules = {}          # format -> text
        self.nft_check = None    # (rc, stderr) of `nft -c -f` in the client namespace
        # what the cases that walk every run read (its two runs are listed on their own)
        self.name, self.report_text, self.stdout, self.stderr, self.seconds = "loop", "", "", "", None

    def _tlspath_rules(self, lab, binary, fmt, out):
        cmd = [binary, "rules", "--catalog", lab["CATALOG_HEALTHY"], "--from", self.before.out,
               "--format", fmt, "--output", out]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        if p.returncode != 0:
            raise self.Fail(f"tlspath rules --format {fmt}: exit {p.returncode}: {p.stderr.decode()[:300]}")
        with open(out) as f:
            self.rules[fmt] = f.read()

    def _reconfigure(self, lab):
        """SIGHUP to the loop squid's recorded pid; wait until it listens again."""
        log = os.path.join(lab["LAB_DIR"], "squid", "loop", "cache.log")
        pid = None
        with open(os.path.join(lab["LAB_DIR"], "pids")) as f:
            for line in f:
                name, _, p = line.strip().partition(" ")
                if name == "squid-loop":
                    pid = int(p)
        if pid is None:
            raise self.Fail("no squid-loop pid recorded by tests/lab/up")

        def accepting():
            with open(log, errors="replace") as f:
                return sum("Accepting" in l for l in f)
        n0 = accepting()
        os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + 20
        while accepting() <= n0:
            if time.monotonic() > deadline:
                raise self.Fail("the loop squid did not come back after reconfigure (see its cache.log)")
            time.sleep(0.1)

    def start(self, lab, binary, reports):
        try:
            args = ["--config", lab["CONFIG_LOOP"]]
            self.before.args = self.after.args = args
            with open(lab["LOOP_RULES_FILE"], "w") as f:
                f.write("# empty: deny and bump everything\n")
            self._reconfigure(lab)
            self.before.start(lab, binary, reports)
            self.before.need()
            self._tlspath_rules(lab, binary, "squid", lab["LOOP_RULES_FILE"])
            self._reconfigure(lab)
            self.after.start(lab, binary, reports)
            self._tlspath_rules(lab, binary, "fqdn", os.path.join(reports, "loop-rules.fqdn"))
            nft = os.path.join(reports, "loop-rules.nft")
            self._tlspath_rules(lab, binary, "nft", nft)
            p = subprocess.run(["ip", "netns", "exec", lab["NS_CLIENT"], "nft", "-c", "-f", nft],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
            self.nft_check = (p.returncode, p.stderr.decode("utf-8", "replace"))
        except self.Fail as e:
            self.error = str(e)
        except (OSError, subprocess.SubprocessError) as e:
            self.error = f"{type(e).__name__}: {e}"

    def need(self):
        if self.error:
            raise self.Fail(f"loop: {self.error}")
        self.after.need()
        return self


def build_loop_cases(case, lab, runs, expect, brief, Fail):
    """Registers the loop's cases (scenarios.py passes its harness in)."""
    loop = runs["loop"]
    healthy_cat = json.load(open(lab["CATALOG_HEALTHY"]))

    def needs_splice(e):
        return e["url"].startswith("https://") and (e.get("pinset") or not e.get("inspection_allowed"))

    def proxy_answer(r):
        """The proxy's refusal: of the CONNECT, or (bumped, or plain HTTP) of the request."""
        ps = (r.get("proxy") or {}).get("status")
        return ps if ps not in (None, 200) else (r.get("http") or {}).get("status")

    @case
    def loop_denies_before_rules():
        loop.need()
        for e in healthy_cat["endpoints"]:
            r = loop.before.result(e["id"], "loop")
            if r.get("status") != "fail" or proxy_answer(r) != 403:
                raise Fail(f"{e['id']}@loop with no rules: expected a 403 from the proxy [{brief(r)}]")
        return f"{len(healthy_cat['endpoints'])} endpoints denied (403) by the loop squid with an empty rules file"

    @case
    def loop_rules_let_required_pass():
        loop.need()
        text = loop.rules.get("squid", "")
        for want in ("acl tlspath_dst_443 dstdomain .wd.microsoft.com", "ssl_bump splice tlspath_splice",
                     "acl tlspath_dst_80 dstdomain crl.microsoft.com"):
            if want not in text:
                raise Fail(f"generated squid rules lack {want!r}")
        n = 0
        for e in healthy_cat["endpoints"]:
            r = loop.after.result(e["id"], "loop")
            if e["required"] and r.get("status") not in ("ok", "warn"):
                raise Fail(f"{e['id']}@loop after the rules: [{brief(r)}]")
            if needs_splice(e):
                expect(r, f"{e['id']}@loop (spliced)", "ok", "done", None)
                if (r.get("interception") or {}).get("detected") is not False:
                    raise Fail(f"{e['id']}@loop: intercepted although the rules splice it")
            n += e["required"]
        if loop.after.rc != 0:   # the outsiders fail, but they are optional
            raise Fail(f"exit {loop.after.rc}: a required endpoint failed")
        return f"{n} required endpoints pass through the deny-all/bump-all squid with the generated rules"

    @case
    def loop_outsiders_still_denied():
        loop.need()
        for ep in ("outside-cname-target", "outside-blob-port80"):
            r = loop.after.result(ep, "loop")
            if r.get("status") != "fail" or proxy_answer(r) != 403:
                raise Fail(f"{ep}@loop: a name or port outside the rules got through [{brief(r)}]")
        return "the CNAME target and the blob host on port 80 are still denied (403)"

    @case
    def rules_from_run_cname_and_nft():
        loop.need()
        if "edr-cus.lab-edge.trafficmanager.net" not in loop.rules.get("fqdn", "").splitlines():
            raise Fail("fqdn rules lack the CNAME target the run observed")
        rc, err = loop.nft_check or (None, "not run")
        if rc != 0:
            raise Fail(f"nft -c -f rejected the nft rules: {err[:300]}")
        if "10.237.100.40 . 443" not in loop.rules.get("nft", ""):
            raise Fail("nft rules lack the EDR address the run resolved")
        return "fqdn lists the observed CNAME target; nft sets load (nft -c) with the resolved addresses"


def build_change_cases(case, lab, runs, password, expect, brief, Fail):
    """The table, -v and verdict-wording cases."""
    main = runs["main"]
    loop = runs["loop"]

    # ---------------- the table: what to change first, cells that say why (issue 13)
    @case
    def table_actions_cells_legend():
        t = main.stdout
        lines = t.splitlines()
        if not lines or not lines[0].startswith("What to change ("):
            raise Fail(f"the table does not start with the action list: {lines[:1]!r}")
        want = [f"proxy proxy-noauth ({lab['PROXY_AUTH']}): allow anonymous CONNECT",
                f"proxy bump ({lab['PROXY_BUMP']}): exclude from TLS inspection: *.wd.microsoft.com, "
                "*.endpoint.security.microsoft.com"]
        for w in want:
            if not any(w in l for l in lines[:5]):
                raise Fail(f"no action line among the first ones containing {w!r}")
        if f"       proxy-auth    proxy {lab['PROXY_AUTH']}, credentials" not in t:
            raise Fail("the paths header does not map proxy-auth to its proxy")
        row = next((l for l in lines if l.startswith("  maps-cp-us ")), "")
        for cell in ("FAIL 407", "FAIL MITM", "WARN FBK"):
            if cell not in row:
                raise Fail(f"maps-cp-us row lacks {cell!r}: {row!r}")
        if not any(l.startswith("legend: ") for l in lines) or "407 the proxy asks for authentication" not in t:
            raise Fail("no legend for the causes")
        mat = lines[next(i for i, l in enumerate(lines) if l.startswith("SERVICE/ENDPOINT")):
                    next(i for i, l in enumerate(lines) if " probes: " in l)]
        wide = [l for l in mat if len(l) > 120]
        if wide:
            raise Fail(f"{len(wide)} matrix/legend lines wider than COLUMNS=120: {wide[0]!r}")
        if "Failures and warnings:" in t:
            raise Fail("per-probe blocks printed without --details")
        return f"{sum(1 for l in lines if l[:4].strip().rstrip('.').isdigit())} actions first; cells say why; fits 120"

    @case
    def verbose_trace_phases():
        err = runs["verbose"].stderr
        want = ["[edr-cus via auth] connect ",
                "[edr-cus via auth] proxy ", "CONNECT edr-cus.us.endpoint.security.microsoft.com:443 -> 200",
                "[edr-cus via auth] tls ", "TLSv1.2", "[edr-cus via auth] http ", "[CRL http://crl.microsoft.com/"]
        missing = [w for w in want if w not in err]
        if missing:
            raise Fail(f"-v trace lacks {missing}")
        if password in err or "Proxy-Authorization" in err:
            raise Fail("the trace shows the credentials")
        return f"{err.count(chr(10))} trace lines: connect, CONNECT reply, TLS, HTTP, CRL fetches"

    # ---------------- verdict wording (issue 13)
    @case
    def crl_advice_names_every_host():
        # its leaf's CRL is on www.microsoft.com, the intermediate's on crl.microsoft.com: both
        # refused anonymously by the authenticating proxy
        r = main.result("maps-cp-uk-crlproxy", "proxy-auth")
        expect(r, "maps-cp-uk-crlproxy@proxy-auth", "fail", "revocation", "crl_unreachable")
        failed = {c["url"].split("/")[2] for c in (r.get("revocation") or {}).get("crls") or [] if c.get("error")}
        if len(failed) < 2:
            raise Fail(f"expected CRLs of two hosts to fail anonymously, got {failed}")
        missing = [h for h in failed if h not in str(r.get("remediation"))]
        if missing:
            raise Fail(f"remediation {r.get('remediation')!r} does not name {missing}")
        return "remediation names " + ", ".join(sorted(failed))

    @case
    def proxy_auth_rejected_names_user():
        r = runs["wrongpass"].result("maps-cp-us", "wrong")
        expect(r, "maps-cp-us@wrong (bad password)", "fail", "proxy", "proxy_auth_rejected")
        rem = str(r.get("remediation"))
        if f"rejected the credentials for user {lab['PROXY_USER']}" not in rem or "anonymous" in rem:
            raise Fail(f"remediation {rem!r}")
        if r.get("windows_error") != "0x80190197":
            raise Fail(f"windows_error {r.get('windows_error')!r}")
        return rem[:110]

    @case
    def plain_http_proxy_page_is_proxy_verdict():
        loop.need()
        r = loop.before.result("crl-root", "loop")
        expect(r, "crl-root@loop (squid's own 403 page)", "fail", None, "proxy_denied")
        if (r.get("proxy") or {}).get("status") != 403:
            raise Fail(f"proxy {r.get('proxy')!r}")
        r = main.result("crl-root", "proxy-noauth")
        expect(r, "crl-root@proxy-noauth", "fail", None, "proxy_auth_required")
        return "a GET the proxy refused itself (X-Squid-Error) -> proxy_denied, not the origin's status"
