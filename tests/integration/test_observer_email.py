"""The email observer against a real SMTP server: aiosmtpd (Debian's python3-aiosmtpd) on loopback,
plain, with STARTTLS and AUTH (PLAIN and LOGIN), and with implicit TLS. Each delivered message is
read back with Python's email package (headers decoded, Date parsed, the run's real figures in
the body, checked against the runner's own json report). Failures (wrong password, STARTTLS
required but not offered, an untrusted certificate, credentials that would travel unencrypted,
nobody listening, a server that never answers, a header injection) cost one line and never the
run, and deliver nothing."""
import datetime
import email
import email.policy
import json
import os
import re
import shutil
import socket
import ssl
import tempfile
import logging
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

import harness

# aiosmtpd's own chatter (a refused TLS handshake's traceback, its deprecation of a field it reads
# itself) is not this test's output.
logging.getLogger("mail.log").setLevel(logging.CRITICAL)
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")

RUN = ("fixtures.Slow.test_get_and_pause", "-u", "1", "--hits", "2")
LINE = re.compile(r"^loads-runner: observer 'email'.*$", re.M)
USER, PASSWORD = "loads", "s3cret pass"


def free_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collector:
    """The aiosmtpd handler: keeps every delivered message and its envelope."""

    def __init__(self):
        self.messages = []   # envelope.content (bytes) of each DATA
        self.envelopes = []  # (mail_from, rcpt_tos, TLS or not)
        self.logins = []     # (mechanism, login, accepted) of each AUTH attempt

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), tls))
        return "250 2.0.0 Message accepted for delivery"

    def authenticator(self, server, session, envelope, mechanism, auth_data):
        accepted = (isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
                    and auth_data.password == PASSWORD.encode())
        self.logins.append((mechanism, getattr(auth_data, "login", None), accepted))
        # handled=False: aiosmtpd answers the refusal itself (535).
        return AuthResult(success=accepted, handled=False)


class SmtpServer:
    """aiosmtpd's Controller on 127.0.0.1. Version 1.4.3 cannot listen on port 0 (it connects to
    its own port to start), so a free port is chosen, and chosen again if someone took it."""

    def __init__(self, **kwargs):
        self.collector = Collector()
        if kwargs.pop("auth", False):
            kwargs["authenticator"] = self.collector.authenticator
        error = None
        for _ in range(5):
            self.port = free_port()
            self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port, **kwargs)
            try:
                self.controller.start()
                return
            except Exception as e:  # the port was taken in between: try another
                error = e
                try:
                    self.controller.stop()
                except Exception:
                    pass
        raise RuntimeError(f"aiosmtpd did not start: {error!r}")

    def stop(self):
        self.controller.stop()


