// RunStore: runs, agents, intervals and final figures read back as written, across a reopen;
// close_unfinished and prune touch only what they should, and the file really shrinks; broken files
// are refused with one line naming them.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/broker/run_store.hpp"
#include "results/stats_codec.hpp"
#include "support/temp_dir.hpp"

using loads::host::encode_stats;
using loads::host::ProblemKind;
using loads::host::RunStats;
using loads::host::RunStore;
using loads::host::StoredAgent;
using loads::host::StoredInterval;
using loads::host::StoredRun;
using loads::host::StoreError;

using loads::test::TempDir;

namespace {

const std::string k_odd_text = "l'été \"cité\" 🚀 ß\\n'); DROP TABLE runs; --";

RunStats sample(unsigned seed) {
    RunStats s;
    for (unsigned i = 0; i < 500; ++i) {
        s.record_hit("http://h/" + std::to_string((i + seed) % 5), i % 9 == 0 ? 500 : 200,
                     100 + i * 37 * seed);
    }
    s.record_hit("http://h/ünï?q=\"x\"&y='z'", 200, 4242);
    s.incr_counter("logins", seed);
    s.incr_counter("négatif", -2);
    for (unsigned i = 0; i < 5; ++i) {
        s.record_problem(ProblemKind::failure, "AssertionError", "1 != 2", "t.cpp", 7);
    }
    s.record_problem(ProblemKind::error, "std::runtime_error", k_odd_text + "\x01\xff", "t.cpp", 9);
    s.record_problem(ProblemKind::error, "std::runtime_error", k_odd_text + "\x01\xff", "t.cpp", 9);
    s.record_problem(ProblemKind::error, "IOError", "reset", "", 0);
    s.record_problem(ProblemKind::error, "IOError", "reset", "", 0);
    s.record_success();
    s.record_test_finished();
    return s;
}

void check_same(const RunStats& got, const RunStats& want) {
    CHECK(got.hits() == want.hits());
    CHECK(got.counters() == want.counters());
    CHECK(got.problems() == want.problems());
    CHECK(got.statuses() == want.statuses());
    for (double p : {0.0, 50.0, 90.0, 99.0, 100.0}) {
        CHECK(got.latency().value_at_percentile(p) == want.latency().value_at_percentile(p));
    }
    CHECK(encode_stats(got) == encode_stats(want));  // canonical: everything else too
}

StoredAgent agent(const std::string& id, const std::string& state, double changed_at) {
    return StoredAgent{id, "host-" + id, 1000 + static_cast<std::int64_t>(id.size()), state, changed_at, ""};
}

StoredRun run(const std::string& id, double started, std::vector<StoredAgent> agents = {}) {
    return StoredRun{id,        "tests.Load.test_" + id, R"({"users": 2})", {"email"}, started, std::nullopt,
                     "running", std::move(agents)};
}

StoredInterval interval(const std::string& agent_id, std::uint64_t seq, std::string bytes) {
    return StoredInterval{agent_id, seq, 100.0 + double(seq), double(seq), std::move(bytes)};
}

/// What one filled store holds: r1 ended with sample(9), r2 still running; both with intervals.
void fill(RunStore& store) {
    StoredRun r1 = run("r1", 100, {agent("b", "running", 100), agent("a", "running", 100)});
    r1.observers = {"email", "slack"};
    store.begin_run(r1);
    store.begin_run(run("r2", 200, {agent("c", "running", 200)}));
    store.add_interval("r1", interval("a", 1, encode_stats(sample(1))));
    store.add_interval("r1", interval("b", 1, encode_stats(sample(2))));
    store.add_interval("r2", interval("c", 1, encode_stats(sample(3))));
    store.add_interval("r1", interval("a", 2, encode_stats(sample(4))));
    store.add_interval("r2", interval("c", 2, encode_stats(sample(5))));
    store.set_agent("r1", StoredAgent{"a", "host-a", 1001, "finished", 150.5, ""});
    store.set_agent("r1", StoredAgent{"b", "host-b", 1001, "failed", 151.25, "exit 3"});
    store.end_run("r1", 160, "partial", sample(9));
}

/// Everything fill() wrote, read back.
void check_filled(const RunStore& store) {
    const std::vector<StoredRun> runs = store.list_runs();
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].run_id == "r1");
    CHECK(runs[1].run_id == "r2");
    const StoredRun& r1 = runs[0];
    CHECK(r1.fqn == "tests.Load.test_r1");
    CHECK(r1.options_json == R"({"users": 2})");
    CHECK(r1.observers == std::vector<std::string>{"email", "slack"});
    CHECK(r1.started == 100);
    CHECK(r1.ended == std::optional<double>(160));
    CHECK(r1.status == "partial");
    REQUIRE(r1.agents.size() == 2);
    CHECK(r1.agents[0].agent_id == "a");  // sorted, though inserted b first
    CHECK(r1.agents[0].state == "finished");
    CHECK(r1.agents[0].changed_at == 150.5);
    CHECK(r1.agents[1].agent_id == "b");
    CHECK(r1.agents[1].state == "failed");
    CHECK(r1.agents[1].message == "exit 3");
    CHECK(r1.agents[1].hostname == "host-b");
    CHECK(r1.agents[1].pid == 1001);
    CHECK_FALSE(runs[1].ended.has_value());
    CHECK(runs[1].status == "running");

    const std::vector<StoredInterval> iv = store.intervals("r1");
    REQUIRE(iv.size() == 3);
    CHECK(iv[0].agent_id == "a");
    CHECK(iv[0].seq == 1);
    CHECK(iv[1].agent_id == "b");
    CHECK(iv[2].agent_id == "a");
    CHECK(iv[2].seq == 2);
    CHECK(iv[2].received_at == 102.0);
    CHECK(iv[2].elapsed == 2.0);
    CHECK(iv[2].encoded_stats == encode_stats(sample(4)));

    // An ended run's total is the one given to end_run, not the merge of its intervals.
    const std::optional<RunStats> total1 = store.total("r1");
    REQUIRE(total1.has_value());
    check_same(*total1, sample(9));
    // An active run's total is the merge of its intervals.
    RunStats merged = sample(3);
    merged.merge(sample(5));
    const std::optional<RunStats> total2 = store.total("r2");
    REQUIRE(total2.has_value());
    check_same(*total2, merged);

    const auto counters = store.counters("r1");
    CHECK(counters == std::vector<std::pair<std::string, std::int64_t>>{{"logins", 9}, {"négatif", -2}});
    CHECK(store.counters("r2").empty());

    const std::vector<RunStore::ProblemGroup> groups = store.problem_groups("r1");
    REQUIRE(groups.size() == 3);
    CHECK(groups[0].kind == "failure");
    CHECK(groups[0].type == "AssertionError");
    CHECK(groups[0].message == "1 != 2");
    CHECK(groups[0].location == "t.cpp:7");
    CHECK(groups[0].count == 5);
    // Tied counts in key order: "IOError" sorts before "std::runtime_error".
    CHECK(groups[1].kind == "error");
    CHECK(groups[1].type == "IOError");
    CHECK(groups[1].location == "");
    CHECK(groups[1].count == 2);
    CHECK(groups[2].type == "std::runtime_error");
    CHECK(groups[2].message == k_odd_text + "\x01\xff");
    CHECK(groups[2].count == 2);
}

