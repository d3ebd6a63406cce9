#!/usr/bin/python3
"""Benchmark: requests per CPU second of the runner at --threads 1 and --threads 2, beside wrk.

    /usr/bin/python3 tools/bench/scaling.py [--build DIR] [--users N] [--thinking-users M]
                                            [--duration S] [--rounds R]

This box has two cores shared with nginx, so absolute requests per second cannot show scaling;
what can is the work per request: hits divided by the client's own CPU time (user+sys, read from
/proc as it exits). Threads that contend (a shared lock, a shared cache line, the kernel's
memory-map lock) spend more CPU per request. Two workloads, in alternating rounds:

- busy: `bench.Bench.test_get` (one GET and one assertEqual per test), N users (default 100), as
  fast as nginx answers. wrk -t1/-t2 -cN runs the same way in the same rounds: wrk's threads share
  nothing, so its difference is what a second client thread costs on this box (three busy
  processes' worth of threads on two cores: idle wake-ups, smaller batches per epoll_wait).
- thinking: `bench.Bench.test_get_then_wait` (a GET, then a 1 s sleep), M users (default 10,000),
  well under what nginx can serve: no thread is ever short of CPU, so what remains of the
  difference is the runner's own (it includes starting the M users and their connections).

The target (issue 8) is a difference under 10%. Prints each round, the medians and differences.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import benchlib


def run_loads(runner, libdir, url, test, threads, users, duration, workdir):
    report = os.path.join(workdir, f"report-{threads}.json")
    proc = subprocess.Popen([runner, test, "--server-url", url, "--threads", str(threads), "-u", str(users), "-d",
                             str(duration), "--quiet", "--output", "json", "--output-json-filename", report],
                            env=dict(os.environ, LOADS_PATH=libdir), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    cpu = benchlib.wait_keeping_cpu(proc)
    err = proc.stderr.read()
    if proc.returncode != 0:
        sys.exit(f"loads-runner failed ({proc.returncode}): {err}")
    with open(report) as f:
        totals = json.load(f)["totals"]
    if totals.get("errors", 0) or totals.get("failures", 0):
        sys.exit(f"loads-runner had failing tests: {totals}")
    return totals["hits"], cpu


def run_wrk(url, threads, connections, duration):
    proc = subprocess.Popen(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cpu = benchlib.wait_keeping_cpu(proc)
    out = proc.stdout.read()
    match = re.search(r"^\s*(\d+) requests in", out, re.MULTILINE)
    if proc.returncode != 0 or not match:
        sys.exit(f"wrk failed ({proc.returncode}): {out}{proc.stderr.read()}")
    return int(match.group(1)), cpu


def difference(per_cpu):
    one, two = statistics.median(per_cpu[1]), statistics.median(per_cpu[2])
    return one, two, (one - two) / one * 100


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--thinking-users", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    build = benchlib.build_dir(args.build)
    runner = os.path.join(build, "bin", "loads-runner")
    libdir = os.path.join(build, "lib")
    nginx = benchlib.Nginx(connections=max(args.users, args.thinking_users))
    results = {name: {1: [], 2: []} for name in ("busy", "wrk", "thinking")}
    try:
        with tempfile.TemporaryDirectory(prefix="loads-bench-scaling-") as workdir:
            for r in range(args.rounds):
                for threads in (1, 2):
                    runs = {
                        "busy": lambda: run_loads(runner, libdir, nginx.url, "bench.Bench.test_get", threads,
                                                  args.users, args.duration, workdir),
                        "wrk": lambda: run_wrk(nginx.url, threads, args.users, args.duration),
                        "thinking": lambda: run_loads(runner, libdir, nginx.url, "bench.Bench.test_get_then_wait",
                                                      threads, args.thinking_users, args.duration, workdir),
                    }
                    for name, run in runs.items():
                        hits, cpu = run()
                        results[name][threads].append(hits / cpu)
                        print(f"round {r + 1}, {name:8} {threads} thread(s): {hits} requests, "
                              f"{hits / args.duration:,.0f} req/s, {cpu:.2f} s CPU, "
                              f"{hits / cpu:,.0f} requests per CPU second", flush=True)
    finally:
        nginx.stop()
    print(f"medians of {args.rounds} rounds ({build}), requests per CPU second, 1 thread vs 2:")
    labels = {"busy": f"loads-runner, {args.users} busy users",
              "wrk": f"wrk -c{args.users} (the peer)",
              "thinking": f"loads-runner, {args.thinking_users} thinking users"}
    for name, label in labels.items():
        one, two, diff = difference(results[name])
        print(f"  {label}: {one:,.0f} vs {two:,.0f}, {diff:+.1f}% apart")


if __name__ == "__main__":
    main()
