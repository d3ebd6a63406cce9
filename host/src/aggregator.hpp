// Aggregator: where the per-thread RunStats meet. Workers hand over what they measured on a timer
// and at the end (one lock per hand-over, never per request); readers take a merged snapshot.
#pragma once

#include <mutex>

#include "run_stats.hpp"

namespace loads::host {

class Aggregator {
public:
    /// Merges `delta` into the total and clears it, so the caller keeps recording from zero.
    void absorb(RunStats& delta);
    /// A copy of everything absorbed so far.
    RunStats snapshot() const;

private:
    mutable std::mutex m_mutex;
    RunStats m_total;
};

}  // namespace loads::host
