// StepWatchdog: only the sessions with a step in progress are watched; arming and disarming keep
// every session's slot right (the last entry fills a removed one's place), and a check past a
// deadline times out exactly the steps still armed.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/asio_types.hpp"
#include "http/dns_cache.hpp"
#include "http/dns_lookups.hpp"
#include "http/session.hpp"
#include "http/settings.hpp"
#include "http/step_watchdog.hpp"

using namespace loads::host;
using namespace std::chrono_literals;

namespace {

// A worker's pieces a session needs, and `n` sessions on one watchdog, each with a socket to arm.
struct Sessions {
    explicit Sessions(std::uint32_t n) {
        for (std::uint32_t i = 0; i < n; ++i) {
            at.push_back(std::make_unique<HttpSession>(io, dns, lookups, watchdog, settings, i));
            sockets.push_back(std::make_unique<TcpSocket>(io));
        }
    }
    void arm(std::size_t i, std::chrono::milliseconds timeout) { at[i]->arm(*sockets[i], timeout); }
    bool disarm(std::size_t i) { return at[i]->disarm(); }

    boost::asio::io_context io;
    DnsCache dns;
    DnsLookups lookups;
    HttpSettings settings;
    StepWatchdog watchdog;
    std::vector<std::unique_ptr<HttpSession>> at;
    std::vector<std::unique_ptr<TcpSocket>> sockets;
};

}  // namespace

TEST_CASE("the watchdog holds the armed steps only, and times out those past their deadline") {
    Sessions s(4);
    StepWatchdog& watchdog = s.watchdog;
    CHECK(watchdog.size() == 0);
    for (std::size_t i = 0; i < 4; ++i) {
        s.arm(i, i == 3 ? std::chrono::milliseconds(1h) : 10ms);
    }
    CHECK(watchdog.size() == 4);
    // Ending steps 0 and 1 moves the last entries into their slots; the rest stay watched.
    CHECK_FALSE(s.disarm(0));
    CHECK_FALSE(s.disarm(1));
    CHECK(watchdog.size() == 2);
    // Re-arming is one entry, not two.
    s.arm(2, 10ms);
    CHECK(watchdog.size() == 2);

    watchdog.check(std::chrono::steady_clock::now() + 1s);
    CHECK(s.disarm(2));        // overran its 10 ms: cut short
    CHECK_FALSE(s.disarm(3));  // an hour to go
    CHECK(watchdog.size() == 0);
    // A step ended before the check is not timed out by it.
    s.arm(0, 10ms);
    CHECK_FALSE(s.disarm(0));
    watchdog.check(std::chrono::steady_clock::now() + 1s);
    CHECK(watchdog.size() == 0);
}

TEST_CASE("a session destroyed with a step armed leaves the watchdog") {
    Sessions s(2);
    s.arm(0, 10ms);
    s.arm(1, 10ms);
    s.at[0].reset();
    CHECK(s.watchdog.size() == 1);
    s.watchdog.check(std::chrono::steady_clock::now() + 1s);  // would touch a freed session otherwise
    CHECK(s.disarm(1));
}

TEST_CASE("a session moved into a freed slot is still the one removed and checked") {
    Sessions s(5);
    for (std::size_t i = 0; i < 4; ++i) {
        s.arm(i, 1h);
    }
    s.disarm(0);     // s3 moves into slot 0
    s.arm(4, 10ms);  // slot 3
    s.disarm(3);     // must free slot 0 (where s3 is now), not slot 3 (s4's)
    CHECK(s.watchdog.size() == 3);
    s.watchdog.check(std::chrono::steady_clock::now() + 1s);
    CHECK(s.disarm(4));  // still watched, so cut short
    CHECK_FALSE(s.disarm(1));
    CHECK_FALSE(s.disarm(2));
    CHECK(s.watchdog.size() == 0);
}
