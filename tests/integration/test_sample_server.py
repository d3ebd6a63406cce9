"""Integration tests of loads-sample-server, the HTTP server the samples load.

Run with the binary's absolute path in LOADS_SAMPLE_SERVER:

    LOADS_SAMPLE_SERVER=/path/to/loads-sample-server python3 -m unittest tests/integration/test_sample_server.py

Standard library only, so that it runs wherever python3 does. The TLS tests also need the openssl
command, to make a throwaway CA and server certificate.
"""

import base64
import concurrent.futures
import hashlib
import http.client
import http.cookiejar
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.request
import warnings

STARTUP_TIMEOUT = 10.0
# ThreadSanitizer's runs share 2 cores with another sanitized test: the server may be slow to exit.
EXIT_TIMEOUT = 30.0 if os.environ.get("LOADS_TEST_SANITIZER") else 10.0
REQUEST_TIMEOUT = 10.0
LISTENING_LINE = re.compile(r"^listening on (https?)://(\S+):(\d+)$")
# RFC 6455 section 1.3: what the server appends to Sec-WebSocket-Key before hashing it.
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


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
            self.scheme, self.host, self.port = self._read_listening_line()
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
        return match.group(1), match.group(2), int(match.group(3))

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


def recv_exact(sock, count):
    """Exactly `count` bytes from `sock`; AssertionError if it closes first."""
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise AssertionError(f"connection closed after {len(data)} of {count} bytes")
        data += chunk
    return data


