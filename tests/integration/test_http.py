"""The Requests-like session and the WebTest-like app, against the real sample server over plain
HTTP: cookies, redirects (each hop a hit), JSON both ways, forms, parameters, basic auth, and
WebTest's status rule."""
import harness


class Session(harness.ServerTestCase):
    def run_test(self, test, *args):
        return harness.run(f"web.Http.{test}", "--server-url", self.server.url, *args)

    def assertPasses(self, test, hits, users=1):
        r = self.run_test(test, "-u", str(users))
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), users)
        self.assertEqual(r.field("Hits"), hits * users)
        return r

    def test_cookies_round_trip_like_a_browser(self):
        self.assertPasses("test_cookies", hits=7, users=3)

    def test_cookie_set_during_a_redirect_is_sent_on_the_next_hop(self):
        self.assertPasses("test_cookie_set_during_redirect", hits=2)

    def test_each_redirect_hop_is_a_hit(self):
        r = self.run_test("test_redirect_chain", "-u", "2", "--hits", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 6)
        self.assertEqual(r.field("Hits"), 6 * 4)  # /redirect/3, 2, 1, 0

    def test_redirects_can_be_returned_instead(self):
        self.assertPasses("test_redirect_not_followed", hits=1)

    def test_redirect_method_rules_follow_requests(self):
        self.assertPasses("test_redirect_methods", hits=12)

    def test_credentials_are_not_sent_to_another_host(self):
        self.assertPasses("test_auth_not_sent_to_another_host", hits=4)

    def test_too_many_redirects_is_an_error_after_counting_the_hops(self):
        r = self.run_test("test_too_many_redirects")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 1)
        self.assertEqual(r.field("Hits"), 6)  # the request and 5 redirects followed
        self.assertIn("loads::TooManyRedirects: exceeded 5 redirects, the last to", r.err)
        self.assertIn("/redirect/4", r.err)

    def test_json_both_ways(self):
        self.assertPasses("test_json_both_ways", hits=2)

    def test_a_body_bigger_than_the_socket_takes_at_once_goes_whole(self):
        self.assertPasses("test_big_post", hits=2, users=2)

    def test_invalid_json_is_a_readable_error(self):
        r = self.run_test("test_bad_json")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 1)
        self.assertIn(f"loads::JsonError: invalid JSON from {self.server.url}/bad-json", r.err)
        self.assertIn("""(the body begins '{"name": "loads", oops}')""", r.err)

    def test_json_read_as_the_wrong_type_names_the_path(self):
        r = self.run_test("test_wrong_json_type")
        self.assertRun(r, 1)
        self.assertIn("loads::JsonError: $.name is a string, not an integer", r.err)

    def test_forms_parameters_and_headers(self):
        self.assertPasses("test_form_params_and_headers", hits=3)

    def test_basic_auth(self):
        self.assertPasses("test_basic_auth", hits=3, users=2)

    def test_raise_for_status(self):
        r = self.run_test("test_raise_for_status")
        self.assertRun(r, 1)
        self.assertIn(f"loads::HTTPError: 503 Server Error: Service Unavailable for url: {self.server.url}/status/503",
                      r.err)

    def test_a_name_with_both_loopback_addresses_reaches_an_ipv4_only_server(self):
        port = self.server.url.rsplit(":", 1)[1]
        r = harness.run("web.Http.test_get", "--server-url", f"http://localhost:{port}", "-u", "4", "--hits", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 12)


    def test_a_plugin_built_for_abi_1_0_still_runs(self):
        r = harness.run("abi_v10.Old.test_redirect", "--server-url", self.server.url, "--hits", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 2)
        self.assertEqual(r.field("Hits"), 2 * 3)


class SessionIPv6(harness.TestCase):
    def test_a_name_with_both_loopback_addresses_reaches_an_ipv6_only_server(self):
        server = harness.Server(host="::1")
        try:
            port = server.port
            r = harness.run("web.Http.test_get", "--server-url", f"http://localhost:{port}", "-u", "4", "--hits", "3")
            self.assertRun(r, 0)
            self.assertEqual(r.field("Success"), 12)
        finally:
            server.stop()


class App(harness.ServerTestCase):
    def run_test(self, test, *args):
        return harness.run(f"web.Http.{test}", "--server-url", self.server.url, *args)

    def test_webtest_calls_status_rule_and_follow(self):
        r = self.run_test("test_app", "-u", "2")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 2)
        self.assertEqual(r.field("Hits"), 2 * 9)

    def test_an_unexpected_status_is_a_failure(self):
        r = self.run_test("test_app_status_rule", "--hits", "2")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Failures"), 2)
        self.assertEqual(r.field("Errors"), 0)
        self.assertIn(f"loads::AppError: Bad response: 404 Not Found (not 200 OK or 3xx redirect for "
                      f"{self.server.url}/status/404)", r.err)

    def test_a_named_status_must_match(self):
        r = self.run_test("test_app_wrong_expected_status")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Failures"), 1)
        self.assertIn("loads::AppError: Bad response: 200 OK (not 201)", r.err)

    def test_server_url_can_change_at_run_time(self):
        r = self.run_test("test_app_server_url_changes")
        self.assertRun(r, 0)

    def test_without_server_url_the_error_says_how_to_set_it(self):
        r = harness.run("web.NoServerUrl.test_app", "--hits", "2")
        self.assertRun(r, 1)
        self.assertEqual(r.field("Errors"), 2)
        self.assertIn("loads::ConfigurationError: to use app (WebTest's TestApp), set server_url in the test class "
                      "or run loads-runner with --server-url", r.err)

    def test_the_seed_sample_passes(self):
        r = harness.run("example.TestWebSite.test_app_status", "--server-url", self.server.url, "-u", "3")
        self.assertRun(r, 0)
        self.assertEqual(r.field("Success"), 3)
