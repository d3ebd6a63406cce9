// Test plugin for the HTTP, WebTest and web socket integration tests (test_http.py, test_tls.py,
// test_websocket.py). Every test runs against the sample server given with --server-url.
#include <loads/loads.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace {

std::string web_socket_url(const std::string& http_url) {
    return http_url.starts_with("https://") ? "wss://" + http_url.substr(8) : "ws://" + http_url.substr(7);
}

}  // namespace

class Http : public loads::TestCase {
public:
    void test_get() { assertEqual(session.get(server_url + "/").status_code, 200); }

    // /tls says whether the TLS session of the connection was resumed; Connection: close makes
    // the client reconnect for the second request.
    void test_tls_resumed() {
        const auto first = session.get(server_url + "/tls", {.headers = {{"Connection", "close"}}});
        assertIn("version: TLSv1.", first.text);  // resumed or not: a test before may have connected
        const auto second = session.get(server_url + "/tls");
        assertIn("reused: 1", second.text);
    }

    void test_no_verify_per_request() {
        session.verify = false;
        assertEqual(session.get(server_url + "/").status_code, 200);
    }

    void test_cookies() {
        session.get(server_url + "/response-headers",
                    {.params = {{"Set-Cookie", "a=1; Path=/"}, {"Set-Cookie", "b=two; Path=/; HttpOnly"}}});
        auto doc = session.get(server_url + "/cookies").json();
        assertEqual(doc["a"].as_string(), "1");
        assertEqual(doc["b"].as_string(), "two");
        // Deleted by the server: not sent any more.
        session.get(server_url + "/response-headers", {.params = {{"Set-Cookie", "a=; Max-Age=0; Path=/"}}});
        doc = session.get(server_url + "/cookies").json();
        assertFalse(doc.contains("a"));
        assertEqual(doc.size(), 1u);
        // Path-scoped and Secure cookies are kept to their scope.
        session.get(server_url + "/response-headers",
                    {.params = {{"Set-Cookie", "scoped=1; Path=/elsewhere"}}});
        session.get(server_url + "/response-headers",
                    {.params = {{"Set-Cookie", "secret=1; Path=/; Secure"}}});
        doc = session.get(server_url + "/cookies").json();
        assertFalse(doc.contains("scoped"));
        assertEqual(doc.contains("secret"), server_url.starts_with("https://"));
    }

    void test_cookie_set_during_redirect() {
        auto res = session.get(server_url + "/set-cookie-redirect", {.params = {{"flavour", "chocolate"}}});
        assertEqual(res.redirects, 1u);
        assertEqual(res.json()["flavour"].as_string(), "chocolate");
    }

    void test_redirect_chain() {
        auto res = session.get(server_url + "/redirect/3");
        assertEqual(res.status_code, 200);
        assertEqual(res.text, "redirected");
        assertEqual(res.redirects, 3u);
        assertEqual(res.url, server_url + "/redirect/0");
    }

    void test_redirect_not_followed() {
        auto res = session.get(server_url + "/redirect/3", {.allow_redirects = false});
        assertEqual(res.status_code, 302);
        assertEqual(res.headers["Location"], "/redirect/2");
        assertTrue(res.is_redirect());
    }

    // 303 turns a POST into a GET without body; 307 resends it as it was.
    void test_redirect_methods() {
        auto see_other = session.post(server_url + "/redirect-to", "payload",
                                      {.params = {{"url", "/echo"}, {"status", "303"}}});
        assertEqual(see_other.headers["X-Echo-Method"], "GET");
        assertEqual(see_other.text, "");
        auto found = session.post(server_url + "/redirect-to", "payload", {.params = {{"url", "/echo"}}});
        assertEqual(found.headers["X-Echo-Method"], "GET");
        auto temporary = session.post(server_url + "/redirect-to", "payload",
                                      {.params = {{"url", "/echo"}, {"status", "307"}}});
        assertEqual(temporary.headers["X-Echo-Method"], "POST");
        assertEqual(temporary.text, "payload");
        // Requests: 302 makes a GET of everything but HEAD; 301 keeps a PUT but drops its body.
        auto found_put = session.put(server_url + "/redirect-to", "data",
                                     {.params = {{"url", "/echo"}, {"status", "302"}}});
        assertEqual(found_put.headers["X-Echo-Method"], "GET");
        auto moved_put = session.put(server_url + "/redirect-to", "data",
                                     {.params = {{"url", "/echo"}, {"status", "301"}}});
        assertEqual(moved_put.headers["X-Echo-Method"], "PUT");
        assertEqual(moved_put.text, "");
        auto permanent = session.put(server_url + "/redirect-to", "data",
                                     {.params = {{"url", "/echo"}, {"status", "308"}}});
        assertEqual(permanent.headers["X-Echo-Method"], "PUT");
        assertEqual(permanent.text, "data");
    }

