// Threshold: a pass/fail criterion over a run's figures (--threshold, [thresholds]), parsed once
// before any load and judged on the merged RunStats: at the end, and every second for those that
// abort the run.
//
// Grammar: [TEST ':'] METRIC OP NUMBER [UNIT] ['!'], spaces allowed between the parts.
//   METRIC  p50 p90 p95 p99 p99.9 (any pN with 0 < N <= 100) max avg   latency: UNIT ms, s or us
//           errors failures            failures + errors (or failures alone): a count, or with
//                                      UNIT % a share of the tests
//           rps                        hits per second over the run
//           dropped hits               open-model arrivals dropped; hits
//           counter.NAME               a custom counter's value
//   OP      <  <=  >  >=  ==
//   '!'     stop the run at the first crossing (as --abort-on-fail does for every threshold)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "results/run_stats.hpp"

namespace loads::host {

struct Threshold {
    enum class Metric { percentile, max, avg, errors, failures, rps, dropped, hits, counter };
    enum class Op { less, less_equal, greater, greater_equal, equal };

    std::string expression;   ///< As given (trimmed).
    std::string scope;        ///< The test it is scoped to, or empty for the run.
    std::string metric_name;  ///< "p99", "errors", "counter.logins"...
    Metric metric = Metric::hits;
    double percentile = 0;  ///< For Metric::percentile.
    std::string counter;    ///< For Metric::counter.
    Op op = Op::less;
    double limit = 0;    ///< In `unit`.
    std::string unit;    ///< "ms", "s", "us", "%" or empty (a count, or /s for rps).
    bool abort = false;  ///< '!': stops the run when crossed.

    std::string_view op_text() const noexcept;
};

/// Parses one expression. @throws UsageError naming the expression and the part that is wrong.
Threshold parse_threshold(std::string_view expression);

/// A threshold judged on a run's figures.
struct ThresholdResult {
    double measured = 0;  ///< In the threshold's unit; NaN when there was nothing to measure.
    bool passed = false;  ///< Nothing to measure (no hits for a latency, no tests for a share) fails.
};

/// A threshold with its verdict, as the run's report holds it.
struct JudgedThreshold {
    Threshold threshold;
    ThresholdResult result;
    bool aborted = false;  ///< Its crossing stopped the run (then `result` is from that moment).
    bool partial = false;  ///< Judged on partial figures: an agent of a distributed run was lost.
};

/// Judges `t` on `stats`, gathered over `seconds`.
ThresholdResult judge(const Threshold& t, const RunStats& stats, double seconds);

}  // namespace loads::host
