// RunEngine: executes a RunPlan — the user cycles one after the other, each with its own workers —
// and reports progress while it goes.
#pragma once

#include <atomic>

#include "aggregator.hpp"
#include "dns_cache.hpp"
#include "run_listener.hpp"
#include "run_plan.hpp"
#include "run_report.hpp"

namespace loads::host {

class RunEngine {
public:
    /// Runs the plan to its end, or until `interrupt` becomes true (then every user is stopped at
    /// once and what was measured is kept). `listener` hears progress about every 100 ms, a
    /// refresh about every second and the events it asked for; after run() returns, every event
    /// batch has been published and aggregator() holds the last interval for the final refresh.
    RunReport run(const RunPlan& plan, RunListener& listener, const std::atomic<bool>& interrupt);

    Aggregator& aggregator() noexcept { return m_aggregator; }

private:
    DnsCache m_dns;
    Aggregator m_aggregator;
};

}  // namespace loads::host
