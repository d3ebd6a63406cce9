#include "cluster/remote_run.hpp"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <poll.h>

#include <unistd.h>

#include "base/usage_error.hpp"
#include "cluster/broker_client.hpp"
#include "cluster/protocol.hpp"
#include "cluster/run_submission.hpp"
#include "cluster/run_watcher.hpp"
#include "engine/cycles.hpp"
#include "external/command_template.hpp"
#include "plugins/fqn.hpp"
#include "plugins/module_finder.hpp"
#include "plugins/plugin_module.hpp"
#include "reporting/run_info.hpp"
#include "reporting/threshold_watch.hpp"

namespace loads::host {

namespace {

constexpr int k_exit_cluster = 6;
constexpr int k_exit_stopped = 130;

std::string text_of(const JsonValue& v) {
    if (const auto s = v.as_string()) {
        return std::string(*s);
    }
    if (const auto* items = v.as_array()) {
        std::string joined;
        for (const auto& item : *items) {
            joined += (joined.empty() ? "" : ",") + text_of(item);
        }
        return joined;
    }
    return v.is_null() ? std::string() : v.dump();
}

// The run's options as outputs describe them (name, text), from the object the broker keeps.
std::vector<std::pair<std::string, std::string>> option_pairs(const JsonValue& args) {
    std::vector<std::pair<std::string, std::string>> out;
    if (const auto* members = args.as_object()) {
        for (const auto& [key, value] : *members) {
            out.emplace_back(key, text_of(value));
        }
    }
    return out;
}

// The open model and the stages, as a local run's plan holds them, for the outputs' description.
void add_load_profile(const JsonValue& args, RunPlan& plan) {
    const auto text = [&](const char* key) { return std::string(args.string_at(key).value_or("")); };
    if (const std::string stages = text("stages"); !stages.empty()) {
        plan.follow_user_stages(parse_stages(stages, StageTarget::users, "--stages"));
    }
    const std::string rate = text("rate");
    const std::string rate_stages = text("rate-stages");
    if (rate.empty() && rate_stages.empty()) {
        return;
    }
    OpenModel open;
    const std::string max_users = text("max-users");
    open.max_users =
        max_users.empty() ? plan.users.front() : static_cast<std::uint32_t>(std::stoul(max_users));
    if (!rate_stages.empty()) {
        plan.follow_rate_stages(std::move(open),
                                parse_stages(rate_stages, StageTarget::rate, "--rate-stages"));
        return;
    }
    open.rate = std::stod(rate);
    open.arrivals = plan.duration ? 0 : plan.hits.front();
    plan.open = std::move(open);
}

// What the outputs need of the plan (cycles, duration), read back from the run's options.
RunPlan plan_from_args(const JsonValue& args) {
    RunPlan plan;
    try {
        plan.users = parse_cycle(args.string_at("users").value_or("1"), "users");
        const std::string hits(args.string_at("hits").value_or(""));
        const std::string duration(args.string_at("duration").value_or(""));
        if (!duration.empty()) {
            plan.duration = std::chrono::milliseconds(static_cast<std::int64_t>(std::stod(duration) * 1000));
        } else if (!hits.empty()) {
            plan.hits = parse_cycle(hits, "hits");
        }
        add_load_profile(args, plan);
    } catch (const std::exception&) {
        // A run started by another tool with other options: describe what can be described.
    }
    plan.server_url = std::string(args.string_at("server-url").value_or(""));
    return plan;
}

// The broker's publisher as this runner can dial it, from the broker's PING (or --zmq-publisher).
std::string publisher_endpoint(const Options& o, const BrokerReply& ping) {
    if (!o.zmq_publisher.empty()) {
        return o.zmq_publisher;
    }
    const JsonValue* endpoints = ping.result.find("endpoints");
    const auto publisher = endpoints ? endpoints->string_at("publisher") : std::nullopt;
    if (!publisher || publisher->empty()) {
        throw ClusterError("the broker at " + o.broker + " names no publisher endpoint");
    }
    return dialable_endpoint(std::string(*publisher), o.broker);
}

// What every step of a distributed run needs: the options, where to talk to the user, and the
// signals that interrupt it.
struct Session {
    const Options& o;
    OutputHub& hub;
    /// Ctrl-C, or a threshold that stops the run (--abort-on-fail).
    std::atomic<bool>& interrupt;
    const std::atomic<int>& signal;  ///< The last signal (SIGINT asks; SIGTERM does not).
    std::istream& in;
    std::ostream& out;  ///< The commands' own output (stdout).
    std::ostream&
        info;  ///< Messages about the run: stdout, or stderr under --quiet (stdout may be a report).

