#include "cluster/broker/broker.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include <unistd.h>

#include "base/json_value.hpp"
#include "base/json_writer.hpp"
#include "base/log.hpp"
#include "base/usage_error.hpp"
#include "cluster/broker/active_run.hpp"
#include "cluster/broker/agent_registry.hpp"
#include "cluster/broker/run_store.hpp"
#include "cluster/broker_client.hpp"
#include "cluster/protocol.hpp"
#include "cluster/run_request.hpp"
#include "cluster/zmq_message.hpp"
#include "results/stats_codec.hpp"

namespace loads::host {

namespace {

using steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

// The largest JSON body any socket takes: requests, reports and headers are a few KiB, and a
// JSON text costs dozens of times its size to parse.
constexpr std::size_t k_max_json = 256 * 1024;
// How often silent agents are looked for and runs waiting for figures are re-checked.
constexpr auto k_check_period = std::chrono::milliseconds(250);
// The most runs one agent may say it is busy with (an agent runs one at a time, a few while
// orphans stop): a bound on what one beat can make the broker do.
constexpr std::size_t k_max_runs_per_agent = 64;

double epoch_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void write_agent(JsonWriter& w, const StoredAgent& a) {
    w.begin_object()
        .member("agent_id", a.agent_id)
        .member("hostname", a.hostname)
        .member("pid", a.pid)
        .member("state", a.state)
        .member("changed_at", a.changed_at)
        .member("message", a.message)
        .end_object();
}

// The members CTRL_GET_RUN describes any run with, active or stored; the object stays open.
void write_run_head(JsonWriter& w, const std::string& run_id, const std::string& fqn,
                    const std::string& options_json, const std::vector<std::string>& observers,
                    double started, bool active, const std::string& status) {
    w.begin_object().member("run_id", run_id).member("fqn", fqn).key("options").raw(options_json);
    w.key("observers").begin_array();
    for (const auto& o : observers) {
        w.value(o);
    }
    w.end_array().member("started", started).member("active", active).member("status", status);
}

StoredAgent stored(const RunAgent& a) {
    return {a.id, a.hostname, a.pid, state_name(a.state), a.changed_at, a.message};
}

struct Reply {
    std::string key = "result";  ///< "result" or "error"
    std::string json;            ///< The value of key.
    std::vector<std::string> frames;
};

Reply error_reply(const std::string& message) {
    JsonWriter w;
    w.value(message);
    return {"error", w.take(), {}};
}

}  // namespace

struct Broker::State {
    BrokerSettings settings;
    RunEndHandler on_run_end;
    std::string instance = random_hex(8);
    zmq::context_t context;
    zmq::socket_t frontend{context, zmq::socket_type::router};
    zmq::socket_t backend{context, zmq::socket_type::router};
    zmq::socket_t register_{context, zmq::socket_type::pull};
    zmq::socket_t receiver{context, zmq::socket_type::pull};
    zmq::socket_t publisher{context, zmq::socket_type::pub};
    zmq::socket_t heartbeat{context, zmq::socket_type::pub};
    std::unique_ptr<RunStore> store;
    AgentRegistry agents;
    std::map<std::string, std::unique_ptr<ActiveRun>, std::less<>> runs;

    State(BrokerSettings s, RunEndHandler handler)
        : settings(std::move(s)), on_run_end(std::move(handler)), context(settings.io_threads) {}

    void bind_all();
    void serve(const std::atomic<bool>& stop);

    /// Hands a message to its socket's handler (0 frontend, 1 backend, 2 register, 3 receiver).
    void dispatch(std::size_t socket, ZmqMessage& m);
    // Each socket's messages; any exception they throw drops the message, logged.
    void on_frontend(ZmqMessage& m);
    void on_backend(ZmqMessage& m);
    void on_register(ZmqMessage& m);
    void on_receiver(ZmqMessage& m);
    void on_beat();
    void on_check(steady::time_point now);

