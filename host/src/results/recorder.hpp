// Recorder: what one virtual user measures goes through here — into its worker's RunStats
// always, and into the worker's EventBuffer for the event kinds an output asked for. It also
// knows where the user stands (cycle, series, execution), which every event carries.
#pragma once

#include <cstdint>
#include <string_view>

#include "results/event_buffer.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

class Recorder {
public:
    /// `events` may be null (no output wants events); `mask` says which kinds to keep.
    Recorder(RunStats& stats, EventBuffer* events, std::uint32_t mask, const EventPlace& place) noexcept
        : m_stats(stats), m_events(mask != 0 ? events : nullptr), m_mask(mask), m_place(place) {}

    void begin_test(std::uint32_t series, std::uint32_t hit);
    /// Begins an open-model iteration that started `lag_us` after its scheduled arrival: counts the
    /// arrival, and every hit until the next begin_test is recorded both as service time and as
    /// corrected latency (service time + lag).
    void begin_arrival(std::uint32_t hit, std::uint64_t lag_us) {
        m_stats.record_arrival();
        begin_test(0, hit);
        m_open = true;
        m_lag_us = lag_us;
    }
    void hit(std::string_view method, std::string_view url, int status, std::uint64_t elapsed_us);
    /// A hit whose request was sent at `started_us` (microseconds since the epoch), as an external
    /// runner reports it.
    void hit(std::string_view method, std::string_view url, int status, std::uint64_t elapsed_us,
             std::int64_t started_us);
    /// Moves the user to another place in its plan without starting a test: an external runner
    /// says where it stands on every message, whatever the order they arrive in.
    void move_to(std::uint32_t series, std::uint32_t hit) noexcept {
        m_place.series = series;
        m_place.hit = hit;
    }
    void success();
    void problem(ProblemKind kind, std::string_view type, std::string_view message, std::string_view file,
                 std::uint32_t line);
    /// Ends the execution begun last: `status` is a loads_status or LOADS_STATUS_CANCELLED.
    void end_test(std::int32_t status);
    void counter(std::string_view name, std::int64_t delta);
    void socket_opened(std::string_view url);
    void socket_closed(std::string_view url);
    void socket_message(std::string_view url, std::uint64_t bytes);

private:
    bool wants(std::int32_t kind) const noexcept {
        return m_events != nullptr && ((m_mask >> kind) & 1u) != 0;
    }

    RunStats& m_stats;
    EventBuffer* m_events;
    std::uint32_t m_mask;
    EventPlace m_place;
    std::int64_t m_test_started_us = 0;
    bool m_open = false;  ///< Set for the whole life of an open-model user (begin_arrival).
    std::uint64_t m_lag_us = 0;
};

}  // namespace loads::host