    std::string reattach(const std::string& run_id) const {
        return "loads-runner --attach --run-id " + run_id +
               (o.broker != Options().broker ? " --broker " + o.broker : std::string());
    }
    BrokerClient client() const { return BrokerClient(o.broker, k_request_timeout, &interrupt); }
};

// Waits for an answer on stdin: on a terminal as long as the user takes; from a pipe or a file at
// most 30 s (a script that never answers must not hang the runner). @return false: no answer.
bool read_answer(std::istream& in, std::string& answer) {
    if (&in == &std::cin && !isatty(STDIN_FILENO)) {
        pollfd p{STDIN_FILENO, POLLIN, 0};
        int ready;
        do {
            ready = ::poll(&p, 1, 30'000);
        } while (ready < 0 && errno == EINTR);
        if (ready <= 0) {
            return false;
        }
    }
    return static_cast<bool>(std::getline(in, answer));
}

// Stops `run_id` on the cluster; one that has already ended is left as it is.
// The verdicts stand whatever the broker answers: a broker gone is said, not made the status.
void stop_run(BrokerClient& client, const std::string& run_id) {
    try {
        client.call({{"command", JsonValue("CTRL_STOP_RUN")}, {"run_id", JsonValue(run_id)}});
    } catch (const BrokerUnreachable& e) {
        std::cerr << "loads-runner: could not ask the broker to stop run " << run_id << ": " << e.what()
                  << '\n';
    } catch (const ClusterError&) {
    }
}

// Ctrl-C during a run: stop it on the cluster, or leave it going and come back with --attach.
// `status`: what the run's figures and outputs say so far (kept when detaching).
int ask_stop_or_detach(const Session& s, BrokerClient& client, const std::string& run_id, int status) {
    if (s.signal.load() != SIGINT) {
        // SIGTERM (a supervisor, a timeout): nobody to ask, and nothing stops a run that nobody
        // asked to stop.
        std::cerr << "loads-runner: terminated: run " << run_id << " goes on; " << s.reattach(run_id)
                  << " follows it, --purge-broker stops it\n";
        return k_exit_stopped;
    }
    while (true) {
        s.info << "Do you want to (s)top the test or (d)etach ? " << std::flush;
        std::string answer;
        if (!read_answer(s.in, answer)) {
            s.info << "\n";
            std::cerr
                << "loads-runner: no answer: detached (nothing stops a run that nobody asked to stop)\n";
            break;
        }
        const auto first = answer.find_first_not_of(" \t");
        const char c = first == std::string::npos ? '\0' : static_cast<char>(std::tolower(answer[first]));
        if (c == 's') {
            try {
                client.call({{"command", JsonValue("CTRL_STOP_RUN")}, {"run_id", JsonValue(run_id)}});
            } catch (const BrokerUnreachable&) {
                throw;
            } catch (const ClusterError&) {
                s.info << "Run " << run_id << " had already ended; its final figures: " << s.reattach(run_id)
                       << '\n';
                return k_exit_stopped;
            }
            s.info << "Stopped run " << run_id << "; its final figures: " << s.reattach(run_id) << '\n';
            return k_exit_stopped;
        }
        if (c == 'd') {
            break;
        }
    }
    s.info << "Detached. Re-attach with: " << s.reattach(run_id) << '\n';
    return status;
}

struct Followed {
    int status = 0;
    std::vector<AgentView> agents;
};

// Hands the run to the outputs from `start` to its end (or the user's Ctrl-C).
Followed follow(const Session& s, BrokerClient& client, RunWatcher& watcher, RunState start) {
    const std::string run_id = start.run_id;
    // An external runner's test may be named in its own way (`javascript_tests.js`).
    const auto test_runner = start.options.string_at("test-runner");
    const Fqn fqn =
        test_runner && !test_runner->empty() ? external_test_name(start.fqn) : parse_fqn(start.fqn);
    const RunPlan plan = plan_from_args(start.options);
    const auto agents = static_cast<std::uint32_t>(start.agents.size());
    const auto started =
        std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(start.started)));
    s.hub.start(std::make_shared<const RunInfo>(fqn, plan, started, option_pairs(start.options), agents));

