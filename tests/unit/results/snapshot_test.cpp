#include <doctest/doctest.h>

#include <string>

#include "results/snapshot.hpp"

using loads::host::ProblemKind;
using loads::host::RunStats;
using loads::host::Snapshot;
using loads::host::SnapshotTimes;
using loads::host::StatsView;

namespace {
std::string str(loads_str s) {
    return {s.ptr, s.len};
}
}  // namespace

TEST_CASE("StatsView shows RunStats through the ABI's structs") {
    RunStats s;
    s.record_hit("http://h/b", 200, 1000);
    s.record_hit("http://h/b", 500, 3000);
    s.record_hit("http://h/a", 200, 2000);
    s.incr_counter("z", 1);
    s.incr_counter("a", 2);
    s.record_problem(ProblemKind::failure, "", "rare", "t.cpp", 1);
    for (int i = 0; i < 3; ++i) {
        s.record_problem(ProblemKind::error, "E", "common", "", 0);
    }
    const StatsView view(s);
    const loads_stats& v = view.get();
    CHECK(v.struct_size == sizeof(loads_stats));
    CHECK(v.hits == 3);
    CHECK(v.failures == 1);
    CHECK(v.errors == 3);
    CHECK(v.latency.count == 3);
    CHECK(v.latency.min_us == 1000);
    CHECK(v.latency.max_us == 3000);
    CHECK(v.latency.sum_us == 6000);
    CHECK(v.latency.p50_us == doctest::Approx(2000).epsilon(0.001));
    std::uint64_t bucketed = 0;
    for (std::size_t i = 0; i < v.latency.bucket_count; ++i) {
        bucketed += v.latency.buckets[i].count;
        CHECK(v.latency.buckets[i].upper_us <= 3000);
    }
    CHECK(bucketed == 3);

    REQUIRE(v.status_count == 2);
    CHECK(v.statuses[0].status == 200);
    CHECK(v.statuses[0].count == 2);
    CHECK(v.statuses[1].status == 500);

    REQUIRE(v.url_count == 2);
    CHECK(str(v.urls[0]->url) == "http://h/a");  // sorted by URL
    CHECK(str(v.urls[1]->url) == "http://h/b");
    CHECK(v.urls[1]->hits == 2);
    CHECK(v.urls[1]->successes == 1);
    CHECK(v.urls[1]->latency.max_us == 3000);
    CHECK(v.urls[1]->status_count == 2);

    REQUIRE(v.counter_count == 2);
    CHECK(str(v.counters[0].name) == "a");

    REQUIRE(v.problem_count == 2);
    CHECK(str(v.problems[0]->message) == "common");  // most common first
    CHECK(v.problems[0]->kind == LOADS_STATUS_ERROR);
    CHECK(v.problems[0]->count == 3);
    CHECK(str(v.problems[1]->location) == "t.cpp:1");
}

TEST_CASE("Snapshot carries the total and the interval") {
    RunStats total;
    total.record_hit("u", 200, 10);
    total.record_hit("u", 200, 10);
    RunStats interval;
    interval.record_hit("u", 200, 10);
    const Snapshot snap(total, interval, SnapshotTimes{3.0, 0.5, 2.0}, true, false);
    const loads_snapshot& s = snap.get();
    CHECK(s.total->hits == 2);
    CHECK(s.interval->hits == 1);
    CHECK(s.interval_start == 2.0);
    CHECK(s.interval_end == 3.0);
    CHECK(s.progress == 0.5);
    CHECK(s.final == 1);
    CHECK(s.interrupted == 0);
}

TEST_CASE("StatsView keeps every problem pointer valid with many problems") {
    RunStats s;
    for (int i = 0; i < 150; ++i) {
        for (int n = 0; n <= i % 7; ++n) {
            s.record_problem(ProblemKind::error, "E", "message " + std::to_string(i), "", 0);
        }
    }
    const StatsView view(s);
    const loads_stats& v = view.get();
    REQUIRE(v.problem_count == 150);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < v.problem_count; ++i) {
        total += v.problems[i]->count;
        CHECK(v.problems[i]->struct_size == sizeof(loads_problem));
        if (i > 0) {
            CHECK(v.problems[i - 1]->count >= v.problems[i]->count);
        }
    }
    CHECK(total == s.errors());
}
