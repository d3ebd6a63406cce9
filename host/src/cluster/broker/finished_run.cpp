#include "cluster/broker/finished_run.hpp"

#include <algorithm>

#include "base/json_value.hpp"

namespace loads::host {

namespace {

std::vector<AgentReport> agent_reports(const FinishedRun& r) {
    std::vector<AgentReport> out;
    for (const RunAgent& a : r.agents) {
        out.push_back({a.id, a.hostname, state_name(a.state), a.changed_at, a.message});
    }
    std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.agent_id < y.agent_id; });
    return out;
}

// An option's value as text, the way a runner's own run describes it.
std::string option_text(const JsonValue& v) {
    if (const auto s = v.as_string()) {
        return std::string(*s);
    }
    if (const auto* items = v.as_array()) {
        std::string joined;
        for (const auto& item : *items) {
            joined += (joined.empty() ? "" : ",") + option_text(item);
        }
        return joined;
    }
    return v.is_null() ? std::string() : v.dump();
}

}  // namespace

std::string run_summary_line(const FinishedRun& r) {
    return summary_sentence(r.total, r.ended - r.run.started, r.run.run_id, r.status, agent_reports(r));
}

Notification notification_of(const FinishedRun& r) {
    Notification n;
    n.run_id = r.run.run_id;
    n.fqn = r.run.fqn;
    n.status = r.status;
    n.started = r.run.started;
    n.ended = r.ended;
    n.total = r.total;
    n.agents = agent_reports(r);
    try {
        const JsonValue parsed = JsonValue::parse(r.run.options_json);
        if (const auto* args = parsed.as_object()) {
            for (const auto& [name, value] : *args) {
                if (!is_observer_option(name)) {
                    n.options.emplace_back(name, option_text(value));
                }
            }
        }
    } catch (const JsonParseError&) {
        // The broker wrote this text itself from a parsed request: it is JSON.
    }
    n.text = run_summary_line(r);
    n.observer_values = r.run.observer_values;
    return n;
}

}  // namespace loads::host