    // Thresholds are judged here, on the agents' merged figures, as a local run judges its own.
    std::unique_ptr<ThresholdWatch> watch;
    if (!s.o.thresholds.empty()) {
        watch = std::make_unique<ThresholdWatch>(s.hub, s.o.thresholds, s.o.abort_on_fail,
                                                 s.o.threshold_grace, s.interrupt);
    }
    RunListener& listener = watch ? static_cast<RunListener&>(*watch) : s.hub;
    WatchResult w;
    if (start.active) {
        w = watcher.watch(std::move(start), plan, listener, client, s.interrupt);
    } else {
        s.info << "Run " << run_id << " is over (" << start.status << ").\n";
        // It may have ended before this runner could watch it (an agent refusing the run at once):
        // the reasons are said here then.
        for (const AgentView& a : start.agents) {
            say_agent(a);
        }
        w.end = WatchResult::End::finished;
        w.status = start.status;
        w.total = std::move(start.total);
        w.elapsed = start.elapsed;
        w.progress = start.progress;
        w.agents = std::move(start.agents);
    }
    RunReport report;
    report.fqn = fqn.str();
    report.stats = std::move(w.total);
    report.started = started;
    report.duration_seconds = w.elapsed;
    if ((plan.open || plan.user_stages) && w.elapsed > k_shared_start_lead_seconds) {
        // The agents waited for the shared start: the run's load lasted that much less (rps and
        // the summary's duration are over the load).
        report.duration_seconds -= k_shared_start_lead_seconds;
    }
    report.progress = w.progress;
    report.interrupted = w.end != WatchResult::End::finished || w.status == "stopped";
    bool all_finished = true;
    for (const AgentView& a : w.agents) {
        report.agents.push_back({a.agent_id, a.hostname, a.state, a.changed_at, a.message});
        // Stopped agents (a Ctrl-C, another client) measured what they were asked to until then.
        all_finished = all_finished && a.state != "lost" && a.state != "failed";
    }
    if (watch) {
        report.thresholds = watch->verdicts(report);
        if (!all_finished && w.end == WatchResult::End::finished) {
            mark_partial(report.thresholds);
        }
    }
    const std::vector<std::string> problems = s.hub.finish(report, std::move(w.last_interval));
    for (const auto& line : problems) {
        std::cerr << "loads-runner: " << line << '\n';
    }

