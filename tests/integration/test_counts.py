"""The load model: user cycles x hits cycles, one instance per user, exact counts."""
import unittest

import harness


class Counts(harness.ServerTestCase):
    def test_seed_cycles_run_exactly_1200_tests(self):
        r = harness.run("example.TestWebSite.test_es", "--server-url", self.server.url, "-u", "10:20:30", "--hits", "20")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 1200)
        self.assertEqual(r.field("Success"), 1200)
        self.assertEqual(r.field("Errors"), 0)
        self.assertEqual(r.field("Failures"), 0)
        self.assertIn(f"- {self.server.url}/", r.out)

    def test_default_is_one_user_one_hit(self):
        r = harness.run("example.TestWebSite.test_es", "--server-url", self.server.url)
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 1)
        self.assertEqual(r.field("Success"), 1)

    def test_every_user_runs_every_hits_value_with_one_instance(self):
        r = harness.run("fixtures.Lifecycle.test_count", "-u", "2:3", "--hits", "5:10")
        self.assertRun(r, 0)
        # (2 + 3) users x (5 + 10) hits
        self.assertEqual(r.field("Success"), 75)
        self.assertEqual(r.counter("runs"), 75)
        self.assertEqual(r.counter("setUp"), 75)
        self.assertEqual(r.counter("tearDown"), 75)
        self.assertEqual(r.counter("instances"), 5)

    def test_counters_add_up_across_users(self):
        r = harness.run("example.TestWebSite.test_counted", "--server-url", self.server.url, "-u", "3", "--hits", "4")
        self.assertRun(r, 0)
        self.assertEqual(r.counter("home-visits"), 12)
        self.assertIn("Custom metrics:", r.out)

    def test_two_thousand_users(self):
        r = harness.run("example.TestWebSite.test_es", "--server-url", self.server.url, "-u", "2000", "--hits", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 4000)
        self.assertEqual(r.field("Success"), 4000)

    @unittest.skipIf(harness.SANITIZER == "thread",
                     "ThreadSanitizer counts every coroutine as a thread and dies past 8,128 of them")
    def test_ten_thousand_users(self):
        r = harness.run("example.TestWebSite.test_es", "--server-url", self.server.url, "-u", "10000")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 10000)
        self.assertEqual(r.field("Success"), 10000)

    def test_threads_option_keeps_counts(self):
        r = harness.run("example.TestWebSite.test_es", "--server-url", self.server.url, "-u", "7", "--hits", "3",
                        "--threads", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 21)


if __name__ == "__main__":
    unittest.main()
