#!/usr/bin/python3
"""Benchmark: how fast loads-runner takes in an external runner's messages, beside a Python peer.

    /usr/bin/python3 tools/bench/external.py [--build DIR] [--messages N] [--users U] [--rounds R]

U sender processes (this script, run as the external runner) each push N/U pre-encoded `add_hit`
frames (with the whole envelope, as the sample runner sends them) as fast as pyzmq goes, then
exit. loads-runner receives them, parses each (simdjson), checks it and records the hit in the
run's histograms and per-URL figures; the script checks the json report counted every one and
reads the runner's own CPU time (user+sys of the runner process, not its children) from
/proc/<pid>/stat just before reaping it.

The peer is what the original's ExternalRunner did with the same stream, in the same run: a
Python process binding the PULL socket, `json.loads` of each frame, popping `data_type` and
`run_id` and calling a TestResult method with the rest as keyword arguments, which keeps the hit
(the seed appended a Hit object per hit). Same senders, same machine, one after the other. The
script prints each side's CPU seconds and messages per CPU second (medians of R rounds) and
their ratio. The build directory defaults to build/release, else build/dev.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import benchlib

ROOT = benchlib.ROOT


def send(count):
    """The external runner: `count` add_hit frames, then exit once they are delivered."""
    import zmq
    context = zmq.Context()
    push = context.socket(zmq.PUSH)
    push.connect(os.environ["LOADS_ZMQ_RECEIVER"])
    user = int(os.environ["LOADS_CURRENT_USER"])
    frame = json.dumps({"data_type": "add_hit", "agent_id": os.environ["LOADS_AGENT_ID"],
                        "run_id": os.environ["LOADS_RUN_ID"], "loads_status": [1, 1, 1, user],
                        "url": "http://127.0.0.1:9000/bench", "method": "GET", "status": 200,
                        "started": "2026-11-27T18:00:00.123456", "elapsed": 0.000734}).encode()
    for _ in range(count):
        push.send(frame)
    push.close(linger=60000)
    context.term()


class SeedResult:
    """The part of the seed's TestResult the stream reaches: one Hit kept per add_hit."""

    def __init__(self):
        self.hits = []

    def add_hit(self, url, method, status, started, elapsed, loads_status, agent_id=None):
        self.hits.append((url, method, status, started, elapsed, tuple(loads_status), agent_id))


def peer(endpoint, expected):
    """The seed's receiving loop, until `expected` messages have come."""
    import zmq
    context = zmq.Context()
    pull = context.socket(zmq.PULL)
    pull.bind(endpoint)
    print("ready", flush=True)
    result = SeedResult()
    for _ in range(expected):
        data = json.loads(pull.recv())
        data_type = data.pop("data_type")
        data.pop("run_id")
        getattr(result, data_type)(**data)
    assert len(result.hits) == expected
    pull.close(linger=0)
    context.term()


def loads_round(runner, messages, users, workdir):
    report = os.path.join(workdir, "report.json")
    sender = f"{sys.executable} {os.path.abspath(__file__)} --send {messages // users}"
    started = time.monotonic()
    proc = subprocess.Popen([runner, "--test-runner", sender, "bench.Stream.test_messages", "-u", str(users),
                             "--external-process-timeout", "600", "--quiet", "--output", "json",
                             "--output-json-filename", report], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    cpu = benchlib.wait_keeping_cpu(proc)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"loads-runner failed ({proc.returncode}): {proc.stderr.read().decode()}")
    proc.stderr.close()
    with open(report) as f:
        hits = json.load(f)["totals"]["hits"]
    if hits != messages // users * users:
        sys.exit(f"loads-runner counted {hits} hits of {messages // users * users}")
    return cpu, wall


def peer_round(messages, users, workdir):
    endpoint = f"ipc://{workdir}/peer.ipc"
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--peer", endpoint, str(messages // users * users)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    senders = []
    for user in range(1, users + 1):
        env = dict(os.environ, LOADS_ZMQ_RECEIVER=endpoint, LOADS_AGENT_ID="local", LOADS_RUN_ID="bench",
                   LOADS_CURRENT_USER=str(user))
        senders.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--send",
                                         str(messages // users)], env=env))
    cpu = benchlib.wait_keeping_cpu(proc)
    wall = time.monotonic() - started
    for s in senders:
        s.wait()
    if proc.returncode != 0:
        sys.exit("the Python peer failed")
    proc.stdout.close()
    return cpu, wall


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--send":
        return send(int(sys.argv[2]))
    if len(sys.argv) >= 4 and sys.argv[1] == "--peer":
        return peer(sys.argv[2], int(sys.argv[3]))
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--messages", type=int, default=400_000)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    build = args.build or next(os.path.join(ROOT, "build", b) for b in ("release", "dev")
                               if os.path.exists(os.path.join(ROOT, "build", b, "bin", "loads-runner")))
    runner = os.path.join(build, "bin", "loads-runner")
    ours, theirs = [], []
    with tempfile.TemporaryDirectory(prefix="loads-bench-external-") as workdir:
        for _ in range(args.rounds):
            ours.append(loads_round(runner, args.messages, args.users, workdir))
            theirs.append(peer_round(args.messages, args.users, workdir))
    n = args.messages // args.users * args.users
    cpu_ours = statistics.median(c for c, _ in ours)
    cpu_theirs = statistics.median(c for c, _ in theirs)
    print(f"{n} add_hit messages from {args.users} processes, median of {args.rounds} rounds ({build})")
    print(f"  loads-runner: {cpu_ours:.2f} s CPU, {n / cpu_ours:,.0f} messages per CPU second, "
          f"wall {statistics.median(w for _, w in ours):.2f} s")
    print(f"  Python peer (the seed's loop): {cpu_theirs:.2f} s CPU, {n / cpu_theirs:,.0f} messages per CPU second, "
          f"wall {statistics.median(w for _, w in theirs):.2f} s")
    print(f"  ratio (messages per CPU second, loads / peer): {cpu_theirs / cpu_ours:.1f}x")


if __name__ == "__main__":
    main()
