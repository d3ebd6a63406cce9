"""Observers of distributed runs: the broker tells them when the run ends, with the merged figures
and every agent's fate, and their options travel with the run without ever being stored. A real
HTTP receiver gets the webhook the broker posts; observers that crash or hang never hold the
broker up."""
import http.server
import json
import os
import re
import threading
import time

import cluster
import harness


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every POST body it gets."""

    def __init__(self):
        bodies = self.bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ClusterObservers(cluster.ClusterTestCase):
    agents = 2

    def setUp(self):
        # This broker finds the test observers (recorder, crasher, sleepy) on its --observer-path.
        self.cluster = cluster.Cluster(agents=self.agents, broker_args=["--observer-path", harness.FIXTURE_DIR])
        self.record = os.path.join(self.cluster.dir, "record.txt")

    def wait_for_record(self, timeout=30):
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.record):
            self.assertLess(time.monotonic(), deadline, self.cluster.broker_text())
            time.sleep(0.05)
        time.sleep(0.2)  # the recorder appends its lines in one write; let it close the file
        return harness.read_recorder_file(self.record)

    def test_the_broker_tells_observers_with_merged_figures(self):
        result = self.cluster.runner("cluster.Spread.test_mixed", "--server-url", self.server.url, "-u", "2",
                                     "--hits", "3", "--agents", "2", "--observer", "recorder",
                                     "--observer-recorder-path", self.record,
                                     "--observer-recorder-secret", "hunter2", "--observer-recorder-flag", "on")
        self.assertRun(result, 1)  # the fixture fails on purpose; the observers change nothing
        self.assertNotIn("observer", result.err)  # the broker tells them, not the runner
        [(run_id, options)] = self.cluster.query("SELECT run_id, options_json FROM runs")
        got = self.wait_for_record()
        self.assertEqual(got["run_id"], [run_id])
        self.assertEqual(got["status"], ["completed"])
        self.assertEqual((got["hits"], got["tests"], got["failures"]), (["24"], ["12"], ["2"]))
        self.assertEqual(got["counter.spread"], ["12"])
        self.assertEqual(len(got["agent"]), 2)
        self.assertTrue(all(a.endswith(" finished") for a in got["agent"]), got["agent"])
        self.assertEqual(got["option.agents"], ["2"])
        self.assertRegex(got["text"][0], rf"^Test over\. Ran 12 tests in [\d.]+ s\. 24 hits, [\d.]+ RPS\. "
                                         rf"2 failures, 0 errors, p50 [\d.]+ ms, p99 [\d.]+ ms\. Run {run_id}: "
                                         r"completed\.$")
        self.assertEqual((got["secret"], got["flag"]), (["hunter2"], ["true"]))
        # The options reached the observer and nothing else: not the database, not the record.
        self.assertNotIn("hunter2", options)
        self.assertNotIn("observer-recorder", options)
        self.assertFalse([k for k in got if k.startswith("option.observer")])
        self.cluster.wait_for_log(self.cluster.broker_log,
                                  f"run {run_id}: observer 'recorder': recorded in {self.record}")

    def test_a_detached_run_is_still_told_and_the_webhook_posted(self):
        receiver = Receiver()
        try:
            result = self.cluster.runner("fixtures.Lifecycle.test_count", "-u", "3", "--hits", "2", "--agents", "2",
                                         "--detach", "--observer", "webhook", "--observer-webhook-url", receiver.url,
                                         "--observer", "recorder", "--observer-recorder-path", self.record)
            self.assertRun(result, 0)
            run_id = re.search(r"Run (\S+) is going on 2 agent\(s\)", result.out).group(1)
            self.cluster.wait_for_log(self.cluster.broker_log, f"run {run_id}: observer 'webhook': ")
            self.assertEqual(len(receiver.bodies), 1, self.cluster.broker_text())
            body = receiver.bodies[0]
            self.assertEqual(body["run_id"], run_id)
            self.assertRegex(body["text"], rf"^Test over\. Ran 12 tests in .* Run {run_id}: completed\.")
            self.assertEqual(self.wait_for_record()["run_id"], [run_id])
        finally:
            receiver.stop()

    def test_crashing_and_hanging_observers_never_hold_the_broker(self):
        result = self.cluster.runner("fixtures.Lifecycle.test_count", "-u", "1", "--hits", "1", "--agents", "1",
                                     "--observer", "sleepy", "--observer", "crasher", "--observer-timeout", "3")
        self.assertRun(result, 0)
        [(run_id,)] = self.cluster.query("SELECT run_id FROM runs")
        # While sleepy runs out its time, the broker serves: a second run goes through.
        second = self.cluster.runner("fixtures.Lifecycle.test_count", "-u", "1", "--hits", "1", "--agents", "1")
        self.assertRun(second, 0)
        self.cluster.wait_for_log(self.cluster.broker_log, f"run {run_id}: observer 'crasher' failed: crashed")
        self.cluster.wait_for_log(self.cluster.broker_log,
                                  f"run {run_id}: observer 'sleepy' failed: no answer within 3 s")


if __name__ == "__main__":
    import unittest
    unittest.main()
