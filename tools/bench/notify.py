#!/usr/bin/python3
"""Benchmark: what telling an observer costs at the end of a run, beside a Python peer.

    /usr/bin/python3 tools/bench/notify.py [--build DIR] [--rounds R]

For the email observer (against aiosmtpd) and the webhook observer (against an HTTP receiver),
both on loopback, it times R local runs of one empty test (`fixtures.Lifecycle.test_count`) with
the observer and R without, in alternation: the difference of the medians is the observer's cost
to the runner (loads-notify started, the plugin loaded, the message built and delivered, the
result read back). The peers are the same delivery from Python (smtplib, urllib), timed R times
in-process (no process to start) and as a fresh `python3 -c` process (the isolation loads-notify
buys costs a process start too); the script prints the medians and the ratios. The build
directory defaults to build/release, else build/dev.
"""
import argparse
import http.server
import json
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from email.message import EmailMessage

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def median_ms(samples):
    return statistics.median(samples) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=None)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    build = args.build or next(os.path.join(ROOT, "build", b) for b in ("release", "dev")
                               if os.path.exists(os.path.join(ROOT, "build", b, "bin", "loads-runner")))
    runner = os.path.join(build, "bin", "loads-runner")
    env = dict(os.environ, LOADS_PATH=os.path.join(build, "tests", "plugins", "lib"))

    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    smtp_port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{httpd.server_address[1]}/hook"

    def run(*extra):
        started = time.monotonic()
        proc = subprocess.run([runner, "fixtures.Lifecycle.test_count", "--quiet", *extra], env=env,
                              capture_output=True, text=True)
        elapsed = time.monotonic() - started
        if proc.returncode != 0 or ("failed" in proc.stderr):
            sys.exit(f"run failed: {proc.stderr}")
        return elapsed

    observers = {
        "email": ["--observer", "email", "--observer-email-host", "127.0.0.1", "--observer-email-port",
                  str(smtp_port), "--observer-email-starttls", "never"],
        "webhook": ["--observer", "webhook", "--observer-webhook-url", hook],
    }
    body = "Test over. Ran 1 tests in 0.00 s. 0 hits, 0.00 RPS. 0 failures, 0 errors. Run x: completed.\n" * 8

    def python_email():
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@b.example", "c@d.example", "Loads Results"
        message.set_content(body)
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as s:
            s.send_message(message)

    def python_webhook():
        data = json.dumps({"text": body}).encode()
        request = urllib.request.Request(hook, data=data, headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=5).read()

    peers = {"email": python_email, "webhook": python_webhook}
    # The same deliveries as one-shot processes.
    scripts = {
        "email": "import smtplib\nfrom email.message import EmailMessage\nm = EmailMessage()\n"
                 "m['From'], m['To'], m['Subject'] = 'a@b.example', 'c@d.example', 'Loads Results'\n"
                 f"m.set_content({body!r})\n"
                 f"with smtplib.SMTP('127.0.0.1', {smtp_port}, timeout=5) as s: s.send_message(m)\n",
        "webhook": "import json, urllib.request\n"
                   f"r = urllib.request.Request({hook!r}, data=json.dumps({{'text': {body!r}}}).encode(), "
                   "headers={'Content-Type': 'application/json'})\n"
                   "urllib.request.urlopen(r, timeout=5).read()\n",
    }
    print(f"build {build}, {args.rounds} rounds, {os.cpu_count()} cores")
    try:
        for name, extra in observers.items():
            base, told, peer, process = [], [], [], []
            for _ in range(args.rounds):
                base.append(run())
                told.append(run(*extra))
                started = time.monotonic()
                peers[name]()
                peer.append(time.monotonic() - started)
                started = time.monotonic()
                subprocess.run(["/usr/bin/python3", "-c", scripts[name]], check=True)
                process.append(time.monotonic() - started)
            cost = median_ms(told) - median_ms(base)
            print(f"{name:8} run alone {median_ms(base):6.1f} ms, with the observer {median_ms(told):6.1f} ms: "
                  f"cost {cost:5.1f} ms | python in-process {median_ms(peer):5.1f} ms (ratio "
                  f"{cost / median_ms(peer):4.1f}), as a process {median_ms(process):5.1f} ms (ratio "
                  f"{cost / median_ms(process):4.2f})")
    finally:
        smtp.stop()
        httpd.shutdown()


if __name__ == "__main__":
    main()
