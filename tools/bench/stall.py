#!/usr/bin/python3
"""Benchmark: does the reported latency show a server that stalls? Beside wrk.

    /usr/bin/python3 tools/bench/stall.py [--build DIR] [--stall S] [--duration S] [--users N]

nginx (one worker) on loopback is paused with SIGSTOP for S seconds (default 2) in the middle of
a D-second run (default 10) of N users (default 100): once under `loads-runner bench.Bench.test_get
--threads 1`, once under `wrk -t1 -cN --latency`. Every request in flight when the server stops
waits the whole stall, so an honest report shows about S seconds in its maximum (and in p99 if
enough requests were caught). The script prints both tools' p50, p99 and max.

How loads measures: each virtual user is a closed loop (a request, its response, the next), and a
hit's time runs from the moment its request starts (connect included) to the last byte of the
response, on a monotonic clock; every hit goes into an HDR-style histogram (log-linear buckets,
<1% error) from which the percentiles come. A stalled request is one long hit; the requests the
user did not send meanwhile are not invented (no coordinated-omission correction, as wrk does
not either), so the stall shows in the maximum and in the tail in proportion to how many requests
it caught.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import benchlib


def stall_later(pid, at, seconds):
    def stall():
        time.sleep(at)
        os.kill(pid, signal.SIGSTOP)
        time.sleep(seconds)
        os.kill(pid, signal.SIGCONT)
    thread = threading.Thread(target=stall)
    thread.start()
    return thread


def nginx_worker(nginx):
    """The pid of nginx's only worker process."""
    out = subprocess.run(["pgrep", "-P", str(nginx.proc.pid)], capture_output=True, text=True).stdout.split()
    if len(out) != 1:
        sys.exit(f"expected one nginx worker, found {out}")
    return int(out[0])


def wrk_ms(text):
    """wrk's duration text (e.g. 2.00s, 512.00us, 1.20ms) in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        sys.exit(f"cannot read wrk's latency {text!r}")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--stall", type=float, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--users", type=int, default=100)
    args = parser.parse_args()
    build = benchlib.build_dir(args.build)
    runner = os.path.join(build, "bin", "loads-runner")
    nginx = benchlib.Nginx(connections=args.users)
    worker = nginx_worker(nginx)
    at = args.duration / 2 - args.stall / 2
    try:
        with tempfile.TemporaryDirectory(prefix="loads-bench-stall-") as workdir:
            report = os.path.join(workdir, "report.json")
            thread = stall_later(worker, at, args.stall)
            loads = subprocess.run([runner, "bench.Bench.test_get", "--server-url", nginx.url, "--threads", "1", "-u",
                                    str(args.users), "-d", str(args.duration), "--quiet", "--output", "json",
                                    "--output-json-filename", report],
                                   env=dict(os.environ, LOADS_PATH=os.path.join(build, "lib")), capture_output=True,
                                   text=True)
            thread.join()
            if loads.returncode != 0:
                sys.exit(f"loads-runner failed ({loads.returncode}): {loads.stderr}")
            with open(report) as f:
                latency = json.load(f)["latency"]
            thread = stall_later(worker, at, args.stall)
            wrk = subprocess.run(["wrk", "-t1", f"-c{args.users}", f"-d{args.duration}s", "--latency", nginx.url],
                                 capture_output=True, text=True)
            thread.join()
    finally:
        nginx.stop()
    print(f"nginx stopped for {args.stall} s at {at:.1f} s of a {args.duration} s run, {args.users} users ({build})")
    print(f"  loads-runner: p50 {latency['p50_ms']:.2f} ms, p99 {latency['p99_ms']:.2f} ms, "
          f"max {latency['max_ms']:.2f} ms ({latency['count']} hits)")
    lat = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", wrk.stdout)
    p50 = re.search(r"50%\s+(\S+)", wrk.stdout)
    p99 = re.search(r"99%\s+(\S+)", wrk.stdout)
    print(f"  wrk: p50 {wrk_ms(p50.group(1)):.2f} ms, p99 {wrk_ms(p99.group(1)):.2f} ms, "
          f"max {wrk_ms(lat.group(3)):.2f} ms")


if __name__ == "__main__":
    main()
