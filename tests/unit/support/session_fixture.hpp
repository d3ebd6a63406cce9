// SessionFixture: one HttpSession wired to in-memory peers (support/stream_peer.hpp), with what a
// worker would give it — DNS state, a step watchdog, a recorder into a RunStats — and a ticker
// that plays the worker's watchdog timer, so deadlines work as in a run.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include <loads/abi.h>

#include "http/dns_cache.hpp"
#include "http/dns_lookups.hpp"
#include "http/session.hpp"
#include "http/settings.hpp"
#include "http/step_watchdog.hpp"
#include "results/recorder.hpp"
#include "results/run_stats.hpp"
#include "support/stream_peer.hpp"

namespace loads::test {

/// A response copied out of the session's storage (which the next request reuses).
struct Reply {
    int32_t rc = -1;
    int status = 0;
    std::string reason, headers, body, url, error;
    std::uint32_t redirects = 0;
};

struct Header {
    std::string name, value;
};

class SessionFixture {
public:
    SessionFixture() : peers(std::make_shared<StreamPeers>(io)) { settings.connector = peers; }

    /// The session, made on first use so a test can change `settings` before.
    host::HttpSession& session() {
        if (!m_session) {
            m_session = std::make_unique<host::HttpSession>(io, dns, lookups, watchdog, settings, 0);
        }
        return *m_session;
    }

    /// Performs one request on the session's coroutine (called from inside run()).
    Reply request(std::string_view method, std::string_view url, host::Yield& yield,
                  const std::vector<Header>& headers = {}, std::string_view body = {},
                  std::uint32_t flags = 0);

    /// Runs `client` as the user's coroutine, the watchdog ticking beside it, until all is done.
    /// When a check fails inside a script or the client, every coroutine still suspended is ended
    /// here (clients stopped, peers closed), while what they use still exists; then it rethrows.
    void run(std::function<void(host::Yield&)> client);

    boost::asio::io_context io;
    std::shared_ptr<StreamPeers> peers;
    host::HttpSettings settings;
    host::DnsCache dns;
    host::DnsLookups lookups;
    host::StepWatchdog watchdog;
    host::RunStats stats;
    host::Recorder recorder{stats, nullptr, 0, host::EventPlace{}};

    SessionFixture(const SessionFixture&) = delete;
    SessionFixture& operator=(const SessionFixture&) = delete;
    virtual ~SessionFixture() = default;

protected:
    /// Stops whatever client the fixture drives (its session here), after a failed check.
    virtual void stop_clients();

private:
    void end_suspended_coroutines();

    std::unique_ptr<host::HttpSession> m_session;
    bool m_ticking = false;
};

/// "HTTP/1.1 <status> <reason>" with a Content-Length body and `extra` header lines (each ending
/// in CRLF).
std::string http_response(int status, std::string_view reason, std::string_view body,
                          std::string_view extra = {});

}  // namespace loads::test
