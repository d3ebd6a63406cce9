/// @file connection_stats.hpp
/// @brief Open-connection counters shared by every connection, reported by /active.
#pragma once

#include <atomic>
#include <cstddef>

namespace loads::sample_server {

class ConnectionStats {
public:
    struct Snapshot {
        std::size_t current = 0;
        std::size_t max = 0;
    };

    /// Counts one connection as open for its lifetime, so that an exception or a coroutine unwound
    /// at shutdown still gives the count back.
    class Guard {
    public:
        explicit Guard(ConnectionStats& stats);
        ~Guard();
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

    private:
        ConnectionStats& m_stats;
    };

    Snapshot snapshot() const noexcept;

private:
    void opened() noexcept;
    void closed() noexcept;

    std::atomic<std::size_t> m_current{0};
    std::atomic<std::size_t> m_max{0};
};

}  // namespace loads::sample_server