    void test_too_many_redirects() {
        session.max_redirects = 5;
        session.get(server_url + "/redirect/10");
    }

    void test_json_both_ways() {
        auto doc = session.get(server_url + "/json").json();
        assertEqual(doc["name"].as_string(), "loads");
        assertEqual(doc["users"].size(), 3u);
        assertEqual(doc["users"][2].as_int(), 3);
        assertTrue(doc["nested"]["ok"].as_bool());

        auto echoed = session.post(server_url + "/json", {.json = R"({"id": 7, "tags": ["a", "b"]})"});
        assertEqual(echoed.headers["X-Request-Content-Type"], "application/json");
        auto back = echoed.json();
        assertEqual(back["id"].as_int(), 7);
        assertEqual(back["tags"][1].as_string(), "b");
    }

    // 6 MiB: more than a loopback socket takes at once, so the request goes out in several writes.
    void test_big_post() {
        std::string body(6 * 1024 * 1024, 'x');
        for (std::size_t i = 0; i < body.size(); i += 4096) {
            body[i] = static_cast<char>('a' + (i / 4096) % 26);
        }
        auto echoed = session.post(server_url + "/echo", body);
        assertEqual(echoed.status_code, 200);
        assertEqual(echoed.text.size(), body.size());
        assertTrue(echoed.text == body);
        // And the connection is still good for a small one.
        assertEqual(session.post(server_url + "/echo", "small").text, "small");
    }

    void test_bad_json() { session.get(server_url + "/bad-json").json(); }

    void test_wrong_json_type() { session.get(server_url + "/json").json()["name"].as_int(); }

    void test_form_params_and_headers() {
        auto form = session.post(server_url + "/echo", {.form = {{"user", "tarek ziadé"}, {"x", "1&2"}}});
        assertEqual(form.text, "user=tarek+ziad%C3%A9&x=1%262");
        assertEqual(form.headers["Content-Type"], "application/x-www-form-urlencoded");

        auto params = session.get(server_url + "/response-headers", {.params = {{"X-Param", "a b&c"}}});
        assertEqual(params.headers["x-param"], "a b&c");

        session.headers = {{"X-Session", "s"}};
        auto headers = session.get(server_url + "/headers", {.headers = {{"X-Call", "c"}}}).json();
        assertEqual(headers["x-session"].as_string(), "s");
        assertEqual(headers["x-call"].as_string(), "c");
    }

    void test_basic_auth() {
        auto denied = session.get(server_url + "/auth");
        assertEqual(denied.status_code, 401);
        auto allowed = session.get(server_url + "/auth", {.auth = loads::BasicAuth{"tarek", "secret"}});
        assertEqual(allowed.status_code, 200);
        assertEqual(allowed.text, "tarek");
        session.auth = loads::BasicAuth{"session-user", "pw"};
        assertEqual(session.get(server_url + "/auth").text, "session-user");
    }

    // Credentials stay with the origin they were given to: a redirect to another host drops them.
    void test_auth_not_sent_to_another_host() {
        const std::string other =
            "http://localhost:" + server_url.substr(server_url.rfind(':') + 1) + "/auth";
        auto res = session.get(server_url + "/redirect-to",
                               {.params = {{"url", other}}, .auth = loads::BasicAuth{"tarek", "secret"}});
        assertEqual(res.url, other);
        assertEqual(res.status_code, 401);
        auto same = session.get(server_url + "/redirect-to",
                                {.params = {{"url", "/auth"}}, .auth = loads::BasicAuth{"tarek", "secret"}});
        assertEqual(same.text, "tarek");
    }

    void test_raise_for_status() { session.get(server_url + "/status/503").raise_for_status(); }

    // Seed 1.2.3: assertTrue('tarek' in self.app.get('/')) — here the index page's chatform.
    void test_app() {
        assertIn("chatform", app.get("/").text);
        assertEqual(app.get("/status/404", {.status = 404}).status_code, 404);
        assertEqual(app.get("/status/500", {.expect_errors = true}).status_code, 500);
        assertEqual(app.get("/status/503", {.status = loads::any_status}).status_code, 503);
        auto redirect = app.get("/redirect/1");  // not followed, like WebTest
        assertEqual(redirect.status_code, 302);
        assertEqual(app.follow(redirect).text, "redirected");
        // A URL inside the query does not make the path absolute.
        assertEqual(
            app.get("/redirect-to", {.params = {{"url", "http://x/"}}, .status = 302}).headers["Location"],
            "http://x/");
        assertEqual(app.get("/echo?next=http://x/").status_code, 200);
        auto created = app.post_json("/json", R"({"k": "v"})");
        assertEqual(created.json()["k"].as_string(), "v");
    }

    void test_app_status_rule() { app.get("/status/404"); }

    void test_app_wrong_expected_status() { app.get("/", {.status = 201}); }

