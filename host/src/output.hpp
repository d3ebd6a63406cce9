// Output: where a run's progress and results go. The runner drives every registered output; it
// knows none of them in particular.
#pragma once

#include "run_report.hpp"

namespace loads::host {

class Output {
public:
    virtual ~Output() = default;
    /// Called about every 100 ms while the run goes on; `fraction` is in [0, 1] over all cycles.
    virtual void on_progress(double fraction) = 0;
    /// Called once, when the run is over (completed or interrupted).
    virtual void on_finish(const RunReport& report) = 0;
};

}  // namespace loads::host
