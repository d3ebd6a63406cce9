#include "http/web_socket.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "base/abi_strings.hpp"
#include "http/session.hpp"
#include "http/text.hpp"

namespace loads::host {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// How long a closing handshake may take before the connection is simply dropped: long enough for
// any live server, short enough that a dead one cannot hold the end of a run.
constexpr auto k_close_timeout = std::chrono::seconds(2);

// The server's close reason goes into one-line error messages: no control characters.
std::string one_line(const char* data, std::size_t size) {
    std::string out(data, size);
    for (char& c : out) {
        c = static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
    }
    return out;
}

websocket::stream_base::timeout open_timeouts() {
    // The opening handshake is timed by the session's watchdog (--connect-timeout); once open,
    // a socket may stay quiet as long as the test wants.
    websocket::stream_base::timeout t{};
    t.handshake_timeout = websocket::stream_base::none();
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    return t;
}

}  // namespace

WebSocket::WebSocket(HttpSession& http, Recorder& recorder)
    : m_http(http), m_recorder(recorder), m_waiter(http.io()), m_close_timer(http.io()) {}

WebSocket::~WebSocket() = default;

int32_t WebSocket::set_error(int32_t kind, std::string message) {
    m_error = std::move(message);
    return kind;
}

TcpSocket& WebSocket::tcp() {
    return m_secure ? m_secure->next_layer().next_layer() : m_plain->next_layer();
}

template <class Stream>
int32_t WebSocket::handshake(Stream& ws, const Url& url, const loads_ws_request& request,
                             std::chrono::steady_clock::time_point deadline, Yield& yield) {
    // The decorator runs inside the handshake, after this user has suspended: it gets copies.
    std::vector<std::pair<std::string, std::string>> headers;
    for (std::size_t i = 0; i < request.header_count; ++i) {
        headers.emplace_back(std::string(text(request.headers[i].name)),
                             std::string(text(request.headers[i].value)));
    }
    for (const auto& [name, value] : headers) {
        if (!safe_header_part(name, true) || !safe_header_part(value, false)) {
            return set_error(
                LOADS_HTTP_INVALID_REQUEST,
                "invalid web socket header: names and values may not contain CR or LF, names no ':'");
        }
    }
    std::string protocols;
    for (std::size_t i = 0; i < request.protocol_count; ++i) {
        const std::string_view protocol = text(request.protocols[i]);
        if (protocol.empty() || !safe_header_part(protocol, true) ||
            protocol.find(',') != std::string_view::npos) {
            return set_error(
                LOADS_HTTP_INVALID_REQUEST,
                "invalid web socket subprotocol: each must be a token without CR, LF, ':' or ','");
        }
        protocols += (i > 0 ? ", " : "") + std::string(protocol);
    }
    std::string cookie;
    m_http.cookies().header_for(url, cookie, std::chrono::system_clock::now());
    ws.set_option(open_timeouts());
    ws.set_option(websocket::stream_base::decorator(
        [headers = std::move(headers), protocols, cookie,
         agent = m_http.settings().user_agent](websocket::request_type& req) {
            req.set(beast::http::field::user_agent, agent);
            if (!protocols.empty()) {
                req.set(beast::http::field::sec_websocket_protocol, protocols);
            }
            if (!cookie.empty()) {
                req.set(beast::http::field::cookie, cookie);
            }
            for (const auto& [name, value] : headers) {
                req.set(name, value);
            }
        }));
    websocket::response_type response;
    boost::system::error_code ec;
    // What is left of the one deadline connect + TLS + upgrade share.
    const auto left = std::max(
        std::chrono::milliseconds(1),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    WatchedStep step(m_http, tcp(), left);
    ws.async_handshake(response, url.host_header, url.target, m_http.suspend(yield, ec));
    const bool timed_out = step.finish();
    if (m_http.cancelled()) {
        return set_error(LOADS_HTTP_CANCELLED, std::string(k_cancelled_message));
    }
    if (timed_out) {
        return set_error(LOADS_HTTP_TIMEOUT, "web socket handshake with " + url.origin + " timed out");
    }
    const auto now = std::chrono::system_clock::now();
    for (const auto& field : response) {
        if (field.name() == beast::http::field::set_cookie) {
            m_http.cookies().store(url, field.value(), now);
        }
    }
    if (ec == websocket::error::upgrade_declined) {
        return set_error(LOADS_WS_HANDSHAKE, "the server refused the web socket upgrade of " + url.origin +
                                                 url.target + ": " + std::to_string(response.result_int()) +
                                                 " " + std::string(response.reason()));
    }
    if (ec) {
        return set_error(LOADS_WS_HANDSHAKE,
                         "web socket handshake with " + url.origin + " failed: " + ec.message());
    }
    m_protocol = std::string(response[beast::http::field::sec_websocket_protocol]);
    return LOADS_HTTP_OK;
}

int32_t WebSocket::open(const Url& url, const loads_ws_request& request, bool verify, Yield& yield) {
    m_origin = url.origin;
    m_url.assign(request.url.ptr, request.url.len);
    const auto timeout = timeout_from_seconds(request.timeout, m_http.settings().connect_timeout);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int32_t rc;
    if (url.tls()) {
        m_secure = std::make_unique<SecureStream>(m_http.io(), m_http.tls_client().context(verify));
        try {
            TlsClient::prepare(m_secure->next_layer(), url.host, verify, nullptr);
        } catch (const std::exception& e) {
            return set_error(LOADS_HTTP_TLS, e.what());
        }
        rc = m_http.connect(url, tcp(), &m_secure->next_layer(), timeout, yield);
    } else {
        m_plain = std::make_unique<PlainStream>(m_http.io());
        rc = m_http.connect(url, tcp(), nullptr, timeout, yield);
    }
    if (rc != LOADS_HTTP_OK) {
        return set_error(rc, m_http.error());
    }
    rc = with_stream([&](auto& ws) { return handshake(ws, url, request, deadline, yield); });
    if (rc != LOADS_HTTP_OK) {
        boost::system::error_code ignored;
        tcp().close(ignored);
        return rc;
    }
    // Closing is timed by hand (arm_close_timer): Beast 1.81 waits for the server to end the
    // connection after a close frame without any timer, and a server that never does must not
    // hold this user, or the end of the run, forever.
    with_stream([this](auto& ws) {
        ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
            if (kind == websocket::frame_type::close) {
                note_close_reason();
                arm_close_timer();  // the server started closing
            }
        });
    });
    m_open = true;
    m_recorder.socket_opened(m_url);
    read_next();
    return LOADS_HTTP_OK;
}

