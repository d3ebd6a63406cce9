// RunEngine: executes a RunPlan — the user cycles one after the other, each with its own workers —
// and reports progress while it goes.
#pragma once

#include <atomic>
#include <functional>

#include "aggregator.hpp"
#include "dns_cache.hpp"
#include "run_plan.hpp"
#include "run_report.hpp"

namespace loads::host {

class RunEngine {
public:
    using ProgressFn = std::function<void(double fraction)>;

    /// Runs the plan to its end, or until `interrupt` becomes true (then every user is stopped at
    /// once and what was measured is kept). `progress` is called about every 100 ms.
    RunReport run(const RunPlan& plan, const ProgressFn& progress, const std::atomic<bool>& interrupt);

private:
    DnsCache m_dns;
    Aggregator m_aggregator;
};

}  // namespace loads::host
