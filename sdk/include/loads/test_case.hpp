/// @file test_case.hpp
/// @brief loads::TestCase: the base class of every load test, after Python's unittest.TestCase.
///
/// The runner makes one instance per virtual user and reuses it for all of that user's tests, so
/// `session` keeps its connections between hits. For every test run it calls setUp(), the test
/// method, then tearDown() (tearDown is skipped when setUp did not succeed). Declare setUp,
/// tearDown and the test methods public; they are found by name, no `override` needed.
///
/// Keep the destructor free of anything that can throw (requests included): destructors are
/// noexcept in C++, so an exception there ends the whole runner. Clean up in tearDown instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "abi.h"
#include "app.hpp"
#include "assertions.hpp"
#include "exceptions.hpp"
#include "session.hpp"
#include "web_socket.hpp"

namespace loads {

class TestCase : public Assertions {
public:
    TestCase() = default;
    TestCase(const TestCase&) = delete;
    TestCase& operator=(const TestCase&) = delete;
    /// Detaches the web sockets this instance made: a copy kept beyond it (e.g. in a static)
    /// then no longer calls into a virtual user that is gone; the runner closes the sockets.
    virtual ~TestCase() {
        for (const auto& weak : m_sockets) {
            if (auto socket = weak.lock()) {
                socket->host = nullptr;
            }
        }
    }

    /// Runs before every test method. Override (hide) it in the test class.
    void setUp() {}
    /// Runs after every test method whose setUp succeeded.
    void tearDown() {}

    /// This virtual user's HTTP client.
    Session session;
    /// Base URL of the service under test. A value set in the constructor is the class default;
    /// `--server-url` replaces it before the first setUp.
    std::string server_url;
    /// This virtual user's 0-based index in its cycle, and the number of users of the cycle (the
    /// seed's loads_status current_user - 1 and users). Set before the first setUp.
    std::uint32_t user_index = 0;
    std::uint32_t cycle_users = 1;
    /// WebTest's TestApp on `session`, with paths relative to server_url (see app.hpp).
    TestApp app{session, server_url};

    /// Opens a web socket (ws:// or wss://) for this virtual user, like the seed's create_ws.
    /// @param on_message runs for every message received (see web_socket.hpp for when).
    /// @param protocols subprotocols offered, in preference order.
    /// @param headers extra handshake headers (the user's cookies for the URL are sent anyway).
    /// @throws WebSocketError when the server refuses the upgrade; ConnectionError, SSLError,
    /// Timeout, Cancelled as for HTTP.
    WebSocket create_ws(std::string_view url, WsCallback on_message = {},
                        const std::vector<std::string>& protocols = {}, const HeaderList& headers = {},
                        std::source_location where = std::source_location::current()) {
        if (m_host == nullptr || !LOADS_HAS_FIELD(m_host, loads_host_api, ws_release)) {
            throw WebSocketError("web sockets need a running test and a loads-runner of ABI 1.1 or later",
                                 where);
        }
        std::vector<loads_str> offered;
        for (const auto& p : protocols) {
            offered.push_back({p.data(), p.size()});
        }
        std::vector<loads_http_header> extra;
        for (const auto& [name, value] : headers) {
            extra.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
        }
        loads_ws_request request{};
        request.struct_size = sizeof(request);
        request.url = {url.data(), url.size()};
        request.protocols = offered.data();
        request.protocol_count = offered.size();
        request.headers = extra.data();
        request.header_count = extra.size();
        request.timeout = 0;
        request.flags = session.verify ? 0u : unsigned(LOADS_REQUEST_NO_VERIFY);
        loads_ws_reply reply{};
        reply.struct_size = sizeof(reply);
        const int32_t rc = m_host->ws_connect(m_vu, &request, &reply);
        if (rc != LOADS_HTTP_OK) {
            detail::raise_host_error(rc, std::string(reply.error.ptr, reply.error.len), where);
        }
        auto state = std::make_shared<detail::WsState>();
        state->host = m_host;
        state->vu = m_vu;
        state->handle = reply.ws;
        state->callback = std::move(on_message);
        state->protocol.assign(reply.protocol.ptr, reply.protocol.len);
        std::erase_if(m_sockets, [](const auto& w) { return w.expired(); });
        m_sockets.push_back(state);
        return WebSocket(std::move(state));
    }

    /// Adds `delta` to the custom counter `name` (shown under "Custom metrics").
    void incr_counter(std::string_view name, std::int64_t delta = 1) {
        if (m_host != nullptr) {
            m_host->incr_counter(m_vu, {name.data(), name.size()}, delta);
        }
    }
    /// Pauses this virtual user only (like gevent.sleep): other users keep running on the thread.
    /// A blocking call such as std::this_thread::sleep_for would stall every user of the thread
    /// (unless the run uses --no-patching, which gives each user its own thread).
    /// @throws Cancelled when the runner stops this user during the pause.
    /// Messages that arrived on this user's web sockets meanwhile go through their callbacks on
    /// return.
    void sleep(double seconds, std::source_location where = std::source_location::current()) {
        if (m_host != nullptr && m_host->sleep(m_vu, seconds) == LOADS_HTTP_CANCELLED) {
            throw Cancelled("virtual user stopped by the runner during sleep", where);
        }
        // A copy: a callback may open another socket, which changes m_sockets.
        const auto sockets = m_sockets;
        for (const auto& weak : sockets) {
            if (auto socket = weak.lock(); socket && socket->callback) {
                socket->pump();
            }
        }
    }
    /// Writes a line to the runner's log (stderr).
    void log(std::string_view message, int32_t level = LOADS_LOG_INFO) {
        if (m_host != nullptr) {
            m_host->log(m_vu, level, {message.data(), message.size()});
        }
    }

    /// SDK internal: binds the instance to its virtual user. Called once, right after construction.
    void loads_attach(const loads_host_api* host, loads_vu* vu) noexcept {
        m_host = host;
        m_vu = vu;
        session.attach(host, vu);
    }

private:
    const loads_host_api* m_host = nullptr;
    loads_vu* m_vu = nullptr;
    std::vector<std::weak_ptr<detail::WsState>> m_sockets;  // for sleep() and the destructor
};

}  // namespace loads
