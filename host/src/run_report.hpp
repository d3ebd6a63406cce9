// RunReport: the finished run as outputs see it.
#pragma once

#include <chrono>
#include <string>

#include "run_stats.hpp"

namespace loads::host {

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
};

}  // namespace loads::host
