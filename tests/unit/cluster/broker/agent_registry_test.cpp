// The broker's agents: reservations spread runs over hosts, never reserve part of a run, and
// silent agents are found.
#include <doctest/doctest.h>

#include <set>

#include "cluster/broker/agent_registry.hpp"

using loads::host::AgentRegistry;
using namespace std::chrono_literals;

namespace {
std::set<std::string> hosts_of(const AgentRegistry& r, const std::vector<std::string>& ids) {
    std::set<std::string> hosts;
    for (const auto& id : ids) {
        hosts.insert(r.find(id)->hostname);
    }
    return hosts;
}
}  // namespace

TEST_CASE("a run is spread over as many hosts as it can be") {
    AgentRegistry r;
    const auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) {
        r.seen("a-" + std::to_string(i), "box-a", i, now);
    }
    for (int i = 0; i < 10; ++i) {
        r.seen("b-" + std::to_string(i), "box-b", 100 + i, now);
    }
    const auto two = r.reserve(2, "run-1");
    REQUIRE(two.size() == 2);
    CHECK(hosts_of(r, two) == std::set<std::string>{"box-a", "box-b"});
    CHECK(r.idle_count() == 18);
    const auto rest = r.reserve(18, "run-2");
    CHECK(rest.size() == 18);
    CHECK(r.idle_count() == 0);
    for (const auto& id : two) {
        CHECK(r.find(id)->run_id == "run-1");
    }
}

TEST_CASE("too few idle agents reserve none; released agents are idle again") {
    AgentRegistry r;
    const auto now = std::chrono::steady_clock::now();
    r.seen("x-1", "x", 1, now);
    r.seen("x-2", "x", 2, now);
    const auto one = r.reserve(1, "run-1");
    REQUIRE(one.size() == 1);
    CHECK(r.reserve(2, "run-2").empty());
    CHECK(r.idle_count() == 1);
    r.release(one[0]);
    CHECK(r.reserve(2, "run-2").size() == 2);
    CHECK(r.reserve(0, "run-3").empty());
}

TEST_CASE("seen refreshes, silent_since finds the agents not heard from") {
    AgentRegistry r;
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(r.seen("a", "h", 1, t0));
    CHECK(r.seen("b", "h", 2, t0));
    CHECK_FALSE(r.seen("a", "h", 1, t0 + 2s));
    CHECK(r.silent_since(t0 + 3500ms, 3s) == std::vector<std::string>{"b"});
    r.refresh_all(t0 + 3500ms);
    CHECK(r.silent_since(t0 + 4s, 3s).empty());
    r.remove("b");
    CHECK(r.find("b") == nullptr);
    CHECK(r.agents().size() == 1);
}
