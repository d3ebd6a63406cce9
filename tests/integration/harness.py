"""Shared helpers for the integration tests: real binaries, real sample server, loopback only.

Paths come from the environment ctest sets (see CMakeLists.txt in this folder).
"""
import contextlib
import shutil
import tempfile
import os
import re
import signal
import socket
import subprocess
import time
import unittest


def env_path(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run this test through ctest")
    return value


RUNNER = env_path("LOADS_RUNNER")
SAMPLE_SERVER = env_path("LOADS_SAMPLE_SERVER")
LIB_DIR = env_path("LOADS_LIB_DIR")
FIXTURE_DIR = env_path("LOADS_FIXTURE_DIR")
# "thread" in the tsan preset's tests (CMakePresets.json), where a few limits of ThreadSanitizer's
# own apply; empty elsewhere.
SANITIZER = os.environ.get("LOADS_TEST_SANITIZER", "")


class Server:
    """loads-sample-server on an ephemeral loopback port."""

    def __init__(self, threads=2, tls=None, host="127.0.0.1"):
        """tls: a TestCertificates to serve HTTPS/WSS with, or None for plain HTTP."""
        args = [SAMPLE_SERVER, "--host", host, "--port", "0", "--threads", str(threads)]
        if tls is not None:
            args += ["--tls-cert", tls.cert, "--tls-key", tls.key]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        match = re.match(r"listening on (https?://\S+)$", line)
        if not match:
            self.stop()
            raise RuntimeError(f"sample server did not start: {line!r} {self.proc.stderr.read()}")
        self.url = match.group(1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


    @property
    def port(self):
        return int(self.url.rsplit(":", 1)[1])

    @property
    def ws_url(self):
        """The same server as ws:// (wss:// in TLS mode)."""
        return "ws" + self.url[len("http"):]


class TestCertificates:
    """A throwaway CA and a server certificate it signed, for localhost, 127.0.0.1 and ::1,
    made with the openssl command in a temporary directory (removed by cleanup())."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="loads-tls-")
        self.ca = os.path.join(self.dir, "ca.pem")
        self.ca_key = os.path.join(self.dir, "ca.key")
        self.cert = os.path.join(self.dir, "server.pem")
        self.key = os.path.join(self.dir, "server.key")
        csr = os.path.join(self.dir, "server.csr")
        ext = os.path.join(self.dir, "server.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
                    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        self._openssl("req", "-x509", *ec, "-keyout", self.ca_key, "-out", self.ca, "-days", "2",
                      "-subj", "/CN=loads test CA")
        self._openssl("req", *ec, "-keyout", self.key, "-out", csr, "-subj", "/CN=localhost")
        self._openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", self.ca_key, "-CAcreateserial",
                      "-out", self.cert, "-days", "2", "-extfile", ext)

    @staticmethod
    def _openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Nginx:
    """nginx (Debian's nginx-light) with one worker on a free loopback port, answering a short 200 to
    everything and logging each request's time ($msec, milliseconds) and connection serial number
    ($connection) to `access_log`: the server's own account of when requests came, and on how many
    connections, to check a run's counts, pacing and users against."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="loads-test-nginx-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.access_log = os.path.join(self.dir, "access.log")
        with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
            f.write(f"""daemon off;
worker_processes 1;
error_log {self.dir}/error.log;
pid {self.dir}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    log_format times '$msec $connection';
    access_log {self.access_log} times;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {{
        listen 127.0.0.1:{self.port} backlog=4096;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", os.path.join(self.dir, "nginx.conf"), "-p", self.dir],
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("nginx did not start")
        self.url = f"http://127.0.0.1:{self.port}/"

    def request_times(self):
        """Seconds since the epoch of every request logged, in log order."""
        return [t for t, _ in self.requests()]

    def requests(self):
        """(seconds since the epoch, connection serial number) of every request logged, in log order."""
        with open(self.access_log) as f:
            return [(float(t), int(c)) for t, c in (line.split() for line in f if line.strip())]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def sample_server(threads=2):
    server = Server(threads)
    try:
        yield server
    finally:
        server.stop()


# The sanitizer build's runtime notes that it cannot follow Boost.Context's stack switches; that
# note is the build's, not the runner's output.
SANITIZER_NOTE = re.compile(r"^==\d+==WARNING: ASan doesn't fully support makecontext/swapcontext.*\n", re.M)


class Result:
    def __init__(self, proc, elapsed):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = SANITIZER_NOTE.sub("", proc.stderr)
        self.elapsed = elapsed

    def field(self, name):
        """The integer after 'name: ' in the summary (e.g. field('Hits'))."""
        match = re.search(rf"^{re.escape(name)}: (\d+)$", self.out, re.M)
        if not match:
            raise AssertionError(f"no '{name}:' line in output:\n{self.out}\nstderr:\n{self.err}")
        return int(match.group(1))

    def counter(self, name):
        match = re.search(rf"^- {re.escape(name)} : (-?\d+)$", self.out, re.M)
        return int(match.group(1)) if match else None

    def __repr__(self):
        return f"rc={self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run(*args, lib_dirs=(LIB_DIR, FIXTURE_DIR), timeout=120, cwd=None, env_extra=None):
    env = dict(os.environ)
    env["LOADS_PATH"] = ":".join(lib_dirs)
    if env_extra:
        env.update(env_extra)
    started = time.monotonic()
    proc = subprocess.run([RUNNER, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL)
    return Result(proc, time.monotonic() - started)


def run_on_terminal(*args, lib_dirs=(LIB_DIR, FIXTURE_DIR), stdin_terminal=False, answers=(), timeout=60):
    """Runs the runner with stdout (and, with stdin_terminal, stdin) on a pseudo-terminal, as a
    user at a terminal would. `answers`: (prompt, reply) pairs, each reply typed once its prompt
    has appeared. @return (exit status, everything written to the terminal)."""
    import pty
    import select
    master, slave = pty.openpty()
    env = dict(os.environ, LOADS_PATH=":".join(lib_dirs))
    proc = subprocess.Popen([RUNNER, *args], stdin=slave if stdin_terminal else subprocess.DEVNULL, stdout=slave,
                            stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    pending = [(prompt.encode(), reply.encode()) for prompt, reply in answers]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
            if pending and pending[0][0] in out:
                os.write(master, pending.pop(0)[1])
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    proc.stderr.close()
    os.close(master)
    return proc.returncode, out.decode(errors="replace")


def read_recorder_file(path):
    """What the test observer `recorder` (tests/plugins/recorder_observer.cpp) wrote: its key=value
    lines as a dict of lists (keys such as `agent` repeat)."""
    record = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            record.setdefault(key, []).append(value)
    return record


class TestCase(unittest.TestCase):
    def assertRun(self, result, rc):
        self.assertEqual(result.rc, rc, repr(result))


class LoopbackServer:
    """A hand-written server on 127.0.0.1, one thread, one connection at a time: handle(conn,
    head) answers each connection, whose request head (up to the blank line) has been read."""

    def __init__(self, tls=None):
        import socket
        import threading
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http", self.sock.getsockname()[1])
        self.tls = None
        if tls:  # TestCertificates: each connection is wrapped once accepted
            import ssl
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(tls.cert, tls.key)
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.tls:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except OSError:
                    conn.close()
                    continue
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            if data:
                self.handle(conn, data)
            else:
                conn.close()

    def handle(self, conn, data):
        raise NotImplementedError

    def stop(self):
        self.sock.close()


class RawServer(LoopbackServer):
    """A deliberately crude HTTP server, for the cases a good server never produces: it answers one
    request per connection and then closes it without a 'Connection: close', and answers /garbage
    with bytes that are not HTTP. Counts the connections it accepted."""

    def __init__(self, tls=None):
        self.requests = []
        super().__init__(tls)

    def handle(self, conn, data):
        import time
        with conn:
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            while length and len(body) < int(length.group(1)):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
            self.requests.append((head + b"\r\n\r\n" + body).decode(errors="replace"))
            if data.startswith(b"GET /garbage"):
                conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            elif data.startswith(b"GET /early"):
                conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
                             b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            time.sleep(0.05)


class ServerTestCase(TestCase):
    """A test class sharing one sample server (self.server) across its tests."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(threads=2)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