void WebSocket::read_next() {
    m_reading = true;
    with_stream([&](auto& ws) {
        ws.async_read(m_read_buffer,
                      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t bytes) {
                          self->on_read(ec, bytes);
                      });
    });
}

void WebSocket::note_close_reason() {
    if (!m_close_reason.empty()) {
        return;
    }
    const auto reason = with_stream([](auto& ws) { return ws.reason(); });
    m_close_reason = "the web socket was closed (code " + std::to_string(reason.code) +
                     (reason.reason.empty() ? std::string()
                                            : ", " + one_line(reason.reason.data(), reason.reason.size())) +
                     ")";
}

void WebSocket::arm_close_timer() {
    if (m_close_timer_armed) {
        return;
    }
    m_close_timer_armed = true;
    m_close_timer.expires_after(k_close_timeout);
    m_close_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) {  // the closing handshake overran: drop the connection
            boost::system::error_code ignored;
            self->tcp().close(ignored);
        }
    });
}

void WebSocket::disarm_close_timer_when_done() {
    if (!m_reading && m_closing == 0) {
        m_close_timer.cancel();  // nothing left to wait for: the run need not wait either
    }
}

void WebSocket::on_read(const boost::system::error_code& ec, std::size_t bytes) {
    m_reading = false;
    if (ec) {
        if (ec == websocket::error::closed) {
            note_close_reason();
        } else if (m_close_reason.empty()) {
            m_close_reason = "the web socket to " + m_origin + " broke: " + ec.message();
        }
        m_open = false;
        note_closed();
        wake();
        disarm_close_timer_when_done();
        return;
    }
    m_recorder.socket_message(m_url, bytes);
    const bool binary = with_stream([](auto& ws) { return !ws.got_text(); });
    m_inbox.push_back(Message{beast::buffers_to_string(m_read_buffer.data()), binary});
    m_read_buffer.consume(m_read_buffer.size());
    wake();
    read_next();
}

