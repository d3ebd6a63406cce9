// HttpSession: one virtual user's HTTP/1.1 client. It keeps one keep-alive connection per origin,
// re-opens a connection the server closed (retrying the request once when a reused connection
// turns out dead before any reply), applies connect and exchange deadlines, and records each
// completed exchange as a hit. Everything runs on the user's coroutine; nothing here is shared.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <loads/abi.h>

#include "dns_cache.hpp"
#include "http_settings.hpp"
#include "run_stats.hpp"
#include "url.hpp"

namespace loads::host {

class HttpSession {
public:
    HttpSession(boost::asio::io_context& ioc, DnsCache& dns, const HttpSettings& settings);
    ~HttpSession();

    /// Performs `request`, filling `response` (strings valid until the next call). Records a hit in
    /// `stats` when a response arrives. @return a loads_http_error.
    int32_t perform(const loads_http_request& request, loads_http_response& response, RunStats& stats,
                    boost::asio::yield_context yield);

    /// Aborts whatever is in progress and closes every connection (the user is being stopped).
    void cancel();

private:
    struct Connection {
        explicit Connection(boost::asio::io_context& ioc) : stream(ioc) {}
        std::string origin;
        boost::beast::tcp_stream stream;
        boost::beast::flat_buffer buffer;
        bool open = false;
    };

    Connection& connection_for(const Url& url);
    int32_t fail(loads_http_response& response, int32_t kind, std::string message);

    boost::asio::io_context& m_ioc;
    DnsCache& m_dns;
    boost::asio::ip::tcp::resolver m_resolver;
    const HttpSettings& m_settings;
    std::vector<std::unique_ptr<Connection>> m_connections;
    bool m_cancelled = false;

    // The last URL parsed: load tests request the same few URLs over and over.
    std::string m_last_url_text;
    Url m_last_url;

    // Storage behind the loads_http_response strings.
    boost::beast::http::response<boost::beast::http::string_body> m_response;
    std::string m_header_block;
    std::string m_url;
    std::string m_error;
};

}  // namespace loads::host
