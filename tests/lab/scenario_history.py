"""tests/lab/scenario_history.py — history and regressions end to end (imported by scenarios.py).

One state directory, five runs of the healthy catalog on the direct path, and a firewall
change in the gateway namespace between them (an nftables table of our own, removed
afterwards whatever happens):

  A  nothing blocked                     first recorded run: changes.previous null, exit 0
  B  edr-cus's address rejected (RST)    exactly edr-cus@direct newly failing (connect_refused),
                                         --fail-on regression exits 1, --on-change gets the JSON
  C  same                                nothing changed: --fail-on regression exits 0, no hook;
                                         without --fail-on the run still exits 1 (any)
  D  edr-cus's address dropped           changed cause connect_refused -> connect_timeout, exit 1
  E  nothing blocked                     edr-cus@direct recovered, exit 0

The runs must not overlap the other scenarios' runs (they share the gateway): scenarios.py
starts them from a case, after every parallel run has finished.
"""
import json
import os
import shutil
import subprocess
import time

NFT_TABLE = "tlsphist"
TARGET = "edr-cus"


class History:
    def __init__(self, lab, binary, reports, fail):
        self.lab, self.binary, self.Fail = lab, binary, fail
        self.dir = os.path.join(reports, "history")
        self.state = os.path.join(self.dir, "state")
        self.runs = {}
        self.error = None
        self.done = False
        self.target_ip = None
        self.firewall_log = []

    # ------------------------------------------------------------------ helpers
    def nft(self, *script):
        cmd = ["ip", "netns", "exec", self.lab["NS_GW"], "nft", "-f", "-"]
        text = "\n".join(script) + "\n"
        p = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=20)
        self.firewall_log.append(text.strip())
        if p.returncode != 0:
            raise self.Fail(f"nft failed: {p.stderr.decode(errors='replace').strip()} for {text!r}")

    def block(self, verdict):
        # our own table at a priority before the lab's: removing it restores the lab exactly
        self.unblock()
        self.nft(f"table inet {NFT_TABLE} {{",
                 "  chain hist_forward {",
                 "    type filter hook forward priority -10; policy accept;",
                 f"    ip daddr {self.target_ip} tcp dport 443 counter {verdict}",
                 "  }",
                 "}")

    def unblock(self):
        subprocess.run(["ip", "netns", "exec", self.lab["NS_GW"], "nft", "delete", "table", "inet", NFT_TABLE],
                       capture_output=True, timeout=20)

    def run(self, name, extra):
        out = os.path.join(self.dir, f"{name}.json")
        args = ["ip", "netns", "exec", self.lab["NS_CLIENT"], self.binary, "run",
                "--catalog", os.path.join(self.lab["LAB_DIR"], "configs", "catalog-healthy.json"),
                "--resolver", f"{self.lab['DNS_IP']}:53", "--cacert", self.lab["LAB_ROOT_CA"],
                "--path", "direct", "--timeout", "8000", "--state-dir", self.state,
                "--format", "json", "--output", out] + extra
        t0 = time.monotonic()
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=90)
        r = {"rc": p.returncode, "stderr": p.stderr.decode("utf-8", "replace"), "out": out,
             "seconds": time.monotonic() - t0, "report": None}
        with open(out + ".stderr", "w") as f:
            f.write(r["stderr"])
        try:
            with open(out) as f:
                r["report"] = json.load(f)
        except (OSError, ValueError) as e:
            raise self.Fail(f"run {name}: no JSON report ({e}); rc={p.returncode}; "
                            f"stderr: {r['stderr'].strip()[-300:]}")
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if marker in r["stderr"]:
                raise self.Fail(f"run {name}: sanitizer report: {r['stderr'][:300]}")
        self.runs[name] = r
        return r

    # ------------------------------------------------------------------ the sequence
    def ensure(self):
        if self.done:
            if self.error:
                raise self.Fail(self.error)
            return
        self.done = True
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        hook_b = os.path.join(self.dir, "hook-B.json")
        hook_c = os.path.join(self.dir, "hook-C.json")
        try:
            a = self.run("A", ["--fail-on", "regression"])
            for res in a["report"].get("results") or []:
                if res["endpoint"]["id"] == TARGET and res["path"] == "direct":
                    self.target_ip = ((res.get("dns") or {}).get("addresses") or [None])[0]
            if not self.target_ip:
                raise self.Fail(f"run A: no address for {TARGET}@direct")
            self.block("reject with tcp reset")
            self.run("B", ["--fail-on", "regression", "--on-change", f"cat > '{hook_b}'"])
            self.run("C", ["--fail-on", "regression", "--on-change", f"cat > '{hook_c}'"])
            self.run("C2", [])
            self.block("drop")
            self.run("D", ["--fail-on", "regression"])
            self.unblock()
            self.run("E", ["--fail-on", "regression"])
            self.hook_b, self.hook_c = hook_b, hook_c
        except self.Fail as e:
            self.error = str(e)
            raise
        finally:
            self.unblock()

    def changes(self, name):
        return self.runs[name]["report"].get("changes")


def keys(items):
    return sorted((c.get("endpoint"), c.get("path")) for c in items or [])


