#include "http_session.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include "abi_strings.hpp"

namespace loads::host {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t k_read_chunk = 16 * 1024;
constexpr std::uint32_t k_header_limit = 64 * 1024;
const std::string k_cancelled = "virtual user stopped by the runner";

std::string seconds_text(std::chrono::milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%gs", double(ms.count()) / 1000.0);
    return buf;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Characters that would end the header line or the name early: sending them would let a test
// inject headers or split the request.
bool safe_header_part(std::string_view s, bool is_name) {
    return std::none_of(s.begin(), s.end(),
                        [&](char c) { return c == '\r' || c == '\n' || (is_name && c == ':'); }) &&
           !(is_name && s.empty());
}

bool is_localhost(std::string_view host) {
    constexpr std::string_view k_suffix = ".localhost";
    return iequals(host, "localhost") ||
           (host.size() > k_suffix.size() && iequals(host.substr(host.size() - k_suffix.size()), k_suffix));
}

// RFC 9110 token: what a method may be made of (no space, no CR/LF, no separators).
bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

// A non-blocking peek: has the server closed this idle connection (or sent something unasked)?
// One extra system call, spent only before requests that must not be resent.
bool looks_closed(TcpSocket& socket) {
    char byte;
    const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

// The server closed a kept-alive connection before answering: the request can safely be resent.
bool is_stale_connection(const beast::error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted;
}

}  // namespace

HttpSession::HttpSession(asio::io_context& ioc, DnsCache& dns, DnsLookups& lookups,
                         const HttpSettings& settings)
    : m_ioc(ioc), m_dns(dns), m_lookups(lookups), m_wait_timer(ioc), m_settings(settings) {}

HttpSession::~HttpSession() = default;

Yield HttpSession::suspend(Yield& yield, beast::error_code& ec) {
    ++m_suspensions;  // every asynchronous operation suspends the user until it completes
    return yield[ec];
}

int32_t HttpSession::fail(loads_http_response& response, int32_t kind, std::string message) {
    m_error = std::move(message);
    response.error_kind = kind;
    response.error = view(m_error);
    return kind;
}

HttpSession::Connection& HttpSession::connection_for(const Url& url) {
    for (auto& c : m_connections) {
        if (c->origin == url.origin) {
            return *c;
        }
    }
    auto& c = m_connections.emplace_back(std::make_unique<Connection>(m_ioc));
    c->origin = url.origin;
    return *c;
}

void HttpSession::close(Connection& c) {
    beast::error_code ignored;
    c.socket.close(ignored);
    c.buffer.clear();
    c.open = false;
}

void HttpSession::cancel() {
    m_cancelled = true;
    if (m_leading) {
        m_leading->resolver.cancel();
    }
    m_wait_timer.cancel();
    for (auto& c : m_connections) {
        close(*c);
    }
}

void HttpSession::check_deadline(clock::time_point now) {
    if (now < m_deadline) {
        return;
    }
    m_deadline = clock::time_point::max();
    m_timed_out = true;
    if (m_leading) {
        m_leading->resolver.cancel();
    }
    m_wait_timer.cancel();
    if (m_active != nullptr) {
        close(*m_active);
    }
}

bool HttpSession::serialize(const loads_http_request& request, const Url& url) {
    const std::string_view method = text(request.method);
    if (!is_token(method)) {
        return false;
    }
    std::string& out = m_request;
    out.clear();
    out.append(method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
    bool has_host = false;
    bool has_agent = false;
    for (std::size_t i = 0; i < request.header_count; ++i) {
        const std::string_view name = text(request.headers[i].name);
        const std::string_view value = text(request.headers[i].value);
        if (!safe_header_part(name, true) || !safe_header_part(value, false)) {
            return false;
        }
        // The body's length is always the real one.
        if (iequals(name, "content-length")) {
            continue;
        }
        has_host = has_host || iequals(name, "host");
        has_agent = has_agent || iequals(name, "user-agent");
        out.append(name).append(": ").append(value).append("\r\n");
    }
    if (!has_host) {
        out.append("Host: ").append(url.host_header).append("\r\n");
    }
    if (!has_agent) {
        out.append("User-Agent: ").append(m_settings.user_agent).append("\r\n");
    }
    const bool body_expected = method == "POST" || method == "PUT" || method == "PATCH";
    if (request.body.len > 0 || body_expected) {
        out.append("Content-Length: ").append(std::to_string(request.body.len)).append("\r\n");
    }
    out.append("\r\n");
    out.append(text(request.body));
    return true;
}

boost::system::error_code HttpSession::resolve(const Url& url, DnsCache::Results& endpoints, Yield& yield) {
    beast::error_code ec;
    while (!m_cancelled && !m_timed_out) {
        if (m_dns.find(url.origin, endpoints)) {
            return {};
        }
        if (auto it = m_lookups.find(url.origin); it != m_lookups.end()) {
            // Another user of this worker is resolving it: wait to be woken, then look again.
            const std::shared_ptr<DnsLookup> lookup = it->second;
            lookup->waiters.push_back(&m_wait_timer);
            m_wait_timer.expires_at(clock::time_point::max());
            m_wait_timer.async_wait(suspend(yield, ec));
            lookup->forget(&m_wait_timer);
            // A name that does not resolve fails for everyone at once; a lookup abandoned by its
            // user (stopped or timed out) is tried again by the next.
            if (lookup->finished && lookup->result && lookup->result != asio::error::operation_aborted) {
                return lookup->result;
            }
            continue;
        }
        m_leading = std::make_shared<DnsLookup>(m_ioc);
        m_lookups.emplace(url.origin, m_leading);
        const auto results = m_leading->resolver.async_resolve(url.host, url.port, suspend(yield, ec));
        if (!ec) {
            for (const auto& entry : results) {
                endpoints.push_back(entry.endpoint());
            }
            m_dns.store(url.origin, endpoints);
        }
        m_lookups.erase(url.origin);
        m_leading->result = ec;
        m_leading->finished = true;
        m_leading->wake_all();  // they find the answer in the cache, or one of them tries again
        m_leading.reset();
        return ec;
    }
    return asio::error::operation_aborted;
}

int32_t HttpSession::open(Connection& c, const Url& url, loads_http_response& response, Yield& yield) {
    beast::error_code ec;
    m_deadline = clock::now() + m_settings.connect_timeout;
    DnsCache::Results endpoints;
    if (is_localhost(url.host)) {
        // RFC 6761: localhost is the loopback interface, whatever /etc/hosts or DNS say (and
        // minimal systems may have neither).
        const auto port = static_cast<unsigned short>(std::stoul(url.port));
        endpoints = {{asio::ip::address_v4::loopback(), port}, {asio::ip::address_v6::loopback(), port}};
    } else if (!m_dns.find(url.origin, endpoints)) {
        ec = resolve(url, endpoints, yield);
        if (!m_cancelled && !m_timed_out && ec) {
            return fail(response, LOADS_HTTP_DNS, "cannot resolve " + url.host + ": " + ec.message());
        }
    }
    if (!m_cancelled && !m_timed_out) {
        m_active = &c;
        asio::async_connect(c.socket, endpoints, suspend(yield, ec));
    }
    m_active = nullptr;
    if (m_cancelled) {
        close(c);
        return fail(response, LOADS_HTTP_CANCELLED, k_cancelled);
    }
    if (m_timed_out) {
        close(c);
        return fail(
            response, LOADS_HTTP_TIMEOUT,
            "connecting to " + url.origin + " timed out after " + seconds_text(m_settings.connect_timeout));
    }
    if (ec) {
        close(c);
        return fail(response, LOADS_HTTP_CONNECT, "cannot connect to " + url.origin + ": " + ec.message());
    }
    c.socket.set_option(tcp::no_delay(true), ec);
    c.buffer.clear();
    c.open = true;
    return LOADS_HTTP_OK;
}

HttpSession::Outcome HttpSession::exchange(Connection& c, bool reused, bool is_head, beast::error_code& ec,
                                           Yield& yield) {
    m_active = &c;
    asio::async_write(c.socket, asio::buffer(m_request), suspend(yield, ec));
    if (ec) {
        m_active = nullptr;
        return reused && is_stale_connection(ec) ? Outcome::retry : Outcome::failed;
    }
    bool got_reply_bytes = false;
    for (;;) {  // one pass per response message: interim 1xx replies are read and dropped
        m_response.clear();
        ResponseParser parser(m_response);
        parser.header_limit(k_header_limit);
        parser.body_limit(m_settings.body_limit);
        parser.skip(is_head);  // a HEAD response announces a length but carries no body
        for (;;) {
            if (c.buffer.size() > 0) {
                const std::size_t used = parser.put(c.buffer.data(), ec);
                c.buffer.consume(used);
                got_reply_bytes = got_reply_bytes || used > 0;
                if (ec == http::error::need_more) {
                    ec = {};
                } else if (ec) {
                    break;
                }
                if (parser.is_done()) {
                    break;
                }
                if (used > 0 && c.buffer.size() > 0) {
                    continue;  // header parsed, body bytes still buffered
                }
            }
            const std::size_t n =
                c.socket.async_read_some(c.buffer.prepare(k_read_chunk), suspend(yield, ec));
            if (ec == asio::error::eof && parser.got_some()) {
                parser.put_eof(ec);  // a body delimited by the end of the connection ends here
                break;
            }
            if (ec) {
                break;
            }
            got_reply_bytes = got_reply_bytes || n > 0;
            c.buffer.commit(n);
        }
        if (ec || !parser.is_done()) {
            break;
        }
        const int status = m_response.status;
        if (status >= 100 && status < 200 && status != 101) {
            continue;  // 100 Continue, 103 Early Hints...: the real answer follows
        }
        m_active = nullptr;
        if (!parser.keep_alive()) {
            close(c);
        }
        return Outcome::ok;
    }
    m_active = nullptr;
    return reused && !got_reply_bytes && is_stale_connection(ec) ? Outcome::retry : Outcome::failed;
}

int32_t HttpSession::perform(const loads_http_request& request, loads_http_response& response,
                             RunStats& stats, Yield& yield) {
    const std::string_view url_text = text(request.url);
    m_url.assign(url_text);
    response.url = view(m_url);
    if (m_cancelled) {
        return fail(response, LOADS_HTTP_CANCELLED, k_cancelled);
    }
    if (url_text != m_last_url_text) {
        std::string error;
        auto parsed = parse_url(url_text, error);
        if (!parsed) {
            m_last_url_text.clear();
            return fail(response, LOADS_HTTP_INVALID_URL, std::move(error));
        }
        m_last_url = std::move(*parsed);
        m_last_url_text.assign(url_text);
    }
    const Url& url = m_last_url;
    if (!serialize(request, url)) {
        return fail(response, LOADS_HTTP_INVALID_REQUEST,
                    "invalid request: the method must be a token, header names and values may not "
                    "contain CR or LF, header names no ':'");
    }
    const std::string_view method = text(request.method);
    // Clamped to a day: a huge (or infinite) per-request timeout must not overflow the clock.
    const auto timeout = request.timeout > 0
                             ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::duration<double>(std::min(request.timeout, 86400.0)))
                             : m_settings.timeout;

    // RFC 9110 9.2.2: only these may be sent again when a kept-alive connection dies under them.
    const bool idempotent = method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
                            method == "DELETE" || method == "TRACE";
    m_timed_out = false;
    const auto started = clock::now();
    beast::error_code ec;
    Outcome outcome = Outcome::failed;
    for (int attempt = 0; attempt < 3; ++attempt) {
        Connection& c = connection_for(url);
        const bool reused = c.open;
        if (!c.open) {
            if (const int32_t rc = open(c, url, response, yield); rc != LOADS_HTTP_OK) {
                m_deadline = clock::time_point::max();
                return rc;
            }
        }
        if (reused && !idempotent && looks_closed(c.socket)) {
            close(c);  // the server has hung up: open a new connection rather than risk a resend
            continue;
        }
        m_deadline = clock::now() + timeout;
        outcome = exchange(c, reused, method == "HEAD", ec, yield);
        if (outcome == Outcome::retry && !idempotent) {
            outcome = Outcome::failed;  // it may have been processed: never send it twice
        }
        if (outcome != Outcome::ok) {
            close(c);
        }
        if (outcome != Outcome::retry || m_cancelled || m_timed_out) {
            break;
        }
    }
    m_deadline = clock::time_point::max();
    const auto elapsed = clock::now() - started;

    if (m_cancelled) {
        return fail(response, LOADS_HTTP_CANCELLED, k_cancelled);
    }
    if (m_timed_out) {
        return fail(response, LOADS_HTTP_TIMEOUT,
                    std::string(method) + " " + m_url + " timed out after " + seconds_text(timeout));
    }
    if (outcome != Outcome::ok) {
        const bool protocol = ec.category() == http::make_error_code(http::error::bad_version).category() &&
                              ec != http::error::partial_message;
        if (protocol) {
            return fail(
                response, LOADS_HTTP_PROTOCOL,
                "invalid HTTP response to " + std::string(method) + " " + m_url + ": " + ec.message());
        }
        return fail(response, LOADS_HTTP_CONNECTION,
                    "connection to " + url.origin + " failed during " + std::string(method) + " " + m_url +
                        ": " + ec.message());
    }

    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
    response.error_kind = LOADS_HTTP_OK;
    response.status = m_response.status;
    response.reason = view(m_response.reason);
    response.headers = view(m_response.header_block);
    response.body = view(m_response.body);
    response.elapsed = std::chrono::duration<double>(elapsed).count();
    stats.record_hit(url_text, response.status, static_cast<std::uint64_t>(micros));
    return LOADS_HTTP_OK;
}

}  // namespace loads::host
