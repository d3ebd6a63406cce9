#include "connection_stats.hpp"

namespace loads::sample_server {

ConnectionStats::Guard::Guard(ConnectionStats& stats) : m_stats(stats) {
    m_stats.opened();
}

ConnectionStats::Guard::~Guard() {
    m_stats.closed();
}

ConnectionStats::Snapshot ConnectionStats::snapshot() const noexcept {
    // Two separate loads: the pair may be a moment apart, so clamp to keep "max >= current" true
    // for whoever reads it.
    Snapshot s;
    s.current = m_current.load(std::memory_order_relaxed);
    s.max = m_max.load(std::memory_order_relaxed);
    if (s.max < s.current) {
        s.max = s.current;
    }
    return s;
}

void ConnectionStats::opened() noexcept {
    const std::size_t now = m_current.fetch_add(1, std::memory_order_relaxed) + 1;
    // Connections open on several threads at once: a plain store could lower a higher maximum
    // another thread has just written.
    std::size_t seen = m_max.load(std::memory_order_relaxed);
    while (seen < now && !m_max.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
}

void ConnectionStats::closed() noexcept {
    m_current.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace loads::sample_server
