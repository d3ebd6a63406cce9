// RunReport: the finished run as outputs see it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "results/run_stats.hpp"
#include "results/threshold.hpp"

namespace loads::host {

/// One agent of a distributed run at its end (loads_agent_report).
struct AgentReport {
    std::string agent_id;
    std::string hostname;
    std::string state;      ///< finished, failed, lost, stopped
    double changed_at = 0;  ///< Epoch seconds.
    std::string message;
};

struct RunReport {
    std::string fqn;
    RunStats stats;
    std::chrono::system_clock::time_point started;
    double duration_seconds = 0;
    bool interrupted = false;  ///< Stopped by a signal before the plan was complete.
    double progress = 0;       ///< How much of the plan was done, 0..1.
    /// Worker threads that still had users running well after those users were cancelled (a test
    /// that swallows loads::Cancelled in a loop). They were left behind: the process must end
    /// without waiting for them.
    std::size_t abandoned_workers = 0;
    /// A distributed run's agents, sorted by id (empty for a local run).
    std::vector<AgentReport> agents;
    /// The run's thresholds, judged, in the order given (empty when it has none).
    std::vector<JudgedThreshold> thresholds;
};

}  // namespace loads::host
