"""Observers of a local run, through the real runner and loads-notify: what an observer is told
(tests/plugins/recorder_observer.cpp writes it down), and that a failing, crashing or hanging
observer costs one line and never the run's outcome. The built-in observers' own dialogues are
tested against real servers in test_observer_irc/email/webhook.py."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import harness

RUN = ("fixtures.Slow.test_get_and_pause", "-u", "2", "--hits", "3", "--quiet")


class Observers(harness.ServerTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="loads-observers-")
        self.record = os.path.join(self.tmp, "record.txt")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_loads(self, *args, **kwargs):
        return harness.run(*RUN, "--server-url", self.server.url, *args, **kwargs)

    def test_observer_is_told_the_real_figures(self):
        summary = os.path.join(self.tmp, "summary.json")
        r = self.run_loads("--observer", "recorder", "--observer-recorder-path", self.record,
                           "--observer-recorder-secret", "s3cret", "--observer-recorder-flag", "False",
                           "--output", "json", "--output-json-filename", summary)
        self.assertRun(r, 0)
        self.assertIn(f"loads-runner: observer 'recorder': recorded in {self.record}", r.err)
        with open(summary) as f:
            totals = json.load(f)["totals"]
        got = harness.read_recorder_file(self.record)
        self.assertEqual(int(got["hits"][0]), totals["hits"])
        self.assertEqual(int(got["hits"][0]), 6)
        self.assertEqual(int(got["tests"][0]), 6)
        self.assertEqual(got["status"], ["completed"])
        self.assertEqual(got["fqn"], ["fixtures.Slow.test_get_and_pause"])
        self.assertRegex(got["run_id"][0], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertGreater(int(got["p50_us"][0]), 0)
        # The seed's sentence, with real figures instead of its "0.00 RPS".
        text = got["text"][0]
        self.assertRegex(text, r"^Test over\. Ran 6 tests in \d+\.\d\d s\. 6 hits, \d+\.\d\d RPS\. 0 failures, "
                               r"0 errors, p50 \d+\.\d ms, p99 \d+\.\d ms\. Run [0-9a-f-]{36}: completed\.$")
        self.assertNotRegex(text, r" 0\.00 RPS")
        self.assertIn(got["run_id"][0], text)
        # Options reach the observer normalised ("False" is false: the seed's quirk is gone)...
        self.assertEqual(got["secret"], ["s3cret"])
        self.assertEqual(got["flag"], ["false"])
        # ...but no observer's option is shown among the run's options (they may be passwords).
        self.assertEqual(got["option.users"], ["2"])
        self.assertFalse([k for k in got if k.startswith("option.observer")], got.keys())
        self.assertNotIn("s3cret", "".join(v for k, vs in got.items() if k != "secret" for v in vs))
        # The deadline is --observer-timeout (30 s by default) from the call.
        self.assertTrue(25_000 < int(got["deadline_ms"][0]) <= 30_000, got["deadline_ms"])

    def test_relative_paths_mean_the_runners_directory(self):
        # The observer is found in the current directory (the module path starts there) and its
        # relative file lands there too, not in loads-notify's scratch directory.
        shutil.copy(os.path.join(harness.FIXTURE_DIR, "librecorder.so"), self.tmp)
        shutil.copy(os.path.join(harness.FIXTURE_DIR, "libfixtures.so"), self.tmp)
        r = harness.run(*RUN, "--server-url", self.server.url, "--observer", "recorder",
                        "--observer-recorder-path", "rel.txt", lib_dirs=(harness.LIB_DIR,), cwd=self.tmp)
        self.assertRun(r, 0)
        self.assertIn("loads-runner: observer 'recorder': recorded in rel.txt", r.err)
        self.assertEqual(harness.read_recorder_file(os.path.join(self.tmp, "rel.txt"))["hits"], ["6"])

    def test_a_failing_run_keeps_its_exit_status_and_is_reported(self):
        # One pass, one failure (a 404), one error; a custom counter on the way.
        r = harness.run("fixtures.Report.test_mixed", "--server-url", self.server.url, "--hits", "3", "--quiet",
                        "--observer", "recorder", "--observer-recorder-path", self.record)
        self.assertRun(r, 1)
        got = harness.read_recorder_file(self.record)
        self.assertEqual((got["failures"], got["errors"], got["tests"]), (["1"], ["1"], ["3"]))
        self.assertEqual(got["counter.report-runs"], ["1"])
        self.assertIn(" 1 failures, 1 errors,", got["text"][0])

    def test_failing_crashing_and_hanging_observers_cost_one_line_each(self):
        scratch = os.path.join(self.tmp, "scratch")  # where loads-notify's files go (TMPDIR)
        os.mkdir(scratch)
        started = time.monotonic()
        r = self.run_loads("--observer", "recorder", "--observer", "crasher", "--observer", "sleepy",
                           "--observer-recorder-path", os.path.join(self.tmp, "missing", "x.txt"),
                           "--observer-timeout", "2", env_extra={"TMPDIR": scratch})
        elapsed = time.monotonic() - started
        self.assertRun(r, 0)
        lines = [line for line in r.err.splitlines() if "observer '" in line]
        self.assertEqual(len(lines), 3, r.err)
        self.assertIn("loads-runner: observer 'recorder' failed: cannot write", r.err)
        self.assertRegex(r.err, r"loads-runner: observer 'crasher' failed: crashed \(signal 6\)")
        self.assertIn("loads-runner: observer 'sleepy' failed: no answer within 2 s", r.err)
        # All at once, and the hanging one killed: not 5 minutes, not 2 + 2 s.
        self.assertLess(elapsed, 30, r)
        # Nothing left behind: loads-notify's scratch directory is gone.
        self.assertEqual(os.listdir(scratch), [])

    def test_ctrl_c_gives_the_observers_up(self):
        env = dict(os.environ, LOADS_PATH=":".join((harness.LIB_DIR, harness.FIXTURE_DIR)))
        proc = subprocess.Popen([harness.RUNNER, *RUN, "--server-url", self.server.url, "--observer", "sleepy",
                                 "--observer", "recorder", "--observer-recorder-path", self.record,
                                 "--observer-timeout", "300"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        # The recorder's file says the observers have been started: the run is over, and the runner
        # now waits on sleepy, which never answers.
        deadline = time.monotonic() + 60
        while not os.path.exists(self.record):
            self.assertLess(time.monotonic(), deadline)
            self.assertIsNone(proc.poll())
            time.sleep(0.05)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(proc.returncode, 0, err)  # the run was over, and passed
        self.assertIn("loads-runner: observer 'sleepy' failed: cancelled before it answered", err)

    def test_observers_from_the_config_file(self):
        config = os.path.join(self.tmp, "run.ini")
        with open(config, "w") as f:
            f.write("[loads]\nobserver = recorder\n\n[observer]\n"
                    f"recorder_path = {self.record}\nrecorder_flag = yes\ntimeout = 5\n")
        r = self.run_loads("--config", config)
        self.assertRun(r, 0)
        got = harness.read_recorder_file(self.record)
        self.assertEqual(got["flag"], ["true"])
        self.assertTrue(0 < int(got["deadline_ms"][0]) <= 5000, got["deadline_ms"])

    def test_bad_observer_input_stops_before_the_run(self):
        cases = [
            (("--observer", "nosuch"), r"unknown observer 'nosuch': the built-in observers are email, irc, webhook"),
            (("--observer", "recorder", "--observer-recorder-flag", "maybe"),
             r"--observer-recorder-flag takes true or false, not 'maybe'"),
            (("--observer", "recorder", "--observer-timeout", "0"), r"--observer-timeout must be"),
            (("--observer", "Bad-Name"), r"invalid observer name 'Bad-Name'"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = self.run_loads(*args)
                self.assertRun(r, 2)
                self.assertRegex(r.err, "^loads-runner: error: " + message)
                self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
                self.assertNotIn("Hits:", r.out)

    def test_help_lists_observers_and_their_options(self):
        r = harness.run("--help")
        self.assertRun(r, 0)
        self.assertRegex(r.out, r"(?m)^  irc +\S")
        for option in ("--observer-irc-server", "--observer-irc-ssl", "--observer-email-recipient",
                       "--observer-email-password", "--observer-webhook-url", "--observer-timeout"):
            self.assertIn(option, r.out)
        self.assertTrue(re.search(r"--observer-irc-port arg +.*\(default 8443\)", r.out, re.S))


if __name__ == "__main__":
    import unittest
    unittest.main()