std::uintmax_t size_on_disk(const std::filesystem::path& db) {
    std::error_code ec;
    const std::uintmax_t wal = std::filesystem::file_size(db.string() + "-wal", ec);
    return std::filesystem::file_size(db) + (ec ? 0 : wal);
}

/// The message of the StoreError that opening `path` throws, or "" if none.
std::string open_error(const std::filesystem::path& path) {
    try {
        RunStore store(path, 0);
    } catch (const StoreError& e) {
        return e.what();
    }
    return "";
}

/// Makes an SQLite database at `path` with the given SQL run in it.
void make_database(const std::filesystem::path& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

}  // namespace

TEST_CASE("a run's life reads back as written") {
    TempDir dir("loads-run-store");
    RunStore store(dir / "runs.db", 0);
    fill(store);
    check_filled(store);
    CHECK_FALSE(store.find_run("nope").has_value());
    CHECK_FALSE(store.total("nope").has_value());
    CHECK(store.intervals("nope").empty());
    const std::optional<StoredRun> r2 = store.find_run("r2");
    REQUIRE(r2.has_value());
    REQUIRE(r2->agents.size() == 1);
    CHECK(r2->agents[0].hostname == "host-c");
    CHECK(store.prune().empty());  // no limit: never deletes

    // Ending again replaces the figures instead of colliding with the first ones.
    RunStats again;
    again.incr_counter("only", 1);
    store.end_run("r1", 170, "completed", again);
    CHECK(store.counters("r1") == std::vector<std::pair<std::string, std::int64_t>>{{"only", 1}});
    CHECK(store.problem_groups("r1").empty());
    CHECK(store.find_run("r1")->status == "completed");
}

