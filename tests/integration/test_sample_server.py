"""Integration tests of loads-sample-server, the HTTP server the samples load.

Run with the binary's absolute path in LOADS_SAMPLE_SERVER:

    LOADS_SAMPLE_SERVER=/path/to/loads-sample-server python3 -m unittest tests/integration/test_sample_server.py

Standard library only, so that it runs wherever python3 does.
"""

import base64
import concurrent.futures
import http.client
import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time
import unittest

STARTUP_TIMEOUT = 10.0
EXIT_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0
LISTENING_LINE = re.compile(r"^listening on http://(\S+):(\d+)$")


def server_binary():
    """The server under test. A missing variable fails the run: skipping would let CI pass without testing."""
    path = os.environ.get("LOADS_SAMPLE_SERVER")
    if not path:
        raise AssertionError("LOADS_SAMPLE_SERVER is not set: it must hold the absolute path of loads-sample-server")
    if not os.path.isabs(path):
        raise AssertionError(f"LOADS_SAMPLE_SERVER must be an absolute path, not {path!r}")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"LOADS_SAMPLE_SERVER={path!r} is not an executable file")
    return path


class ServerProcess:
    """One running server on an ephemeral loopback port."""

    def __init__(self, *extra_args):
        # stderr goes to a file: a pipe nobody reads could fill up and stall the server.
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [server_binary(), "--host", "127.0.0.1", "--port", "0", *extra_args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        try:
            self.host, self.port = self._read_listening_line()
        except BaseException:
            self.kill()
            raise

    def _read_listening_line(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT
        fd = self.process.stdout.fileno()
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no 'listening on' line within {STARTUP_TIMEOUT} s; got {line!r}{self.stderr_text()}")
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1)
            if not chunk:
                raise AssertionError(
                    f"server exited (status {self.process.wait()}) before listening; got {line!r}{self.stderr_text()}"
                )
            line += chunk
        match = LISTENING_LINE.match(line.decode().rstrip("\n"))
        if not match:
            raise AssertionError(f"unexpected startup line {line!r}")
        return match.group(1), int(match.group(2))

    def stderr_text(self):
        self.stderr.seek(0)
        text = self.stderr.read().decode(errors="replace").strip()
        return f"; stderr: {text}" if text else ""

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)

    def request(self, method, path, body=None, headers=None):
        """One request on a fresh connection: (response, body)."""
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def stop(self, signum=signal.SIGTERM):
        """Signals the server and returns (exit status, what it wrote to stderr)."""
        self.process.send_signal(signum)
        try:
            status = self.process.wait(timeout=EXIT_TIMEOUT)
            return status, self.stderr_text()
        finally:
            self.kill()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.stderr.close()


