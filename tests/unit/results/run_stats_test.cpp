#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "results/aggregator.hpp"
#include "results/run_stats.hpp"

using loads::host::Aggregator;
using loads::host::ProblemKey;
using loads::host::ProblemKind;
using loads::host::RunStats;
using loads::host::UrlStats;

namespace {

std::uint64_t problem_count(const RunStats& s, ProblemKind kind, const std::string& type,
                            const std::string& message, const std::string& location) {
    const auto it = s.problems().find(ProblemKey{kind, type, message, location});
    return it == s.problems().end() ? 0 : it->second;
}

std::uint64_t total_problem_count(const RunStats& s) {
    std::uint64_t n = 0;
    for (const auto& [key, count] : s.problems()) {
        n += count;
    }
    return n;
}

const std::string k_other_type = "(other)";

std::uint64_t other_count(const RunStats& s, ProblemKind kind) {
    std::uint64_t n = 0;
    for (const auto& [key, count] : s.problems()) {
        if (key.kind == kind && key.type == k_other_type) {
            n += count;
        }
    }
    return n;
}

std::size_t other_entries(const RunStats& s) {
    std::size_t n = 0;
    for (const auto& [key, count] : s.problems()) {
        n += key.type == k_other_type ? 1 : 0;
    }
    return n;
}

}  // namespace

TEST_CASE("record_hit keeps per-URL figures") {
    RunStats s;
    s.record_hit("/a", 200, 1000);
    s.record_hit("/a", 399, 3000);
    s.record_hit("/a", 400, 2000);
    s.record_hit("/b", 199, 500);
    s.record_hit("/b", 302, 1500);
    s.record_hit("/c", 500, 7);

    CHECK(s.hits() == 6);
    CHECK(s.latency().count() == 6);
    CHECK(s.latency().min() == 7);
    CHECK(s.latency().max() == 3000);
    CHECK(s.latency().sum() == 8007);
    REQUIRE(s.urls().size() == 3);

    const UrlStats& a = s.urls().at("/a");
    CHECK(a.hits == 3);
    CHECK(a.successes == 2);  // 200 and 399; 400 is not a success
    CHECK(a.latency.sum() == 6000);
    CHECK(a.latency.max() == 3000);
    CHECK(a.statuses == loads::host::StatusCounts{{200, 1}, {399, 1}, {400, 1}});
    CHECK(a.average_seconds() == doctest::Approx(0.002));
    CHECK(a.success_rate() == doctest::Approx(2.0 / 3.0));

    const UrlStats& b = s.urls().at("/b");
    CHECK(b.hits == 2);
    CHECK(b.successes == 1);  // 302; 199 is not a success
    CHECK(b.latency.max() == 1500);
    CHECK(s.statuses() ==
          loads::host::StatusCounts{{199, 1}, {200, 1}, {302, 1}, {399, 1}, {400, 1}, {500, 1}});
    CHECK(b.average_seconds() == doctest::Approx(0.001));
    CHECK(b.success_rate() == doctest::Approx(0.5));

    const UrlStats& c = s.urls().at("/c");
    CHECK(c.successes == 0);
    CHECK(c.success_rate() == 0.0);

    const UrlStats none;
    CHECK(none.average_seconds() == 0.0);
    CHECK(none.success_rate() == 0.0);
}

TEST_CASE("distinct URLs beyond k_max_urls are folded into one entry") {
    RunStats a;
    RunStats b;
    for (std::size_t i = 0; i < RunStats::k_max_urls + 50; ++i) {
        a.record_hit("/item?id=" + std::to_string(i), 200, 10);
        b.record_hit("/other?id=" + std::to_string(i), 200, 10);
    }
    CHECK(a.urls().size() == RunStats::k_max_urls + 1);
    CHECK(a.urls().at(std::string(RunStats::k_other_urls)).hits == 50);
    CHECK(a.hits() == RunStats::k_max_urls + 50);
    a.merge(b);  // the cap holds across merges, and no hit is lost
    CHECK(a.urls().size() == RunStats::k_max_urls + 1);
    CHECK(a.urls().at(std::string(RunStats::k_other_urls)).hits == RunStats::k_max_urls + 100);
    CHECK(a.hits() == 2 * (RunStats::k_max_urls + 50));
}

