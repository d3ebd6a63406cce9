#include "websocket_session.hpp"

#include <chrono>
#include <cstddef>
#include <exception>
#include <string_view>
#include <utility>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "header_text.hpp"
#include "streams.hpp"

namespace loads::sample_server {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;

namespace {

// Load tests open a thousand sockets, then use them in turn: a silence of a few minutes is normal
// there, unlike between two HTTP requests.
constexpr auto idle_timeout = std::chrono::minutes(5);
constexpr auto handshake_timeout = std::chrono::seconds(30);
// The same bound as an HTTP body (see http_session.cpp): an echo holds one message in memory.
constexpr std::size_t max_message_bytes = 8 * 1024 * 1024;

bool cancelled(const boost::asio::yield_context& yield) {
    return yield.cancelled() != boost::asio::cancellation_type::none;
}

/// The completion token of every WebSocket operation: the coroutine's, minus its cancellation
/// slot, which CloseOnStop holds instead (a slot has room for one handler).
auto not_cancellable(boost::asio::yield_context& yield, beast::error_code& ec) {
    return boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(), yield[ec]);
}

/// Closes the connection when the server stops (see CoroutineGroup::stop), whatever WebSocket
/// operation is pending. Cancelling the pending operation is not enough: once the client has sent
/// its close frame, Beast's read tears the connection down by waiting for the client's EOF, and
/// that wait does not see per-operation cancellation (Boost 1.81), so a client that keeps its socket
/// open after the close handshake would hold the server's exit for minutes.
template <class Stream>
class CloseOnStop {
public:
    CloseOnStop(websocket::stream<Stream>& ws, const boost::asio::yield_context& yield)
        : m_slot(yield.get_cancellation_slot()) {
        // Runs on the connection's strand, as CoroutineGroup emits there: no operation of `ws`
        // runs concurrently. Closing the socket makes every pending one complete with an error.
        m_slot.assign([&ws](boost::asio::cancellation_type) {
            beast::error_code ignored;
            beast::get_lowest_layer(ws).socket().close(ignored);
        });
    }
    ~CloseOnStop() { m_slot.clear(); }
    CloseOnStop(const CloseOnStop&) = delete;
    CloseOnStop& operator=(const CloseOnStop&) = delete;

private:
    boost::asio::cancellation_slot m_slot;
};

template <class Stream>
void echo(websocket::stream<Stream>& ws, const Request& upgrade, boost::asio::yield_context yield) {
    // The websocket stream's own timeouts replace the TCP stream's: those would close a socket
    // that is legitimately idle between messages, and the two must not both run.
    beast::get_lowest_layer(ws).expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = handshake_timeout;
    timeout.idle_timeout = idle_timeout;
    // Pings would make idle clients look busy; the timeout is long enough without them.
    timeout.keep_alive_pings = false;
    ws.set_option(timeout);
    ws.read_message_max(max_message_bytes);
    ws.set_option(websocket::stream_base::decorator(
        [protocol = first_offered_subprotocol(upgrade)](websocket::response_type& response) {
            response.set(http::field::server, server_name);
            if (!protocol.empty()) {
                response.set(http::field::sec_websocket_protocol, protocol);
            }
        }));

    if (cancelled(yield)) {
        return;
    }
    const CloseOnStop close_on_stop(ws, yield);
    beast::error_code ec;
    // A request that is no valid handshake (e.g. no Sec-WebSocket-Key) gets Beast's 400 here.
    ws.async_accept(upgrade, not_cancellable(yield, ec));
    beast::flat_buffer buffer;
    while (!ec && !cancelled(yield)) {
        // A close frame from the client ends the read with websocket::error::closed once Beast has
        // answered it and the client has closed the TCP connection (or the 5-minute idle timeout
        // has passed), which completes the close handshake.
        ws.async_read(buffer, not_cancellable(yield, ec));
        if (ec || cancelled(yield)) {
            return;
        }
        ws.text(ws.got_text());
        ws.async_write(buffer.data(), not_cancellable(yield, ec));
        buffer.consume(buffer.size());
    }
}

}  // namespace

std::string first_offered_subprotocol(const Request& upgrade) {
    // The header is a comma-separated list and may be repeated; its order is the client's
    // preference (RFC 6455 section 11.3.4).
    const auto [first, last] = upgrade.equal_range(http::field::sec_websocket_protocol);
    for (auto it = first; it != last; ++it) {
        std::string_view offers = it->value();
        while (!offers.empty()) {
            const auto comma = offers.find(',');
            const std::string_view offer = trim_whitespace(offers.substr(0, comma));
            if (!offer.empty()) {
                return std::string(offer);
            }
            offers = comma == std::string_view::npos ? std::string_view() : offers.substr(comma + 1);
        }
    }
    return {};
}

template <class Stream>
void serve_websocket_session(Stream stream, const Request& upgrade, boost::asio::yield_context yield) {
    websocket::stream<Stream> ws(std::move(stream));
    try {
        echo(ws, upgrade, yield);
    } catch (const std::exception&) {
        // Only this connection is lost (e.g. out of memory for one large message); the server
        // goes on. Not catching (...) on purpose: the unwinding of a destroyed coroutine must pass.
    }
    // Whatever state the session ended in, the socket closes with `ws`.
}

template void serve_websocket_session<PlainStream>(PlainStream, const Request&, boost::asio::yield_context);
template void serve_websocket_session<TlsStream>(TlsStream, const Request&, boost::asio::yield_context);

}  // namespace loads::sample_server
