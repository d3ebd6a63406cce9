#!/usr/bin/python3
"""Benchmark: the open model (--rate) beside peers that have a rate mode, hey -q and h2load --rps.

    /usr/bin/python3 tools/bench/open_model.py [--build DIR] [--rates 1000,10000] [--duration S]
                                               [--connections N]

nginx (one worker, `return 200`) logs every request's time ($msec). For each target rate R each tool
runs for S seconds (default 10) over N connections (default 50): loads-runner with `--rate R -u N
--threads 1`, `hey -z Ss -c N -q R/N` (hey paces each of its N workers), `h2load --h1 -c N --rps R/N
-D S` (likewise per client). Reported per tool: the rate the server saw (requests it logged over S,
and the ratio to R), how even the arrivals were (the coefficient of variation of the requests in
each 10 ms window: 0 is perfectly even, a tool that bursts once per tick shows > 1), the p99 each
tool reports, and its CPU (user + sys) per 1,000 requests; then loads' figures over each peer's as
ratios. The peers pace per connection, so their schedules are not one even stream by design: the
evenness column shows what a server sees of each.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib


def evenness(times, window=0.01):
    """Coefficient of variation of the requests per `window` seconds (first and last windows left out)."""
    if len(times) < 100:
        return float("nan")
    times = sorted(times)
    counts = [0] * (int((times[-1] - times[0]) / window) + 1)
    for t in times:
        counts[int((t - times[0]) / window)] += 1
    inner = counts[1:-1]
    mean = statistics.mean(inner)
    return statistics.pstdev(inner) / mean if mean else float("nan")


def run_loads(runner, url, rate, seconds, connections, workdir):
    report = os.path.join(workdir, "report.json")
    proc = subprocess.Popen([runner, "bench.Bench.test_get", "--server-url", url, "--rate", str(rate), "-d",
                             str(seconds), "-u", str(connections), "--threads", "1", "--quiet", "--output", "json",
                             "--output-json-filename", report], env=dict(os.environ, LOADS_PATH=os.path.join(
                                 os.path.dirname(os.path.dirname(runner)), "lib")))
    cpu = benchlib.wait_keeping_cpu(proc)
    if proc.returncode != 0:
        sys.exit(f"loads-runner failed with status {proc.returncode}")
    with open(report) as f:
        doc = json.load(f)
    return {"cpu": cpu, "p99_ms": doc["latency"]["p99_ms"], "dropped": doc["totals"]["dropped_arrivals"]}


def run_hey(url, rate, seconds, connections):
    proc = subprocess.Popen(["hey", "-z", f"{seconds}s", "-c", str(connections), "-q", str(rate / connections), url],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    cpu = benchlib.wait_keeping_cpu(proc)
    match = re.search(r"99%+ in ([\d.]+) secs", out)
    return {"cpu": cpu, "p99_ms": float(match.group(1)) * 1000 if match else float("nan"), "dropped": 0}


def run_h2load(url, rate, seconds, connections):
    proc = subprocess.Popen(["h2load", "--h1", "-c", str(connections), "--rps", str(rate / connections), "-D",
                             str(seconds), url], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    cpu = benchlib.wait_keeping_cpu(proc)
    # h2load reports min/max/mean/sd of request times, no percentiles: its max stands in.
    match = re.search(r"time for request:\s+\S+\s+(\S+)", out)
    return {"cpu": cpu, "p99_ms": parse_h2load_time(match.group(1)) if match else float("nan"), "dropped": 0}


def parse_h2load_time(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[match.group(2)] if match else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--rates", default="1000,10000")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    build = benchlib.build_dir(args.build)
    runner = os.path.join(build, "bin", "loads-runner")
    nginx = benchlib.Nginx(connections=args.connections, log_times=True)
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="loads-bench-open-") as workdir:
            for rate in [float(r) for r in args.rates.split(",")]:
                for tool in ("loads", "hey", "h2load"):
                    nginx.request_times()  # start from an empty log
                    if tool == "loads":
                        r = run_loads(runner, nginx.url, rate, args.duration, args.connections, workdir)
                    elif tool == "hey":
                        r = run_hey(nginx.url, rate, args.duration, args.connections)
                    else:
                        r = run_h2load(nginx.url, rate, args.duration, args.connections)
                    time.sleep(1.5)  # nginx flushes its log buffer every second
                    times = nginx.request_times()
                    r.update(tool=tool, rate=rate, served=len(times) / args.duration, cv=evenness(times),
                             cpu_per_k=r["cpu"] / max(len(times), 1) * 1000)
                    rows.append(r)
    finally:
        nginx.stop()
    print(f"{'tool':8} {'target/s':>9} {'served/s':>10} {'served/target':>13} {'evenness CV':>11} "
          f"{'p99 ms':>8} {'CPU ms/1k':>9} {'dropped':>7}")
    for r in rows:
        print(f"{r['tool']:8} {r['rate']:9.0f} {r['served']:10.1f} {r['served'] / r['rate']:13.4f} {r['cv']:11.3f} "
              f"{r['p99_ms']:8.3f} {r['cpu_per_k'] * 1000:9.1f} {r['dropped']:7d}")
    print("\nloads / peer (served rate, CPU per request):")
    for rate in sorted({r["rate"] for r in rows}):
        loads = next(r for r in rows if r["tool"] == "loads" and r["rate"] == rate)
        for peer in ("hey", "h2load"):
            p = next(r for r in rows if r["tool"] == peer and r["rate"] == rate)
            print(f"  {rate:7.0f}/s vs {peer:6}: served {loads['served'] / p['served']:.3f}, "
                  f"CPU {loads['cpu_per_k'] / p['cpu_per_k']:.3f}")


if __name__ == "__main__":
    main()
