// Agent: a cluster node (`loads-agent`). It asks the broker's frontend for the other endpoints,
// registers, beats once a second, and runs each job the broker sends as a child `loads-runner`
// in a directory of its own (<test-dir or work dir>/<agent id>/<run id>), after unpacking the
// files the run ships there. The child pushes its figures to the broker itself; the agent
// reports when the child ends, and stops only the children of the run the broker names.
//
// A broker that goes silent is waited for: the agent keeps its runs going and registers again
// when the broker's heartbeat is back (a new broker instance id means a restarted broker).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace loads::host {

struct AgentSettings {
    std::string frontend = "ipc:///tmp/loads-front.ipc";  ///< --broker
    std::filesystem::path work_dir = "/tmp/loads-agent";  ///< Runs go here without a --test-dir.
    std::string runner;  ///< loads-runner to start; empty: beside loads-agent.
    std::uint64_t max_upload_bytes = std::uint64_t{256} << 20;
    double stop_timeout = 5;     ///< Seconds between SIGTERM and SIGKILL for a child that is stopped.
    std::size_t keep_runs = 10;  ///< Directories of ended runs kept per base directory (their logs).
};

class Agent {
public:
    explicit Agent(AgentSettings settings);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    const std::string& id() const noexcept;

    /// Waits for the broker, then serves until `stop` becomes true; then stops its children,
    /// unregisters and returns. @throws EnvironmentError when a socket cannot be set up.
    void serve(const std::atomic<bool>& stop);

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace loads::host