    Reply handle_request(const std::string& command, const JsonValue& request, const ZmqMessage& m);
    /// The registered agents, by id (PING's "agents", LIST's result).
    void write_registry(JsonWriter& w) const;
    Reply ping() const;
    /// CTRL_RUN, in steps: the request read, its run id claimed, its agents reserved, the run
    /// stored, the order sent to each agent, the reply.
    Reply start_run(const JsonValue& request, const ZmqMessage& m);
    /// Names the run if the runner did not; else "" when the id is free, or why it cannot be used.
    std::string claim_run_id(std::string& run_id);
    /// Reserves the agents `wanted` asks for into `picked`; "" or why they cannot be had.
    std::string reserve_agents(const RunRequest& wanted, std::vector<std::string>& picked);
    std::vector<RunAgent> new_members(const std::vector<std::string>& picked, double now) const;
    /// Records the run as running in the database; "" or why it cannot be.
    std::string store_new_run(const RunDescription& description, const std::vector<RunAgent>& members);
    /// Sends the run's order (and its files, the attachment of `m`) to every picked agent; one
    /// that cannot be reached has failed its part.
    void dispatch_run(ActiveRun& run, const RunRequest& wanted, const std::vector<std::string>& picked,
                      const ZmqMessage& m);
    bool send_run_order(const std::string& agent_id, const std::string& order,
                        const std::shared_ptr<const std::string>& archive);
    static Reply run_started_reply(const std::string& run_id, const std::vector<std::string>& picked);
    Reply list_runs() const;
    Reply stop_run(const JsonValue& request);
    Reply get_run(const JsonValue& request);

