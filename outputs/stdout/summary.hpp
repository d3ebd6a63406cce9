// The end-of-run text: the seed's summary on stdout and the digest of the most common failures
// and errors on stderr, from the figures the runner hands every output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <loads/abi.h>

namespace loads::outputs {

/// An open-model run's plan, as the summary states it beside what was achieved.
struct OpenModelPlan {
    double rate = 0;    ///< Target arrivals per second; 0 for a closed-model run.
    double window = 0;  ///< Seconds arrivals were scheduled for (--duration), or 0 (--hits).
};

/// The stdout summary (everything after the progress bar). `started_us`: the run's start,
/// microseconds since the Unix epoch.
std::string format_summary(const loads_stats& total, double duration_seconds, std::int64_t started_us,
                           const OpenModelPlan& open = {});

/// Arrivals per second an open-model run achieved: over --duration's window, else over the run.
double achieved_rate(const loads_stats& total, double duration_seconds, const OpenModelPlan& open);

/// A run's ramping stages: "User stages: 30s:100, 2m:100, 30s:0 (peak 100 users)" or "Rate
/// stages: ... (the target rate above is their mean)". Empty for a run without stages.
std::string format_stages(const loads_run_info& run);

/// What became of a distributed run's agents: "Agents: 3 (2 finished, 1 lost)", then one line
/// per agent that did not finish, saying when and why. Empty for a local run.
std::string format_agents(const loads_snapshot& snapshot);

/// The Thresholds block: one line per threshold, ✓ or ✗, what was measured and the limit. Empty
/// for a run without thresholds.
std::string format_thresholds(const loads_snapshot& snapshot);

/// The stderr digest: up to `limit` distinct failures/errors, most common first. Empty when none.
std::string format_problems(const loads_stats& total, std::size_t limit);

}  // namespace loads::outputs
