// The run over time: one point per refresh interval (about a second), kept for the charts.
#pragma once

#include <cstdint>
#include <vector>

#include <loads/abi.h>

namespace loads::outputs::html {

/// What was measured during one interval.
struct TimelinePoint {
    double start = 0;  ///< Seconds since the start of the run.
    double end = 0;
    std::uint32_t users = 0;  ///< Virtual users of the cycle running at its end.
    /// The load asked for at its end: users (--stages) or arrivals per second (open model); 0
    /// when the run has no such target.
    double target = 0;
    std::uint64_t arrivals = 0;  ///< Open model: iterations the schedule started.
    std::uint64_t hits = 0;
    std::uint64_t tests = 0;  ///< Executions that ended.
    std::uint64_t failures = 0;
    std::uint64_t errors = 0;
    std::uint64_t bad_responses = 0;  ///< Responses with a status of 400 or more.
    std::uint64_t latency_count = 0;  ///< Hits with a latency (0: the percentiles mean nothing).
    std::uint64_t min_us = 0;
    std::uint64_t max_us = 0;
    std::uint64_t p50_us = 0;
    std::uint64_t p90_us = 0;
    std::uint64_t p99_us = 0;

    double length() const { return end - start; }
    /// `count` per second of this interval.
    double rate(std::uint64_t count) const { return length() > 0 ? double(count) / length() : 0.0; }
};

class Timeline {
public:
    /// The interval of a periodic snapshot.
    void add(const loads_snapshot& snapshot, std::uint32_t users, double target = 0);
    /// The final snapshot's interval, whatever is left after the last refresh. A stub of less
    /// than half a second is merged into the point before it: a few hits over a few
    /// milliseconds would draw a rate spike (or dip) that never happened.
    void add_last(const loads_snapshot& snapshot, std::uint32_t users, double target = 0);

    const std::vector<TimelinePoint>& points() const { return m_points; }

private:
    std::vector<TimelinePoint> m_points;
    // The last point's latency histogram, so a merged stub gets true percentiles.
    std::vector<loads_bucket> m_last_buckets;
};

}  // namespace loads::outputs::html