    Followed f;
    f.agents = w.agents;
    f.status = report.stats.failures() + report.stats.errors() > 0 ? 1 : 0;
    if (const int t = threshold_status(report, watch.get(), std::cerr); t != 0) {
        f.status = t;
    }
    if (!problems.empty()) {
        f.status = 5;
    }
    const bool stopped_by_threshold = watch && watch->abort_cause() != nullptr;
    switch (w.end) {
        case WatchResult::End::interrupted:
            if (stopped_by_threshold) {
                stop_run(client, run_id);
            } else {
                f.status = ask_stop_or_detach(s, client, run_id, f.status);
            }
            break;
        case WatchResult::End::broker_lost:
            std::cerr << "loads-runner: lost the broker at " << s.o.broker
                      << "; the summary covers what it had published (" << s.reattach(run_id)
                      << " when it is back)\n";
            f.status = k_exit_cluster;
            break;
        case WatchResult::End::finished:
            if (w.status == "stopped") {
                std::cerr << "loads-runner: run " << run_id << " was stopped\n";
                f.status = k_exit_stopped;
            } else if (w.status != "completed") {
                std::size_t missing = 0;
                for (const auto& a : w.agents) {
                    missing += a.state != "finished" ? 1 : 0;
                }
                // Which agents, when and why: the summary's "Agents:" lines (and the live messages).
                std::cerr << "loads-runner: run " << run_id << " ended " << w.status << ": " << missing
                          << " of " << w.agents.size() << " agent(s) did not finish\n";
                f.status = k_exit_cluster;
            }
            break;
    }
    return f;
}

// Starts `fqn` on `agents` agents and follows it (or returns at once with --detach).
Followed start_and_follow(const Session& s, const Options& o, const Fqn& fqn,
                          const std::optional<std::filesystem::path>& module_file) {
    const RunSubmission submission = prepare_submission(o, fqn, module_file);
    BrokerClient client = s.client();
    const BrokerReply ping = client.call({{"command", JsonValue("PING")}});
    if (const auto limit = ping.result.int_at("max_upload");
        limit && *limit > 0 && submission.archive.size() > static_cast<std::uint64_t>(*limit)) {
        throw UsageError("the files to ship (" + std::to_string(submission.archive.size() >> 20) +
                         " MiB with the test's module) exceed the broker's --max-upload of " +
                         std::to_string(*limit >> 20) + " MiB");
    }
    const std::string run_id = new_run_id();
    std::optional<RunWatcher> watcher;
    if (!o.detach) {
        watcher.emplace(publisher_endpoint(o, ping), run_id);  // subscribed before the run starts
    }
    JsonValue::Array observers;
    for (const auto& name : o.observers) {
        observers.emplace_back(name);
    }
    // The observers' options travel beside the run's args, not in them: the broker keeps them in
    // memory for the end of the run and never stores them (they may hold passwords).
    JsonValue::Object observer_options;
    for (const auto& [key, value] : o.observer_values) {
        observer_options[key] = JsonValue(value);
    }
    JsonValue::Object request{{"command", JsonValue("CTRL_RUN")},
                              {"run_id", JsonValue(run_id)},
                              {"agents", JsonValue(static_cast<std::int64_t>(o.agents))},
                              {"args", JsonValue(submission.args)},
                              {"observers", JsonValue(std::move(observers))},
                              {"observer_options", JsonValue(std::move(observer_options))},
                              {"observer_timeout", JsonValue(o.observer_timeout)}};
    if (s.interrupt.load()) {
        throw Interrupted("before the run was sent");
    }
    // The files travel with the request: a second more for every 4 MiB (a slow link).
    const auto deadline = k_request_timeout + std::chrono::seconds(submission.archive.size() >> 22);
    try {
        client.call(request, submission.archive, deadline);
    } catch (const Interrupted&) {
        throw Interrupted("before the broker answered; if run " + run_id + " started, " + s.reattach(run_id) +
                          " follows it");
    } catch (const BrokerUnreachable&) {
        // The answer may be what was lost: ask whether the run exists before saying it failed.
        std::optional<BrokerReply> known;
        try {
            known = client.try_call({{"command", JsonValue("CTRL_GET_RUN")}, {"run_id", JsonValue(run_id)}});
        } catch (const ClusterError&) {
        }
        if (!known) {
            throw;
        }
        std::cerr << "loads-runner: the broker answered late; run " << run_id << " started\n";
    }
    if (o.detach) {
        s.info << "Detached. Run " << run_id << " is going on " << o.agents
               << " agent(s); re-attach with: " << s.reattach(run_id) << '\n';
        return {};
    }
    return follow(s, client, *watcher, fetch_run(client, run_id));
}

// The test module as found here, checked to hold the test (reading its symbols only: no plugin
// code runs on the runner of a distributed run). Not found: the agents must have it.
std::optional<std::filesystem::path> local_module(const Options& o, const Fqn& fqn) {
    std::filesystem::path file;
    try {
        file = find_module(fqn.module, module_search_path(o.test_dir));
    } catch (const UsageError&) {
        std::cerr << "loads-runner: module '" << fqn.module
                  << "' is not on this machine: the agents must find it themselves\n";
        return std::nullopt;
    }
    check_test_listed(list_tests(file), fqn, file);
    return file;
}

int distributed_run(const Session& s) {
    const Options& o = s.o;
    if (o.fqn.empty()) {
        throw UsageError("no test given: expected module.Class.test (see --help)");
    }
    make_plan(o, false);  // the same checks of cycles and durations as a local run
    if (!o.test_runner.empty()) {
        // The agents start the external runner; what it needs comes with --include-file (or is
        // installed there), so only the command's shape can be checked here.
        (void)split_command_line(o.test_runner);
        const Fqn fqn = external_test_name(o.fqn);
        check_threshold_scopes(o.thresholds, fqn.test);
        return start_and_follow(s, o, fqn, std::nullopt).status;
    }
    const Fqn fqn = parse_fqn(o.fqn);
    check_threshold_scopes(o.thresholds, fqn.test);
    return start_and_follow(s, o, fqn, local_module(o, fqn)).status;
}

int health_check(const Session& s) {
    BrokerClient client = s.client();
    const BrokerReply ping = client.call({{"command", JsonValue("PING")}});
    const JsonValue* agents = ping.result.find("agents");
    const auto* list = agents ? agents->as_object() : nullptr;
    if (list == nullptr || list->empty()) {
        s.info << "No agents currently registered.\n";
        return k_exit_cluster;
    }
    std::size_t idle = 0;
    for (const auto& [id, a] : *list) {
        idle += a.string_at("run_id").value_or("").empty() ? 1 : 0;
    }
    if (idle == 0) {
        s.info << "All agents are busy.\n";
        return k_exit_cluster;
    }
    const std::filesystem::path module = builtin_plugin_dir() / "libhealth.so";
    std::error_code ec;
    if (!std::filesystem::exists(module, ec)) {
        throw EnvironmentError("the health check's plugin is missing: " + module.string());
    }
    Options health = s.o;
    health.fqn = "health.Health.test_health";
    health.users = "1";
    health.hits = "1";
    health.duration.reset();
    health.agents = static_cast<int>(idle);
    s.info << "Running a health check on all " << idle << " agents\n" << std::flush;
    const Followed f = start_and_follow(s, health, parse_fqn(health.fqn), module);
    const auto answered = static_cast<std::size_t>(std::count_if(
        f.agents.begin(), f.agents.end(), [](const AgentView& a) { return a.state == "finished"; }));
    s.info << "\nHealth check: " << answered << " of " << f.agents.size() << " agents answered\n";
    for (const auto& a : f.agents) {
        s.info << "  - " << a.agent_id << " on " << a.hostname << ": "
               << (a.state == "finished"
                       ? std::string("answered")
                       : "did not answer (" + a.state + (a.message.empty() ? "" : ": " + a.message) + ")")
               << '\n';
    }
    return f.status != 0 ? f.status : (answered == f.agents.size() ? 0 : k_exit_cluster);
}

std::string choose_run(const Session& s, BrokerClient& client) {
    const BrokerReply reply = client.call({{"command", JsonValue("CTRL_LIST_RUNS")}});
    const auto* runs = reply.result.as_object();
    if (runs == nullptr || runs->empty()) {
        throw ClusterError("nothing is running on the broker at " + s.o.broker +
                           " (a run that ended can be shown with --attach --run-id ID)");
    }
    std::vector<std::string> ids;
    for (const auto& [id, run] : *runs) {
        ids.push_back(id);
    }
    if (ids.size() == 1) {
        return ids.front();
    }
    if (&s.in == &std::cin && !isatty(STDIN_FILENO)) {
        std::string all;
        for (const auto& id : ids) {
            all += (all.empty() ? "" : ", ") + id;
        }
        throw UsageError(std::to_string(ids.size()) + " runs are active: choose one with --run-id (" + all +
                         ")");
    }
    s.info << ids.size() << " runs are active:\n";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const JsonValue& run = runs->at(ids[i]);
        const auto* agents = run.find("agents") ? run.find("agents")->as_array() : nullptr;
        s.info << "  " << i + 1 << ". " << ids[i] << ": " << run.string_at("fqn").value_or("?") << " on "
               << (agents ? agents->size() : 0) << " agent(s)\n";
    }
    while (true) {
        s.info << "Which one? [1-" << ids.size() << "] " << std::flush;
        std::string answer;
        if (!read_answer(s.in, answer)) {
            throw UsageError("no run chosen");
        }
        try {
            const std::size_t n = std::stoul(answer);
            if (n >= 1 && n <= ids.size()) {
                return ids[n - 1];
            }
        } catch (const std::exception&) {
        }
    }
}

