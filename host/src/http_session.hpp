// HttpSession: one virtual user's HTTP/1.1 client. It keeps one keep-alive connection per origin,
// re-opens a connection the server closed (retrying the request once when a reused connection
// turns out dead before any reply), and records each completed exchange as a hit.
//
// Built for the per-request path: the request is serialised into a reused buffer, the response is
// parsed into reused storage, and deadlines cost nothing per request — the worker's watchdog calls
// check_deadline() a few dozen times a second and closes the socket of an exchange that overran.
// Everything runs on the user's coroutine and thread; nothing here is shared.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>

#include <loads/abi.h>

#include "asio_types.hpp"
#include "dns_cache.hpp"
#include "dns_lookups.hpp"
#include "http_settings.hpp"
#include "response_parser.hpp"
#include "run_stats.hpp"
#include "url.hpp"

namespace loads::host {

class HttpSession {
public:
    HttpSession(boost::asio::io_context& ioc, DnsCache& dns, DnsLookups& lookups,
                const HttpSettings& settings);
    ~HttpSession();

    /// Performs `request`, filling `response` (strings valid until the next call). Records a hit in
    /// `stats` when a response arrives. @return a loads_http_error.
    int32_t perform(const loads_http_request& request, loads_http_response& response, RunStats& stats,
                    Yield& yield);

    /// Aborts whatever is in progress and closes every connection (the user is being stopped).
    void cancel();

    /// Watchdog hook: if the step in progress (resolve, connect or exchange) has passed its
    /// deadline, abort it; perform() then reports a timeout.
    void check_deadline(std::chrono::steady_clock::time_point now);

    /// How many times this session has suspended its user (to tell a test that never yields).
    std::uint64_t suspensions() const noexcept { return m_suspensions; }

private:
    struct Connection {
        explicit Connection(boost::asio::io_context& ioc) : socket(ioc) {}
        std::string origin;
        TcpSocket socket;
        boost::beast::flat_buffer buffer;
        bool open = false;
    };
    enum class Outcome { ok, retry, failed };

    Connection& connection_for(const Url& url);
    int32_t open(Connection& c, const Url& url, loads_http_response& response, Yield& yield);
    boost::system::error_code resolve(const Url& url, DnsCache::Results& endpoints, Yield& yield);
    Outcome exchange(Connection& c, bool reused, bool is_head, boost::beast::error_code& ec, Yield& yield);
    bool serialize(const loads_http_request& request, const Url& url);
    void close(Connection& c);
    Yield suspend(Yield& yield, boost::beast::error_code& ec);
    int32_t fail(loads_http_response& response, int32_t kind, std::string message);

    boost::asio::io_context& m_ioc;
    DnsCache& m_dns;
    DnsLookups& m_lookups;
    std::shared_ptr<DnsLookup> m_leading;  ///< The lookup this user is doing for others too.
    SteadyTimer m_wait_timer;              ///< Where this user waits for another's lookup.
    const HttpSettings& m_settings;
    std::vector<std::unique_ptr<Connection>> m_connections;
    bool m_cancelled = false;
    std::uint64_t m_suspensions = 0;

    // Deadline of the step in progress; max() when idle. The watchdog sets m_timed_out.
    std::chrono::steady_clock::time_point m_deadline = std::chrono::steady_clock::time_point::max();
    Connection* m_active = nullptr;
    bool m_timed_out = false;

    // The last URL parsed: load tests request the same few URLs over and over.
    std::string m_last_url_text;
    Url m_last_url;

    // Reused from request to request: the serialised request, the response, the strings behind
    // loads_http_response.
    std::string m_request;
    ResponseStorage m_response;
    std::string m_url;
    std::string m_error;
};

}  // namespace loads::host
