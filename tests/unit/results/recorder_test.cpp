#include <doctest/doctest.h>

#include <string>

#include "results/event_buffer.hpp"
#include "results/recorder.hpp"
#include "results/run_stats.hpp"

using loads::host::EventBatch;
using loads::host::EventBuffer;
using loads::host::EventPlace;
using loads::host::ProblemKind;
using loads::host::Recorder;
using loads::host::RunStats;

namespace {
std::string str(loads_str s) {
    return {s.ptr, s.len};
}
}  // namespace

TEST_CASE("Recorder feeds the stats always and the buffer only with wanted kinds") {
    RunStats stats;
    EventBuffer events;
    const std::uint32_t mask =
        1u << LOADS_EVENT_HIT | 1u << LOADS_EVENT_TEST_STOP | 1u << LOADS_EVENT_FAILURE;
    Recorder r(stats, &events, mask, EventPlace{2, 7, 0, 0, 5});
    r.begin_test(4, 3);
    r.hit("GET", "http://h/a", 200, 1500);
    r.counter("c", 2);
    r.problem(ProblemKind::failure, "AssertionError", "1 != 2", "t.cpp", 9);
    r.end_test(LOADS_STATUS_FAILURE);

    CHECK(stats.hits() == 1);
    CHECK(stats.counters().at("c") == 2);
    CHECK(stats.failures() == 1);
    CHECK(stats.tests_finished() == 1);
    REQUIRE(events.records().size() == 3);  // no TEST_START, no COUNTER

    EventBatch batch;
    batch.events = std::move(events);
    batch.test = "m.C.t";
    const loads_event hit = batch.view(0);
    CHECK(hit.struct_size == sizeof(loads_event));
    CHECK(hit.kind == LOADS_EVENT_HIT);
    CHECK(str(hit.test) == "m.C.t");
    CHECK(str(hit.method) == "GET");
    CHECK(str(hit.url) == "http://h/a");
    CHECK(hit.status == 200);
    CHECK(hit.elapsed_us == 1500);
    CHECK(hit.cycle == 2);
    CHECK(hit.users == 7);
    CHECK(hit.series == 4);
    CHECK(hit.hit == 3);
    CHECK(hit.user == 5);
    CHECK(hit.time_us > 1'600'000'000'000'000);  // a real wall-clock time, after 2020

    const loads_event failure = batch.view(1);
    CHECK(failure.kind == LOADS_EVENT_FAILURE);
    CHECK(str(failure.message) == "1 != 2");
    CHECK(str(failure.file) == "t.cpp");
    CHECK(failure.line == 9);
    CHECK(str(failure.url).empty());

    const loads_event stop = batch.view(2);
    CHECK(stop.kind == LOADS_EVENT_TEST_STOP);
    CHECK(stop.status == LOADS_STATUS_FAILURE);
}

TEST_CASE("Recorder without a buffer records no events, and cancelled tests are apart") {
    RunStats stats;
    EventBuffer events;
    Recorder r(stats, &events, 0, EventPlace{});
    r.begin_test(1, 1);
    r.socket_opened("ws://h/");
    r.socket_message("ws://h/", 10);
    r.socket_closed("ws://h/");
    r.end_test(LOADS_STATUS_CANCELLED);
    CHECK(events.empty());
    CHECK(stats.sockets_opened() == 1);
    CHECK(stats.socket_bytes() == 10);
    CHECK(stats.cancelled() == 1);
    CHECK(stats.tests_finished() == 0);
}

TEST_CASE("Recorder as an external runner drives it: given start times, moves, a stop without a start") {
    RunStats stats;
    EventBuffer events;
    const std::uint32_t mask = 1u << LOADS_EVENT_HIT | 1u << LOADS_EVENT_TEST_STOP;
    Recorder r(stats, &events, mask, EventPlace{1, 3, 0, 0, 2});
    r.move_to(1, 4);
    r.hit("POST", "http://h/b", 201, 2500, 1'700'000'000'000'000);
    r.end_test(LOADS_STATUS_SUCCESS);  // its startTest never came
    CHECK(stats.hits() == 1);
    CHECK(stats.tests_finished() == 1);
    REQUIRE(events.records().size() == 2);
    EventBatch batch;
    batch.events = std::move(events);
    const loads_event hit = batch.view(0);
    CHECK(hit.time_us == 1'700'000'000'000'000);  // when the runner says the request was sent
    CHECK(hit.series == 1);
    CHECK(hit.hit == 4);
    CHECK(hit.user == 2);
    const loads_event stop = batch.view(1);
    CHECK(stop.kind == LOADS_EVENT_TEST_STOP);
    CHECK(stop.elapsed_us == 0);  // unknown, not "since 1970"
}
