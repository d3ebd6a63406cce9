// WebSocket against an in-memory peer playing a Beast web socket server: the opening handshake
// (subprotocol, a declined upgrade), messages both ways, the background reader that sees a close
// the test is not reading, timeouts and aborts — and what each of them counts.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "http/url.hpp"
#include "http/web_socket.hpp"
#include "support/session_fixture.hpp"
#include "support/stream_peer.hpp"

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using loads::host::Url;
using loads::host::WebSocket;
using loads::host::Yield;
using loads::test::LocalSocket;
using loads::test::SessionFixture;
using loads::test::StreamPeer;

namespace {

using ServerSocket = websocket::stream<LocalSocket&>;

Url ws_url(std::string_view text) {
    std::string error;
    auto url = loads::host::parse_url(text, error);
    REQUIRE(url);
    return *url;
}

struct Opened {
    std::shared_ptr<WebSocket> ws;
    int32_t rc;
};

Opened open(SessionFixture& f, std::string_view url, Yield& yield, std::vector<loads_str> protocols = {}) {
    loads_ws_request req{};
    req.struct_size = sizeof(req);
    req.url = {url.data(), url.size()};
    req.protocols = protocols.data();
    req.protocol_count = protocols.size();
    auto ws = std::make_shared<WebSocket>(f.session(), f.recorder);
    const int32_t rc = ws->open(ws_url(url), req, true, yield);
    return {ws, rc};
}

struct Message {
    int32_t rc;
    std::string data;
    bool binary;
};

Message receive(WebSocket& ws, Yield& yield, bool wait = true,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    loads_ws_message m{};
    m.struct_size = sizeof(m);
    const int32_t rc = ws.receive(wait, timeout, m, yield);
    return {rc, rc == LOADS_HTTP_OK ? std::string(m.data.ptr, m.data.len) : ws.error(), m.binary != 0};
}

// Reads until the client's close (or the connection's end); returns how it ended.
beast::error_code read_until_closed(ServerSocket& ws, Yield& yield) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!ec) {
        ws.async_read(buffer, yield[ec]);
        buffer.clear();
    }
    return ec;
}

}  // namespace

TEST_CASE("a web socket opens with the chosen subprotocol, carries text and binary, and counts bytes") {
    SessionFixture f;
    std::string offered;
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        ServerSocket ws(peer.socket());
        ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
            res.set(beast::http::field::sec_websocket_protocol, "chat.v2");
        }));
        websocket::request_type request;
        beast::flat_buffer buffer;
        beast::http::async_read(peer.socket(), buffer, request, yield);
        offered = std::string(request[beast::http::field::sec_websocket_protocol]);
        ws.async_accept(request, yield);
        for (int i = 0; i < 2; ++i) {  // an echo server
            beast::flat_buffer message;
            ws.async_read(message, yield);
            ws.binary(ws.got_binary());
            ws.async_write(message.data(), yield);
        }
        CHECK(read_until_closed(ws, yield) == websocket::error::closed);
        CHECK(ws.reason().code == 1000);
        CHECK(std::string(ws.reason().reason.data(), ws.reason().reason.size()) == "done");
    });
    Opened o;
    Message text, binary;
    int32_t closed = -1;
    f.run([&](Yield& yield) {
        o = open(f, "ws://example.test/chat", yield, {{"chat.v1", 7}, {"chat.v2", 7}});
        REQUIRE(o.rc == LOADS_HTTP_OK);
        REQUIRE(o.ws->send("hello", false, yield) == LOADS_HTTP_OK);
        text = receive(*o.ws, yield);
        REQUIRE(o.ws->send(std::string("\x00\x01\x02", 3), true, yield) == LOADS_HTTP_OK);
        binary = receive(*o.ws, yield);
        closed = o.ws->close(1000, "done", yield);
    });
    CHECK(offered == "chat.v1, chat.v2");
    CHECK(o.ws->protocol() == "chat.v2");
    CHECK(text.data == "hello");
    CHECK_FALSE(text.binary);
    CHECK(binary.data == std::string("\x00\x01\x02", 3));
    CHECK(binary.binary);
    CHECK(closed == LOADS_HTTP_OK);
    CHECK(f.stats.sockets_opened() == 1);
    CHECK(f.stats.sockets_closed() == 1);
    CHECK(f.stats.socket_bytes() == 8);
}

