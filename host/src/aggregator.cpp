#include "aggregator.hpp"

#include <utility>

namespace loads::host {

void Aggregator::absorb(RunStats& delta) {
    if (delta.empty()) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_total.merge(delta);
        m_interval.merge(delta);
    }
    delta.clear();
}

RunStats Aggregator::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_total;
}

std::pair<RunStats, RunStats> Aggregator::snapshot_and_interval() {
    std::lock_guard lock(m_mutex);
    std::pair<RunStats, RunStats> out{m_total, std::move(m_interval)};
    m_interval = RunStats{};
    return out;
}

}  // namespace loads::host
