"""Ramping stages (--stages, --rate-stages): users or the arrival rate follow each stage's linear ramp,
checked against the server's own log (nginx: when each request came and on which connection); stopped
users finish their test and leave; the live line, the summary and the JSON report state the stages."""
import json
import os
import re
import tempfile
import unittest

import harness
from profiles import level_at, run_start, users_out_of_shape, users_per_window

# ThreadSanitizer slows the runner several times over: the rate ramp keeps its shape at a lower peak.
PEAK_RATE = 200 if harness.SANITIZER else 400


class UserStages(harness.TestCase):
    def setUp(self):
        self.nginx = harness.Nginx()
        self.tmp = tempfile.TemporaryDirectory()
        self.report = os.path.join(self.tmp.name, "report.json")

    def tearDown(self):
        self.nginx.stop()
        self.tmp.cleanup()

    def run_stages(self, stages, *extra):
        text = ",".join(f"{s:g}s:{t}" for s, t in stages)
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--stages", text, "--threads",
                        "2", "--output", "json", "--output-json-filename", self.report, *extra, timeout=120)
        self.assertRun(r, 0)
        return r

    def assert_users_follow(self, stages, window=0.25):
        """Each window's users lie between the stages' level at its two ends (a window where the ramp
        turns is judged on the turning level too), give or take one user and the clock's skew."""
        start, _ = run_start(self.report)
        count = int(sum(s for s, _ in stages) / window)
        seen = users_per_window(self.nginx.requests(), start, window, count)
        self.assertEqual(users_out_of_shape(stages, seen, window), [], f"(window, users, low, high); all: {seen}")
        return seen

    def test_users_ramp_up_hold_and_ramp_down(self):
        stages = [(2, 20), (2, 20), (2, 0)]
        r = self.run_stages(stages)
        seen = self.assert_users_follow(stages)
        self.assertEqual(max(seen), 20)
        self.assertEqual(r.counter("users"), 20, "one instance per user, made when its turn first came")
        self.assertEqual(r.field("Hits"), len(self.nginx.requests()))
        self.assertIn("User stages: 2s:20, 2s:20, 2s:0 (peak 20 users)", r.out)
        self.assertLess(r.elapsed, 6 + 3, "the stages set the run's length")
        _, doc = run_start(self.report)
        self.assertEqual(doc["plan"]["stages"], {"kind": "users", "list": [
            {"seconds": 2, "target": 20}, {"seconds": 2, "target": 20}, {"seconds": 2, "target": 0}]})
        self.assertEqual(doc["plan"]["users"], [20])
        self.assertEqual(doc["plan"]["duration"], 6)
        self.assertEqual(doc["options"]["stages"], "2s:20,2s:20,2s:0")
        self.assertEqual(doc["options"]["users"], "20", "the stages' peak, not -u's default")

    def test_stopped_users_leave_and_come_back_as_new_users(self):
        # Held a moment at each peak: a level reached only at an instant runs no user.
        stages = [(1, 10), (0.5, 10), (1, 0), (1, 10), (0.5, 10)]
        r = self.run_stages(stages)
        seen = self.assert_users_follow(stages)
        self.assertLessEqual(min(seen[9:11]), 2, f"next to no user at the trough: {seen}")
        self.assertEqual(r.counter("users"), 20, "each comeback is a new instance")
        connections = {c for _, c in self.nginx.requests()}
        self.assertGreaterEqual(len(connections), 20, "a stopped user closed its connection")

    def test_a_zero_second_stage_is_a_step(self):
        stages = [(0, 12), (2, 12)]
        self.run_stages(stages)
        seen = self.assert_users_follow(stages)
        self.assertGreaterEqual(seen[0], 11, f"all 12 users from the start: {seen}")


class RunLength(harness.ServerTestCase):
    def test_a_run_whose_last_stages_hold_no_user_lasts_its_stages(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url, "--stages", "1s:4,1s:0,1s:0")
        self.assertRun(r, 0)
        duration = float(re.search(r"^Duration: ([\d.]+) seconds$", r.out, re.M).group(1))
        self.assertGreaterEqual(duration, 3.0, "the stages' 3 s, not the 2 s that held users")
        self.assertLess(duration, 4.0)


class GracefulStop(harness.ServerTestCase):
    def test_a_stopping_user_finishes_its_test(self):
        # Each test takes 300 ms; the users stop one by one while theirs run, and none is cut short.
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.json")
            r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/delay/300", "--stages",
                            "0s:4,1s:4,1s:0", "--output", "json", "--output-json-filename", report)
            self.assertRun(r, 0)
            with open(report) as f:
                totals = json.load(f)["totals"]
        self.assertEqual(totals["cancelled"], 0, r.out)
        self.assertEqual(totals["errors"], 0, r.out)
        self.assertEqual(totals["successes"], totals["tests"])
        self.assertGreaterEqual(totals["tests"], 4 * 3 + 4, "4 users for 1 s, then fewer over the ramp down")


