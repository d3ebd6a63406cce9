// ActiveRun: one distributed run as the broker follows it — what became of each of its agents,
// and the figures they sent, merged exactly (histograms bucket by bucket). No sockets here: the
// broker feeds it what arrives and publishes what it says, so the rules of a run's life can be
// tested alone.
//
// An agent's part ends when its child runner has exited AND its final figures arrived (they
// travel on another socket, so either may come first): then it is finished, stopped or failed.
// A child that exited without final figures gets k_final_grace for them to arrive. An agent whose
// heartbeat stops is lost; whatever it sent before stays counted, anything later is refused. The
// run is over when none of its agents is still running.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "results/run_stats.hpp"

namespace loads::host {

enum class AgentState { running, finished, failed, lost, stopped };
const char* state_name(AgentState state) noexcept;

struct RunAgent {
    std::string id;
    std::string hostname;
    std::int64_t pid = 0;
    AgentState state = AgentState::running;
    double changed_at = 0;      ///< Epoch seconds of the last change of state.
    std::string message;        ///< Why it failed, was lost or stopped.
    bool acknowledged = false;  ///< The agent said it started its runner (or sent figures).
    bool final_received = false;
    std::uint64_t next_seq = 0;  ///< The relay's next expected message number.
    double progress = 0;         ///< 0..1 of its plan, as its child last reported.
    // The child's end, as the agent reported it.
    bool ended = false;
    int exit_code = -1;  ///< -1 when killed by a signal.
    int signal = 0;
    std::string end_message;
    std::chrono::steady_clock::time_point ended_at;
    /// Since when the agent's beats no longer list the run (it had started it).
    std::optional<std::chrono::steady_clock::time_point> unlisted_since;
};

/// The header of one relay message (see result_relay.hpp).
struct RelayHeader {
    std::string run_id;
    std::string agent_id;
    std::uint64_t seq = 0;
    bool final = false;
    bool interrupted = false;
    double elapsed = 0;
    double progress = 0;
};

struct RunDescription {
    std::string run_id;
    std::string fqn;
    std::string options_json;  ///< The runner's options, a JSON object.
    std::vector<std::string> observers;
    double started = 0;  ///< Epoch seconds.
    /// The observers' options (`observer-irc-server`...), kept in memory only: never stored,
    /// never shown (they may hold passwords).
    std::map<std::string, std::string> observer_values;
    double observer_timeout = 30;  ///< Seconds the observers may take.
};

class ActiveRun {
public:
    /// How long figures may trail behind the report that their child exited.
    static constexpr std::chrono::seconds k_final_grace{5};
    /// How long an agent may take to say it started its runner (unpacking the files included).
    static constexpr std::chrono::seconds k_start_timeout{30};
    /// How long an agent may beat without a run it started before its part counts as failed (its
    /// report of the end travels on another socket and may come a little after).
    static constexpr std::chrono::seconds k_unlisted_grace{5};

    using steady = std::chrono::steady_clock;

    ActiveRun(RunDescription description, const std::vector<RunAgent>& agents,
              steady::time_point created = steady::now());

    const RunDescription& description() const noexcept { return m_description; }
    const std::string& id() const noexcept { return m_description.run_id; }
    const std::map<std::string, RunAgent>& agents() const noexcept { return m_agents; }
    bool has_agent(const std::string& id) const { return m_agents.count(id) != 0; }

    /// Figures from an agent's child. @return empty when taken, else why they were refused (the
    /// agent is not in this run, no longer running, or the message repeats an earlier one).
    std::string add_figures(const RelayHeader& header, const RunStats& figures, double now,
                            steady::time_point t);
    /// The agent started its runner for the run.
    void agent_started(const std::string& agent_id);
    /// The agent reports its child's end.
    void child_ended(const std::string& agent_id, int exit_code, int signal, const std::string& message,
                     double now, steady::time_point t);
    /// The agent could not start its part (bad files, no runner...), or cannot be reached.
    void agent_failed(const std::string& agent_id, const std::string& message, double now);
    /// The agent went silent.
    void agent_lost(const std::string& agent_id, const std::string& message, double now);
    /// The agent left (unregistered): lost, unless its runner had already ended (then its final
    /// figures decide, as for any ended runner).
    void agent_gone(const std::string& agent_id, const std::string& message, double now);
    /// A heartbeat from the agent, which `listed` this run among its runs or not. An agent that
    /// started its part but beats without it for k_unlisted_grace (its report of the end was
    /// lost, or it is another process under the same id) has failed its part.
    void agent_beat(const std::string& agent_id, bool listed, steady::time_point t);
    /// Stopping was asked: agents that end now count as stopped, and so does the run.
    void request_stop() noexcept { m_stop_requested = true; }
    bool stop_requested() const noexcept { return m_stop_requested; }
    /// Ends the waits that took too long: for final figures, and for an agent to start.
    void tick(double now, steady::time_point t);

    bool over() const;
    /// "running", then "completed" (every agent finished), "stopped", "failed" (no agent
    /// finished) or "partial" (some finished, some failed or were lost).
    std::string status() const;
    double progress() const;

    /// Agents whose state changed since the last call (to publish and store).
    std::vector<std::string> take_changed_agents();

    /// Figures received since the last publish, moved into the published total; the message
    /// number of the publish is `published_seq()` afterwards.
    RunStats take_interval();
    std::uint64_t published_seq() const noexcept { return m_published_seq; }
    /// Everything published so far (what a runner attaching now starts from).
    const RunStats& published_total() const noexcept { return m_published; }
    bool has_pending() const noexcept { return !m_pending.empty(); }

private:
    void settle(RunAgent& agent, double now, steady::time_point t);
    void set_state(RunAgent& agent, AgentState state, std::string message, double now);

    RunDescription m_description;
    steady::time_point m_created;
    std::map<std::string, RunAgent> m_agents;
    std::vector<std::string> m_changed;
    RunStats m_published;
    RunStats m_pending;
    std::uint64_t m_published_seq = 0;
    bool m_stop_requested = false;
};

}  // namespace loads::host
