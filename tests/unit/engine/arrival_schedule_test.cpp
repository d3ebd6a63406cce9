// The open model's schedule: evenly spaced arrivals, dealt out across workers so that the merged
// stream is the run's, ended by a count or a time, without drift over long runs.
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "engine/arrival_schedule.hpp"

using loads::host::ArrivalSchedule;
using Clock = ArrivalSchedule::Clock;
using std::chrono::nanoseconds;
using std::chrono::seconds;

namespace {

std::vector<std::int64_t> offsets_ns(ArrivalSchedule s, Clock::time_point start, std::size_t max = 100'000) {
    std::vector<std::int64_t> out;
    for (auto t = s.next(); t && out.size() < max; t = s.next()) {
        out.push_back((*t - start).count());
        s.advance();
    }
    return out;
}

}  // namespace

TEST_CASE("one worker: an arrival every 1/rate from the start, none at or after the end") {
    const Clock::time_point start{seconds(1000)};
    const auto a = offsets_ns(ArrivalSchedule(4, 0, 1, 0, start, start + seconds(1)), start);
    CHECK(a == std::vector<std::int64_t>{0, 250'000'000, 500'000'000, 750'000'000});
}

TEST_CASE("a fractional rate: one arrival every two seconds") {
    const Clock::time_point start{seconds(5)};
    const auto a =
        offsets_ns(ArrivalSchedule(0.5, 0, 1, 0, start, start + nanoseconds(4'500'000'000)), start);
    CHECK(a == std::vector<std::int64_t>{0, 2'000'000'000, 4'000'000'000});
}

TEST_CASE("workers take turns: their merged arrivals are the single worker's") {
    const Clock::time_point start{seconds(1)};
    const auto end = start + seconds(3);
    const auto alone = offsets_ns(ArrivalSchedule(1000, 0, 1, 0, start, end), start);
    REQUIRE(alone.size() == 3000);
    for (std::uint32_t workers : {2u, 3u, 7u}) {
        std::vector<std::int64_t> merged;
        for (std::uint32_t w = 0; w < workers; ++w) {
            const auto mine = offsets_ns(ArrivalSchedule(1000, w, workers, 0, start, end), start);
            // Each worker's own share is even too: every gap is `workers` periods.
            for (std::size_t i = 1; i < mine.size(); ++i) {
                CHECK(mine[i] - mine[i - 1] == std::int64_t{workers} * 1'000'000);
            }
            merged.insert(merged.end(), mine.begin(), mine.end());
        }
        std::sort(merged.begin(), merged.end());
        CHECK(merged == alone);
    }
}

TEST_CASE("a count ends the schedule across workers") {
    const Clock::time_point start{seconds(1)};
    std::size_t total = 0;
    for (std::uint32_t w = 0; w < 3; ++w) {
        total += offsets_ns(ArrivalSchedule(100, w, 3, 10, start, Clock::time_point::max()), start).size();
    }
    CHECK(total == 10);
    CHECK(offsets_ns(ArrivalSchedule(100, 5, 8, 4, start, Clock::time_point::max()), start).empty());
}

TEST_CASE("times come from the index: no drift after millions of arrivals") {
    const Clock::time_point start{seconds(1)};
    ArrivalSchedule s(3, 0, 1, 0, start, Clock::time_point::max());  // a period of 333,333,333.3 ns
    for (int i = 0; i < 3'000'000; ++i) {
        s.advance();
    }
    // Arrival 3,000,000 is due exactly 1,000,000 s after the start.
    CHECK(*s.next() - start == seconds(1'000'000));
}
