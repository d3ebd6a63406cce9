#include "external/engine.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "base/child_process.hpp"
#include "base/usage_error.hpp"
#include "external/message.hpp"
#include "external/receiver.hpp"
#include "results/event_buffer.hpp"
#include "results/recorder.hpp"

namespace loads::host {

namespace fs = std::filesystem;

namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto k_receive_wait = 5ms;  // longest wait for a message before the clocks are looked at
constexpr auto k_reap_period = 20ms;  // how often exited processes are looked for
constexpr auto k_progress_period = 100ms;
constexpr auto k_refresh_period = 1s;
constexpr auto k_events_period = 500ms;  // as a worker hands its events over
constexpr auto k_kill_after = 1s;        // between SIGTERM and SIGKILL
// At the end of each step, what its processes pushed is read until their connections are all
// closed (see ExternalReceiver), at least this long...
constexpr auto k_settle_min = 20ms;
// ...and until nothing has come for this long, in case a process handed its socket to a child
// that lives on (a backlog being read keeps it going, however long).
constexpr auto k_settle_idle = 2s;
constexpr std::size_t k_frames_per_turn = 4096;  // messages handled between two looks at the clocks
constexpr std::size_t k_shown_malformed = 5;     // reasons printed; the rest are only counted
constexpr std::size_t k_shown_process_notes = 10;
constexpr std::string_view k_process_error = "ExternalRunner";

std::string seconds_text(double seconds) {
    std::ostringstream os;
    os << seconds;
    return os.str();
}

std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return "signal " + std::to_string(sig) + (abbrev ? " (SIG" + std::string(abbrev) + ")" : "");
}

// A private directory for the run's socket and logs: in $TMPDIR, unless its path is too long for
// an ipc socket (108 bytes with the file name), then in /tmp.
fs::path make_private_dir() {
    std::string base = "/tmp";
    if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t == '/' && std::strlen(t) < 60) {
        base = t;
    }
    std::string templ = base + "/loads-external-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) {
        throw EnvironmentError("cannot make a directory in " + base + ": " + std::strerror(errno));
    }
    return templ;
}

bool executable_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

fs::path find_program(const std::string& program, const fs::path& cwd) {
    if (program.find('/') != std::string::npos) {
        const fs::path p = fs::path(program).is_absolute() ? fs::path(program) : cwd / program;
        std::error_code ec;
        if (!fs::exists(p, ec)) {
            throw UsageError("--test-runner: cannot run '" + program + "': no such file" +
                             (fs::path(program).is_absolute() ? "" : " in " + cwd.string()));
        }
        if (!executable_file(p)) {
            throw UsageError("--test-runner: cannot run '" + program + "': not an executable file");
        }
        return p;
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        const auto colon = dirs.find(':');
        const std::string_view dir = dirs.substr(0, colon);
        const fs::path p = (dir.empty() ? cwd : fs::path(dir)) / program;
        if (executable_file(p)) {
            return p;
        }
        if (colon == std::string_view::npos) {
            break;
        }
        dirs.remove_prefix(colon + 1);
    }
    throw UsageError("--test-runner: cannot run '" + program + "': not found on PATH");
}

// One step: a users cycle and, in hits mode, one hits series of it.
struct Step {
    std::uint32_t cycle = 0;
    std::uint32_t series = 0;
    std::uint32_t users = 0;
    std::uint32_t hits = 0;  // 0 in duration mode
};

struct Process {
    std::unique_ptr<ChildProcess> child;
    std::uint32_t user = 0;  // 1-based, as LOADS_CURRENT_USER
    fs::path log;
    bool timed_out = false;    // terminated at the step's limit: counted as an error
    bool interrupted = false;  // terminated because the run was: not the process's fault
};

struct ExternalEngine::State {
    ExternalReceiver receiver;
    ExternalMessageParser parser;
    ExternalMessage message;
    std::string why;

