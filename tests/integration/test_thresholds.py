"""Thresholds (--threshold, [thresholds], --abort-on-fail): loads as a CI gate. Every kind judged on a
real run of the sample server, the exit status, the Thresholds block, the JSON, JUnit and HTML
reports, the run stopped at a crossing, and bad expressions refused before any load."""
import json
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET

import harness


def verdicts(out):
    """{expression: (passed, measured text)} from the summary's Thresholds block."""
    found = {}
    for mark, expression, measured in re.findall(r"^  ([\u2713\u2717]) (\S+)\s+measured (.+?), limit ", out, re.M):
        found[expression] = (mark == "\u2713", measured)
    return found


class Thresholds(harness.ServerTestCase):
    def run_es(self, *args, **kwargs):
        return harness.run("example.TestWebSite.test_es", "--server-url", self.server.url, *args, **kwargs)

    def test_every_kind_passes_and_the_exit_status_stays_0(self):
        r = self.run_es("-u", "4", "--hits", "25", "--threshold", "p50<2s", "--threshold", "p90<=2000ms",
                        "--threshold", "p95<2s", "--threshold", "p99<2s", "--threshold", "p99.9<2s", "--threshold",
                        "max<2000000us", "--threshold", "avg<2s", "--threshold", "errors<1%", "--threshold",
                        "failures<=0", "--threshold", "rps>=1", "--threshold", "dropped==0", "--threshold",
                        "hits>=100", "--threshold", "test_es:hits==100")
        self.assertRun(r, 0)
        self.assertIn("\nThresholds: 0 of 13 crossed\n", r.out)
        v = verdicts(r.out)
        self.assertEqual(len(v), 13, r.out)
        self.assertTrue(all(passed for passed, _ in v.values()), r.out)
        self.assertEqual(v["hits>=100"][1], "100")
        self.assertNotIn("thresholds crossed", r.err)

    def test_every_kind_fails_and_the_exit_status_is_7(self):
        r = self.run_es("-u", "2", "--hits", "5", "--threshold", "p50<1us", "--threshold", "max<1us",
                        "--threshold", "avg<1us", "--threshold", "rps>=100000000", "--threshold", "hits>10",
                        "--threshold", "dropped>0", "--threshold", "counter.home-visits>=1", "--threshold",
                        "p99<10s")
        self.assertRun(r, 7)
        self.assertIn("\nThresholds: 7 of 8 crossed\n", r.out)
        v = verdicts(r.out)
        self.assertEqual([e for e, (passed, _) in v.items() if passed], ["p99<10s"])
        self.assertEqual(v["hits>10"], (False, "10"))
        self.assertIn("loads-runner: 7 of 8 thresholds crossed: p50<1us (", r.err)

    def test_errors_and_failures_from_a_failing_test(self):
        # test_fails fails every execution: 100% failures, which a threshold may allow.
        r = harness.run("example.TestWebSite.test_fails", "--server-url", self.server.url, "--hits", "4",
                        "--threshold", "failures<=100%")
        self.assertRun(r, 1)  # the thresholds held; the test's failures still fail the run
        r = harness.run("example.TestWebSite.test_fails", "--server-url", self.server.url, "--hits", "4",
                        "--threshold", "errors<1%", "--threshold", "failures<=3")
        self.assertRun(r, 7)  # a crossed threshold outranks a failed test
        v = verdicts(r.out)
        self.assertEqual(v["errors<1%"], (False, "100%"))
        self.assertEqual(v["failures<=3"], (False, "4"))

    def test_reports_hold_every_threshold(self):
        with tempfile.TemporaryDirectory() as tmp:
            paths = {k: os.path.join(tmp, f) for k, f in
                     [("json", "r.json"), ("junit", "j.xml"), ("html", "r.html")]}
            r = self.run_es("--hits", "3", "--threshold", "p99<10s", "--threshold", "hits>=4", "--output", "json",
                            "--output-json-filename", paths["json"], "--output", "junit",
                            "--output-junit-filename", paths["junit"], "--output", "html",
                            "--output-html-filename", paths["html"])
            self.assertRun(r, 7)
            with open(paths["json"]) as f:
                doc = json.load(f)
            self.assertEqual([t["expression"] for t in doc["thresholds"]], ["p99<10s", "hits>=4"])
            first, second = doc["thresholds"]
            self.assertEqual((first["metric"], first["op"], first["limit"], first["unit"], first["passed"]),
                             ("p99", "<", 10, "s", True))
            self.assertAlmostEqual(first["measured"], doc["latency"]["p99_ms"] / 1000, places=3)
            self.assertEqual((second["measured"], second["passed"], second["aborted"]), (3, False, False))
            suite = ET.parse(paths["junit"]).getroot().find("testsuite")
            self.assertEqual(suite.get("tests"), "3")
            self.assertEqual(suite.get("failures"), "1")
            cases = {c.get("name"): c for c in suite.findall("testcase")}
            self.assertIsNone(cases["threshold p99<10s"].find("failure"))
            failure = cases["threshold hits>=4"].find("failure")
            self.assertEqual(failure.get("message"), "measured 3, limit >= 4")
            with open(paths["html"]) as f:
                page = f.read()
            self.assertIn("<h2>Thresholds</h2>", page)
            self.assertIn("\u2717 crossed", page)

    def test_abort_on_fail_stops_the_run_at_the_first_crossing(self):
        started = time.monotonic()
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/delay/50", "-u", "4", "-d",
                        "60", "--threshold", "p50<1ms", "--threshold", "hits>=0", "--abort-on-fail",
                        "--threshold-grace", "1")
        self.assertRun(r, 7)
        self.assertLess(time.monotonic() - started, 20)
        self.assertIn("loads-runner: threshold p50<1ms crossed (", r.err)
        self.assertIn("): the run was stopped", r.err)
        self.assertNotIn("interrupted", r.err)
        self.assertRegex(r.out, r"\u2717 p50<1ms\s+measured [\d.]+ ms, limit < 1 ms \(stopped the run\)")

    def test_a_bang_stops_the_run_and_others_do_not(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/delay/50", "-u", "2", "-d",
                        "3", "--threshold", "p50<1ms", "--threshold-grace", "1")
        self.assertRun(r, 7)  # crossed, but it ran its 3 s
        self.assertNotIn("the run was stopped", r.err)
        started = time.monotonic()
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/delay/50", "-u", "2", "-d",
                        "60", "--threshold", "p50<1ms!", "--threshold-grace", "1")
        self.assertRun(r, 7)
        self.assertLess(time.monotonic() - started, 20)
        self.assertIn("the run was stopped", r.err)

    def test_an_open_model_run_is_judged_on_its_corrected_latency_and_drops(self):
        r = harness.run("fixtures.Arrivals.test_get", "--server-url", self.server.url + "/delay/100", "--rate", "40",
                        "-d", "2", "-u", "1", "--threshold", "dropped==0", "--threshold", "p99<50ms")
        self.assertRun(r, 7)
        v = verdicts(r.out)
        self.assertFalse(v["dropped==0"][0])
        self.assertEqual(int(v["dropped==0"][1]), harness.Result.field(r, "Dropped arrivals"))
        p99 = float(re.search(r"^Latency percentiles: .*p99 ([\d.]+) ms", r.out, re.M).group(1))
        self.assertAlmostEqual(float(v["p99<50ms"][1].split()[0]), p99, delta=0.01)

    def test_the_config_file_has_a_thresholds_section(self):
        with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
            f.write("[loads]\nhits = 3\n\n[thresholds]\nlatency = p99<10s\ncount = hits>=4\n")
        self.addCleanup(os.unlink, f.name)
        r = self.run_es("--config", f.name, "--threshold", "errors<1%")
        self.assertRun(r, 7)
        self.assertEqual(set(verdicts(r.out)), {"p99<10s", "hits>=4", "errors<1%"})


