#!/usr/bin/env python3
"""tests/bench/lab_compare.py — the body of tests/bench/lab-compare (see there). stdlib only."""
import argparse
import json
import os
import platform
import subprocess
import sys
import time



def measure(cmd, stdin_text=None):
    """Runs cmd in a helper process of its own, so that its peak RSS and CPU are this cmd's."""
    helper = ("import json,resource,subprocess,sys,time\n"
              "t=time.monotonic()\n"
              "p=subprocess.run(sys.argv[1:],input=sys.stdin.buffer.read(),stdout=subprocess.DEVNULL,"
              "stderr=subprocess.DEVNULL)\n"
              "w=time.monotonic()-t\n"
              "r=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
              "print(json.dumps({'rc':p.returncode,'wall':w,'cpu':r.ru_utime+r.ru_stime,'rss':r.ru_maxrss}))\n")
    p = subprocess.run([sys.executable, "-c", helper] + cmd, input=(stdin_text or "").encode(),
                       capture_output=True)
    lines = p.stdout.decode().strip().splitlines()
    if not lines:
        sys.exit(f"measure {cmd[:6]}: {p.stderr.decode()[-500:]}")
    return json.loads(lines[-1])


def probes(lab, total, wan):
    """About `total` probes: copies of the lab's healthy endpoints on every path of the
    lab-wan config (direct, the plain proxy and the Basic-auth proxy, both behind the delay
    relay) — or, for the scale run (wan False), direct and the plain proxy without the delay."""
    cfg = json.load(open(f"{lab}/configs/lab-wan.json"))
    cat = json.load(open(cfg["catalogs"][0]))
    if not wan:
        env = dict(l.split("=", 1) for l in open(f"{lab}/lab.env").read().split("\n") if "=" in l and not l.startswith("#"))
        cfg = dict(cfg, paths=[{"id": "direct", "type": "direct"},
                               {"id": "proxy", "type": "http", "proxy": env["PROXY_PLAIN"]}])
    n_eps = max(1, total // len(cfg["paths"]))
    base = cat["endpoints"]
    cat["endpoints"] = [dict(base[i % len(base)], id=f"{base[i % len(base)]['id']}-{i // len(base)}")
                        for i in range(n_eps)]
    return cfg, cat


def write_config(work, name, cfg, cat):
    json.dump(cat, open(f"{work}/{name}-catalog.json", "w"))
    c = dict(cfg, catalogs=[f"{work}/{name}-catalog.json"])
    json.dump(c, open(f"{work}/{name}.json", "w"))
    return f"{work}/{name}.json"


def curl_lines(cfg, cat, ca, curlrc):
    """One curl command per probe. The Basic proxy's credentials come from a curl config file
    (-K), not the command line."""
    out = []
    for e in cat["endpoints"]:
        for p in cfg["paths"]:
            args = ["curl", "-sS", "-o", "/dev/null", "--max-time", "20", "--cacert", ca]
            if p["type"] == "http":
                args += ["--proxy", "http://" + p["proxy"]]
                if p.get("auth"):
                    args += ["-K", curlrc]
            out.append(" ".join(args + [e["url"]]))
    return out


def tlspath(ns, binary, config, conc, out):
    cmd = ["ip", "netns", "exec", ns, binary, "run", "--config", config, "--concurrency", str(conc),
           "--format", "json", "--output", out, "--quiet"]
    m = measure(cmd)
    rep = json.load(open(out))
    m["report"] = rep
    return m


def tlspath_threads(ns, binary, config, conc, out):
    """Like tlspath(), polling /proc for the CPU of each thread: the loop thread (tid = pid)
    against the others (libuv's pool), and the busiest second of the run in % of one core
    (above 100 %: more than one core at work)."""
    cmd = ["ip", "netns", "exec", ns, binary, "run", "--config", config, "--concurrency", str(conc),
           "--format", "json", "--output", out, "--quiet"]
    tick = os.sysconf("SC_CLK_TCK")
    t0 = time.monotonic()
    m0 = machine_cpu()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    threads, samples = {}, []
    while p.poll() is None:
        total = 0
        try:
            for tid in os.listdir(f"/proc/{p.pid}/task"):
                f = open(f"/proc/{p.pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
                cpu = (int(f[11]) + int(f[12])) / tick
                threads[int(tid)] = max(threads.get(int(tid), 0), cpu)
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
        samples.append((time.monotonic(), sum(threads.values())))
        time.sleep(0.1)
    wall = time.monotonic() - t0
    m1 = machine_cpu()
    busy = (m1[0] - m0[0]) / max(1e-9, m1[1] - m0[1])   # share of all cores' time spent busy
    peak = 0.0
    for i in range(len(samples)):
        for j in range(i, len(samples)):
            if samples[j][0] - samples[i][0] >= 1.0:
                peak = max(peak, (samples[j][1] - samples[i][1]) / (samples[j][0] - samples[i][0]))
                break
    loop = threads.get(p.pid, 0)
    return {"wall": wall, "loop": loop, "pool": sum(threads.values()) - loop, "peak": 100 * peak,
            "machine": 100 * busy, "report": json.load(open(out))}


def machine_cpu():
    """(busy, total) jiffies of every core since boot (/proc/stat): the machine's load during a
    run — the client's CPU against what the lab's servers (nginx, squid) and the rest took."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = f[3] + f[4]  # idle + iowait
    return sum(f[:8]) - idle, sum(f[:8])


def interrupt(ns, binary, config, conc, out, after):
    """SIGINT `after` seconds into a run, as a terminal's Ctrl-C: how long until the process
    has exited (its partial report written), its status and the report's verdict."""
    cmd = ["ip", "netns", "exec", ns, binary, "run", "--config", config, "--concurrency", str(conc),
           "--format", "json", "--output", out, "--quiet"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(after)
    t = time.monotonic()
    p.send_signal(2)   # ip netns exec execs the binary: the signal reaches tlspath itself
    rc = p.wait()
    took = time.monotonic() - t
    try:
        verdict = json.load(open(out))["summary"]["verdict"]
    except (OSError, ValueError, KeyError):
        verdict = "(no report)"
    return took, rc, verdict


def judge(rep, total_ms):
    res = rep["results"]
    net = incon = 0
    worst = 0.0
    for r in res:
        code = (r.get("error") or {}).get("code")
        if code == "inconclusive":
            incon += 1
        elif code and code not in ("cancelled", "engine_error"):
            net += 1  # every endpoint here is healthy: any other code blames the path
        t = (r.get("timings_ms") or {}).get("total") or 0
        worst = max(worst, t)
    return net, incon, worst


def row(label, m, n, ref=None):
    ratio = f"{ref['wall'] / m['wall']:6.1f}x" if ref else "      "
    return (f"{label:<28} wall {m['wall']:8.2f} s  cpu {m['cpu']:7.2f} s ({m['cpu'] * 1000 / n:5.2f} ms/probe)  "
            f"peak rss {m['rss'] / 1024:7.1f} MB  {ratio} vs xargs")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lab"), ap.add_argument("--work"), ap.add_argument("--bin"), ap.add_argument("--base")
    ap.add_argument("--probes", type=int, default=600)
    ap.add_argument("--no-seq", action="store_true")
    ap.add_argument("--scale", type=int, default=0)
    ap.add_argument("--scale-conc", default="512,100000")
    a = ap.parse_args()
    env = dict(l.split("=", 1) for l in open(f"{a.lab}/lab.env").read().split("\n") if "=" in l and not l.startswith("#"))
    ns, ca = env["NS_CLIENT"], env["LAB_ROOT_CA"]
    load = open("/proc/loadavg").read().split()[:3]
    print(f"lab-compare: {platform.node()} {os.cpu_count()} cpus, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
          f"load average {' '.join(load)}, relay delay {env.get('WAN_DELAY_MS')} ms per chunk")
    bins = [("tlspath", a.bin)] + ([("tlspath (base)", a.base)] if a.base else [])

    cfg, cat = probes(a.lab, a.probes, True)
    n = len(cat["endpoints"]) * len(cfg["paths"])
    config = write_config(a.work, "wan", cfg, cat)
    # the Basic proxy's password: tlspath reads it from the environment (password_env), curl
    # from a config file of its own; neither puts it on a command line
    password = open(env["PROXY_PASS_FILE"]).read().strip()
    os.environ["LAB_PROXY_PASS"] = password
    curlrc = f"{a.work}/auth.curlrc"
    with open(os.open(curlrc, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(f'proxy-user = "{env["PROXY_USER"]}:{password}"\n')
    lines = curl_lines(cfg, cat, ca, curlrc)
    print(f"{n} probes ({len(cat['endpoints'])} endpoints x {len(cfg['paths'])} paths: "
          f"{', '.join(p['id'] for p in cfg['paths'])}; the proxies behind the delay relay)")
    xargs = measure(["ip", "netns", "exec", ns, "xargs", "-P", "64", "-d", "\n", "-n", "1", "sh", "-c"],
                    "\n".join(lines) + "\n")
    if not a.no_seq:
        seq = measure(["ip", "netns", "exec", ns, "sh", "-c", "\n".join(l + " || true" for l in lines)])
        print(row("sequential curl", seq, n, xargs))
    print(row("xargs -P 64 curl", xargs, n, xargs))
    # the last row lifts limits.per_proxy (default 64) to every probe: what the cap that keeps a
    # run from flooding a production proxy costs here (the proxied half waits in waves of 64)
    uncapped = write_config(a.work, "wan-uncapped", dict(cfg, limits=dict(cfg["limits"], per_proxy=n)), cat)
    for label, b in bins:
        runs = [(n, config, ""), (64, config, "")]
        if b == a.bin:   # a base binary may predate limits.per_proxy
            runs.append((n, uncapped, f" per_proxy {n}"))
        for conc, conf, note in runs:
            m = tlspath(ns, b, conf, conc, f"{a.work}/r.json")
            s = m["report"]["summary"]
            net, incon, worst = judge(m["report"], cfg["limits"]["timeout_ms"]["total"])
            print(row(f"{label} -c {conc}{note}", m, n, xargs) + f"  ok {s['ok']}/{n} network-blamed {net} "
                  f"inconclusive {incon} slowest {worst:.0f} ms")

    if a.scale:
        cfg, cat = probes(a.lab, a.scale, False)
        n = len(cat["endpoints"]) * len(cfg["paths"])
        config = write_config(a.work, "scale", cfg, cat)
        total = cfg["limits"]["timeout_ms"]["total"]
        print(f"scale: {n} probes, no delay (direct and the plain proxy), total deadline {total} ms")
        for label, b in bins:
            for conc in [int(c) for c in a.scale_conc.split(",")]:
                m = tlspath(ns, b, config, conc, f"{a.work}/s.json")
                s = m["report"]["summary"]
                net, incon, worst = judge(m["report"], total)
                print(f"{label + ' -c ' + str(conc):<28} wall {m['wall']:7.2f} s  cpu {m['cpu']:7.2f} s "
                      f"({m['cpu'] * 1000 / n:5.2f} ms/probe, {100 * m['cpu'] / m['wall']:4.0f}% of a core)  "
                      f"peak rss {m['rss'] / 1024:6.1f} MB  ok {s['ok']}/{n}  network-blamed {net}  "
                      f"inconclusive {incon}  worst total {worst:.0f} ms ({100 * worst / total:.0f}% of the deadline)")
                sys.stdout.flush()
        conc = max(int(c) for c in a.scale_conc.split(","))
        took, rc, partial = interrupt(ns, a.bin, config, conc, f"{a.work}/i.json", 2.0)
        print(f"Ctrl-C (SIGINT 2 s into tlspath -c {conc}): exit {rc} {took:.2f} s after the signal, "
              f"partial report: verdict {partial}")
        m = tlspath_threads(ns, a.bin, config, 512, f"{a.work}/t.json")
        print(f"threads (tlspath -c 512, polled): loop thread {m['loop']:.1f} s CPU, other threads (libuv pool) "
              f"{m['pool']:.1f} s, busiest second {m['peak']:.0f}% of a core, wall {m['wall']:.1f} s; "
              f"the machine's {os.cpu_count()} cores {m['machine']:.0f}% busy (the client, the lab's servers, the rest)")


if __name__ == "__main__":
    main()