TEST_CASE("counters and outcome totals") {
    RunStats s;
    s.incr_counter("x", 5);
    s.incr_counter("x", -2);
    s.incr_counter("y", 1);
    s.incr_counter("neg", -4);
    CHECK(s.counters().size() == 3);
    CHECK(s.counters().at("x") == 3);
    CHECK(s.counters().at("y") == 1);
    CHECK(s.counters().at("neg") == -4);

    s.record_success();
    s.record_success();
    s.record_test_finished();
    s.record_cancelled();
    CHECK(s.successes() == 2);
    CHECK(s.tests_finished() == 1);
    CHECK(s.cancelled() == 1);
    CHECK(s.failures() == 0);
    CHECK(s.errors() == 0);
}

TEST_CASE("problems are grouped by kind, type, message and location") {
    RunStats s;
    s.record_problem(ProblemKind::failure, "AssertionError", "boom", "t.cpp", 10);
    s.record_problem(ProblemKind::failure, "AssertionError", "boom", "t.cpp", 10);
    s.record_problem(ProblemKind::failure, "AssertionError", "boom", "t.cpp", 11);  // other line
    s.record_problem(ProblemKind::error, "AssertionError", "boom", "t.cpp", 10);    // other kind
    s.record_problem(ProblemKind::failure, "AssertionError", "bang", "t.cpp", 10);  // other message
    s.record_problem(ProblemKind::error, "std::runtime_error", "boom", "t.cpp", 10);
    s.record_problem(ProblemKind::error, "std::bad_alloc", "oom", "", 0);       // no location
    s.record_problem(ProblemKind::error, "std::bad_alloc", "oom", "", 12);      // a line without a file
    s.record_problem(ProblemKind::error, "std::bad_alloc", "oom", "x.cpp", 0);  // a file without a line

    CHECK(s.failures() == 4);
    CHECK(s.errors() == 5);
    CHECK(s.problems().size() == 7);
    CHECK(problem_count(s, ProblemKind::failure, "AssertionError", "boom", "t.cpp:10") == 2);
    CHECK(problem_count(s, ProblemKind::failure, "AssertionError", "boom", "t.cpp:11") == 1);
    CHECK(problem_count(s, ProblemKind::error, "AssertionError", "boom", "t.cpp:10") == 1);
    CHECK(problem_count(s, ProblemKind::failure, "AssertionError", "bang", "t.cpp:10") == 1);
    CHECK(problem_count(s, ProblemKind::error, "std::runtime_error", "boom", "t.cpp:10") == 1);
    CHECK(problem_count(s, ProblemKind::error, "std::bad_alloc", "oom", "") == 2);
    CHECK(problem_count(s, ProblemKind::error, "std::bad_alloc", "oom", "x.cpp") == 1);
    CHECK(total_problem_count(s) == s.failures() + s.errors());
}

TEST_CASE("the digest keeps k_max_problems distinct entries and folds the rest into (other)") {
    const std::size_t cap = RunStats::k_max_problems;
    RunStats s;
    for (std::size_t i = 0; i < cap; ++i) {
        s.record_problem(ProblemKind::failure, "E", "message " + std::to_string(i), "f.cpp", 1);
    }
    CHECK(s.problems().size() == cap);
    CHECK(other_entries(s) == 0);

    // Five new distinct failures, one of them three times: all go to a single (other) entry.
    for (int i = 0; i < 4; ++i) {
        s.record_problem(ProblemKind::failure, "E", "late " + std::to_string(i), "f.cpp", 1);
    }
    for (int i = 0; i < 3; ++i) {
        s.record_problem(ProblemKind::failure, "E", "late repeated", "f.cpp", 1);
    }
    // An entry that was kept still counts by itself.
    s.record_problem(ProblemKind::failure, "E", "message 7", "f.cpp", 1);

    CHECK(s.problems().size() == cap + 1);
    CHECK(other_entries(s) == 1);
    CHECK(other_count(s, ProblemKind::failure) == 7);
    CHECK(problem_count(s, ProblemKind::failure, "E", "message 7", "f.cpp:1") == 2);
    CHECK(problem_count(s, ProblemKind::failure, "E", "late 0", "f.cpp:1") == 0);
    CHECK(s.failures() == cap + 8);
    CHECK(total_problem_count(s) == s.failures());

    // Errors past the cap keep their kind in their own (other) entry.
    s.record_problem(ProblemKind::error, "X", "late error", "", 0);
    s.record_problem(ProblemKind::error, "X", "another late error", "", 0);
    CHECK(s.errors() == 2);
    CHECK(other_count(s, ProblemKind::error) == 2);
    CHECK(total_problem_count(s) == s.failures() + s.errors());

    // Merging a capped digest into another keeps the counts right too.
    RunStats total;
    total.record_problem(ProblemKind::failure, "E", "message 7", "f.cpp", 1);
    total.merge(s);
    CHECK(total.failures() == cap + 9);
    CHECK(total.errors() == 2);
    CHECK(total_problem_count(total) == total.failures() + total.errors());
    CHECK(total.problems().size() <= cap + 2);
    CHECK(problem_count(total, ProblemKind::failure, "E", "message 7", "f.cpp:1") == 3);
}

