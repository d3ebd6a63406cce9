// loads-notify: calls one observer for one run, in a process of its own (see observer_calls.hpp).
// Not a command for people: loads-runner and loads-broker start it as
//   loads-notify REQUEST OBSERVER DEADLINE_US RESULT
// REQUEST is the notification file, DEADLINE_US when the observer must be done (microseconds
// since the epoch), RESULT the file that receives "ok" or "failed", a newline and the one-line
// message. Exit status: 0 delivered, 1 not delivered, 2 bad arguments or request.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "base/abi_strings.hpp"
#include "base/log.hpp"
#include "base/process_info.hpp"
#include "base/usage_error.hpp"
#include "plugins/observer_plugin.hpp"
#include "reporting/notification.hpp"
#include "results/snapshot.hpp"

namespace {

using namespace loads::host;

constexpr std::size_t k_max_request = 64 * 1024 * 1024;

// Past this, an observer's message is cut: it is one line in a terminal or a log.
constexpr std::size_t k_max_message = 2000;

int report(const std::string& path, bool ok, const std::string& message) {
    std::ofstream out(path, std::ios::trunc);
    out << (ok ? "ok" : "failed") << '\n' << log_text(message, k_max_message) << '\n';
    out.flush();
    return ok ? 0 : 1;
}

// The ABI's (name, value) pairs over `pairs`, which must outlive them.
std::vector<loads_option_value> option_views(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::vector<loads_option_value> views;
    for (const auto& [name, value] : pairs) {
        views.push_back({view(name), view(value)});
    }
    return views;
}

// Every declared option's value: as given for the run, else the default. The runner checked the
// values against its own copy of the observer; this copy (the broker's) checks them again.
std::vector<std::pair<std::string, std::string>> option_values(const ObserverPlugin& plugin,
                                                               const Notification& n) {
    std::vector<std::pair<std::string, std::string>> values;
    for (const PluginOption& option : plugin.options()) {
        const std::string key = observer_option_key(plugin.name(), option.name);
        const auto given = n.observer_values.find(key);
        if (given == n.observer_values.end()) {
            values.emplace_back(option.name, option.default_value);
            continue;
        }
        const auto normalised = normalised_option_value(option.type, given->second);
        if (!normalised) {
            throw UsageError("--" + key + " takes " + option_type_text(option.type) + ", not '" +
                             given->second + "'");
        }
        values.emplace_back(option.name, *normalised);
    }
    return values;
}

int notify(const std::vector<std::string>& args) {
    if (args.size() != 4) {
        std::cerr << "usage: loads-notify REQUEST OBSERVER DEADLINE_US RESULT (started by loads-runner and "
                     "loads-broker)\n";
        return 2;
    }
    const std::string& result = args[3];
    std::int64_t deadline_us = 0;
    try {
        deadline_us = std::stoll(args[2]);
    } catch (const std::exception&) {
        return report(result, false, "loads-notify: bad deadline '" + args[2] + "'");
    }
    std::ifstream in(args[0], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
        return report(result, false, "cannot read the notification " + args[0]);
    }
    if (bytes.size() > k_max_request) {
        return report(result, false, "the notification is too large");
    }
    const Notification n = decode_notification(bytes);
    // loads-notify lives in lib/loads, beside the built-in observers' folder (the runner and the
    // broker find it from bin/).
    if (const char* dir = std::getenv("LOADS_OBSERVER_DIR"); dir == nullptr || *dir == '\0') {
        ::setenv("LOADS_OBSERVER_DIR", (program_dir() / "observers").c_str(), 1);
    }
    const auto plugin = ObserverPlugin::load(args[1], n.search);
    const auto values = option_values(*plugin, n);

    const std::vector<loads_option_value> value_views = option_views(values);
    loads_observer_config config{};
    config.struct_size = sizeof(config);
    config.values = value_views.data();
    config.value_count = value_views.size();
    config.deadline_us = deadline_us;

    const StatsView total(n.total);
    const AgentViews agents(n.agents);
    const std::vector<loads_option_value> run_options = option_views(n.options);
    const std::string version = LOADS_VERSION;
    loads_run_summary summary{};
    summary.struct_size = sizeof(summary);
    summary.run_id = view(n.run_id);
    summary.fqn = view(n.fqn);
    summary.status = view(n.status);
    summary.started_us = static_cast<std::int64_t>(n.started * 1e6);
    summary.ended_us = static_cast<std::int64_t>(n.ended * 1e6);
    summary.total = &total.get();
    summary.agents = agents.data();
    summary.agent_count = agents.size();
    summary.options = run_options.data();
    summary.option_count = run_options.size();
    summary.text = view(n.text);
    summary.node = view(n.node);
    summary.version = view(version);

    loads_outcome outcome{};
    outcome.struct_size = sizeof(outcome);
    const std::int32_t status = plugin->descriptor().notify(&config, &summary, &outcome);
    const std::string message(text(outcome.message));
    if (status == LOADS_STATUS_SUCCESS) {
        return report(result, true, message);
    }
    return report(result, false, message.empty() ? std::string("failed without saying why") : message);
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return notify(args);
    } catch (const std::exception& e) {
        // A request this copy of loads cannot serve (unknown observer, bad value): the observer's
        // failure, in one line.
        if (args.size() == 4) {
            report(args[3], false, e.what());
        }
        std::cerr << "loads-notify: " << e.what() << '\n';
        return 2;
    }
}
