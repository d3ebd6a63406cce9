// WebSocket: one web socket of a virtual user (ws:// or wss://), made by create_ws in a test.
//
// Once open, the socket reads all the time, in the background of its worker's io_context: every
// message is counted (bytes received) the moment it arrives and queued until the test takes it,
// pings are answered, and a close from the server is seen even when the test is not reading. The
// test's own calls (send, receive, close) suspend only its user. Everything happens on the
// worker's thread, so the queue and the counters need no lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <loads/abi.h>

#include "base/asio_types.hpp"
#include "http/tls_client.hpp"
#include "http/url.hpp"
#include "results/recorder.hpp"

namespace loads::host {

class HttpSession;

class WebSocket : public std::enable_shared_from_this<WebSocket> {
public:
    WebSocket(HttpSession& http, Recorder& recorder);
    ~WebSocket();

    /// Connects and does the opening handshake; starts the background reading on success.
    /// @return a loads_http_error; error() then says why.
    int32_t open(const Url& url, const loads_ws_request& request, bool verify, Yield& yield);
    int32_t send(std::string_view data, bool binary, Yield& yield);
    /// Takes the next message into `out` (data valid until the next call on this socket).
    int32_t receive(bool wait, std::chrono::milliseconds timeout, loads_ws_message& out, Yield& yield);
    /// Sends a close frame and waits for the server's (at most k_close_timeout).
    int32_t close(std::uint16_t code, std::string_view reason, Yield& yield);
    /// Starts a close without waiting for it (the handle is going away, or its user ended).
    void close_in_background();
    /// Closes the connection at once, without a close frame (the user is being cancelled).
    void abort();

    const std::string& error() const noexcept { return m_error; }
    const std::string& protocol() const noexcept { return m_protocol; }

private:
    using PlainStream = boost::beast::websocket::stream<TcpSocket>;
    using SecureStream = boost::beast::websocket::stream<TlsStream>;
    struct Message {
        std::string data;
        bool binary;
    };

    template <class F>
    decltype(auto) with_stream(F&& f) {
        return m_secure ? f(*m_secure) : f(*m_plain);
    }
    TcpSocket& tcp();
    template <class Stream>
    int32_t handshake(Stream& ws, const Url& url, const loads_ws_request& request,
                      std::chrono::steady_clock::time_point deadline, Yield& yield);
    void read_next();
    void on_read(const boost::system::error_code& ec, std::size_t bytes);
    void note_closed();
    void note_close_reason();
    void arm_close_timer();
    void disarm_close_timer_when_done();
    void wake();
    int32_t set_error(int32_t kind, std::string message);

    HttpSession& m_http;
    Recorder& m_recorder;
    std::string m_url;  ///< As the test gave it, for the socket events.
    std::unique_ptr<PlainStream> m_plain;
    std::unique_ptr<SecureStream> m_secure;
    SteadyTimer m_waiter;       // where a receive waits; cancelled when a message or the close arrives
    SteadyTimer m_close_timer;  // bounds a closing handshake, from whichever side it started
    boost::beast::flat_buffer m_read_buffer;
    std::deque<Message> m_inbox;
    std::string m_current;  // the message handed out last (loads_ws_message.data points at it)
    std::string m_origin;
    std::string m_protocol;
    std::string m_error;
    std::string m_close_reason;  // why the socket closed, for receive's LOADS_WS_CLOSED
    bool m_open = false;         // the handshake succeeded and no close has started or arrived
    bool m_counted_close = false;
    bool m_reading = false;
    bool m_close_timer_armed = false;
    int m_closing = 0;  // close operations in flight
};

}  // namespace loads::host