    // Seed 1.2.3: app.server_url can change at run time.
    void test_app_server_url_changes() {
        const std::string original = server_url;
        app.server_url = "http://127.0.0.1:1";
        bool refused = false;
        try {
            app.get("/");
        } catch (const loads::ConnectionError&) {
            refused = true;
        }
        assertTrue(refused);
        app.server_url = original + "/";  // a trailing slash is dropped
        assertIn("chatform", app.get("/").text);
    }
};

// No server_url anywhere: app must say how to set one.
class NoServerUrl : public loads::TestCase {
public:
    void test_app() { app.get("/"); }
};

class Sockets : public loads::TestCase {
public:
    void test_echo() {
        std::vector<std::string> received;
        auto ws =
            create_ws(web_socket_url(server_url) + "/ws",
                      [&](const loads::WsMessage& m) { received.push_back(m.data); }, {"chat", "http-only"});
        assertEqual(ws.protocol(), "chat");
        ws.send("something");
        auto text = ws.receive();
        assertEqual(text.data, "something");
        assertTrue(text.is_text());
        ws.send_binary(std::string("\x00\x01\x02\xff", 4));
        auto binary = ws.receive();
        assertTrue(binary.binary);
        assertEqual(binary.data, std::string("\x00\x01\x02\xff", 4));
        assertEqual(received.size(), 2u);
        ws.close();
        ws.close();  // twice: nothing more happens
        incr_counter("echoes", 2);
    }

    // The callback also runs while the test sleeps (the seed's `while len(results) < 2: sleep`).
    void test_callback_during_sleep() {
        std::vector<std::string> received;
        auto ws = create_ws(web_socket_url(server_url) + "/ws",
                            [&](const loads::WsMessage& m) { received.push_back(m.data); });
        ws.send("one");
        ws.send("two");
        for (int i = 0; i < 100 && received.size() < 2; ++i) {
            sleep(0.01);
        }
        assertEqual(received.size(), 2u);
        assertEqual(ws.receive().data, "one");  // still there for receive, in order
        assertEqual(ws.receive().data, "two");
        assertFalse(ws.poll().has_value());
    }

    // Opens a socket, checks an echo, then holds it until every user of the cycle holds one. The
    // proof comes from the sample server's /active: its peak of concurrent connections reaches
    // twice the users only when each has its socket and its HTTP connection open at once.
    void test_hold() {
        m_held = create_ws(web_socket_url(server_url) + "/ws");
        m_held.send("hello");
        assertEqual(m_held.receive().data, "hello");
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(90);
        for (;;) {
            const auto max = std::stoul(session.get(server_url + "/active").text.substr(5));  // "max: N, ..."
            if (max >= 2 * cycle_users) {
                break;
            }
            if (std::chrono::steady_clock::now() > give_up) {
                fail("the users never held their sockets all at once: peak " + std::to_string(max));
            }
            sleep(1.0);  // gently: 1,000 users poll the same server that must accept them all
        }
        m_held.send("still here");
        assertEqual(m_held.receive().data, "still here");
    }

    // Left open on purpose (kept in a member): the runner closes it when the user ends.
    void test_leave_open() {
        m_held = create_ws(web_socket_url(server_url) + "/ws");
        m_held.send("x");
        m_held.receive();
    }

    // For a server that closes: the close arrives while the test waits for a message.
    void test_server_closes() {
        auto ws = create_ws(web_socket_url(server_url) + "/ws");
        bool closed = false;
        try {
            ws.receive(20);
        } catch (const loads::WebSocketError& e) {
            closed = std::string(e.what()).find("the web socket was closed (code 1000") != std::string::npos;
        }
        assertTrue(closed);
    }

    void test_header_injection() {
        create_ws(web_socket_url(server_url) + "/ws", {}, {"chat\r\nX-Injected: 1"});
    }

    void test_upgrade_refused() { create_ws(web_socket_url(server_url) + "/"); }

    void test_receive_after_close() {
        auto ws = create_ws(web_socket_url(server_url) + "/ws");
        ws.send("last");
        ws.receive();
        ws.close();
        ws.receive();
    }

private:
    loads::WebSocket m_held;
};

LOADS_TESTS(Http, test_get, test_big_post, test_tls_resumed, test_no_verify_per_request, test_cookies,
            test_cookie_set_during_redirect, test_redirect_chain, test_redirect_not_followed,
            test_redirect_methods, test_too_many_redirects, test_json_both_ways, test_bad_json,
            test_wrong_json_type, test_form_params_and_headers, test_basic_auth,
            test_auth_not_sent_to_another_host, test_raise_for_status, test_app, test_app_status_rule,
            test_app_wrong_expected_status, test_app_server_url_changes)
LOADS_TESTS(NoServerUrl, test_app)
LOADS_TESTS(Sockets, test_echo, test_server_closes, test_header_injection, test_callback_during_sleep,
            test_hold, test_leave_open, test_upgrade_refused, test_receive_after_close)