void WebSocket::note_closed() {
    if (!m_counted_close) {
        m_counted_close = true;
        m_recorder.socket_closed(m_url);
    }
}

void WebSocket::wake() {
    m_waiter.cancel();
}

int32_t WebSocket::send(std::string_view data, bool binary, Yield& yield) {
    if (!m_open) {
        return set_error(LOADS_WS_CLOSED,
                         m_close_reason.empty() ? "the web socket is closed" : m_close_reason);
    }
    boost::system::error_code ec;
    WatchedStep step(m_http, tcp(), m_http.settings().timeout);
    with_stream([&](auto& ws) {
        ws.binary(binary);
        ws.async_write(asio::buffer(data.data(), data.size()), m_http.suspend(yield, ec));
    });
    const bool timed_out = step.finish();
    if (m_http.cancelled()) {
        return set_error(LOADS_HTTP_CANCELLED, std::string(k_cancelled_message));
    }
    if (timed_out) {
        return set_error(LOADS_HTTP_TIMEOUT, "sending on the web socket to " + m_origin + " timed out");
    }
    if (ec == websocket::error::closed) {
        return set_error(LOADS_WS_CLOSED,
                         m_close_reason.empty() ? "the web socket is closed" : m_close_reason);
    }
    if (ec) {
        return set_error(LOADS_HTTP_CONNECTION,
                         "sending on the web socket to " + m_origin + " failed: " + ec.message());
    }
    return LOADS_HTTP_OK;
}

int32_t WebSocket::receive(bool wait, std::chrono::milliseconds timeout, loads_ws_message& out,
                           Yield& yield) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (!m_inbox.empty()) {
            m_current = std::move(m_inbox.front().data);
            out.binary = m_inbox.front().binary ? 1 : 0;
            m_inbox.pop_front();
            out.data = view(m_current);
            return LOADS_HTTP_OK;
        }
        if (m_http.cancelled()) {
            return set_error(LOADS_HTTP_CANCELLED, std::string(k_cancelled_message));
        }
        if (!m_reading) {  // nothing more can arrive
            return set_error(LOADS_WS_CLOSED,
                             m_close_reason.empty() ? "the web socket is closed" : m_close_reason);
        }
        if (!wait) {
            return set_error(LOADS_WS_NO_MESSAGE, "no message yet");
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return set_error(LOADS_HTTP_TIMEOUT, "no message on the web socket to " + m_origin + " within " +
                                                     seconds_text(timeout));
        }
        boost::system::error_code ec;
        m_waiter.expires_at(deadline);
        m_waiter.async_wait(m_http.suspend(yield, ec));
    }
}

int32_t WebSocket::close(std::uint16_t code, std::string_view reason, Yield& yield) {
    if (!m_open) {
        return LOADS_HTTP_OK;
    }
    m_open = false;
    note_closed();
    arm_close_timer();
    ++m_closing;
    boost::system::error_code ec;
    with_stream([&](auto& ws) {
        // A close frame's payload is at most 125 bytes: the 2-byte code and 123 of reason.
        const std::string_view text = reason.substr(0, 123);
        ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(code),
                                               beast::string_view(text.data(), text.size())),
                       m_http.suspend(yield, ec));
    });
    --m_closing;
    disarm_close_timer_when_done();
    if (m_close_reason.empty()) {
        m_close_reason = "the web socket was closed by the test";
    }
    if (m_http.cancelled()) {
        return set_error(LOADS_HTTP_CANCELLED, std::string(k_cancelled_message));
    }
    // The server not answering the close is its problem, not the test's: the socket is closed
    // either way.
    return LOADS_HTTP_OK;
}

void WebSocket::close_in_background() {
    if (!m_open) {
        return;
    }
    m_open = false;
    note_closed();
    arm_close_timer();
    ++m_closing;
    with_stream([&](auto& ws) {
        ws.async_close(websocket::close_code::normal,
                       [self = shared_from_this()](const boost::system::error_code&) {
                           --self->m_closing;
                           self->disarm_close_timer_when_done();
                       });
    });
}

void WebSocket::abort() {
    if (!m_plain && !m_secure) {
        return;
    }
    if (m_open) {
        m_open = false;
        note_closed();
    }
    boost::system::error_code ignored;
    tcp().close(ignored);
    m_close_timer.cancel();
    wake();
}

}  // namespace loads::host