    RunListener* listener = nullptr;
    std::uint32_t mask = 0;
    std::string fqn;
    RunStats interval;  // since the last refresh
    RunStats total;
    EventBuffer events;
    // One recorder per user of the step, and one more for messages that do not say whose they are.
    std::vector<Recorder> recorders;
    std::vector<std::int32_t> outcomes;  // each user's test so far, for its stop event
    std::vector<Process> live;
    std::uint64_t finished = 0;  // stopTest messages, for the progress bar
    std::uint64_t malformed = 0;
    std::size_t process_notes = 0;
    bool lingering_noted = false;

    State(const std::string& endpoint, const fs::path& dir) : receiver(endpoint, dir) {}
};

ExternalEngine::ExternalEngine(ExternalPlan plan, std::ostream& log) : m_plan(std::move(plan)), m_log(log) {
    if (m_plan.command.empty()) {
        throw UsageError("--test-runner: no command");
    }
    std::error_code ec;
    if (!fs::is_directory(m_plan.cwd, ec)) {
        throw UsageError("--test-dir '" + m_plan.cwd.string() + "': not a directory");
    }
    (void)find_program(m_plan.command.front(), m_plan.cwd);
    if (m_plan.process_timeout <= 0ms) {
        throw UsageError("--external-process-timeout must be a number of seconds > 0");
    }
    m_dir = make_private_dir();
    m_log_dir = m_plan.log_dir.empty() ? m_dir : m_plan.log_dir;
    try {
        fs::create_directories(m_log_dir);
        m_state = std::make_unique<State>(m_plan.receiver, m_dir);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(m_dir, ec);
        throw EnvironmentError("cannot make " + m_log_dir.string() + ": " + e.code().message());
    } catch (...) {
        fs::remove_all(m_dir, ec);
        throw;
    }
}

ExternalEngine::~ExternalEngine() {
    if (m_state) {
        // Only after an exception: run() reaps every process it starts.
        for (Process& p : m_state->live) {
            p.child->kill();
        }
        m_state.reset();  // ~ChildProcess reaps; the receiver's socket goes
    }
    // Empty logs go, and so does each directory left empty (the private one always ends so
    // once the socket is gone, unless it holds the logs).
    for (const fs::path& dir : {m_log_dir, m_dir}) {
        std::error_code ec;
        bool kept = false;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            std::error_code e;
            if (entry.is_regular_file(e) && entry.path().extension() == ".log" && entry.file_size(e) == 0) {
                fs::remove(entry.path(), e);
            } else {
                kept = true;
            }
        }
        if (!kept) {
            fs::remove(dir, ec);
        }
    }
}

namespace {

// What the engine does during a run, with the state it needs; one per run() call.
class Runner {
public:
    Runner(const ExternalPlan& plan, std::ostream& log, ExternalEngine::State& s, const fs::path& dir,
           const RunPlan& run_plan, const std::atomic<bool>& interrupt)
        : m_plan(plan), m_log(log), m_s(s), m_dir(dir), m_run(run_plan), m_interrupt(interrupt) {}

    RunReport run();

private:
    void run_step(const Step& step);
    void start_process(const Step& step, std::uint32_t user);
    /// Handles the messages that came, waiting up to `wait` for the first one. @return whether
    /// any came.
    bool pump(std::chrono::milliseconds wait);
    void handle(std::string_view frame);
    void apply(const ExternalMessage& m);
    void malformed(const std::string& why);
    void reap();
    void process_ended(Process& p);
    void note_process(const Process& p, const std::string& what);
    void tick(clock::time_point now);
    void publish_events();
    RunStats collect();
    /// Reads what the last processes sent until their connections have closed.
    void settle();

    const ExternalPlan& m_plan;
    std::ostream& m_log;
    ExternalEngine::State& m_s;
    const fs::path& m_dir;
    const RunPlan& m_run;
    const std::atomic<bool>& m_interrupt;