class SilentServer:
    """Accepts connections and never says a word."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def stop(self):
        self.sock.close()
        self.thread.join(timeout=10)
        for conn in self.connections:
            conn.close()


class EmailObserver(harness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.certs = harness.TestCertificates()

    @classmethod
    def tearDownClass(cls):
        cls.certs.cleanup()
        super().tearDownClass()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="loads-email-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def smtp(self, **kwargs):
        server = SmtpServer(**kwargs)
        self.addCleanup(server.stop)
        return server

    def server_tls(self):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certs.cert, self.certs.key)
        return context

    def run_loads(self, port, *args, host="127.0.0.1", test=RUN, rc=0):
        """A short run told by email to host:port. @return (result, the runner's json report)."""
        report = os.path.join(self.tmp, "report.json")
        r = harness.run(*test, "--server-url", self.server.url, "--output", "json", "--output-json-filename", report,
                        "--observer", "email", "--observer-email-host", host, "--observer-email-port", str(port),
                        *args)
        self.assertRun(r, rc)
        with open(report) as f:
            return r, json.load(f)

    def email_line(self, r):
        """The runner's one line about the email observer (and that it is the only one)."""
        lines = LINE.findall(r.err)
        self.assertEqual(len(lines), 1, r)
        return lines[0]

    def parsed(self, server):
        """The one message `server` received, parsed, with the checks every message must pass."""
        self.assertEqual(len(server.collector.messages), 1)
        message = email.message_from_bytes(server.collector.messages[0], policy=email.policy.default)
        self.assertEqual(message.defects, [])
        self.assertEqual(message["MIME-Version"], "1.0")
        self.assertEqual(message.get_content_type(), "text/plain")
        self.assertEqual(message.get_content_charset(), "utf-8")
        self.assertIn(message["Content-Transfer-Encoding"], ("7bit", "quoted-printable", "base64"))
        date = message["Date"].datetime
        self.assertIsNotNone(date.tzinfo)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - date).total_seconds()), 120)
        self.assertRegex(message["Message-ID"], r"^<[0-9a-f]{32}@[A-Za-z0-9.-]+>$")
        self.assertRegex(message["X-Mailer"], r"^loads \S+$")
        return message

    def delivered(self, server, report):
        """The one message of a RUN `server` received: parsed, checked, its body against `report`."""
        message = self.parsed(server)
        # The body: the host's sentence first, then the details, with the runner's own figures.
        body = message.get_content().replace("\r\n", "\n")  # as received: SMTP's CRLF
        totals = report["totals"]
        self.assertEqual((totals["hits"], totals["tests"]), (2, 2))
        self.assertRegex(body, r"^Test over\. Ran 2 tests in \d+\.\d\d s\. 2 hits, \d+\.\d\d RPS\. "
                               r"0 failures, 0 errors, p50 \d+\.\d ms, p99 \d+\.\d ms\. Run \S+: completed\.\n")
        self.assertIn(f"\nHits: {totals['hits']}\n", body)
        self.assertIn(f"\nTests: {totals['tests']} finished, {totals['successes']} passed, 0 failures, 0 errors\n",
                      body)
        self.assertIn("\nTest: fixtures.Slow.test_get_and_pause\n", body)
        self.assertIn("\nStatuses: 200: 2\n", body)
        run_id = re.search(r"^Run ID: (\S+)$", body, re.M).group(1)
        self.assertIn(f"Run {run_id}: completed.", body)
        return message

    def test_plain_delivery_with_encoded_names_and_subject(self):
        server = self.smtp()
        subject = "Résultats du test de charge ✓ — tout s’est bien passé, et ce sujet est assez long pour être plié"
        r, report = self.run_loads(server.port, "--observer-email-sender", "Zoë Lœads-Bot <zoe@example.org>",
                                   "--observer-email-recipient", 'ops@example.org, "Doe, Jane" <jane@example.net>',
                                   "--observer-email-subject", subject)
        self.assertEqual(self.email_line(r), f"loads-runner: observer 'email': sent to ops@example.org, "
                                             f"jane@example.net via 127.0.0.1:{server.port}")
        self.assertEqual(server.collector.envelopes,
                         [("zoe@example.org", ["ops@example.org", "jane@example.net"], False)])
        message = self.delivered(server, report)
        self.assertEqual(message["Subject"], subject)
        sender = message["From"].addresses
        self.assertEqual([(a.display_name, a.addr_spec) for a in sender], [("Zoë Lœads-Bot", "zoe@example.org")])
        to = message["To"].addresses
        self.assertEqual([(a.display_name, a.addr_spec) for a in to],
                         [("", "ops@example.org"), ("Doe, Jane", "jane@example.net")])
        self.assertTrue(message["Message-ID"].endswith("@example.org>"))
        # On the wire: ASCII headers (encoded words), lines within the limits, CRLF only.
        raw = server.collector.messages[0]
        head = raw.split(b"\r\n\r\n", 1)[0]
        self.assertTrue(head.isascii())
        self.assertIn(b"=?utf-8?", head)
        for line in head.split(b"\r\n"):
            self.assertLessEqual(len(line), 78)

    def test_a_failing_run_with_odd_bytes_goes_quoted_printable(self):
        # fixtures.Report.test_mixed: a pass, a failure (a 404), then an error whose message holds
        # a line break, a control character and a byte that is not UTF-8.
        server = self.smtp()
        r, report = self.run_loads(server.port, test=("fixtures.Report.test_mixed", "-u", "1", "--hits", "3"), rc=1)
        self.assertIn("': sent to tarek@mozilla.com via", self.email_line(r))
        message = self.parsed(server)
        self.assertEqual(message["Content-Transfer-Encoding"], "quoted-printable")
        raw = server.collector.messages[0]
        self.assertTrue(raw.isascii())
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 76)
        body = message.get_content().replace("\r\n", "\n")
        totals = report["totals"]
        self.assertEqual((totals["tests"], totals["failures"], totals["errors"]), (3, 1, 1))
        self.assertRegex(body, rf"^Test over\. Ran 3 tests in \d+\.\d\d s\. {totals['hits']} hits, \d+\.\d\d RPS\. "
                               r"1 failures, 1 errors, ")
        self.assertIn(f"\nHits: {totals['hits']}\n", body)
        self.assertIn("\nTests: 3 finished, 1 passed, 1 failures, 1 errors\n", body)
        self.assertIn("\nCounter report-runs: 1\n", body)
        self.assertIn('\nError x1: std::runtime_error: bad <tag> & "quotes"\nsecond line \x01 \ufffd', body)
        self.assertIn("\nFailure x1: ", body)

    def test_auth_plain_over_starttls(self):
        server = self.smtp(tls_context=self.server_tls(), require_starttls=True, auth=True, auth_required=True)
        # localhost: the certificate's name is checked (::1 may come first, where nothing listens).
        r, report = self.run_loads(server.port, "--observer-email-user", USER, "--observer-email-password", PASSWORD,
                                   "--observer-email-ca-file", self.certs.ca,
                                   "--observer-email-recipient", "Ops <ops@example.org>", host="localhost")
        self.assertEqual(self.email_line(r),
                         f"loads-runner: observer 'email': sent to ops@example.org via localhost:{server.port}")
        self.assertEqual(server.collector.logins, [("PLAIN", USER.encode(), True)])
        self.assertEqual(server.collector.envelopes, [("tarek@mozilla.com", ["ops@example.org"], True)])
        message = self.delivered(server, report)
        self.assertEqual(message["Subject"], "Loads Results")
        self.assertEqual(str(message["From"]), "tarek@mozilla.com")
        self.assertEqual(str(message["To"]), "Ops <ops@example.org>")
        self.assertTrue(message["Message-ID"].endswith("@mozilla.com>"))

    def test_auth_login_when_plain_is_not_offered(self):
        server = self.smtp(tls_context=self.server_tls(), require_starttls=True, auth=True, auth_required=True,
                           auth_exclude_mechanism=["PLAIN"])
        r, report = self.run_loads(server.port, "--observer-email-user", USER, "--observer-email-password", PASSWORD,
                                   "--observer-email-ca-file", self.certs.ca)
        self.assertIn("': sent to tarek@mozilla.com via", self.email_line(r))
        self.assertEqual(server.collector.logins, [("LOGIN", USER.encode(), True)])
        self.delivered(server, report)

    def test_implicit_tls(self):
        server = self.smtp(ssl_context=self.server_tls())
        r, report = self.run_loads(server.port, "--observer-email-ssl", "yes", "--observer-email-starttls", "required",
                                   "--observer-email-ca-file", self.certs.ca)
        self.assertEqual(self.email_line(r), f"loads-runner: observer 'email': sent to tarek@mozilla.com "
                                             f"via 127.0.0.1:{server.port}")
        self.assertEqual(server.collector.envelopes, [("tarek@mozilla.com", ["tarek@mozilla.com"], True)])
        self.delivered(server, report)

    def test_wrong_password_sends_nothing(self):
        server = self.smtp(tls_context=self.server_tls(), require_starttls=True, auth=True, auth_required=True)
        r, _ = self.run_loads(server.port, "--observer-email-user", USER, "--observer-email-password", "wrong",
                              "--observer-email-ca-file", self.certs.ca)
        self.assertEqual(self.email_line(r),
                         f"loads-runner: observer 'email' failed: authentication refused by 127.0.0.1:{server.port}: "
                         "5.7.8 Authentication credentials invalid")
        self.assertEqual(server.collector.logins, [("PLAIN", USER.encode(), False)])
        self.assertEqual(server.collector.messages, [])

    def test_credentials_never_travel_unencrypted(self):
        # A server offering AUTH without TLS: the password is not sent, nothing is.
        server = self.smtp(auth=True, auth_require_tls=False)
        r, _ = self.run_loads(server.port, "--observer-email-user", USER, "--observer-email-password", PASSWORD)
        self.assertEqual(self.email_line(r),
                         f"loads-runner: observer 'email' failed: not sending the password to 127.0.0.1:{server.port} "
                         "unencrypted: the server does not offer STARTTLS")
        self.assertNotIn(PASSWORD, r.err + r.out)
        self.assertEqual(server.collector.logins, [])
        self.assertEqual(server.collector.messages, [])

    def test_starttls_required_but_not_offered(self):
        server = self.smtp()
        r, _ = self.run_loads(server.port, "--observer-email-starttls", "required")
        self.assertEqual(self.email_line(r),
                         f"loads-runner: observer 'email' failed: 127.0.0.1:{server.port} does not offer STARTTLS "
                         "(starttls is 'required')")
        self.assertEqual(server.collector.messages, [])

    def test_untrusted_certificate_is_no_reason_to_fall_back_to_plaintext(self):
        server = self.smtp(tls_context=self.server_tls())
        r, _ = self.run_loads(server.port)  # STARTTLS offered; the system's CAs do not know ours
        self.assertEqual(self.email_line(r),
                         f"loads-runner: observer 'email' failed: TLS with 127.0.0.1:{server.port} failed: "
                         "certificate verify failed (unable to get local issuer certificate)")
        self.assertEqual(server.collector.messages, [])

    def test_nobody_listening(self):
        port = free_port()
        r, report = self.run_loads(port)
        self.assertEqual(self.email_line(r),
                         f"loads-runner: observer 'email' failed: cannot connect to 127.0.0.1:{port}: Connection refused")
        self.assertEqual(report["totals"]["hits"], 2)

    def test_a_server_that_never_answers(self):
        silent = SilentServer()
        self.addCleanup(silent.stop)
        started = time.monotonic()
        r, _ = self.run_loads(silent.port, "--observer-timeout", "2")
        elapsed = time.monotonic() - started
        line = self.email_line(r)
        self.assertTrue(line.startswith("loads-runner: observer 'email' failed: "), line)
        self.assertIn("no answer within", line)
        self.assertEqual(len(silent.connections), 1)
        self.assertLess(elapsed, 15, r)

    def test_header_injection_is_refused(self):
        server = self.smtp()
        r, _ = self.run_loads(server.port, "--observer-email-subject", "Results\r\nBcc: victim@example.com")
        self.assertEqual(self.email_line(r), "loads-runner: observer 'email' failed: subject contains a line break")
        r, _ = self.run_loads(server.port, "--observer-email-recipient", "ops@example.org\nBcc: victim@example.com")
        self.assertEqual(self.email_line(r), "loads-runner: observer 'email' failed: recipient contains a line break")
        self.assertEqual(server.collector.messages, [])


if __name__ == "__main__":
    import unittest
    unittest.main()
