// loads-runner: runs one test of a plugin as many virtual users and reports what happened.
// Exit status: 0 all tests passed, 1 a test failed or errored, 2 bad input, 3 the environment
// cannot support the run, 4 internal error, 5 an output could not write its report, 6 the
// cluster could not do it (broker unreachable, too few agents, an agent lost...), 7 a threshold
// was crossed, 130 interrupted.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <loads/report_text.hpp>

#include "base/process_info.hpp"
#include "base/program_main.hpp"
#include "base/usage_error.hpp"
#include "cli/options.hpp"
#include "cluster/cluster_admin.hpp"
#include "cluster/protocol.hpp"
#include "cluster/remote_run.hpp"
#include "engine/crash_report.hpp"
#include "engine/fd_limit.hpp"
#include "engine/run_engine.hpp"
#include "external/command_template.hpp"
#include "external/engine.hpp"
#include "plugins/fqn.hpp"
#include "plugins/module_finder.hpp"
#include "plugins/plugin_module.hpp"
#include "reporting/observer_calls.hpp"
#include "reporting/output_hub.hpp"
#include "reporting/result_relay.hpp"
#include "reporting/run_info.hpp"
#include "reporting/threshold_watch.hpp"

namespace {

using namespace loads::host;

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};

extern "C" void on_signal(int sig) {
    g_signal.store(sig);
    g_interrupted.store(true);
    // A second Ctrl-C gets the default behaviour: stop at once.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

int list_module(const Options& options) {
    check_module_name(options.list_module);
    const auto file = find_module(options.list_module, module_search_path(options.test_dir));
    for (const TestName& t : list_tests(file)) {
        std::cout << options.list_module << '.' << t.klass << '.' << t.test << '\n';
    }
    return 0;
}

// The outputs the run writes to: stdout unless --quiet, then each --output in order, each
// created now so a bad option value or an unwritable file stops the run before any load.
void create_outputs(const Options& options, OutputHub& hub) {
    std::vector<std::string> names;
    if (!options.quiet) {
        names.push_back("stdout");
    }
    for (const auto& name : options.outputs) {
        if (std::find(names.begin(), names.end(), name) == names.end() &&
            !(options.quiet && name == "stdout")) {
            names.push_back(name);
        }
    }
    for (const auto& name : names) {
        const auto it = std::find_if(options.output_plugins.begin(), options.output_plugins.end(),
                                     [&](const auto& p) { return p->name() == name; });
        if (it == options.output_plugins.end()) {
            throw UsageError("unknown output '" + name + "'");
        }
        const auto& plugin = *it;
        std::vector<loads_option_value> values;
        for (const OutputOption& option : plugin->options()) {
            const std::string& value = options.output_values.at(output_option_key(name, option.name));
            values.push_back({{option.name.data(), option.name.size()}, {value.data(), value.size()}});
        }
        loads_output_config config{};
        config.struct_size = sizeof(config);
        config.values = values.data();
        config.value_count = values.size();
        loads_outcome error{};
        error.struct_size = sizeof(error);
        void* instance = plugin->descriptor().create(&config, &error);
        if (instance == nullptr) {
            const std::string_view why(error.message.ptr, error.message.len);
            throw UsageError("output '" + name +
                             "': " + (why.empty() ? std::string("cannot be created") : std::string(why)));
        }
        hub.add(std::make_unique<OutputChannel>(plugin, instance));
    }
}

// The observers named with --observer hear of the run once it is over and reported (the original
// only told them of distributed runs). Their fate is reported, one line each, and never changes
// the run's exit status.
void tell_observers(const Options& options, const RunReport& report, const std::string& run_id) {
    if (options.observers.empty()) {
        return;
    }
    Notification n;
    n.run_id = run_id;
    n.fqn = report.fqn;
    n.status = report.interrupted ? "interrupted" : "completed";
    n.started = std::chrono::duration<double>(report.started.time_since_epoch()).count();
    n.ended = n.started + report.duration_seconds;
    n.total = report.stats;
    for (const auto& option : options.all) {
        if (!is_observer_option(option.first)) {
            n.options.push_back(option);
        }
    }
    std::sort(n.options.begin(), n.options.end());
    n.text = summary_sentence(n.total, report.duration_seconds, n.run_id, n.status, {});
    n.node = host_name();
    n.search = module_search_path(options.test_dir);
    n.observer_values = options.observer_values;
    const auto timeout = std::chrono::milliseconds(std::llround(options.observer_timeout * 1000));
    // A Ctrl-C (or SIGTERM) from here on gives the observers up: the run itself is over and
    // reported, and nobody should have to wait out a long --observer-timeout.
    g_interrupted.store(false);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    try {
        for (const ObserverResult& r : call_observers(n, options.observers, timeout, &g_interrupted)) {
            std::cerr << "loads-runner: " << observer_result_line(r) << '\n';
        }
    } catch (const std::exception& e) {
        std::cerr << "loads-runner: the observers could not be told: " << e.what() << '\n';
    }
}

// What the external runner's processes are started with: the command split and {test} filled
// in, where they run, and who they say they are.
ExternalPlan external_plan(const Options& options, const Fqn& fqn, const std::string& run_id) {
    ExternalPlan p;
    p.command = expand_test(split_command_line(options.test_runner), fqn.str());
    p.cwd = options.test_dir.empty() ? std::filesystem::current_path()
                                     : std::filesystem::absolute(options.test_dir);
    p.process_timeout = std::chrono::milliseconds(std::llround(options.external_process_timeout * 1000));
    const bool agent_mode = !options.agent_id.empty();
    // On an agent --zmq-receiver is the broker's: the processes get a private receiver of this
    // runner, which forwards per-second aggregates like any agent's runner.
    p.receiver = agent_mode ? std::string() : options.zmq_receiver;
    p.run_id = run_id;
    p.agent_id = agent_mode ? options.agent_id : "local";
    if (agent_mode) {
        // Beside the runner's own log in the run's directory, where the agent keeps (and prunes)
        // what its runs leave.
        p.log_dir = std::filesystem::current_path() / "external-logs";
    }
    return p;
}

// Help, the version, a module's listing and the cluster's modes: every command line that runs no
// test on this machine. @return its exit status, or nothing when the test runs here.
std::optional<int> run_elsewhere_or_answer(const Options& options, bool no_arguments) {
    if (options.help || no_arguments) {
        std::cout << usage_text(options.output_plugins, options.observer_plugins);
        return 0;
    }
    if (options.version) {
        std::cout << LOADS_VERSION << '\n';
        return 0;
    }
    if (!options.list_module.empty()) {
        return list_module(options);
    }
    if (options.ping_broker) {
        return ping_broker(options, std::cout);
    }
    if (options.purge_broker) {
        return purge_broker(options, std::cout);
    }
    if (options.agents > 0 || options.attach || options.health_check) {
        OutputHub hub;
        if (!options.detach) {
            create_outputs(options, hub);
        }
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
        return run_on_cluster(options, hub, g_interrupted, g_signal, std::cin, std::cout);
    }
    return std::nullopt;
}

// What only a distributed run or another tool takes, and a run without a test. @throws UsageError.
void refuse_what_a_local_run_cannot_do(const Options& options) {
    for (const auto& [given, what] : {std::pair{options.detach, "--detach"},
                                      std::pair{!options.include_files.empty(), "--include-file"}}) {
        if (given) {
            throw UsageError(std::string(what) + " is for distributed runs: add --agents N");
        }
    }
    if (!options.python_deps.empty()) {
        throw UsageError("--python-dep has no meaning here: loads tests are compiled plugins");
    }
    if (options.fqn.empty()) {
        throw UsageError("no test given: expected module.Class.test (see --help)");
    }
}

// The test a local run executes: the plugin's, kept loaded until the process exits, or the
// external runner's command and the socket its processes report to.
struct LocalTest {
    Fqn fqn;
    RunPlan plan;
    std::shared_ptr<PluginModule> module;
    std::unique_ptr<ExternalEngine> external;
};

LocalTest load_test(const Options& options, const std::string& run_id) {
    const bool external = !options.test_runner.empty();
    RunPlan plan = make_plan(options, /*with_tls=*/!external);
    Fqn fqn = external ? external_test_name(options.fqn) : parse_fqn(options.fqn);
    check_threshold_scopes(options.thresholds, fqn.test);
    LocalTest t{std::move(fqn), std::move(plan), nullptr, nullptr};
    t.plan.fqn = t.fqn.str();
    if (external) {
        t.external = std::make_unique<ExternalEngine>(external_plan(options, t.fqn, run_id), std::cerr);
    } else {
        t.module = PluginModule::load(find_module(t.fqn.module, module_search_path(options.test_dir)));
        t.plan.test = t.module->resolve(t.fqn);
    }
    return t;
}

// Room for every user's socket at the busiest cycle, and the crash report armed.
void prepare_process(const RunPlan& plan) {
    std::uint64_t peak_users = 0;
    for (auto u : plan.users) {
        peak_users = std::max<std::uint64_t>(peak_users, u);
    }
    ensure_fd_limit(peak_users);
    install_crash_report(plan.stack_size / 1024);
}

// The seed's rule — any failure or error makes the run fail — then a crossed threshold (7), an
// output that could not write (5) and an interruption (130, unless a threshold stopped the run)
// override it.
int exit_status(const RunReport& report, const std::vector<std::string>& output_problems,
                const ThresholdWatch* watch) {
    int status = report.stats.failures() + report.stats.errors() > 0 ? 1 : 0;
    if (const int t = threshold_status(report, watch, std::cerr); t != 0) {
        status = t;
    }
    if (!output_problems.empty()) {
        status = 5;
    }
    const bool stopped_by_threshold = watch != nullptr && watch->abort_cause() != nullptr;
    if (report.interrupted && !stopped_by_threshold) {
        std::cerr << "loads-runner: interrupted; the summary covers the tests that finished\n";
        status = 130;
    }
    return status;
}

// A run on this machine: outputs, the run, every report written (even after a Ctrl-C: nothing
// measured is lost), the observers told.
int run_here(const Options& options) {
    // Agent mode: the runner loads-agent started for its part of a distributed run.
    const bool agent_mode = !options.agent_id.empty();
    const std::string run_id = agent_mode ? options.run_id : new_run_id();
    LocalTest test = load_test(options, run_id);
    prepare_process(test.plan);

    OutputHub hub;
    create_outputs(options, hub);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    RunEngine engine;
    // Agent mode: the figures also go to the broker, every second and at the end.
    std::unique_ptr<ResultRelay> relay;
    if (agent_mode) {
        relay = std::make_unique<ResultRelay>(hub, options.zmq_receiver, options.run_id, options.agent_id);
    }
    RunListener* listener = relay ? static_cast<RunListener*>(relay.get()) : &hub;
    std::unique_ptr<ThresholdWatch> watch;
    if (!options.thresholds.empty()) {
        watch = std::make_unique<ThresholdWatch>(*listener, options.thresholds, options.abort_on_fail,
                                                 options.threshold_grace, g_interrupted);
        listener = watch.get();
    }
    hub.start(
        std::make_shared<const RunInfo>(test.fqn, test.plan, std::chrono::system_clock::now(), options.all));
    RunReport report = test.external ? test.external->run(test.plan, *listener, g_interrupted)
                                     : engine.run(test.plan, *listener, g_interrupted);
    report.fqn = test.fqn.str();
    if (watch) {
        report.thresholds = watch->verdicts(report);
    }
    RunStats last_interval =
        test.external ? test.external->take_last_interval() : engine.take_last_interval();
    const bool relayed = !relay || relay->send_final(last_interval, report);

    std::vector<std::string> output_problems = hub.finish(report, std::move(last_interval));
    if (!relayed) {
        output_problems.push_back("the figures could not be sent to " + options.zmq_receiver);
    }
    for (const auto& line : output_problems) {
        std::cerr << "loads-runner: " << line << '\n';
    }
    // An agent's runner reports to the broker, which tells the run's observers itself.
    if (!relay) {
        tell_observers(options, report, run_id);
    }
    const int status = exit_status(report, output_problems, watch.get());
    if (report.abandoned_workers > 0) {
        // Their threads still run test code: leave without unwinding anything they may touch.
        std::cerr << "loads-runner: some virtual users did not stop when cancelled (does a test catch "
                     "loads::Cancelled and carry on?); exiting without them\n";
        std::cout.flush();
        std::cerr.flush();
        std::_Exit(status == 0 ? 1 : status);
    }
    return status;
}

int run(const std::vector<std::string>& args) {
    const Options options = parse_options(args);
    if (const auto status = run_elsewhere_or_answer(options, args.empty())) {
        return *status;
    }
    refuse_what_a_local_run_cannot_do(options);
    return run_here(options);
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return loads::host::run_program("loads-runner", [&] { return run(args); });
}
