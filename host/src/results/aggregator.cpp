#include "results/aggregator.hpp"

#include <utility>

namespace loads::host {

void Aggregator::absorb(RunStats& delta) {
    if (delta.empty()) {
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_pending.merge(delta);
    }
    delta.clear();
}

RunStats Aggregator::take() {
    RunStats taken;
    std::lock_guard lock(m_mutex);
    std::swap(taken, m_pending);
    return taken;
}

}  // namespace loads::host
