#include "aggregator.hpp"

namespace loads::host {

void Aggregator::absorb(RunStats& delta) {
    if (delta.empty()) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_total.merge(delta);
    }
    delta.clear();
}

RunStats Aggregator::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_total;
}

}  // namespace loads::host
