#include "reporting/observer_calls.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "base/child_process.hpp"
#include "base/process_info.hpp"
#include "plugins/observer_plugin.hpp"

namespace loads::host {
namespace fs = std::filesystem;

namespace {

// A directory of our own for the requests, the logs and the results; gone when the call ends.
// mkdtemp makes it fresh and private at once: requests may hold passwords.
class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (fs::temp_directory_path() / "loads-notify-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot make a directory in " + fs::temp_directory_path().string() +
                                     ": " + std::strerror(errno));
        }
        m_path = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const fs::path& path() const noexcept { return m_path; }

private:
    fs::path m_path;
};

std::string seconds_text(std::chrono::milliseconds d) {
    const auto ms = d.count();
    return ms % 1000 == 0 ? std::to_string(ms / 1000) : std::to_string(double(ms) / 1000.0);
}

struct Call {
    std::string name;
    fs::path request;
    fs::path log;
    fs::path result;
    std::unique_ptr<ChildProcess> child;
    std::string start_error;
};

// What the child wrote to its result file: "ok\n<message>" or "failed\n<message>".
ObserverResult read_result(const Call& c) {
    ObserverResult r{c.name, false, {}};
    std::ifstream in(c.result);
    std::string verdict;
    if (in && std::getline(in, verdict)) {
        std::getline(in, r.message);
        r.delivered = verdict == "ok";
        return r;
    }
    // No result: the observer crashed (or loads-notify could not start it).
    const std::string last = last_log_line(c.log);
    if (c.child->signal() != 0) {
        r.message =
            "crashed (signal " + std::to_string(c.child->signal()) + ")" + (last.empty() ? "" : ": " + last);
    } else {
        r.message =
            last.empty() ? "loads-notify exited with status " + std::to_string(c.child->exit_code()) : last;
    }
    return r;
}

void write_file(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

}  // namespace

fs::path notifier_program() {
    if (const char* p = std::getenv("LOADS_NOTIFY"); p != nullptr && *p != '\0') {
        return p;
    }
    return (program_dir() / ".." / "lib" / "loads" / "loads-notify").lexically_normal();
}

std::string observer_result_line(const ObserverResult& r) {
    if (r.delivered) {
        return "observer '" + r.name + "': " + (r.message.empty() ? std::string("done") : r.message);
    }
    return "observer '" + r.name + "' failed: " + r.message;
}

std::vector<ObserverResult> call_observers(const Notification& n, const std::vector<std::string>& names,
                                           std::chrono::milliseconds timeout,
                                           const std::atomic<bool>* cancel) {
    if (names.empty()) {
        return {};
    }
    const ScratchDir dir;
    // Each observer's process runs where the caller does (relative paths in its options mean what
    // the user meant) and gets a request of its own, with its own options only.
    const fs::path cwd = fs::current_path();
    Notification own = n;
    own.search.clear();
    for (const auto& d : n.search) {
        own.search.push_back(fs::absolute(d));
    }
    const auto started = std::chrono::steady_clock::now();
    const auto deadline_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                 (std::chrono::system_clock::now() + timeout).time_since_epoch())
                                 .count();
    const std::string program = notifier_program().string();
    std::vector<Call> calls;
    for (std::size_t i = 0; i < names.size(); ++i) {
        Call c;
        c.name = names[i];
        // Files named by index: a name is only checked when loads-notify loads the observer.
        c.request = dir.path() / (std::to_string(i) + ".request");
        c.log = dir.path() / (std::to_string(i) + ".log");
        c.result = dir.path() / (std::to_string(i) + ".result");
        own.observer_values.clear();
        const std::string prefix = observer_option_key(c.name, "");  // "observer-<name>-"
        for (const auto& [key, value] : n.observer_values) {
            if (key.starts_with(prefix)) {
                own.observer_values.emplace(key, value);
            }
        }
        try {
            write_file(c.request, encode_notification(own));
            c.child = ChildProcess::spawn(
                {program,
                 {c.request.string(), c.name, std::to_string(deadline_us), c.result.string()},
                 cwd,
                 c.log,
                 {},
                 false});
        } catch (const std::exception& e) {
            c.start_error = std::string("cannot start ") + program + ": " + e.what();
        }
        calls.push_back(std::move(c));
    }
    // The observers bound their own I/O by the deadline; a second more lets them say so before
    // they are killed.
    const auto give_up = started + timeout + std::chrono::seconds(1);
    // Checked often at first (most observers answer within milliseconds), then every 20 ms.
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        bool running = false;
        for (auto& c : calls) {
            running = running || (c.child && !c.child->poll());
        }
        const bool cancelled = cancel != nullptr && cancel->load();
        if (!running || cancelled || std::chrono::steady_clock::now() >= give_up) {
            break;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(20));
    }
    std::vector<ObserverResult> results;
    for (auto& c : calls) {
        if (!c.child) {
            results.push_back({c.name, false, c.start_error});
            continue;
        }
        if (!c.child->poll()) {
            c.child->kill();
            while (!c.child->poll()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            const bool cancelled = cancel != nullptr && cancel->load();
            results.push_back({c.name, false,
                               cancelled ? std::string("cancelled before it answered")
                                         : "no answer within " + seconds_text(timeout) + " s"});
            continue;
        }
        results.push_back(read_result(c));
    }
    return results;
}

}  // namespace loads::host
