#include "http/session.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <type_traits>

#include <sys/socket.h>

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include "base/abi_strings.hpp"
#include "http/connector.hpp"
#include "http/text.hpp"

namespace loads::host {
namespace asio = boost::asio;
using namespace std::literals;  // "..."sv: literal parts of a request are appended without strlen
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t k_read_chunk = 16 * 1024;
constexpr std::uint32_t k_header_limit = 64 * 1024;
const std::string k_cancelled(k_cancelled_message);

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

// A TLS peer that closes without close_notify: for HTTP/1.1 that is simply the end of the
// connection (every message carries its own length), as browsers and Requests treat it. Nothing
// to do on a plain socket, where comparing error categories would cost a call per read.
template <class Stream>
void tls_eof_is_eof(beast::error_code& ec) {
    if constexpr (!std::is_same_v<Stream, TcpSocket>) {
        if (ec == asio::ssl::error::stream_truncated) {
            ec = asio::error::eof;
        }
    }
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// Addresses of one family in the order the resolver gave, each family turned by `turn`: users
// spread over a name's A (or AAAA) records, as the seed balanced its load, while the preferred
// family stays first and the other remains a fallback.
void spread(DnsCache::Results& endpoints, std::uint32_t turn) {
    if (endpoints.size() < 2) {
        return;
    }
    const bool first_v4 = endpoints.front().address().is_v4();
    const auto middle =
        std::stable_partition(endpoints.begin(), endpoints.end(),
                              [&](const tcp::endpoint& e) { return e.address().is_v4() == first_v4; });
    for (auto [b, e] : {std::pair{endpoints.begin(), middle}, std::pair{middle, endpoints.end()}}) {
        if (const auto n = e - b; n > 1) {
            std::rotate(b, b + static_cast<std::ptrdiff_t>(turn % static_cast<std::uint32_t>(n)), e);
        }
    }
}

// The server closed a kept-alive connection before answering: the request can safely be resent.
bool is_stale_connection(const beast::error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted;
}

}  // namespace

HttpSession::HttpSession(asio::io_context& ioc, DnsCache& dns, DnsLookups& lookups, StepWatchdog& watchdog,
                         const HttpSettings& settings, std::uint32_t seed)
    : m_ioc(ioc),
      m_dns(dns),
      m_lookups(lookups),
      m_wait_timer(ioc),
      m_settings(settings),
      m_address_turn(seed),
      m_watchdog(watchdog) {}

HttpSession::~HttpSession() {
    m_watchdog.remove(m_watch_slot);
}

TlsClient& HttpSession::tls_client() const {
    if (m_settings.tls) {
        return *m_settings.tls;
    }
    static TlsClient defaults{TlsSettings{}};  // for sessions made without a plan (unit tests)
    return defaults;
}

Yield HttpSession::suspend(Yield& yield, beast::error_code& ec) {
    ++m_suspensions;  // every asynchronous operation suspends the user until it completes
    return yield[ec];
}

int32_t HttpSession::set_error(int32_t kind, std::string message) {
    m_error = std::move(message);
    return kind;
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
    if (c.tls && c.open) {
        TlsSessionCache::keep_resumable(*c.tls);
    }
    beast::error_code ignored;
    c.tcp().close(ignored);
    c.buffer.clear();
    c.open = false;
}

void HttpSession::abort_step() {
    if (m_leading) {
        m_leading->resolver.cancel();
    }
    m_wait_timer.cancel();
    if (m_active != nullptr) {
        beast::error_code ignored;
        m_active->close(ignored);
    }
}

void HttpSession::cancel() {
    m_cancelled = true;
    abort_step();
    for (auto& c : m_connections) {
        close(*c);
    }
}

void HttpSession::leave() {
    for (auto& c : m_connections) {
        close(*c);
    }
    m_cookies.clear();
}

void HttpSession::check_deadline(clock::time_point now) {
    if (now < m_deadline) {
        return;
    }
    m_deadline = clock::time_point::max();
    m_timed_out = true;
    abort_step();
}

void HttpSession::arm(TcpSocket& socket, std::chrono::milliseconds timeout) {
    m_timed_out = false;
    m_active = &socket;
    m_deadline = clock::now() + timeout;
    m_watchdog.add(*this, m_watch_slot);
}

bool HttpSession::disarm() {
    m_active = nullptr;
    m_deadline = clock::time_point::max();
    m_watchdog.remove(m_watch_slot);
    const bool timed_out = m_timed_out;
    m_timed_out = false;
    return timed_out;
}

bool HttpSession::serialize(const loads_http_request& request, const Url& url, const Hop& hop) {
    if (!is_token(hop.method)) {
        return false;
    }
    // The head is sized once for the longest it can be, written with plain copies, then cut to
    // length: a dozen string appends, each an out-of-line call checking capacity, cost more than
    // the rest of building a request.
    std::size_t bound = hop.method.size() + url.target.size() + 16;  // " ", " HTTP/1.1\r\n", final CRLF
    for (std::size_t i = 0; i < request.header_count; ++i) {
        const std::string_view name = text(request.headers[i].name);
        const std::string_view value = text(request.headers[i].value);
        if (!safe_header_part(name, true) || !safe_header_part(value, false)) {
            return false;
        }
        bound += name.size() + value.size() + 4;
    }
    bound += url.host_header.size() + 8 + m_settings.user_agent.size() + 14 + 40;  // the body is appended

    std::string& out = m_request;
    out.resize(bound);
    char* w = out.data();
    const auto put = [&w](std::string_view part) __attribute__((always_inline)) {
        if (!part.empty()) {  // an empty view's data() may be null, which memcpy must not get
            std::memcpy(w, part.data(), part.size());
            w += part.size();
        }
    };
    put(hop.method);
    put(" "sv);
    put(url.target);
    put(" HTTP/1.1\r\n"sv);
    bool has_host = false;
    bool has_agent = false;
    bool has_cookie = false;
    for (std::size_t i = 0; i < request.header_count; ++i) {
        const std::string_view name = text(request.headers[i].name);
        const std::string_view value = text(request.headers[i].value);
        // The body's length is always the real one.
        if (iequals(name, "content-length")) {
            continue;
        }
        if (hop.drop_body_headers && (iequals(name, "content-type") || iequals(name, "transfer-encoding"))) {
            continue;
        }
        if (hop.drop_credentials && (iequals(name, "authorization") || iequals(name, "host"))) {
            continue;
        }
        const bool is_cookie = iequals(name, "cookie");
        if (is_cookie && hop.drop_cookie_header) {
            continue;
        }
        has_cookie = has_cookie || is_cookie;
        has_host = has_host || iequals(name, "host");
        has_agent = has_agent || iequals(name, "user-agent");
        put(name);
        put(": "sv);
        put(value);
        put("\r\n"sv);
    }
    if (!has_host) {
        put("Host: "sv);
        put(url.host_header);
        put("\r\n"sv);
    }
    if (!has_agent) {
        put("User-Agent: "sv);
        put(m_settings.user_agent);
        put("\r\n"sv);
    }
    // Like Requests, a Cookie header the test sets replaces the jar's cookies for that request.
    if (!has_cookie && !m_cookies.empty()) {
        m_cookie_header.clear();
        if (m_cookies.header_for(url, m_cookie_header, std::chrono::system_clock::now())) {
            // Its length was not known when the buffer was sized.
            const std::size_t at = static_cast<std::size_t>(w - out.data());
            out.resize(out.size() + m_cookie_header.size() + 10);
            w = out.data() + at;
            put("Cookie: "sv);
            put(m_cookie_header);
            put("\r\n"sv);
        }
    }
    const bool body_expected = hop.method == "POST" || hop.method == "PUT" || hop.method == "PATCH";
    if (!hop.body.empty() || body_expected) {
        char digits[24];
        const char* const end = std::to_chars(std::begin(digits), std::end(digits), hop.body.size()).ptr;
        put("Content-Length: "sv);
        put(std::string_view(digits, static_cast<std::size_t>(end - digits)));
        put("\r\n"sv);
    }
    put("\r\n"sv);
    out.resize(static_cast<std::size_t>(w - out.data()));
    out.append(hop.body);  // not in the sized part: resize would first fill its length with zeros
    return true;
}

boost::system::error_code HttpSession::resolve(const Url& url, DnsCache::Results& endpoints, Yield& yield) {
    beast::error_code ec;
    while (!m_cancelled && !m_timed_out) {
        if (m_dns.find(url.endpoint, endpoints)) {
            return {};
        }
        if (auto it = m_lookups.find(url.endpoint); it != m_lookups.end()) {
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
        m_lookups.emplace(url.endpoint, m_leading);
        const auto results = m_leading->resolver.async_resolve(url.host, url.port, suspend(yield, ec));
        if (!ec) {
            for (const auto& entry : results) {
                endpoints.push_back(entry.endpoint());
            }
            m_dns.store(url.endpoint, endpoints);
        }
        m_lookups.erase(url.endpoint);
        m_leading->result = ec;
        m_leading->finished = true;
        m_leading->wake_all();  // they find the answer in the cache, or one of them tries again
        m_leading.reset();
        return ec;
    }
    return asio::error::operation_aborted;
}

// Gets `socket` connected to one of `url`'s addresses (or hands that to the connector). A name
// that does not resolve is LOADS_HTTP_DNS, with the error set; any other failure is left in `ec`.
int32_t HttpSession::reach(const Url& url, TcpSocket& socket, beast::error_code& ec, Yield& yield) {
    if (m_settings.connector) {
        ec = m_settings.connector->connect(url, socket, yield);
        return LOADS_HTTP_OK;
    }
    DnsCache::Results endpoints;
    if (is_localhost(url.host)) {
        // RFC 6761: localhost is the loopback interface, whatever /etc/hosts or DNS say (and
        // minimal systems may have neither).
        const auto port = static_cast<unsigned short>(std::stoul(url.port));
        endpoints = {{asio::ip::address_v4::loopback(), port}, {asio::ip::address_v6::loopback(), port}};
    } else if (!m_dns.find(url.endpoint, endpoints)) {
        ec = resolve(url, endpoints, yield);
        if (!m_cancelled && !m_timed_out && ec) {
            return set_error(LOADS_HTTP_DNS, "cannot resolve " + url.host + ": " + ec.message());
        }
    }
    spread(endpoints, m_address_turn++);
    if (!m_cancelled && !m_timed_out) {
        asio::async_connect(socket, endpoints, suspend(yield, ec));
    }
    return LOADS_HTTP_OK;
}

int32_t HttpSession::connect(const Url& url, TcpSocket& socket, TlsStream* tls,
                             std::chrono::milliseconds timeout, Yield& yield) {
    beast::error_code ec;
    WatchedStep step(*this, socket, timeout);
    if (const int32_t rc = reach(url, socket, ec, yield); rc != LOADS_HTTP_OK) {
        step.finish();
        return rc;
    }
    if (!ec && tls != nullptr && !m_cancelled && !m_timed_out) {
        socket.set_option(tcp::no_delay(true), ec);
        tls->async_handshake(asio::ssl::stream_base::client, suspend(yield, ec));
        if (ec && !m_cancelled && !m_timed_out) {
            const std::string why =
                describe_tls_error(ec, *tls, SSL_get_verify_mode(tls->native_handle()) != SSL_VERIFY_NONE);
            step.finish();
            beast::error_code ignored;
            socket.close(ignored);
            return set_error(LOADS_HTTP_TLS, "TLS handshake with " + url.origin + " failed: " + why);
        }
    }
    const bool timed_out = step.finish();
    beast::error_code ignored;
    if (m_cancelled) {
        socket.close(ignored);
        return set_error(LOADS_HTTP_CANCELLED, k_cancelled);
    }
    if (timed_out) {
        socket.close(ignored);
        return set_error(LOADS_HTTP_TIMEOUT,
                         "connecting to " + url.origin + " timed out after " + seconds_text(timeout));
    }
    if (ec) {
        socket.close(ignored);
        return set_error(LOADS_HTTP_CONNECT, "cannot connect to " + url.origin + ": " + ec.message());
    }
    socket.set_option(tcp::no_delay(true), ec);
    return LOADS_HTTP_OK;
}

int32_t HttpSession::open(Connection& c, const Url& url, bool verify, Yield& yield) {
    TlsStream* tls = nullptr;
    if (url.tls()) {
        try {
            c.tls = tls_client().make_stream(m_ioc, url.host, verify, c.session.get());
        } catch (const std::exception& e) {
            return set_error(LOADS_HTTP_TLS, e.what());
        }
        c.verify = verify;
        tls = c.tls.get();
    }
    const int32_t rc = connect(url, c.tcp(), tls, m_settings.connect_timeout, yield);
    if (rc != LOADS_HTTP_OK) {
        if (rc == LOADS_HTTP_TLS) {
            c.session.forget();  // a session the server no longer accepts must not be offered again
        }
        close(c);
        return rc;
    }
    if (!c.tls) {
        // Lets exchange() write a request at once without blocking the thread (see there); left
        // blocking if the kernel refuses, which only costs the fast path.
        beast::error_code ignored;
        c.socket.non_blocking(true, ignored);
    }
    c.buffer.clear();
    c.open = true;
    return LOADS_HTTP_OK;
}

template <class Stream>
HttpSession::Outcome HttpSession::exchange(Stream& stream, Connection& c, bool reused, bool is_head,
                                           beast::error_code& ec, Yield& yield) {
    ec = {};  // the caller's, and an earlier attempt's failure must not pass for this one's
    std::size_t sent = 0;
    if constexpr (std::is_same_v<Stream, TcpSocket>) {
        // A request nearly always fits the socket's send buffer: written here with one send(),
        // the user goes on to wait for the reply without a trip through the scheduler and back
        // (Asio posts even a write that completed at once), about a tenth of a request's work.
        if (stream.non_blocking()) {
            sent = stream.write_some(asio::buffer(m_request), ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                ec = {};
            }
        }
    }
    if (!ec && sent < m_request.size()) {
        asio::async_write(stream, asio::buffer(m_request) + sent, suspend(yield, ec));
    }
    tls_eof_is_eof<Stream>(ec);
    if (ec) {
        return reused && is_stale_connection(ec) ? Outcome::retry : Outcome::failed;
    }
    bool got_reply_bytes = false;
    for (;;) {  // one pass per response message: interim 1xx replies are read and dropped
        ResponseParser parser(m_response, k_header_limit, m_settings.body_limit, is_head);
        for (;;) {
            if (c.buffer.size() > 0) {
                const auto* bytes = static_cast<const char*>(c.buffer.data().data());
                const std::size_t used = parser.put(std::string_view(bytes, c.buffer.size()), ec);
                c.buffer.consume(used);
                got_reply_bytes = got_reply_bytes || used > 0;
                if (ec || parser.is_done()) {
                    break;
                }
            }
            const std::size_t n = stream.async_read_some(c.buffer.prepare(k_read_chunk), suspend(yield, ec));
            tls_eof_is_eof<Stream>(ec);
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
        if (c.tls) {
            c.session.remember(*c.tls);  // with TLS 1.3 the ticket arrives after the handshake
        }
        if (!parser.keep_alive()) {
            close(c);
        }
        return Outcome::ok;
    }
    return reused && !got_reply_bytes && is_stale_connection(ec) ? Outcome::retry : Outcome::failed;
}

int32_t HttpSession::send_once(const Url& url, const Hop& hop, bool verify, std::chrono::milliseconds timeout,
                               Yield& yield) {
    // RFC 9110 9.2.2: only these may be sent again when a kept-alive connection dies under them.
    const std::string_view method = hop.method;
    const bool idempotent = method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
                            method == "DELETE" || method == "TRACE";
    beast::error_code ec;
    Outcome outcome = Outcome::failed;
    bool timed_out = false;
    for (int attempt = 0; attempt < 3; ++attempt) {
        Connection& c = connection_for(url);
        if (url.tls() && c.verify != verify) {
            // Opened with the other verification setting. Its session goes too: a resumed
            // handshake checks no certificate, so an unverified session must never stand in for
            // a verified one.
            close(c);
            c.session.forget();
            c.verify = verify;
        }
        const bool reused = c.open;
        if (!c.open) {
            if (const int32_t rc = open(c, url, verify, yield); rc != LOADS_HTTP_OK) {
                return rc;
            }
        }
        if (reused && !idempotent && looks_closed(c.tcp())) {
            close(c);  // the server has hung up: open a new connection rather than risk a resend
            continue;
        }
        {
            WatchedStep step(*this, c.tcp(), timeout);
            outcome = c.tls ? exchange(*c.tls, c, reused, method == "HEAD", ec, yield)
                            : exchange(c.socket, c, reused, method == "HEAD", ec, yield);
            timed_out = step.finish();
        }
        if (outcome == Outcome::retry && !idempotent) {
            outcome = Outcome::failed;  // it may have been processed: never send it twice
        }
        if (outcome != Outcome::ok) {
            close(c);
        }
        if (outcome != Outcome::retry || m_cancelled || timed_out) {
            break;
        }
    }
    if (m_cancelled) {
        return set_error(LOADS_HTTP_CANCELLED, k_cancelled);
    }
    if (timed_out) {
        return set_error(LOADS_HTTP_TIMEOUT,
                         std::string(method) + " " + m_url + " timed out after " + seconds_text(timeout));
    }
    if (outcome != Outcome::ok) {
        const bool protocol = ec.category() == http::make_error_code(http::error::bad_version).category() &&
                              ec != http::error::partial_message;
        if (protocol) {
            return set_error(LOADS_HTTP_PROTOCOL, "invalid HTTP response to " + std::string(method) + " " +
                                                      m_url + ": " + ec.message());
        }
        return set_error(LOADS_HTTP_CONNECTION, "connection to " + url.origin + " failed during " +
                                                    std::string(method) + " " + m_url + ": " + ec.message());
    }
    return LOADS_HTTP_OK;
}

int32_t HttpSession::perform(const loads_http_request& request, loads_http_response& response,
                             Recorder& recorder, Yield& yield) {
    // Fields appended in ABI 1.1 exist only when the plugin's struct is that long.
    const bool has_v11 = LOADS_HAS_FIELD(&request, loads_http_request, max_redirects);
    const std::uint32_t flags = has_v11 ? request.flags : 0;
    const std::uint32_t max_redirects = has_v11 && request.max_redirects > 0 ? request.max_redirects : 30;
    const bool follow = (flags & LOADS_REQUEST_NO_REDIRECTS) == 0;
    const bool verify = tls_client().verifies_by_default() && (flags & LOADS_REQUEST_NO_VERIFY) == 0;
    const bool reports_redirects = LOADS_HAS_FIELD(&response, loads_http_response, redirects);

    const std::string_view url_text = text(request.url);
    m_url.assign(url_text);
    response.url = view(m_url);
    if (m_cancelled) {
        return fail(response, LOADS_HTTP_CANCELLED, k_cancelled);
    }
    if (url_text != m_last_url_text) {
        std::string error;
        auto parsed = parse_url(url_text, error);
        if (!parsed || parsed->web_socket()) {
            m_last_url_text.clear();
            return fail(response, LOADS_HTTP_INVALID_URL,
                        parsed ? "'" + std::string(url_text) + "' is a web socket URL: open it with create_ws"
                               : std::move(error));
        }
        m_last_url = std::move(*parsed);
        m_last_url_text.assign(url_text);
    }
    // Clamped to a day: a huge (or infinite) per-request timeout must not overflow the clock.
    const auto timeout = timeout_from_seconds(request.timeout, m_settings.timeout);

    Hop hop{text(request.method), text(request.body)};
    Url hop_url;  // the URL of the hops after the first (the first uses m_last_url)
    const Url* url = &m_last_url;
    std::uint32_t redirects = 0;
    for (;;) {
        if (!serialize(request, *url, hop)) {
            return fail(response, LOADS_HTTP_INVALID_REQUEST,
                        "invalid request: the method must be a token, header names and values may not "
                        "contain CR or LF, header names no ':'");
        }
        const auto started = clock::now();
        if (const int32_t rc = send_once(*url, hop, verify, timeout, yield); rc != LOADS_HTTP_OK) {
            response.error_kind = rc;
            response.error = view(m_error);
            return rc;
        }
        const auto elapsed = clock::now() - started;
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
        recorder.hit(hop.method, m_url, m_response.status, static_cast<std::uint64_t>(micros));
        response.elapsed = std::chrono::duration<double>(elapsed).count();
        if (!m_response.set_cookies.empty()) {
            const auto now = std::chrono::system_clock::now();
            for (const auto& at : m_response.set_cookies) {
                m_cookies.store(*url, m_response.slice(at), now);
            }
        }
        if (!follow || !is_redirect(m_response.status) || !m_response.has_location) {
            break;
        }
        if (redirects == max_redirects) {
            return fail(response, LOADS_HTTP_TOO_MANY_REDIRECTS,
                        "exceeded " + std::to_string(max_redirects) + " redirects, the last to " +
                            resolve_reference(*url, m_response.slice(m_response.location)));
        }
        std::string next_text = resolve_reference(*url, m_response.slice(m_response.location));
        std::string error;
        auto next = parse_url(next_text, error);
        if (!next || next->web_socket()) {
            return fail(response, LOADS_HTTP_INVALID_URL,
                        "redirect from " + m_url + " to an invalid URL: " + (next ? next_text : error));
        }
        // Requests' rules (rebuild_method, resolve_redirects): 302 and 303 turn everything but HEAD
        // into a GET, 301 a POST; every redirect but 307 and 308 drops the body and its headers.
        const int status = m_response.status;
        if (((status == 302 || status == 303) && hop.method != "HEAD") ||
            (status == 301 && hop.method == "POST")) {
            hop.method = "GET";
        }
        if (status != 307 && status != 308) {
            hop.body = {};
            hop.drop_body_headers = true;
        }
        // Credentials go no further than the origin the test gave them to (Requests'
        // should_strip_auth): another host, scheme or port drops them, except the upgrade from
        // http://host:80 to https://host:443.
        const bool upgrade = url->scheme == Scheme::http && url->port == "80" &&
                             next->scheme == Scheme::https && next->port == "443";
        const bool same_origin =
            next->host == url->host && next->scheme == url->scheme && next->port == url->port;
        hop.drop_credentials =
            hop.drop_credentials || (next->host != url->host) || (!same_origin && !upgrade);
        hop.drop_cookie_header = true;  // from now on cookies come from the jar, updated by this hop
        hop_url = std::move(*next);
        url = &hop_url;
        m_url = std::move(next_text);
        response.url = view(m_url);
        ++redirects;
    }

    response.error_kind = LOADS_HTTP_OK;
    response.status = m_response.status;
    response.reason = view(m_response.reason);
    response.headers = view(m_response.header_block);
    response.body = view(m_response.body);
    if (reports_redirects) {
        response.redirects = redirects;
    }
    return LOADS_HTTP_OK;
}

}  // namespace loads::host