    Step m_step;
    clock::time_point m_run_start;
    clock::time_point m_step_start;
    clock::time_point m_next_progress, m_next_refresh, m_next_events, m_next_reap;
    std::uint64_t m_total_tests = 0;
    std::size_t m_steps = 0;
    std::size_t m_step_index = 0;
    bool m_interrupted = false;
    double m_limit_seconds = 0;  // the step's limit, for the note of a process that reached it
    ProgressInfo m_info;
};

void Runner::start_process(const Step& step, std::uint32_t user) {
    Process p;
    p.user = user;
    p.log = m_dir / ("c" + std::to_string(step.cycle + 1) + "-s" + std::to_string(step.series + 1) + "-u" +
                     std::to_string(user) + ".log");
    ChildProcess::Spec spec;
    spec.program = m_plan.command.front();
    spec.args.assign(m_plan.command.begin() + 1, m_plan.command.end());
    spec.cwd = m_plan.cwd;
    spec.log = p.log;
    spec.search_path = true;
    // Should the runner die without ending them (a second Ctrl-C, the OOM killer), they must not
    // go on loading the service unaccounted, even one that ignores SIGTERM.
    spec.death_signal = SIGKILL;
    spec.env = {{"LOADS_ZMQ_RECEIVER", m_s.receiver.endpoint()},
                {"LOADS_AGENT_ID", m_plan.agent_id},
                {"LOADS_RUN_ID", m_plan.run_id},
                {"LOADS_TOTAL_USERS", std::to_string(step.users)},
                {"LOADS_CURRENT_USER", std::to_string(user)}};
    if (m_run.duration) {
        spec.env.emplace_back("LOADS_DURATION",
                              seconds_text(std::chrono::duration<double>(*m_run.duration).count()));
    } else {
        spec.env.emplace_back("LOADS_TOTAL_HITS", std::to_string(step.hits));
    }
    if (!m_run.server_url.empty()) {
        spec.env.emplace_back("LOADS_SERVER_URL", m_run.server_url);
    }
    try {
        p.child = ChildProcess::spawn(spec);
    } catch (const std::exception& e) {
        // Checked before the run, so this is the machine's limit (processes, memory): the user's
        // share of the load is missing, which the run must say.
        m_s.recorders[user - 1].problem(ProblemKind::error, k_process_error, "cannot be started", "", 0);
        note_process(p, std::string("could not be started: ") + e.what());
        return;
    }
    m_s.live.push_back(std::move(p));
}

void Runner::note_process(const Process& p, const std::string& what) {
    if (m_s.process_notes++ >= k_shown_process_notes) {
        if (m_s.process_notes == k_shown_process_notes + 1) {
            m_log << "loads-runner: (further external runner problems are counted, not shown)\n";
        }
        return;
    }
    std::string line = "loads-runner: external runner of user " + std::to_string(p.user) + "/" +
                       std::to_string(m_step.users) + " (cycle " + std::to_string(m_step.cycle + 1) + ") " +
                       what;
    std::error_code ec;
    if (fs::exists(p.log, ec) && fs::file_size(p.log, ec) > 0) {
        line += "; its output: " + p.log.string();
    }
    m_log << line << '\n';
}

void Runner::malformed(const std::string& why) {
    m_s.interval.record_malformed_message();
    if (m_s.malformed++ < k_shown_malformed) {
        m_log << "loads-runner: ignored a malformed message from an external runner: " << why << '\n';
    } else if (m_s.malformed == k_shown_malformed + 1) {
        m_log << "loads-runner: (further malformed messages are counted, not shown)\n";
    }
}

void Runner::handle(std::string_view frame) {
    ExternalMessage& m = m_s.message;
    if (!m_s.parser.parse(frame, m, m_s.why)) {
        malformed(m_s.why);
        return;
    }
    // Tolerated without a run id (the original crashed); with one, it must be this run's.
    if (m.has_run_id && !m.run_id.empty() && m.run_id != m_plan.run_id) {
        malformed("another run's message (run_id '" + printable_line(m.run_id, 64) + "')");
        return;
    }
    apply(m);
}

void Runner::apply(const ExternalMessage& m) {
    // The message says whose it is (loads_status' current user, 1-based); if it does not, or
    // names a user this step does not have, it still counts, under the step's extra recorder.
    std::size_t who = m_step.users;
    if (m.status.given && m.status.user >= 1 && m.status.user <= m_step.users) {
        who = static_cast<std::size_t>(m.status.user - 1);
    }
    Recorder& r = m_s.recorders[who];
    const auto hit = static_cast<std::uint32_t>(std::min<std::uint64_t>(m.status.hit, UINT32_MAX));
    r.move_to(m_step.series, hit);
    std::int32_t& outcome = m_s.outcomes[who];
    switch (m.type) {
        case ExternalType::start_test:
            outcome = LOADS_STATUS_SUCCESS;
            r.begin_test(m_step.series, hit);
            break;
        case ExternalType::stop_test:
            r.end_test(outcome);
            ++m_s.finished;
            break;
        case ExternalType::add_success:
            r.success();
            break;
        case ExternalType::add_failure:
        case ExternalType::add_error: {
            const bool failure = m.type == ExternalType::add_failure;
            if (failure ? outcome == LOADS_STATUS_SUCCESS : true) {
                outcome = failure ? LOADS_STATUS_FAILURE : LOADS_STATUS_ERROR;
            }
            const std::string location = traceback_location(m.exc_traceback);
            std::string_view file = location;
            std::uint32_t line = 0;
            if (const auto colon = location.rfind(':'); colon != std::string::npos) {
                file = std::string_view(location).substr(0, colon);
                line = static_cast<std::uint32_t>(std::strtoul(location.c_str() + colon + 1, nullptr, 10));
            }
            r.problem(failure ? ProblemKind::failure : ProblemKind::error, exception_name(m.exc_type),
                      m.exc_message, file, line);
            break;
        }
        case ExternalType::add_hit:
            r.hit(m.method, m.url, m.status_code, m.elapsed_us, m.has_started ? m.started_us : 0);
            break;
        case ExternalType::socket_open:
            r.socket_opened("");
            break;
        case ExternalType::socket_close:
            r.socket_closed("");
            break;
        case ExternalType::socket_message:
            r.socket_message("", m.size);
            break;
        case ExternalType::incr_counter:
            r.counter(m.name, 1);
            break;
        case ExternalType::start_test_run:
        case ExternalType::stop_test_run:
            break;  // the runner's own business; the docs tell runners not to send them
    }
}

bool Runner::pump(std::chrono::milliseconds wait) {
    auto frame = m_s.receiver.receive(wait);
    if (!frame) {
        return false;
    }
    for (std::size_t n = 0; frame && n < k_frames_per_turn; ++n) {
        handle(*frame);
        frame = m_s.receiver.receive(0ms);
    }
    if (frame) {
        handle(*frame);
    }
    return true;
}

void Runner::process_ended(Process& p) {
    ChildProcess& c = *p.child;
    std::string what;
    if (p.interrupted) {
        return;  // ended because the run was interrupted
    }
    if (p.timed_out && c.signal() == 0 && c.exit_code() == 0) {
        return;  // it ended by itself as the step's limit came
    }
    if (p.timed_out) {
        what = "still running after " + seconds_text(m_limit_seconds) +
               " s: " + (c.signal() == SIGKILL ? "killed" : "terminated");
    } else if (c.signal() != 0) {
        what = "killed by " + signal_text(c.signal());
    } else if (c.exit_code() != 0) {
        what = "exited with status " + std::to_string(c.exit_code());
    } else {
        return;
    }
    // The user's share of the load is missing or incomplete: an error of the run, in the digest.
    const std::string digest = p.timed_out ? "still running at the end of its step" : what;
    m_s.recorders[p.user - 1].problem(ProblemKind::error, k_process_error, digest, "", 0);
    note_process(p, what);
}

void Runner::reap() {
    for (auto it = m_s.live.begin(); it != m_s.live.end();) {
        if (it->child->poll()) {
            process_ended(*it);
            it = m_s.live.erase(it);
        } else {
            ++it;
        }
    }
}

void Runner::publish_events() {
    if (m_s.events.empty()) {
        return;
    }
    auto batch = std::make_shared<EventBatch>();
    batch->events = std::move(m_s.events);
    m_s.events = EventBuffer{};
    batch->test = m_s.fqn;
    m_s.listener->publish(std::move(batch));
}

RunStats Runner::collect() {
    RunStats interval = std::move(m_s.interval);
    m_s.interval.clear();
    m_s.total.merge(interval);
    return interval;
}

void Runner::tick(clock::time_point now) {
    if (now >= m_next_events) {
        m_next_events = now + k_events_period;
        publish_events();
    }
    if (now >= m_next_progress) {
        m_next_progress = now + k_progress_period;
        double fraction = 0;
        if (m_run.duration) {
            const double per_step = std::chrono::duration<double>(*m_run.duration).count();
            const double in_step =
                std::min(std::chrono::duration<double>(now - m_step_start).count(), per_step);
            fraction = (double(m_step_index) * per_step + in_step) / (double(m_steps) * per_step);
        } else if (m_total_tests > 0) {
            fraction = double(m_s.finished) / double(m_total_tests);
        }
        m_info.fraction = std::min(fraction, 1.0);
        m_info.elapsed = std::chrono::duration<double>(now - m_run_start).count();
        m_s.listener->on_progress(m_info);
    }
    if (now >= m_next_refresh) {
        m_next_refresh = now + k_refresh_period;
        m_info.elapsed = std::chrono::duration<double>(now - m_run_start).count();
        RunStats interval = collect();
        m_s.listener->on_refresh(m_s.total, std::move(interval), m_info);
    }
}

void Runner::run_step(const Step& step) {
    m_step = step;
    m_info.cycle = step.cycle;
    m_info.users = step.users;
    m_s.recorders.clear();
    m_s.outcomes.assign(std::size_t{step.users} + 1, LOADS_STATUS_SUCCESS);
    for (std::uint32_t u = 0; u <= step.users; ++u) {
        const EventPlace place{step.cycle, step.users, step.series, 0, u < step.users ? u : 0};
        m_s.recorders.emplace_back(m_s.interval, &m_s.events, m_s.mask, place);
    }
    m_step_start = clock::now();
    for (std::uint32_t u = 1; u <= step.users && !m_interrupt.load(); ++u) {
        start_process(step, u);
    }
    const auto limit =
        m_step_start + (m_run.duration ? *m_run.duration + m_plan.process_timeout
                                       : m_plan.process_timeout * std::max<std::uint32_t>(step.hits, 1));
    m_limit_seconds = std::chrono::duration<double>(limit - m_step_start).count();
    bool limit_reached = false;
    auto kill_at = clock::time_point::max();
    while (!m_s.live.empty()) {
        pump(k_receive_wait);
        const auto now = clock::now();
        const bool interrupt_now = !m_interrupted && m_interrupt.load();
        const bool limit_now = !limit_reached && now >= limit;
        // Reaped first when something is about to be decided: a process that exited a moment
        // ago must count as exited, not as cut off (or as interrupted when it had crashed).
        if (now >= m_next_reap || interrupt_now || limit_now) {
            m_next_reap = now + k_reap_period;
            reap();
            (void)m_s.receiver.open_connections();  // reads the monitor's events as they come
        }
        if (interrupt_now) {
            m_interrupted = true;
            for (Process& p : m_s.live) {
                p.interrupted = true;
                p.child->terminate();
            }
            kill_at = std::min(kill_at, now + k_kill_after);
        }
        if (limit_now) {
            limit_reached = true;
            for (Process& p : m_s.live) {
                if (!p.interrupted) {
                    p.timed_out = true;
                    p.child->terminate();
                }
            }
            kill_at = std::min(kill_at, now + k_kill_after);
        }
        if (now >= kill_at) {
            for (Process& p : m_s.live) {
                p.child->kill();
            }
            kill_at = clock::time_point::max();
        }
        tick(now);
    }
    // What the step's processes sent is counted as theirs before the next step's users replace
    // them (late messages would carry the wrong cycle and user into the events).
    settle();
    m_interrupted = m_interrupted || m_interrupt.load();
}

void Runner::settle() {
    const auto start = clock::now();
    auto last_frame = start;
    while (true) {
        const auto now = clock::now();
        tick(now);
        const bool closed = now >= start + k_settle_min && m_s.receiver.open_connections() == 0;
        if (pump(closed ? 0ms : k_receive_wait)) {
            last_frame = clock::now();
            continue;
        }
        if (closed) {
            return;
        }
        if (now - last_frame >= k_settle_idle) {
            // A connection outlives the processes that were started: something they started
            // holds it. Waiting longer would stall every step; saying so is the honest end.
            if (!m_s.lingering_noted) {
                m_s.lingering_noted = true;
                m_log << "loads-runner: " << m_s.receiver.open_connections()
                      << " connection(s) to the receiver stayed open after the external runners ended "
                         "(a process they started?); what comes on them later is not counted\n";
            }
            return;
        }
    }
}

RunReport Runner::run() {
    RunReport report;
    report.started = std::chrono::system_clock::now();
    m_run_start = clock::now();
    m_next_progress = m_run_start;
    m_next_refresh = m_run_start + k_refresh_period;
    m_next_events = m_run_start + k_events_period;
    m_next_reap = m_run_start;
    m_total_tests = m_run.total_tests();

    std::vector<Step> steps;
    for (std::size_t c = 0; c < m_run.users.size(); ++c) {
        if (m_run.duration) {
            steps.push_back({static_cast<std::uint32_t>(c), 0, m_run.users[c], 0});
            continue;
        }
        for (std::size_t h = 0; h < m_run.hits.size(); ++h) {
            steps.push_back({static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(h), m_run.users[c],
                             m_run.hits[h]});
        }
    }
    m_steps = steps.size();
    for (m_step_index = 0; m_step_index < steps.size() && !m_interrupted; ++m_step_index) {
        run_step(steps[m_step_index]);
    }
    publish_events();
    report.interrupted = m_interrupted;
    report.duration_seconds = std::chrono::duration<double>(clock::now() - m_run_start).count();
    report.stats = m_s.total;
    if (!report.interrupted) {
        m_info.fraction = 1.0;
        m_info.elapsed = report.duration_seconds;
        m_s.listener->on_progress(m_info);
    }
    report.progress = m_info.fraction;
    return report;
}

}  // namespace

RunReport ExternalEngine::run(const RunPlan& plan, RunListener& listener,
                              const std::atomic<bool>& interrupt) {
    State& s = *m_state;
    s.listener = &listener;
    s.mask = listener.wanted_events();
    s.fqn = plan.fqn;
    Runner runner(m_plan, m_log, s, m_log_dir, plan, interrupt);
    RunReport report = runner.run();
    // The last interval: what came since the last refresh.
    m_last_interval = std::move(s.interval);
    s.interval.clear();
    s.total.merge(m_last_interval);
    report.stats = s.total;
    // Whatever a process wrote is worth keeping (a traceback, a warning); silence is not.
    std::size_t kept = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(m_log_dir, ec)) {
        std::error_code e;
        if (entry.is_regular_file(e) && entry.path().extension() == ".log" && entry.file_size(e) > 0) {
            ++kept;
        }
    }
    if (kept > 0) {
        m_log << "loads-runner: the external runners' output is in " << m_log_dir.string() << " (" << kept
              << (kept == 1 ? " log)" : " logs)") << '\n';
    }
    return report;
}

}  // namespace loads::host
