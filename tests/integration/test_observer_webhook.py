"""The webhook observer against a real HTTP(S) receiver on loopback: the JSON it posts (checked
against the run's own json report), retries with back-off on 5xx, failures that cost one line and
never the run (4xx, redirects, refused connections, untrusted certificates, a server that never
answers)."""
import datetime
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time

import harness

RUN = ("fixtures.Slow.test_get_and_pause", "-u", "2", "--hits", "3", "--quiet")
LINE = re.compile(r"^loads-runner: observer 'webhook'.*$", re.M)


class Receiver:
    """An HTTP(S) server on 127.0.0.1 that records every POST (path, lower-cased headers, body) and
    answers `fail_status` to the first `fail_first` of them, then `status`."""

    def __init__(self, tls=None, status=200, fail_first=0, fail_status=503, body=b"ok", headers=()):
        self.posts = []
        self.status, self.fail_first, self.fail_status = status, fail_first, fail_status
        self.body, self.headers = body, list(headers)
        lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with lock:
                    receiver.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    count = len(receiver.posts)
                status = receiver.fail_status if count <= receiver.fail_first else receiver.status
                self.send_response(status)
                for name, value in receiver.headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(receiver.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls.cert, tls.key)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def free_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebhookObserver(harness.ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="loads-webhook-")
        self.receivers = []

    def tearDown(self):
        for receiver in self.receivers:
            receiver.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def receiver(self, **kwargs):
        receiver = Receiver(**kwargs)
        self.receivers.append(receiver)
        return receiver

    def run_loads(self, *args, test=RUN, **kwargs):
        return harness.run(*test, "--server-url", self.server.url, "--observer", "webhook", *args, **kwargs)

    def webhook_line(self, r):
        """The runner's one line about the webhook observer (and that it is the only one)."""
        lines = LINE.findall(r.err)
        self.assertEqual(len(lines), 1, r)
        return lines[0]

    def test_the_summary_is_posted_with_the_runs_real_figures(self):
        receiver = self.receiver()
        report = os.path.join(self.tmp, "report.json")
        # One pass, one failure (a 404), one error and a custom counter: every field has content.
        r = self.run_loads("--observer-webhook-url", f"http://127.0.0.1:{receiver.port}/hooks/abc?token=t0k",
                           "--observer-webhook-header", "Authorization: Bearer s3cret",
                           "--output", "json", "--output-json-filename", report,
                           test=("fixtures.Report.test_mixed", "--hits", "3", "--quiet"))
        self.assertRun(r, 1)
        # The query (a token, often) stays out of the message.
        self.assertEqual(self.webhook_line(r),
                         f"loads-runner: observer 'webhook': posted to 127.0.0.1:{receiver.port}: 200")
        self.assertEqual(len(receiver.posts), 1)
        path, headers, body = receiver.posts[0]
        self.assertEqual(path, "/hooks/abc?token=t0k")
        self.assertEqual(headers["host"], f"127.0.0.1:{receiver.port}")
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(int(headers["content-length"]), len(body))
        self.assertEqual(headers["authorization"], "Bearer s3cret")
        self.assertEqual(headers["connection"], "close")
        version = harness.run("--version").out.strip()
        self.assertEqual(headers["user-agent"], f"loads/{version}")

        got = json.loads(body.decode("utf-8"))
        with open(report) as f:
            want = json.load(f)
        totals = want["totals"]
        for key in ("hits", "tests", "successes", "failures", "errors", "cancelled"):
            self.assertEqual(got[key], totals[key], key)
        self.assertEqual((got["tests"], got["failures"], got["errors"]), (3, 1, 1))
        self.assertEqual(got["statuses"], want["statuses"])
        self.assertEqual(got["counters"], want["counters"])
        self.assertEqual(got["counters"]["report-runs"], 1)
        self.assertEqual([(p["kind"], p["count"], p["message"]) for p in got["problems"]],
                         [(p["kind"], p["count"], p["message"]) for p in want["problems"]])
        self.assertEqual(got["problem_kinds"], len(want["problems"]))
        for key in ("p50", "p90", "p99", "max"):
            self.assertAlmostEqual(got["latency_ms"][key], want["latency"][key + "_ms"], places=3)
        self.assertGreater(got["latency_ms"]["max"], 0)
        self.assertEqual(got["fqn"], "fixtures.Report.test_mixed")
        self.assertEqual(got["status"], "completed")
        self.assertEqual(got["node"], want["node"])
        self.assertEqual(got["version"], version)
        self.assertEqual(got["agents"], [])
        self.assertRegex(got["run_id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        # The host's sentence, which chat webhooks display, with the same figures.
        self.assertRegex(got["text"], r"^Test over\. Ran 3 tests in \d+\.\d\d s\. \d+ hits, \d+\.\d\d RPS\. "
                                      r"1 failures, 1 errors, p50 \d+\.\d ms, p99 \d+\.\d ms\. Run \S+: completed\.$")
        self.assertIn(f" {got['hits']} hits, ", got["text"])
        self.assertIn(got["run_id"], got["text"])
        # Times: ISO 8601 UTC and epoch seconds that agree, around the report's start.
        started = datetime.datetime.strptime(got["started"], "%Y-%m-%dT%H:%M:%S.%fZ")
        ended = datetime.datetime.strptime(got["ended"], "%Y-%m-%dT%H:%M:%S.%fZ")
        epoch = datetime.datetime(1970, 1, 1)
        self.assertAlmostEqual((started - epoch).total_seconds(), got["started_epoch"], delta=0.002)
        self.assertAlmostEqual((ended - epoch).total_seconds(), got["ended_epoch"], delta=0.002)
        self.assertAlmostEqual((ended - started).total_seconds(), got["duration"], delta=0.002)
        self.assertGreater(got["duration"], 0)
        self.assertEqual(got["started"][:19], want["started"][:19])
        self.assertAlmostEqual(got["rps"], got["hits"] / got["duration"], delta=0.01)

    def test_https_with_the_ca_file(self):
        certs = harness.TestCertificates()
        self.addCleanup(certs.cleanup)
        receiver = self.receiver(tls=certs, status=204, body=b"")
        # "localhost" checks the certificate's name (and may resolve to ::1 first, where nothing
        # listens: the next address is tried).
        r = self.run_loads("--observer-webhook-url", f"https://localhost:{receiver.port}/in",
                           "--observer-webhook-ca-file", certs.ca)
        self.assertRun(r, 0)
        self.assertEqual(self.webhook_line(r),
                         f"loads-runner: observer 'webhook': posted to localhost:{receiver.port}: 204")
        self.assertEqual(len(receiver.posts), 1)
        got = json.loads(receiver.posts[0][2])
        self.assertEqual((got["tests"], got["hits"], got["failures"]), (6, 6, 0))
        self.assertEqual(receiver.posts[0][1]["host"], f"localhost:{receiver.port}")

    def test_an_untrusted_certificate_is_refused(self):
        certs = harness.TestCertificates()
        self.addCleanup(certs.cleanup)
        receiver = self.receiver(tls=certs)
        r = self.run_loads("--observer-webhook-url", f"https://127.0.0.1:{receiver.port}/in")
        self.assertRun(r, 0)
        self.assertEqual(self.webhook_line(r),
                         f"loads-runner: observer 'webhook' failed: TLS with 127.0.0.1:{receiver.port} failed: "
                         "certificate verify failed (unable to get local issuer certificate)")
        self.assertEqual(receiver.posts, [])

    def test_retries_after_503_until_delivered(self):
        receiver = self.receiver(fail_first=2, fail_status=503)
        started = time.monotonic()
        r = self.run_loads("--observer-webhook-url", f"http://127.0.0.1:{receiver.port}/hook")
        self.assertRun(r, 0)
        self.assertEqual(self.webhook_line(r), f"loads-runner: observer 'webhook': posted to "
                                               f"127.0.0.1:{receiver.port}: 200 after 2 retries")
        self.assertEqual(len(receiver.posts), 3)
        # The same document each time.
        self.assertEqual(len({body for _, _, body in receiver.posts}), 1)
        # Back-off: 0.5 s then 1 s between the attempts.
        self.assertGreater(time.monotonic() - started, 1.5)

    def test_a_persistent_500_fails_after_the_retries(self):
        receiver = self.receiver(status=500, body=b"database down\nTraceback ...")
        r = self.run_loads("--observer-webhook-url", f"http://127.0.0.1:{receiver.port}/hook")
        self.assertRun(r, 0)
        self.assertEqual(self.webhook_line(r),
                         f"loads-runner: observer 'webhook' failed: 127.0.0.1:{receiver.port} answered "
                         "500 Internal Server Error: database down (4 attempts)")
        self.assertEqual(len(receiver.posts), 4)  # the first and the 3 retries of the default

    def test_a_404_is_not_retried(self):
        receiver = self.receiver(status=404, body=b"no such hook")
        r = self.run_loads("--observer-webhook-url", f"http://127.0.0.1:{receiver.port}/nope")
        self.assertRun(r, 0)
        self.assertEqual(self.webhook_line(r),
                         f"loads-runner: observer 'webhook' failed: 127.0.0.1:{receiver.port} answered "
                         "404 Not Found: no such hook")
        self.assertEqual(len(receiver.posts), 1)

    def test_a_redirect_is_reported_not_followed(self):
        receiver = self.receiver(status=301, body=b"", headers=[("Location", "https://elsewhere.example/hook")])
        r = self.run_loads("--observer-webhook-url", f"http://127.0.0.1:{receiver.port}/old")
        self.assertRun(r, 0)
        self.assertEqual(self.webhook_line(r),
                         f"loads-runner: observer 'webhook' failed: 127.0.0.1:{receiver.port} answered "
                         "301 Moved Permanently, redirecting to https://elsewhere.example/hook "
                         "(redirects are not followed: set the final URL)")
        self.assertEqual(len(receiver.posts), 1)

    def test_an_unreachable_server_costs_one_line(self):
        port = free_port()
        r = self.run_loads("--observer-webhook-url", f"http://127.0.0.1:{port}/hook",
                           "--observer-webhook-retries", "1")
        self.assertRun(r, 0)
        self.assertEqual(self.webhook_line(r), f"loads-runner: observer 'webhook' failed: cannot connect to "
                                               f"127.0.0.1:{port}: Connection refused (2 attempts)")

    def test_a_server_that_never_answers_is_given_up_at_the_timeout(self):
        # Accepts connections (the kernel does, from the backlog) and reads nothing, answers nothing.
        silent = socket.socket()
        self.addCleanup(silent.close)
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        r = self.run_loads("--observer-webhook-url", f"http://127.0.0.1:{port}/hook", "--observer-timeout", "2")
        elapsed = time.monotonic() - started
        self.assertRun(r, 0)
        # The observer quotes the time it had left when it started: the 2 s given, less its own
        # start-up, which a loaded machine (an ASan build beside other jobs) stretches to 0.1 s.
        line = self.webhook_line(r)
        match = re.fullmatch(rf"loads-runner: observer 'webhook' failed: 127\.0\.0\.1:{port}: "
                             r"no answer within (2|1\.\d) s", line)
        self.assertIsNotNone(match, line)
        self.assertGreaterEqual(float(match.group(1)), 1.5, line)
        self.assertLess(elapsed, 10, r)

    def test_bad_settings_cost_one_line(self):
        cases = [
            ((), "no URL: set --observer-webhook-url"),
            (("--observer-webhook-url", "ftp://127.0.0.1/x"),
             "unsupported URL scheme 'ftp': the webhook posts to http:// or https:// URLs"),
            (("--observer-webhook-url", "http://127.0.0.1:1/x", "--observer-webhook-header",
              "X-Token: a\r\nHost: evil"), "invalid header 'X-Token': its value contains control characters"),
            (("--observer-webhook-url", "http://127.0.0.1:1/x", "--observer-webhook-retries", "-1"),
             "--observer-webhook-retries must be 0 or more, not -1"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = self.run_loads(*args)
                self.assertRun(r, 0)
                self.assertEqual(self.webhook_line(r), "loads-runner: observer 'webhook' failed: " + message)


if __name__ == "__main__":
    import unittest
    unittest.main()
