"""tests/lab/serve_lab.py — the `tlspath serve` lab scenario (imported by scenarios.py).

Inside the lab's client namespace: `tlspath serve` runs the healthy subset (the sysresolver
config: direct and the plain proxy; history in a temporary --state-dir) every 2 s on 127.0.0.1
with a bearer token, and a real
Prometheus server (Debian's `prometheus`, temporary config and storage, scrape interval
1 s, on the namespace's loopback) scrapes its /metrics with that token. The scenario asks
Prometheus' HTTP API, not serve, what it scraped: tlspath_probe_success of a healthy
endpoint, the site label, serve's run counter, `up`. Then SIGHUP with a broken config (kept
running, the reason logged), SIGHUP with a good one, and SIGTERM (exit 0).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse

SERVE_PORT = 19810
PROM_PORT = 19090
TOKEN = "lab-serve-token-7c1e2a9f"
SITE = "lab-egress-1"


class ServeRun:
    """Looks like scenarios.Run to the generic checks (name, rc, seconds, error, stderr)."""

    def __init__(self, name="serve"):
        self.name = name
        self.rc = None
        self.seconds = None
        self.error = None
        self.stdout = self.stderr = self.report_text = ""
        self.facts = {}          # what the cases assert on
        self.prom_log = ""

    # -- helpers running inside the client namespace
    def _ns(self, lab, *cmd):
        return ["ip", "netns", "exec", lab["NS_CLIENT"], *cmd]

    def _curl(self, lab, url, token=None, timeout=5):
        cmd = ["curl", "-s", "-m", str(timeout), "-w", "\n%{http_code}"]
        if token:
            cmd += ["-H", f"Authorization: Bearer {token}"]
        p = subprocess.run(self._ns(lab, *cmd, url), capture_output=True, timeout=timeout + 5)
        out = p.stdout.decode("utf-8", "replace")
        body, _, code = out.rpartition("\n")
        return int(code) if code.isdigit() else 0, body

    def _query(self, lab, q):
        url = f"http://127.0.0.1:{PROM_PORT}/api/v1/query?query=" + urllib.parse.quote(q)
        code, body = self._curl(lab, url)
        if code != 200:
            return None
        try:
            doc = json.loads(body)
        except ValueError:
            return None
        if doc.get("status") != "success":
            return None
        return doc["data"]["result"]

    def _wait(self, what, fn, timeout):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            v = fn()
            if v:
                return v
            time.sleep(0.3)
        raise RuntimeError(f"timed out after {timeout} s waiting for {what}")

    def start(self, lab, binary, reports):
        t0 = time.monotonic()
        tmp = tempfile.mkdtemp(prefix="serve-lab-", dir=reports)
        serve = prom = None
        serr_path = os.path.join(reports, f"{self.name}.stderr")
        try:
            token_file = os.path.join(tmp, "token")
            with open(token_file, "w") as f:
                f.write(TOKEN + "\n")
            os.chmod(token_file, 0o600)
            cfg_file = os.path.join(tmp, "config.json")
            shutil.copy(lab["CONFIG_SYSRESOLVER"], cfg_file)
            serr = open(serr_path, "w")
            serve = subprocess.Popen(
                self._ns(lab, binary, "serve", "--config", cfg_file, "--interval", "2s", "--jitter", "200ms",
                         "--listen", f"127.0.0.1:{SERVE_PORT}", "--token-file", token_file, "--site", SITE,
                         "--timeout", "5000", "--state-dir", os.path.join(tmp, "state")),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=serr)
            prom_cfg = os.path.join(tmp, "prometheus.yml")
            with open(prom_cfg, "w") as f:
                f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: tlspath
    authorization:
      type: Bearer
      credentials_file: {token_file}
    static_configs:
      - targets: ["127.0.0.1:{SERVE_PORT}"]
""")
            plog = open(os.path.join(reports, f"{self.name}.prometheus.log"), "w")
            prom = subprocess.Popen(
                self._ns(lab, "prometheus", f"--config.file={prom_cfg}", f"--storage.tsdb.path={tmp}/tsdb",
                         f"--web.listen-address=127.0.0.1:{PROM_PORT}", "--log.level=warn"),
                stdin=subprocess.DEVNULL, stdout=plog, stderr=plog)

            # serve answers, and refuses without the token
            self._wait("serve /healthz", lambda: self._curl(lab, f"http://127.0.0.1:{SERVE_PORT}/healthz")[0] == 200, 15)
            self.facts["no_token_status"] = self._curl(lab, f"http://127.0.0.1:{SERVE_PORT}/metrics")[0]
            self.facts["token_status"] = self._curl(lab, f"http://127.0.0.1:{SERVE_PORT}/metrics", TOKEN)[0]

            # what Prometheus scraped
            q = f'tlspath_probe_success{{endpoint="maps-cp-us",path="direct",site="{SITE}"}}'
            res = self._wait("Prometheus to have " + q, lambda: self._query(lab, q), 40)
            self.facts["probe_success"] = res[0]["value"][1]
            self.facts["probe_labels"] = res[0]["metric"]
            res = self._wait("up", lambda: self._query(lab, 'up{job="tlspath"}'), 10)
            self.facts["up"] = res[0]["value"][1]
            # at least two runs counted (the counter moves between scrapes)
            self._wait("two runs in Prometheus",
                       lambda: (self._query(lab, f'sum(tlspath_serve_runs_total{{site="{SITE}"}}) >= 2') or None), 20)
            res = self._query(lab, f'sum(tlspath_serve_runs_total{{site="{SITE}"}})')
            self.facts["runs_total"] = float(res[0]["value"][1]) if res else 0.0
            res = self._query(lab, "count(tlspath_probe_success == 1)")
            self.facts["healthy_series"] = int(float(res[0]["value"][1])) if res else 0
            res = self._query(lab, "count(tlspath_probe_success)")
            self.facts["all_series"] = int(float(res[0]["value"][1])) if res else 0
            code, body = self._curl(lab, f"http://127.0.0.1:{SERVE_PORT}/history.json", TOKEN)
            hist = json.loads(body) if code == 200 else {}
            self.facts["history_runs"] = len(hist.get("runs", []))
            self.facts["history_backend"] = hist.get("backend")
            code, self.report_text = self._curl(lab, f"http://127.0.0.1:{SERVE_PORT}/report.json", TOKEN)
            self.facts["report"] = json.loads(self.report_text) if code == 200 else None

            # SIGHUP with a broken config: refused, old one kept, serve still answers
            with open(cfg_file) as f:
                good = f.read()
            with open(cfg_file, "w") as f:
                f.write('{"paths": [{"id": "x", "type": "http", "proxy": "nope"}]}')
            serve.send_signal(signal.SIGHUP)
            time.sleep(1.0)
            self.facts["alive_after_bad_hup"] = serve.poll() is None
            self.facts["healthz_after_bad_hup"] = self._curl(lab, f"http://127.0.0.1:{SERVE_PORT}/healthz")[0]
            with open(cfg_file, "w") as f:
                f.write(good)
            serve.send_signal(signal.SIGHUP)
            time.sleep(1.0)

            # SIGTERM: a clean exit 0, in bounded time (a run may be in progress)
            t_term = time.monotonic()
            serve.send_signal(signal.SIGTERM)
            try:
                self.rc = serve.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.error = "serve did not exit within 20 s of SIGTERM"
            self.facts["term_seconds"] = time.monotonic() - t_term
        except Exception as e:  # noqa: BLE001 — any failure is the scenario's failure
            self.error = f"{type(e).__name__}: {e}"
        finally:
            for p in (serve, prom):
                if p and p.poll() is None:
                    p.terminate()
                    try:
                        p.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        p.kill()
                        p.wait()
            shutil.rmtree(tmp, ignore_errors=True)
            self.seconds = time.monotonic() - t0
            try:
                with open(serr_path) as f:
                    self.stderr = f.read()
            except OSError:
                pass


