// The seed's first example, ported, plus tests that show the other outcomes a load test reports:
// a failure (an assertion), an error (an exception), custom counters and a per-user pause.
// Run it against the sample server:
//   loads-sample-server --port 9000 &
//   loads-runner example.TestWebSite.test_es --server-url http://127.0.0.1:9000 -u 10:20:30 --hits 20
#include <loads/loads.hpp>

#include <stdexcept>

class TestWebSite : public loads::TestCase {
public:
    // The class default; --server-url replaces it.
    TestWebSite() { server_url = "http://127.0.0.1:9000"; }

    void test_es() {
        auto res = session.get(server_url + "/");
        assertEqual(res.status_code, 200);
        assertIn("chatform", res.text);
    }

    // Counts each visit; the summary lists it under "Custom metrics".
    void test_counted() {
        auto res = session.get(server_url + "/");
        assertEqual(res.status_code, 200);
        incr_counter("home-visits");
    }

    // The service answers 500: an assertion failure, with this file and line in the digest.
    void test_fails() {
        auto res = session.get(server_url + "/status/500");
        assertEqual(res.status_code, 200);
    }

    // An exception that is not an assertion is an error.
    void test_errors() {
        session.get(server_url + "/");
        throw std::runtime_error("the test gave up");
    }

    // Basic auth: /auth echoes the user name.
    void test_auth() {
        auto res = session.get(server_url + "/auth", {{"Authorization", "Basic dGFyZWs6cGFzcw=="}});
        assertEqual(res.status_code, 200);
        assertEqual(res.text, "tarek");
    }

    // Pauses this user only; the other users keep sending requests meanwhile.
    void test_think() {
        session.get(server_url + "/");
        sleep(0.1);
        session.get(server_url + "/delay/10");
    }
};

LOADS_TESTS(TestWebSite, test_es, test_counted, test_fails, test_errors, test_auth, test_think)