def add_cases(case, Fail, lab, binary, reports):
    h = History(lab, binary, reports, Fail)

    @case
    def history_first_run():
        h.ensure()
        a = h.runs["A"]
        ch = h.changes("A")
        if a["rc"] != 0:
            raise Fail(f"run A exit {a['rc']}, expected 0 (healthy, first run); stderr {a['stderr'][-200:]!r}")
        if not isinstance(ch, dict) or ch.get("previous") is not None or ch.get("counts") != \
                {"newly_failing": 0, "recovered": 0, "changed_cause": 0}:
            raise Fail(f"run A changes = {ch!r}, expected a first run with nothing compared")
        st = os.stat(h.state)
        if st.st_mode & 0o777 != 0o700:
            raise Fail(f"state dir mode {oct(st.st_mode & 0o777)}, expected 0700")
        if not os.path.exists(os.path.join(h.state, "history.db")):
            raise Fail("no history.db in the state dir")
        return f"first run recorded (run_id {ch.get('run_id')}), state dir 0700"

    @case
    def history_firewall_newly_failing():
        h.ensure()
        b, ch, a = h.runs["B"], h.changes("B"), h.changes("A")
        if keys(ch.get("newly_failing")) != [(TARGET, "direct")]:
            raise Fail(f"newly_failing = {keys(ch.get('newly_failing'))}, expected exactly {TARGET}@direct")
        if ch.get("recovered") or ch.get("changed_cause"):
            raise Fail(f"unexpected recovered/changed_cause: {ch.get('recovered')} {ch.get('changed_cause')}")
        nf = ch["newly_failing"][0]
        if (nf.get("status"), nf.get("error_code"), nf.get("phase")) != ("fail", "connect_refused", "connect") or \
                (nf.get("previous") or {}).get("status") != "ok":
            raise Fail(f"newly failing entry {nf!r}")
        prev = ch.get("previous") or {}
        if prev.get("run_id") != a.get("run_id") or prev.get("started_at") != h.runs["A"]["report"]["started_at"]:
            raise Fail(f"previous = {prev!r}, expected run A ({a.get('run_id')}, "
                       f"{h.runs['A']['report']['started_at']})")
        if ch.get("regressions") != 1:
            raise Fail(f"regressions = {ch.get('regressions')}")
        if b["rc"] != 1:
            raise Fail(f"--fail-on regression exit {b['rc']}, expected 1")
        return f"exactly {TARGET}@direct newly failing (connect_refused) since {prev.get('started_at')}; exit 1"

    @case
    def history_on_change_hook():
        h.ensure()
        try:
            with open(h.hook_b) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            raise Fail(f"--on-change hook input: {e}")
        if doc.get("changes") != h.changes("B"):
            raise Fail("the hook's changes differ from the report's changes")
        if (doc.get("tool") or {}).get("name") != "tlspath" or doc.get("verdict") != "fail" or \
                doc.get("started_at") != h.runs["B"]["report"]["started_at"]:
            raise Fail(f"hook document header: {dict((k, doc.get(k)) for k in ('tool', 'verdict', 'started_at'))}")
        if os.path.exists(h.hook_c):
            raise Fail("the hook ran for run C, which changed nothing")
        return f"hook got {os.path.getsize(h.hook_b)} bytes of JSON equal to the report's changes; not run without changes"

    @case
    def history_fail_on_regression_exit():
        h.ensure()
        c, c2 = h.runs["C"], h.runs["C2"]
        if h.changes("C").get("counts") != {"newly_failing": 0, "recovered": 0, "changed_cause": 0}:
            raise Fail(f"run C changes {h.changes('C').get('counts')}, expected none (still blocked)")
        if (c["report"].get("summary") or {}).get("verdict") != "fail":
            raise Fail("run C should still fail (edr-cus blocked)")
        if c["rc"] != 0:
            raise Fail(f"run C: --fail-on regression exit {c['rc']}, expected 0 (nothing new)")
        if c2["rc"] != 1:
            raise Fail(f"run C2: default --fail-on any exit {c2['rc']}, expected 1")
        return "still failing, nothing new: regression exit 0, any exit 1"

    @case
    def history_changed_cause_and_recovery():
        h.ensure()
        d, e = h.runs["D"], h.runs["E"]
        cc = h.changes("D").get("changed_cause")
        if keys(cc) != [(TARGET, "direct")] or h.changes("D").get("newly_failing"):
            raise Fail(f"run D changed_cause {keys(cc)}, newly_failing {h.changes('D').get('newly_failing')}")
        x = cc[0]
        if (x.get("previous") or {}).get("error_code") != "connect_refused" or x.get("error_code") != "connect_timeout":
            raise Fail(f"run D change {x!r}")
        if d["rc"] != 1:
            raise Fail(f"run D exit {d['rc']}, expected 1 (a required endpoint fails for a new cause)")
        rec = h.changes("E").get("recovered")
        if keys(rec) != [(TARGET, "direct")] or h.changes("E").get("newly_failing") or \
                h.changes("E").get("changed_cause"):
            raise Fail(f"run E changes {h.changes('E')!r}")
        if e["rc"] != 0:
            raise Fail(f"run E exit {e['rc']}, expected 0")
        return "reject -> drop: changed cause connect_refused -> connect_timeout (exit 1); unblocked: recovered (exit 0)"

    @case
    def history_reports_match_schema():
        h.ensure()
        import jsonschema
        schema = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "report.schema.json")))
        for name, r in h.runs.items():
            try:
                jsonschema.validate(r["report"], schema)
            except jsonschema.ValidationError as e:
                raise Fail(f"run {name}: {e.message} at {list(e.absolute_path)}")
        p = subprocess.run(["ip", "netns", "exec", h.lab["NS_GW"], "nft", "list", "table", "inet", NFT_TABLE],
                           capture_output=True)
        if p.returncode == 0:
            raise Fail(f"the test's nftables table {NFT_TABLE} is still there")
        return f"{len(h.runs)} history reports valid; firewall table removed"
