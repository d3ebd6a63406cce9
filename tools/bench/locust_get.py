#!/usr/bin/python3
"""Locust's FastHttpUser (Debian's python3-locust, its fastest client) doing what the throughput
benchmark's test does: one GET and a check of the status, in a loop with no wait. http_get.sh runs
it as the second peer; it prints `<requests per second> <requests> <seconds>`.

    /usr/bin/python3 tools/bench/locust_get.py URL USERS DURATION [CPU]
"""
import sys
import tempfile

import benchlib

LOCUSTFILE = """
from locust import task
from locust.contrib.fasthttp import FastHttpUser


class Get(FastHttpUser):
    @task
    def get(self):
        with self.client.get("/", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
"""


def main():
    url, users, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cpu = sys.argv[4] if len(sys.argv) > 4 else None
    with tempfile.TemporaryDirectory(prefix="loads-bench-locust-") as workdir:
        requests, seconds, _ = benchlib.run_locust(url, users, duration, workdir, LOCUSTFILE, cpu=cpu)
    print(f"{requests / seconds:.0f} {requests} {seconds:.2f}")


if __name__ == "__main__":
    main()
