/// @file web_socket.hpp
/// @brief WebSocket: a web socket client for tests, after ws4py's (the seed's create_ws).
///
/// Made by TestCase::create_ws. The host reads every socket all the time: messages are counted
/// ("Bytes received via web sockets") the moment they arrive and queued for the test in order.
/// The test takes them with receive() (waits, suspending only this virtual user) or poll()
/// (never waits). A callback given to create_ws runs once for every message, on the test's own
/// thread, when the message reaches the test: in receive() and poll(), and in TestCase::sleep(),
/// so `while (results.size() < 2) sleep(0.1);` works as in the seed.
///
/// Copies share one socket. The socket is closed when the last copy goes away, or when the test
/// calls close(); sockets a test keeps (e.g. in a member) are closed when its virtual user ends.
/// A WebSocket is usable only while the test case that opened it lives.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "abi.h"
#include "exceptions.hpp"

namespace loads {

/// One message received on a web socket.
struct WsMessage {
    std::string data;
    bool binary = false;
    bool is_text() const noexcept { return !binary; }
};

/// Runs for every message received (ws4py's received_message hook).
using WsCallback = std::function<void(const WsMessage&)>;

namespace detail {

/// One socket as the SDK tracks it; shared by the WebSocket copies and watched by the test case.
struct WsState {
    const loads_host_api* host = nullptr;
    loads_vu* vu = nullptr;
    loads_ws* handle = nullptr;
    WsCallback callback;
    std::deque<WsMessage> delivered;  // passed through the callback, not yet taken by receive()
    std::string protocol;

    WsState() = default;
    WsState(const WsState&) = delete;
    WsState& operator=(const WsState&) = delete;
    ~WsState() {
        if (host != nullptr && handle != nullptr) {
            host->ws_release(vu, handle);  // never suspends: the host closes it in the background
        }
    }

    /// Takes one message from the host (waiting or not), through the callback.
    /// @return the host's status; `out` is set when it is LOADS_HTTP_OK.
    int32_t take(bool wait, double timeout, WsMessage& out, std::string& error) {
        loads_ws_message m{};
        m.struct_size = sizeof(m);
        const int32_t rc = host->ws_receive(vu, handle, wait ? 1 : 0, timeout, &m);
        if (rc != LOADS_HTTP_OK) {
            error.assign(m.error.ptr, m.error.len);
            return rc;
        }
        out.data.assign(m.data.ptr, m.data.len);
        out.binary = m.binary != 0;
        if (callback) {
            callback(out);
        }
        return rc;
    }

    /// The oldest message that went through the callback and was not taken yet.
    std::optional<WsMessage> next_delivered() {
        if (delivered.empty()) {
            return std::nullopt;
        }
        WsMessage m = std::move(delivered.front());
        delivered.pop_front();
        return m;
    }

    /// Moves every message already received through the callback into `delivered`.
    void pump() {
        WsMessage m;
        std::string ignored;
        while (take(false, 0, m, ignored) == LOADS_HTTP_OK) {
            delivered.push_back(std::move(m));
        }
    }
};

}  // namespace detail

class WebSocket {
public:
    using where_t = std::source_location;

    WebSocket() = default;
    explicit WebSocket(std::shared_ptr<detail::WsState> state) : m_state(std::move(state)) {}

    /// Sends a text message. @throws WebSocketError when the socket is closed, ConnectionError
    /// when the connection broke, Timeout, Cancelled.
    void send(std::string_view text, where_t where = where_t::current()) { write(text, false, where); }
    /// Sends a binary message.
    void send_binary(std::string_view data, where_t where = where_t::current()) { write(data, true, where); }

    /// The next message, waiting up to `timeout` seconds (0: the runner's --timeout) for it.
    /// @throws WebSocketError when the socket closed and every message was taken; Timeout.
    WsMessage receive(double timeout = 0, where_t where = where_t::current()) {
        auto& s = state(where);
        if (auto m = s.next_delivered()) {
            return std::move(*m);
        }
        WsMessage m;
        std::string error;
        const int32_t rc = s.take(true, timeout, m, error);
        if (rc != LOADS_HTTP_OK) {
            detail::raise_host_error(rc, error, where);
        }
        return m;
    }

    /// The next message if one has arrived, without waiting.
    /// @throws WebSocketError when the socket closed and every message was taken.
    std::optional<WsMessage> poll(where_t where = where_t::current()) {
        auto& s = state(where);
        if (auto m = s.next_delivered()) {
            return m;
        }
        WsMessage m;
        std::string error;
        const int32_t rc = s.take(false, 0, m, error);
        if (rc == LOADS_WS_NO_MESSAGE) {
            return std::nullopt;
        }
        if (rc != LOADS_HTTP_OK) {
            detail::raise_host_error(rc, error, where);
        }
        return m;
    }

    /// Closes the socket (close frame `code`, `reason`) and waits briefly for the server's answer.
    /// Messages received before can still be taken. Closing twice does nothing.
    void close(std::uint16_t code = 1000, std::string_view reason = {}, where_t where = where_t::current()) {
        auto& s = state(where);
        s.pump();  // the callback sees every message that arrived before the close
        const int32_t rc = s.host->ws_close(s.vu, s.handle, code, {reason.data(), reason.size()});
        if (rc == LOADS_HTTP_CANCELLED) {
            throw Cancelled("virtual user stopped by the runner", where);
        }
    }

    /// The subprotocol the server selected (empty if none).
    const std::string& protocol() const noexcept {
        static const std::string k_none;
        return m_state ? m_state->protocol : k_none;
    }
    /// False for a default-constructed WebSocket.
    explicit operator bool() const noexcept { return m_state != nullptr; }

private:
    detail::WsState& state(where_t where) {
        if (!m_state) {
            throw WebSocketError("this WebSocket was not made by create_ws", where);
        }
        if (m_state->host == nullptr) {
            throw WebSocketError("this WebSocket outlived the test case that opened it", where);
        }
        return *m_state;
    }

    void write(std::string_view data, bool binary, where_t where) {
        auto& s = state(where);
        loads_str error{};
        const int32_t rc =
            s.host->ws_send(s.vu, s.handle, {data.data(), data.size()}, binary ? 1 : 0, &error);
        if (rc != LOADS_HTTP_OK) {
            detail::raise_host_error(rc, std::string(error.ptr, error.len), where);
        }
    }

    std::shared_ptr<detail::WsState> m_state;
};

}  // namespace loads
