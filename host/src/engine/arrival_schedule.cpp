#include "engine/arrival_schedule.hpp"

#include <cmath>

namespace loads::host {

ArrivalSchedule::ArrivalSchedule(double rate, std::uint32_t first, std::uint32_t stride, std::uint64_t limit,
                                 Clock::time_point start, Clock::time_point end) noexcept
    : m_period_ns(1e9 / rate), m_index(first), m_stride(stride), m_limit(limit), m_start(start), m_end(end) {}

ArrivalSchedule::ArrivalSchedule(const LoadProfile& profile, std::uint32_t first, std::uint32_t stride,
                                 Clock::time_point start, Clock::time_point end) noexcept
    : m_profile(&profile), m_index(first), m_stride(stride), m_limit(0), m_start(start), m_end(end) {}

std::optional<ArrivalSchedule::Clock::time_point> ArrivalSchedule::next() const noexcept {
    if (m_limit != 0 && m_index >= m_limit) {
        return std::nullopt;
    }
    double offset = 0;
    if (m_profile == nullptr) {
        offset = std::round(double(m_index) * m_period_ns);
    } else if (const auto t = m_profile->time_of_arrival(double(m_index) + 0.5)) {
        offset = std::round(*t * 1e9);
    } else {
        return std::nullopt;
    }
    // Past the end (or too far out to be represented): the schedule is over.
    if (!(offset < double(std::chrono::duration_cast<std::chrono::nanoseconds>(m_end - m_start).count()))) {
        return std::nullopt;
    }
    return m_start + std::chrono::nanoseconds(static_cast<std::int64_t>(offset));
}

}  // namespace loads::host
