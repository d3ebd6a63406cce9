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
};

}  // namespace loads::host
