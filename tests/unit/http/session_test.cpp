// HttpSession against in-memory peers: what goes on the wire, what comes back, and every way an
// exchange can end (keep-alive, a stale connection, a redirect, a refusal, a stall, a break,
// garbage, cancellation), without a server.
#include <doctest/doctest.h>

#include <string>

#include "support/session_fixture.hpp"
#include "support/stream_peer.hpp"

using loads::host::Yield;
using loads::test::http_response;
using loads::test::Reply;
using loads::test::SessionFixture;
using loads::test::StreamPeer;

namespace {
bool has(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("a GET goes out as HTTP/1.1 with Host and User-Agent; its response is read and recorded") {
    SessionFixture f;
    std::string sent;
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        sent = peer.read_request(yield);
        peer.write(http_response(200, "OK", "hello", "Content-Type: text/plain\r\n"), yield);
        peer.wait_for_close(yield);
    });
    Reply r;
    f.run([&](Yield& yield) {
        r = f.request("GET", "http://example.test/path?q=1", yield);
        f.session().cancel();
    });
    CHECK(sent.rfind("GET /path?q=1 HTTP/1.1\r\n", 0) == 0);
    CHECK(has(sent, "\r\nHost: example.test\r\n"));
    CHECK(has(sent, "\r\nUser-Agent: loads/"));
    CHECK_FALSE(has(sent, "Content-Length"));
    REQUIRE(r.rc == LOADS_HTTP_OK);
    CHECK(r.status == 200);
    CHECK(r.reason == "OK");
    CHECK(r.body == "hello");
    CHECK(has(r.headers, "Content-Type: text/plain\r\n"));
    CHECK(r.url == "http://example.test/path?q=1");
    CHECK(r.redirects == 0);
    CHECK(f.stats.hits() == 1);
    CHECK(f.stats.urls().count("http://example.test/path?q=1") == 1);
    CHECK(f.peers->origins() == std::vector<std::string>{"http://example.test:80"});
}

TEST_CASE("requests to one origin share a keep-alive connection") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        for (int i = 0; i < 3; ++i) {
            CHECK_FALSE(peer.read_request(yield).empty());
            peer.write(http_response(200, "OK", std::to_string(i)), yield);
        }
        peer.wait_for_close(yield);
    });
    std::string bodies;
    f.run([&](Yield& yield) {
        for (int i = 0; i < 3; ++i) {
            bodies += f.request("GET", "http://example.test/", yield).body;
        }
        f.session().cancel();
    });
    CHECK(bodies == "012");
    CHECK(f.peers->connections() == 1);
    CHECK(f.stats.hits() == 3);
}

TEST_CASE("a chunked response arriving a byte at a time is put together") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write_in_pieces(
            "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, "
            "world\r\n0\r\n\r\n",
            1, yield);
        peer.wait_for_close(yield);
    });
    Reply r;
    f.run([&](Yield& yield) {
        r = f.request("GET", "http://example.test/", yield);
        f.session().cancel();
    });
    REQUIRE(r.rc == LOADS_HTTP_OK);
    CHECK(r.status == 201);
    CHECK(r.body == "hello, world");
}

TEST_CASE("a kept-alive connection the server closed is reopened and the GET sent again, once") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write(http_response(200, "OK", "first"), yield);
        peer.close();  // an idle-timeout on the server: the client learns it only on its next request
    });
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write(http_response(200, "OK", "second"), yield);
        peer.wait_for_close(yield);
    });
    Reply first, second;
    f.run([&](Yield& yield) {
        first = f.request("GET", "http://example.test/", yield);
        second = f.request("GET", "http://example.test/", yield);
        f.session().cancel();
    });
    CHECK(first.body == "first");
    REQUIRE(second.rc == LOADS_HTTP_OK);
    CHECK(second.body == "second");
    CHECK(f.peers->connections() == 2);
    CHECK(f.stats.hits() == 2);
}

TEST_CASE("a kept-alive connection that ends after taking a GET, before any reply, gets it resent once") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write(http_response(200, "OK", "first"), yield);
        CHECK_FALSE(peer.read_request(yield).empty());  // taken, then the server goes away unanswered
    });
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write(http_response(200, "OK", "again"), yield);
        peer.wait_for_close(yield);
    });
    Reply second;
    f.run([&](Yield& yield) {
        f.request("GET", "http://example.test/", yield);
        second = f.request("GET", "http://example.test/", yield);
        f.session().cancel();
    });
    REQUIRE(second.rc == LOADS_HTTP_OK);
    CHECK(second.body == "again");
    CHECK(f.peers->connections() == 2);
    CHECK(f.stats.hits() == 2);
}

TEST_CASE("a POST whose connection died is not sent twice") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write(http_response(200, "OK", ""), yield);
        peer.read_request(yield);  // it arrived, and may have been acted on: then the connection breaks
    });
    Reply r;
    f.run([&](Yield& yield) {
        f.request("GET", "http://example.test/", yield);
        r = f.request("POST", "http://example.test/order", yield, {}, "item=1");
    });
    CHECK(r.rc == LOADS_HTTP_CONNECTION);
    CHECK(has(r.error, "connection to http://example.test:80 failed during POST http://example.test/order"));
    CHECK(f.peers->connections() == 1);
}

