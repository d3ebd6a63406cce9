#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "progress_bar.hpp"
#include "results/run_report.hpp"
#include "results/snapshot.hpp"
#include "summary.hpp"

using loads::host::ProblemKind;
using loads::host::RunReport;
using loads::outputs::progress_bar;

namespace {

// The stdout output sees the run through the ABI's loads_stats, as the runner builds it.
std::string format_summary(const RunReport& r) {
    const loads::host::StatsView view(r.stats);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(r.started.time_since_epoch()).count();
    return loads::outputs::format_summary(view.get(), r.duration_seconds, micros);
}

std::string format_problems(const RunReport& r, std::size_t limit) {
    const loads::host::StatsView view(r.stats);
    return loads::outputs::format_problems(view.get(), limit);
}

// 2013-06-14 12:15:42.860586 UTC
std::chrono::system_clock::time_point sample_start() {
    using namespace std::chrono;
    return system_clock::time_point(sys_days(year(2013) / June / 14)) + hours(12) + minutes(15) +
           seconds(42) + microseconds(860586);
}

RunReport sample_report() {
    RunReport r;
    r.fqn = "example.TestWebSite.test_es";
    r.started = sample_start();
    r.duration_seconds = 1.5;
    r.stats.record_hit("http://h/a", 200, 1000);
    r.stats.record_hit("http://h/a", 200, 3000);
    r.stats.record_hit("http://h/b", 500, 2500);
    r.stats.record_success();
    r.stats.record_success();
    r.stats.incr_counter("name", 12);
    r.stats.incr_counter("bytes", 2048);
    r.stats.record_problem(ProblemKind::failure, "AssertionError", "status 500", "test.cpp", 20);
    r.stats.record_problem(ProblemKind::error, "std::runtime_error", "connection reset", "test.cpp", 31);
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::size_t url_lines(const std::string& text) {
    std::size_t n = 0;
    for (const std::string& line : lines_of(text)) {
        n += (line.rfind("- ", 0) == 0 && line.find("\tAverage request time: ") != std::string::npos) ? 1 : 0;
    }
    return n;
}

/// Checks that each needle appears in `text`, in the given order.
void check_in_order(const std::string& text, const std::vector<std::string>& needles) {
    std::size_t pos = 0;
    for (const std::string& needle : needles) {
        CAPTURE(needle);
        const std::size_t found = text.find(needle, pos);
        CHECK(found != std::string::npos);
        if (found != std::string::npos) {
            pos = found + 1;  // the next needle starts after this one's first character
        }
    }
}

}  // namespace

TEST_CASE("format_summary prints the seed's summary") {
    const RunReport r = sample_report();
    const std::string out = format_summary(r);
    CAPTURE(out);
    check_in_order(out, {
                            "Duration: ",
                            "\nHits: 3\n",
                            "\nStarted: ",
                            "\nApproximate Average RPS: ",
                            "\nAverage request time: ",
                            "\nOpened web sockets: 0\n",
                            "\nBytes received via web sockets : 0\n",
                            "\nSuccess: ",
                            "\nErrors: ",
                            "\nFailures: ",
                            "\nRequest time percentiles:",
                            "\nSlowest URL: ",
                            "\nStats by URLs:\n",
                            "\nCustom metrics:\n",
                            "\n- name : 12\n",
                        });
    // The values.
    CHECK(out.rfind("Duration: 1.50 seconds\n", 0) == 0);
    CHECK(out.find("\nStarted: 2013-06-14 12:15:42.860586\n") != std::string::npos);
    CHECK(out.find("\nApproximate Average RPS: 2\n") != std::string::npos);
    CHECK(out.find("\nAverage request time: 0.00s\n") != std::string::npos);  // mean 2.167 ms
    CHECK(out.find("\nSuccess: 2\n") != std::string::npos);
    CHECK(out.find("\nErrors: 1\n") != std::string::npos);
    CHECK(out.find("\nFailures: 1\n") != std::string::npos);
    CHECK(out.find("\nRequest time percentiles: p50 2.500 ms, p90 3.000 ms, p95 3.000 ms, p99 3.000 ms, "
                   "p99.9 3.000 ms, max 3.000 ms\n") != std::string::npos);
    CHECK(out.find("\nSlowest URL: http://h/b \tAverage Request Time: 0.0025\n") != std::string::npos);
    CHECK(out.find("\n- http://h/b\tAverage request time: 0.0025\tHits success rate: 0.0\n") !=
          std::string::npos);
    CHECK(out.find("\n- http://h/a\tAverage request time: 0.002\tHits success rate: 1.0\n") !=
          std::string::npos);
    CHECK(out.find("- http://h/b") < out.find("- http://h/a"));  // slowest first
    CHECK(url_lines(out) == 2);
    CHECK(out.find("\n- bytes : 2048\n") < out.find("\n- name : 12\n"));  // metrics by name
    CHECK(out.find("(10 slowests)") == std::string::npos);
}

TEST_CASE("format_summary with more than 10 URLs shows the 10 slowest") {
    RunReport r;
    r.started = sample_start();
    r.duration_seconds = 10;
    for (int i = 0; i < 12; ++i) {
        // URL /u<i> takes (i + 1) ms: /u0 and /u1 are the fastest.
        r.stats.record_hit("http://h/u" + std::to_string(i), 200, std::uint64_t(1000 * (i + 1)));
    }
    const std::string out = format_summary(r);
    CAPTURE(out);
    CHECK(out.find("\nStats by URLs (10 slowests):\n") != std::string::npos);
    CHECK(out.find("\nStats by URLs:\n") == std::string::npos);
    CHECK(url_lines(out) == 10);
    CHECK(out.find("- http://h/u0 ") == std::string::npos);
    CHECK(out.find("- http://h/u1 ") == std::string::npos);
    CHECK(out.find("- http://h/u11\t") != std::string::npos);
    CHECK(out.find("- http://h/u2 \t") != std::string::npos);  // padded to the longest URL
    CHECK(out.find("\nSlowest URL: http://h/u11 \t") != std::string::npos);
    CHECK(out.find("Custom metrics:") == std::string::npos);  // no counters, no section
}

TEST_CASE("format_summary of a run without hits") {
    RunReport r;
    r.started = sample_start();
    const std::string out = format_summary(r);
    CHECK(out.find("\nHits: 0\n") != std::string::npos);
    CHECK(out.find("\nApproximate Average RPS: 0\n") != std::string::npos);
    CHECK(out.find("Request time percentiles") == std::string::npos);
    CHECK(out.find("Slowest URL") == std::string::npos);
    CHECK(out.find("Stats by URLs") == std::string::npos);
}

TEST_CASE("format_problems lists the most common problems first") {
    RunReport r;
    for (int i = 0; i < 3; ++i) {
        r.stats.record_problem(ProblemKind::failure, "AssertionError", "expected 200", "test.cpp", 12);
    }
    for (int i = 0; i < 5; ++i) {
        r.stats.record_problem(ProblemKind::error, "std::runtime_error", "connection refused", "net.cpp", 7);
    }
    r.stats.record_problem(ProblemKind::failure, "", "no type", "", 0);

    const std::string all = format_problems(r, 10);
    CAPTURE(all);
    check_in_order(all, {
                            "5 occurrences of error: \n",
                            "    std::runtime_error: connection refused\n",
                            "    at net.cpp:7\n",
                            "3 occurrences of failure: \n",
                            "    AssertionError: expected 200\n",
                            "    at test.cpp:12\n",
                            "1 occurrences of failure: \n",
                            "    error: no type\n",
                        });
    CHECK(all.rfind("5 occurrences of error: \n", 0) == 0);
    CHECK(all.find("... and") == std::string::npos);
    CHECK(lines_of(all).size() == 8);  // no "at" line without a location

    const std::string limited = format_problems(r, 1);
    CAPTURE(limited);
    CHECK(limited.find("5 occurrences of error: \n") != std::string::npos);
    CHECK(limited.find("occurrences of failure") == std::string::npos);
    CHECK(limited.find("\n... and 2 more distinct failures or errors\n") != std::string::npos);
    CHECK(lines_of(limited).size() == 4);

    CHECK(format_problems(r, 0).rfind("... and 3 more", 0) == 0);
}

TEST_CASE("format_problems of a clean run is empty") {
    RunReport r;
    r.stats.record_hit("http://h/", 200, 10);
    r.stats.record_success();
    CHECK(format_problems(r, 10).empty());

    r.stats.record_cancelled();
    r.stats.record_cancelled();
    const std::string cancelled = format_problems(r, 10);
    CHECK(cancelled.rfind("2 test(s) were cut off", 0) == 0);
}

TEST_CASE("progress_bar") {
    const std::string bar42 = progress_bar(42, 80);
    CAPTURE(bar42);
    // "[" + 72 columns + "] " + "%3d%%": 1 + (80 - 8) + 2 + 4.
    CHECK(bar42.size() == 79);
    CHECK(bar42.front() == '[');
    CHECK(bar42.size() >= 4);
    CHECK(bar42.substr(bar42.size() - 4) == " 42%");
    CHECK(bar42.substr(bar42.size() - 6) == "]  42%");
    // The seed's formula: round(42 * 80 / 100) - 8 = 26 columns filled, from the left.
    CHECK(std::count(bar42.begin(), bar42.end(), '=') == 26);
    CHECK(bar42.substr(1, 26) == std::string(26, '='));
    CHECK(bar42[27] == ' ');

    const std::string full = progress_bar(100, 80);
    CAPTURE(full);
    CHECK(full.size() == 79);
    CHECK(std::count(full.begin(), full.end(), '=') == 72);
    CHECK(full == "[" + std::string(72, '=') + "] 100%");

    const std::string empty = progress_bar(0, 80);
    CHECK(empty.size() == 79);
    CHECK(std::count(empty.begin(), empty.end(), '=') == 0);
    CHECK(empty == "[" + std::string(72, ' ') + "]   0%");

    // Out-of-range input is clamped; narrow terminals get at least 20 columns.
    CHECK(progress_bar(150, 80) == full);
    CHECK(progress_bar(-5, 80) == empty);
    CHECK(progress_bar(50, 10).size() == 19);
    CHECK(progress_bar(100, 100) == "[" + std::string(92, '=') + "] 100%");
}

TEST_CASE("format_agents says which agents did not finish, when and why") {
    using loads::host::AgentReport;
    using loads::host::Snapshot;
    const std::vector<AgentReport> agents{
        {"box-1", "box", "finished", 1'764'245'000.0, ""},
        {"box-2", "box", "lost", 1'764'245'103.5, "no heartbeat for 3 s"},
        {"other-7", "other", "failed", 1'764'245'001.0, "its loads-runner exited with status 2: \x1b[31mbad"},
    };
    const Snapshot s({}, {}, {}, true, false, agents);
    CHECK(loads::outputs::format_agents(s.get()) ==
          "\nAgents: 3 (1 finished, 1 lost, 1 failed)\n"
          "- box-2 on box: lost at 2025-11-27 12:05:03 UTC (no heartbeat for 3 s); what it sent before is "
          "counted\n"
          "- other-7 on other: failed at 2025-11-27 12:03:21 UTC (its loads-runner exited with status 2: "
          "\xEF\xBF\xBD[31mbad)\n");
    const Snapshot local({}, {}, {}, true, false);
    CHECK(loads::outputs::format_agents(local.get()).empty());
    // An output built before ABI 1.3 is handed a shorter snapshot: no agents to read.
    loads_snapshot old = s.get();
    old.struct_size = offsetof(loads_snapshot, agents);
    CHECK(loads::outputs::format_agents(old).empty());
}

TEST_CASE("format_summary of an open-model run: target beside achieved, dropped, both latencies") {
    RunReport r;
    r.started = sample_start();
    r.duration_seconds = 2.2;  // 2 s of arrivals, then the last iterations finishing
    for (int i = 0; i < 99; ++i) {
        r.stats.record_arrival();
        r.stats.record_hit("http://h/", 200, 5000 + 1000, 5000);  // started 1 ms late
    }
    r.stats.record_dropped_arrival();
    const loads::host::StatsView view(r.stats);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(r.started.time_since_epoch()).count();
    const std::string out = loads::outputs::format_summary(view.get(), r.duration_seconds, micros, {50, 2});
    CAPTURE(out);
    check_in_order(out,
                   {"\nApproximate Average RPS: ", "\nTarget rate: 50.00/s, achieved 49.50/s (99 arrivals)\n",
                    "\nDropped arrivals: 1\n", "\nLatency percentiles: p50 6.000 ms",
                    "\nService time percentiles: p50 5.000 ms"});
    CHECK(out.find("Request time percentiles") == std::string::npos);
    // A closed-model run's summary says nothing of arrivals.
    const std::string closed = loads::outputs::format_summary(view.get(), r.duration_seconds, micros);
    CHECK(closed.find("Dropped arrivals") == std::string::npos);
    CHECK(closed.find("Target rate") == std::string::npos);
}
