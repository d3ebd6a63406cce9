"""The irc observer against a real IRC server, ngircd (Debian's /usr/sbin/ngircd), on loopback: a
test client joins the channel and reads what the observer posts there, checked against the
runner's own figures. Plain TCP (with ssl given as "false" and as "False": the seed took any
non-empty value as true), TLS verified with a test CA (and refused without it), a nickname
already in use, a server password (right and wrong), a channel that refuses the join, and servers
that refuse the connection or never answer: the run's exit status never depends on the observer,
and a failure is one line."""
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import harness

NGIRCD = shutil.which("ngircd") or "/usr/sbin/ngircd"
SERVER_NAME = "irc.loads.test"
# The host's sentence after the observer's "[loads] " and the seed's underline code.
SUMMARY = re.compile(r"^\[loads\] Test over\. \x1fRan (\d+) tests in [0-9.]+ s\. (\d+) hits, ([0-9.]+) RPS\. "
                     r"(\d+) failures, (\d+) errors, p50 [0-9.]+ ms, p99 [0-9.]+ ms\. "
                     r"Run ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}): completed\.$")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Ngircd:
    """ngircd in the foreground on free loopback ports, with its configuration, MOTD, pid file
    and log in a temporary directory (removed by stop()). tls: a harness.TestCertificates to
    also listen with TLS on tls_port; password: the server password clients must give."""

    def __init__(self, tls=None, password=None):
        self.dir = tempfile.mkdtemp(prefix="loads-ngircd-")
        try:
            self._start(tls, password)
        except BaseException:
            self.stop()
            raise

    def _start(self, tls, password):
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.conf = os.path.join(self.dir, "ngircd.conf")
        self.log = os.path.join(self.dir, "ngircd.log")
        motd = os.path.join(self.dir, "motd")
        with open(motd, "w") as f:
            f.write("loads integration test server\n")
        os.makedirs(os.path.join(self.dir, "conf.d"))
        lines = [
            "[Global]",
            f"Name = {SERVER_NAME}",
            "Info = loads integration tests",
            "AdminInfo1 = loads tests", "AdminInfo2 = loopback", "AdminEMail = nobody@localhost",
            "Listen = 127.0.0.1",
            f"Ports = {self.port}",
            f"MotdFile = {motd}",
            f"PidFile = {os.path.join(self.dir, 'ngircd.pid')}",
            f"Password = {password or ''}",
            "[Limits]",
            # Several clients from 127.0.0.1 at once; no throttling of quick lines.
            "MaxConnectionsIP = 0",
            "MaxPenaltyTime = 0",
            "MaxNickLength = 9",
            "[Options]",
            "PAM = no",
            "Ident = no",
            "DNS = no",
            "MorePrivacy = no",
            # Nothing from the machine's own /etc/ngircd/ngircd.conf.d.
            f"IncludeDir = {os.path.join(self.dir, 'conf.d')}",
        ]
        if os.geteuid() == 0:
            # Started as root, ngircd drops to another user (never root) after reading its
            # configuration and keys: that user writes the pid file and reads the MOTD.
            nobody = pwd.getpwnam("nobody")
            lines[1:1] = [f"ServerUID = {nobody.pw_uid}", f"ServerGID = {nobody.pw_gid}"]
            for path in (self.dir, motd):
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
        if tls:
            # A named group (RFC 7919): ngircd would otherwise generate DH parameters, for seconds.
            dh = os.path.join(self.dir, "dh.pem")
            subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048",
                            "-out", dh], check=True, capture_output=True, timeout=60)
            lines += ["[SSL]", f"CertFile = {tls.cert}", f"KeyFile = {tls.key}", f"DHFile = {dh}",
                      f"Ports = {self.tls_port}"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([NGIRCD, "-n", "-f", self.conf], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        for port in (self.port, self.tls_port):
            if port is not None and not wait_for_port(port, self.proc):
                check = subprocess.run([NGIRCD, "--configtest", "-f", self.conf], capture_output=True, text=True,
                                       timeout=30, stdin=subprocess.DEVNULL)
                raise RuntimeError(f"ngircd does not listen on {port}:\n{self.log_text()}\n"
                                   f"--configtest:\n{check.stdout}{check.stderr}")

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def parse(line):
    """(nick of the prefix, command, params) of one IRC line."""
    prefix = ""
    if line.startswith(":"):
        prefix, _, line = line[1:].partition(" ")
    head, sep, trailing = line.partition(" :")
    words = head.split()
    params = words[1:] + ([trailing] if sep else [])
    return prefix.split("!", 1)[0], words[0].upper() if words else "", params


class IrcClient:
    """A person in the channel: registers as `nick`, joins `channel` and records what it hears."""

    def __init__(self, port, nick, channel, password=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""
        self.nick = nick
        if password:
            self.send(f"PASS :{password}")
        try:
            self.send(f"NICK {nick}", f"USER {nick} 0 * :loads test client")
            self.until(lambda m: m[1] == "001")
            self.send(f"JOIN {channel}")
            self.until(lambda m: m[1] == "366")
        except BaseException:
            self.sock.close()
            raise

    def send(self, *lines):
        self.sock.sendall("".join(line + "\r\n" for line in lines).encode())

    def until(self, done, timeout=10):
        """Reads lines (answering PING) until done((nick, command, params)) holds. @return every
        message read, the last one included."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; heard: {seen!r}")
                self.sock.settimeout(left)
                data = self.sock.recv(65536)
                if not data:
                    raise AssertionError(f"server closed the connection; heard: {seen!r}")
                self.buffer += data
            raw, self.buffer = self.buffer.split(b"\n", 1)
            message = parse(raw.rstrip(b"\r").decode())
            seen.append(message)
            if message[1] == "PING":
                self.send("PONG :" + (message[2][-1] if message[2] else ""))
            if message[1] == "ERROR":
                raise AssertionError(f"server said ERROR; heard: {seen!r}")
            if done(message):
                return seen

    def close(self):
        try:
            self.send("QUIT :done")
            # The nickname is free again once the server has answered.
            self.until(lambda m: False, timeout=5)
        except (AssertionError, OSError):
            pass
        self.sock.close()


class IrcObserver(harness.ServerTestCase):
    """One sample server for the class, one ngircd per test."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="loads-irc-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.ircd = None

    def start_ircd(self, tls=None, password=None):
        self.ircd = Ngircd(tls, password)
        self.addCleanup(self.ircd.stop)
        return self.ircd

    def join(self, nick, channel="#loads", password=None):
        client = IrcClient(self.ircd.port, nick, channel, password)
        self.addCleanup(client.close)
        return client

    def run_observed(self, *observer_args, test="web.Http.test_get", hits="2", timeout=None):
        """A short run with the irc observer and a JSON report; returns (result, report)."""
        report = os.path.join(self.tmp, "report.json")
        args = [test, "--server-url", self.server.url, "-u", "1", "--hits", hits, "--threads", "1",
                "--output", "json", "--output-json-filename", report, "--observer", "irc", *observer_args]
        if timeout is not None:
            args += ["--observer-timeout", str(timeout)]
        r = harness.run(*args, timeout=60)
        with open(report, encoding="utf-8") as f:
            return r, json.load(f)

    def observer_lines(self, r):
        return [line for line in r.err.splitlines() if line.startswith("loads-runner: observer 'irc'")]

    def posted(self, client, bot_nick):
        """What `bot_nick` posted until it quit: the texts of its PRIVMSGs, checking that it joined,
        sent nothing else and left with the seed's "Bye !"."""
        heard = client.until(lambda m: m[0] == bot_nick and m[1] == "QUIT")
        from_bot = [m for m in heard if m[0] == bot_nick]
        self.assertEqual(from_bot[0][1], "JOIN", heard)
        # ngircd relays a quit message in quotes.
        self.assertEqual(from_bot[-1][2], ['"Bye !"'], heard)
        privmsgs = [m for m in from_bot if m[1] == "PRIVMSG"]
        self.assertEqual(len(privmsgs), len(from_bot) - 2, heard)
        for m in privmsgs:
            self.assertEqual(m[2][0], "#loads")
        return [m[2][1] for m in privmsgs]

    def check_summary(self, text, r, report):
        """The posted text carries the run's real figures."""
        match = SUMMARY.match(text)
        self.assertIsNotNone(match, f"{text!r}\n{r!r}")
        tests, hits, rps, failures, errors = (match.group(1), match.group(2), match.group(3), match.group(4),
                                              match.group(5))
        totals = report["totals"]
        self.assertEqual(int(hits), r.field("Hits"))
        self.assertEqual(int(hits), totals["hits"])
        self.assertEqual(int(tests), totals["tests"])
        self.assertEqual(int(failures), totals["failures"])
        self.assertEqual(int(errors), totals["errors"])
        self.assertEqual((int(failures), int(errors)), (r.field("Failures"), r.field("Errors")))
        self.assertGreater(float(rps), 0)  # the seed always said 0.00 RPS

    def test_plain_tcp_with_ssl_false(self):
        ircd = self.start_ircd()
        client = self.join("watcher")
        r, report = self.run_observed("--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(ircd.port),
                                      "--observer-irc-channel", "#loads", "--observer-irc-ssl", "false")
        self.assertRun(r, 0)
        self.assertEqual(self.observer_lines(r),
                         [f"loads-runner: observer 'irc': sent to #loads on 127.0.0.1:{ircd.port}"], repr(r))
        [text] = self.posted(client, "loads")
        self.check_summary(text, r, report)
        self.assertEqual(r.field("Hits"), 2)

    def test_ssl_False_is_false(self):
        # The seed's argparse type=bool made "False" true; here it means plain TCP, so the server's
        # plain port works. A run with a failure and an error, and a channel given without '#'.
        ircd = self.start_ircd()
        client = self.join("watcher")
        r, report = self.run_observed("--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(ircd.port),
                                      "--observer-irc-channel", "loads", "--observer-irc-ssl", "False",
                                      test="fixtures.Report.test_mixed", hits="3")
        self.assertRun(r, 1)  # the run's own status: one failure, one error
        self.assertEqual(self.observer_lines(r),
                         [f"loads-runner: observer 'irc': sent to #loads on 127.0.0.1:{ircd.port}"], repr(r))
        [text] = self.posted(client, "loads")
        self.check_summary(text, r, report)
        self.assertIn(" 1 failures, 1 errors,", text)

    def test_nickname_in_use(self):
        ircd = self.start_ircd()
        client = self.join("loads")  # the observer's nickname is taken
        r, report = self.run_observed("--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(ircd.port),
                                      "--observer-irc-channel", "#loads", "--observer-irc-ssl", "no")
        self.assertRun(r, 0)
        self.assertEqual(self.observer_lines(r),
                         [f"loads-runner: observer 'irc': sent to #loads on 127.0.0.1:{ircd.port} as loads_"],
                         repr(r))
        [text] = self.posted(client, "loads_")
        self.check_summary(text, r, report)

    def tls_server(self):
        certs = harness.TestCertificates()
        self.addCleanup(certs.cleanup)
        return certs, self.start_ircd(tls=certs)

    def test_tls_verified_with_the_ca_file(self):
        certs, ircd = self.tls_server()
        client = self.join("watcher")  # plain port: the channel is the same
        # By name: the certificate's host name is checked (and localhost may try ::1 first, where
        # nothing listens).
        r, report = self.run_observed("--observer-irc-server", "localhost", "--observer-irc-port", str(ircd.tls_port),
                                      "--observer-irc-channel", "#loads", "--observer-irc-ca-file", certs.ca)
        self.assertRun(r, 0)
        self.assertEqual(self.observer_lines(r),
                         [f"loads-runner: observer 'irc': sent to #loads on localhost:{ircd.tls_port} over TLS"],
                         repr(r))
        [text] = self.posted(client, "loads")
        self.check_summary(text, r, report)

    def test_tls_refused_without_the_ca(self):
        _, ircd = self.tls_server()
        r, _ = self.run_observed("--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(ircd.tls_port),
                                 "--observer-irc-channel", "#loads")
        self.assertRun(r, 0)
        [line] = self.observer_lines(r)
        self.assertTrue(line.startswith(f"loads-runner: observer 'irc' failed: TLS with 127.0.0.1:{ircd.tls_port} "
                                        "failed: certificate verify failed"), line)

    def test_join_refused(self):
        ircd = self.start_ircd()
        op = self.join("keeper", "#closed")  # first in: channel operator
        op.send("MODE #closed +i")
        op.until(lambda m: m[1] == "MODE")
        r, _ = self.run_observed("--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(ircd.port),
                                 "--observer-irc-channel", "#closed", "--observer-irc-ssl", "false")
        self.assertRun(r, 0)
        [line] = self.observer_lines(r)
        self.assertRegex(line, rf"^loads-runner: observer 'irc' failed: 127\.0\.0\.1:{ircd.port}: cannot join "
                               r"#closed: .*\(473\)$")

    def test_server_password(self):
        ircd = self.start_ircd(password="s3cret word")
        client = self.join("watcher", password="s3cret word")
        common = ["--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(ircd.port),
                  "--observer-irc-channel", "#loads", "--observer-irc-ssl", "false"]
        r, report = self.run_observed(*common, "--observer-irc-password", "s3cret word")
        self.assertRun(r, 0)
        self.assertEqual(self.observer_lines(r),
                         [f"loads-runner: observer 'irc': sent to #loads on 127.0.0.1:{ircd.port}"], repr(r))
        [text] = self.posted(client, "loads")
        self.check_summary(text, r, report)

        r, _ = self.run_observed(*common, "--observer-irc-password", "wrong")
        self.assertRun(r, 0)
        [line] = self.observer_lines(r)
        self.assertTrue(line.startswith(f"loads-runner: observer 'irc' failed: 127.0.0.1:{ircd.port}: "), line)
        self.assertIn("assword", line)

    def test_unreachable_server(self):
        port = free_port()  # nothing listens there
        r, report = self.run_observed("--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(port),
                                      "--observer-irc-ssl", "false")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Hits"), 2)
        self.assertEqual(self.observer_lines(r),
                         [f"loads-runner: observer 'irc' failed: cannot connect to 127.0.0.1:{port}: "
                          "Connection refused"], repr(r))

    def test_server_that_never_answers(self):
        # Accepts, reads what the observer says, and never answers: the observer's deadline ends it.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        self.addCleanup(listener.close)
        received = []

        def serve():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(30)
                try:
                    while True:
                        data = conn.recv(4096)
                        if not data:
                            return
                        received.append(data)
                except OSError:
                    return

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        started = time.monotonic()
        r, _ = self.run_observed("--observer-irc-server", "127.0.0.1", "--observer-irc-port", str(port),
                                 "--observer-irc-ssl", "false", timeout=2)
        elapsed = time.monotonic() - started
        self.assertRun(r, 0)
        [line] = self.observer_lines(r)
        self.assertTrue(line.startswith("loads-runner: observer 'irc' failed: "), line)
        self.assertRegex(line, rf"127\.0\.0\.1:{port}.*no answer|no answer within 2 s")
        self.assertLess(elapsed, 10, repr(r))
        thread.join(timeout=10)
        # It did open the dialogue as the seed did.
        self.assertEqual(b"".join(received), b"NICK loads\r\nUSER loads 0 * :loads\r\n")


if __name__ == "__main__":
    import unittest
    unittest.main()
