"""Failures, errors and the digest: what broke, how often, and where in the test code."""
import re

import harness


class Outcomes(harness.ServerTestCase):
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
        self.assertRegex(r.err, r"loads::ConnectionError: cannot connect to http://127\.0\.0\.1:1: Connection refused")
        self.assertRegex(r.err, r"at \S*fixtures\.cpp:\d+")

    def test_unsupported_url_is_an_error(self):
        r = self.run_test("fixtures.Outcomes.test_bad_url")
        self.assertRun(r, 1)
        self.assertIn("unsupported URL scheme 'ftp'", r.err)

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


class Scheduling(harness.TestCase):
    def test_a_test_without_io_does_not_starve_its_thread(self):
        r = harness.run("fixtures.NoYield.test_fail_fast", "-d", "1", "-u", "4", "--threads", "1")
        self.assertRun(r, 1)
        self.assertEqual(r.counter("instances"), 4)
        self.assertLess(r.elapsed, 4.0)


class Stacks(harness.TestCase):
    def test_default_stack_holds_a_deep_recursion(self):
        r = harness.run("fixtures.Stack.test_deep_but_fine", "-u", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.counter("deep-ok"), 3)

    def test_stack_overflow_is_reported_not_silent(self):
        r = harness.run("fixtures.Stack.test_overflow", "--stack-size", "128")
        self.assertNotIn(r.rc, (0, 1, 2), repr(r))
        if "AddressSanitizer" not in r.err:  # the sanitizer reports it in its own words
            self.assertEqual(r.rc, -11, repr(r))
            self.assertIn("overflowed its 128 KiB stack (raise --stack-size)", r.err)


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
        for test in ("test_header_injection", "test_method_injection"):
            r = harness.run(f"fixtures.Raw.{test}", "--server-url", self.server.url)
            self.assertRun(r, 1)
            self.assertIn("invalid request: the method must be a token", r.err)
        self.assertEqual(self.server.requests, [])

    def test_interim_1xx_replies_are_skipped(self):
        r = harness.run("fixtures.Raw.test_early_hints", "--server-url", self.server.url)
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 2)

    def test_url_is_requoted_like_requests(self):
        r = harness.run("fixtures.Raw.test_requote", "--server-url", self.server.url)
        self.assertRun(r, 0)
        self.assertTrue(self.server.requests[0].startswith("GET /a%20b?q=x%20y&p=%41%25zz HTTP/1.1\r\n"),
                        self.server.requests[0])

    def test_call_headers_replace_session_headers(self):
        r = harness.run("fixtures.Raw.test_header_merge", "--server-url", self.server.url)
        self.assertRun(r, 0)
        request = self.server.requests[0].lower()
        self.assertEqual(request.count("content-type:"), 1, request)
        self.assertIn("content-type: text/plain", request)
        self.assertIn("x-session: 1", request)
        self.assertIn("content-length: 2\r\n", request)
        self.assertTrue(request.endswith("\r\n\r\n{}"), request)
