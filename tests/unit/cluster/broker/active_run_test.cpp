// A distributed run as the broker follows it: when each agent's part is over and how, what stays
// counted when an agent is lost, and the figures published (merged exactly, numbered in order).
#include <doctest/doctest.h>

#include "cluster/broker/active_run.hpp"

using namespace loads::host;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

ActiveRun make_run(std::initializer_list<const char*> ids) {
    std::vector<RunAgent> agents;
    for (const char* id : ids) {
        RunAgent a;
        a.id = id;
        a.hostname = "box";
        agents.push_back(a);
    }
    return ActiveRun({"run-1", "m.C.t", "{}", {}, 1000.0, {}, 30}, agents);
}

RunStats hits(int n, int latency_us = 1000) {
    RunStats s;
    for (int i = 0; i < n; ++i) {
        s.record_hit("http://h/", 200, static_cast<std::uint64_t>(latency_us + i));
        s.record_success();
        s.record_test_finished();
    }
    s.incr_counter("c", n);
    return s;
}

RelayHeader header(const char* agent, std::uint64_t seq, bool final, double progress = 0.5) {
    RelayHeader h;
    h.run_id = "run-1";
    h.agent_id = agent;
    h.seq = seq;
    h.final = final;
    h.progress = progress;
    return h;
}

}  // namespace

TEST_CASE("final figures then the child's end: finished; the reverse order too") {
    ActiveRun run = make_run({"a", "b"});
    const auto t = steady::now();
    CHECK(run.add_figures(header("a", 0, true, 1.0), hits(3), 1001, t).empty());
    CHECK_FALSE(run.over());
    run.child_ended("a", 0, 0, "", 1002, t);
    CHECK(run.agents().at("a").state == AgentState::finished);
    run.child_ended("b", 1, 0, "", 1003, t);  // some tests failed: still a complete part
    CHECK(run.agents().at("b").state == AgentState::running);
    CHECK(run.add_figures(header("b", 0, true, 1.0), hits(2), 1004, t).empty());
    CHECK(run.agents().at("b").state == AgentState::finished);
    CHECK(run.over());
    CHECK(run.status() == "completed");
    const RunStats interval = run.take_interval();
    CHECK(interval.hits() == 5);
    CHECK(interval.counters().at("c") == 5);
    CHECK(run.published_seq() == 1);
}

TEST_CASE("a child that ended without final figures fails once the grace is over") {
    ActiveRun run = make_run({"a"});
    const auto t = steady::now();
    CHECK(run.add_figures(header("a", 0, false), hits(4), 1001, t).empty());
    run.child_ended("a", 0, 0, "", 1002, t);
    run.tick(1003, t + 1s);
    CHECK(run.agents().at("a").state == AgentState::running);
    run.tick(1008, t + ActiveRun::k_final_grace + 1ms);
    CHECK(run.agents().at("a").state == AgentState::failed);
    CHECK(run.agents().at("a").message.find("without sending its final figures") != std::string::npos);
    CHECK(run.status() == "failed");
    CHECK(run.take_interval().hits() == 4);  // what it sent stays counted
}

TEST_CASE("a runner that could not run, or crashed, fails at once with its message") {
    ActiveRun run = make_run({"a", "b", "c"});
    const auto t = steady::now();
    run.child_ended("a", 2, 0, "loads-runner: error: no module 'x'", 1001, t);
    run.child_ended("b", -1, 11, "", 1001, t);
    run.agent_failed("c", "files refused: archive entry 1 of 1 '../x': ...", 1001);
    CHECK(run.agents().at("a").state == AgentState::failed);
    CHECK(run.agents().at("a").message ==
          "its loads-runner exited with status 2: loads-runner: error: no module 'x'");
    CHECK(run.agents().at("b").message.find("signal 11") != std::string::npos);
    CHECK(run.agents().at("c").state == AgentState::failed);
    CHECK(run.over());
    CHECK(run.status() == "failed");
}

TEST_CASE("a lost agent's earlier figures stay counted, later ones are refused, the run goes on") {
    ActiveRun run = make_run({"a", "b"});
    const auto t = steady::now();
    CHECK(run.add_figures(header("a", 0, false), hits(10), 1001, t).empty());
    CHECK(run.add_figures(header("b", 0, false), hits(7), 1001, t).empty());
    run.agent_lost("a", "no heartbeat for 3 s", 1002);
    CHECK(run.agents().at("a").state == AgentState::lost);
    CHECK(run.agents().at("a").changed_at == 1002);
    CHECK_FALSE(run.add_figures(header("a", 1, true), hits(5), 1003, t).empty());
    CHECK_FALSE(run.over());
    CHECK(run.add_figures(header("b", 1, true), hits(3), 1004, t).empty());
    run.child_ended("b", 0, 0, "", 1004, t);
    CHECK(run.over());
    CHECK(run.status() == "partial");
    CHECK(run.take_interval().hits() == 20);
}

