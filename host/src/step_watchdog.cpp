#include "step_watchdog.hpp"

#include "http_session.hpp"

namespace loads::host {

void StepWatchdog::add(HttpSession& session, std::size_t& slot) {
    slot = m_entries.size();
    m_entries.push_back(Entry{&session, &slot});
}

void StepWatchdog::remove(std::size_t& slot) {
    const std::size_t index = slot;
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
            m_entries[i].session->check_deadline(now);
        }
    }
}

}  // namespace loads::host
