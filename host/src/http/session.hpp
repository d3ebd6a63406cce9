// HttpSession: one virtual user's HTTP/1.1 client, plain or over TLS. It keeps one keep-alive
// connection per origin (resuming TLS sessions when it has to reconnect), re-opens a connection
// the server closed (retrying the request once when a reused connection turns out dead before any
// reply), keeps the user's cookies, follows redirects like Requests, and records every response
// — each redirect hop included — as a hit.
//
// Built for the per-request path: the request is serialised into a reused buffer, the response is
// parsed into reused storage, and deadlines cost next to nothing per request — a step in progress
// is on the worker's StepWatchdog, which calls check_deadline() a few dozen times a second and
// closes the socket of a step that overran.
// Everything runs on the user's coroutine and thread; nothing here is shared.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>

#include <loads/abi.h>

#include "base/asio_types.hpp"
#include "http/cookie_jar.hpp"
#include "http/dns_cache.hpp"
#include "http/dns_lookups.hpp"
#include "http/response_parser.hpp"
#include "http/settings.hpp"
#include "http/step_watchdog.hpp"
#include "http/tls_client.hpp"
#include "http/url.hpp"
#include "results/recorder.hpp"

namespace loads::host {

class HttpSession final : private Watchable {
public:
    /// @param seed spreads users over a host's addresses (each starts at a different one).
    /// @param watchdog where the steps in progress go; outlives the session.
    HttpSession(boost::asio::io_context& ioc, DnsCache& dns, DnsLookups& lookups, StepWatchdog& watchdog,
                const HttpSettings& settings, std::uint32_t seed);
    ~HttpSession();

    /// Performs `request`, following redirects unless told not to, and fills `response`
    /// (strings valid until the next call). Records a hit in `stats` per response received.
    /// @return a loads_http_error.
    int32_t perform(const loads_http_request& request, loads_http_response& response, Recorder& recorder,
                    Yield& yield);

    /// Aborts whatever is in progress and closes every connection (the user is being stopped).
    void cancel();
    /// Between tests: closes every connection and forgets the cookies, so that the next request
    /// is a new user's (a ramping stage stopped this one).
    void leave();
    bool cancelled() const noexcept { return m_cancelled; }

    /// Watchdog hook: if the step in progress (resolve, connect, handshake or exchange) has passed
    /// its deadline, abort it; the step then reports a timeout.
    void check_deadline(std::chrono::steady_clock::time_point now) override;

    /// How many times this session has suspended its user (to tell a test that never yields).
    std::uint64_t suspensions() const noexcept { return m_suspensions; }

    // For the user's web sockets, which share its addresses, TLS settings, cookies and deadlines.

    /// Resolves `url`'s host and connects `socket` to one of its addresses, then — for TLS — does
    /// the handshake on `tls`, whose next layer must be `socket`. Sets the deadline of the whole
    /// step to `timeout`. @return a loads_http_error; error() describes a failure.
    int32_t connect(const Url& url, TcpSocket& socket, TlsStream* tls, std::chrono::milliseconds timeout,
                    Yield& yield);
    /// Arms the watchdog for a step on `socket` (closed when the step overruns); disarm() ends it.
    /// Prefer WatchedStep, which cannot leave the watchdog pointing at a socket that is gone.
    void arm(TcpSocket& socket, std::chrono::milliseconds timeout);
    /// Ends the step armed last. @return true when the watchdog cut it short.
    bool disarm();
    Yield suspend(Yield& yield, boost::beast::error_code& ec);
    const std::string& error() const noexcept { return m_error; }
    CookieJar& cookies() noexcept { return m_cookies; }
    TlsClient& tls_client() const;
    const HttpSettings& settings() const noexcept { return m_settings; }
    boost::asio::io_context& io() noexcept { return m_ioc; }

private:
    struct Connection {
        explicit Connection(boost::asio::io_context& ioc) : socket(ioc) {}
        TcpSocket& tcp() noexcept { return tls ? tls->next_layer() : socket; }
        std::string origin;
        TcpSocket socket;                // plain http://
        std::unique_ptr<TlsStream> tls;  // https://: a new stream for every TCP connection
        TlsSessionCache session;         // to resume on the next connection to this origin
        bool verify = true;              // how `tls` was verified: a request asking otherwise reconnects
        boost::beast::flat_buffer buffer;
        bool open = false;
    };
    enum class Outcome { ok, retry, failed };

