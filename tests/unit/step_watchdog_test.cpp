// StepWatchdog: only the sessions with a step in progress are watched; arming and disarming keep
// every session's slot right (the last entry fills a removed one's place), and a check past a
// deadline times out exactly the steps still armed.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "asio_types.hpp"
#include "dns_cache.hpp"
#include "dns_lookups.hpp"
#include "http_session.hpp"
#include "http_settings.hpp"
#include "step_watchdog.hpp"

using namespace loads::host;
using namespace std::chrono_literals;

TEST_CASE("the watchdog holds the armed steps only, and times out those past their deadline") {
    boost::asio::io_context io;
    DnsCache dns;
    DnsLookups lookups;
    HttpSettings settings;
    StepWatchdog watchdog;
    std::vector<std::unique_ptr<HttpSession>> sessions;
    std::vector<std::unique_ptr<TcpSocket>> sockets;
    for (std::uint32_t i = 0; i < 4; ++i) {
        sessions.push_back(std::make_unique<HttpSession>(io, dns, lookups, watchdog, settings, i));
        sockets.push_back(std::make_unique<TcpSocket>(io));
    }
    CHECK(watchdog.size() == 0);
    for (std::size_t i = 0; i < 4; ++i) {
        sessions[i]->arm(*sockets[i], i == 3 ? 1h : 10ms);
    }
    CHECK(watchdog.size() == 4);
    // Ending steps 0 and 1 moves the last entries into their slots; the rest stay watched.
    CHECK_FALSE(sessions[0]->disarm());
    CHECK_FALSE(sessions[1]->disarm());
    CHECK(watchdog.size() == 2);
    // Re-arming is one entry, not two.
    sessions[2]->arm(*sockets[2], 10ms);
    CHECK(watchdog.size() == 2);

    watchdog.check(std::chrono::steady_clock::now() + 1s);
    CHECK(sessions[2]->disarm());        // overran its 10 ms: cut short
    CHECK_FALSE(sessions[3]->disarm());  // an hour to go
    CHECK(watchdog.size() == 0);
    // A step ended before the check is not timed out by it.
    sessions[0]->arm(*sockets[0], 10ms);
    CHECK(sessions[0]->disarm() == false);
    watchdog.check(std::chrono::steady_clock::now() + 1s);
    CHECK(watchdog.size() == 0);
}

TEST_CASE("a session destroyed with a step armed leaves the watchdog") {
    boost::asio::io_context io;
    DnsCache dns;
    DnsLookups lookups;
    HttpSettings settings;
    StepWatchdog watchdog;
    TcpSocket a_socket(io);
    TcpSocket b_socket(io);
    auto a = std::make_unique<HttpSession>(io, dns, lookups, watchdog, settings, 0);
    HttpSession b(io, dns, lookups, watchdog, settings, 1);
    a->arm(a_socket, 10ms);
    b.arm(b_socket, 10ms);
    a.reset();
    CHECK(watchdog.size() == 1);
    watchdog.check(std::chrono::steady_clock::now() + 1s);  // would touch a freed session otherwise
    CHECK(b.disarm());
}

TEST_CASE("a session moved into a freed slot is still the one removed and checked") {
    boost::asio::io_context io;
    DnsCache dns;
    DnsLookups lookups;
    HttpSettings settings;
    StepWatchdog watchdog;
    std::vector<std::unique_ptr<HttpSession>> s;
    std::vector<std::unique_ptr<TcpSocket>> sockets;
    for (std::uint32_t i = 0; i < 5; ++i) {
        s.push_back(std::make_unique<HttpSession>(io, dns, lookups, watchdog, settings, i));
        sockets.push_back(std::make_unique<TcpSocket>(io));
    }
    for (std::size_t i = 0; i < 4; ++i) {
        s[i]->arm(*sockets[i], 1h);
    }
    s[0]->disarm();                // s3 moves into slot 0
    s[4]->arm(*sockets[4], 10ms);  // slot 3
    s[3]->disarm();                // must free slot 0 (where s3 is now), not slot 3 (s4's)
    CHECK(watchdog.size() == 3);
    watchdog.check(std::chrono::steady_clock::now() + 1s);
    CHECK(s[4]->disarm());  // still watched, so cut short
    CHECK_FALSE(s[1]->disarm());
    CHECK_FALSE(s[2]->disarm());
    CHECK(watchdog.size() == 0);
}
