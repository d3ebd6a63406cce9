#!/usr/bin/python3
"""Benchmark: what a distributed run costs the broker.

    /usr/bin/python3 tools/bench/cluster.py [--build DIR] [--agents N] [--duration S]

A real cluster on loopback (loads-broker, N loads-agent processes, default 3, on ipc sockets in a
private directory) runs two loads for S seconds (default 10) against nginx, with
`loads-runner --agents N`:

- busy: `bench.Bench.test_get`, 50 users per agent, as many requests as the box can make;
- thinking: `bench.Bench.test_get_then_wait`, 5 users per agent, about 5 requests a second each.

The broker's own CPU time (user+sys from /proc) is read before and after each run. Each agent's
runner sends the broker one aggregate a second, whatever the number of hits, so the two loads
should cost the broker about the same: its work grows with agents x seconds, not with hits.
Prints, per load, the hits, the request rate, the broker's CPU seconds and its CPU per
agent-second, then how the two compare.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import benchlib

NAMES = ("frontend", "backend", "register", "receiver", "publisher", "heartbeat")


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    sys.exit(f"timed out waiting for {what}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--agents", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    build = benchlib.build_dir(args.build, targets=("loads-runner", "loads-broker", "loads-agent", "bench"))
    bindir, libdir = os.path.join(build, "bin"), os.path.join(build, "lib")
    work = tempfile.mkdtemp(prefix="lb-", dir="/tmp")  # ipc paths must stay short
    endpoints = {n: f"ipc://{work}/{n}.ipc" for n in NAMES}
    env = dict(os.environ, LOADS_PATH=libdir)
    procs = []
    nginx = benchlib.Nginx(connections=50 * args.agents)
    try:
        broker_log = open(os.path.join(work, "broker.log"), "w")
        broker_args = [os.path.join(bindir, "loads-broker"), "--db-sqlite-path", os.path.join(work, "runs.sqlite")]
        for name, endpoint in endpoints.items():
            broker_args += [f"--{name}", endpoint]
        broker = subprocess.Popen(broker_args, stdout=broker_log, stderr=subprocess.STDOUT)
        procs.append(broker)
        wait_for(lambda: "broker running on pid" in open(broker_log.name).read(), 30, "the broker")
        for i in range(args.agents):
            log = open(os.path.join(work, f"agent-{i}.log"), "w")
            procs.append(subprocess.Popen([os.path.join(bindir, "loads-agent"), "--broker", endpoints["frontend"],
                                           "--work-dir", os.path.join(work, "agents")],
                                          stdout=log, stderr=subprocess.STDOUT, env=env))
        runner = os.path.join(bindir, "loads-runner")

        def registered():
            out = subprocess.run([runner, "--ping-broker", "--broker", endpoints["frontend"]], capture_output=True,
                                 text=True).stdout
            match = re.search(r"^(\d+) agents registered$", out, re.M)
            return match and int(match.group(1)) == args.agents

        wait_for(registered, 30, f"{args.agents} agents to register")

        print(f"{args.agents} agents and the broker on this box ({os.cpu_count()} cores, shared with nginx), "
              f"{args.duration} s per load ({build})")
        costs = {}
        for name, test, users in (("busy", "bench.Bench.test_get", 50),
                                  ("thinking", "bench.Bench.test_get_then_wait", 5)):
            report = os.path.join(work, f"{name}.json")
            before = benchlib.own_cpu_seconds(broker.pid)
            run = subprocess.run([runner, test, "--server-url", nginx.url, "-u", str(users), "-d", str(args.duration),
                                  "--agents", str(args.agents), "--broker", endpoints["frontend"], "--quiet",
                                  "--output", "json", "--output-json-filename", report],
                                 capture_output=True, text=True, env=env)
            cpu = benchlib.own_cpu_seconds(broker.pid) - before
            if run.returncode != 0:
                sys.exit(f"the {name} run failed ({run.returncode}): {run.stderr}")
            with open(report) as f:
                hits = json.load(f)["totals"]["hits"]
            agent_seconds = args.agents * args.duration
            costs[name] = (hits, cpu)
            print(f"  {name:8}: {hits:,} hits ({hits / args.duration:,.0f} req/s); broker CPU {cpu:.2f} s, "
                  f"{cpu / agent_seconds * 1000:.2f} ms per agent-second")
        (busy_hits, busy_cpu), (thinking_hits, thinking_cpu) = costs["busy"], costs["thinking"]
        print(f"  {busy_hits / max(thinking_hits, 1):,.0f} times the hits cost the broker "
              f"{busy_cpu / thinking_cpu if thinking_cpu else float('inf'):.1f} times the CPU "
              f"(/proc counts CPU in 10 ms ticks)")
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        nginx.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
