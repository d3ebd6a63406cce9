// RunListener: what the engine tells whoever watches the run (the outputs, through OutputHub):
// progress about every 100 ms, a refresh of the figures about every second, and the workers'
// event batches (as an EventSink).
#pragma once

#include <cstdint>

#include "results/event_sink.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

struct ProgressInfo {
    double fraction = 0;      ///< 0..1 over the whole plan.
    double elapsed = 0;       ///< Seconds since the run started.
    std::uint32_t cycle = 0;  ///< Index of the running users cycle.
    std::uint32_t users = 0;  ///< Its users.
    /// Open model: arrivals started and dropped so far, as of the last refresh.
    std::uint64_t arrivals = 0;
    std::uint64_t dropped_arrivals = 0;
    /// Ramping stages: the 1-based stage running (0: no stages), of how many, and its target now
    /// (users for --stages, whose `users` are then those running; arrivals per second for
    /// --rate-stages).
    std::uint32_t stage = 0;
    std::uint32_t stage_count = 0;
    double target = 0;
};

class RunListener : public EventSink {
public:
    /// Engine thread, about every 100 ms. Must return quickly.
    virtual void on_progress(const ProgressInfo& progress) = 0;
    /// Engine thread, about every second: the run's `total` so far and the `interval` since the
    /// previous refresh. Must return quickly.
    virtual void on_refresh(const RunStats& total, RunStats interval, const ProgressInfo& progress) = 0;
};

}  // namespace loads::host
