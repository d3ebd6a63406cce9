#include <doctest/doctest.h>

#include <string>

#include "base/usage_error.hpp"
#include "engine/cycles.hpp"

using loads::host::Cycle;
using loads::host::parse_cycle;
using loads::host::total_tests;
using loads::host::UsageError;

TEST_CASE("parse_cycle reads colon-separated whole numbers") {
    CHECK(parse_cycle("10:20:30", "users") == Cycle{10, 20, 30});
    CHECK(parse_cycle("5", "hits") == Cycle{5});
    CHECK(parse_cycle("1:1", "users") == Cycle{1, 1});
    CHECK(parse_cycle("4294967295", "users") == Cycle{4294967295u});
}

TEST_CASE("parse_cycle rejects malformed cycles with a message naming the option") {
    for (const std::string bad :
         {"", "0", "10::20", "a", "-1", "1:", ":1", "99999999999", "1:0", " 1", "1.5", "+1"}) {
        CAPTURE(bad);
        bool thrown = false;
        try {
            (void)parse_cycle(bad, "users");
        } catch (const UsageError& e) {
            thrown = true;
            const std::string what = e.what();
            CHECK(what.find("--users") != std::string::npos);
            CHECK(what.find(std::string("'") + bad + "'") != std::string::npos);
        }
        CHECK(thrown);
    }
    // The option named is the one passed in.
    try {
        (void)parse_cycle("x", "hits");
        FAIL("no exception");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("--hits") != std::string::npos);
    }
}

TEST_CASE("total_tests is (sum of users) x (sum of hits)") {
    CHECK(total_tests({10, 20, 30}, {20}) == 1200);
    CHECK(total_tests({2, 3}, {5, 10}) == 75);
    CHECK(total_tests({1}, {1}) == 1);
    // No overflow of 32-bit values: the total is 64-bit.
    CHECK(total_tests({4294967295u, 1u}, {2}) == 8589934592ULL);
    CHECK(total_tests({4294967295u}, {4294967295u, 1u}) == 4294967295ULL * 4294967296ULL);
}
