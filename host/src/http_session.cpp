#include "http_session.hpp"

#include <chrono>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace loads::host {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

loads_str view(const std::string& s) { return {s.data(), s.size()}; }

std::string seconds_text(std::chrono::milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%gs", double(ms.count()) / 1000.0);
    return buf;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// The server closed a kept-alive connection before answering: the request can safely be sent again.
bool is_stale_connection(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

}  // namespace

HttpSession::HttpSession(asio::io_context& ioc, DnsCache& dns, const HttpSettings& settings)
    : m_ioc(ioc), m_dns(dns), m_resolver(ioc), m_settings(settings) {}

HttpSession::~HttpSession() = default;

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

void HttpSession::cancel() {
    m_cancelled = true;
    m_resolver.cancel();
    for (auto& c : m_connections) {
        c->stream.close();
        c->open = false;
    }
}

int32_t HttpSession::perform(const loads_http_request& request, loads_http_response& response, RunStats& stats,
                             asio::yield_context yield) {
    const std::string_view url_text(request.url.ptr, request.url.len);
    m_url.assign(url_text);
    response.url = view(m_url);
    if (m_cancelled) {
        return fail(response, LOADS_HTTP_CANCELLED, "virtual user stopped by the runner");
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
    const auto timeout = request.timeout > 0
                             ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::duration<double>(request.timeout))
                             : m_settings.timeout;

    const std::string_view method(request.method.ptr, request.method.len);
    http::request<http::string_body> req;
    req.version(11);
    req.method_string(method);
    req.target(url.target);
    bool has_host = false;
    bool has_agent = false;
    for (std::size_t i = 0; i < request.header_count; ++i) {
        const std::string_view name(request.headers[i].name.ptr, request.headers[i].name.len);
        const std::string_view value(request.headers[i].value.ptr, request.headers[i].value.len);
        has_host = has_host || iequals(name, "host");
        has_agent = has_agent || iequals(name, "user-agent");
        req.insert(name, value);
    }
    if (!has_host) {
        req.set(http::field::host, url.host_header);
    }
    if (!has_agent) {
        req.set(http::field::user_agent, m_settings.user_agent);
    }
    if (request.body.len > 0) {
        req.body().assign(request.body.ptr, request.body.len);
    }
    req.prepare_payload();
    req.keep_alive(true);
    const bool is_head = method == "HEAD";

    const auto started = std::chrono::steady_clock::now();
    beast::error_code ec;
    for (int attempt = 0;; ++attempt) {
        Connection& c = connection_for(url);
        const bool reused = c.open;
        if (!c.open) {
            DnsCache::Results endpoints;
            if (!m_dns.find(url.origin, endpoints)) {
                endpoints = m_resolver.async_resolve(url.host, url.port, yield[ec]);
                if (m_cancelled) {
                    return fail(response, LOADS_HTTP_CANCELLED, "virtual user stopped by the runner");
                }
                if (ec) {
                    return fail(response, LOADS_HTTP_DNS, "cannot resolve " + url.host + ": " + ec.message());
                }
                m_dns.store(url.origin, endpoints);
            }
            c.stream.expires_after(m_settings.connect_timeout);
            c.stream.async_connect(endpoints, yield[ec]);
            if (m_cancelled) {
                return fail(response, LOADS_HTTP_CANCELLED, "virtual user stopped by the runner");
            }
            if (ec == beast::error::timeout) {
                return fail(response, LOADS_HTTP_TIMEOUT,
                            "connecting to " + url.origin + " timed out after " + seconds_text(m_settings.connect_timeout));
            }
            if (ec) {
                c.stream.close();
                return fail(response, LOADS_HTTP_CONNECT, "cannot connect to " + url.origin + ": " + ec.message());
            }
            c.stream.socket().set_option(tcp::no_delay(true), ec);
            c.buffer.clear();
            c.open = true;
        }

        c.stream.expires_after(timeout);
        http::async_write(c.stream, req, yield[ec]);
        bool got_reply_bytes = false;
        if (!ec) {
            http::response_parser<http::string_body> parser;
            parser.body_limit(m_settings.body_limit);
            parser.skip(is_head);
            http::async_read(c.stream, c.buffer, parser, yield[ec]);
            if (!ec) {
                m_response = parser.release();
                break;
            }
            got_reply_bytes = parser.got_some();
        }
        c.stream.close();
        c.open = false;
        if (m_cancelled) {
            return fail(response, LOADS_HTTP_CANCELLED, "virtual user stopped by the runner");
        }
        if (attempt == 0 && reused && !got_reply_bytes && is_stale_connection(ec)) {
            continue;  // the server had closed the idle connection: open a new one and resend
        }
        if (ec == beast::error::timeout) {
            return fail(response, LOADS_HTTP_TIMEOUT,
                        std::string(method) + " " + m_url + " timed out after " + seconds_text(timeout));
        }
        const bool http_category = ec.category() == http::make_error_code(http::error::bad_version).category();
        if (http_category && ec != http::error::end_of_stream && ec != http::error::partial_message) {
            return fail(response, LOADS_HTTP_PROTOCOL,
                        "invalid HTTP response to " + std::string(method) + " " + m_url + ": " + ec.message());
        }
        return fail(response, LOADS_HTTP_CONNECTION,
                    "connection to " + url.origin + " failed during " + std::string(method) + " " + m_url + ": " +
                        ec.message());
    }
    const auto elapsed = std::chrono::steady_clock::now() - started;

    Connection& c = connection_for(url);
    if (!m_response.keep_alive()) {
        c.stream.close();
        c.open = false;
    } else {
        c.stream.expires_never();
    }

    m_header_block.clear();
    for (const auto& field : m_response.base()) {
        m_header_block.append(field.name_string());
        m_header_block.append(": ");
        m_header_block.append(field.value());
        m_header_block.append("\r\n");
    }
    const std::string_view reason = m_response.reason();
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();

    response.error_kind = LOADS_HTTP_OK;
    response.status = static_cast<int32_t>(m_response.result_int());
    response.reason = {reason.data(), reason.size()};
    response.headers = view(m_header_block);
    response.body = view(m_response.body());
    response.elapsed = std::chrono::duration<double>(elapsed).count();
    stats.record_hit(url_text, response.status, static_cast<std::uint64_t>(micros));
    return LOADS_HTTP_OK;
}

}  // namespace loads::host
