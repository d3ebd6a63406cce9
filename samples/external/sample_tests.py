"""Load tests for loads_external.py, against loads-sample-server:

    loads-sample-server --port 9000 &
    loads-runner --test-runner "/usr/bin/python3 loads_external.py {test}" \\
        sample_tests.TestSample.test_hello --server-url http://127.0.0.1:9000 -u 10 --hits 5
"""
import loads_external


class TestSample(loads_external.TestCase):
    server_url = "http://127.0.0.1:9000"  # the default; --server-url replaces it

    def test_hello(self):
        res = self.session.get(self.server_url + "/")
        self.assertEqual(res.status, 200)
        self.incr_counter("hello")

    def test_echo(self):
        res = self.session.post(self.server_url + "/echo", data="ping", headers={"Content-Type": "text/plain"})
        self.assertEqual(res.status, 200)
        self.assertEqual(res.text, "ping")

    # The server answers 500: an assertion failure, with this file and line in the digest.
    def test_fails(self):
        res = self.session.get(self.server_url + "/status/500")
        self.assertEqual(res.status, 200)
