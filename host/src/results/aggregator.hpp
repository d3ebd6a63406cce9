// Aggregator: where the per-thread RunStats meet. Workers hand over what they measured on a timer
// and at the end (one lock per hand-over, never per request); the engine takes what arrived, about
// every second, and keeps the run's total itself, so no big copy ever happens under the lock.
#pragma once

#include <mutex>

#include "results/run_stats.hpp"

namespace loads::host {

class Aggregator {
public:
    /// Merges `delta` into what is pending and clears it, so the caller keeps recording from zero.
    void absorb(RunStats& delta);
    /// Everything absorbed since the previous call.
    RunStats take();

private:
    std::mutex m_mutex;
    RunStats m_pending;
};

}  // namespace loads::host
