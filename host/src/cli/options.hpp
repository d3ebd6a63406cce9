// Options: loads-runner's command line (and --config file), parsed and validated into one struct.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/run_plan.hpp"
#include "plugins/observer_plugin.hpp"
#include "plugins/output_plugin.hpp"
#include "results/threshold.hpp"

namespace loads::host {

struct Options {
    std::string fqn;
    std::string users = "1";
    std::optional<std::string> hits;
    std::optional<double> duration;
    std::optional<double> rate;              ///< --rate: an open-model run's arrivals per second.
    std::optional<std::uint32_t> max_users;  ///< --max-users: its pool's cap (default: -u).
    bool users_given = false;                ///< Whether -u was given (command line or config).
    /// --stages: the users ramp (closed model), parsed.
    std::optional<std::vector<Stage>> user_stages;
    /// --rate-stages: the arrival rate ramps (open model), parsed.
    std::optional<std::vector<Stage>> rate_stages;
    /// --threshold (and [thresholds] in the config file), parsed, in the order given.
    std::vector<Threshold> thresholds;
    bool abort_on_fail = false;   ///< --abort-on-fail: every threshold stops the run when crossed.
    double threshold_grace = 10;  ///< --threshold-grace: seconds before aborting ones are judged.
    std::string server_url;
    std::string config;
    std::string list_module;
    std::string test_dir;
    std::string ca_file;
    /// With --test-runner: the endpoint the external runners push to (empty: a private one).
    /// In agent mode (--agent-id): where the figures go (set by loads-agent).
    std::string zmq_receiver;
    std::string run_id;    ///< Agent mode: the run they belong to; with --attach, the run to attach to.
    std::string agent_id;  ///< Agent mode: who measured them.
    /// Agent mode: this agent's share of an open-model run's arrivals (agent `agent_index` of
    /// `agent_count` takes every agent_count-th), and the run's shared start (seconds since the
    /// epoch) for the stages' and the schedule's clock.
    std::uint32_t agent_index = 0;
    std::uint32_t agent_count = 1;
    std::optional<double> start_at;
    /// --test-runner: the command line of an external runner ({test} is the test's name); empty
    /// for a test plugin.
    std::string test_runner;
    double external_process_timeout = 2;  ///< Seconds an external process may overrun, per hit.

    // Distributed runs (issue 5): the cluster's broker and what to ask of it.
    unsigned agents = 0;                                ///< --agents: 0 for a local run.
    std::string broker = "ipc:///tmp/loads-front.ipc";  ///< The broker's frontend.
    std::string zmq_publisher;                          ///< The broker's publisher; empty: ask the broker.
    std::vector<std::string> include_files;             ///< --include-file patterns shipped to agents.
    std::vector<std::string> observers;    ///< --observer names, each once: told when the run ends.
    std::vector<std::string> python_deps;  ///< --python-dep: refused (no meaning for C++ plugins).
    bool detach = false;
    bool attach = false;
    bool ping_broker = false;
    bool purge_broker = false;
    bool health_check = false;
    unsigned threads = 0;  ///< 0: one per core.
    unsigned stack_kib = 1024;
    double grace = 5;
    double timeout = 30;
    double connect_timeout = 10;
    bool quiet = false;
    bool no_patching = false;
    bool insecure = false;
    bool version = false;
    bool help = false;

    /// --output names (command line and config file), in order, each once.
    std::vector<std::string> outputs;
    /// Every output whose options are known: the built-ins and those named.
    std::vector<std::shared_ptr<const OutputPlugin>> output_plugins;
    /// Value of every option of those outputs, by long name (`output-json-filename`): as given,
    /// else the declared default; checked against the option's type.
    std::map<std::string, std::string> output_values;
    /// Every observer whose options are known: the built-ins and those named.
    std::vector<std::shared_ptr<const ObserverPlugin>> observer_plugins;
    /// The observer options given (command line or config file), by long name
    /// (`observer-irc-server`), checked against their type; the observer's defaults fill in
    /// the rest where it runs.
    std::map<std::string, std::string> observer_values;
    double observer_timeout = 30;  ///< Seconds the observers of a run may take, all together.
    /// Every option of the run as (long name, value text), for the outputs' run description.
    /// Observer options are left out: they may hold passwords.
    std::vector<std::pair<std::string, std::string>> all;
};

/// Loads the outputs whose options the command line may use: the built-ins plus those named
/// (`requested`), looked up with `test_dir` on the module path. @throws UsageError.
using OutputLoader = std::function<std::vector<std::shared_ptr<const OutputPlugin>>(
    const std::vector<std::string>& requested, const std::string& test_dir)>;

/// The runner's loader: built-in outputs first, then the named ones found on the module path.
std::vector<std::shared_ptr<const OutputPlugin>> load_outputs(const std::vector<std::string>& requested,
                                                              const std::string& test_dir);

/// Loads the observers whose options the command line may use: the built-ins plus those named.
using ObserverLoader = std::function<std::vector<std::shared_ptr<const ObserverPlugin>>(
    const std::vector<std::string>& requested, const std::string& test_dir)>;

/// The runner's loader: built-in observers first, then the named ones found on the module path.
std::vector<std::shared_ptr<const ObserverPlugin>> load_observers(const std::vector<std::string>& requested,
                                                                  const std::string& test_dir);

/// Parses argv, then the --config file if one is named (the command line wins; --output and
/// --observer values from both add up). Output and observer options become known through the
/// loaders. @throws UsageError for anything malformed, with a one-line message.
Options parse_options(const std::vector<std::string>& args, const OutputLoader& loader = load_outputs,
                      const ObserverLoader& observer_loader = load_observers);

/// The rules between options parse_options checks, in one place: which options exclude or need
/// which others (the cluster's modes, --zmq-receiver with --agent-id or --test-runner), and the
/// ranges of the values that no plan is made of (--agents, the observers, the timeouts of
/// observers and external runners; the plan's own are make_plan's). `agents_given`: whether
/// --agents was given at all, since its absence (0) means a local run and a 0 given is refused.
/// @throws UsageError for the first rule broken.
void check_options(const Options& options, bool agents_given);

/// The --help text, with the options of `outputs` and `observers`.
std::string usage_text(const std::vector<std::shared_ptr<const OutputPlugin>>& outputs = {},
                       const std::vector<std::shared_ptr<const ObserverPlugin>>& observers = {});

/// Turns validated options into the plan's numbers (cycles, durations, threads) and, with
/// `with_tls`, the TLS client (which reads --ca-file; a distributed run's agents do that).
/// @throws UsageError (bad cycle, --hits with --duration, out-of-range values).
RunPlan make_plan(const Options& options, bool with_tls = true);

}  // namespace loads::host