TEST_CASE("what the server sent before closing is all read, then LOADS_WS_CLOSED with its reason") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        ServerSocket ws(peer.socket());
        ws.async_accept(yield);
        ws.async_write(boost::asio::buffer(std::string_view("one")), yield);
        ws.async_write(boost::asio::buffer(std::string_view("two")), yield);
        ws.async_close(websocket::close_reason(websocket::close_code::going_away, "bye\r\nnow"), yield);
    });
    std::vector<Message> got;
    f.run([&](Yield& yield) {
        auto o = open(f, "ws://example.test/feed", yield);
        REQUIRE(o.rc == LOADS_HTTP_OK);
        for (int i = 0; i < 3; ++i) {
            got.push_back(receive(*o.ws, yield));
        }
        CHECK(o.ws->send("late", false, yield) == LOADS_WS_CLOSED);
    });
    REQUIRE(got.size() == 3);
    CHECK(got[0].data == "one");
    CHECK(got[1].data == "two");
    CHECK(got[2].rc == LOADS_WS_CLOSED);
    CHECK(got[2].data == "the web socket was closed (code 1001, bye  now)");
    CHECK(f.stats.sockets_closed() == 1);
    CHECK(f.stats.socket_bytes() == 6);
}

TEST_CASE("an upgrade the server declines is LOADS_WS_HANDSHAKE, naming its status") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        peer.read_request(yield);
        peer.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", yield);
        peer.wait_for_close(yield);
    });
    Opened o;
    f.run([&](Yield& yield) { o = open(f, "ws://example.test/private", yield); });
    CHECK(o.rc == LOADS_WS_HANDSHAKE);
    CHECK(o.ws->error() ==
          "the server refused the web socket upgrade of ws://example.test:80/private: 403 Forbidden");
    CHECK(f.stats.sockets_opened() == 0);
}

TEST_CASE("on a quiet socket, receive without waiting is LOADS_WS_NO_MESSAGE; with a wait it times out") {
    SessionFixture f;
    f.peers->expect([](StreamPeer& peer, Yield& yield) {
        ServerSocket ws(peer.socket());
        ws.async_accept(yield);
        read_until_closed(ws, yield);
    });
    Message now, later;
    f.run([&](Yield& yield) {
        auto o = open(f, "ws://example.test/quiet", yield);
        REQUIRE(o.rc == LOADS_HTTP_OK);
        now = receive(*o.ws, yield, false);
        later = receive(*o.ws, yield, true, std::chrono::milliseconds(50));
        o.ws->close(1000, "", yield);
    });
    CHECK(now.rc == LOADS_WS_NO_MESSAGE);
    CHECK(later.rc == LOADS_HTTP_TIMEOUT);
    CHECK(later.data == "no message on the web socket to ws://example.test:80 within 0.05s");
}

TEST_CASE("abort() drops the connection at once, without a close frame, and counts it closed") {
    SessionFixture f;
    beast::error_code server_saw;
    f.peers->expect([&](StreamPeer& peer, Yield& yield) {
        ServerSocket ws(peer.socket());
        ws.async_accept(yield);
        server_saw = read_until_closed(ws, yield);
    });
    f.run([&](Yield& yield) {
        auto o = open(f, "ws://example.test/", yield);
        REQUIRE(o.rc == LOADS_HTTP_OK);
        o.ws->abort();
        CHECK(receive(*o.ws, yield).rc == LOADS_WS_CLOSED);
    });
    // The connection simply ended: no closing handshake took place.
    CHECK((server_saw == boost::asio::error::eof || server_saw == boost::asio::error::connection_reset));
    CHECK(f.stats.sockets_opened() == 1);
    CHECK(f.stats.sockets_closed() == 1);
}
