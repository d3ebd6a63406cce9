#!/usr/bin/python3
"""Benchmark: the memory of many concurrent users, beside Locust.

    /usr/bin/python3 tools/bench/memory.py [--build DIR] [--users N] [--duration S]
                                           [--peer-users M] [--peer-duration S]

loads-runner runs N virtual users (default 10,000) of `bench.Bench.test_get_then_wait` (one GET
against nginx on loopback, an assertion, then a second's sleep) for S seconds (default 60), all
started at once, one worker thread per core. The script samples the runner's resident memory
every 0.25 s and reports the peak (the kernel's high-water mark), the peak per user (its kept-alive
connection and coroutine stack included), and the resident memory at a quarter, half, three
quarters and the end of the run: flat means memory does not grow with the number of hits.

The peer, in the same invocation and against the same nginx: Locust's FastHttpUser (Debian's
python3-locust, the fastest Locust client) with M users (default 1,000: ten thousand Locust users
do not fit one Python process on a small box) doing the same GET with a constant 1 s wait, for its
own duration. Reported per user, with the ratio. The build directory defaults to build/release.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import benchlib


LOCUSTFILE = """
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class GetThenWait(FastHttpUser):
    wait_time = constant(1)

    @task
    def get(self):
        with self.client.get("/", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
"""


def at(samples, t):
    """The RSS (KiB) of the last sample taken at or before `t` seconds."""
    kept = [rss for when, rss in samples if when <= t]
    return kept[-1] if kept else 0


def run_loads(runner, libdir, url, users, duration, workdir):
    report = os.path.join(workdir, "report.json")
    env = dict(os.environ, LOADS_PATH=libdir)
    log = os.path.join(workdir, "loads.log")
    with open(log, "w") as log_file:
        proc = subprocess.Popen([runner, "bench.Bench.test_get_then_wait", "--server-url", url, "-u", str(users),
                                 "-d", str(duration), "--quiet", "--output", "json", "--output-json-filename", report],
                                env=env, stdout=subprocess.DEVNULL, stderr=log_file)
        samples, peak = benchlib.watch_memory(proc)
    with open(log) as f:
        err = f.read()
    if proc.returncode != 0:
        sys.exit(f"loads-runner failed ({proc.returncode}): {err}")
    with open(report) as f:
        totals = json.load(f)["totals"]
    return samples, peak, totals


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--peer-users", type=int, default=1_000)
    parser.add_argument("--peer-duration", type=int, default=30)
    args = parser.parse_args()
    build = benchlib.build_dir(args.build)
    runner = os.path.join(build, "bin", "loads-runner")
    nginx = benchlib.Nginx(connections=max(args.users, args.peer_users))
    try:
        with tempfile.TemporaryDirectory(prefix="loads-bench-memory-") as workdir:
            samples, peak, totals = run_loads(runner, os.path.join(build, "lib"), nginx.url, args.users, args.duration,
                                              workdir)
            peer_requests, _, (peer_samples, peer_peak) = benchlib.run_locust(
                nginx.url, args.peer_users, args.peer_duration, workdir, LOCUSTFILE, watch=benchlib.watch_memory)
    finally:
        nginx.stop()
    d = args.duration
    print(f"{args.users} users of GET + 1 s sleep for {d} s against nginx on loopback ({build})")
    print(f"  loads-runner: peak RSS {peak / 1024:.1f} MiB, {peak / args.users:.1f} KiB per user; "
          f"{totals['hits']} hits, {totals['errors']} errors, {totals['failures']} failures")
    print("  RSS at " + ", ".join(f"{t:.0f} s: {at(samples, t) / 1024:.1f} MiB" for t in (d / 4, d / 2, 3 * d / 4, d)))
    print(f"Locust FastHttpUser, {args.peer_users} users for {args.peer_duration} s: peak RSS "
          f"{peer_peak / 1024:.1f} MiB, {peer_peak / args.peer_users:.1f} KiB per user; {peer_requests} requests")
    print(f"  memory per user, Locust / loads: {(peer_peak / args.peer_users) / (peak / args.users):.1f}x")


if __name__ == "__main__":
    main()
