// ChildProcess: a program run on loads' behalf: an agent's child `loads-runner` of one run, an
// observer's `loads-notify`, or an external runner's process for one user (--test-runner). What
// crashes there takes only this process down, never its parent.
//
// The child gets its own process group (stopping a run signals that group and nothing else:
// the original stopped every worker of the agent), its output goes to a log file instead of the
// agent's terminal, and it is sent SIGTERM when the agent dies, even by kill -9, so no load goes
// on that nobody accounts for (SIGTERM, not SIGKILL: the runner then still sends the figures it
// has, and they stay counted).
#pragma once

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace loads::host {

class ChildProcess {
public:
    struct Spec {
        std::string program;            ///< Path of the executable (not searched on PATH).
        std::vector<std::string> args;  ///< argv[1...].
        std::filesystem::path cwd;      ///< Working directory.
        std::filesystem::path log;      ///< Receives stdout and stderr (created, appended).
        /// Variables set in the child's environment, on top of (or replacing) the parent's.
        std::vector<std::pair<std::string, std::string>> env;
        /// Look a `program` without a '/' up on PATH (as a shell would) instead of taking it as
        /// a path.
        bool search_path = false;
        /// Sent to the child when the thread that spawned it dies (PR_SET_PDEATHSIG).
        int death_signal = SIGTERM;
    };

    /// Starts the program. @throws std::runtime_error (one line) when the log cannot be opened
    /// or the program cannot be executed (the exec error comes back from the child).
    /// PR_SET_PDEATHSIG ties the child to the *thread* that spawns it: spawn from a thread that
    /// lives as long as the child should.
    static std::unique_ptr<ChildProcess> spawn(const Spec& spec);
    ~ChildProcess();  ///< A child still running is killed and reaped: no zombie is left.
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const noexcept { return m_pid; }
    /// Reaps the child if it has exited, without waiting. @return true once it has.
    bool poll();
    bool exited() const noexcept { return m_exited; }
    int exit_code() const noexcept { return m_exit_code; }  ///< -1 when a signal ended it.
    int signal() const noexcept { return m_signal; }        ///< 0 unless a signal ended it.

    void terminate();  ///< SIGTERM to its process group.
    void kill();       ///< SIGKILL to its process group.

private:
    explicit ChildProcess(pid_t pid) : m_pid(pid) {}
    void signal_group(int sig);

    pid_t m_pid;
    bool m_exited = false;
    int m_exit_code = -1;
    int m_signal = 0;
};

/// The last line of `log` worth showing (the runner's one-line error, if it wrote one), at most
/// `max` bytes; empty when there is none.
std::string last_log_line(const std::filesystem::path& log, std::size_t max = 400);

}  // namespace loads::host
