#!/usr/bin/python3
"""Benchmark: from starting the load tester to its first request, beside wrk and Locust.

    /usr/bin/python3 tools/bench/startup.py [--build DIR] [--rounds R]

Each round starts `loads-runner bench.Bench.test_get -u 1 --hits 1` (options parsed, outputs
loaded, the plugin found on LOADS_PATH, its symbols listed, dlopen'ed and resolved, a worker
started, a connection opened) and times, from just before the exec to the moment the first
request's bytes reach a server in this script, on loopback. The peers do the same in the same
invocation: `wrk -t1 -c1` (no test code at all, the floor) and Locust's headless
FastHttpUser with one user (Python, gevent and Locust imported). The script prints the median of
R rounds (default 20) for each and the ratios. Each is stopped once its first request is in. The build directory defaults to build/release.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import benchlib

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n"
LOCUSTFILE = """
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class Get(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")
"""


class FirstRequestServer:
    """Answers every request with a short 200 and remembers when the first bytes of the first
    request of each round arrived."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.first = None
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def reset(self):
        with self.lock:
            self.first = None

    def accept(self):
        while True:
            conn, _ = self.listener.accept()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                with self.lock:
                    if self.first is None:
                        self.first = time.monotonic()
                try:
                    conn.sendall(RESPONSE * data.count(b"\r\n\r\n"))
                except OSError:
                    return


def time_to_first_request(server, command, env=None):
    """Seconds from just before `command` starts to its first request's bytes; the command is
    then stopped (what it does after its first request is not measured)."""
    server.reset()
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = started + 60
    while server.first is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    first = server.first
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    if first is None:
        sys.exit(f"{command[0]} made no request ({proc.returncode}): {err.decode()[-2000:]}")
    return first - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    build = benchlib.build_dir(args.build)
    runner = os.path.join(build, "bin", "loads-runner")
    server = FirstRequestServer()
    env = dict(os.environ, LOADS_PATH=os.path.join(build, "lib"))
    loads, wrk, locust = [], [], []
    with tempfile.TemporaryDirectory(prefix="loads-bench-startup-") as workdir:
        locustfile = os.path.join(workdir, "locustfile.py")
        with open(locustfile, "w") as f:
            f.write(LOCUSTFILE)
        for _ in range(args.rounds):
            loads.append(time_to_first_request(server, [runner, "bench.Bench.test_get", "--server-url", server.url,
                                                        "-u", "1", "--hits", "1", "--quiet"], env))
            wrk.append(time_to_first_request(server, ["wrk", "-t1", "-c1", "-d10s", server.url]))
            locust.append(time_to_first_request(server, ["/usr/bin/python3", "-m", "locust", "-f", locustfile,
                                                         "--headless", "-u", "1", "-r", "1", "-t", "60s", "--host",
                                                         server.url, "--only-summary"]))
    ms = lambda xs: statistics.median(xs) * 1000
    print(f"start to first request, median of {args.rounds} rounds ({build})")
    print(f"  loads-runner (plugin loaded and resolved): {ms(loads):.1f} ms")
    print(f"  wrk -t1 -c1: {ms(wrk):.1f} ms  (loads / wrk: {ms(loads) / ms(wrk):.1f}x)")
    print(f"  Locust FastHttpUser, 1 user: {ms(locust):.1f} ms  (Locust / loads: {ms(locust) / ms(loads):.1f}x)")


if __name__ == "__main__":
    main()
