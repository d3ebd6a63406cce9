// RunEngine: executes a RunPlan — the user cycles one after the other, each with its own workers —
// and reports progress while it goes.
#pragma once

#include <atomic>

#include "engine/run_plan.hpp"
#include "http/dns_cache.hpp"
#include "results/aggregator.hpp"
#include "results/run_listener.hpp"
#include "results/run_report.hpp"

namespace loads::host {

class RunEngine {
public:
    /// Runs the plan to its end, or until `interrupt` becomes true (then every user is stopped at
    /// once and what was measured is kept). `listener` hears progress about every 100 ms, a
    /// refresh about every second and the events it asked for; after run() returns, every event
    /// batch has been published.
    RunReport run(const RunPlan& plan, RunListener& listener, const std::atomic<bool>& interrupt);

    /// What was measured since the last refresh, for the outputs' final snapshot (once).
    RunStats take_last_interval() { return std::move(m_last_interval); }

private:
    /// Takes what the workers handed over into the total; returns it as the new interval.
    RunStats collect();

    RunStats m_total;
    RunStats m_last_interval;
    DnsCache m_dns;
    Aggregator m_aggregator;
};

}  // namespace loads::host
