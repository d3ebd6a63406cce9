"""--duration: each user cycle lasts D seconds, tests in flight get a grace period, and no
cycle's users outlive it."""
import re
import signal
import subprocess
import time
import os

import harness


def duration_of(result):
    return float(re.search(r"^Duration: ([\d.]+) seconds$", result.out, re.M).group(1))


class Duration(harness.ServerTestCase):
    def test_runs_for_the_duration(self):
        r = harness.run("fixtures.Slow.test_get_and_pause", "--server-url", self.server.url, "-d", "1.5", "-u", "5")
        self.assertRun(r, 0)
        self.assertGreaterEqual(duration_of(r), 1.5)
        self.assertLess(duration_of(r), 3.0)
        # 5 users, one GET every ~50 ms for 1.5 s
        self.assertGreater(r.field("Success"), 50)
        self.assertEqual(r.field("Hits"), r.field("Success"))

    def test_each_user_cycle_lasts_the_duration(self):
        r = harness.run("fixtures.Slow.test_short", "-d", "1", "-u", "2:3")
        self.assertRun(r, 0)
        self.assertGreaterEqual(duration_of(r), 2.0)
        self.assertLess(duration_of(r), 3.5)
        self.assertGreater(r.counter("done"), 10)

    def test_tests_in_flight_are_cut_off_after_the_grace_period(self):
        r = harness.run("fixtures.Slow.test_hang", "-d", "1", "--grace", "1", "-u", "2:3")
        self.assertRun(r, 0)
        # two cycles of duration + grace each; the hanging tests do not hold the run
        self.assertGreaterEqual(r.elapsed, 4.0)
        self.assertLess(r.elapsed, 7.0)
        self.assertEqual(r.counter("started"), 5)
        self.assertEqual(r.field("Success"), 0)
        self.assertEqual(r.field("Errors"), 0)
        self.assertIn("5 test(s) were cut off", r.err)

    def test_a_test_that_ignores_cancellation_does_not_hang_the_runner(self):
        r = harness.run("fixtures.Stubborn.test_ignores_cancel", "-d", "1", "--grace", "0.5", "-u", "2", timeout=60)
        self.assertRun(r, 1)
        # duration + grace + the runner's 5 s stop timeout
        self.assertLess(r.elapsed, 12.0)
        self.assertEqual(r.counter("started"), 2)
        self.assertIn("did not stop when cancelled", r.err)

    def test_hits_and_duration_are_exclusive(self):
        r = harness.run("fixtures.Slow.test_short", "-d", "1", "--hits", "2")
        self.assertRun(r, 2)
        self.assertIn("mutually exclusive", r.err)

    def test_interrupt_keeps_what_was_measured(self):
        env = dict(os.environ, LOADS_PATH=f"{harness.LIB_DIR}:{harness.FIXTURE_DIR}")
        proc = subprocess.Popen([harness.RUNNER, "fixtures.Slow.test_get_and_pause", "--server-url", self.server.url,
                                 "-d", "60", "-u", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
        time.sleep(1.5)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        self.assertLess(time.monotonic() - started, 3.0)
        self.assertEqual(proc.returncode, 130, err)
        hits = int(re.search(r"^Hits: (\d+)$", out, re.M).group(1))
        self.assertGreater(hits, 20)
        self.assertIn("interrupted", err)


class Threads(harness.TestCase):
    def test_no_patching_gives_each_user_a_thread(self):
        # Six users each block their thread for 0.3 s: with one shared thread that takes 1.8 s,
        # with a thread per user about 0.3 s.
        shared = harness.run("fixtures.Slow.test_block", "-u", "6", "--threads", "1")
        self.assertRun(shared, 0)
        self.assertGreaterEqual(duration_of(shared), 1.8)
        own = harness.run("fixtures.Slow.test_block", "-u", "6", "--threads", "1", "--no-patching")
        self.assertRun(own, 0)
        self.assertEqual(own.counter("blocked"), 6)
        self.assertLess(duration_of(own), 1.2)

    def test_sleep_only_pauses_its_user(self):
        # Twenty users sleeping 0.2 s on one thread finish together, not one after the other.
        r = harness.run("fixtures.Slow.test_short", "-u", "20", "--threads", "1")
        self.assertRun(r, 0)
        self.assertEqual(r.counter("done"), 20)
        self.assertLess(duration_of(r), 1.0)


if __name__ == "__main__":
    import unittest
    unittest.main()
