"""Third-party plugins: samples/custom_output and samples/custom_observer built out of tree
against the installed SDK (find_package(loads)) and loaded by the installed loads-runner with
--output and --observer."""
import csv
import json
import os
import shutil
import subprocess
import tempfile

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(harness.env_path("LOADS_SOURCE_DIR"), "samples")


class CustomPlugins(harness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp()
        cmake = harness.env_path("LOADS_CMAKE")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        subprocess.run([cmake, "--install", harness.env_path("LOADS_BINARY_DIR"), "--prefix", cls.prefix],
                       check=True, capture_output=True)
        cls.build = os.path.join(cls.tmp, "build")
        cls.observer_build = os.path.join(cls.tmp, "build-logbook")
        for sample, build in (("custom_output", cls.build), ("custom_observer", cls.observer_build)):
            subprocess.run([cmake, "-S", os.path.join(SAMPLES, sample), "-B", build, "-G", "Ninja",
                            f"-DCMAKE_PREFIX_PATH={cls.prefix}"], check=True, capture_output=True)
            subprocess.run([cmake, "--build", build], check=True, capture_output=True)
        cls.runner = os.path.join(cls.prefix, "bin", "loads-runner")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)
        super().tearDownClass()

    def run_installed(self, *args):
        # The installed runner with nothing but the out-of-tree build and the fixtures to look in.
        env = dict(os.environ, LOADS_PATH=harness.FIXTURE_DIR)
        env.pop("LOADS_OUTPUT_DIR", None)
        env.pop("LOADS_OBSERVER_DIR", None)
        proc = subprocess.run([self.runner, *args], capture_output=True, text=True, timeout=120, env=env)
        return harness.Result(proc, 0)

    def test_out_of_tree_output_runs_beside_the_builtins(self):
        self.assertTrue(os.path.exists(os.path.join(self.build, "libcsv.so")))
        rows_file = os.path.join(self.tmp, "load.csv")
        summary = os.path.join(self.tmp, "summary.json")
        r = self.run_installed("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url, "-u", "4",
                               "--duration", "2.5", "--test-dir", self.build,
                               "--output", "csv", "--output-csv-filename", rows_file,
                               "--output", "json", "--output-json-filename", summary)
        self.assertRun(r, 0)
        self.assertIn("Hits:", r.out)  # the installed stdout output still prints the summary
        with open(rows_file) as f:
            rows = list(csv.DictReader(f))
        # A row per second of the run, then the final one.
        self.assertGreaterEqual(len(rows), 3, rows)
        elapsed = [float(row["elapsed_s"]) for row in rows]
        self.assertEqual(elapsed, sorted(elapsed))
        with open(summary) as f:
            hits = json.load(f)["totals"]["hits"]
        self.assertGreater(hits, 0)
        self.assertEqual(int(rows[-1]["total_hits"]), hits)
        self.assertGreater(sum(float(row["requests_per_s"]) for row in rows), 0)

    def test_help_shows_the_plugin_options(self):
        r = self.run_installed("--help", "--test-dir", self.build, "--output", "csv")
        self.assertRun(r, 0)
        self.assertIn("--output-csv-filename", r.out)
        self.assertIn("one row per second", r.out)

    def test_unwritable_csv_stops_the_run_before_it_starts(self):
        r = self.run_installed("fixtures.Lifecycle.test_count", "--test-dir", self.build, "--output", "csv",
                               "--output-csv-filename", "/nonexistent-dir/x.csv")
        self.assertEqual(r.rc, 2, repr(r))
        self.assertIn("output 'csv'", r.err)
        self.assertNotIn("Hits:", r.out)

    def test_out_of_tree_observer_logs_every_run(self):
        self.assertTrue(os.path.exists(os.path.join(self.observer_build, "liblogbook.so")))
        log = os.path.join(self.tmp, "runs.jsonl")
        summary = os.path.join(self.tmp, "logbook-summary.json")
        for label in ("first", "second"):
            r = self.run_installed("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url, "-u", "2",
                                   "--hits", "2", "--quiet", "--test-dir", self.observer_build,
                                   "--observer", "logbook", "--observer-logbook-path", log,
                                   "--observer-logbook-label", label,
                                   "--output", "json", "--output-json-filename", summary)
            self.assertRun(r, 0)
            self.assertIn(f"loads-runner: observer 'logbook': logged to {log}", r.err)
        with open(log) as f:
            runs = [json.loads(line) for line in f]
        self.assertEqual([run["label"] for run in runs], ["first", "second"])
        with open(summary) as f:
            totals = json.load(f)["totals"]
        last = runs[-1]
        self.assertEqual((last["hits"], last["failures"], last["errors"]), (totals["hits"], 0, 0))
        self.assertEqual((last["test"], last["status"], last["agents"]), ("fixtures.Slow.test_get_and_pause",
                                                                         "completed", 0))
        self.assertGreater(last["rps"], 0)
        self.assertNotEqual(runs[0]["run_id"], runs[1]["run_id"])

    def test_installed_runner_has_the_builtin_observers(self):
        r = self.run_installed("--help")
        self.assertRun(r, 0)
        for name in ("irc", "email", "webhook"):
            self.assertRegex(r.out, rf"(?m)^  {name} +\S")
        # The installed loads-notify runs them: a closed port is reported, the run succeeds.
        r = self.run_installed("fixtures.Lifecycle.test_count", "--quiet", "--observer", "webhook",
                               "--observer-webhook-url", "http://127.0.0.1:1/hook", "--observer-webhook-retries", "0")
        self.assertRun(r, 0)
        self.assertIn("loads-runner: observer 'webhook' failed: ", r.err)
        self.assertIn("127.0.0.1:1", r.err)


if __name__ == "__main__":
    import unittest
    unittest.main()
