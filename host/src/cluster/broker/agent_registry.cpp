#include "cluster/broker/agent_registry.hpp"

#include <deque>

namespace loads::host {

bool AgentRegistry::seen(const std::string& id, const std::string& hostname, std::int64_t pid,
                         time_point now) {
    auto [it, fresh] = m_agents.try_emplace(id);
    AgentEntry& a = it->second;
    a.id = id;
    a.hostname = hostname;
    a.pid = pid;
    a.last_seen = now;
    return fresh;
}

void AgentRegistry::remove(const std::string& id) {
    m_agents.erase(id);
}

const AgentEntry* AgentRegistry::find(const std::string& id) const {
    const auto it = m_agents.find(id);
    return it == m_agents.end() ? nullptr : &it->second;
}

void AgentRegistry::refresh_all(time_point now) {
    for (auto& [id, a] : m_agents) {
        a.last_seen = now;
    }
}

std::vector<std::string> AgentRegistry::silent_since(time_point now,
                                                     std::chrono::milliseconds timeout) const {
    std::vector<std::string> out;
    for (const auto& [id, a] : m_agents) {
        if (now - a.last_seen > timeout) {
            out.push_back(id);
        }
    }
    return out;
}

std::size_t AgentRegistry::idle_count() const {
    std::size_t n = 0;
    for (const auto& [id, a] : m_agents) {
        n += a.run_id.empty() ? 1 : 0;
    }
    return n;
}

std::vector<std::string> AgentRegistry::reserve(std::size_t n, const std::string& run_id) {
    if (n == 0 || idle_count() < n) {
        return {};
    }
    // Idle agents grouped by host (map order: stable), then taken one per host in turn.
    std::map<std::string, std::deque<AgentEntry*>> by_host;
    for (auto& [id, a] : m_agents) {
        if (a.run_id.empty()) {
            by_host[a.hostname].push_back(&a);
        }
    }
    std::vector<std::string> picked;
    while (picked.size() < n) {
        for (auto& [host, queue] : by_host) {
            if (!queue.empty() && picked.size() < n) {
                queue.front()->run_id = run_id;
                picked.push_back(queue.front()->id);
                queue.pop_front();
            }
        }
    }
    return picked;
}

void AgentRegistry::release(const std::string& id) {
    if (auto it = m_agents.find(id); it != m_agents.end()) {
        it->second.run_id.clear();
    }
}

}  // namespace loads::host