def read_until_closed(sock):
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def closing_request(sock, path, host="localhost"):
    """Sends one `Connection: close` GET on `sock` and returns (status line, headers, body) once the server closes."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    head, _, body = read_until_closed(sock).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status_line, headers, body


class WebSocketClient:
    """A minimal RFC 6455 client over an already connected (plain or TLS) socket."""

    TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x2, 0x8, 0x9, 0xA, 0x0

    def __init__(self, sock, path="/ws", protocols=None, host="localhost"):
        self.sock = sock
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if protocols is not None:
            lines.append(f"Sec-WebSocket-Protocol: {protocols}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            # One byte at a time: nothing after the handshake's blank line may be consumed here.
            head += recv_exact(sock, 1)
        status_line, *header_lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
        self.status_line = status_line
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        if not status_line.startswith("HTTP/1.1 101"):
            raise AssertionError(f"websocket handshake refused: {head!r}")
        expected = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
        if self.headers.get("sec-websocket-accept") != expected:
            raise AssertionError(f"bad Sec-WebSocket-Accept in {head!r}")

    def send_frame(self, opcode, payload, fin=True):
        # Clients must mask every frame (RFC 6455 section 5.3).
        header = bytes([(0x80 if fin else 0) | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_frame(self):
        """(fin, opcode, payload) of the next frame; server frames must not be masked."""
        first, second = recv_exact(self.sock, 2)
        if second & 0x80:
            raise AssertionError("server sent a masked frame")
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", recv_exact(self.sock, 2))
        elif length == 127:
            (length,) = struct.unpack("!Q", recv_exact(self.sock, 8))
        return bool(first & 0x80), first & 0x0F, recv_exact(self.sock, length) if length else b""

    def recv_message(self):
        """(opcode, payload) of the next data or close message, fragments joined, pings answered."""
        opcode, payload = None, b""
        while True:
            fin, frame_opcode, data = self.recv_frame()
            if frame_opcode == self.PING:
                self.send_frame(self.PONG, data)
                continue
            if frame_opcode == self.PONG:
                continue
            if frame_opcode == self.CLOSE:
                return frame_opcode, data
            if opcode is None:
                opcode = frame_opcode
            payload += data
            if fin:
                return opcode, payload

    def echo(self, opcode, payload):
        self.send_frame(opcode, payload)
        return self.recv_message()

    def close(self, code=1000):
        """Runs the close handshake; returns the code the server answered with."""
        self.send_frame(self.CLOSE, struct.pack("!H", code))
        opcode, payload = self.recv_message()
        if opcode != self.CLOSE:
            raise AssertionError(f"expected a close frame, got opcode {opcode}")
        return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None


class TestCertificates:
    """A throwaway CA and a server certificate it signs for localhost, 127.0.0.1 and ::1."""

    def __init__(self):
        openssl = shutil.which("openssl")
        if not openssl:
            raise AssertionError("the openssl command is needed to make test certificates (apt-get install openssl)")
        self.directory = tempfile.TemporaryDirectory()
        d = self.directory.name
        self.ca_certificate = os.path.join(d, "ca.pem")
        self.ca_key = os.path.join(d, "ca.key")
        self.certificate = os.path.join(d, "server.pem")
        self.key = os.path.join(d, "server.key")
        extensions = os.path.join(d, "server.ext")
        with open(extensions, "w") as file:
            file.write(
                "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid,issuer\n"
            )
        # EC keys: generated at once, unlike RSA ones.
        key_options = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        self._openssl(openssl, "req", "-x509", *key_options, "-keyout", self.ca_key, "-out", self.ca_certificate,
                      "-days", "2", "-subj", "/CN=loads test CA")
        request = os.path.join(d, "server.csr")
        self._openssl(openssl, "req", *key_options, "-keyout", self.key, "-out", request, "-subj", "/CN=localhost")
        self._openssl(openssl, "x509", "-req", "-in", request, "-CA", self.ca_certificate, "-CAkey", self.ca_key,
                      "-CAcreateserial", "-out", self.certificate, "-days", "2", "-extfile", extensions)

    @staticmethod
    def _openssl(*args):
        result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed: {result.stderr.decode(errors='replace')}")

    def client_context(self, maximum_version=None):
        """A client context trusting only the test CA."""
        context = ssl.create_default_context(cafile=self.ca_certificate)
        if maximum_version is not None:
            context.maximum_version = maximum_version
        return context

    def cleanup(self):
        self.directory.cleanup()


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

    def test_startup_line_is_plain_http(self):
        self.assertEqual(self.server.scheme, "http")

    def test_tls_route_without_tls(self):
        response, body = self.server.request("GET", "/tls")
        self.assertEqual(response.status, 200)
        self.assertEqual(body, b"reused: 0\nversion: none")
        self.assert_common_headers(response, body)

    def test_websocket_path_without_upgrade_is_426(self):
        for method in ("GET", "POST"):
            response, body = self.server.request(method, "/ws")
            self.assertEqual(response.status, 426, method)
            self.assertEqual(response.getheader("Upgrade"), "websocket")
            self.assertTrue(body)
            self.assert_common_headers(response, body)

    def test_redirect_chain_counts_down_to_200(self):
        connection = self.server.connection()
        try:
            path, hops = "/redirect/3", 0
            while True:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                if response.status != 302:
                    break
                hops += 1
                self.assertEqual(response.getheader("Location"), f"/redirect/{3 - hops}")
                path = response.getheader("Location")
            self.assertEqual(hops, 3)
            self.assertEqual(response.status, 200)
            self.assertEqual(body, b"redirected")
            self.assert_common_headers(response, body)
        finally:
            connection.close()

    def test_redirect_limits(self):
        response, _ = self.server.request("POST", "/redirect/100")
        self.assertEqual(response.status, 302)
        self.assertEqual(response.getheader("Location"), "/redirect/99")
        for path in ("/redirect/101", "/redirect/-1", "/redirect/x", "/redirect/", "/redirect/1x"):
            response, _ = self.server.request("GET", path)
            self.assertEqual(response.status, 400, path)
        response, _ = self.server.request("GET", "/redirect")
        self.assertEqual(response.status, 404)

    def test_redirect_to_given_url_and_status(self):
        response, body = self.server.request("GET", "/redirect-to?url=http%3A%2F%2Fexample.com%2Fa%3Fb%3D1&status=307")
        self.assertEqual(response.status, 307)
        self.assertEqual(response.getheader("Location"), "http://example.com/a?b=1")
        self.assertTrue(body)
        self.assert_common_headers(response, body)
        response, _ = self.server.request("GET", "/redirect-to?url=/cookies")
        self.assertEqual(response.status, 302)
        self.assertEqual(response.getheader("Location"), "/cookies")
        for status in range(300, 309):
            response, _ = self.server.request("POST", f"/redirect-to?status={status}&url=/x+y")
            self.assertEqual(response.status, status)
            self.assertEqual(response.getheader("Location"), "/x y")

    def test_redirect_to_bad_requests_are_400(self):
        for path in (
            "/redirect-to",
            "/redirect-to?status=302",
            "/redirect-to?url=",
            "/redirect-to?url=/a&status=200",
            "/redirect-to?url=/a&status=309",
            "/redirect-to?url=/a&status=abc",
            "/redirect-to?url=/a%0d%0aX-Injected:%201",
        ):
            response, _ = self.server.request("GET", path)
            self.assertEqual(response.status, 400, path)

    def test_response_headers_sets_every_pair(self):
        response, body = self.server.request(
            "GET",
            "/response-headers?Set-Cookie=a%3D1%3B+Path%3D%2F%3B+HttpOnly&Set-Cookie=b%3D2&X-Test=hello+world"
            "&X-Encoded%2DName=%E2%9C%93",
        )
        self.assertEqual(response.status, 200)
        self.assertEqual(body, b"ok")
        self.assertEqual(response.headers.get_all("Set-Cookie"), ["a=1; Path=/; HttpOnly", "b=2"])
        self.assertEqual(response.getheader("X-Test"), "hello world")
        # http.client reads header bytes as Latin-1.
        self.assertEqual(response.getheader("X-Encoded-Name").encode("latin-1"), "\u2713".encode())
        self.assertEqual(response.getheader("Content-Type"), "text/plain")
        self.assert_common_headers(response, body)

    def test_response_headers_may_replace_content_type(self):
        response, body = self.server.request("GET", "/response-headers?Content-Type=application%2Fjson")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.headers.get_all("Content-Type"), ["application/json"])

    def test_response_headers_refuses_unsafe_headers(self):
        for query in ("X-Bad=a%0d%0aX-Injected:+1", "Bad%20Name=1", "Content-Length=5", "Transfer-Encoding=chunked"):
            response, _ = self.server.request("GET", "/response-headers?" + query)
            self.assertEqual(response.status, 400, query)
            self.assertIsNone(response.getheader("X-Injected"))

    def cookies_with(self, *cookie_headers):
        connection = self.server.connection()
        try:
            connection.putrequest("GET", "/cookies")
            for value in cookie_headers:
                connection.putheader("Cookie", value)
            connection.endheaders()
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def test_cookies_without_cookies_is_empty_object(self):
        response, body = self.cookies_with()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        self.assertEqual(body, b"{}")
        self.assert_common_headers(response, body)

    def test_cookies_sorted_and_escaped(self):
        response, body = self.cookies_with(
            "b=two; a=1", 'quote="x\\y"; ctl=a\tb; utf=\u00e9'.encode().decode("latin-1"), "raw=\xff; a=ignored"
        )
        self.assertEqual(response.status, 200)
        self.assertTrue(body.startswith(b'{"a":"1","b":"two",'), body)
        cookies = json.loads(body)
        self.assertEqual(list(cookies), sorted(cookies))
        # Invalid UTF-8 (the lone 0xff) comes back as its Latin-1 character; the first "a" wins.
        self.assertEqual(
            cookies, {"a": "1", "b": "two", "quote": '"x\\y"', "ctl": "a\tb", "utf": "\u00e9", "raw": "\xff"}
        )

    def test_json_get_returns_fixed_document(self):
        expected = b'{"name":"loads","users":[1,2,3],"nested":{"ok":true}}'
        response, body = self.server.request("GET", "/json")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        self.assertEqual(body, expected)
        self.assertEqual(json.loads(body), {"name": "loads", "users": [1, 2, 3], "nested": {"ok": True}})
        self.assert_common_headers(response, body)
        response, body = self.server.request("HEAD", "/json")
        self.assertEqual(response.status, 200)
        self.assertEqual(body, b"")
        self.assertEqual(response.getheader("Content-Length"), str(len(expected)))

    def test_json_other_methods_echo_body(self):
        payload = b'{"posted": [1, "two"]}'
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response, body = self.server.request(
                method, "/json", body=payload, headers={"Content-Type": "application/json; charset=utf-8"}
            )
            self.assertEqual(response.status, 200, method)
            self.assertEqual(body, payload, method)
            self.assertEqual(response.getheader("Content-Type"), "application/json")
            self.assertEqual(response.getheader("X-Request-Content-Type"), "application/json; charset=utf-8")
        response, body = self.server.request("POST", "/json", body=b"not json")
        self.assertEqual(body, b"not json")
        self.assertEqual(response.getheader("X-Request-Content-Type"), "none")

    def test_bad_json_is_invalid(self):
        response, body = self.server.request("GET", "/bad-json")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        self.assertEqual(body, b'{"name": "loads", oops}')
        with self.assertRaises(ValueError):
            json.loads(body)
        self.assert_common_headers(response, body)

    def test_headers_lists_request_headers(self):
        connection = self.server.connection()
        try:
            connection.putrequest("GET", "/headers", skip_accept_encoding=True)
            connection.putheader("X-Custom", 'Va"lue')
            connection.putheader("x-multi", "a")
            connection.putheader("X-Multi", "b")
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "application/json")
        headers = json.loads(body)
        self.assertEqual(list(headers), sorted(headers))
        self.assertEqual(headers["x-custom"], 'Va"lue')
        self.assertEqual(headers["x-multi"], "a, b")
        self.assertEqual(headers["host"], f"127.0.0.1:{self.server.port}")
        self.assertTrue(all(name == name.lower() for name in headers), headers)
        self.assert_common_headers(response, body)

    def test_set_cookie_redirect_sets_cookies_and_redirects(self):
        response, body = self.server.request("GET", "/set-cookie-redirect?session=abc&theme=dark+mode")
        self.assertEqual(response.status, 302)
        self.assertEqual(response.getheader("Location"), "/cookies")
        self.assertEqual(
            response.headers.get_all("Set-Cookie"), ["session=abc; Path=/", "theme=dark mode; Path=/"]
        )
        self.assert_common_headers(response, body)
        response, _ = self.server.request("GET", "/set-cookie-redirect?bad=a%0d%0aX-Injected:+1")
        self.assertEqual(response.status, 400)

    def test_cookie_set_during_redirect_reaches_next_hop(self):
        # A real cookie-keeping client that follows redirects, as load tests' sessions do.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        url = f"http://127.0.0.1:{self.server.port}/set-cookie-redirect?session=abc&theme=dark"
        with opener.open(url, timeout=REQUEST_TIMEOUT) as response:
            self.assertEqual(response.status, 200)
            self.assertEqual(response.geturl(), f"http://127.0.0.1:{self.server.port}/cookies")
            self.assertEqual(json.loads(response.read()), {"session": "abc", "theme": "dark"})

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


class SampleServerWebSocketTest(unittest.TestCase):
    """The /ws echo over plain TCP."""

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess("--threads", "2")

    @classmethod
    def tearDownClass(cls):
        status, stderr = cls.server.stop()
        if status != 0:
            raise AssertionError(f"server exited with status {status} after SIGTERM, expected 0{stderr}")

    def connect(self, protocols=None):
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=REQUEST_TIMEOUT)
        self.addCleanup(sock.close)
        return WebSocketClient(sock, protocols=protocols)

    def test_echoes_text_and_binary(self):
        client = self.connect()
        self.assertEqual(client.headers.get("server"), "loads-sample-server")
        self.assertEqual(client.echo(client.TEXT, "héllo wörld".encode()), (client.TEXT, "héllo wörld".encode()))
        binary = bytes(range(256))
        self.assertEqual(client.echo(client.BINARY, binary), (client.BINARY, binary))
        self.assertEqual(client.echo(client.TEXT, b""), (client.TEXT, b""))
        # 16-bit and 64-bit payload lengths.
        for size in (300, 70000):
            payload = os.urandom(size)
            self.assertEqual(client.echo(client.BINARY, payload), (client.BINARY, payload), size)
        self.assertEqual(client.close(), 1000)

    def test_fragmented_message_is_echoed_whole(self):
        client = self.connect()
        client.send_frame(client.TEXT, b"frag", fin=False)
        client.send_frame(client.CONTINUATION, b"mented")
        self.assertEqual(client.recv_message(), (client.TEXT, b"fragmented"))
        self.assertEqual(client.close(), 1000)

    def test_close_handshake_then_server_closes(self):
        client = self.connect()
        self.assertEqual(client.close(1000), 1000)
        # After the close handshake the server closes the TCP connection.
        self.assertEqual(read_until_closed(client.sock), b"")

    def test_first_offered_subprotocol_is_selected(self):
        client = self.connect(protocols="chat, http-only")
        self.assertEqual(client.headers.get("sec-websocket-protocol"), "chat")
        self.assertEqual(client.echo(client.TEXT, b"hi"), (client.TEXT, b"hi"))
        client.close()

    def test_no_subprotocol_offered_none_selected(self):
        client = self.connect()
        self.assertNotIn("sec-websocket-protocol", client.headers)
        client.close()

    def test_handshake_without_key_is_refused(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=REQUEST_TIMEOUT) as sock:
            sock.sendall(
                b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Version: 13\r\n\r\n"
            )
            received = sock.recv(4096)
        self.assertTrue(received.startswith(b"HTTP/1.1 400"), received)

    def test_upgrade_elsewhere_is_plain_http(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=REQUEST_TIMEOUT) as sock:
            sock.sendall(
                b"GET /status/200 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            received = read_until_closed(sock)
        self.assertTrue(received.startswith(b"HTTP/1.1 200"), received)

    def test_websockets_count_as_connections(self):
        clients = [self.connect() for _ in range(20)]
        response, body = self.server.request("GET", "/active")
        match = re.fullmatch(rb"max: (\d+), current: (\d+)", body)
        self.assertIsNotNone(match, body)
        self.assertGreaterEqual(int(match.group(2)), 21)
        for client in clients:
            client.close()

    def test_thousand_concurrent_websockets(self):
        count = 1000
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        needed = count + 100
        if soft < needed:
            if hard != resource.RLIM_INFINITY and hard < needed:
                self.skipTest(f"open-file limit {hard} is below the {needed} this test needs")
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
            self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        clients = [self.connect() for _ in range(count)]
        # Every socket sends first, then every echo is read: all are open and served at once.
        for i, client in enumerate(clients):
            client.send_frame(client.TEXT, f"message {i}".encode())
        for i, client in enumerate(clients):
            self.assertEqual(client.recv_message(), (client.TEXT, f"message {i}".encode()))
        response, body = self.server.request("GET", "/active")
        current = int(re.fullmatch(rb"max: (\d+), current: (\d+)", body).group(2))
        self.assertGreaterEqual(current, count + 1)
        for client in clients:
            client.close()


class SampleServerTlsTest(unittest.TestCase):
    """--tls-cert/--tls-key: HTTPS and WSS, session resumption, certificate errors."""

    @classmethod
    def setUpClass(cls):
        cls.certificates = TestCertificates()
        try:
            cls.server = ServerProcess(
                "--threads", "2", "--tls-cert", cls.certificates.certificate, "--tls-key", cls.certificates.key
            )
        except BaseException:
            cls.certificates.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            status, stderr = cls.server.stop()
            if status != 0:
                raise AssertionError(f"server exited with status {status} after SIGTERM, expected 0{stderr}")
        finally:
            cls.certificates.cleanup()

    def tls_socket(self, context, server_hostname="localhost", session=None):
        sock = socket.create_connection(("127.0.0.1", self.server.port), timeout=REQUEST_TIMEOUT)
        try:
            tls = context.wrap_socket(sock, server_hostname=server_hostname, session=session)
        except BaseException:
            sock.close()
            raise
        self.addCleanup(tls.close)
        return tls

    def test_startup_line_says_https(self):
        self.assertEqual(self.server.scheme, "https")
        self.assertEqual(self.server.host, "127.0.0.1")

    def test_get_over_https(self):
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.server.port, timeout=REQUEST_TIMEOUT, context=self.certificates.client_context()
        )
        try:
            for _ in range(2):  # keep-alive over TLS
                connection.request("GET", "/")
                response = connection.getresponse()
                body = response.read()
                self.assertEqual(response.status, 200)
                self.assertIn(b"chatform", body)
                self.assertEqual(response.getheader("Server"), "loads-sample-server")
            connection.request("POST", "/echo", body=b"over tls", headers={"Content-Type": "text/plain"})
            response = connection.getresponse()
            self.assertEqual(response.read(), b"over tls")
        finally:
            connection.close()

    def test_certificate_names_localhost(self):
        sock = self.tls_socket(self.certificates.client_context(), server_hostname="localhost")
        status_line, _, body = closing_request(sock, "/status/200")
        self.assertTrue(status_line.startswith("HTTP/1.1 200"), status_line)
        self.assertEqual(body, b"status 200")

    def check_resumption(self, maximum_version, expected_version, options=0):
        context = self.certificates.client_context(maximum_version)
        context.options |= options
        first = self.tls_socket(context)
        # Reading a whole response first: TLS 1.3 tickets arrive after the handshake.
        _, _, body = closing_request(first, "/tls")
        self.assertEqual(body, f"reused: 0\nversion: {expected_version}".encode())
        self.assertFalse(first.session_reused)
        session = first.session
        self.assertIsNotNone(session)
        second = self.tls_socket(context, session=session)
        self.assertTrue(second.session_reused, "the client could not resume its session")
        _, _, body = closing_request(second, "/tls")
        self.assertEqual(body, f"reused: 1\nversion: {expected_version}".encode())

    def test_tls_1_2_session_is_resumed(self):
        self.check_resumption(ssl.TLSVersion.TLSv1_2, "TLSv1.2")

    def test_tls_1_2_session_is_resumed_by_id(self):
        # Without tickets the client resumes by session id: the server's session cache serves it.
        self.check_resumption(ssl.TLSVersion.TLSv1_2, "TLSv1.2", ssl.OP_NO_TICKET)

    def test_tls_1_3_session_is_resumed(self):
        self.check_resumption(ssl.TLSVersion.TLSv1_3, "TLSv1.3")

    def test_tls_1_1_is_refused(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(self.certificates.ca_certificate)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = ssl.TLSVersion.TLSv1_1
            # Security level 0, or this client's OpenSSL would not even offer TLS 1.1.
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            self.skipTest("this Python's OpenSSL cannot offer TLS 1.1")
        with self.assertRaises(ssl.SSLError) as raised:
            self.tls_socket(context)
        # The server's answer, not a refusal of the client's own OpenSSL.
        self.assertEqual(raised.exception.reason, "TLSV1_ALERT_PROTOCOL_VERSION")

    def test_plain_http_on_tls_port_just_ends_connection(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=REQUEST_TIMEOUT) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                received = read_until_closed(sock)
            except ConnectionResetError:
                received = b""
        self.assertFalse(received.startswith(b"HTTP/"), received)
        # The server goes on serving TLS clients.
        sock = self.tls_socket(self.certificates.client_context())
        status_line, _, _ = closing_request(sock, "/")
        self.assertTrue(status_line.startswith("HTTP/1.1 200"), status_line)

    def test_websocket_echo_over_tls(self):
        sock = self.tls_socket(self.certificates.client_context())
        client = WebSocketClient(sock, protocols="chat, http-only")
        self.assertEqual(client.headers.get("sec-websocket-protocol"), "chat")
        self.assertEqual(client.echo(client.TEXT, b"secure"), (client.TEXT, b"secure"))
        payload = os.urandom(100000)
        self.assertEqual(client.echo(client.BINARY, payload), (client.BINARY, payload))
        self.assertEqual(client.close(), 1000)


class SampleServerTlsErrorsTest(unittest.TestCase):
    """Certificates or keys that cannot be used: status 1 and one line on stderr, before listening."""

    @classmethod
    def setUpClass(cls):
        cls.certificates = TestCertificates()

    @classmethod
    def tearDownClass(cls):
        cls.certificates.cleanup()

    def assert_tls_error(self, certificate, key, expected):
        result = subprocess.run(
            [server_binary(), "--port", "0", "--tls-cert", certificate, "--tls-key", key],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=EXIT_TIMEOUT,
        )
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stdout, b"")
        lines = result.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertIn(expected, lines[0])

    def test_missing_files(self):
        missing = os.path.join(self.certificates.directory.name, "missing.pem")
        self.assert_tls_error(missing, self.certificates.key, "missing.pem")
        self.assert_tls_error(self.certificates.certificate, missing, "missing.pem")

    def test_invalid_files(self):
        garbage = os.path.join(self.certificates.directory.name, "garbage.pem")
        with open(garbage, "w") as file:
            file.write("not a certificate\n")
        self.assert_tls_error(garbage, self.certificates.key, "garbage.pem")
        self.assert_tls_error(self.certificates.certificate, garbage, "garbage.pem")
        # A certificate where the key should be, and the other way round.
        self.assert_tls_error(self.certificates.certificate, self.certificates.certificate, "server.pem")
        self.assert_tls_error(self.certificates.key, self.certificates.key, "server.key")

    def test_key_not_matching_certificate(self):
        self.assert_tls_error(self.certificates.certificate, self.certificates.ca_key, "ca.key")


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

    def test_tls_options_go_together(self):
        self.assert_usage_error("--port", "0", "--tls-cert", "server.pem")
        self.assert_usage_error("--port", "0", "--tls-key", "server.key")
        self.assert_usage_error("--port", "0", "--tls-cert")

    def test_help_exits_0(self):
        result = self.run_server("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn(b"--port", result.stdout)
        self.assertIn(b"--tls-cert", result.stdout)
        self.assertIn(b"--tls-key", result.stdout)


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

    def test_sigterm_with_open_websockets_exits_0(self):
        server = ServerProcess()
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
        # Closed by a close handshake but with its socket left open: the server waits for its EOF.
        closing = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
        try:
            client = WebSocketClient(sock)
            self.assertEqual(client.echo(client.TEXT, b"up"), (client.TEXT, b"up"))
            self.assertEqual(WebSocketClient(closing).close(), 1000)
            start = time.monotonic()
            status, stderr = server.stop()
            self.assertEqual(status, 0, stderr)
            self.assertLess(time.monotonic() - start, 5.0)
        finally:
            sock.close()
            closing.close()

    def test_sigterm_in_tls_mode_exits_0(self):
        certificates = TestCertificates()
        self.addCleanup(certificates.cleanup)
        server = ServerProcess("--tls-cert", certificates.certificate, "--tls-key", certificates.key)
        context = certificates.client_context()
        # A connection waiting in its TLS handshake, one idle between requests, a WebSocket, and one
        # closed by a close handshake whose client keeps the socket open.
        handshaking = socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT)
        idle = context.wrap_socket(
            socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT), server_hostname="localhost"
        )
        websocket = context.wrap_socket(
            socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT), server_hostname="localhost"
        )
        closing = context.wrap_socket(
            socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT), server_hostname="localhost"
        )
        try:
            client = WebSocketClient(websocket)
            self.assertEqual(client.echo(client.BINARY, b"up"), (client.BINARY, b"up"))
            self.assertEqual(WebSocketClient(closing).close(), 1000)
            start = time.monotonic()
            status, stderr = server.stop()
            self.assertEqual(status, 0, stderr)
            self.assertLess(time.monotonic() - start, 5.0)
        finally:
            handshaking.close()
            idle.close()
            websocket.close()
            closing.close()


if __name__ == "__main__":
    unittest.main()