TEST_CASE("messages are taken once, in order; strangers are refused") {
    ActiveRun run = make_run({"a"});
    const auto t = steady::now();
    CHECK(run.add_figures(header("a", 0, false), hits(1), 1001, t).empty());
    CHECK_FALSE(run.add_figures(header("a", 0, false), hits(1), 1001, t).empty());
    CHECK(run.add_figures(header("a", 2, false), hits(1), 1001, t).empty());  // a gap is taken
    CHECK_FALSE(run.add_figures(header("a", 1, false), hits(1), 1001, t).empty());
    CHECK_FALSE(run.add_figures(header("zz", 0, false), hits(1), 1001, t).empty());
    CHECK(run.take_interval().hits() == 2);
}

TEST_CASE("stopping: agents whose runner was interrupted are stopped, and so is the run") {
    ActiveRun run = make_run({"a", "b"});
    const auto t = steady::now();
    run.request_stop();
    CHECK(run.add_figures(header("a", 0, true), hits(2), 1001, t).empty());
    run.child_ended("a", 130, 0, "", 1002, t);
    CHECK(run.add_figures(header("b", 0, true), hits(2), 1001, t).empty());
    run.child_ended("b", 0, 0, "", 1002, t);  // finished just before the stop reached it
    CHECK(run.agents().at("a").state == AgentState::stopped);
    CHECK(run.agents().at("b").state == AgentState::finished);
    CHECK(run.status() == "stopped");
}

TEST_CASE("a runner stopped before it could catch the signal is stopped, not failed") {
    ActiveRun run = make_run({"a", "b"});
    const auto t = steady::now();
    run.child_ended("a", -1, 15, "", 1001, t);  // SIGTERM before any stop: something else killed it
    CHECK(run.agents().at("a").state == AgentState::failed);
    run.request_stop();
    run.child_ended("b", -1, 15, "", 1002, t);
    CHECK(run.agents().at("b").state == AgentState::stopped);
}

TEST_CASE("published intervals add up to the published total, percentiles included") {
    ActiveRun run = make_run({"a", "b"});
    const auto t = steady::now();
    RunStats expected;
    CHECK(run.add_figures(header("a", 0, false, 0.25), hits(100, 500), 1001, t).empty());
    CHECK(run.add_figures(header("b", 0, false, 0.75), hits(50, 90000), 1001, t).empty());
    expected.merge(hits(100, 500));
    expected.merge(hits(50, 90000));
    CHECK(run.progress() == doctest::Approx(0.5));
    CHECK(run.has_pending());
    RunStats first = run.take_interval();
    CHECK_FALSE(run.has_pending());
    CHECK(run.take_interval().empty());
    CHECK(run.published_seq() == 2);
    CHECK(first.hits() == 150);
    for (double p : {50.0, 90.0, 99.0, 100.0}) {
        CHECK(run.published_total().latency().value_at_percentile(p) ==
              expected.latency().value_at_percentile(p));
    }
    auto changed = run.take_changed_agents();
    CHECK(changed.size() == 2);  // both new
    CHECK(run.take_changed_agents().empty());
}

TEST_CASE("an agent that never says it started fails after the start timeout") {
    const auto t0 = steady::now();
    std::vector<RunAgent> agents(2);
    agents[0].id = "quiet";
    agents[1].id = "ok";
    ActiveRun run({"run-1", "m.C.t", "{}", {}, 1000.0, {}, 30}, agents, t0);
    run.agent_started("ok");
    run.tick(1010, t0 + 10s);
    CHECK(run.agents().at("quiet").state == AgentState::running);
    run.tick(1031, t0 + ActiveRun::k_start_timeout + 1s);
    CHECK(run.agents().at("quiet").state == AgentState::failed);
    CHECK(run.agents().at("quiet").message == "did not start the run within 30 s");
    CHECK(run.agents().at("ok").state == AgentState::running);
}

TEST_CASE("an agent that beats without a run it started fails its part after the grace") {
    ActiveRun run = make_run({"a", "b"});
    const auto t = steady::now();
    run.agent_started("a");
    run.agent_beat("a", false, t);
    run.tick(1001, t + 2s);
    CHECK(run.agents().at("a").state == AgentState::running);
    run.agent_beat("a", true, t + 3s);  // listed again: the clock starts over
    run.agent_beat("a", false, t + 4s);
    run.tick(1008, t + 8s);
    CHECK(run.agents().at("a").state == AgentState::running);
    run.tick(1010, t + 9s + 1ms);
    CHECK(run.agents().at("a").state == AgentState::failed);
    CHECK(run.agents().at("a").message == "its agent no longer runs it (the end was not reported)");
    // Not started yet: beats without the run are expected.
    run.agent_beat("b", false, t);
    run.tick(1020, t + 20s);
    CHECK(run.agents().at("b").state == AgentState::running);
}

TEST_CASE("an agent that leaves after its runner ended is judged by its figures, not lost") {
    ActiveRun run = make_run({"a", "b"});
    const auto t = steady::now();
    run.child_ended("a", 0, 0, "", 1001, t);
    run.agent_gone("a", "the agent stopped during the run", 1001);
    CHECK(run.agents().at("a").state == AgentState::running);  // its final figures may still come
    CHECK(run.add_figures(header("a", 0, true), hits(3), 1002, t).empty());
    CHECK(run.agents().at("a").state == AgentState::finished);
    run.agent_gone("b", "the agent stopped during the run", 1003);
    CHECK(run.agents().at("b").state == AgentState::lost);
}
