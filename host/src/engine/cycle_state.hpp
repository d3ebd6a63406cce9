// CycleState: what every worker and user of one users cycle shares with the engine, which writes
// it. Only `stop_new_tests` changes while the cycle runs (set once, by the engine's thread), and,
// in an open-model run, the start handshake: each worker counts itself in `workers_ready` once its
// first users are made; the engine then writes `arrivals_start` and `deadline` and releases
// `arrivals_go`, after which both are read-only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace loads::host {

struct CycleState {
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::atomic<bool> stop_new_tests{false};  ///< Set by the engine: no test may start any more.
    std::uint32_t index = 0;                  ///< 0-based position of the cycle in the users cycle.
    /// --stages: time 0 of the stages (the cycle's start), set before the workers start.
    std::chrono::steady_clock::time_point start{};
    // Open model only.
    std::atomic<std::uint32_t> workers_ready{0};
    std::atomic<bool> arrivals_go{false};
    std::chrono::steady_clock::time_point arrivals_start{};  ///< The first arrival's time.
};

}  // namespace loads::host