TEST_CASE("stored runs survive closing and reopening the file") {
    TempDir dir("loads-run-store");
    {
        RunStore store(dir / "runs.db", 0);
        fill(store);
    }
    RunStore reopened(dir / "runs.db", 0);
    check_filled(reopened);
}

TEST_CASE("close_unfinished ends only unfinished runs and loses their running agents") {
    TempDir dir("loads-run-store");
    RunStore store(dir / "runs.db", 0);
    store.begin_run(run("done", 10, {agent("a", "running", 10)}));
    store.end_run("done", 20, "completed", RunStats{});
    store.begin_run(run("late", 40, {agent("x", "running", 40)}));
    store.begin_run(run("early", 30, {agent("b", "running", 30), agent("c", "finished", 35)}));

    CHECK(store.close_unfinished("broker-restarted", 500) == std::vector<std::string>{"early", "late"});

    const std::optional<StoredRun> done = store.find_run("done");
    CHECK(done->status == "completed");
    CHECK(done->ended == std::optional<double>(20));
    CHECK(done->agents[0].state == "running");  // an ended run's agents are left as they were
    const std::optional<StoredRun> early = store.find_run("early");
    CHECK(early->status == "broker-restarted");
    CHECK(early->ended == std::optional<double>(500));
    REQUIRE(early->agents.size() == 2);
    CHECK(early->agents[0].state == "lost");
    CHECK(early->agents[0].message == "the broker stopped");
    CHECK(early->agents[0].changed_at == 500);
    CHECK(early->agents[1].state == "finished");
    CHECK(early->agents[1].changed_at == 35);
    CHECK(store.find_run("late")->agents[0].state == "lost");
    CHECK(store.close_unfinished("broker-restarted", 600).empty());
}

TEST_CASE("prune deletes the oldest ended runs, never an active one, and the file shrinks") {
    TempDir dir("loads-run-store");
    const std::filesystem::path path = dir / "runs.db";
    const std::string big(200 * 1024, 'x');
    {
        RunStore store(path, 900 * 1024);
        // The active run is the oldest of all: age alone must not get it deleted.
        store.begin_run(run("r0-active", 1));
        store.add_interval("r0-active", interval("a", 1, big));
        for (int i = 1; i <= 4; ++i) {
            const std::string id = "r" + std::to_string(i);
            store.begin_run(run(id, 10.0 * i));
            store.add_interval(id, interval("a", 1, big));
            store.add_interval(id, interval("a", 2, big));
            store.end_run(id, 10.0 * i + 5, "completed", RunStats{});
        }
        CHECK(store.size_bytes() > 1800 * 1024);
        const std::uintmax_t before = size_on_disk(path);
        CHECK(before > 1800 * 1024);

        CHECK(store.prune() == std::vector<std::string>{"r1", "r2", "r3"});
        CHECK(store.size_bytes() <= 900 * 1024);
        const std::vector<StoredRun> runs = store.list_runs();
        REQUIRE(runs.size() == 2);
        CHECK(runs[0].run_id == "r0-active");
        CHECK(runs[1].run_id == "r4");
        CHECK(store.intervals("r1").empty());  // what a run owns goes with it
        CHECK(size_on_disk(path) < 900 * 1024);
        CHECK(size_on_disk(path) + 900 * 1024 < before);
    }
    RunStore tight(path, 100 * 1024);
    CHECK(tight.prune() == std::vector<std::string>{"r4"});
    CHECK(tight.size_bytes() > 100 * 1024);  // the active run alone is over the limit, and stays
    CHECK(tight.prune().empty());
    REQUIRE(tight.list_runs().size() == 1);
    CHECK(tight.list_runs()[0].run_id == "r0-active");
    CHECK(tight.intervals("r0-active").size() == 1);
}

