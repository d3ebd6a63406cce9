// RunEngine: executes a RunPlan — the user cycles one after the other, each with its own workers —
// and reports progress while it goes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/cycle_state.hpp"
#include "engine/run_plan.hpp"
#include "http/dns_cache.hpp"
#include "results/aggregator.hpp"
#include "results/run_listener.hpp"
#include "results/run_report.hpp"

namespace loads::host {

class Worker;

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
    struct Progress;
    using Clock = std::chrono::steady_clock;

    /// Takes what the workers handed over into the total; returns it as the new interval.
    RunStats collect();
    /// The cycle's workers, its users dealt out round-robin, every stack mapped, all started.
    std::vector<std::unique_ptr<Worker>> start_workers(const RunPlan& plan, CycleState& state,
                                                       std::uint32_t users, RunListener& listener);
    /// Polls the cycle's workers until they are done (or abandoned), cancelling at the grace
    /// period's end or an interrupt, reporting progress and refreshes meanwhile.
    void wait_for_cycle(const RunPlan& plan, CycleState& state, std::vector<std::unique_ptr<Worker>>& workers,
                        Progress& progress, RunListener& listener, const std::atomic<bool>& interrupt,
                        bool& interrupted);
    void release_arrivals(const RunPlan& plan, CycleState& state, std::size_t workers,
                          const std::atomic<bool>& interrupt);
    void report_progress(const RunPlan& plan, const std::vector<std::unique_ptr<Worker>>& workers,
                         Clock::time_point now, Progress& progress, RunListener& listener);

    RunStats m_total;
    RunStats m_last_interval;
    DnsCache m_dns;
    Aggregator m_aggregator;
};

}  // namespace loads::host
