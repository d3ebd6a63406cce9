#include "cluster/run_request.hpp"

#include <algorithm>

#include "cluster/protocol.hpp"
#include "plugins/observer_plugin.hpp"
#include "plugins/plugin_library.hpp"

namespace loads::host {

namespace {

std::string read_agents(const JsonValue& request, RunRequest& into) {
    const auto wanted = request.int_at("agents");
    if (!wanted || *wanted < 1 || *wanted > k_max_agents_per_run) {
        return "\"agents\" must be a number of agents from 1 to " + std::to_string(k_max_agents_per_run);
    }
    into.agents = static_cast<std::size_t>(*wanted);
    return {};
}

std::string read_args(const JsonValue& request, RunRequest& into) {
    const JsonValue* args = request.find("args");
    if (args == nullptr || !args->is_object() || !args->string_at("fqn") || args->string_at("fqn")->empty()) {
        return "\"args\" must be an object naming the test (\"fqn\")";
    }
    into.fqn = std::string(*args->string_at("fqn"));
    into.args_json = args->dump();
    for (const char* key : {"rate", "rate-stages", "stages"}) {
        const auto value = args->string_at(key);
        into.shared_clock = into.shared_clock || (value && !value->empty());
    }
    return {};
}

std::string read_observers(const JsonValue& request, RunRequest& into) {
    const JsonValue* list = request.find("observers");
    if (list == nullptr) {
        return {};
    }
    const auto* items = list->as_array();
    if (items == nullptr) {
        return "\"observers\" must be a list of names";
    }
    for (const auto& o : *items) {
        // Names become file and plugin names where the observers run: nothing but an observer's
        // name ([a-z0-9_]) gets that far.
        const auto name = o.as_string();
        if (!name || !valid_plugin_name(*name)) {
            return "\"observers\" must be a list of observer names (a-z, 0-9, '_')";
        }
        if (std::find(into.observers.begin(), into.observers.end(), *name) == into.observers.end()) {
            into.observers.emplace_back(*name);
        }
    }
    if (into.observers.size() > k_max_observers) {
        return "a run may name at most " + std::to_string(k_max_observers) + " observers";
    }
    return {};
}

std::string read_observer_options(const JsonValue& request, RunRequest& into) {
    const JsonValue* given = request.find("observer_options");
    if (given == nullptr) {
        return {};
    }
    const auto* values = given->as_object();
    if (values == nullptr) {
        return "\"observer_options\" must be an object of strings";
    }
    for (const auto& [key, value] : *values) {
        if (!value.as_string() || !key.starts_with("observer-")) {
            return "\"observer_options\" must map observer-* options to strings";
        }
        into.observer_values[key] = std::string(*value.as_string());
    }
    return {};
}

std::string read_observer_timeout(const JsonValue& request, RunRequest& into) {
    const JsonValue* given = request.find("observer_timeout");
    if (given == nullptr) {
        return {};
    }
    const auto t = given->as_number();
    if (!t || !(*t > 0) || *t > 3600) {
        return "\"observer_timeout\" must be a number of seconds > 0, at most 3600";
    }
    into.observer_timeout = *t;
    return {};
}

// A runner may name the run itself, so it can subscribe to the run's figures before it starts.
std::string read_run_id(const JsonValue& request, RunRequest& into) {
    const JsonValue* given = request.find("run_id");
    if (given == nullptr) {
        return {};
    }
    const auto id = given->as_string();
    if (!id || !plausible_run_id(*id)) {
        return "\"run_id\" must be 1 to 64 letters, digits or '-'";
    }
    into.run_id = std::string(*id);
    return {};
}

}  // namespace

std::string parse_run_request(const JsonValue& request, std::size_t attachments, RunRequest& into) {
    into = RunRequest();
    // A fixed order: a request wrong in several ways always gets the same refusal.
    for (const auto read :
         {read_agents, read_args, read_observers, read_observer_options, read_observer_timeout}) {
        if (std::string refused = read(request, into); !refused.empty()) {
            return refused;
        }
    }
    if (attachments > 1) {
        return "a run takes at most one attachment (its files)";
    }
    return read_run_id(request, into);
}

}  // namespace loads::host
