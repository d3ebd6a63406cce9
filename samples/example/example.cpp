// The seed's first example, ported, plus tests that show the other outcomes a load test reports:
// a failure (an assertion), an error (an exception), custom counters and a per-user pause.
// Run it against the sample server:
//   loads-sample-server --port 9000 &
//   loads-runner example.TestWebSite.test_es --server-url http://127.0.0.1:9000 -u 10:20:30 --hits 20
#include <loads/loads.hpp>

#include <stdexcept>
#include <string>
#include <vector>

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
        auto res = session.get(server_url + "/auth", {.auth = loads::BasicAuth{"tarek", "pass"}});
        assertEqual(res.status_code, 200);
        assertEqual(res.text, "tarek");
    }

    // The seed's test_something: one GET, then two web socket echoes checked through the
    // callback, as with ws4py. (`app` is WebTest's TestApp: paths are relative to server_url.)
    void test_something() {
        assertIn("chatform", app.get("/").text);

        std::vector<std::string> results;
        auto ws =
            create_ws(web_socket_url() + "/ws", [&](const loads::WsMessage& m) { results.push_back(m.data); },
                      {"chat", "http-only"});
        ws.send("something");
        ws.receive();
        ws.send("happy");
        ws.receive();
        assertEqual(results.size(), 2u);
        assertEqual(results[0], "something");
        assertEqual(results[1], "happy");
        incr_counter("web-socket-echoes", 2);
    }

    // WebTest's status rule: a 404 fails the test unless the call says it expects one.
    void test_app_status() {
        app.get("/status/404", {.status = 404});
        auto res = app.get("/auth", {.expect_errors = true});
        assertEqual(res.status_code, 401);
    }

    // Pauses this user only; the other users keep sending requests meanwhile.
    void test_think() {
        session.get(server_url + "/");
        sleep(0.1);
        session.get(server_url + "/delay/10");
    }

private:
    // ws://host:port for http://host:port (wss:// for https://).
    std::string web_socket_url() const {
        return server_url.starts_with("https://") ? "wss://" + server_url.substr(8)
                                                  : "ws://" + server_url.substr(7);
    }
};

LOADS_TESTS(TestWebSite, test_es, test_counted, test_fails, test_errors, test_auth, test_something,
            test_app_status, test_think)