    // What a hop of a redirect chain sends; the first hop is the test's request as it is.
    struct Hop {
        std::string_view method;
        std::string_view body;
        bool drop_body_headers = false;  // the redirect turned it into a GET without body
        bool drop_credentials = false;   // another host: no Authorization, Host or Cookie of the test's
        bool drop_cookie_header = false;
    };

    Connection& connection_for(const Url& url);
    int32_t open(Connection& c, const Url& url, bool verify, Yield& yield);
    boost::system::error_code resolve(const Url& url, DnsCache::Results& endpoints, Yield& yield);
    int32_t reach(const Url& url, TcpSocket& socket, boost::beast::error_code& ec, Yield& yield);
    template <class Stream>
    Outcome exchange(Stream& stream, Connection& c, bool reused, bool is_head, boost::beast::error_code& ec,
                     Yield& yield);
    int32_t send_once(const Url& url, const Hop& hop, bool verify, std::chrono::milliseconds timeout,
                      Yield& yield);
    bool serialize(const loads_http_request& request, const Url& url, const Hop& hop);
    void close(Connection& c);
    /// Stops the step in progress (lookup, wait for another's lookup, socket I/O).
    void abort_step();
    int32_t set_error(int32_t kind, std::string message);
    int32_t fail(loads_http_response& response, int32_t kind, std::string message);

    boost::asio::io_context& m_ioc;
    DnsCache& m_dns;
    DnsLookups& m_lookups;
    std::shared_ptr<DnsLookup> m_leading;  ///< The lookup this user is doing for others too.
    SteadyTimer m_wait_timer;              ///< Where this user waits for another's lookup.
    const HttpSettings& m_settings;
    std::vector<std::unique_ptr<Connection>> m_connections;
    CookieJar m_cookies;
    std::uint32_t m_address_turn;  ///< Which of a host's addresses the next connection tries first.
    bool m_cancelled = false;
    std::uint64_t m_suspensions = 0;

    // Deadline of the step in progress; max() when idle. The watchdog sets m_timed_out.
    std::chrono::steady_clock::time_point m_deadline = std::chrono::steady_clock::time_point::max();
    TcpSocket* m_active = nullptr;
    bool m_timed_out = false;
    StepWatchdog& m_watchdog;
    std::size_t m_watch_slot = StepWatchdog::k_unwatched;  ///< Where this session is on m_watchdog.

    // The last URL parsed: load tests request the same few URLs over and over.
    std::string m_last_url_text;
    Url m_last_url;

    // Reused from request to request: the serialised request, the response, the strings behind
    // loads_http_response.
    std::string m_request;
    std::string m_cookie_header;
    ResponseStorage m_response;
    std::string m_url;
    std::string m_error;
};

/// One step under the session's watchdog (connect, handshake, exchange, send): armed on
/// construction, ended by finish() or — on any other way out, an exception included — when it
/// goes out of scope.
class WatchedStep {
public:
    WatchedStep(HttpSession& session, TcpSocket& socket, std::chrono::milliseconds timeout)
        : m_session(session) {
        session.arm(socket, timeout);
    }
    WatchedStep(const WatchedStep&) = delete;
    WatchedStep& operator=(const WatchedStep&) = delete;
    ~WatchedStep() {
        if (!m_finished) {
            m_session.disarm();
        }
    }
    /// @return true when the watchdog cut the step short.
    bool finish() {
        m_finished = true;
        return m_session.disarm();
    }

private:
    HttpSession& m_session;
    bool m_finished = false;
};

}  // namespace loads::host
