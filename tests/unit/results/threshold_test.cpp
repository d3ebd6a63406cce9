// Thresholds: every kind parsed and judged on real RunStats, and every malformed expression
// refused with a message naming the part that is wrong.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "base/usage_error.hpp"
#include "results/threshold.hpp"

using loads::host::judge;
using loads::host::parse_threshold;
using loads::host::ProblemKind;
using loads::host::RunStats;
using loads::host::Threshold;

namespace {

// 100 hits of 1..100 ms, 10 tests of which 1 failed and 1 errored, a counter, 3 dropped arrivals.
RunStats sample() {
    RunStats s;
    for (int i = 1; i <= 100; ++i) {
        s.record_hit("http://h/", 200, static_cast<std::uint64_t>(i) * 1000);
    }
    for (int i = 0; i < 10; ++i) {
        s.record_test_finished();
    }
    s.record_problem(ProblemKind::failure, "", "1 != 2", "", 0);
    s.record_problem(ProblemKind::error, "std::runtime_error", "boom", "", 0);
    s.incr_counter("logins", 42);
    for (int i = 0; i < 3; ++i) {
        s.record_dropped_arrival();
    }
    return s;
}

bool passes(const std::string& expression, const RunStats& s = sample(), double seconds = 10) {
    return judge(parse_threshold(expression), s, seconds).passed;
}

std::string refusal(const std::string& expression) {
    try {
        (void)parse_threshold(expression);
    } catch (const loads::host::UsageError& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("thresholds parse into metric, comparison, limit, unit, scope and abort") {
    const Threshold t = parse_threshold("  test_es : p99.9 <= 0.25 s ! ");
    CHECK(t.expression == "test_es : p99.9 <= 0.25 s !");
    CHECK(t.scope == "test_es");
    CHECK(t.metric == Threshold::Metric::percentile);
    CHECK(t.percentile == 99.9);
    CHECK(t.op == Threshold::Op::less_equal);
    CHECK(t.limit == 0.25);
    CHECK(t.unit == "s");
    CHECK(t.abort);
    const Threshold c = parse_threshold("counter.logins>=40");
    CHECK(c.metric == Threshold::Metric::counter);
    CHECK(c.counter == "logins");
    CHECK_FALSE(c.abort);
    CHECK(parse_threshold("dropped==0").op == Threshold::Op::equal);
    CHECK(parse_threshold("rps>900/s").unit == "/s");
}

TEST_CASE("latency thresholds, in every unit") {
    CHECK(passes("p50<=50.1ms"));  // the 50th of 100 values is 50 ms (within 0.1%)
    CHECK_FALSE(passes("p50<49.9ms"));
    CHECK(passes("p99<100ms"));
    CHECK_FALSE(passes("p99<98ms"));
    CHECK(passes("max<=0.1s"));
    CHECK_FALSE(passes("max<100000us"));
    CHECK(passes("avg<51ms"));  // 50.5 ms
    CHECK_FALSE(passes("avg<50ms"));
    CHECK(passes("p75>74ms"));  // any percentile
    const auto r = judge(parse_threshold("p90<1s"), sample(), 10);
    CHECK(r.measured == doctest::Approx(0.09).epsilon(0.002));  // in the unit given
}

TEST_CASE("errors and failures: counts, or shares of the tests") {
    CHECK(passes("errors<=2"));  // a failure and an error
    CHECK_FALSE(passes("errors<2"));
    CHECK(passes("failures==1"));
    CHECK(passes("errors<=20%"));  // 2 of 10 tests
    CHECK_FALSE(passes("errors<20%"));
    CHECK(passes("failures<11%"));
}

TEST_CASE("rates, counts and counters") {
    CHECK(passes("rps>=10", sample(), 10));  // 100 hits in 10 s
    CHECK_FALSE(passes("rps>10", sample(), 10));
    CHECK(passes("hits==100"));
    CHECK(passes("dropped<=3"));
    CHECK_FALSE(passes("dropped==0"));
    CHECK(passes("counter.logins==42"));
    CHECK_FALSE(passes("counter.logins>42"));
    CHECK_FALSE(passes("counter.missing>=1"));  // a counter never incremented is 0
    CHECK(passes("counter.missing==0"));
}

TEST_CASE("nothing to measure fails the threshold") {
    const RunStats empty;
    const auto r = judge(parse_threshold("p99<1s"), empty, 1);
    CHECK(std::isnan(r.measured));
    CHECK_FALSE(r.passed);
    CHECK_FALSE(passes("errors<1%", empty));
    CHECK(passes("errors<1", empty));  // a count of nothing is 0
    CHECK_FALSE(passes("rps>=0", empty, 0));
}

TEST_CASE("malformed thresholds are refused, naming the part that is wrong") {
    CHECK(refusal("p99") ==
          "--threshold 'p99': no comparison: expected METRIC OP LIMIT such as p99<200ms, "
          "errors<1%, rps>=900");
    CHECK(refusal("p99<200").find("p99 is a time: give its unit, ms, s or us (e.g. p99<200ms)") !=
          std::string::npos);
    CHECK(refusal("p99<200 minutes").find("not 'minutes'") != std::string::npos);
    CHECK(refusal("p101<1ms").find("unknown metric 'p101'") != std::string::npos);
    CHECK(refusal("p0<1ms").find("unknown metric 'p0'") != std::string::npos);
    CHECK(refusal("latency<1ms").find("unknown metric 'latency'") != std::string::npos);
    CHECK(refusal("counter.<1").find("unknown metric 'counter.'") != std::string::npos);
    CHECK(refusal("p99=<1ms").find("unknown comparison") != std::string::npos);
    CHECK(refusal("p99<fast").find("expected a number after '<', got 'fast'") != std::string::npos);
    CHECK(refusal("p99<").find("expected a number after '<'") != std::string::npos);
    CHECK(refusal("errors<1ms").find("errors is a count, or a share of the tests with %, not 'ms'") !=
          std::string::npos);
    CHECK(refusal("hits>5%").find("hits takes a plain number, not '%'") != std::string::npos);
    CHECK(refusal("rps>-1").find("must not be negative") != std::string::npos);
    CHECK(refusal("test-es:p99<1ms").find("'test-es' is not a test name") != std::string::npos);
    CHECK(refusal("p99<nan ms").find("expected a number") != std::string::npos);
}
