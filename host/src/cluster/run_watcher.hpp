// RunWatcher: a runner following one distributed run. It subscribes to the run's topic on the
// broker's publisher, adds each published interval to the total it holds (checking the message
// numbers, so a runner that missed one fetches the broker's total again instead of showing
// wrong figures), and hands them to the outputs as a local run's engine would: progress about
// every 100 ms, a refresh with each interval. It ends with the broker's final figures, when the
// user interrupts, or when the broker stops answering.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/broker_client.hpp"
#include "engine/run_plan.hpp"
#include "results/run_listener.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

/// One agent of the run as the broker last described it.
struct AgentView {
    std::string agent_id;
    std::string hostname;
    std::string state;  ///< running, finished, failed, lost, stopped
    double changed_at = 0;
    std::string message;
};

std::vector<AgentView> agents_from_json(const JsonValue* list);

/// Names on stderr an agent that failed or was lost, with when and why; nothing for the others.
void say_agent(const AgentView& a);

/// What the broker says of a run (CTRL_GET_RUN), with the figures published so far.
struct RunState {
    std::string run_id;
    std::string fqn;
    JsonValue options;  ///< The runner's options, an object.
    double started = 0;
    bool active = false;
    std::string status;
    std::uint64_t seq = 0;
    double elapsed = 0;
    double progress = 0;
    std::vector<AgentView> agents;
    RunStats total;
};

/// @throws ClusterError (no answer, no such run, a reply that does not decode).
RunState fetch_run(BrokerClient& client, const std::string& run_id);

struct WatchResult {
    enum class End { finished, interrupted, broker_lost };
    End end = End::finished;
    std::string status;  ///< The broker's final status when finished.
    RunStats total;
    RunStats last_interval;  ///< What came after the last refresh.
    double elapsed = 0;
    double progress = 0;
    std::vector<AgentView> agents;
};

class RunWatcher {
public:
    /// Subscribes now, so nothing published from here on is missed.
    /// @throws UsageError for an endpoint ZeroMQ refuses.
    RunWatcher(const std::string& publisher, std::string run_id);
    ~RunWatcher();
    RunWatcher(const RunWatcher&) = delete;
    RunWatcher& operator=(const RunWatcher&) = delete;

    /// Follows the run from `start` (the broker's state when the runner started watching) until
    /// it ends. Agent changes are reported on stderr as they come. `plan` places the progress in
    /// its users cycles, as a local run's engine does.
    WatchResult watch(RunState start, const RunPlan& plan, RunListener& listener, BrokerClient& client,
                      const std::atomic<bool>& interrupt);

private:
    struct Socket;
    std::unique_ptr<Socket> m_socket;
    std::string m_run_id;
};

}  // namespace loads::host
