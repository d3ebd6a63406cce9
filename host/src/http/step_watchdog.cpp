#include "http/step_watchdog.hpp"

#include <cassert>

namespace loads::host {

void StepWatchdog::add(Watchable& watched, std::size_t& slot) {
    if (slot != k_unwatched) {
        return;
    }
    m_entries.push_back(Entry{&watched, &slot});  // first: if it throws, nothing is listed
    slot = m_entries.size() - 1;
}

void StepWatchdog::remove(std::size_t& slot) {
    if (slot == k_unwatched) {
        return;
    }
    const std::size_t index = slot;
    assert(index < m_entries.size() && m_entries[index].slot == &slot);
    slot = k_unwatched;
    if (index != m_entries.size() - 1) {
        m_entries[index] = m_entries.back();
        *m_entries[index].slot = index;
    }
    m_entries.pop_back();
}

void StepWatchdog::check(std::chrono::steady_clock::time_point now) {
    for (std::size_t i = m_entries.size(); i-- > 0;) {
        if (i < m_entries.size()) {
            m_entries[i].watched->check_deadline(now);
        }
    }
}

}  // namespace loads::host
