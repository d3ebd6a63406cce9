#include "cluster/agent.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <unistd.h>

#include <zmq.hpp>

#include "base/child_process.hpp"
#include "base/json_value.hpp"
#include "base/json_writer.hpp"
#include "base/log.hpp"
#include "base/process_info.hpp"
#include "base/usage_error.hpp"
#include "cluster/broker_client.hpp"
#include "cluster/file_archive.hpp"
#include "cluster/protocol.hpp"
#include "cluster/zmq_message.hpp"

namespace loads::host {

namespace {

using steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

// The child runner's command line from the run's options. Only the options that shape what one
// agent runs are passed on (the outputs are the runner's, which gets the merged figures); a
// value that is not text is refused rather than guessed at.
std::string runner_arguments(const JsonValue& args, std::vector<std::string>& out) {
    const auto fqn = args.string_at("fqn");
    if (!fqn || fqn->empty() || fqn->starts_with('-')) {
        return "the run names no test";
    }
    out.emplace_back(*fqn);
    static const char* const k_valued[] = {
        "users",      "hits",      "duration",        "grace",      "server-url",  "threads",
        "stack-size", "timeout",   "connect-timeout", "ca-file",    "test-runner", "external-process-timeout",
        "rate",       "max-users", "stages",          "rate-stages"};
    for (const char* key : k_valued) {
        if (const JsonValue* v = args.find(key); v != nullptr && !v->is_null()) {
            const auto text = v->as_string();
            if (!text) {
                return std::string("option '") + key + "' is not text";
            }
            if (!text->empty()) {
                out.push_back(std::string("--") + key + "=" + std::string(*text));
            }
        }
    }
    for (const char* key : {"no-patching", "insecure"}) {
        if (args.string_at(key) == "true") {
            out.push_back(std::string("--") + key);
        }
    }
    return {};
}

// This agent's share of the run, as the broker's order says (an older broker says nothing: the
// agent then runs the whole plan on its own clock).
void share_arguments(const JsonValue& order, std::vector<std::string>& out) {
    const auto index = order.int_at("agent_index");
    const auto count = order.int_at("agent_count");
    if (index && count && *count > 1 && *index >= 0 && *index < *count) {
        out.push_back("--agent-index=" + std::to_string(*index));
        out.push_back("--agent-count=" + std::to_string(*count));
    }
    if (const auto seconds = order.number_at("start_at"); seconds && *seconds > 0 && *seconds < 1e11) {
        char text[32];
        std::snprintf(text, sizeof text, "%.6f", *seconds);
        out.push_back(std::string("--start-at=") + text);
    }
}

struct Job {
    fs::path dir;
    fs::path log;
    std::unique_ptr<ChildProcess> child;
    std::optional<steady::time_point> stop_sent;
};

}  // namespace

struct Agent::State {
    AgentSettings settings;
    std::string hostname = host_name();
    std::int64_t pid = getpid();
    std::string id = hostname + "-" + std::to_string(pid);
    Endpoints endpoints;
    zmq::context_t context{1};
    zmq::socket_t backend{context, zmq::socket_type::dealer};
    zmq::socket_t register_{context, zmq::socket_type::push};
    zmq::socket_t heartbeat{context, zmq::socket_type::sub};
    std::map<std::string, Job> jobs;
    std::string broker_instance;
    steady::time_point last_broker_beat = steady::now();
    bool broker_lost = false;

    ~State() { stop_beats(); }

    bool wait_for_broker(const std::atomic<bool>& stop);
    void connect();
    // Beats go out from a thread of their own, so unpacking a large archive or starting a runner
    // on the agent's loop never looks like a dead agent to the broker.
    std::thread beat_thread;
    std::mutex beat_mutex;
    std::condition_variable beat_wake;
    std::vector<std::string> beat_runs;  ///< The runs its beats list (guarded by beat_mutex).
    bool beat_stop = false;              ///< Guarded by beat_mutex.

