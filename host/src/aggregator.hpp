// Aggregator: where the per-thread RunStats meet. Workers hand over what they measured on a timer
// and at the end (one lock per hand-over, never per request); readers take a merged snapshot of
// the whole run, and the outputs' refresh takes what arrived since its previous call.
#pragma once

#include <mutex>

#include "run_stats.hpp"

namespace loads::host {

class Aggregator {
public:
    /// Merges `delta` into the total and the current interval and clears it, so the caller keeps
    /// recording from zero.
    void absorb(RunStats& delta);
    /// A copy of everything absorbed so far.
    RunStats snapshot() const;
    /// The total so far and what was absorbed since the previous call (which starts a new
    /// interval), taken together so the two agree.
    std::pair<RunStats, RunStats> snapshot_and_interval();

private:
    mutable std::mutex m_mutex;
    RunStats m_total;
    RunStats m_interval;
};

}  // namespace loads::host
