"""Outputs: golden files for file, json, junit and funkload on a deterministic run (times and
other run-dependent values masked), their XML read by a real parser, output options from the
command line and the config file, and the errors a user can make."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
# LOADS_UPDATE_GOLDEN=1 rewrites the golden files from this run (then review the diff).
UPDATE = os.environ.get("LOADS_UPDATE_GOLDEN") == "1"


def mask(text, replacements):
    for old, new in replacements:
        text = text.replace(old, new)
    text = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?", "<time>", text)
    # Durations, latencies and rates: every run differs.
    text = re.sub(r'"(elapsed|duration|\w+_ms|requests_per_second|tests_per_second)": ?[-0-9.e+]+', r'"\1": <n>', text)
    text = re.sub(r'\b(time|duration)="[0-9.]+"', r'\1="<n>"', text)
    text = re.sub(r"(hits \d+ \()[0-9.]+( per second\))", r"\1<n>\2", text)
    text = re.sub(r"(p50|p90|p99|max) [0-9.]+ ms", r"\1 <n> ms", text)
    return text


class Outputs(harness.ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def deterministic_run(self):
        """One user, three executions (success, failure, error), every file output at once."""
        r = harness.run("fixtures.Report.test_mixed", "--server-url", self.server.url, "-u", "1", "--hits", "3",
                        "--threads", "1",
                        "--output", "file", "--output-file-filename", self.path("events.jsonl"),
                        "--output", "json", "--output-json-filename", self.path("report.json"),
                        "--output", "junit", "--output-junit-filename", self.path("junit.xml"),
                        "--output", "funkload", "--output-funkload-filename", self.path("funkload.xml"))
        self.assertRun(r, 1)  # a failure and an error: the run fails, as in the seed
        return r

    def check_golden(self, produced, golden_name):
        with open(produced, encoding="utf-8") as f:
            text = f.read()
        masked = mask(text, [
            (self.server.url.split("//")[1], "127.0.0.1:PORT"),
            (self.tmp, "<tmp>"),
            (os.environ["LOADS_SOURCE_DIR"], "<src>"),
        ])
        # The machine's name, only where it is written (a plain replace could hit a test name).
        masked = re.sub(r'("node": |hostname=|key="node" value=)"[^"]*"', r'\1"<node>"', masked)
        golden = os.path.join(GOLDEN, golden_name)
        if UPDATE:
            with open(golden, "w", encoding="utf-8") as f:
                f.write(masked)
        with open(golden, encoding="utf-8") as f:
            self.assertEqual(masked, f.read(), f"{golden_name} differs from the golden file")
        return text

    def test_golden_files(self):
        self.deterministic_run()

        # file: JSON Lines, one complete object per event.
        text = self.check_golden(self.path("events.jsonl"), "events.jsonl")
        events = [json.loads(line) for line in text.splitlines()]
        kinds = [e["event"] for e in events]
        self.assertEqual(kinds[0], "startTestRun")
        self.assertEqual(kinds[-1], "stopTestRun")
        self.assertEqual(kinds.count("add_hit"), 4)
        self.assertEqual(kinds.count("startTest"), 3)
        self.assertEqual(kinds.count("stopTest"), 3)
        self.assertEqual([e["status"] for e in events if e["event"] == "stopTest"], ["success", "failure", "error"])
        self.assertEqual(kinds.count("socket_open"), 1)
        self.assertEqual(kinds.count("socket_message"), 1)
        error = next(e for e in events if e["event"] == "addError")
        self.assertEqual(error["message"], 'bad <tag> & "quotes"\nsecond line \x01 \ufffd')
        self.assertEqual(error["loads_status"], [3, 1, 3, 0])

        # json: one document.
        report = json.loads(self.check_golden(self.path("report.json"), "report.json"))
        self.assertEqual(report["totals"]["hits"], 4)
        self.assertEqual(report["totals"]["failures"], 1)
        self.assertEqual(report["statuses"], {"200": 3, "404": 1})
        self.assertEqual(len(report["urls"]), 2)
        self.assertEqual(report["counters"], {"report-runs": 1})
        self.assertLessEqual(report["latency"]["p50_ms"], report["latency"]["p99_ms"])

        # junit: parsed by a real XML parser.
        self.check_golden(self.path("junit.xml"), "junit.xml")
        suites = ET.parse(self.path("junit.xml")).getroot()
        self.assertEqual(suites.tag, "testsuites")
        cases = suites.findall("testsuite/testcase")
        self.assertEqual(len(cases), 1)
        self.assertEqual((cases[0].get("classname"), cases[0].get("name")), ("fixtures.Report", "test_mixed"))
        self.assertEqual(len(cases[0].findall("failure")), 1)
        self.assertEqual(len(cases[0].findall("error")), 1)
        self.assertIn("404 != 200", cases[0].find("failure").get("message"))
        self.assertIn('bad <tag> & "quotes"\nsecond line', cases[0].find("error").get("message"))

        # funkload: the layout fl-build-report reads.
        self.check_golden(self.path("funkload.xml"), "funkload.xml")
        root = ET.parse(self.path("funkload.xml")).getroot()
        self.assertEqual(root.tag, "funkload")
        self.assertEqual(len(root.findall("config")), 19)
        responses = root.findall("response")
        self.assertEqual(len(responses), 4)
        self.assertEqual([r.get("code") for r in responses], ["200", "200", "404", "200"])
        results = [t.get("result") for t in root.findall("testResult")]
        self.assertEqual(results, ["Successful", "Failure", "Failure"])
        self.assertIn('bad <tag> & "quotes"\nsecond line', root.findall("testResult")[2].get("traceback"))

    def test_null_and_quiet_print_nothing(self):
        r = harness.run("fixtures.Lifecycle.test_count", "--quiet", "--output", "null", "--hits", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.out, "")
        self.assertEqual(r.err, "")

    def test_stdout_is_not_doubled(self):
        r = harness.run("fixtures.Lifecycle.test_count", "--output", "stdout", "--output", "stdout")
        self.assertRun(r, 0)
        self.assertEqual(r.out.count("Hits:"), 1)

    def test_json_to_stdout(self):
        r = harness.run("fixtures.Lifecycle.test_count", "--quiet", "--output", "json", "--output-json-filename", "-",
                        "--hits", "4")
        self.assertRun(r, 0)
        self.assertEqual(json.loads(r.out)["totals"]["tests"], 4)

    def test_output_options_from_the_config_file(self):
        config = self.path("run.ini")
        with open(config, "w") as f:
            f.write("[loads]\nusers = 2\nhits = 3\noutput = json\n    junit\n\n"
                    f"[output]\njson_filename = {self.path('from-config.json')}\n"
                    f"junit_filename = {self.path('from-config.xml')}\n")
        r = harness.run("fixtures.Lifecycle.test_count", "--config", config)
        self.assertRun(r, 0)
        with open(self.path("from-config.json")) as f:
            self.assertEqual(json.load(f)["totals"]["tests"], 6)
        self.assertEqual(ET.parse(self.path("from-config.xml")).getroot().tag, "testsuites")
        # The command line wins over the file.
        r = harness.run("fixtures.Lifecycle.test_count", "--config", config,
                        "--output-json-filename", self.path("cli.json"))
        self.assertRun(r, 0)
        self.assertTrue(os.path.exists(self.path("cli.json")))

    def test_help_lists_outputs_and_their_options(self):
        r = harness.run("--help")
        self.assertRun(r, 0)
        for name in ("stdout", "null", "file", "json", "junit", "funkload"):
            self.assertRegex(r.out, rf"(?m)^  {name} ")
        self.assertIn("--output-funkload-filename", r.out)
        self.assertIn("funkload-report.xml", r.out)

    def assertUsageError(self, r, *fragments):
        self.assertEqual(r.rc, 2, repr(r))
        lines = r.err.strip().splitlines()
        self.assertEqual(len(lines), 1, repr(r))
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        self.assertEqual(r.out, "")

    def test_unknown_output_name(self):
        r = harness.run("fixtures.Lifecycle.test_count", "--output", "nosuch")
        self.assertUsageError(r, "unknown output 'nosuch'", "funkload", "libnosuch.so")

    def test_bad_output_option_values(self):
        r = harness.run("fixtures.Lifecycle.test_count", "--output", "file")
        self.assertUsageError(r, "output 'file'", "--output-file-filename is required")
        r = harness.run("fixtures.Lifecycle.test_count", "--output", "json", "--output-json-filename",
                        "/nonexistent-dir/report.json")
        self.assertUsageError(r, "output 'json'", "/nonexistent-dir/report.json")
        r = harness.run("fixtures.Lifecycle.test_count", "--output-nosuch-filename", "x")
        self.assertUsageError(r, "output-nosuch-filename")


class OutputFailures(harness.ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)

    def test_an_output_that_cannot_write_is_exit_5_and_the_others_still_report(self):
        junit = os.path.join(self.tmp, "junit.xml")
        r = harness.run("fixtures.Lifecycle.test_count", "--hits", "2", "--output", "json",
                        "--output-json-filename", "/dev/full", "--output", "junit", "--output-junit-filename", junit)
        self.assertEqual(r.rc, 5, repr(r))
        self.assertEqual(r.err.strip().splitlines(),
                         ["loads-runner: output 'json' failed: cannot write '/dev/full': No space left on device"])
        self.assertEqual(r.field("Success"), 2)  # stdout still printed its summary
        self.assertEqual(ET.parse(junit).getroot().find("testsuite/properties/property[@name='loads.executions']")
                         .get("value"), "2")

    def test_interrupted_run_still_writes_every_report(self):
        report = os.path.join(self.tmp, "report.json")
        env = dict(os.environ, LOADS_PATH=f"{harness.LIB_DIR}:{harness.FIXTURE_DIR}")
        proc = subprocess.Popen([harness.RUNNER, "fixtures.Slow.test_get_and_pause", "--server-url", self.server.url,
                                 "-d", "60", "-u", "4", "--output", "json", "--output-json-filename", report],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(2)  # well after the runner has started (ASan builds start slower)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 130, err)
        with open(report) as f:
            data = json.load(f)
        self.assertTrue(data["interrupted"])
        self.assertEqual(data["totals"]["hits"], int(re.search(r"^Hits: (\d+)$", out, re.M).group(1)))
        self.assertGreater(data["totals"]["hits"], 20)


class SlowOutputs(harness.ServerTestCase):
    def test_a_slow_output_delays_only_itself(self):
        """50 ms per hit event: an output in the load's path would allow 20 hits in the run's
        second; off the path the load runs at its own pace and the output catches up after."""
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        counts = os.path.join(tmp, "counts.txt")
        r = harness.run("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url, "-u", "4",
                        "--duration", "1", "--output", "slowcount", "--output-slowcount-filename", counts,
                        "--output-slowcount-delay", "0.05")
        self.assertRun(r, 0)
        hits = r.field("Hits")
        self.assertGreater(hits, 40, repr(r))
        with open(counts) as f:
            fields = dict(item.split("=") for item in f.read().split())
        self.assertEqual(int(fields["hit_events"]), hits)  # nothing lost on the way
        self.assertEqual(int(fields["hits"]), hits)
        self.assertLess(float(fields["elapsed"]), 2.5)  # the run itself did not wait for the output

    def test_an_output_written_in_c(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        counts = os.path.join(tmp, "counts.txt")
        r = harness.run("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url, "-u", "2",
                        "--duration", "1.5", "--output", "c_output", "--output-c-output-filename", counts)
        self.assertRun(r, 0)
        with open(counts) as f:
            fields = dict(item.split("=") for item in f.read().split())
        self.assertEqual(int(fields["hit_events"]), r.field("Hits"))
        self.assertEqual(int(fields["hits"]), r.field("Hits"))
        self.assertEqual(fields["urls"], "1")
        self.assertEqual(fields["final"], "1")
        self.assertGreaterEqual(int(fields["refreshes"]), 1)

    def test_float_option_is_checked(self):
        r = harness.run("fixtures.Lifecycle.test_count", "--output", "slowcount", "--output-slowcount-delay", "soon")
        self.assertEqual(r.rc, 2, repr(r))
        self.assertIn("--output-slowcount-delay takes a number, not 'soon'", r.err)
