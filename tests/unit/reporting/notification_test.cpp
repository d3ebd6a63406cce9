// The notification observers are told of a run with: the summary sentence (the seed's words with
// real figures) and the request file's exact round trip, whose malformed forms are refused.
#include <doctest/doctest.h>

#include <string>

#include "reporting/notification.hpp"
#include "results/stats_codec.hpp"

using loads::host::AgentReport;
using loads::host::decode_notification;
using loads::host::encode_notification;
using loads::host::is_observer_option;
using loads::host::Notification;
using loads::host::ProblemKind;
using loads::host::RunStats;
using loads::host::summary_sentence;

namespace {

RunStats some_figures() {
    RunStats s;
    for (int i = 0; i < 300; ++i) {
        s.record_hit("http://127.0.0.1:8080/", i % 10 == 0 ? 500 : 200, 1000 + 10 * i);
        s.record_test_finished();
        s.record_success();
    }
    s.record_problem(ProblemKind::failure, "", "status 500", "t.cpp", 12);
    return s;
}

}  // namespace

TEST_CASE("summary_sentence: the seed's words, real figures, the agents that did not finish") {
    const RunStats s = some_figures();
    const std::string line =
        summary_sentence(s, 3.0, "run-1", "partial",
                         {{"a-1", "h", "finished", 1.0, ""}, {"a-2", "h", "lost", 2.0, "silent 3 s"}});
    CHECK(line.starts_with(
        "Test over. Ran 300 tests in 3.00 s. 300 hits, 100.00 RPS. 1 failures, 0 errors, p50 "));
    CHECK(line.find(" ms, p99 ") != std::string::npos);
    CHECK(line.find(". Run run-1: partial. Agent a-2 lost (silent 3 s).") != std::string::npos);
    CHECK(line.find("a-1") == std::string::npos);
    // No hits: no percentiles to speak of, and no division by a zero duration.
    CHECK(summary_sentence(RunStats(), 0, "r", "completed", {}) ==
          "Test over. Ran 0 tests in 0.00 s. 0 hits, 0.00 RPS. 0 failures, 0 errors. Run r: completed.");
}

TEST_CASE("a notification survives the request file whole") {
    Notification n;
    n.run_id = "0a1b";
    n.fqn = "m.C.t";
    n.status = "completed";
    n.started = 1700000000.25;
    n.ended = 1700000003.5;
    n.total = some_figures();
    n.agents = {{"box-1", "box", "failed", 1700000002.0, "exit \"2\"\nsecond line"}};
    n.options = {{"users", "10"}, {"server-url", "http://x/é"}};
    n.text = "Test over.";
    n.node = "broker-box";
    n.search = {"/opt/observers", "/tmp/x y"};
    n.observer_values = {{"observer-email-password", "p\"w"}};
    const Notification back = decode_notification(encode_notification(n));
    CHECK(back.run_id == n.run_id);
    CHECK(back.fqn == n.fqn);
    CHECK(back.status == n.status);
    CHECK(back.started == n.started);
    CHECK(back.ended == n.ended);
    CHECK(loads::host::encode_stats(back.total) == loads::host::encode_stats(n.total));
    REQUIRE(back.agents.size() == 1);
    CHECK(back.agents[0].message == n.agents[0].message);
    CHECK(back.agents[0].changed_at == n.agents[0].changed_at);
    CHECK(back.options == n.options);
    CHECK(back.text == n.text);
    CHECK(back.node == n.node);
    CHECK(back.search == n.search);
    CHECK(back.observer_values == n.observer_values);
}

TEST_CASE("a malformed request is refused with a reason") {
    Notification n;
    n.total = some_figures();
    const std::string good = encode_notification(n);
    CHECK_THROWS_WITH(decode_notification("LNT2" + good.substr(4)), "not a loads notification");
    CHECK_THROWS_WITH(decode_notification(good.substr(0, 20)), "truncated notification");
    CHECK_THROWS_AS(decode_notification(good.substr(0, good.size() - 3)), std::runtime_error);
    std::string bad_head = good;
    bad_head[8] = '[';  // the JSON head's '{'
    CHECK_THROWS_AS(decode_notification(bad_head), std::runtime_error);
}

TEST_CASE("observer options are told apart from the run's") {
    CHECK(is_observer_option("observer"));
    CHECK(is_observer_option("observer-email-password"));
    CHECK(is_observer_option("observer-timeout"));
    CHECK_FALSE(is_observer_option("observers"));
    CHECK_FALSE(is_observer_option("output-json-filename"));
}
