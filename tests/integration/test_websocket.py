"""Web sockets through create_ws against the sample server's /ws echo: text and binary echoes,
the summary's exact socket and byte counts, sockets closed when their user ends, refused
upgrades, and 1,000 users each holding a socket at once."""
import re
import time
import urllib.request

import harness


class WebSockets(harness.ServerTestCase):
    def run_test(self, test, *args, **kwargs):
        return harness.run(f"web.Sockets.{test}", "--server-url", self.server.url, *args, **kwargs)

    def active(self):
        with urllib.request.urlopen(self.server.url + "/active", timeout=10) as res:
            match = re.match(r"max: (\d+), current: (\d+)", res.read().decode())
        return int(match.group(1)), int(match.group(2))

    def wait_for_current(self, expected, timeout=10):
        """Waits until the server holds `expected` connections besides the one asking."""
        expected += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.active()[1]
            if current == expected:
                return
            time.sleep(0.05)
        self.fail(f"the server still has {current} connections, expected {expected}")

    def test_echo_counts_sockets_and_bytes_exactly(self):
        r = self.run_test("test_echo", "-u", "3", "--hits", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 6)
        self.assertEqual(r.field("Opened web sockets"), 6)
        # "something" (9 bytes) and 4 binary bytes per test
        self.assertEqual(r.field("Bytes received via web sockets "), 6 * 13)
        self.assertEqual(r.counter("echoes"), 12)
        self.assertEqual(r.field("Hits"), 0)  # web socket traffic is not HTTP hits

    def test_callbacks_run_while_the_test_sleeps(self):
        r = self.run_test("test_callback_during_sleep", "-u", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Bytes received via web sockets "), 2 * 6)

    def test_the_seed_sample_test_something(self):
        r = harness.run("example.TestWebSite.test_something", "--server-url", self.server.url, "-u", "2",
                        "--hits", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 4)
        self.assertEqual(r.field("Opened web sockets"), 4)
        self.assertEqual(r.field("Bytes received via web sockets "), 4 * len("somethinghappy"))
        self.assertEqual(r.counter("web-socket-echoes"), 8)

    def test_sockets_left_open_are_closed_when_the_user_ends(self):
        self.wait_for_current(0)
        r = self.run_test("test_leave_open", "-u", "5", "--hits", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Opened web sockets"), 15)
        # Each user replaced its socket twice (the old one closed as its handle went) and the last
        # one was closed when the user ended: nothing is left on the server.
        self.wait_for_current(0)

    def test_refused_upgrade_is_an_error(self):
        r = self.run_test("test_upgrade_refused")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Opened web sockets"), 0)
        self.assertIn("loads::WebSocketError: the server refused the web socket upgrade", r.err)

    def test_receive_on_a_closed_socket_is_an_error(self):
        r = self.run_test("test_receive_after_close")
        self.assertRun(r, 1)
        self.assertIn("loads::WebSocketError: the web socket was closed", r.err)

    def test_a_thousand_users_hold_a_socket_each_at_once(self):
        r = self.run_test("test_hold", "-u", "1000", timeout=120)
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 1000)
        self.assertEqual(r.field("Opened web sockets"), 1000)
        self.assertEqual(r.field("Bytes received via web sockets "), 1000 * len("hellostill here"))
        max_connections, _ = self.active()
        self.assertGreaterEqual(max_connections, 1000)
        self.wait_for_current(0)
