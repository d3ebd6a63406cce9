"""HTTPS and WSS against the sample server in TLS mode, with a CA the test makes: verification
on by default (and refused without the CA), off with --insecure, BYPASS_SSL_CHECK or per
session, and TLS sessions resumed when a connection is re-opened."""
import harness


class Tls(harness.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = harness.TestCertificates()
        cls.server = harness.Server(tls=cls.certs)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.certs.cleanup()

    def run_test(self, test, *args, env_extra=None, url=None):
        return harness.run(test, "--server-url", url or self.server.url, *args, env_extra=env_extra)

    def test_server_speaks_https(self):
        self.assertTrue(self.server.url.startswith("https://127.0.0.1:"), self.server.url)

    def test_verified_with_the_test_ca(self):
        r = self.run_test("web.Http.test_get", "--ca-file", self.certs.ca, "-u", "3", "--hits", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 6)

    def test_host_name_is_verified_too(self):
        r = self.run_test("web.Http.test_get", "--ca-file", self.certs.ca,
                          url=f"https://localhost:{self.server.port}")
        self.assertRun(r, 0)

    def test_the_system_store_is_a_hashed_directory(self):
        # SSL_CERT_DIR stands for /etc/ssl/certs: a directory of certificates named by subject
        # hash, looked up as a handshake needs them (the runner no longer reads a whole bundle
        # at start-up). Verified with the test CA there, refused with an empty one.
        import os
        import shutil
        import subprocess
        import tempfile
        store = tempfile.mkdtemp(prefix="loads-certdir-")
        empty = tempfile.mkdtemp(prefix="loads-certdir-")
        try:
            shutil.copy(self.certs.ca, os.path.join(store, "test-ca.pem"))
            subprocess.run(["openssl", "rehash", store], check=True, capture_output=True)
            r = self.run_test("web.Http.test_get", "-u", "2", env_extra={"SSL_CERT_DIR": store})
            self.assertRun(r, 0)
            self.assertEqual(r.field("Success"), 2)
            r = self.run_test("web.Http.test_get", env_extra={"SSL_CERT_DIR": empty})
            self.assertRun(r, 1)
            self.assertIn("certificate verify failed", r.err)
        finally:
            shutil.rmtree(store)
            shutil.rmtree(empty)

    def test_a_dead_kept_alive_connection_is_reopened_transparently(self):
        # The server answers one request per connection, then closes it without saying so: the
        # second GET finds its connection dead and is sent again on a new one.
        raw = harness.RawServer(tls=self.certs)
        self.addCleanup(raw.stop)
        r = harness.run("fixtures.Raw.test_stale_connection", "--server-url", raw.url, "--ca-file", self.certs.ca)
        self.assertRun(r, 0)
        self.assertEqual(r.counter("both-ok"), 1)
        self.assertEqual(r.field("Hits"), 2)
        self.assertEqual(raw.connections, 2)

    def test_ssl_cert_file_is_trusted_from_the_first_verified_connection(self):
        # The store is read when the first verified connection needs it, by whichever worker
        # thread gets there first: 4 users on 2 threads all verify against SSL_CERT_FILE's CA.
        import tempfile
        with tempfile.TemporaryDirectory(prefix="loads-certdir-") as empty:
            r = self.run_test("web.Http.test_get", "-u", "4", "--threads", "2",
                              env_extra={"SSL_CERT_FILE": self.certs.ca, "SSL_CERT_DIR": empty})
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 4)

    def test_refused_without_the_ca(self):
        r = self.run_test("web.Http.test_get", "-u", "2")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 2)
        self.assertEqual(r.field("Hits"), 0)
        self.assertIn("loads::SSLError: TLS handshake with", r.err)
        self.assertIn("certificate verify failed", r.err)

    def test_insecure_option(self):
        r = self.run_test("web.Http.test_get", "--insecure")
        self.assertRun(r, 0)

    def test_bypass_ssl_check_variable(self):
        r = self.run_test("web.Http.test_get", env_extra={"BYPASS_SSL_CHECK": "1"})
        self.assertRun(r, 0)

    def test_verification_off_per_session(self):
        r = self.run_test("web.Http.test_no_verify_per_request")
        self.assertRun(r, 0)

    def test_session_resumed_on_reconnect(self):
        r = self.run_test("web.Http.test_tls_resumed", "--ca-file", self.certs.ca, "-u", "2", "--hits", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 4)

    def test_cookies_secure_attribute_over_https(self):
        r = self.run_test("web.Http.test_cookies", "--ca-file", self.certs.ca)
        self.assertRun(r, 0)

    def test_wss_echo(self):
        r = self.run_test("web.Sockets.test_echo", "--ca-file", self.certs.ca, "-u", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Opened web sockets"), 2)

    def test_wss_refused_without_the_ca(self):
        r = self.run_test("web.Sockets.test_echo")
        self.assertRun(r, 1)
        self.assertIn("loads::SSLError", r.err)

    def test_missing_ca_file_is_a_usage_error(self):
        r = self.run_test("web.Http.test_get", "--ca-file", "/nonexistent/ca.pem")
        self.assertRun(r, 2)
        self.assertIn("cannot load --ca-file '/nonexistent/ca.pem'", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r.err)