TEST_CASE("merge adds everything") {
    RunStats a;
    a.record_hit("/a", 200, 100);
    a.record_hit("/b", 500, 900);
    a.incr_counter("c", 2);
    a.record_success();
    a.record_test_finished();
    a.record_problem(ProblemKind::failure, "F", "m", "t.cpp", 3);

    RunStats b;
    b.record_hit("/a", 204, 300);
    b.record_hit("/z", 301, 50);
    b.incr_counter("c", 5);
    b.incr_counter("d", -1);
    b.record_success();
    b.record_success();
    b.record_test_finished();
    b.record_cancelled();
    b.record_problem(ProblemKind::failure, "F", "m", "t.cpp", 3);
    b.record_problem(ProblemKind::error, "E", "n", "", 0);

    a.merge(b);
    CHECK(a.hits() == 4);
    CHECK(a.latency().sum() == 1350);
    CHECK(a.latency().min() == 50);
    CHECK(a.latency().max() == 900);
    REQUIRE(a.urls().size() == 3);
    CHECK(a.urls().at("/a").hits == 2);
    CHECK(a.urls().at("/a").successes == 2);
    CHECK(a.urls().at("/a").latency.sum() == 400);
    CHECK(a.urls().at("/a").latency.max() == 300);
    CHECK(a.urls().at("/b").successes == 0);
    CHECK(a.urls().at("/z").hits == 1);
    CHECK(a.urls().at("/z").successes == 1);
    CHECK(a.counters().at("c") == 7);
    CHECK(a.counters().at("d") == -1);
    CHECK(a.successes() == 3);
    CHECK(a.tests_finished() == 2);
    CHECK(a.cancelled() == 1);
    CHECK(a.failures() == 2);
    CHECK(a.errors() == 1);
    CHECK(problem_count(a, ProblemKind::failure, "F", "m", "t.cpp:3") == 2);
    CHECK(problem_count(a, ProblemKind::error, "E", "n", "") == 1);
    // The source is left as it was.
    CHECK(b.hits() == 2);
    CHECK(b.counters().at("c") == 5);
}

TEST_CASE("clear and empty") {
    RunStats s;
    CHECK(s.empty());

    SUBCASE("a hit") {
        s.record_hit("/", 200, 1);
    }
    SUBCASE("a counter") {
        s.incr_counter("c", 1);
    }
    SUBCASE("a success") {
        s.record_success();
    }
    SUBCASE("a finished test") {
        s.record_test_finished();
    }
    SUBCASE("a cancelled test") {
        s.record_cancelled();
    }
    SUBCASE("a failure") {
        s.record_problem(ProblemKind::failure, "F", "m", "", 0);
    }
    SUBCASE("an error") {
        s.record_problem(ProblemKind::error, "E", "m", "", 0);
    }

    CHECK_FALSE(s.empty());
    s.clear();
    CHECK(s.empty());
    CHECK(s.hits() == 0);
    CHECK(s.urls().empty());
    CHECK(s.counters().empty());
    CHECK(s.problems().empty());
    CHECK(s.successes() == 0);
    CHECK(s.failures() == 0);
    CHECK(s.errors() == 0);
    CHECK(s.tests_finished() == 0);
    CHECK(s.cancelled() == 0);
    CHECK(s.latency().max() == 0);
}

TEST_CASE("Aggregator::absorb merges and clears the delta") {
    Aggregator agg;
    RunStats delta;
    delta.record_hit("/a", 200, 10);
    delta.incr_counter("c", 1);
    agg.absorb(delta);
    CHECK(delta.empty());
    CHECK(delta.hits() == 0);
    CHECK(delta.urls().empty());
    CHECK(delta.counters().empty());

    delta.record_hit("/a", 200, 30);
    agg.absorb(delta);
    agg.absorb(delta);  // absorbing an empty delta adds nothing
    const RunStats taken = agg.take();
    CHECK(taken.hits() == 2);
    CHECK(taken.latency().sum() == 40);
    CHECK(taken.urls().at("/a").hits == 2);
    CHECK(taken.counters().at("c") == 1);

    // take() starts over: the next one holds only what came after.
    delta.record_hit("/b", 200, 5);
    agg.absorb(delta);
    CHECK(taken.hits() == 2);
    const RunStats next = agg.take();
    CHECK(next.hits() == 1);
    CHECK(next.urls().count("/a") == 0);
    CHECK(agg.take().empty());
}

