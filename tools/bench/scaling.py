#!/usr/bin/python3
"""Benchmark: requests per CPU second of the runner at --threads 1 and --threads 2.

    /usr/bin/python3 tools/bench/scaling.py [--build DIR] [--users N] [--duration S] [--rounds R]

`loads-runner bench.Bench.test_get -u N -d S` (one GET and one assertEqual per test) runs against
nginx on loopback with one worker thread, then with two, in alternating rounds. This box has two
cores shared with nginx, so absolute requests per second cannot show scaling; what can is the
work per request: hits divided by the runner's own CPU time (user+sys, read from /proc as it
exits). Threads that contend (a shared lock, a shared cache line) spend more CPU per request; the
target is a difference under 10%. Prints each round, the medians and the difference.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

import benchlib


def run(runner, libdir, url, threads, users, duration, workdir):
    report = os.path.join(workdir, f"report-{threads}.json")
    proc = subprocess.Popen([runner, "bench.Bench.test_get", "--server-url", url, "--threads", str(threads), "-u",
                             str(users), "-d", str(duration), "--quiet", "--output", "json",
                             "--output-json-filename", report], env=dict(os.environ, LOADS_PATH=libdir),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    cpu = benchlib.wait_keeping_cpu(proc)
    err = proc.stderr.read()
    if proc.returncode != 0:
        sys.exit(f"loads-runner failed ({proc.returncode}): {err}")
    with open(report) as f:
        hits = json.load(f)["totals"]["hits"]
    return hits, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    build = benchlib.build_dir(args.build)
    runner = os.path.join(build, "bin", "loads-runner")
    nginx = benchlib.Nginx(connections=args.users)
    per_cpu = {1: [], 2: []}
    try:
        with tempfile.TemporaryDirectory(prefix="loads-bench-scaling-") as workdir:
            for r in range(args.rounds):
                for threads in (1, 2):
                    hits, cpu = run(runner, os.path.join(build, "lib"), nginx.url, threads, args.users, args.duration,
                                    workdir)
                    per_cpu[threads].append(hits / cpu)
                    print(f"round {r + 1}, --threads {threads}: {hits} hits, {hits / args.duration:,.0f} req/s, "
                          f"{cpu:.2f} s CPU, {hits / cpu:,.0f} requests per CPU second")
    finally:
        nginx.stop()
    one, two = statistics.median(per_cpu[1]), statistics.median(per_cpu[2])
    print(f"medians ({build}): --threads 1 {one:,.0f}, --threads 2 {two:,.0f} requests per CPU second; "
          f"difference {abs(one - two) / one * 100:.1f}%")


if __name__ == "__main__":
    main()
