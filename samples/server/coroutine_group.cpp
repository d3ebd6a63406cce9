#include "coroutine_group.hpp"

namespace loads::sample_server {

void CoroutineGroup::stop() {
    std::lock_guard lock(m_mutex);
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    for (const auto& member : m_members) {
        boost::asio::post(member->strand,
                          [member] { member->signal.emit(boost::asio::cancellation_type::terminal); });
    }
}

std::size_t CoroutineGroup::size() {
    std::lock_guard lock(m_mutex);
    return m_members.size();
}

void CoroutineGroup::remove(const std::shared_ptr<Member>& member) {
    std::lock_guard lock(m_mutex);
    m_members.erase(member);
}

}  // namespace loads::sample_server