class RateStages(harness.TestCase):
    def setUp(self):
        self.nginx = harness.Nginx()

    def tearDown(self):
        self.nginx.stop()

    def test_the_arrival_rate_follows_the_ramps(self):
        stages = [(2, PEAK_RATE), (2, PEAK_RATE), (2, 0)]
        expected = PEAK_RATE * 4  # the area under the ramps: 1 + 2 + 1 s at the peak
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.json")
            r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.nginx.url, "--rate-stages",
                            f"2s:{PEAK_RATE},2s:{PEAK_RATE},2s:0", "-u", "20", "--threads", "2", "--output", "json",
                            "--output-json-filename", report, timeout=120)
            self.assertRun(r, 0)
            start, doc = run_start(report)
        match = re.search(r"^Target rate: ([\d.]+)/s, achieved ([\d.]+)/s \((\d+) arrivals\)$", r.out, re.M)
        self.assertIsNotNone(match, r.out)
        self.assertAlmostEqual(float(match.group(1)), expected / 6, places=1, msg="the stages' mean rate")
        self.assertLess(abs(float(match.group(2)) - expected / 6) / (expected / 6), 0.01,
                        "achieved over the stages' whole length, though the last arrival comes before it")
        self.assertEqual(int(match.group(3)), expected, "arrival k is due when the ramps' area reaches k + 1/2")
        self.assertEqual(r.field("Dropped arrivals"), 0)
        self.assertIn(f"Rate stages: 2s:{PEAK_RATE}, 2s:{PEAK_RATE}, 2s:0 (the target rate above is their mean)", r.out)
        self.assertEqual(doc["plan"]["stages"]["kind"], "rate")
        times = self.nginx.request_times()
        self.assertEqual(len(times), expected)
        # The server's count in each half second is the ramps' area over it. The stages' clock starts
        # once the pool is made, a little after the report's start: it is read off the first request,
        # due when the first ramp's area (PEAK/4 · t²) reaches 1/2.
        origin = min(times) - (2 / PEAK_RATE) ** 0.5
        self.assertLess(abs(origin - start), 0.5)
        for i in range(12):
            a, b = i * 0.5, (i + 1) * 0.5
            due = sum(level_at(stages, a + (k + 0.5) * 0.005) for k in range(100)) * 0.005
            got = sum(1 for t in times if a <= t - origin < b)
            self.assertLess(abs(got - due), max(6, 0.05 * due), f"{a}-{b} s: {got} requests, {due:.0f} due")


class Live(harness.ServerTestCase):
    def test_the_live_line_shows_the_stage_and_target(self):
        rc, screen = harness.run_on_terminal("fixtures.Arrivals.test_get", "--server-url", self.server.url,
                                             "--stages", "1s:4,2s:4")
        self.assertEqual(rc, 0, screen)
        self.assertRegex(screen, r"stage 2/2, 4 of 4 users")
        rc, screen = harness.run_on_terminal("fixtures.Arrivals.test_get", "--server-url", self.server.url,
                                             "--rate-stages", "1s:40,2s:40", "-u", "4")
        self.assertEqual(rc, 0, screen)
        self.assertRegex(screen, r"stage 2/2, \d+\.\d/s of 40\.0/s, dropped 0")


class BadStages(harness.TestCase):
    def test_bad_stages_are_refused_before_any_load(self):
        t = "fixtures.Arrivals.test_get"
        for args, fragment in [
            (["--stages", "30x:5"], "--stages: stage 1 '30x:5': 'x' in '30x' is not a unit of time (ms, s, m, h)"),
            (["--stages", "30s:5,1m"], "--stages: stage 2 '1m': a stage is DURATION:TARGET"),
            (["--stages", "30s:-1"], "must be a whole number of users"),
            (["--stages", "30s:0"], "every target of '30s:0' is 0"),
            (["--rate-stages", "30s:fast"], "--rate-stages: stage 1 '30s:fast': the target 'fast' must be a number"),
            (["--stages", "1s:5", "-d", "10"], "--stages sets the run's length (its stages' durations): drop --duration"),
            (["--stages", "1s:5", "--hits", "3"], "drop --hits"),
            (["--stages", "1s:5", "-u", "5"], "--stages sets the users (its targets): drop -u"),
            (["--stages", "1s:5", "--rate", "5", "-d", "1"], "--stages ramps users (closed model) and --rate paces"),
            (["--rate-stages", "1s:5", "--rate", "5", "-d", "1"], "--rate holds one rate and --rate-stages ramps it"),
            (["--rate-stages", "1s:5", "-u", "2:3"], "-u takes one number"),
            (["--rate-stages", "1s:5", "-u", "3", "--max-users", "2"], "--max-users must be at least -u (3)"),
            (["--stages", "1s:5", "--max-users", "9"], "--max-users is the cap of an open-model run's pool"),
            (["--rate-stages", "1s:5", "--no-patching"], "--rate-stages and --no-patching cannot be used together"),
        ]:
            with self.subTest(args=args):
                r = harness.run(t, *args)
                self.assertEqual(r.rc, 2, repr(r))
                self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
                self.assertIn(fragment, r.err)
                self.assertNotIn("Hits", r.out)

    def test_the_config_file_takes_stages_too(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[loads]\nstages = 30x:5\n")
        self.addCleanup(os.unlink, f.name)
        r = harness.run("fixtures.Arrivals.test_get", "--config", f.name)
        self.assertEqual(r.rc, 2, repr(r))
        self.assertIn("'x' in '30x' is not a unit of time", r.err)


class ConfigStages(harness.ServerTestCase):
    def test_stages_from_the_config_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write(f"[loads]\nrate_stages = 0s:50,1s:50\nusers = 3\nserver_url = {self.server.url}\n")
        self.addCleanup(os.unlink, f.name)
        r = harness.run("fixtures.Arrivals.test_get", "--config", f.name)
        self.assertRun(r, 0)
        self.assertIn("Rate stages: 0s:50, 1s:50", r.out)
        self.assertEqual(r.field("Hits"), 50)


if __name__ == "__main__":
    unittest.main()
