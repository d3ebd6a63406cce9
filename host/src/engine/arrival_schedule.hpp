// ArrivalSchedule: when an open-model run's iterations are due, as one worker sees them.
//
// The run's arrivals are evenly spaced, 1/rate apart from the start; a schedule takes arrivals
// first, first + stride, first + 2·stride...: with W workers, worker w takes w, w + W, w + 2W, so
// each worker's share is itself even and the merged stream is the run's (no worker's arrivals bunch
// up against another's). A distributed run deals them out to agents the same way. Times are computed from the
// index, never by adding intervals, so rounding cannot drift over a long run.
//
// Under ramping stages (--rate-stages) arrival k is due when the profile's expected arrivals reach
// k + 1/2: the stream follows the ramp, and a flat stage of rate R spaces its arrivals 1/R apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "engine/load_profile.hpp"

namespace loads::host {

class ArrivalSchedule {
public:
    using Clock = std::chrono::steady_clock;

    /// `limit`: arrivals of the whole run (0: no limit); `end`: no arrival at or after it.
    ArrivalSchedule(double rate, std::uint32_t first, std::uint32_t stride, std::uint64_t limit,
                    Clock::time_point start, Clock::time_point end) noexcept;
    /// Arrivals following `profile` (a rate), which outlives the schedule.
    ArrivalSchedule(const LoadProfile& profile, std::uint32_t first, std::uint32_t stride,
                    Clock::time_point start, Clock::time_point end) noexcept;

    /// The next arrival of this worker, or nothing when the schedule is over.
    std::optional<Clock::time_point> next() const noexcept;
    /// Moves past the arrival next() returned.
    void advance() noexcept { m_index += m_stride; }

private:
    const LoadProfile* m_profile = nullptr;
    double m_period_ns = 0;  ///< 1e9 / rate, without a profile.
    std::uint64_t m_index;
    std::uint32_t m_stride;
    std::uint64_t m_limit;
    Clock::time_point m_start;
    Clock::time_point m_end;
};

}  // namespace loads::host
