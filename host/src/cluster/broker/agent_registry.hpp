// AgentRegistry: the broker's list of agents — who is there (each heartbeat or registration
// refreshes an agent), who is idle, and who has gone silent. Reserving agents for a run spreads
// the run over as many hosts as it can (the original could put a 20-agent run on one of two
// boxes), in a stable order.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace loads::host {

struct AgentEntry {
    std::string id;  ///< `hostname-pid`, unique across boxes.
    std::string hostname;
    std::int64_t pid = 0;
    std::chrono::steady_clock::time_point last_seen;
    std::string run_id;  ///< The run it is reserved for; empty when idle.
};

class AgentRegistry {
public:
    using time_point = std::chrono::steady_clock::time_point;

    /// A registration or a heartbeat. @return true when the agent was not known.
    bool seen(const std::string& id, const std::string& hostname, std::int64_t pid, time_point now);
    void remove(const std::string& id);
    const AgentEntry* find(const std::string& id) const;

    /// Every agent counts as seen at `now` (after the broker itself was held up and heard nobody).
    void refresh_all(time_point now);
    /// Agents last seen before `now - timeout`, sorted.
    std::vector<std::string> silent_since(time_point now, std::chrono::milliseconds timeout) const;

    std::size_t idle_count() const;
    /// Reserves `n` idle agents for `run_id`, one host after the other (round robin over host
    /// names), or none when fewer than `n` are idle. @return their ids, or empty.
    std::vector<std::string> reserve(std::size_t n, const std::string& run_id);
    /// The agent is idle again (its run is over for it).
    void release(const std::string& id);

    const std::map<std::string, AgentEntry>& agents() const noexcept { return m_agents; }

private:
    std::map<std::string, AgentEntry> m_agents;
};

}  // namespace loads::host
