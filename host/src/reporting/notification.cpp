#include "reporting/notification.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "base/json_value.hpp"
#include "base/json_writer.hpp"
#include "results/stats_codec.hpp"

namespace loads::host {

namespace {

constexpr std::string_view k_magic = "LNT1";

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string string_member(const JsonValue& v, std::string_view key) {
    const auto s = v.string_at(key);
    if (!s) {
        throw std::runtime_error("malformed notification: no \"" + std::string(key) + "\"");
    }
    return std::string(*s);
}

double number_member(const JsonValue& v, std::string_view key) {
    const auto d = v.number_at(key);
    if (!d) {
        throw std::runtime_error("malformed notification: no \"" + std::string(key) + "\"");
    }
    return *d;
}

const JsonValue::Array& array_member(const JsonValue& v, std::string_view key) {
    const JsonValue* m = v.find(key);
    if (m == nullptr || m->as_array() == nullptr) {
        throw std::runtime_error("malformed notification: no \"" + std::string(key) + "\" list");
    }
    return *m->as_array();
}

}  // namespace

std::string summary_sentence(const RunStats& t, double seconds, const std::string& run_id,
                             const std::string& status, const std::vector<AgentReport>& agents) {
    seconds = std::max(0.0, seconds);
    std::string line = "Test over. Ran " + std::to_string(t.tests_finished()) + " tests in " +
                       fixed(seconds, 2) + " s. " + std::to_string(t.hits()) + " hits, " +
                       fixed(seconds > 0 ? double(t.hits()) / seconds : 0.0, 2) + " RPS. " +
                       std::to_string(t.failures()) + " failures, " + std::to_string(t.errors()) + " errors";
    if (t.hits() > 0) {
        line += ", p50 " + fixed(double(t.latency().value_at_percentile(50)) / 1000.0, 1) + " ms, p99 " +
                fixed(double(t.latency().value_at_percentile(99)) / 1000.0, 1) + " ms";
    }
    line += ". Run " + run_id + ": " + status + ".";
    for (const AgentReport& a : agents) {
        if (a.state != "finished") {
            line += " Agent " + a.agent_id + " " + a.state +
                    (a.message.empty() ? "" : " (" + a.message + ")") + ".";
        }
    }
    return line;
}

bool is_observer_option(std::string_view name) {
    return name == "observer" || name.starts_with("observer-");
}

std::string encode_notification(const Notification& n) {
    JsonWriter w;
    w.begin_object();
    w.member("run_id", n.run_id).member("fqn", n.fqn).member("status", n.status);
    w.member("started", n.started).member("ended", n.ended);
    w.member("text", n.text).member("node", n.node);
    w.key("agents").begin_array();
    for (const AgentReport& a : n.agents) {
        w.begin_object()
            .member("id", a.agent_id)
            .member("hostname", a.hostname)
            .member("state", a.state)
            .member("changed", a.changed_at)
            .member("message", a.message)
            .end_object();
    }
    w.end_array().key("options").begin_array();
    for (const auto& [name, value] : n.options) {
        w.begin_array().value(name).value(value).end_array();
    }
    w.end_array().key("search").begin_array();
    for (const auto& dir : n.search) {
        w.value(dir.string());
    }
    w.end_array().key("observer_values").begin_object();
    for (const auto& [name, value] : n.observer_values) {
        w.member(name, value);
    }
    w.end_object().end_object();
    const std::string head = w.take();
    const auto size = static_cast<std::uint32_t>(head.size());
    std::string out(k_magic);
    for (int i = 0; i < 4; ++i) {
        out += static_cast<char>((size >> (8 * i)) & 0xFF);
    }
    return out + head + encode_stats(n.total);
}

Notification decode_notification(std::string_view bytes) {
    if (bytes.size() < k_magic.size() + 4 || bytes.substr(0, k_magic.size()) != k_magic) {
        throw std::runtime_error("not a loads notification");
    }
    std::uint32_t size = 0;
    for (int i = 0; i < 4; ++i) {
        size |= std::uint32_t(static_cast<unsigned char>(bytes[k_magic.size() + i])) << (8 * i);
    }
    const std::size_t head_at = k_magic.size() + 4;
    if (size > bytes.size() - head_at) {
        throw std::runtime_error("truncated notification");
    }
    const JsonValue head = JsonValue::parse(bytes.substr(head_at, size));
    Notification n;
    n.run_id = string_member(head, "run_id");
    n.fqn = string_member(head, "fqn");
    n.status = string_member(head, "status");
    n.started = number_member(head, "started");
    n.ended = number_member(head, "ended");
    n.text = string_member(head, "text");
    n.node = string_member(head, "node");
    for (const JsonValue& a : array_member(head, "agents")) {
        n.agents.push_back(AgentReport{string_member(a, "id"), string_member(a, "hostname"),
                                       string_member(a, "state"), number_member(a, "changed"),
                                       string_member(a, "message")});
    }
    for (const JsonValue& pair : array_member(head, "options")) {
        const auto* items = pair.as_array();
        if (items == nullptr || items->size() != 2 || !(*items)[0].as_string() || !(*items)[1].as_string()) {
            throw std::runtime_error("malformed notification: an option is not a [name, value] pair");
        }
        n.options.emplace_back(*(*items)[0].as_string(), *(*items)[1].as_string());
    }
    for (const JsonValue& dir : array_member(head, "search")) {
        if (const auto s = dir.as_string()) {
            n.search.emplace_back(std::string(*s));
        }
    }
    if (const JsonValue* values = head.find("observer_values"); values != nullptr && values->as_object()) {
        for (const auto& [name, value] : *values->as_object()) {
            if (const auto s = value.as_string()) {
                n.observer_values[name] = std::string(*s);
            }
        }
    }
    if (const std::string why = decode_stats(bytes.substr(head_at + size), n.total); !why.empty()) {
        throw std::runtime_error("malformed notification figures: " + why);
    }
    return n;
}

}  // namespace loads::host
