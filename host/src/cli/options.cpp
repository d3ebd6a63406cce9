#include "cli/options.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>

#include "base/usage_error.hpp"
#include "cli/config_file.hpp"
#include "http/tls_client.hpp"
#include "plugins/module_finder.hpp"

namespace loads::host {
namespace po = boost::program_options;

namespace {

struct Described {
    po::options_description all{"Options"};
    po::positional_options_description positional;
};

// One group of --PREFIX-NAME-OPTION options per plugin that declares any.
template <class Plugin>
void describe_plugin_options(Described& d, const std::string& prefix, const std::string& title,
                             const std::vector<std::shared_ptr<const Plugin>>& plugins) {
    for (const auto& plugin : plugins) {
        po::options_description group(title + " '" + plugin->name() + "': " + plugin->description());
        for (const PluginOption& option : plugin->options()) {
            std::string help = option.help;
            if (!option.default_value.empty()) {
                help += " (default " + option.default_value + ")";
            }
            group.add_options()(plugin_option_key(prefix, plugin->name(), option.name).c_str(),
                                po::value<std::string>(), help.c_str());
        }
        if (!plugin->options().empty()) {
            d.all.add(group);
        }
    }
}

// Options named here are the ones a [loads] config key may set, too.
Described describe(Options& o, const std::vector<std::shared_ptr<const OutputPlugin>>& outputs,
                   const std::vector<std::shared_ptr<const ObserverPlugin>>& observers) {
    Described d;
    // clang-format off
    d.all.add_options()
        ("help,h", po::bool_switch(&o.help), "show this help and exit")
        ("version", po::bool_switch(&o.version), "print the version and exit")
        ("fqn", po::value(&o.fqn), "the test to run: module.Class.test")
        ("users,u", po::value(&o.users), "concurrent virtual users; a cycle such as 10:20:30 runs each in turn (default 1)")
        ("hits", po::value<std::string>(), "tests per user; a cycle such as 5:10 (default 1; not with --duration)")
        ("duration,d", po::value<double>(), "seconds each user cycle lasts (not with --hits)")
        ("rate", po::value<double>(), "open model: start a test every 1/RATE s (decimals allowed), whatever earlier ones are doing, for --duration or until --hits have started; -u users are made before the run")
        ("stages", po::value<std::string>(), "ramp the users linearly to each target in turn, e.g. 30s:100,2m:100,30s:0 (from 0; a stopping user finishes its test); the stages set the run's length")
        ("rate-stages", po::value<std::string>(), "open model: ramp the arrival rate linearly to each target in turn, e.g. 30s:200,2m:200,30s:0 (from 0), on a pool of -u users that may grow to --max-users")
        ("max-users", po::value<std::uint32_t>(), "with --rate or --rate-stages: the pool of users may grow to this many when all are busy; past it an arrival is dropped and counted (default: -u)")
        ("threshold", po::value<std::vector<std::string>>()->composing(), "a pass/fail criterion over the whole run, repeatable, e.g. p99<200ms, errors<1%, rps>=900, dropped==0, hits>=N, counter.NAME>=N, test_es:p95<=0.3s; a crossed one makes the exit status 7; a '!' suffix stops the run when it is crossed")
        ("abort-on-fail", po::bool_switch(&o.abort_on_fail), "stop the run at the first crossed threshold (judged every second after --threshold-grace)")
        ("threshold-grace", po::value(&o.threshold_grace), "seconds from the start before thresholds may stop the run (default 10)")
        ("grace", po::value(&o.grace), "seconds tests in flight may take to finish after a cycle's duration (default 5)")
        ("server-url", po::value(&o.server_url), "base URL of the service; replaces the test class's server_url")
        ("config", po::value(&o.config), "INI file whose [loads] section sets options ([output] sets output options); the command line wins")
        ("threads", po::value(&o.threads), "worker threads (default: one per core)")
        ("no-patching", po::bool_switch(&o.no_patching), "give each user its own OS thread, for tests that call blocking libraries")
        ("stack-size", po::value(&o.stack_kib), "KiB of stack per user, for tests that recurse deeply (default 1024)")
        ("timeout", po::value(&o.timeout), "seconds allowed for one HTTP exchange (default 30)")
        ("connect-timeout", po::value(&o.connect_timeout), "seconds allowed to open a connection, TLS handshake included (default 10)")
        ("insecure", po::bool_switch(&o.insecure), "do not verify TLS certificates (also when BYPASS_SSL_CHECK is set)")
        ("ca-file", po::value(&o.ca_file), "PEM file of CA certificates trusted besides the system's")
        ("test-dir", po::value(&o.test_dir), "directory searched for test plugins (and output plugins) after the current one")
        ("list", po::value(&o.list_module), "list the tests of a module without running any of its code")
        ("test-runner", po::value(&o.test_runner), "command line of an external runner (any language, the original's ZeroMQ/JSON protocol), started once per user per cycle; {test} is replaced by the test's name, e.g. \"python3 runner.py {test}\"")
        ("external-process-timeout", po::value(&o.external_process_timeout), "seconds an external runner may take per hit (or past --duration) before it is terminated (default 2)")
        ("zmq-receiver", po::value(&o.zmq_receiver), "with --test-runner: the ZeroMQ endpoint the external runners push to (default: a private ipc socket); in agent mode (--agent-id, set by loads-agent): where the figures are pushed every second")
        ("run-id", po::value(&o.run_id), "agent mode: the run the figures belong to")
        ("agent-id", po::value(&o.agent_id), "agent mode: the agent that measured them")
        ("agent-index", po::value(&o.agent_index), "agent mode: this agent's place among the run's agents, from 0 (its share of an open-model run's arrivals)")
        ("agent-count", po::value(&o.agent_count), "agent mode: how many agents run the run")
        ("start-at", po::value<double>(), "agent mode: when the run's clock starts, in seconds since the Unix epoch (every agent follows the stages and the arrival schedule from it)")
        ("agents,a", po::value(&o.agents), "run on this many agents of the cluster (each runs the whole plan)")
        ("broker,b", po::value(&o.broker), "the broker's frontend endpoint (default ipc:///tmp/loads-front.ipc)")
        ("zmq-publisher", po::value(&o.zmq_publisher), "the broker's publisher endpoint (default: as the broker says)")
        ("include-file", po::value<std::vector<std::string>>()->composing(), "file, directory or glob shipped to every agent before a distributed run, repeatable")
        ("observer", po::value<std::vector<std::string>>()->composing(), "who is told when the run ends, repeatable: a built-in observer (irc, email, webhook) or an observer plugin's name; the broker tells them for a distributed run")
        ("observer-timeout", po::value(&o.observer_timeout), "seconds the observers may take at the end of a run before they are given up (default 30)")
        ("python-dep", po::value<std::vector<std::string>>()->composing(), "(the original's pip install: no meaning for compiled tests; refused)")
        ("detach", po::bool_switch(&o.detach), "start a distributed run and return at once")
        ("attach", po::bool_switch(&o.attach), "watch a run of the broker (--run-id, or the one running, or a choice)")
        ("ping-broker", po::bool_switch(&o.ping_broker), "show the broker's pid, agents, endpoints and runs, and exit")
        ("purge-broker", po::bool_switch(&o.purge_broker), "stop every run of the broker, and exit")
        ("health-check", po::bool_switch(&o.health_check), "run an empty test on every idle agent and say which answered")
        ("check-cluster", po::bool_switch(), "the same as --health-check (the original's name)")
        ("output", po::value<std::vector<std::string>>()->composing(), "where results go, repeatable: a built-in output or an output plugin's name (stdout is always on unless --quiet)")
        ("quiet", po::bool_switch(&o.quiet), "no stdout output (no progress bar, no summary)");
    // clang-format on
    d.positional.add("fqn", 1);
    describe_plugin_options(d, "output", "Output", outputs);
    describe_plugin_options(d, "observer", "Observer", observers);
    return d;
}

// Before the real parse, the outputs and their options must be known: a light scan of the
// command line for --output, --config and --test-dir (the real parse checks everything).
struct Prescan {
    std::vector<std::string> outputs;
    std::vector<std::string> observers;
    std::string config;
    std::string test_dir;
    bool test_dir_given = false;
};

Prescan prescan(const std::vector<std::string>& args) {
    Prescan p;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value_of = [&](const std::string& name) -> std::optional<std::string> {
            if (a == name && i + 1 < args.size()) {
                return args[++i];
            }
            if (a.starts_with(name + "=")) {
                return a.substr(name.size() + 1);
            }
            return std::nullopt;
        };
        if (auto v = value_of("--output")) {
            split_names(*v, p.outputs);
        } else if (auto b = value_of("--observer")) {
            split_names(*b, p.observers);
        } else if (auto c = value_of("--config")) {
            p.config = *c;
        } else if (auto t = value_of("--test-dir")) {
            p.test_dir = *t;
            p.test_dir_given = true;
        }
    }
    return p;
}

std::string number_text(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

// Every option that shapes a run, defaults included, as the outputs describe it.
std::vector<std::pair<std::string, std::string>> describe_run_options(const Options& o) {
    std::string outputs;
    for (const auto& name : o.outputs) {
        outputs += (outputs.empty() ? "" : ",") + name;
    }
    std::string observers;
    for (const auto& name : o.observers) {
        observers += (observers.empty() ? "" : ",") + name;
    }
    return {
        {"fqn", o.fqn},
        // Under --stages the users are the stages' peak (-u is refused with them).
        {"users", o.user_stages
                      ? std::to_string(static_cast<std::uint32_t>(LoadProfile(*o.user_stages).peak()))
                      : o.users},
        {"hits", o.hits.value_or(o.duration || o.user_stages || o.rate_stages ? "" : "1")},
        {"duration", o.duration ? number_text(*o.duration) : ""},
        {"grace", number_text(o.grace)},
        {"server-url", o.server_url},
        {"config", o.config},
        {"threads", o.threads ? std::to_string(o.threads) : "auto"},
        {"no-patching", o.no_patching ? "true" : "false"},
        {"stack-size", std::to_string(o.stack_kib)},
        {"timeout", number_text(o.timeout)},
        {"connect-timeout", number_text(o.connect_timeout)},
        {"insecure", o.insecure ? "true" : "false"},
        {"ca-file", o.ca_file},
        {"test-dir", o.test_dir},
        {"output", outputs},
        {"observer", observers},
        {"quiet", o.quiet ? "true" : "false"},
        {"zmq-receiver", o.zmq_receiver},
    };
}

// The external runner's options join the run's description only when one is used, so a plugin
// run's reports keep the same option list.
void describe_external_options(const Options& o, std::vector<std::pair<std::string, std::string>>& all) {
    if (!o.test_runner.empty()) {
        all.emplace_back("test-runner", o.test_runner);
        all.emplace_back("external-process-timeout", number_text(o.external_process_timeout));
    }
}

// Likewise the open model's, only in an open-model run.
void describe_open_model_options(const Options& o, std::vector<std::pair<std::string, std::string>>& all) {
    if (o.rate) {
        all.emplace_back("rate", number_text(*o.rate));
    }
    if (o.rate_stages) {
        all.emplace_back("rate-stages", stages_text(*o.rate_stages));
    }
    if (o.rate || o.rate_stages) {
        all.emplace_back("max-users", o.max_users ? std::to_string(*o.max_users) : o.users);
    }
    if (o.user_stages) {
        all.emplace_back("stages", stages_text(*o.user_stages));
    }
    if (!o.thresholds.empty()) {
        std::string list;
        for (const auto& t : o.thresholds) {
            list += (list.empty() ? "" : ", ") + t.expression;
        }
        all.emplace_back("threshold", list);
        all.emplace_back("abort-on-fail", o.abort_on_fail ? "true" : "false");
        all.emplace_back("threshold-grace", number_text(o.threshold_grace));
    }
}

// What --rate, --rate-stages and --stages need and exclude besides the plan's own numbers
// (make_plan's).
void check_load_profile(const Options& o) {
    const bool open = o.rate || o.rate_stages;
    if (o.max_users && !open) {
        throw UsageError(
            "--max-users is the cap of an open-model run's pool of users: it goes with --rate or "
            "--rate-stages");
    }
    if (o.rate && o.rate_stages) {
        throw UsageError("--rate holds one rate and --rate-stages ramps it: choose one");
    }
    if (o.user_stages && open) {
        throw UsageError(std::string("--stages ramps users (closed model) and ") +
                         (o.rate ? "--rate" : "--rate-stages") + " paces arrivals (open model): choose one");
    }
    if (!open && !o.user_stages) {
        return;
    }
    const char* name = o.rate ? "--rate" : o.rate_stages ? "--rate-stages" : "--stages";
    if (!o.rate) {  // the stages set the run's length and, for --stages, its users
        if (o.duration || o.hits) {
            throw UsageError(std::string(name) + " sets the run's length (its stages' durations): drop " +
                             (o.duration ? "--duration" : "--hits"));
        }
        if (o.user_stages && o.users_given) {
            throw UsageError("--stages sets the users (its targets): drop -u");
        }
    }
    if (!o.test_runner.empty()) {
        throw UsageError(std::string(name) +
                         " runs test plugins: an external runner (--test-runner) paces itself");
    }
    if (o.no_patching) {
        throw UsageError(std::string(name) +
                         " and --no-patching cannot be used together: the users share the worker threads");
    }
}

// Thresholds are judged by the runner that runs the test; what they need besides their own syntax.
void check_thresholds(const Options& o) {
    const bool any_abort = o.abort_on_fail || std::any_of(o.thresholds.begin(), o.thresholds.end(),
                                                          [](const auto& t) { return t.abort; });
    if (any_abort && o.thresholds.empty()) {
        throw UsageError("--abort-on-fail stops the run at a crossed threshold: give one with --threshold");
    }
    if (!(o.threshold_grace >= 0) || o.threshold_grace > 1e7) {
        throw UsageError("--threshold-grace must be a number of seconds >= 0");
    }
}

void check_plugin_value(const PluginOption& option, const std::string& key, std::string& value) {
    const auto normalised = normalised_option_value(option.type, value);
    if (!normalised) {
        throw UsageError("--" + key + " takes " + option_type_text(option.type) + ", not '" + value + "'");
    }
    value = *normalised;
}

// The cluster's modes exclude each other, and a mode that would ignore an option refuses it.
void check_cluster_modes(const Options& o, bool agents_given) {
    if (agents_given && (o.agents < 1 || o.agents > 10'000)) {
        throw UsageError("--agents must be a number of agents from 1 to 10000");
    }
    const std::pair<bool, const char*> modes[] = {
        {o.agents > 0, "--agents"},         {o.attach, "--attach"},
        {o.health_check, "--health-check"}, {o.ping_broker, "--ping-broker"},
        {o.purge_broker, "--purge-broker"}, {!o.list_module.empty(), "--list"}};
    const char* mode = nullptr;
    for (const auto& [given, name] : modes) {
        if (given && mode != nullptr) {
            throw UsageError(std::string(mode) + " and " + name + " cannot be used together");
        }
        mode = given ? name : mode;
    }
    const bool runs_nothing_new = o.attach || o.health_check || o.ping_broker || o.purge_broker;
    if (runs_nothing_new) {
        if (!o.fqn.empty()) {
            throw UsageError(std::string(mode) + " takes no test (" + o.fqn + ")");
        }
        for (const auto& [given, name] :
             {std::pair{o.detach, "--detach"}, std::pair{!o.include_files.empty(), "--include-file"},
              std::pair{!o.observers.empty(), "--observer"}}) {
            if (given) {
                throw UsageError(std::string(mode) + " and " + name + " cannot be used together");
            }
        }
    }
}

// A share of a distributed run is what loads-agent asks of its runner, never a user.
void check_agent_share(const Options& o) {
    const bool share = o.agent_index != 0 || o.agent_count != 1 || o.start_at;
    if (share && o.agent_id.empty()) {
        throw UsageError(
            "--agent-index, --agent-count and --start-at are agent mode's (what loads-agent starts)");
    }
    if (o.agent_count < 1 || o.agent_count > 10'000 || o.agent_index >= o.agent_count) {
        throw UsageError("--agent-index must be below --agent-count, itself from 1 to 10000");
    }
    if (o.start_at && !(*o.start_at > 0 && *o.start_at < 1e11)) {
        throw UsageError("--start-at must be a time in seconds since the Unix epoch");
    }
    // The broker sets it 2 s ahead: far more means the two machines' clocks disagree, and the run
    // would wait for nothing.
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (o.start_at && *o.start_at > now + 60) {
        throw UsageError(
            "--start-at is more than 60 s ahead of this machine's clock: are the broker's and the "
            "agents' clocks set (NTP)?");
    }
}

// --zmq-receiver is where figures go: an agent's runner must be told, an external runner's may be,
// and a distributed run's are each agent's own.
void check_receiver(const Options& o) {
    if (!o.agent_id.empty() && o.zmq_receiver.empty()) {
        throw UsageError(
            "--agent-id is agent mode (what loads-agent starts): --zmq-receiver must say where the figures "
            "go");
    }
    if (!o.zmq_receiver.empty() && o.agent_id.empty()) {
        if (o.test_runner.empty()) {
            throw UsageError("--zmq-receiver is the external runners' endpoint: it goes with --test-runner");
        }
        if (o.agents > 0) {
            throw UsageError(
                "--zmq-receiver cannot be chosen for a distributed run: each agent's runner has its own");
        }
    }
}

// The built-in plugins of a kind, then those named, each loaded once from the module path. Two
// plugins may not declare the same long option (`a_b` + `c` and `a` + `b-c` would).
template <class Plugin>
std::vector<std::shared_ptr<const Plugin>> load_plugins(std::vector<std::string> names,
                                                        const std::vector<std::string>& requested,
                                                        const std::string& test_dir,
                                                        const std::string& prefix) {
    std::vector<std::shared_ptr<const Plugin>> plugins;
    const auto search = module_search_path(test_dir);
    for (const auto& r : requested) {
        if (std::find(names.begin(), names.end(), r) == names.end()) {
            names.push_back(r);
        }
    }
    std::map<std::string, std::string> keys;  // option key → the plugin declaring it
    for (const auto& name : names) {
        plugins.push_back(Plugin::load(name, search));
        for (const PluginOption& option : plugins.back()->options()) {
            const std::string key = plugin_option_key(prefix, name, option.name);
            if (const auto [it, fresh] = keys.emplace(key, name); !fresh) {
                throw UsageError(prefix + "s '" + it->second + "' and '" + name +
                                 "' both declare the option --" + key);
            }
        }
    }
    return plugins;
}

// The --help list of a kind of plugins: name, then description.
template <class Plugin>
void list_plugins(std::ostream& os, const std::string& title,
                  const std::vector<std::shared_ptr<const Plugin>>& plugins) {
    if (plugins.empty()) {
        return;
    }
    os << "\n" << title << ":\n";
    for (const auto& plugin : plugins) {
        os << "  " << plugin->name()
           << std::string(plugin->name().size() < 12 ? 12 - plugin->name().size() : 1, ' ')
           << plugin->description() << "\n";
    }
}

// Long options must be written in full: a guessed abbreviation (`--conf`) would be accepted by
// the real parse but missed by the prescan that reads --config and --test-dir first.
constexpr int k_style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

// The plugins and test directory a config file names count as the command line's (which wins for
// the test directory).
void note_config_plugins(const std::vector<ConfigEntry>& config, Prescan& pre) {
    for (const ConfigEntry& e : config) {
        if (e.key == "output") {
            split_names(e.value, pre.outputs);
        } else if (e.key == "observer") {
            split_names(e.value, pre.observers);
        } else if (e.key == "test-dir" && !pre.test_dir_given) {
            pre.test_dir = e.value;
        }
    }
}

// The command line, then the entries `config` of the file `config_path`: into `o` for the options
// its description stores there, and into the map returned for every value given.
po::variables_map parse_arguments(const std::vector<std::string>& args, const std::string& config_path,
                                  const std::vector<ConfigEntry>& config, Options& o) {
    const Described d = describe(o, o.output_plugins, o.observer_plugins);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(d.all).positional(d.positional).style(k_style).run(),
                  vm);
        if (!config_path.empty()) {
            // store() keeps values already set on the command line: the command line wins
            // (--output is composing: both add up).
            po::store(po::command_line_parser(config_arguments(config, config_path, d.all))
                          .options(d.all)
                          .style(k_style)
                          .run(),
                      vm);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

// The values the options' description does not store in `o` itself: optional ones, lists, and
// the names lists hold.
void take_values(const po::variables_map& vm, Options& o) {
    if (vm.count("hits")) {
        o.hits = vm["hits"].as<std::string>();
    }
    if (vm.count("duration")) {
        o.duration = vm["duration"].as<double>();
    }
    if (vm.count("threshold")) {
        for (const auto& expression : vm["threshold"].as<std::vector<std::string>>()) {
            o.thresholds.push_back(parse_threshold(expression));
        }
    }
    if (vm.count("rate")) {
        o.rate = vm["rate"].as<double>();
    }
    if (vm.count("max-users")) {
        o.max_users = vm["max-users"].as<std::uint32_t>();
    }
    o.users_given = vm.count("users") != 0;
    if (vm.count("start-at")) {
        o.start_at = vm["start-at"].as<double>();
    }
    if (vm.count("stages")) {
        o.user_stages = parse_stages(vm["stages"].as<std::string>(), StageTarget::users, "--stages");
    }
    if (vm.count("rate-stages")) {
        o.rate_stages = parse_stages(vm["rate-stages"].as<std::string>(), StageTarget::rate, "--rate-stages");
    }
    for (const auto& [key, list] :
         {std::pair{"include-file", &o.include_files}, std::pair{"python-dep", &o.python_deps}}) {
        if (vm.count(key)) {
            *list = vm[key].as<std::vector<std::string>>();
        }
    }
    for (const auto& [key, names] : {std::pair{"observer", &o.observers}, std::pair{"output", &o.outputs}}) {
        if (vm.count(key)) {
            for (const auto& v : vm[key].as<std::vector<std::string>>()) {
                split_names(v, *names);
            }
        }
    }
    o.health_check = o.health_check || vm["check-cluster"].as<bool>();
}

// Every option of the known outputs: as given (checked against its type), else its default.
void take_output_values(const po::variables_map& vm, Options& o) {
    for (const auto& plugin : o.output_plugins) {
        for (const PluginOption& option : plugin->options()) {
            const std::string key = output_option_key(plugin->name(), option.name);
            std::string value = vm.count(key) ? vm[key].as<std::string>() : option.default_value;
            if (vm.count(key)) {
                check_plugin_value(option, key, value);
            }
            o.output_values[key] = value;
        }
    }
}

// The observer options given, checked against their type; kept for the named observers only.
void take_observer_values(const po::variables_map& vm, Options& o) {
    for (const auto& plugin : o.observer_plugins) {
        const bool named =
            std::find(o.observers.begin(), o.observers.end(), plugin->name()) != o.observers.end();
        for (const PluginOption& option : plugin->options()) {
            const std::string key = observer_option_key(plugin->name(), option.name);
            if (vm.count(key)) {
                std::string value = vm[key].as<std::string>();
                check_plugin_value(option, key, value);
                // Only the named observers' options travel (to loads-notify, to the broker): an
                // email password in a shared config file stays home on an irc-only run.
                if (named) {
                    o.observer_values[key] = value;
                }
            }
        }
    }
}

}  // namespace

std::vector<std::shared_ptr<const OutputPlugin>> load_outputs(const std::vector<std::string>& requested,
                                                              const std::string& test_dir) {
    return load_plugins<OutputPlugin>(builtin_output_names(), requested, test_dir, "output");
}

std::vector<std::shared_ptr<const ObserverPlugin>> load_observers(const std::vector<std::string>& requested,
                                                                  const std::string& test_dir) {
    return load_plugins<ObserverPlugin>(builtin_observer_names(), requested, test_dir, "observer");
}

std::string usage_text(const std::vector<std::shared_ptr<const OutputPlugin>>& outputs,
                       const std::vector<std::shared_ptr<const ObserverPlugin>>& observers) {
    Options scratch;
    Described d = describe(scratch, outputs, observers);
    std::ostringstream os;
    os << "Usage: loads-runner [options] module.Class.test\n"
          "       loads-runner --list module\n\n"
       << d.all;
    list_plugins(os, "Outputs (--output NAME)", outputs);
    list_plugins(os, "Observers (--observer NAME)", observers);
    return os.str();
}

void check_options(const Options& o, bool agents_given) {
    if (o.observers.size() > k_max_observers) {
        throw UsageError("a run may name at most " + std::to_string(k_max_observers) + " observers");
    }
    if (!(o.observer_timeout > 0) || o.observer_timeout > 3600) {
        throw UsageError("--observer-timeout must be a number of seconds > 0, at most 3600");
    }
    check_cluster_modes(o, agents_given);
    if (!(o.external_process_timeout > 0) || o.external_process_timeout > 86400) {
        throw UsageError("--external-process-timeout must be a number of seconds > 0, at most 86400");
    }
    check_receiver(o);
    check_agent_share(o);
    check_load_profile(o);
    check_thresholds(o);
}

Options parse_options(const std::vector<std::string>& args, const OutputLoader& loader,
                      const ObserverLoader& observer_loader) {
    Options o;
    // 1. Which plugins the run names, so their options can be known.
    Prescan pre = prescan(args);
    const std::vector<ConfigEntry> config =
        pre.config.empty() ? std::vector<ConfigEntry>() : read_config_file(pre.config);
    note_config_plugins(config, pre);
    o.output_plugins = loader(pre.outputs, pre.test_dir);
    o.observer_plugins = observer_loader(pre.observers, pre.test_dir);
    // 2. The real parse, then the values it leaves to the struct, the rules between them, and the
    // plugins' options.
    const po::variables_map vm = parse_arguments(args, pre.config, config, o);
    take_values(vm, o);
    check_options(o, vm.count("agents") != 0);
    take_output_values(vm, o);
    take_observer_values(vm, o);
    // 3. The run's description for the outputs.
    o.all = describe_run_options(o);
    describe_external_options(o, o.all);
    describe_open_model_options(o, o.all);
    for (const auto& [key, value] : o.output_values) {
        o.all.emplace_back(key, value);
    }
    return o;
}

namespace {

std::uint32_t pool_cap(const Options& o, const RunPlan& plan);

// --rate's numbers: one pool of users, arrivals for a time or a count.
OpenModel open_model(const Options& o, const RunPlan& plan) {
    OpenModel open;
    if (!(*o.rate > 0) || *o.rate > 10'000'000) {
        throw UsageError(
            "--rate must be a number of arrivals per second > 0, at most 10000000 (e.g. 500 or 0.5)");
    }
    open.rate = *o.rate;
    if (plan.users.size() != 1) {
        throw UsageError(
            "--rate makes one pool of users: -u takes one number (the users made before the run), not "
            "the cycle '" +
            o.users + "'");
    }
    if (!o.duration && !o.hits) {
        throw UsageError("--rate needs --duration (seconds of arrivals) or --hits (arrivals in all)");
    }
    if (o.hits) {
        if (plan.hits.size() != 1) {
            throw UsageError(
                "--rate with --hits: --hits is the number of arrivals in all, one number, not the cycle '" +
                *o.hits + "'");
        }
        open.arrivals = plan.hits.front();
    }
    open.max_users = pool_cap(o, plan);
    return open;
}

// The cap of an open-model run's pool: --max-users, else -u.
std::uint32_t pool_cap(const Options& o, const RunPlan& plan) {
    const std::uint32_t cap = o.max_users.value_or(plan.users.front());
    if (cap < plan.users.front() || cap > 1'000'000) {
        throw UsageError("--max-users must be at least -u (" + std::to_string(plan.users.front()) +
                         ") and at most 1000000, not " + std::to_string(cap));
    }
    return cap;
}

// --rate-stages' pool of users (the arrivals follow the stages: RunPlan::follow_rate_stages).
OpenModel rate_stages_model(const Options& o, const RunPlan& plan) {
    if (plan.users.size() != 1) {
        throw UsageError(
            "--rate-stages makes one pool of users: -u takes one number (the users made before the run), not "
            "the cycle '" +
            o.users + "'");
    }
    OpenModel open;
    open.max_users = pool_cap(o, plan);
    return open;
}

}  // namespace

RunPlan make_plan(const Options& o, bool with_tls) {
    RunPlan plan;
    if (o.hits && o.duration) {
        throw UsageError("--hits and --duration are mutually exclusive: run a number of tests or for a time");
    }
    plan.users = parse_cycle(o.users, "users");
    plan.hits = o.hits ? parse_cycle(*o.hits, "hits") : Cycle{1};
    auto seconds = [](double s) {
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000.0)));
    };
    if (o.duration) {
        if (!(*o.duration > 0) || *o.duration > 1e7) {
            throw UsageError("--duration must be a number of seconds > 0");
        }
        plan.duration = seconds(*o.duration);
    }
    if (!(o.grace >= 0) || o.grace > 1e6) {
        throw UsageError("--grace must be a number of seconds >= 0");
    }
    if (!(o.timeout > 0) || o.timeout > 1e6) {
        throw UsageError("--timeout must be a number of seconds > 0");
    }
    if (!(o.connect_timeout > 0) || o.connect_timeout > 1e6) {
        throw UsageError("--connect-timeout must be a number of seconds > 0");
    }
    plan.grace = seconds(o.grace);
    plan.http.timeout = seconds(o.timeout);
    plan.http.connect_timeout = seconds(o.connect_timeout);
    plan.threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    if (plan.threads > 1024) {
        throw UsageError("--threads must be between 1 and 1024");
    }
    plan.thread_per_user = o.no_patching;
    if (o.stack_kib < 64 || o.stack_kib > 1024 * 1024) {
        throw UsageError("--stack-size must be between 64 and 1048576 KiB");
    }
    plan.stack_size = std::size_t{o.stack_kib} * 1024;
    plan.server_url = o.server_url;
    if (o.rate) {
        plan.open = open_model(o, plan);
    }
    if (o.rate_stages) {
        plan.follow_rate_stages(rate_stages_model(o, plan), *o.rate_stages);
    }
    if (o.user_stages) {
        plan.follow_user_stages(*o.user_stages);
    }
    plan.share_index = o.agent_index;
    plan.share_count = o.agent_count;
    if (o.start_at) {
        plan.start_at = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::duration<double>(*o.start_at)));
    }
    if (!with_tls) {
        return plan;
    }
    // The seed's switch: any non-empty BYPASS_SSL_CHECK turns verification off.
    const char* bypass = std::getenv("BYPASS_SSL_CHECK");
    TlsSettings tls;
    tls.verify = !o.insecure && (bypass == nullptr || *bypass == '\0');
    tls.ca_file = o.ca_file;
    try {
        plan.http.tls = std::make_shared<TlsClient>(tls);
    } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
    }
    return plan;
}

}  // namespace loads::host
