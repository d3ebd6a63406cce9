"""Failures, errors and the digest: what broke, how often, and where in the test code."""
import re

import harness


class Outcomes(harness.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = harness.Server(threads=2)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def run_test(self, fqn, *args):
        return harness.run(fqn, "--server-url", self.server.url, *args)

    def test_assertion_failures_are_failures_with_file_and_line(self):
        r = self.run_test("example.TestWebSite.test_fails", "-u", "3", "--hits", "2")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Failures"), 6)
        self.assertEqual(r.field("Errors"), 0)
        self.assertEqual(r.field("Success"), 0)
        self.assertEqual(r.field("Hits"), 6)
        self.assertIn("6 occurrences of failure", r.err)
        self.assertIn("AssertionError: 500 != 200", r.err)
        self.assertRegex(r.err, r"at \S*samples/example/example\.cpp:\d+")
        self.assertIn("Hits success rate: 0.0", r.out)

    def test_exceptions_are_errors_with_their_type(self):
        r = self.run_test("example.TestWebSite.test_errors", "-u", "2", "--hits", "3")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 6)
        self.assertEqual(r.field("Failures"), 0)
        self.assertIn("std::runtime_error: the test gave up", r.err)

    def test_constructor_exception_errors_every_test(self):
        r = self.run_test("fixtures.Broken.test_never", "-u", "2", "--hits", "3")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 6)
        self.assertIn("std::logic_error: cannot construct Broken", r.err)

    def test_failed_setup_skips_test_and_teardown(self):
        r = self.run_test("fixtures.SetupFails.test_skipped", "--hits", "4")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Failures"), 4)
        self.assertIsNone(r.counter("ran"))
        self.assertIsNone(r.counter("tearDown"))
        self.assertIn("AssertionError: setUp refused", r.err)

    def test_non_standard_exception(self):
        r = self.run_test("fixtures.Outcomes.test_non_std_exception")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 1)
        self.assertIn("int: exception not derived from std::exception", r.err)

    def test_timeout_is_an_error_and_does_not_wait(self):
        r = self.run_test("fixtures.Outcomes.test_timeout")
        self.assertRun(r, 1)
        self.assertIn("loads::Timeout", r.err)
        self.assertLess(r.elapsed, 2.5)

    def test_connection_refused_is_an_error_and_the_run_goes_on(self):
        r = self.run_test("fixtures.Outcomes.test_refused", "-u", "2", "--hits", "3")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 6)
        self.assertRegex(r.err, r"loads::ConnectionError: cannot connect to 127\.0\.0\.1:1: Connection refused")
        self.assertRegex(r.err, r"at \S*fixtures\.cpp:\d+")

    def test_unsupported_url_is_an_error(self):
        r = self.run_test("fixtures.Outcomes.test_bad_url")
        self.assertRun(r, 1)
        self.assertIn("unsupported URL scheme 'https'", r.err)

    def test_assertion_helpers_pass(self):
        r = self.run_test("fixtures.Outcomes.test_assertions", "-u", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.counter("all-passed"), 2)

    def test_every_http_method(self):
        r = self.run_test("fixtures.Outcomes.test_methods")
        self.assertRun(r, 0)
        self.assertEqual(r.counter("methods-ok"), 1)
        self.assertEqual(r.field("Hits"), 7)

    def test_basic_auth_and_think_time(self):
        r = self.run_test("example.TestWebSite.test_auth", "-u", "2", "--hits", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 4)
        r = self.run_test("example.TestWebSite.test_think", "-u", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 6)
        self.assertGreaterEqual(float(re.search(r"Duration: ([\d.]+)", r.out).group(1)), 0.1)

    def test_quiet_prints_nothing_on_stdout(self):
        r = self.run_test("example.TestWebSite.test_fails", "--quiet")
        self.assertRun(r, 1)
        self.assertEqual(r.out, "")


if __name__ == "__main__":
    import unittest
    unittest.main()


class RawServer(harness.TestCase):
    def setUp(self):
        self.server = harness.RawServer()
        self.addCleanup(self.server.stop)

    def test_dead_keep_alive_connection_is_reopened_transparently(self):
        r = harness.run("fixtures.Raw.test_stale_connection", "--server-url", self.server.url)
        self.assertRun(r, 0)
        self.assertEqual(r.counter("both-ok"), 1)
        self.assertEqual(r.field("Hits"), 2)
        self.assertEqual(self.server.connections, 2)

    def test_reply_that_is_not_http_is_an_error(self):
        r = harness.run("fixtures.Raw.test_garbage_reply", "--server-url", self.server.url)
        self.assertRun(r, 1)
        self.assertEqual(r.field("Hits"), 0)
        self.assertIn("loads::ConnectionError: invalid HTTP response to GET", r.err)

    def test_header_injection_is_refused_before_sending(self):
        r = harness.run("fixtures.Raw.test_header_injection", "--server-url", self.server.url)
        self.assertRun(r, 1)
        self.assertIn("invalid request header", r.err)
        self.assertEqual(self.server.requests, [])
