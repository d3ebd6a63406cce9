// FinishedRun: what the broker knows of a run when it ends — the call point of observers, which
// are told of it as a Notification, and the line the broker logs.
#pragma once

#include <string>
#include <vector>

#include "cluster/broker/active_run.hpp"
#include "reporting/notification.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

struct FinishedRun {
    const RunDescription& run;
    std::string status;  ///< As ActiveRun::status().
    double ended = 0;    ///< Epoch seconds.
    std::vector<RunAgent> agents;
    const RunStats& total;
};

/// "Test over. Ran 300 tests in 3.21 s. 300 hits, 93.45 RPS. 0 failures, 0 errors, p50 1.2 ms,
/// p99 8.3 ms. Run <id>: completed." (the original's observer sentence, with real figures),
/// plus the agents that did not finish.
std::string run_summary_line(const FinishedRun& run);

/// The run as its observers are told of it (`search` and `node` left for the caller): the
/// options the runner sent (lists joined with ','), every agent's fate and the merged figures.
Notification notification_of(const FinishedRun& run);

}  // namespace loads::host