class BadThresholds(harness.TestCase):
    def assertUsageError(self, result, fragment):
        self.assertRun(result, 2)
        lines = result.err.strip().splitlines()
        self.assertEqual(len(lines), 1, result.err)
        self.assertIn(fragment, lines[0])
        self.assertEqual(result.out, "")

    def test_bad_expressions_are_refused_before_any_load(self):
        t = "example.TestWebSite.test_es"
        for args, fragment in [
            (["--threshold", "p99<200"], "--threshold 'p99<200': p99 is a time: give its unit, ms, s or us"),
            (["--threshold", "p99~3ms"], "no comparison"),
            (["--threshold", "speed>1"], "unknown metric 'speed'"),
            (["--threshold", "errors<1ms"], "errors is a count, or a share of the tests with %"),
            (["--threshold", "test_nope:p99<1s"], "the run has no test 'test_nope' (it runs test_es)"),
            (["--abort-on-fail"], "--abort-on-fail stops the run at a crossed threshold: give one with --threshold"),
            (["--threshold", "p99<1s", "--threshold-grace", "-1"], "--threshold-grace must be"),
        ]:
            with self.subTest(args=args):
                # The server URL points nowhere: a refused threshold never gets to make a request.
                self.assertUsageError(harness.run(t, "--server-url", "http://127.0.0.1:1", *args), fragment)


if __name__ == "__main__":
    import unittest
    unittest.main()