TEST_CASE("per-thread RunStats absorbed concurrently add up exactly") {
    constexpr int k_threads = 4;
    constexpr int k_iterations = 50000;
    constexpr int k_absorb_every = 1000;
    const std::vector<std::string> urls = {"http://h/a", "http://h/b", "http://h/c"};

    // What one thread records at iteration i.
    auto status_of = [](int i) { return i % 10 == 0 ? 500 : 200; };
    auto elapsed_of = [](int t, int i) { return std::uint64_t(100 + (i % 997) + 1000 * t); };

    Aggregator agg;
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            RunStats mine;
            for (int i = 0; i < k_iterations; ++i) {
                mine.record_hit(urls[std::size_t(i % 3)], status_of(i), elapsed_of(t, i));
                mine.incr_counter("iterations", 1);
                mine.incr_counter("thread" + std::to_string(t), 2);
                mine.record_test_finished();
                if (i % 100 == 0) {
                    mine.record_problem(ProblemKind::failure, "AssertionError",
                                        "bad " + std::to_string(i % 7), "t.cpp", 42);
                } else if (i % 250 == 1) {
                    mine.record_problem(ProblemKind::error, "std::runtime_error", "down", "t.cpp", 7);
                } else {
                    mine.record_success();
                }
                if ((i + 1) % k_absorb_every == 0) {
                    agg.absorb(mine);
                }
            }
            agg.absorb(mine);
        });
    }
    for (auto& th : threads) {
        th.join();
    }

    // Expected totals, computed the slow way.
    std::uint64_t hits = 0, sum = 0, max = 0, min = ~std::uint64_t{0};
    std::uint64_t url_hits[3] = {}, url_successes[3] = {}, url_total[3] = {};
    std::uint64_t failures = 0, errors = 0, successes = 0;
    std::uint64_t fail_by_msg[7] = {};
    for (int t = 0; t < k_threads; ++t) {
        for (int i = 0; i < k_iterations; ++i) {
            const std::uint64_t e = elapsed_of(t, i);
            ++hits;
            sum += e;
            max = std::max(max, e);
            min = std::min(min, e);
            const auto u = std::size_t(i % 3);
            ++url_hits[u];
            url_successes[u] += status_of(i) == 200 ? 1 : 0;
            url_total[u] += e;
            if (i % 100 == 0) {
                ++failures;
                ++fail_by_msg[i % 7];
            } else if (i % 250 == 1) {
                ++errors;
            } else {
                ++successes;
            }
        }
    }

    const RunStats snap = agg.take();
    CHECK(snap.hits() == hits);
    CHECK(snap.hits() == std::uint64_t(k_threads) * k_iterations);
    CHECK(snap.latency().sum() == sum);
    CHECK(snap.latency().max() == max);
    CHECK(snap.latency().min() == min);
    CHECK(snap.tests_finished() == std::uint64_t(k_threads) * k_iterations);
    CHECK(snap.successes() == successes);
    CHECK(snap.failures() == failures);
    CHECK(snap.errors() == errors);
    CHECK(snap.cancelled() == 0);
    REQUIRE(snap.urls().size() == 3);
    for (std::size_t u = 0; u < 3; ++u) {
        CAPTURE(urls[u]);
        const UrlStats& s = snap.urls().at(urls[u]);
        CHECK(s.hits == url_hits[u]);
        CHECK(s.successes == url_successes[u]);
        CHECK(s.latency.sum() == url_total[u]);
    }
    REQUIRE(snap.counters().size() == 1 + k_threads);
    CHECK(snap.counters().at("iterations") == std::int64_t(k_threads) * k_iterations);
    for (int t = 0; t < k_threads; ++t) {
        CHECK(snap.counters().at("thread" + std::to_string(t)) == 2 * k_iterations);
    }
    CHECK(snap.problems().size() == 8);
    for (int m = 0; m < 7; ++m) {
        CAPTURE(m);
        CHECK(problem_count(snap, ProblemKind::failure, "AssertionError", "bad " + std::to_string(m),
                            "t.cpp:42") == fail_by_msg[m]);
    }
    CHECK(problem_count(snap, ProblemKind::error, "std::runtime_error", "down", "t.cpp:7") == errors);
}