def check(sr, Fail):
    """The case body: raises Fail with what is wrong, returns a one-line summary."""
    if sr.error:
        tail = " | ".join(sr.stderr.strip().splitlines()[-3:])
        raise Fail(f"{sr.error}; serve stderr: {tail[:300]}")
    f = sr.facts
    problems = []
    if f.get("no_token_status") != 401:
        problems.append(f"/metrics without the token answered {f.get('no_token_status')}, not 401")
    if f.get("token_status") != 200:
        problems.append(f"/metrics with the token answered {f.get('token_status')}")
    if f.get("probe_success") != "1":
        problems.append(f"Prometheus: tlspath_probe_success of maps-cp-us@direct = {f.get('probe_success')}, not 1")
    if (f.get("probe_labels") or {}).get("site") != SITE:
        problems.append(f"series labels {f.get('probe_labels')} lack site={SITE}")
    if f.get("up") != "1":
        problems.append(f"Prometheus: up = {f.get('up')}")
    if f.get("runs_total", 0) < 2:
        problems.append(f"tlspath_serve_runs_total = {f.get('runs_total')}")
    if f.get("all_series", 0) == 0 or f.get("healthy_series") != f.get("all_series"):
        problems.append(f"{f.get('healthy_series')} of {f.get('all_series')} probe series healthy (all expected)")
    rep = f.get("report")
    if not rep:
        problems.append("no /report.json")
    else:
        import jsonschema   # python3-jsonschema (Debian), installed by scripts/setup test
        schema = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                                             "report.schema.json")))
        try:
            jsonschema.validate(rep, schema)
        except jsonschema.ValidationError as e:
            problems.append(f"/report.json: {e.message} at {list(e.absolute_path)}")
        if rep.get("site") != SITE:
            problems.append(f"/report.json site = {rep.get('site')!r}")
        ch = rep.get("changes") or {}
        if not ch.get("previous"):
            problems.append(f"/report.json has no changes since a previous run: {ch!r}"[:200])
    if f.get("history_backend") != "sqlite":
        problems.append(f"/history.json backend {f.get('history_backend')!r}, not sqlite (--state-dir)")
    if f.get("history_runs", 0) < 2:
        problems.append(f"/history.json holds {f.get('history_runs')} runs")
    if not f.get("alive_after_bad_hup") or f.get("healthz_after_bad_hup") != 200:
        problems.append("serve did not survive SIGHUP with a broken config")
    if "NOT reloaded" not in sr.stderr or "paths[0]" not in sr.stderr:
        problems.append("stderr does not say why the broken config was refused")
    if "configuration reloaded" not in sr.stderr:
        problems.append("the good config was not reloaded")
    if sr.rc != 0:
        problems.append(f"exit status {sr.rc} after SIGTERM, not 0")
    if TOKEN in sr.stderr:
        problems.append("the token appears in serve's stderr")
    if problems:
        raise Fail("; ".join(problems))
    return (f"Prometheus scraped {f['all_series']} healthy probe series (site={SITE}), "
            f"{f['runs_total']:.0f} runs; bad SIGHUP refused, SIGTERM exit 0 in {f['term_seconds']:.1f} s")
