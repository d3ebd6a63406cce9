#!/usr/bin/python3
"""Benchmark: user-space instructions per request, counted by callgrind, beside wrk and (with
--baseline) another build of loads, in one invocation.

    /usr/bin/python3 tools/bench/instructions.py [--build DIR] [--baseline DIR] [--requests N]

Instruction counts do not depend on what else the machine is doing, so they compare two builds
(or two tools) where requests per second on this noisy 2-core VM cannot. Every tool runs under
`valgrind --tool=callgrind` against the same nginx on loopback, with one connection, twice: a
short run and a long one. The difference of the two totals divided by the difference of their
requests is the cost of one more request, whatever the start-up costs (the whole process is
counted, every thread).

- loads: `loads-runner bench.Bench.test_get -u 1 --threads 1 --hits N` then `--hits 3N` (one GET
  and one assertEqual per test, the same test as http_get.sh);
- the baseline (--baseline, the build directory of another checkout, e.g. the previous commit's
  `build/release`): the same commands with its runner and plugin;
- wrk: `wrk -t1 -c1 -d S` for two durations; its requests are what it reports.

With --profiles, the same build also runs its other load shapes, each as its own pair of runs, so
their cost per request reads beside the closed model's (the hits line above):

- stages: `--stages 0s:1,Ss:1` for S and 3S seconds (--stage-seconds, default 2), the requests
  being the Hits the summary counts (one user, ramped by the stages code);
- rate: `--rate R --hits N` then `3N` (--rate, default 1000, on a pool of one user growing to 4):
  the open model's arrival timer, pool and corrected latency.

Prints each tool's instructions per request and the ratios. --build defaults to build/release.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

import benchlib


def callgrind_total(command, env=None):
    """Total instructions (Ir) of `command` and everything it runs, and its stdout."""
    out_dir = tempfile.mkdtemp(prefix="loads-bench-callgrind-")
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--trace-children=no", f"--callgrind-out-file={out_dir}/cg.%p", *command],
        env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"instructions: {command[0]} failed ({result.returncode}): {result.stderr[-500:]}")
    total = 0
    for path in glob.glob(f"{out_dir}/cg.*"):
        with open(path) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):  # the file's total of every event, Ir first
                    total = max(total, int(line.split()[1]))
        subprocess.run(["rm", "-f", path])
    os.rmdir(out_dir)
    return total, result.stdout


def loads_cost(build, url, requests):
    runner = os.path.join(build, "bin", "loads-runner")
    env = dict(os.environ, LOADS_PATH=os.path.join(build, "lib"))
    points = []
    for hits in (requests, 3 * requests):
        total, out = callgrind_total([runner, "bench.Bench.test_get", "--server-url", url, "-u", "1", "--threads", "1",
                                      "--hits", str(hits)], env)
        m = re.search(r"^Hits: (\d+)", out, re.M)
        if not m or int(m.group(1)) != hits:
            sys.exit(f"instructions: {runner} did not make {hits} hits:\n{out}")
        points.append((hits, total))
    return per_request(points)


def hits_of(out, runner):
    m = re.search(r"^Hits: (\d+)", out, re.M)
    if not m:
        sys.exit(f"instructions: {runner} printed no Hits:\n{out}")
    return int(m.group(1))


def profile_cost(build, url, profile, args):
    """Instructions per request of a load shape other than the closed model's hits."""
    runner = os.path.join(build, "bin", "loads-runner")
    env = dict(os.environ, LOADS_PATH=os.path.join(build, "lib"))
    points = []
    for scale in (1, 3):
        if profile == "stages":
            shape = ["--stages", f"0s:1,{args.stage_seconds * scale}s:1"]
        else:
            shape = ["--rate", str(args.rate), "--hits", str(args.requests * scale), "-u", "1", "--max-users", "4"]
        total, out = callgrind_total([runner, "bench.Bench.test_get", "--server-url", url, "--threads", "1", *shape],
                                     env)
        points.append((hits_of(out, runner), total))
    return per_request(points)


def wrk_cost(url, seconds):
    points = []
    for duration in (seconds, 3 * seconds):
        total, out = callgrind_total(["wrk", "-t1", "-c1", f"-d{duration}s", url])
        m = re.search(r"(\d+) requests in", out)
        if not m:
            sys.exit(f"instructions: wrk printed no request count:\n{out}")
        points.append((int(m.group(1)), total))
    return per_request(points)


def per_request(points):
    (r1, i1), (r2, i2) = points
    return (i2 - i1) / (r2 - r1), r2 - r1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", help="the build directory to measure (default: build/release, built)")
    parser.add_argument("--baseline", help="another build directory of loads to measure beside it")
    parser.add_argument("--requests", type=int, default=5000, help="requests of the short loads run (default 5000)")
    parser.add_argument("--wrk-seconds", type=int, default=2, help="wrk's short run (default 2 s)")
    parser.add_argument("--profiles", action="store_true", help="also measure --stages and --rate runs")
    parser.add_argument("--stage-seconds", type=int, default=2, help="the short --stages run (default 2 s)")
    parser.add_argument("--rate", type=float, default=1000, help="--rate of the open-model runs (default 1000)")
    args = parser.parse_args()
    build = benchlib.build_dir(args.build)
    nginx = benchlib.Nginx(connections=16)
    try:
        rows = [("loads (" + build + ")", *loads_cost(build, nginx.url, args.requests))]
        if args.baseline:
            rows.append(("baseline (" + args.baseline + ")", *loads_cost(args.baseline, nginx.url, args.requests)))
        profiles = []
        if args.profiles:
            for profile in ("stages", "rate"):
                profiles.append((f"loads --{profile}", *profile_cost(build, nginx.url, profile, args)))
        rows.append(("wrk -t1 -c1", *wrk_cost(nginx.url, args.wrk_seconds)))
    finally:
        nginx.stop()
    for name, cost, counted in rows + profiles:
        print(f"{name}: {cost:,.0f} instructions per request (over {counted:,} requests)")
    loads = rows[0][1]
    for name, cost, _ in profiles:
        print(f"ratio {name.split()[-1]}/hits: {cost / loads:.3f}")
    if args.baseline:
        print(f"ratio loads/baseline: {loads / rows[1][1]:.3f}")
    print(f"ratio loads/wrk: {loads / rows[-1][1]:.2f}")


if __name__ == "__main__":
    main()
