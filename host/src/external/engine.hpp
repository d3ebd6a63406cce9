// ExternalEngine: runs a plan with an external runner (--test-runner) instead of plugin code: for
// each users cycle (and, in hits mode, each hits series) it starts one process per user, all at
// once, and waits for them; the processes run the test themselves, in any language, and report
// what happens as JSON messages over ZeroMQ (the seed's protocol, docs section 1.7). Those
// messages become the same RunStats, events, progress and refreshes as RunEngine's, so the bar,
// the summary, every output and an agent's relay work unchanged.
//
// One thread does everything: receiving and applying messages, reaping processes, the timers.
// A process still running at its step's limit (hits x --external-process-timeout, or the duration
// plus it) gets SIGTERM, then SIGKILL a second later; every process is reaped before the next
// step, so none outlives its step and none is left a zombie.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "engine/run_plan.hpp"
#include "results/run_listener.hpp"
#include "results/run_report.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

struct ExternalPlan {
    std::vector<std::string> command;  ///< The --test-runner words, {test} replaced.
    std::filesystem::path cwd;         ///< Where the processes start (--test-dir, else the cwd).
    std::chrono::milliseconds process_timeout{2000};  ///< --external-process-timeout.
    std::string receiver;                             ///< --zmq-receiver; empty for a private ipc socket.
    std::string run_id;    ///< LOADS_RUN_ID: messages naming another run are refused.
    std::string agent_id;  ///< LOADS_AGENT_ID.
    /// Where each process's log goes; empty: the run's private directory (on an agent, the run's
    /// directory, which the agent keeps and prunes with its loads-runner.log).
    std::filesystem::path log_dir;
};

class ExternalEngine {
public:
    /// Checks the command can be run, makes the run's private directory (logs, ipc socket) and
    /// binds the receiver. `log` receives the one-line notes (a process that failed, the first
    /// malformed messages, where the logs are). @throws UsageError.
    ExternalEngine(ExternalPlan plan, std::ostream& log);
    /// Kills whatever is still running (only after an exception), removes the receiver and the
    /// private directory unless it holds logs worth reading.
    ~ExternalEngine();
    ExternalEngine(const ExternalEngine&) = delete;
    ExternalEngine& operator=(const ExternalEngine&) = delete;

    /// Runs the plan to its end, or until `interrupt` becomes true (then every process is
    /// terminated and what it reported is kept). As RunEngine::run.
    RunReport run(const RunPlan& plan, RunListener& listener, const std::atomic<bool>& interrupt);

    /// What was measured since the last refresh, for the outputs' final snapshot (once).
    RunStats take_last_interval() { return std::move(m_last_interval); }

    /// The run's working state (receiver, figures, processes), private to external_engine.cpp.
    struct State;

private:
    ExternalPlan m_plan;
    std::ostream& m_log;
    std::filesystem::path m_dir;      ///< Private: the ipc socket, and the logs unless log_dir.
    std::filesystem::path m_log_dir;  ///< Where the logs are.
    std::unique_ptr<State> m_state;
    RunStats m_last_interval;
};

/// Where `program` (the command's first word) would be executed from, as the processes will run
/// it in `cwd`: a path with a '/' relative to `cwd`, else looked up on PATH. @throws UsageError
/// naming what is wrong (not found, not executable).
std::filesystem::path find_program(const std::string& program, const std::filesystem::path& cwd);

}  // namespace loads::host
