#include "base/child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace loads::host {

std::unique_ptr<ChildProcess> ChildProcess::spawn(const Spec& spec) {
    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed (the agent has ZeroMQ's threads).
    std::vector<std::string> argv_text{spec.program};
    argv_text.insert(argv_text.end(), spec.args.begin(), spec.args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    // The environment: the parent's, with the spec's variables replacing any of the same name.
    std::vector<std::string> env_text;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry(*e);
        const std::string_view name = entry.substr(0, entry.find('='));
        const bool replaced =
            std::any_of(spec.env.begin(), spec.env.end(), [&](const auto& kv) { return kv.first == name; });
        if (!replaced) {
            env_text.emplace_back(entry);
        }
    }
    for (const auto& [name, value] : spec.env) {
        env_text.push_back(name + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& e : env_text) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    const bool search = spec.search_path && spec.program.find('/') == std::string::npos;
    const int death_signal = spec.death_signal;
    const std::string cwd = spec.cwd.string();
    const int log_fd = ::open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
        throw std::runtime_error("cannot open " + spec.log.string() + ": " + std::strerror(errno));
    }
    int error_pipe[2];
    if (::pipe2(error_pipe, O_CLOEXEC) != 0) {
        ::close(log_fd);
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        ::close(log_fd);
        ::close(error_pipe[0]);
        ::close(error_pipe[1]);
        throw std::runtime_error(std::string("fork: ") + std::strerror(e));
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, death_signal);
        if (::getppid() != parent) {
            ::_exit(127);  // the agent died before the line above took effect
        }
        // The agent's own signal dispositions are not the runner's.
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        int fail = 0;
        if (::chdir(cwd.c_str()) != 0) {
            fail = errno;
        } else {
            const int null_fd = ::open("/dev/null", O_RDONLY);
            if (null_fd >= 0) {
                ::dup2(null_fd, 0);
                if (null_fd != 0) {
                    ::close(null_fd);
                }
            }
            ::dup2(log_fd, 1);
            ::dup2(log_fd, 2);
            if (search) {
                ::execvpe(argv[0], argv.data(), envp.data());
            } else {
                ::execve(argv[0], argv.data(), envp.data());
            }
            fail = errno;
        }
        const ssize_t ignored = ::write(error_pipe[1], &fail, sizeof fail);
        (void)ignored;
        ::_exit(127);
    }
    ::close(log_fd);
    ::close(error_pipe[1]);
    int child_error = 0;
    ssize_t n;
    do {
        n = ::read(error_pipe[0], &child_error, sizeof child_error);
    } while (n < 0 && errno == EINTR);
    ::close(error_pipe[0]);
    std::unique_ptr<ChildProcess> child(new ChildProcess(pid));
    if (n == static_cast<ssize_t>(sizeof child_error)) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        child->m_exited = true;
        throw std::runtime_error("cannot run " + spec.program + " in " + cwd + ": " +
                                 std::strerror(child_error));
    }
    return child;
}

ChildProcess::~ChildProcess() {
    if (!m_exited) {
        signal_group(SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
    }
}

bool ChildProcess::poll() {
    if (m_exited) {
        return true;
    }
    // Seen exited but not reaped yet (WNOWAIT): the group id cannot be reused while the leader is
    // a zombie, so whatever the runner itself started can still be ended safely with it.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
        info.si_pid != m_pid) {
        return false;
    }
    signal_group(SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_exited = true;
    if (WIFEXITED(status)) {
        m_exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        m_signal = WTERMSIG(status);
    }
    return true;
}

void ChildProcess::terminate() {
    signal_group(SIGTERM);
}

void ChildProcess::kill() {
    signal_group(SIGKILL);
}

void ChildProcess::signal_group(int sig) {
    // The group may already be empty (ESRCH): nothing to do then.
    ::kill(-m_pid, sig);
}

std::string last_log_line(const std::filesystem::path& log, std::size_t max) {
    std::ifstream in(log, std::ios::binary);
    if (!in) {
        return {};
    }
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff from = size > 8192 ? size - 8192 : 0;
    in.seekg(from);
    std::string tail(static_cast<std::size_t>(size - from), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    std::string last;
    std::string last_runner;  // the runner's own one-line messages win over what a test printed
    std::size_t start = 0;
    while (start < tail.size()) {
        std::size_t end = tail.find('\n', start);
        if (end == std::string::npos) {
            end = tail.size();
        }
        const std::string line = tail.substr(start, end - start);
        start = end + 1;
        // The sanitizer build's note about stack switching is the build's, not the runner's.
        if (line.empty() || line.find("makecontext/swapcontext") != std::string::npos) {
            continue;
        }
        last = line;
        if (line.starts_with("loads-runner:")) {
            last_runner = line;
        }
    }
    std::string best = last_runner.empty() ? last : last_runner;
    if (best.size() > max) {
        best = best.substr(0, max) + "...";
    }
    for (char& c : best) {
        if (static_cast<unsigned char>(c) < 0x20) {
            c = ' ';
        }
    }
    return best;
}

}  // namespace loads::host