    std::string note(const char* type, const std::vector<std::string>& runs) const;
    std::vector<std::string> run_ids() const;  ///< The runs it has a runner for.
    void send_note(const char* type);
    void start_beats();
    void stop_beats();
    /// Tells the beat thread which runs the agent has now (after any change of `jobs`).
    void runs_changed();
    void report(const std::string& json);
    void on_backend(ZmqMessage& m);
    void on_heartbeat(ZmqMessage& m);
    void start_job(const std::string& run_id, const JsonValue& args, const JsonValue& order,
                   std::string_view archive);
    void refuse(const std::string& run_id, const std::string& why);
    void stop_job(const std::string& run_id);
    void reap();
    void prune_run_dirs(const fs::path& runs_dir);
    void shut_down();
};

Agent::Agent(AgentSettings settings) : m_state(std::make_unique<State>()) {
    m_state->settings = std::move(settings);
    if (m_state->settings.runner.empty()) {
        // The loads-runner beside this loads-agent.
        const auto dir = program_dir();
        m_state->settings.runner = (dir.empty() ? fs::path("loads-runner") : dir / "loads-runner").string();
    }
}

Agent::~Agent() = default;

const std::string& Agent::id() const noexcept {
    return m_state->id;
}

bool Agent::State::wait_for_broker(const std::atomic<bool>& stop) {
    BrokerClient client(settings.frontend, std::chrono::milliseconds(1000));
    bool said = false;
    while (!stop.load()) {
        std::optional<BrokerReply> reply;
        try {
            reply = client.try_call({{"command", JsonValue("PING")}});
        } catch (const ClusterError& e) {
            log_info(std::string("the broker refused the ping: ") + log_text(e.what()));
        }
        const JsonValue* e = reply ? reply->result.find("endpoints") : nullptr;
        if (e != nullptr) {
            const auto get = [&](const char* name) {
                return dialable_endpoint(std::string(e->string_at(name).value_or("")), settings.frontend);
            };
            endpoints.frontend = settings.frontend;
            endpoints.backend = get("backend");
            endpoints.register_ = get("register");
            endpoints.receiver = get("receiver");
            endpoints.heartbeat = get("heartbeat");
            endpoints.publisher = get("publisher");
            if (endpoints.backend.empty() || endpoints.register_.empty() || endpoints.receiver.empty() ||
                endpoints.heartbeat.empty()) {
                log_info(
                    "the broker's ping lists no backend, register, receiver or heartbeat endpoint; retrying");
            } else {
                return true;
            }
        } else if (!said) {
            log_info("waiting for the broker at " + settings.frontend);
            said = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
}

void Agent::State::connect() {
    backend.set(zmq::sockopt::routing_id, id);
    // No size limit on the socket: a message over it would silently cut the connection and the
    // run would never hear why. The broker bounds what it sends; the archive's own limit is
    // checked (and reported) when it is unpacked.
    backend.set(zmq::sockopt::linger, 1000);
    register_.set(zmq::sockopt::immediate, true);  // a beat nobody can take now is worthless later
    register_.set(zmq::sockopt::linger, 1000);
    heartbeat.set(zmq::sockopt::subscribe, "");
    heartbeat.set(zmq::sockopt::linger, 0);
    heartbeat.set(zmq::sockopt::maxmsgsize, std::int64_t{4096});
    try {
        backend.connect(endpoints.backend);
        register_.connect(endpoints.register_);
        heartbeat.connect(endpoints.heartbeat);
    } catch (const zmq::error_t& e) {
        throw EnvironmentError(std::string("cannot connect to the broker's sockets: ") + e.what());
    }
}

std::string Agent::State::note(const char* type, const std::vector<std::string>& runs) const {
    JsonWriter w;
    w.begin_object()
        .member("type", type)
        .member("agent_id", id)
        .member("hostname", hostname)
        .member("pid", pid);
    w.key("runs").begin_array();
    for (const auto& run_id : runs) {
        w.value(run_id);
    }
    w.end_array().end_object();
    return w.take();
}

std::vector<std::string> Agent::State::run_ids() const {
    std::vector<std::string> runs;
    for (const auto& [run_id, job] : jobs) {
        runs.push_back(run_id);
    }
    return runs;
}

void Agent::State::send_note(const char* type) {
    send_message(register_, {note(type, run_ids())}, true);
}

void Agent::State::runs_changed() {
    std::vector<std::string> runs = run_ids();
    const std::lock_guard lock(beat_mutex);
    beat_runs = std::move(runs);
}

void Agent::State::start_beats() {
    beat_thread = std::thread([this] {
        // Its own socket: a ZeroMQ socket belongs to one thread.
        zmq::socket_t beats(context, zmq::socket_type::push);
        beats.set(zmq::sockopt::immediate, true);  // a beat nobody can take now is worthless later
        beats.set(zmq::sockopt::linger, 0);
        beats.connect(endpoints.register_);
        std::unique_lock lock(beat_mutex);
        while (!beat_stop) {
            const std::string text = note("BEAT", beat_runs);
            lock.unlock();
            send_message(beats, {text}, true);
            lock.lock();
            beat_wake.wait_for(lock, k_beat_period, [&] { return beat_stop; });
        }
    });
}

void Agent::State::stop_beats() {
    {
        const std::lock_guard lock(beat_mutex);
        beat_stop = true;
    }
    beat_wake.notify_all();
    if (beat_thread.joinable()) {
        beat_thread.join();
    }
}

void Agent::State::report(const std::string& json) {
    if (!send_message(backend, {json}, true)) {
        log_info("could not report to the broker (queue full): " + log_text(json));
    }
}

void Agent::serve(const std::atomic<bool>& stop) {
    State& s = *m_state;
    if (!s.wait_for_broker(stop)) {
        return;
    }
    s.connect();
    s.send_note("REGISTER");
    log_info("agent " + s.id + " registered with the broker at " + s.settings.frontend + " (backend " +
             s.endpoints.backend + ", register " + s.endpoints.register_ + ", heartbeat " +
             s.endpoints.heartbeat + ", receiver " + s.endpoints.receiver + ")");
    s.last_broker_beat = steady::now();
    s.start_beats();
    ZmqMessage message;
    while (!stop.load()) {
        zmq::pollitem_t items[] = {{s.backend.handle(), 0, ZMQ_POLLIN, 0},
                                   {s.heartbeat.handle(), 0, ZMQ_POLLIN, 0}};
        try {
            zmq::poll(items, 2, std::chrono::milliseconds(100));
        } catch (const zmq::error_t& e) {
            if (e.num() != EINTR) {
                throw;
            }
        }
        for (int n = 0; n < 64 && receive_message(s.backend, message, 3); ++n) {
            try {
                if (message.too_many_frames) {
                    throw std::runtime_error("too many frames");
                }
                s.on_backend(message);
            } catch (const std::exception& e) {
                log_info(std::string("dropped a message from the broker: ") + log_text(e.what()));
            }
        }
        for (int n = 0; n < 64 && receive_message(s.heartbeat, message, 2); ++n) {
            s.on_heartbeat(message);
        }
        const auto now = steady::now();
        if (!s.broker_lost && now - s.last_broker_beat > k_missed_beats * k_beat_period) {
            s.broker_lost = true;
            log_info("lost the broker (no heartbeat for " + std::to_string(k_missed_beats) +
                     " s): runs go on; registering again when it is back");
        }
        s.reap();
        for (auto& [run_id, job] : s.jobs) {
            if (job.stop_sent &&
                now - *job.stop_sent > std::chrono::duration<double>(s.settings.stop_timeout)) {
                log_info("run " + run_id + ": the loads-runner did not stop on SIGTERM; killing it");
                job.child->kill();
                job.stop_sent.reset();
            }
        }
    }
    s.shut_down();
}

void Agent::State::on_heartbeat(ZmqMessage& m) {
    if (m.size() != 2 || m.view(0) != k_beat_frame || m.view(1).empty()) {
        log_debug("ignored a heartbeat that is not one");
        return;
    }
    last_broker_beat = steady::now();
    const std::string instance(m.view(1));
    if (broker_lost || instance != broker_instance) {
        if (broker_lost || !broker_instance.empty()) {
            log_info(instance != broker_instance && !broker_instance.empty()
                         ? "the broker restarted: registering again"
                         : "the broker is back: registering again");
        }
        broker_lost = false;
        broker_instance = instance;
        send_note("REGISTER");
    }
}

void Agent::State::on_backend(ZmqMessage& m) {
    const JsonValue order = JsonValue::parse(m.view(0));
    const auto command = order.string_at("command");
    const auto run_id = order.string_at("run_id");
    if (!command || !run_id) {
        throw std::runtime_error("an order needs \"command\" and \"run_id\"");
    }
    if (*command == "RUN") {
        const JsonValue* args = order.find("args");
        if (args == nullptr || !args->is_object()) {
            refuse(std::string(*run_id), "the run has no options");
            return;
        }
        start_job(std::string(*run_id), *args, order, m.size() > 1 ? m.view(1) : std::string_view());
    } else if (*command == "STOP") {
        stop_job(std::string(*run_id));
    } else {
        throw std::runtime_error("unknown command " + log_text(*command, 40));
    }
}

void Agent::State::refuse(const std::string& run_id, const std::string& why) {
    log_info("run " + log_text(run_id, 64) + " refused: " + log_text(why));
    JsonWriter w;
    w.begin_object().member("event", "refused").member("run_id", run_id).member("message", why).end_object();
    report(w.text());
}

void Agent::State::start_job(const std::string& run_id, const JsonValue& args, const JsonValue& order,
                             std::string_view archive) {
    if (!plausible_run_id(run_id)) {
        refuse(run_id, "not a run id");
        return;
    }
    if (jobs.count(run_id) != 0) {
        refuse(run_id, "this agent already runs it");
        return;
    }
    std::vector<std::string> argv;
    if (const std::string bad = runner_arguments(args, argv); !bad.empty()) {
        refuse(run_id, bad);
        return;
    }
    share_arguments(order, argv);
    // <test-dir or work dir>/<agent id>/<run id>: agents sharing a box and runs sharing an agent
    // never share a directory.
    fs::path base = settings.work_dir;
    if (const auto test_dir = args.string_at("test-dir"); test_dir && !test_dir->empty()) {
        // A relative --test-dir means nothing on this box (the runner's current directory is
        // elsewhere): it lives under the agent's own work dir.
        base = fs::path(std::string(*test_dir));
        if (base.is_relative()) {
            base = settings.work_dir / base;
        }
    }
    Job job;
    job.dir = base / id / run_id;
    std::error_code ec;
    fs::create_directories(job.dir, ec);
    if (ec || !fs::is_empty(job.dir, ec)) {
        refuse(run_id,
               "cannot make an empty directory " + job.dir.string() + (ec ? ": " + ec.message() : ""));
        return;
    }
    try {
        if (!archive.empty()) {
            const auto files = unpack_archive(archive, job.dir, settings.max_upload_bytes);
            log_info("run " + run_id + ": " + std::to_string(files.size()) + " file(s) unpacked in " +
                     job.dir.string());
        }
    } catch (const std::exception& e) {
        refuse(run_id, std::string("files refused: ") + e.what());
        return;
    }
    argv.insert(argv.end(), {"--quiet", "--zmq-receiver=" + endpoints.receiver, "--run-id=" + run_id,
                             "--agent-id=" + id});
    job.log = job.dir / "loads-runner.log";
    try {
        job.child = ChildProcess::spawn({settings.runner, argv, job.dir, job.log, {}, false});
    } catch (const std::exception& e) {
        refuse(run_id, e.what());
        return;
    }
    log_info("run " + run_id + ": started " + log_text(*args.string_at("fqn"), 200) + " (pid " +
             std::to_string(job.child->pid()) + ") in " + job.dir.string());
    JsonWriter w;
    w.begin_object()
        .member("event", "started")
        .member("run_id", run_id)
        .member("pid", job.child->pid())
        .end_object();
    report(w.text());
    jobs.emplace(run_id, std::move(job));
    runs_changed();
}

void Agent::State::stop_job(const std::string& run_id) {
    const auto it = jobs.find(run_id);
    if (it == jobs.end()) {
        log_debug("asked to stop run " + log_text(run_id, 64) + ", which this agent does not run");
        return;
    }
    if (!it->second.stop_sent) {
        log_info("run " + run_id + ": stopping its loads-runner");
        it->second.child->terminate();
        it->second.stop_sent = steady::now();
    }
}

void Agent::State::reap() {
    for (auto it = jobs.begin(); it != jobs.end();) {
        Job& job = it->second;
        if (!job.child->poll()) {
            ++it;
            continue;
        }
        const int code = job.child->exit_code();
        const int sig = job.child->signal();
        const std::string line = code == 0 ? std::string() : last_log_line(job.log);
        log_info("run " + it->first + ": loads-runner ended (" +
                 (sig ? "signal " + std::to_string(sig) : "status " + std::to_string(code)) + ")" +
                 (line.empty() ? "" : ": " + line));
        JsonWriter w;
        w.begin_object().member("event", "ended").member("run_id", it->first).member("exit_code", code);
        w.member("signal", sig).member("message", line).end_object();
        report(w.text());
        const fs::path runs_dir = job.dir.parent_path();
        it = jobs.erase(it);
        runs_changed();
        prune_run_dirs(runs_dir);
    }
}

void Agent::State::prune_run_dirs(const fs::path& runs_dir) {
    // <base>/<agent id>/<run id>: each holds a copy of the shipped files; an agent that runs for
    // months must not fill its disk. The newest are kept for their logs; a live run never goes.
    std::vector<std::pair<fs::file_time_type, fs::path>> ended;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(runs_dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_directory(ec) && !entry.is_symlink(ec) && jobs.count(name) == 0) {
            ended.emplace_back(entry.last_write_time(ec), entry.path());
        }
    }
    if (ended.size() <= settings.keep_runs) {
        return;
    }
    std::sort(ended.begin(), ended.end());
    for (std::size_t i = 0; i + settings.keep_runs < ended.size(); ++i) {
        fs::remove_all(ended[i].second, ec);
    }
}

void Agent::State::shut_down() {
    for (auto& [run_id, job] : jobs) {
        job.child->terminate();
    }
    const auto deadline = steady::now() + std::chrono::duration<double>(settings.stop_timeout);
    while (!jobs.empty() && steady::now() < deadline) {
        reap();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    jobs.clear();  // kills and reaps what is left
    stop_beats();
    send_note("UNREGISTER");
    log_info("agent " + id + " stopped");
}

}  // namespace loads::host