    void send_to_agent(const std::string& agent_id, const std::string& json);
    void publish(const std::string& run_id, const std::string& json, const std::vector<std::string>& frames);
    /// Publishes and stores what changed in `run`, and ends it when it is over.
    void after_change(ActiveRun& run);
    void finish(ActiveRun& run);
    void store_safely(const char* what, const std::function<void()>& fn);
};

Broker::Broker(BrokerSettings settings, RunEndHandler on_run_end)
    : m_state(std::make_unique<State>(std::move(settings), std::move(on_run_end))) {
    State& s = *m_state;
    const std::string& frontend = s.settings.endpoints.frontend;
    if (!ipc_file_missing(frontend)) {
        BrokerClient probe(dialable_endpoint(frontend, frontend), std::chrono::milliseconds(1000));
        std::optional<BrokerReply> reply;
        try {
            reply = probe.try_call({{"command", JsonValue("PING")}});
        } catch (const ClusterError&) {
            reply = BrokerReply{};  // something answered, with an error: still not ours to take over
        }
        if (reply) {
            const auto pid = reply->result.int_at("pid");
            throw EnvironmentError("a broker is already running on " + frontend +
                                   (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
                                   ": stop it first or give this one other endpoints");
        }
    }
    try {
        std::error_code ec;
        if (s.settings.db_path.has_parent_path()) {
            fs::create_directories(s.settings.db_path.parent_path(), ec);
        }
        s.store = std::make_unique<RunStore>(s.settings.db_path, s.settings.db_max_bytes);
        const auto closed = s.store->close_unfinished("broker-restarted", epoch_now());
        for (const auto& id : closed) {
            log_info("run " + id + " was still running when the broker stopped: stored as broker-restarted");
        }
    } catch (const StoreError& e) {
        throw EnvironmentError(e.what());
    }
    s.bind_all();
}

Broker::~Broker() = default;

void Broker::serve(const std::atomic<bool>& stop) {
    m_state->serve(stop);
}

void Broker::State::bind_all() {
    const Endpoints& e = settings.endpoints;
    const std::int64_t small = 1 << 20;
    frontend.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(settings.max_archive_bytes) + small);
    frontend.set(zmq::sockopt::router_mandatory, true);
    backend.set(zmq::sockopt::maxmsgsize, small);
    backend.set(zmq::sockopt::router_mandatory, true);  // a send to a gone agent fails, not vanishes
    register_.set(zmq::sockopt::maxmsgsize, std::int64_t{64} << 10);
    receiver.set(zmq::sockopt::maxmsgsize, std::int64_t{32} << 20);
    receiver.set(zmq::sockopt::rcvhwm, 100'000);
    // A runner that does not read loses messages (and fetches the run's total again), never pins
    // the broker's memory.
    publisher.set(zmq::sockopt::sndhwm, 1000);
    heartbeat.set(zmq::sockopt::sndhwm, 10);
    for (auto* socket : {&frontend, &backend, &register_, &receiver, &publisher, &heartbeat}) {
        socket->set(zmq::sockopt::linger, 0);
    }
    const std::pair<zmq::socket_t*, std::pair<const char*, const std::string*>> binds[] = {
        {&frontend, {"frontend", &e.frontend}},    {&backend, {"backend", &e.backend}},
        {&register_, {"register", &e.register_}},  {&receiver, {"receiver", &e.receiver}},
        {&publisher, {"publisher", &e.publisher}}, {&heartbeat, {"heartbeat", &e.heartbeat}},
    };
    for (const auto& [socket, what] : binds) {
        try {
            socket->bind(*what.second);
        } catch (const zmq::error_t& err) {
            throw EnvironmentError(std::string("cannot bind the ") + what.first + " socket to " +
                                   *what.second + ": " + err.what());
        }
    }
}

void Broker::State::serve(const std::atomic<bool>& stop) {
    log_info("broker running on pid " + std::to_string(getpid()) + ", frontend " +
             settings.endpoints.frontend);
    auto next_beat = steady::now();
    auto next_check = steady::now() + k_check_period;
    auto last_loop = steady::now();
    ZmqMessage message;
    while (!stop.load()) {
        zmq::pollitem_t items[] = {
            {frontend.handle(), 0, ZMQ_POLLIN, 0},
            {backend.handle(), 0, ZMQ_POLLIN, 0},
            {register_.handle(), 0, ZMQ_POLLIN, 0},
            {receiver.handle(), 0, ZMQ_POLLIN, 0},
        };
        try {
            zmq::poll(items, 4, std::chrono::milliseconds(50));
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) {
                continue;
            }
            throw;
        }
        const auto now = steady::now();
        // A loop held up (a slow disk under the database, a stopped process) has not heard the
        // agents' beats either: give them fresh time instead of declaring them all lost.
        if (now - last_loop > 2 * k_beat_period) {
            agents.refresh_all(now);
        }
        last_loop = now;
        // Figures first, then the agents' reports and beats, then requests: an agent's final
        // figures are taken before its "ended" or its unregistration can end its part without them.
        static constexpr const char* k_names[] = {"frontend", "backend", "register", "receiver"};
        static constexpr std::size_t k_max_frames[] = {8, 4, 2, 4};
        static constexpr std::size_t k_order[] = {3, 1, 2, 0};
        zmq::socket_t* const sockets[] = {&frontend, &backend, &register_, &receiver};
        for (const std::size_t i : k_order) {
            if (!(items[i].revents & ZMQ_POLLIN)) {
                continue;
            }
            // A bounded batch per socket, so a flood on one cannot starve the others; beats are
            // small and decide who is alive, so the register socket is always read to its end.
            for (int n = 0; (i == 2 || n < 256) && !stop.load() &&
                            receive_message(*sockets[i], message, k_max_frames[i]);
                 ++n) {
                try {
                    if (message.too_many_frames) {
                        throw std::runtime_error("too many frames");
                    }
                    dispatch(i, message);
                } catch (const std::exception& e) {
                    log_info(std::string("dropped a message on the ") + k_names[i] +
                             " socket: " + log_text(e.what()));
                }
            }
        }
        if (now >= next_beat) {
            next_beat = now + k_beat_period;
            on_beat();
        }
        if (now >= next_check) {
            next_check = now + k_check_period;
            on_check(now);
        }
    }
    // The ipc socket files go with the broker (as the original's did): a file left behind would
    // make clients wait for an answer instead of being told at once that no broker runs there.
    const Endpoints& e = settings.endpoints;
    for (const std::string* endpoint :
         {&e.frontend, &e.backend, &e.register_, &e.receiver, &e.publisher, &e.heartbeat}) {
        if (const std::string path = ipc_path(*endpoint); !path.empty()) {
            std::error_code ec;
            fs::remove(path, ec);
        }
    }
    log_info("broker stopping");
}

void Broker::State::dispatch(std::size_t socket, ZmqMessage& m) {
    switch (socket) {
        case 0:
            on_frontend(m);
            break;
        case 1:
            on_backend(m);
            break;
        case 2:
            on_register(m);
            break;
        default:
            on_receiver(m);
            break;
    }
}

// ---- frontend: runners' requests

void Broker::State::on_frontend(ZmqMessage& m) {
    // [client id, "", json, attachment?]
    if (m.size() < 3 || !m.frames[1].empty()) {
        throw std::runtime_error("not a request (expected an empty delimiter frame, then JSON)");
    }
    const std::string client(m.view(0));
    Reply reply;
    JsonValue request;
    const JsonValue* id = nullptr;
    try {
        if (m.frames[2].size() > k_max_json) {
            throw JsonParseError("too long");  // parsing costs dozens of times the text: refused unread
        }
        request = JsonValue::parse(m.view(2));
        id = request.find("id");
        const auto command = request.string_at("command");
        if (!request.is_object() || !command) {
            reply = error_reply("a request is a JSON object with a \"command\"");
        } else {
            reply = handle_request(std::string(*command), request, m);
        }
    } catch (const JsonParseError&) {
        reply = error_reply("Invalid JSON received.");
    }
    JsonWriter w;
    w.begin_object();
    if (id != nullptr && (id->as_int() || id->as_string())) {
        w.key("id").raw(id->dump());
    }
    w.key(reply.key).raw(reply.json).end_object();
    std::vector<std::string_view> frames{client, std::string_view(), w.text()};
    for (const auto& f : reply.frames) {
        frames.push_back(f);
    }
    // Never waiting: a client that does not read its replies (its queue full) loses them, and
    // never holds the broker.
    if (!send_message(frontend, frames, true)) {
        log_debug("a reply could not be sent (the runner left, or does not read)");
    }
}

Reply Broker::State::handle_request(const std::string& command, const JsonValue& request,
                                    const ZmqMessage& m) {
    if (command != "CTRL_RUN" && m.size() > 3) {
        return error_reply("only CTRL_RUN takes an attachment");
    }
    if (command == "PING") {
        return ping();
    }
    if (command == "LIST") {
        JsonWriter w;
        write_registry(w);
        return {"result", w.take(), {}};
    }
    if (command == "CTRL_RUN") {
        return start_run(request, m);
    }
    if (command == "CTRL_LIST_RUNS") {
        return list_runs();
    }
    if (command == "CTRL_STOP_RUN") {
        return stop_run(request);
    }
    if (command == "CTRL_GET_RUN") {
        return get_run(request);
    }
    return error_reply("unknown command " + log_text(command, 60));
}

void Broker::State::write_registry(JsonWriter& w) const {
    w.begin_object();
    for (const auto& [id, a] : agents.agents()) {
        w.key(id).begin_object().member("agent_id", id).member("hostname", a.hostname).member("pid", a.pid);
        w.member("run_id", a.run_id).end_object();
    }
    w.end_object();
}

Reply Broker::State::ping() const {
    const Endpoints& e = settings.endpoints;
    JsonWriter w;
    w.begin_object().member("pid", static_cast<std::int64_t>(getpid())).member("version", LOADS_VERSION);
    w.member("instance", instance).member("max_upload", settings.max_archive_bytes);
    w.key("endpoints").begin_object();
    w.member("backend", e.backend).member("frontend", e.frontend).member("heartbeat", e.heartbeat);
    w.member("publisher", e.publisher).member("receiver", e.receiver).member("register", e.register_);
    w.end_object();
    w.key("agents");
    write_registry(w);
    w.key("runs").begin_object();
    for (const auto& [id, run] : runs) {
        w.key(id)
            .begin_object()
            .member("fqn", run->description().fqn)
            .member("started", run->description().started);
        w.member("agents", run->agents().size()).end_object();
    }
    w.end_object().end_object();
    return {"result", w.take(), {}};
}

Reply Broker::State::start_run(const JsonValue& request, const ZmqMessage& m) {
    RunRequest wanted;
    // on_frontend took [client id, "", json]: what follows is attached.
    if (const std::string refused = parse_run_request(request, m.size() - 3, wanted); !refused.empty()) {
        return error_reply(refused);
    }
    if (const std::string refused = claim_run_id(wanted.run_id); !refused.empty()) {
        return error_reply(refused);
    }
    std::vector<std::string> picked;
    if (const std::string refused = reserve_agents(wanted, picked); !refused.empty()) {
        return error_reply(refused);
    }
    const double now = epoch_now();
    RunDescription description{wanted.run_id,          wanted.fqn, wanted.args_json,
                               wanted.observers,       now,        std::move(wanted.observer_values),
                               wanted.observer_timeout};
    const std::vector<RunAgent> members = new_members(picked, now);
    if (const std::string refused = store_new_run(description, members); !refused.empty()) {
        for (const auto& id : picked) {
            agents.release(id);
        }
        return error_reply(refused);
    }
    auto run = std::make_unique<ActiveRun>(std::move(description), members);
    ActiveRun& r = *run;
    runs[wanted.run_id] = std::move(run);
    dispatch_run(r, wanted, picked, m);
    log_info("run " + r.id() + " started on " + std::to_string(picked.size()) +
             " agent(s): " + log_text(r.description().fqn));
    Reply reply = run_started_reply(r.id(), picked);
    after_change(r);  // an agent that could not be reached is already failed; this may end the run
    return reply;
}

std::string Broker::State::claim_run_id(std::string& run_id) {
    if (run_id.empty()) {
        run_id = new_run_id();
        return {};
    }
    bool taken = runs.count(run_id) != 0;
    try {
        taken = taken || store->find_run(run_id).has_value();
    } catch (const StoreError& e) {
        return std::string("the broker cannot read its database: ") + e.what();
    }
    return taken ? "run id " + run_id + " is taken" : std::string();
}

std::string Broker::State::reserve_agents(const RunRequest& wanted, std::vector<std::string>& picked) {
    // Counted before reserving: the refusal describes the registry the request found.
    const std::size_t registered = agents.agents().size();
    const std::size_t idle = agents.idle_count();
    picked = agents.reserve(wanted.agents, wanted.run_id);
    if (!picked.empty()) {
        return {};
    }
    return "not enough agents: asked " + std::to_string(wanted.agents) + ", " + std::to_string(idle) +
           " available (" + std::to_string(registered) + " registered, " + std::to_string(registered - idle) +
           " busy)";
}

std::vector<RunAgent> Broker::State::new_members(const std::vector<std::string>& picked, double now) const {
    std::vector<RunAgent> members;
    for (const auto& id : picked) {
        const AgentEntry* entry = agents.find(id);
        RunAgent a;
        a.id = id;
        a.hostname = entry->hostname;
        a.pid = entry->pid;
        a.changed_at = now;
        members.push_back(std::move(a));
    }
    return members;
}

std::string Broker::State::store_new_run(const RunDescription& d, const std::vector<RunAgent>& members) {
    StoredRun record{d.run_id, d.fqn, d.options_json, d.observers, d.started, std::nullopt, "running", {}};
    for (const auto& a : members) {
        record.agents.push_back(stored(a));
    }
    try {
        store->begin_run(record);
    } catch (const StoreError& e) {
        return std::string("the broker cannot store the run: ") + e.what();
    }
    return {};
}

// Each agent gets its place among the run's agents (its share of an open-model run's arrivals)
// and, for a run that follows a clock, the instant every agent starts it: far enough ahead for
// each to unpack the files, start its runner and make its users.
void Broker::State::dispatch_run(ActiveRun& run, const RunRequest& wanted,
                                 const std::vector<std::string>& picked, const ZmqMessage& m) {
    const double start_at = run.description().started + k_shared_start_lead_seconds;
    // One copy of the files, shared by every agent's message.
    std::shared_ptr<const std::string> archive;
    if (m.size() == 4) {
        archive = std::make_shared<const std::string>(m.view(3));
    }
    for (std::size_t i = 0; i < picked.size(); ++i) {
        JsonWriter w;
        w.begin_object()
            .member("command", "RUN")
            .member("run_id", run.id())
            .member("agent_index", static_cast<std::int64_t>(i))
            .member("agent_count", static_cast<std::int64_t>(picked.size()));
        if (wanted.shared_clock) {
            w.member("start_at", start_at);
        }
        w.key("args").raw(wanted.args_json).end_object();
        if (!send_run_order(picked[i], w.take(), archive)) {
            run.agent_failed(picked[i], "the broker cannot reach it", epoch_now());
        }
    }
}

bool Broker::State::send_run_order(const std::string& agent_id, const std::string& order,
                                   const std::shared_ptr<const std::string>& archive) {
    try {
        // An agent whose queue is full is not waited for (one thread serves everyone): its part
        // fails.
        if (!backend.send(zmq::buffer(agent_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
            return false;
        }
        backend.send(zmq::buffer(order), archive ? zmq::send_flags::sndmore : zmq::send_flags::none);
        if (archive) {
            backend.send(shared_frame(archive), zmq::send_flags::none);
        }
        return true;
    } catch (const zmq::error_t&) {
        return false;
    }
}

Reply Broker::State::run_started_reply(const std::string& run_id, const std::vector<std::string>& picked) {
    JsonWriter result;
    result.begin_object().member("run_id", run_id).key("agents").begin_array();
    for (const auto& id : picked) {
        result.value(id);
    }
    result.end_array().end_object();
    return {"result", result.take(), {}};
}

Reply Broker::State::list_runs() const {
    JsonWriter w;
    w.begin_object();
    for (const auto& [id, run] : runs) {
        w.key(id)
            .begin_object()
            .member("fqn", run->description().fqn)
            .member("started", run->description().started);
        w.key("agents").begin_array();
        for (const auto& [agent_id, a] : run->agents()) {
            w.value(agent_id);
        }
        w.end_array().end_object();
    }
    w.end_object();
    return {"result", w.take(), {}};
}

Reply Broker::State::stop_run(const JsonValue& request) {
    const auto run_id = request.string_at("run_id");
    if (!run_id) {
        return error_reply("CTRL_STOP_RUN needs a \"run_id\"");
    }
    const auto it = runs.find(*run_id);
    if (it == runs.end()) {
        return error_reply("no active run " + log_text(*run_id, 60) + " on this broker");
    }
    ActiveRun& run = *it->second;
    run.request_stop();
    JsonWriter order;
    order.begin_object().member("command", "STOP").member("run_id", run.id()).end_object();
    JsonWriter result;
    result.begin_array();
    for (const auto& [id, a] : run.agents()) {
        if (a.state == AgentState::running) {
            send_to_agent(id, order.text());
            result.value(id);
        }
    }
    result.end_array();
    log_info("run " + run.id() + ": stop requested");
    return {"result", result.take(), {}};
}

Reply Broker::State::get_run(const JsonValue& request) {
    const auto run_id = request.string_at("run_id");
    if (!run_id) {
        return error_reply("CTRL_GET_RUN needs a \"run_id\"");
    }
    JsonWriter w;
    if (const auto it = runs.find(*run_id); it != runs.end()) {
        const ActiveRun& run = *it->second;
        const RunDescription& d = run.description();
        write_run_head(w, d.run_id, d.fqn, d.options_json, d.observers, d.started, true, run.status());
        w.member("seq", run.published_seq()).member("elapsed", epoch_now() - d.started);
        w.member("progress", run.progress()).key("agents").begin_array();
        for (const auto& [id, a] : run.agents()) {
            write_agent(w, stored(a));
        }
        w.end_array().end_object();
        return {"result", w.take(), {encode_stats(run.published_total())}};
    }
    std::optional<StoredRun> stored_run;
    std::optional<RunStats> total;
    try {
        stored_run = store->find_run(std::string(*run_id));
        if (stored_run) {
            total = store->total(stored_run->run_id);
        }
    } catch (const StoreError& e) {
        return error_reply(std::string("the broker cannot read its database: ") + e.what());
    }
    if (!stored_run) {
        return error_reply("no run " + log_text(*run_id, 60) + " on this broker");
    }
    const StoredRun& s = *stored_run;
    write_run_head(w, s.run_id, s.fqn, s.options_json, s.observers, s.started, false, s.status);
    if (s.ended) {
        w.member("ended", *s.ended).member("elapsed", *s.ended - s.started);
    }
    w.member("seq", 0).member("progress", 1.0).key("agents").begin_array();
    for (const auto& a : s.agents) {
        write_agent(w, a);
    }
    w.end_array().end_object();
    return {"result", w.take(), {encode_stats(total.value_or(RunStats()))}};
}

// ---- backend: what agents report

void Broker::State::on_backend(ZmqMessage& m) {
    // [agent id, json]
    if (m.size() != 2) {
        throw std::runtime_error("expected 2 frames, got " + std::to_string(m.size()));
    }
    const std::string agent_id(m.view(0));
    const JsonValue event = JsonValue::parse(m.view(1));
    const auto kind = event.string_at("event");
    const auto run_id = event.string_at("run_id");
    if (!kind || !run_id) {
        throw std::runtime_error("an agent event needs \"event\" and \"run_id\"");
    }
    const auto it = runs.find(*run_id);
    if (it == runs.end() || !it->second->has_agent(agent_id)) {
        log_debug("agent " + log_text(agent_id, 255) + " reported on run " + log_text(*run_id, 64) +
                  ", which it is not running");
        return;
    }
    ActiveRun& run = *it->second;
    const std::string message(event.string_at("message").value_or(""));
    if (*kind == "started") {
        run.agent_started(agent_id);
        log_info("run " + run.id() + ": agent " + agent_id + " started its loads-runner (pid " +
                 std::to_string(event.int_at("pid").value_or(0)) + ")");
    } else if (*kind == "refused") {
        run.agent_failed(agent_id, message.empty() ? "the agent refused the run" : message, epoch_now());
    } else if (*kind == "ended") {
        const auto code = event.int_at("exit_code");
        const auto signal = event.int_at("signal");
        if (!code || !signal) {
            throw std::runtime_error("an \"ended\" event needs \"exit_code\" and \"signal\"");
        }
        run.child_ended(agent_id, static_cast<int>(*code), static_cast<int>(*signal), message, epoch_now(),
                        steady::now());
    } else {
        throw std::runtime_error("unknown agent event " + log_text(*kind, 40));
    }
    after_change(run);
}

// ---- register: registrations and heartbeats

void Broker::State::on_register(ZmqMessage& m) {
    if (m.size() != 1) {
        throw std::runtime_error("expected 1 frame, got " + std::to_string(m.size()));
    }
    const JsonValue note = JsonValue::parse(m.view(0));
    const auto type = note.string_at("type");
    const auto agent_id = note.string_at("agent_id");
    // Agent ids name directories and fill log lines: printable text only.
    const auto printable = [](std::string_view v) {
        return std::none_of(v.begin(), v.end(),
                            [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
    };
    if (!type || !agent_id || agent_id->empty() || agent_id->size() > 255 || !printable(*agent_id)) {
        throw std::runtime_error("a registration needs \"type\" and a printable \"agent_id\"");
    }
    const std::string id(*agent_id);
    if (*type == "UNREGISTER") {
        if (const AgentEntry* entry = agents.find(id); entry != nullptr) {
            if (const auto it = runs.find(entry->run_id); it != runs.end()) {
                it->second->agent_gone(id, "the agent stopped during the run", epoch_now());
                after_change(*it->second);
            }
            agents.remove(id);
            log_info("agent " + log_text(id, 255) + " unregistered");
        }
        return;
    }
    if (*type != "REGISTER" && *type != "BEAT") {
        throw std::runtime_error("unknown registration type " + log_text(*type, 40));
    }
    const std::string hostname(note.string_at("hostname").value_or(""));
    const std::int64_t pid = note.int_at("pid").value_or(0);
    if (agents.seen(id, hostname, pid, steady::now())) {
        log_info("agent " + log_text(id, 255) + " registered (host " + log_text(hostname, 100) + ", pid " +
                 std::to_string(pid) + ")");
    }
    const JsonValue* busy = note.find("runs");
    if (busy == nullptr || busy->as_array() == nullptr || busy->as_array()->size() > k_max_runs_per_agent) {
        throw std::runtime_error("a registration needs \"runs\", a list of at most " +
                                 std::to_string(k_max_runs_per_agent) + " run ids");
    }
    // Runs the broker counts on this agent for but that it no longer lists (its report of the end
    // was lost, or it is a new process under the same id): after a grace, its part has failed.
    const auto listed = [&](const std::string& run_id) {
        return std::any_of(busy->as_array()->begin(), busy->as_array()->end(),
                           [&](const JsonValue& r) { return r.as_string() == run_id; });
    };
    for (auto& [run_id, run] : runs) {
        if (run->has_agent(id)) {
            run->agent_beat(id, listed(run_id), steady::now());
        }
    }
    // Runs the agent is still busy with that are not, or no longer, its runs here (it was lost,
    // or the broker restarted since): stop them, so no orphan load goes on unseen.
    {
        for (const auto& r : *busy->as_array()) {
            const auto run_id = r.as_string();
            if (!run_id) {
                continue;
            }
            const auto it = runs.find(*run_id);
            const bool ours = it != runs.end() && it->second->has_agent(id) &&
                              it->second->agents().at(id).state == AgentState::running;
            if (!ours) {
                JsonWriter order;
                order.begin_object().member("command", "STOP").member("run_id", *run_id).end_object();
                send_to_agent(id, order.text());
                log_info("agent " + log_text(id, 255) + " still runs " + log_text(*run_id, 60) +
                         ", which is not its run here: stopping it");
            }
        }
    }
}

// ---- receiver: the figures agents' child runners push

void Broker::State::on_receiver(ZmqMessage& m) {
    if (m.size() != 3 || m.view(0) != k_stats_frame) {
        throw std::runtime_error("not a loads-stats message");
    }
    if (m.frames[1].size() > k_max_json) {
        throw std::runtime_error("a loads-stats header that long is not one");
    }
    const JsonValue h = JsonValue::parse(m.view(1));
    RelayHeader header;
    const auto run_id = h.string_at("run_id");
    const auto agent_id = h.string_at("agent_id");
    const auto seq = h.int_at("seq");
    const auto final = h.bool_at("final");
    if (!run_id || !agent_id || !seq || *seq < 0 || !final) {
        throw std::runtime_error("a loads-stats header needs run_id, agent_id, seq and final");
    }
    header.run_id = *run_id;
    header.agent_id = *agent_id;
    header.seq = static_cast<std::uint64_t>(*seq);
    header.final = *final;
    header.interrupted = h.bool_at("interrupted").value_or(false);
    header.elapsed = h.number_at("elapsed").value_or(0);
    header.progress = h.number_at("progress").value_or(0);
    const auto it = runs.find(header.run_id);
    if (it == runs.end()) {
        throw std::runtime_error("figures for run " + log_text(header.run_id, 60) + ", which is not active");
    }
    RunStats figures;
    if (const std::string error = decode_stats(m.view(2), figures); !error.empty()) {
        throw std::runtime_error("figures from agent " + log_text(header.agent_id, 60) +
                                 " refused: " + error);
    }
    ActiveRun& run = *it->second;
    const double now = epoch_now();
    if (const std::string refused = run.add_figures(header, figures, now, steady::now()); !refused.empty()) {
        throw std::runtime_error(refused);
    }
    const StoredInterval interval{header.agent_id, header.seq, now, header.elapsed, std::string(m.view(2))};
    store_safely("store figures", [&] { store->add_interval(run.id(), interval); });
    after_change(run);
}

// ---- timers

void Broker::State::on_beat() {
    send_message(heartbeat, {k_beat_frame, instance}, true);
    const double now = epoch_now();
    for (auto& [id, run] : runs) {
        RunStats interval = run->take_interval();
        JsonWriter w;
        w.begin_object().member("type", "interval").member("seq", run->published_seq());
        w.member("elapsed", now - run->description().started)
            .member("progress", run->progress())
            .end_object();
        publish(id, w.text(), {encode_stats(interval)});
    }
}

void Broker::State::on_check(steady::time_point now) {
    const double epoch = epoch_now();
    for (const auto& id : agents.silent_since(now, k_missed_beats * k_beat_period)) {
        const AgentEntry* entry = agents.find(id);
        if (const auto it = runs.find(entry->run_id); it != runs.end()) {
            it->second->agent_lost(id, "no heartbeat for " + std::to_string(k_missed_beats) + " s", epoch);
        }
        log_info("agent " + id + " lost: no heartbeat for " + std::to_string(k_missed_beats) + " s");
        agents.remove(id);
    }
    std::vector<std::string> ids;
    for (const auto& [id, run] : runs) {
        ids.push_back(id);
    }
    for (const auto& id : ids) {
        ActiveRun& run = *runs.at(id);
        run.tick(epoch, now);
        after_change(run);  // may end and erase the run
    }
}

// ---- publishing, storing, ending

void Broker::State::send_to_agent(const std::string& agent_id, const std::string& json) {
    bool sent = false;
    try {
        sent = send_message(backend, {agent_id, json}, true);
    } catch (const zmq::error_t&) {
        sent = false;
    }
    if (!sent) {
        log_info("could not send to agent " + agent_id + " (gone?)");
    }
}

void Broker::State::publish(const std::string& run_id, const std::string& json,
                            const std::vector<std::string>& frames) {
    std::vector<std::string_view> all{run_id, json};
    for (const auto& f : frames) {
        all.push_back(f);
    }
    // A runner too slow to read is the runner's loss (its final summary comes whole in the end),
    // never a reason to hold the broker.
    send_message(publisher, all, true);
}

void Broker::State::store_safely(const char* what, const std::function<void()>& fn) {
    try {
        fn();
    } catch (const StoreError& e) {
        log_info(std::string("database: cannot ") + what + ": " + e.what());
    }
}

void Broker::State::after_change(ActiveRun& run) {
    for (const auto& id : run.take_changed_agents()) {
        const RunAgent& a = run.agents().at(id);
        if (a.state == AgentState::running) {
            continue;  // new in the run: stored by begin_run, nothing to announce
        }
        log_info("run " + run.id() + ": agent " + id + " " + state_name(a.state) +
                 (a.message.empty() ? "" : ": " + log_text(a.message)));
        JsonWriter w;
        w.begin_object().member("type", "agent").key("agent");
        write_agent(w, stored(a));
        w.end_object();
        publish(run.id(), w.text(), {});
        store_safely("store an agent's state", [&] { store->set_agent(run.id(), stored(a)); });
        // An agent whose part is over is free for other runs, unless it vanished.
        if (const AgentEntry* entry = agents.find(id); entry != nullptr && entry->run_id == run.id()) {
            agents.release(id);
        }
    }
    if (run.over()) {
        finish(run);
    }
}

void Broker::State::finish(ActiveRun& run) {
    const std::string run_id = run.id();  // erasing the run below frees its own copy
    const double ended = epoch_now();
    RunStats last = run.take_interval();
    const RunStats& total = run.published_total();
    const std::string status = run.status();
    JsonWriter w;
    w.begin_object().member("type", "finished").member("seq", run.published_seq()).member("status", status);
    w.member("started", run.description().started).member("ended", ended);
    w.member("elapsed", ended - run.description().started).key("agents").begin_array();
    std::vector<RunAgent> members;
    for (const auto& [id, a] : run.agents()) {
        write_agent(w, stored(a));
        members.push_back(a);
    }
    w.end_array().end_object();
    publish(run.id(), w.text(), {encode_stats(last), encode_stats(total)});
    store_safely("store the end of a run", [&] { store->end_run(run.id(), ended, status, total); });
    store_safely("prune old runs", [&] {
        for (const auto& id : store->prune()) {
            log_info("database over its size limit: run " + id + " deleted");
        }
    });
    const FinishedRun finished{run.description(), status, ended, members, total};
    log_info("run " + run.id() + " ended: " + run_summary_line(finished));
    if (on_run_end) {
        try {
            on_run_end(finished);
        } catch (const std::exception& e) {
            log_info("run " + run.id() + ": observers failed: " + log_text(e.what()));
        }
    }
    runs.erase(run_id);
}

}  // namespace loads::host
