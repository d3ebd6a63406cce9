// Ramping stages: the level over time, when a user's turn comes, the arrivals a ramped rate
// schedules, and the --stages / --rate-stages grammar with its one-line refusals.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <loads/report_text.hpp>

#include "base/usage_error.hpp"
#include "engine/arrival_schedule.hpp"
#include "engine/load_profile.hpp"

using loads::host::ArrivalSchedule;
using loads::host::LoadProfile;
using loads::host::parse_stages;
using loads::host::Stage;
using loads::host::StageTarget;

namespace {

LoadProfile users(const char* text) {
    return LoadProfile(parse_stages(text, StageTarget::users, "--stages"));
}

LoadProfile rate(const char* text) {
    return LoadProfile(parse_stages(text, StageTarget::rate, "--rate-stages"));
}

std::string refusal(const char* text, StageTarget kind = StageTarget::users) {
    try {
        parse_stages(text, kind, kind == StageTarget::users ? "--stages" : "--rate-stages");
    } catch (const loads::host::UsageError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("the level ramps linearly from 0 to each target in turn, steps on a 0 s stage") {
    const LoadProfile p = users("30s:100,2m:100,30s:0");
    CHECK(p.length() == doctest::Approx(180));
    CHECK(p.peak() == 100);
    CHECK(p.level_at(0) == 0);
    CHECK(p.level_at(15) == doctest::Approx(50));
    CHECK(p.level_at(30) == doctest::Approx(100));
    CHECK(p.level_at(100) == doctest::Approx(100));
    CHECK(p.level_at(165) == doctest::Approx(50));
    CHECK(p.level_at(180) == 0);
    CHECK(p.level_at(1e6) == 0);
    CHECK(p.stage_at(10) == 0);
    CHECK(p.stage_at(31) == 1);
    CHECK(p.stage_at(179) == 2);
    CHECK(p.stage_at(500) == 2);

    const LoadProfile step = users("0s:10,10s:10,0s:50,10s:50");
    CHECK(step.level_at(0) == 10);
    CHECK(step.level_at(9.9) == 10);
    CHECK(step.level_at(10) == 50);  // the step is at the start of its (empty) stage
    CHECK(step.stage_at(10) == 3);
    CHECK(step.stage_at(5) == 1);
}

TEST_CASE("a user's turn: when the ramp first reaches its number, again after a fall, never past the end") {
    const LoadProfile p = users("30s:100,2m:100,30s:0");
    // User 49 (0-based) runs once 50 users are asked for: 15 s into the first ramp.
    CHECK(*p.first_time_at_least(50, 0) == doctest::Approx(15));
    CHECK(*p.first_time_at_least(50, 20) == doctest::Approx(20));  // already there
    CHECK_FALSE(p.first_time_at_least(50, 170));                   // ramping down to the end
    CHECK_FALSE(p.first_time_at_least(101, 0));                    // above the peak

    const LoadProfile wave = users("10s:10,10s:0,10s:10");
    CHECK(*wave.first_time_at_least(5, 0) == doctest::Approx(5));
    CHECK(*wave.first_time_at_least(5, 16) == doctest::Approx(25));  // back up in the third stage
    CHECK_FALSE(wave.first_time_at_least(10, 30));                   // the end

    const LoadProfile step = users("10s:0,0s:20,10s:20");
    CHECK(*step.first_time_at_least(20, 0) == doctest::Approx(10));
}

TEST_CASE("a ramped rate: the arrivals due are the area under the ramp, and time_of_arrival inverts it") {
    const LoadProfile up = rate("10s:100");  // rate 10t, arrivals 5t²
    CHECK(up.arrivals_by(10) == doctest::Approx(500));
    CHECK(*up.time_of_arrival(125) == doctest::Approx(5));
    CHECK_FALSE(up.time_of_arrival(500));  // the end

    const LoadProfile flat = rate("0s:200,10s:200");
    CHECK(*flat.time_of_arrival(0.5) == doctest::Approx(0.0025));
    CHECK(*flat.time_of_arrival(100) == doctest::Approx(0.5));

    const LoadProfile shape = rate("30s:200,2m:200,30s:0,10s:0,5s:50");
    CHECK(shape.arrivals_by(shape.length()) == doctest::Approx(3000 + 24000 + 3000 + 0 + 125));
    for (double count : {0.5, 17.0, 2999.5, 3000.5, 26999.0, 29999.9, 30000.5, 30124.0}) {
        const auto t = shape.time_of_arrival(count);
        REQUIRE(t);
        CHECK(shape.arrivals_by(*t) == doctest::Approx(count).epsilon(1e-9));
    }
    // Nothing is due during the pause at 0/s: the first arrival after it comes in the last ramp.
    CHECK(*shape.time_of_arrival(30000.5) > 190);
}

TEST_CASE("two workers' schedules under ramping stages merge into the ramp, in order, none lost") {
    const LoadProfile p = rate("2s:100,2s:100,1s:0");
    const ArrivalSchedule::Clock::time_point start{std::chrono::seconds(50)};
    const auto end = start + std::chrono::seconds(5);
    std::vector<double> merged;
    for (std::uint32_t w = 0; w < 2; ++w) {
        ArrivalSchedule s(p, w, 2, start, end);
        double previous = -1;
        for (auto t = s.next(); t; t = s.next()) {
            const double at = std::chrono::duration<double>(*t - start).count();
            CHECK(at > previous);
            previous = at;
            merged.push_back(at);
            s.advance();
        }
    }
    // 100 in the first ramp, 200 flat, 50 in the ramp down.
    CHECK(merged.size() == 350);
    const auto in_first_second = std::count_if(merged.begin(), merged.end(), [](double t) { return t < 1; });
    CHECK(in_first_second == 25);  // a quarter of the first ramp's area
}

TEST_CASE("stages as written: durations with units, whole users, decimal rates") {
    const auto s = parse_stages("30s:100, 2m:100 ,1m30s:5,500ms:0", StageTarget::users, "--stages");
    REQUIRE(s.size() == 4);
    CHECK(s[0].seconds == 30);
    CHECK(s[0].target == 100);
    CHECK(s[1].seconds == 120);
    CHECK(s[2].seconds == 90);
    CHECK(s[3].seconds == doctest::Approx(0.5));
    CHECK(parse_stages("1h:0.5", StageTarget::rate, "--rate-stages")[0].target == 0.5);
    CHECK(loads::host::stages_text(s) == "30s:100,2m:100,1m30s:5,500ms:0");
    CHECK(loads::report_text::stage_duration(3605) == "1h0m5s");
    CHECK(loads::report_text::stage_duration(7200) == "2h");
    CHECK(loads::report_text::stage_duration(0) == "0s");
    // Exact, as the cluster ships stages as text: read back, the same numbers.
    const auto odd =
        parse_stages("1234.567s:1234567,100000.5s:0.125,0.25s:3", StageTarget::rate, "--rate-stages");
    CHECK(loads::host::stages_text(odd) == "1234.567s:1234567,100000.5s:0.125,250ms:3");
    const auto again = parse_stages(loads::host::stages_text(odd), StageTarget::rate, "--rate-stages");
    for (std::size_t i = 0; i < odd.size(); ++i) {
        CHECK(again[i].seconds == odd[i].seconds);
        CHECK(again[i].target == odd[i].target);
    }
}

TEST_CASE("bad stages: one line naming the option, the stage and why") {
    CHECK(refusal("30x:5") == "--stages: stage 1 '30x:5': 'x' in '30x' is not a unit of time (ms, s, m, h)");
    CHECK(refusal("10s:5,30:5") == "--stages: stage 2 '30:5': '30' needs a unit (500ms, 30s, 2m, 1h)");
    CHECK(refusal("30s") ==
          "--stages: stage 1 '30s': a stage is DURATION:TARGET, e.g. 30s:100 (ramp to 100 users in 30 s)");
    CHECK(refusal("30s:-5") ==
          "--stages: stage 1 '30s:-5': the target '-5' must be a whole number of users "
          "from 0 to 1000000");
    CHECK(refusal("30s:2.5").find("whole number of users") != std::string::npos);
    CHECK(refusal("30s:abc", StageTarget::rate).find("must be a number of arrivals per second") !=
          std::string::npos);
    CHECK(refusal("s:5").find("'s' is not a duration") != std::string::npos);
    CHECK(refusal("0s:5") == "--stages: the stages '0s:5' last less than 1 ms");
    CHECK(refusal("0.1ms:5") == "--stages: the stages '0.1ms:5' last less than 1 ms");
    CHECK(refusal("10s:0,0s:5") ==
          "--stages: the stages '10s:0,0s:5' never ask for a user over any time: nothing "
          "would run");
    CHECK(refusal("1s:1,1s:0") ==
          "--stages: the stages '1s:1,1s:0' never ask for a user over any time: nothing "
          "would run");  // one user, for an instant only
    CHECK(refusal("10s:0,0s:100", StageTarget::rate) ==
          "--rate-stages: the stages '10s:0,0s:100' schedule no arrival: nothing would run");
    CHECK(refusal("1s:0.2", StageTarget::rate) ==
          "--rate-stages: the stages '1s:0.2' schedule no arrival: nothing would run");  // 0.1 due
    CHECK(refusal("30s:0,1m:0") == "--stages: every target of '30s:0,1m:0' is 0: nothing would run");
    CHECK(refusal("30s:5,") == "--stages: a comma ends '30s:5,' with no stage after it");
    CHECK(refusal("").find("stage 1 ''") != std::string::npos);
    CHECK(refusal("30s:5,,1m:5").find("stage 2 ''") != std::string::npos);
}
