#include "cluster/broker/active_run.hpp"

#include <algorithm>
#include <csignal>

namespace loads::host {

const char* state_name(AgentState state) noexcept {
    switch (state) {
        case AgentState::running:
            return "running";
        case AgentState::finished:
            return "finished";
        case AgentState::failed:
            return "failed";
        case AgentState::lost:
            return "lost";
        case AgentState::stopped:
            return "stopped";
    }
    return "unknown";
}

ActiveRun::ActiveRun(RunDescription description, const std::vector<RunAgent>& agents,
                     steady::time_point created)
    : m_description(std::move(description)), m_created(created) {
    for (const RunAgent& a : agents) {
        m_agents[a.id] = a;
        m_changed.push_back(a.id);
    }
}

std::string ActiveRun::add_figures(const RelayHeader& header, const RunStats& figures, double now,
                                   steady::time_point t) {
    const auto it = m_agents.find(header.agent_id);
    if (it == m_agents.end()) {
        return "agent " + header.agent_id + " is not part of run " + id();
    }
    RunAgent& agent = it->second;
    if (agent.state != AgentState::running) {
        return "agent " + header.agent_id + " is " + state_name(agent.state) + " in run " + id();
    }
    if (agent.final_received || header.seq < agent.next_seq) {
        return "message " + std::to_string(header.seq) + " from agent " + header.agent_id +
               " repeats an earlier one";
    }
    agent.acknowledged = true;
    agent.next_seq = header.seq + 1;
    agent.progress = std::clamp(header.progress, 0.0, 1.0);
    agent.final_received = header.final;
    m_pending.merge(figures);
    settle(agent, now, t);
    return {};
}

void ActiveRun::agent_started(const std::string& agent_id) {
    if (auto it = m_agents.find(agent_id); it != m_agents.end()) {
        it->second.acknowledged = true;
    }
}

void ActiveRun::child_ended(const std::string& agent_id, int exit_code, int signal,
                            const std::string& message, double now, steady::time_point t) {
    const auto it = m_agents.find(agent_id);
    if (it == m_agents.end() || it->second.state != AgentState::running || it->second.ended) {
        return;
    }
    RunAgent& agent = it->second;
    agent.ended = true;
    agent.exit_code = exit_code;
    agent.signal = signal;
    agent.end_message = message;
    agent.ended_at = t;
    settle(agent, now, t);
}

void ActiveRun::agent_failed(const std::string& agent_id, const std::string& message, double now) {
    if (auto it = m_agents.find(agent_id); it != m_agents.end() && it->second.state == AgentState::running) {
        set_state(it->second, AgentState::failed, message, now);
    }
}

void ActiveRun::agent_lost(const std::string& agent_id, const std::string& message, double now) {
    if (auto it = m_agents.find(agent_id); it != m_agents.end() && it->second.state == AgentState::running) {
        set_state(it->second, AgentState::lost, message, now);
    }
}

void ActiveRun::agent_gone(const std::string& agent_id, const std::string& message, double now) {
    if (auto it = m_agents.find(agent_id); it != m_agents.end() && !it->second.ended) {
        agent_lost(agent_id, message, now);
    }
}

void ActiveRun::agent_beat(const std::string& agent_id, bool listed, steady::time_point t) {
    const auto it = m_agents.find(agent_id);
    if (it == m_agents.end()) {
        return;
    }
    RunAgent& a = it->second;
    if (listed || !a.acknowledged || a.ended || a.state != AgentState::running) {
        a.unlisted_since.reset();
    } else if (!a.unlisted_since) {
        a.unlisted_since = t;
    }
}

void ActiveRun::tick(double now, steady::time_point t) {
    for (auto& [id, agent] : m_agents) {
        if (agent.state == AgentState::running && agent.ended) {
            settle(agent, now, t);
        } else if (agent.state == AgentState::running && agent.unlisted_since &&
                   t - *agent.unlisted_since > k_unlisted_grace) {
            set_state(agent, AgentState::failed, "its agent no longer runs it (the end was not reported)",
                      now);
        } else if (agent.state == AgentState::running && !agent.acknowledged &&
                   t - m_created > k_start_timeout) {
            // The order was lost on the way (or the agent is stuck): its part will never come.
            set_state(agent, AgentState::failed,
                      "did not start the run within " + std::to_string(k_start_timeout.count()) + " s", now);
        }
    }
}

void ActiveRun::settle(RunAgent& agent, double now, steady::time_point t) {
    if (agent.state != AgentState::running || !agent.ended) {
        return;
    }
    const std::string why = agent.end_message.empty() ? std::string() : ": " + agent.end_message;
    if (agent.signal != 0 && m_stop_requested && (agent.signal == SIGTERM || agent.signal == SIGKILL)) {
        // Stopped before its runner could catch the signal (it was still starting), or killed
        // after ignoring it: stopped all the same.
        set_state(agent, AgentState::stopped,
                  "stopped on request (by signal " + std::to_string(agent.signal) + ")", now);
        return;
    }
    if (agent.signal != 0) {
        set_state(agent, AgentState::failed,
                  "its loads-runner was killed by signal " + std::to_string(agent.signal) + why, now);
        return;
    }
    const int code = agent.exit_code;
    // 0: every test passed, 1: some failed (both a complete part); 130: stopped by a signal.
    const bool normal_end = code == 0 || code == 1 || code == 130;
    if (!normal_end) {
        set_state(agent, AgentState::failed,
                  "its loads-runner exited with status " + std::to_string(code) + why, now);
        return;
    }
    if (!agent.final_received && t - agent.ended_at < k_final_grace) {
        return;  // its last figures may still be on their way
    }
    if (!agent.final_received) {
        set_state(agent, AgentState::failed,
                  "its loads-runner exited (status " + std::to_string(code) +
                      ") without sending its final figures" + why,
                  now);
    } else if (code == 130) {
        set_state(agent, m_stop_requested ? AgentState::stopped : AgentState::failed,
                  m_stop_requested ? "stopped on request" : "its loads-runner was interrupted" + why, now);
    } else {
        set_state(agent, AgentState::finished, "", now);
    }
}

void ActiveRun::set_state(RunAgent& agent, AgentState state, std::string message, double now) {
    agent.state = state;
    agent.message = std::move(message);
    agent.changed_at = now;
    if (std::find(m_changed.begin(), m_changed.end(), agent.id) == m_changed.end()) {
        m_changed.push_back(agent.id);
    }
}

bool ActiveRun::over() const {
    return std::none_of(m_agents.begin(), m_agents.end(),
                        [](const auto& a) { return a.second.state == AgentState::running; });
}

std::string ActiveRun::status() const {
    if (!over()) {
        return "running";
    }
    std::size_t finished = 0;
    for (const auto& [id, a] : m_agents) {
        finished += a.state == AgentState::finished ? 1 : 0;
    }
    if (m_stop_requested) {
        return "stopped";
    }
    if (finished == m_agents.size()) {
        return "completed";
    }
    return finished == 0 ? "failed" : "partial";
}

double ActiveRun::progress() const {
    if (m_agents.empty()) {
        return 0;
    }
    double sum = 0;
    for (const auto& [id, a] : m_agents) {
        sum += a.state == AgentState::finished ? 1.0 : a.progress;
    }
    return sum / double(m_agents.size());
}

std::vector<std::string> ActiveRun::take_changed_agents() {
    return std::exchange(m_changed, {});
}

RunStats ActiveRun::take_interval() {
    RunStats interval = std::move(m_pending);
    m_pending = RunStats();
    m_published.merge(interval);
    ++m_published_seq;
    return interval;
}

}  // namespace loads::host