class SampleServerRoutesTest(unittest.TestCase):
    """Every route, against one server shared by the tests of this class."""

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess("--threads", "2")

    @classmethod
    def tearDownClass(cls):
        status, stderr = cls.server.stop()
        if status != 0:
            raise AssertionError(f"server exited with status {status} after SIGTERM, expected 0{stderr}")

    def assert_common_headers(self, response, body):
        self.assertEqual(response.getheader("Server"), "loads-sample-server")
        self.assertEqual(response.getheader("Content-Length"), str(len(body)))

    def test_startup_line_names_loopback_host(self):
        self.assertEqual(self.server.host, "127.0.0.1")
        self.assertGreater(self.server.port, 0)

    def test_index_has_chat_form(self):
        response, body = self.server.request("GET", "/")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "text/html")
        self.assertIn(b"chatform", body)
        self.assert_common_headers(response, body)

    def test_keep_alive_serves_two_requests_on_one_connection(self):
        connection = self.server.connection()
        try:
            connection.request("GET", "/")
            first = connection.getresponse()
            first_body = first.read()
            self.assertEqual(first.status, 200)
            self.assertFalse(first.will_close, "server asked to close a keep-alive connection")
            first_socket = connection.sock
            self.assertIsNotNone(first_socket)

            connection.request("GET", "/echo", body=b"again", headers={"Content-Type": "text/plain"})
            second = connection.getresponse()
            second_body = second.read()
            self.assertEqual(second.status, 200)
            self.assertEqual(second_body, b"again")
            # http.client reconnects silently when the server has closed: same socket, same connection.
            self.assertIs(connection.sock, first_socket)
            self.assert_common_headers(first, first_body)
        finally:
            connection.close()

    def test_keep_alive_survives_bodyless_statuses(self):
        connection = self.server.connection()
        try:
            for path, status in (("/status/204", 204), ("/status/304", 304), ("/status/200", 200)):
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                self.assertEqual(response.status, status, path)
                if status == 200:
                    self.assertEqual(body, b"status 200")
                else:
                    self.assertEqual(body, b"", path)
                    self.assertIsNone(response.getheader("Content-Length"), path)
            first_socket = connection.sock
            connection.request("GET", "/active")
            connection.getresponse().read()
            self.assertIs(connection.sock, first_socket)
        finally:
            connection.close()

    def test_connection_close_is_honoured(self):
        response, body = self.server.request("GET", "/", headers={"Connection": "close"})
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Connection"), "close")
        self.assertTrue(response.will_close)

    def test_http_1_0_closes_after_response(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=REQUEST_TIMEOUT) as sock:
            sock.sendall(b"GET /status/200 HTTP/1.0\r\n\r\n")
            received = b""
            while chunk := sock.recv(4096):
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.0 200"), head)
        self.assertEqual(body, b"status 200")

    def test_auth_without_credentials_is_401(self):
        response, body = self.server.request("GET", "/auth")
        self.assertEqual(response.status, 401)
        self.assertEqual(response.getheader("WWW-Authenticate"), 'Basic realm="loads"')
        self.assertTrue(body)
        self.assert_common_headers(response, body)

    def test_auth_with_malformed_credentials_is_401(self):
        for value in ("Bearer abc", "Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode()):
            response, _ = self.server.request("GET", "/auth", headers={"Authorization": value})
            self.assertEqual(response.status, 401, value)

    def test_auth_with_basic_credentials_returns_user(self):
        token = base64.b64encode(b"alice:s3cret:with:colons").decode()
        response, body = self.server.request("GET", "/auth", headers={"Authorization": "Basic " + token})
        self.assertEqual(response.status, 200)
        self.assertEqual(body, b"alice")
        self.assert_common_headers(response, body)

    def test_status_returns_requested_code(self):
        response, body = self.server.request("GET", "/status/503")
        self.assertEqual(response.status, 503)
        self.assertEqual(body, b"status 503")
        self.assert_common_headers(response, body)

    def test_status_ignores_query_string(self):
        response, body = self.server.request("POST", "/status/500?x=1")
        self.assertEqual(response.status, 500)
        self.assertEqual(body, b"status 500")

    def test_status_out_of_range_is_400(self):
        for path in ("/status/100", "/status/199", "/status/600", "/status/abc", "/status/", "/status/-200"):
            response, _ = self.server.request("GET", path)
            self.assertEqual(response.status, 400, path)

    def test_delay_waits(self):
        start = time.monotonic()
        response, body = self.server.request("GET", "/delay/50")
        elapsed = time.monotonic() - start
        self.assertEqual(response.status, 200)
        self.assertEqual(body, b"delayed 50 ms")
        self.assertGreaterEqual(elapsed, 0.050)
        self.assert_common_headers(response, body)

    def test_delay_does_not_block_threads(self):
        # Eight waits on a two-thread server: blocking sleeps would need four rounds (>= 1.2 s).
        count, delay_ms = 8, 300
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            results = list(pool.map(lambda _: self.server.request("GET", f"/delay/{delay_ms}"), range(count)))
        elapsed = time.monotonic() - start
        for response, body in results:
            self.assertEqual(response.status, 200)
            self.assertEqual(body, f"delayed {delay_ms} ms".encode())
        self.assertGreaterEqual(elapsed, delay_ms / 1000)
        self.assertLess(elapsed, 2 * delay_ms / 1000 + 0.3)

    def test_delay_out_of_range_is_400(self):
        for path in ("/delay/60001", "/delay/-1", "/delay/x"):
            response, _ = self.server.request("GET", path)
            self.assertEqual(response.status, 400, path)

    def test_echo_returns_body_type_and_method(self):
        payload = b'{"hello": "world"}'
        response, body = self.server.request("PUT", "/echo", body=payload, headers={"Content-Type": "application/json"})
        self.assertEqual(response.status, 200)
        self.assertEqual(body, payload)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        self.assertEqual(response.getheader("X-Echo-Method"), "PUT")
        self.assert_common_headers(response, body)

    def test_echo_defaults_to_octet_stream(self):
        payload = bytes(range(256)) * 64
        response, body = self.server.request("POST", "/echo", body=payload)
        self.assertEqual(response.status, 200)
        self.assertEqual(body, payload)
        self.assertEqual(response.getheader("Content-Type"), "application/octet-stream")
        self.assertEqual(response.getheader("X-Echo-Method"), "POST")

    def test_head_sends_length_without_body(self):
        _, get_body = self.server.request("GET", "/")
        response, body = self.server.request("HEAD", "/")
        self.assertEqual(response.status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(response.getheader("Content-Length"), str(len(get_body)))

    def test_active_counts_open_connections(self):
        held = []
        try:
            for _ in range(50):
                connection = self.server.connection()
                connection.request("GET", "/status/200")
                connection.getresponse().read()
                held.append(connection)
            response, body = self.server.request("GET", "/active")
        finally:
            for connection in held:
                connection.close()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "text/plain")
        match = re.fullmatch(rb"max: (\d+), current: (\d+)", body)
        self.assertIsNotNone(match, body)
        maximum, current = int(match.group(1)), int(match.group(2))
        # The 50 held connections plus the one asking.
        self.assertGreaterEqual(current, 51)
        self.assertGreaterEqual(maximum, current)
        self.assert_common_headers(response, body)

    def test_unknown_path_is_404(self):
        for path in ("/nope", "/echo/", "/status", "/activex"):
            response, body = self.server.request("GET", path)
            self.assertEqual(response.status, 404, path)
            self.assertEqual(body, b"not found")
            self.assert_common_headers(response, body)

    def test_malformed_request_is_400(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=REQUEST_TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/9\r\n\r\n")
            received = b""
            while chunk := sock.recv(4096):
                received += chunk
        self.assertTrue(received.startswith(b"HTTP/1.1 400"), received)


class SampleServerCommandLineTest(unittest.TestCase):
    """Options refused before the server starts: status 2 and one line on stderr."""

    def run_server(self, *args):
        return subprocess.run(
            [server_binary(), *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=EXIT_TIMEOUT
        )

    def assert_usage_error(self, *args):
        result = self.run_server(*args)
        self.assertEqual(result.returncode, 2, f"{args}: stderr {result.stderr!r}")
        self.assertEqual(result.stdout, b"", args)
        self.assertEqual(len(result.stderr.decode().strip().splitlines()), 1, result.stderr)

    def test_non_loopback_host_exits_2(self):
        for host in ("0.0.0.0", "::", "192.0.2.1", "example.com"):
            self.assert_usage_error("--host", host, "--port", "0")

    def test_bad_options_exit_2(self):
        self.assert_usage_error("--bogus")
        self.assert_usage_error("--port", "70000")
        self.assert_usage_error("--port", "-1")
        self.assert_usage_error("--port", "abc")
        self.assert_usage_error("--threads", "0")
        self.assert_usage_error("stray-argument")

    def test_help_exits_0(self):
        result = self.run_server("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn(b"--port", result.stdout)


class SampleServerShutdownTest(unittest.TestCase):
    """Signals end the server cleanly even with connections open and requests pending."""

    def stop_with_busy_connections(self, signum):
        server = ServerProcess()
        idle = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
        pending = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
        try:
            pending.sendall(b"GET /delay/30000 HTTP/1.1\r\nHost: test\r\n\r\n")
            # Let the server accept both before the signal.
            response, _ = server.request("GET", "/active")
            self.assertEqual(response.status, 200)
            start = time.monotonic()
            status, stderr = server.stop(signum)
            self.assertEqual(status, 0, stderr)
            self.assertLess(time.monotonic() - start, 5.0)
        finally:
            idle.close()
            pending.close()

    def test_sigterm_exits_0(self):
        self.stop_with_busy_connections(signal.SIGTERM)

    def test_sigint_exits_0(self):
        self.stop_with_busy_connections(signal.SIGINT)


if __name__ == "__main__":
    unittest.main()