TEST_CASE("a body goes with its real Content-Length, whatever the test's header said") {
    SessionFixture f;
    std::string sent;
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        sent = peer.read_request(yield);
        peer.write(http_response(204, "No Content", ""), yield);
        peer.wait_for_close(yield);
    });
    f.run([&](Yield& yield) {
        f.request("PUT", "http://example.test/x", yield, {{"content-length", "999"}, {"X-Test", "1"}},
                  "data");
        f.session().cancel();
    });
    CHECK(has(sent, "\r\nContent-Length: 4\r\n"));
    CHECK_FALSE(has(sent, "999"));
    CHECK(has(sent, "\r\nX-Test: 1\r\n"));
    CHECK(sent.substr(sent.size() - 8) == "\r\n\r\ndata");
}

TEST_CASE("a redirect is followed as a GET, each hop a hit, with the cookie it set") {
    SessionFixture f;
    std::string second;
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        const std::string first = peer.read_request(yield);
        CHECK(first.rfind("POST /form HTTP/1.1\r\n", 0) == 0);
        peer.write(http_response(302, "Found", "", "Location: /done\r\nSet-Cookie: sid=42; Path=/\r\n"),
                   yield);
        second = peer.read_request(yield);
        peer.write(http_response(200, "OK", "thanks"), yield);
        peer.wait_for_close(yield);
    });
    Reply r;
    f.run([&](Yield& yield) {
        r = f.request("POST", "http://example.test/form", yield, {{"Content-Type", "text/plain"}}, "a=1");
        f.session().cancel();
    });
    REQUIRE(r.rc == LOADS_HTTP_OK);
    CHECK(second.rfind("GET /done HTTP/1.1\r\n", 0) == 0);
    CHECK(has(second, "\r\nCookie: sid=42\r\n"));
    CHECK_FALSE(has(second, "Content-Type"));
    CHECK_FALSE(has(second, "a=1"));
    CHECK(r.body == "thanks");
    CHECK(r.url == "http://example.test/done");
    CHECK(r.redirects == 1);
    CHECK(f.stats.hits() == 2);
}

TEST_CASE("a redirect is returned as it is when the test says not to follow") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write(http_response(301, "Moved Permanently", "", "Location: http://elsewhere.test/\r\n"),
                   yield);
        peer.wait_for_close(yield);
    });
    Reply r;
    f.run([&](Yield& yield) {
        r = f.request("GET", "http://example.test/", yield, {}, {}, LOADS_REQUEST_NO_REDIRECTS);
        f.session().cancel();
    });
    CHECK(r.rc == LOADS_HTTP_OK);
    CHECK(r.status == 301);
    CHECK(f.peers->connections() == 1);
}

TEST_CASE("a refused connection is LOADS_HTTP_CONNECT, in one line") {
    SessionFixture f;  // no script: the connection is refused
    Reply r;
    f.run([&](Yield& yield) { r = f.request("GET", "http://example.test:8080/", yield); });
    CHECK(r.rc == LOADS_HTTP_CONNECT);
    CHECK(r.error.rfind("cannot connect to http://example.test:8080: ", 0) == 0);
    CHECK(r.error.find('\n') == std::string::npos);
    CHECK(f.stats.hits() == 0);
}

TEST_CASE("a server that stops answering times out at the exchange's deadline") {
    SessionFixture f;
    f.settings.timeout = std::chrono::milliseconds(100);
    bool client_closed = false;
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", yield);  // and nothing more
        client_closed = peer.wait_for_close(yield);
    });
    Reply r;
    const auto started = std::chrono::steady_clock::now();
    f.run([&](Yield& yield) { r = f.request("GET", "http://example.test/slow", yield); });
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(r.rc == LOADS_HTTP_TIMEOUT);
    CHECK(r.error == "GET http://example.test/slow timed out after 0.1s");
    CHECK(client_closed);
    CHECK(took >= std::chrono::milliseconds(100));
    CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("a connection closed in the middle of a body is LOADS_HTTP_CONNECTION") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", yield);
    });
    Reply r;
    f.run([&](Yield& yield) { r = f.request("GET", "http://example.test/", yield); });
    CHECK(r.rc == LOADS_HTTP_CONNECTION);
    CHECK(has(r.error, "connection to http://example.test:80 failed during GET http://example.test/"));
    CHECK(f.stats.hits() == 0);
}

TEST_CASE("a reply that is not HTTP is LOADS_HTTP_PROTOCOL") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write("SSH-2.0-OpenSSH_9.2\r\n\r\n", yield);
        peer.wait_for_close(yield);
    });
    Reply r;
    f.run([&](Yield& yield) { r = f.request("GET", "http://example.test/", yield); });
    CHECK(r.rc == LOADS_HTTP_PROTOCOL);
    CHECK(r.error.rfind("invalid HTTP response to GET http://example.test/: ", 0) == 0);
}

TEST_CASE("cancel() ends a request in progress at once with LOADS_HTTP_CANCELLED") {
    SessionFixture f;
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        f.session().cancel();  // the runner stops the user while the reply is awaited
        peer.wait_for_close(yield);
    });
    Reply r, after;
    const auto started = std::chrono::steady_clock::now();
    f.run([&](Yield& yield) {
        r = f.request("GET", "http://example.test/", yield);
        after = f.request("GET", "http://example.test/", yield);
    });
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));  // not the 30 s timeout
    CHECK(r.rc == LOADS_HTTP_CANCELLED);
    CHECK(after.rc == LOADS_HTTP_CANCELLED);
    CHECK(f.peers->connections() == 1);
}

TEST_CASE("a header value carrying CR LF is refused before anything is sent") {
    SessionFixture f;
    Reply r;
    f.run([&](Yield& yield) {
        r = f.request("GET", "http://example.test/", yield, {{"X-Evil", "a\r\nInjected: 1"}});
    });
    CHECK(r.rc == LOADS_HTTP_INVALID_REQUEST);
    CHECK(f.peers->connections() == 0);
}
