#include "http_connection.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <utility>

#include <openssl/ssl.h>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/stream_traits.hpp>

#include "http_session.hpp"
#include "streams.hpp"
#include "websocket_session.hpp"

namespace loads::sample_server {

namespace beast = boost::beast;
using boost::asio::ip::tcp;

namespace {

constexpr auto handshake_timeout = std::chrono::seconds(30);
// The TLS close waits for the client's close_notify: clients that just drop the connection end it
// at once, the few that neither answer nor close must not hold it (and /active's count) long.
constexpr auto tls_shutdown_timeout = std::chrono::seconds(5);

bool cancelled(const boost::asio::yield_context& yield) {
    return yield.cancelled() != boost::asio::cancellation_type::none;
}

/// The HTTP exchange on an established stream, or nothing when it failed with an exception.
template <class Stream>
std::optional<Request> serve_http(Stream& stream, const Router& router, const ConnectionInfo& connection,
                                  boost::asio::yield_context yield) {
    try {
        return serve_http_session(stream, router, connection, yield);
    } catch (const std::exception&) {
        // Only this connection is lost (e.g. out of memory for one large body); the server goes on.
        // Not catching (...) on purpose: stack unwinding of a destroyed coroutine must pass through.
        return std::nullopt;
    }
}

void serve_plain(tcp::socket socket, const Router& router, boost::asio::yield_context yield) {
    PlainStream stream{std::move(socket)};
    const ConnectionInfo connection;
    if (auto upgrade = serve_http(stream, router, connection, yield)) {
        serve_websocket_session(std::move(stream), *upgrade, yield);
        return;
    }
    // Send FIN after the last response rather than reset, so the client reads that response whole.
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

void serve_tls(tcp::socket socket, boost::asio::ssl::context& tls, const Router& router,
               boost::asio::yield_context yield) {
    TlsStream stream{std::move(socket), tls};
    beast::error_code ec;
    beast::get_lowest_layer(stream).expires_after(handshake_timeout);
    stream.async_handshake(boost::asio::ssl::stream_base::server, yield[ec]);
    if (ec || cancelled(yield)) {
        // Nothing to answer: the client gets no HTTP until it speaks TLS, and its failed handshake
        // has already told it (a TLS alert) or it has gone.
        return;
    }
    // Known once the handshake is over, and fixed for the connection's life.
    SSL* native = stream.native_handle();
    ConnectionInfo connection;
    connection.tls = true;
    connection.tls_session_reused = SSL_session_reused(native) == 1;
    connection.tls_version = SSL_get_version(native);

    if (auto upgrade = serve_http(stream, router, connection, yield)) {
        serve_websocket_session(std::move(stream), *upgrade, yield);
        return;
    }
    if (!cancelled(yield)) {
        // close_notify tells the client the last response is complete rather than truncated.
        beast::get_lowest_layer(stream).expires_after(tls_shutdown_timeout);
        stream.async_shutdown(yield[ec]);
    }
}

}  // namespace

void serve_http_connection(tcp::socket socket, boost::asio::ssl::context* tls, const Router& router,
                           ConnectionStats& stats, boost::asio::yield_context yield) {
    ConnectionStats::Guard counted{stats};
    if (tls != nullptr) {
        serve_tls(std::move(socket), *tls, router, yield);
    } else {
        serve_plain(std::move(socket), router, yield);
    }
}

}  // namespace loads::sample_server