int attach(const Session& s) {
    BrokerClient client = s.client();
    const std::string run_id = s.o.run_id.empty() ? choose_run(s, client) : s.o.run_id;
    const BrokerReply ping = client.call({{"command", JsonValue("PING")}});
    RunWatcher watcher(publisher_endpoint(s.o, ping), run_id);  // subscribed before the snapshot
    RunState start = fetch_run(client, run_id);
    if (start.active) {
        s.info << "Attached to run " << run_id << " (" << start.fqn << " on " << start.agents.size()
               << " agent(s))\n"
               << std::flush;
    }
    return follow(s, client, watcher, std::move(start)).status;
}

}  // namespace

int run_on_cluster(const Options& o, OutputHub& hub, std::atomic<bool>& interrupt,
                   const std::atomic<int>& signal, std::istream& in, std::ostream& out) {
    if (!o.python_deps.empty()) {
        throw UsageError(
            "--python-dep has no meaning here: loads tests are compiled plugins; ship the files "
            "they need with --include-file");
    }
    const Session s{o, hub, interrupt, signal, in, out, o.quiet ? std::cerr : out};
    if (hub.wanted_events() != 0 && !o.attach) {
        std::cerr << "loads-runner: outputs that record every event get none from a distributed run (agents "
                     "send aggregates): they report the totals only\n";
    }
    if (o.health_check) {
        return health_check(s);
    }
    if (o.attach) {
        return attach(s);
    }
    return distributed_run(s);
}

}  // namespace loads::host