TEST_CASE("unusable files are refused with one line naming them") {
    TempDir dir("loads-run-store");
    auto check_message = [](const std::string& message, const std::filesystem::path& path) {
        INFO(message);
        CHECK(message.find(path.string()) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    };

    SUBCASE("a directory that does not exist") {
        const std::filesystem::path path = dir / "missing" / "runs.db";
        const std::string message = open_error(path);
        check_message(message, path);
        CHECK(message.find("cannot open") != std::string::npos);
    }
    SUBCASE("a file that is not an SQLite database") {
        const std::filesystem::path path = dir / "junk.db";
        {
            std::ofstream out(path, std::ios::binary);
            for (int i = 0; i < 4096; ++i) {
                out.put(static_cast<char>(i * 7 + 3));
            }
        }
        const std::string message = open_error(path);
        check_message(message, path);
        CHECK(message.find("not a database") != std::string::npos);
    }
    SUBCASE("a schema version newer than this code knows") {
        const std::filesystem::path path = dir / "future.db";
        make_database(path, "CREATE TABLE runs (x); PRAGMA user_version = 99;");
        const std::string message = open_error(path);
        check_message(message, path);
        CHECK(message.find("99") != std::string::npos);
        CHECK(message.find("up to 1") != std::string::npos);
    }
    SUBCASE("another application's database") {
        const std::filesystem::path path = dir / "other.db";
        make_database(path, "CREATE TABLE notes (x);");
        const std::string message = open_error(path);
        check_message(message, path);
        CHECK(message.find("not a loads run store") != std::string::npos);
    }
    SUBCASE("writes into an unknown run") {
        const std::filesystem::path path = dir / "runs.db";
        RunStore store(path, 0);
        CHECK_THROWS_AS(store.set_agent("nope", agent("a", "running", 1)), StoreError);
        CHECK_THROWS_AS(store.add_interval("nope", interval("a", 1, "x")), StoreError);
        CHECK_THROWS_AS(store.end_run("nope", 1, "completed", RunStats{}), StoreError);
        store.begin_run(run("r", 1));
        CHECK_THROWS_AS(store.begin_run(run("r", 2)), StoreError);
        CHECK(store.list_runs().size() == 1);
        CHECK(store.find_run("r")->started == 1);
    }
    SUBCASE("a stored blob that does not decode") {
        RunStore store(dir / "runs.db", 0);
        store.begin_run(run("r", 1));
        store.add_interval("r", interval("a", 1, "not stats"));
        CHECK_THROWS_AS((void)store.total("r"), StoreError);
    }
}

TEST_CASE("unicode and quotes round-trip unchanged; set_agent replaces") {
    TempDir dir("loads-run-store");
    RunStore store(dir / "runs.db", 0);
    StoredRun r = run("rün-'1'", 5);
    r.fqn = "tests.Lôad.\"quoted\"";
    r.options_json = R"({"url": "http://h/ünï?q=\"x\"&y='z'", "note": ")" + k_odd_text + "\"}";
    r.observers = {"e-mail 📧", "it's", "", "two\nlines", "\"quoted\" \\ [1]"};
    store.begin_run(r);
    store.set_agent(r.run_id, StoredAgent{"agent-1", "hôte", 7, "running", 6, ""});
    store.set_agent(r.run_id, StoredAgent{"agent-1", "hôte-2", 8, "lost", 9, k_odd_text});
    store.add_interval(r.run_id, interval("agent-1", 1, encode_stats(sample(1))));
    store.end_run(r.run_id, 10, "stopped", sample(1));

    const std::optional<StoredRun> back = store.find_run(r.run_id);
    REQUIRE(back.has_value());
    CHECK(back->run_id == r.run_id);
    CHECK(back->fqn == r.fqn);
    CHECK(back->options_json == r.options_json);
    CHECK(back->observers == r.observers);
    REQUIRE(back->agents.size() == 1);  // replaced, not added
    CHECK(back->agents[0].hostname == "hôte-2");
    CHECK(back->agents[0].pid == 8);
    CHECK(back->agents[0].state == "lost");
    CHECK(back->agents[0].changed_at == 9);
    CHECK(back->agents[0].message == k_odd_text);
    const std::optional<RunStats> total = store.total(r.run_id);
    REQUIRE(total.has_value());
    CHECK(total->urls().count("http://h/ünï?q=\"x\"&y='z'") == 1);
    check_same(*total, sample(1));
    CHECK(store.problem_groups(r.run_id)[2].message == k_odd_text + "\x01\xff");
    StoredRun none = run("none", 6);
    none.observers.clear();
    store.begin_run(none);
    CHECK(store.find_run("none")->observers.empty());
}
