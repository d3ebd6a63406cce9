"""The open model (--rate, --max-users): arrivals evenly paced whatever the server does, a pool of users
that grows to its cap, dropped arrivals counted, corrected latency beside service time. Counted against
the server's own log (nginx) or the sample server."""
import json
import os
import re
import signal
import tempfile
import threading
import time
import unittest

import harness

# ThreadSanitizer slows the runner several times over: the pacing test keeps its shape at a lower rate.
RATE = 500 if harness.SANITIZER else 1000


def ms_field(out, line, name):
    """A percentile in milliseconds from a summary line such as 'Latency percentiles: p50 1.2 ms, ...'."""
    match = re.search(rf"^{re.escape(line)}: .*\b{re.escape(name)} ([\d.]+) ms", out, re.M)
    if not match:
        raise AssertionError(f"no {name} in '{line}':\n{out}")
    return float(match.group(1))


def achieved(out):
    match = re.search(r"^Target rate: ([\d.]+)/s, achieved ([\d.]+)/s \((\d+) arrivals\)$", out, re.M)
    if not match:
        raise AssertionError(f"no 'Target rate:' line:\n{out}")
    return float(match.group(1)), float(match.group(2)), int(match.group(3))


class Pacing(harness.TestCase):
    def setUp(self):
        self.nginx = harness.Nginx()

    def tearDown(self):
        self.nginx.stop()

    def test_arrivals_are_evenly_spaced_at_the_target_rate(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--rate", str(RATE), "-d", "10",
                        "-u", "50", "--threads", "2", timeout=60)
        self.assertRun(r, 0)
        target, rate, arrivals = achieved(r.out)
        self.assertEqual(target, RATE)
        self.assertEqual(arrivals, RATE * 10)  # arrival k is due at k/R, and none at or after 10 s
        self.assertLess(abs(rate - RATE) / RATE, 0.01, r.out)
        self.assertEqual(r.field("Dropped arrivals"), 0)
        self.assertEqual(r.field("Hits"), arrivals)
        times = sorted(self.nginx.request_times())
        self.assertEqual(len(times), arrivals, "the server saw every hit, and nothing else")
        # Even, not bursts per tick: each 10 ms window of the server's log (whose clock has 1 ms
        # steps) holds about R/100 requests. A generator that sent its arrivals in batches every
        # 100 ms (or once a second) would leave most windows empty and a few full.
        per_window = RATE // 100
        start = times[0]
        windows = [0] * (int((times[-1] - start) / 0.01) + 1)
        for t in times:
            windows[int((t - start) / 0.01)] += 1
        inner = windows[1:-1]
        close = sum(1 for n in inner if abs(n - per_window) <= max(2, per_window // 3))
        self.assertGreater(close / len(inner), 0.9, f"windows of 10 ms: {inner[:50]}...")
        self.assertLess(max(inner), per_window * 4, "no burst of catch-up")

    def test_hits_schedules_that_many_arrivals(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--rate", "200", "--hits",
                        "50", "-u", "5")
        self.assertRun(r, 0)
        self.assertEqual(achieved(r.out)[2], 50)
        self.assertEqual(r.field("Hits"), 50)
        self.assertEqual(len(self.nginx.request_times()), 50)
        self.assertGreater(r.elapsed, 49 / 200)  # paced: the 50th arrival is due at 245 ms

    def test_a_rate_below_one_per_second(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--rate", "0.5", "-d", "4.5")
        self.assertRun(r, 0)
        self.assertEqual(achieved(r.out)[2], 3)  # due at 0, 2 and 4 s
        times = sorted(self.nginx.request_times())
        self.assertEqual(len(times), 3)
        for a, b in zip(times, times[1:]):
            self.assertAlmostEqual(b - a, 2.0, delta=0.1)


class Pool(harness.ServerTestCase):
    def test_a_capped_pool_drops_and_counts_arrivals(self):
        # 4 users at most, each busy 200 ms an iteration: 20 iterations a second of the 50 asked.
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.json")
            junit = os.path.join(tmp, "junit.xml")
            html = os.path.join(tmp, "report.html")
            events = os.path.join(tmp, "events.jsonl")
            funkload = os.path.join(tmp, "funkload.xml")
            r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/delay/200", "--rate",
                            "50", "-d", "2", "-u", "2", "--max-users", "4", "--output", "json", "--output", "junit",
                            "--output", "html", "--output", "file", "--output", "funkload",
                            "--output-json-filename", report, "--output-junit-filename", junit,
                            "--output-html-filename", html, "--output-file-filename", events,
                            "--output-funkload-filename", funkload)
            self.assertRun(r, 0)
            _, _, arrivals = achieved(r.out)
            dropped = r.field("Dropped arrivals")
            self.assertEqual(arrivals + dropped, 100, "every scheduled arrival is started or dropped")
            self.assertGreater(dropped, 40)
            self.assertLessEqual(arrivals, 4 * 11)
            self.assertEqual(r.counter("users"), 4, "the pool grew to its cap and no further")
            self.assertEqual(r.field("Hits"), arrivals)
            with open(report) as f:
                doc = json.load(f)
            self.assertEqual(doc["plan"]["rate"], 50)
            self.assertEqual(doc["plan"]["max_users"], 4)
            self.assertEqual(doc["totals"]["arrivals"], arrivals)
            self.assertEqual(doc["totals"]["dropped_arrivals"], dropped)
            self.assertEqual(doc["service_time"]["count"], arrivals)
            self.assertEqual(doc["rates"]["target_arrivals_per_second"], 50)
            self.assertAlmostEqual(doc["rates"]["arrivals_per_second"], arrivals / 2, places=6)
            self.assertGreaterEqual(doc["service_time"]["p50_ms"], 200)
            with open(junit) as f:
                xml = f.read()
            self.assertIn(f'<property name="loads.dropped_arrivals" value="{dropped}"/>', xml)
            with open(html) as f:
                page = f.read()
            self.assertIn("Dropped arrivals", page)
            self.assertIn("Mean service time", page)
            with open(events) as f:
                last = json.loads(f.read().splitlines()[-1])
            self.assertEqual((last["event"], last["arrivals"], last["dropped_arrivals"]), ("stopTestRun", arrivals, dropped))
            with open(funkload) as f:
                xml = f.read()
            self.assertIn(f'<config key="dropped_arrivals" value="{dropped}"/>', xml)

    def test_the_pool_grows_when_every_user_is_busy(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/delay/100", "--rate", "50",
                        "-d", "2", "-u", "1", "--max-users", "30")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Dropped arrivals"), 0)
        self.assertEqual(achieved(r.out)[2], 100)
        users = r.counter("users")
        # About 5 iterations are in flight at once (50/s x 100 ms): the pool made a few more users
        # than that, never the 30 it could have.
        self.assertGreaterEqual(users, 5)
        self.assertLess(users, 20)

    def test_a_closed_model_run_shows_no_open_model_lines(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/", "-u", "2", "--hits", "3")
        self.assertRun(r, 0)
        self.assertNotIn("Dropped arrivals", r.out)
        self.assertNotIn("Service time", r.out)
        self.assertIn("Request time percentiles:", r.out)


class Latency(harness.ServerTestCase):
    def test_late_arrivals_add_their_lateness_to_the_corrected_latency(self):
        # One worker thread that each iteration blocks for 100 ms can start 10 a second; at 20 a
        # second the arrivals fall further and further behind their schedule (a saturated load
        # generator, which a closed-model tool never notices). The service time grows too (responses
        # wait for the busy thread), but the corrected latency also holds every iteration's
        # lateness, up to a second by the end of the schedule.
        r = harness.run("fixtures.Arrivals.test_block_then_get", "--server-url", self.server.url + "/", "--rate",
                        "20", "-d", "2", "-u", "50", "--threads", "1")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Dropped arrivals"), 0)
        for p in ("p50", "p90", "p99", "max"):
            self.assertGreaterEqual(ms_field(r.out, "Latency percentiles", p),
                                    ms_field(r.out, "Service time percentiles", p), p)
        self.assertGreater(ms_field(r.out, "Latency percentiles", "p50"),
                           ms_field(r.out, "Service time percentiles", "p50") + 500)

    def test_a_server_that_stalls_once_shows_in_p99_and_max(self):
        server = harness.Server()
        try:
            def stall():
                time.sleep(1.0)
                os.kill(server.proc.pid, signal.SIGSTOP)
                time.sleep(1.0)
                os.kill(server.proc.pid, signal.SIGCONT)

            stopper = threading.Thread(target=stall)
            stopper.start()
            r = harness.run("fixtures.Arrivals.test_get", "--server-url", server.url + "/", "--rate", "100", "-d",
                            "4", "-u", "10", "--max-users", "300")
            stopper.join()
        finally:
            server.stop()
        self.assertRun(r, 0)
        self.assertEqual(r.field("Dropped arrivals"), 0)
        # The ~100 requests sent during the stall each waited for it, up to a second.
        self.assertGreater(ms_field(r.out, "Latency percentiles", "max"), 900)
        self.assertGreater(ms_field(r.out, "Latency percentiles", "p99"), 800)
        self.assertGreaterEqual(ms_field(r.out, "Latency percentiles", "p99"),
                                ms_field(r.out, "Service time percentiles", "p99"))


class Live(harness.ServerTestCase):
    def test_the_live_line_shows_the_rate_and_dropped_arrivals(self):
        rc, screen = harness.run_on_terminal("fixtures.Arrivals.test_get", "--server-url",
                                             self.server.url + "/delay/200", "--rate", "40", "-d", "3", "-u", "2")
        self.assertEqual(rc, 0, screen)
        self.assertRegex(screen, r"\d+\.\d/s of 40\.0/s, dropped [1-9]\d*")
        self.assertIn("Dropped arrivals:", screen)


if __name__ == "__main__":
    unittest.main()
