// The json output: one machine-readable document summing the run up — totals, rates,
// percentiles overall and per URL, statuses, counters, error groups and the run's options —
// for dashboards and CI scripts. Durations are in milliseconds (keys end in _ms).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <loads/output.hpp>

#include <loads/report_text.hpp>

namespace {

using loads::text;
using loads::report_text::iso8601;
using loads::report_text::json_number;
using loads::report_text::json_string;

std::string u(std::uint64_t v) {
    return std::to_string(v);
}

std::string ms(std::uint64_t micros) {
    return json_number(double(micros) / 1000.0);
}

std::string latency(const loads_latency& l, const std::string& indent) {
    const double mean = l.count ? double(l.sum_us) / double(l.count) / 1000.0 : 0.0;
    return "{\n" + indent + "  \"count\": " + u(l.count) + ",\n" + indent +
           "  \"mean_ms\": " + json_number(mean) + ",\n" + indent + "  \"min_ms\": " + ms(l.min_us) + ",\n" +
           indent + "  \"p50_ms\": " + ms(l.p50_us) + ",\n" + indent + "  \"p90_ms\": " + ms(l.p90_us) +
           ",\n" + indent + "  \"p95_ms\": " + ms(l.p95_us) + ",\n" + indent +
           "  \"p99_ms\": " + ms(l.p99_us) + ",\n" + indent + "  \"p99_9_ms\": " + ms(l.p999_us) + ",\n" +
           indent + "  \"max_ms\": " + ms(l.max_us) + "\n" + indent + "}";
}

// The run's thresholds: always present (empty without any), so a CI script can read it blindly.
std::string thresholds(const loads_snapshot& s) {
    const std::size_t n = LOADS_HAS_FIELD(&s, loads_snapshot, threshold_count) ? s.threshold_count : 0;
    std::string out = "  \"thresholds\": [";
    for (std::size_t i = 0; i < n; ++i) {
        const loads_threshold& t = *s.thresholds[i];
        out += std::string(i ? "," : "") + "\n    {\"expression\": " + json_string(text(t.expression)) +
               ", \"scope\": " + json_string(text(t.scope)) + ", \"metric\": " + json_string(text(t.metric)) +
               ", \"op\": " + json_string(text(t.op)) + ", \"limit\": " + json_number(t.limit) +
               ", \"unit\": " + json_string(text(t.unit)) +
               ", \"measured\": " + (std::isnan(t.measured) ? std::string("null") : json_number(t.measured)) +
               ", \"passed\": " + (t.passed ? "true" : "false") +
               ", \"aborted\": " + (t.aborted ? "true" : "false") + ", \"partial\": " +
               (LOADS_HAS_FIELD(&t, loads_threshold, partial) && t.partial ? "true" : "false") + "}";
    }
    return out + (n ? "\n  ],\n" : "],\n");
}

std::string statuses(const loads_status_count* s, std::size_t n) {
    std::string out = "{";
    for (std::size_t i = 0; i < n; ++i) {
        out += (i ? ", " : "") + ("\"" + std::to_string(s[i].status) + "\": ") + u(s[i].count);
    }
    return out + "}";
}

std::string cycle(const std::uint32_t* v, std::size_t n) {
    std::string out = "[";
    for (std::size_t i = 0; i < n; ++i) {
        out += (i ? ", " : "") + u(v[i]);
    }
    return out + "]";
}

class JsonOutput final : public loads::Output {
public:
    explicit JsonOutput(const loads::OutputOptions& options) : m_path(options.string("filename")) {
        loads::check_writable(m_path);  // fail now, before any load, if the report could not be written
    }

    // {"kind": "users"|"rate", "list": [{"seconds": 30, "target": 100}, ...]}, or null.
    static std::string stages(const loads_run_info& run) {
        if (!LOADS_HAS_FIELD(&run, loads_run_info, stage_kind) || run.stage_count == 0) {
            return "null";
        }
        std::string out = std::string("{\"kind\": \"") +
                          (run.stage_kind == LOADS_STAGES_USERS ? "users" : "rate") + "\", \"list\": [";
        for (std::size_t i = 0; i < run.stage_count; ++i) {
            out += std::string(i ? ", " : "") + "{\"seconds\": " + json_number(run.stages[i].seconds) +
                   ", \"target\": " + json_number(run.stages[i].target) + "}";
        }
        return out + "]}";
    }

    void start(const loads_run_info& run) override {
        m_head = "  \"test\": " + json_string(text(run.fqn)) +
                 ",\n  \"loads_version\": " + json_string(text(run.version)) +
                 ",\n  \"node\": " + json_string(text(run.node)) +
                 ",\n  \"started\": " + json_string(iso8601(run.started_us)) + ",\n";
        const bool open = LOADS_HAS_FIELD(&run, loads_run_info, max_users);
        m_rate = open ? run.rate : 0.0;
        m_window = run.duration;
        const std::uint64_t max_users = open ? run.max_users : 0;
        m_plan = "  \"plan\": {\n    \"users\": " + cycle(run.users, run.user_cycles) +
                 ",\n    \"hits\": " + cycle(run.hits, run.hit_cycles) +
                 ",\n    \"duration\": " + json_number(run.duration) +
                 ",\n    \"planned_tests\": " + u(run.planned_tests) + ",\n    \"agents\": " + u(run.agents) +
                 ",\n    \"rate\": " + json_number(m_rate) + ",\n    \"max_users\": " + u(max_users) +
                 ",\n    \"stages\": " + stages(run) +
                 ",\n    \"server_url\": " + json_string(text(run.server_url)) + "\n  },\n";
        m_options = "  \"options\": {";
        for (std::size_t i = 0; i < run.option_count; ++i) {
            m_options += std::string(i ? "," : "") + "\n    " + json_string(text(run.options[i].name)) +
                         ": " + json_string(text(run.options[i].value));
        }
        m_options += "\n  }\n";
    }

    void finish(const loads_snapshot& s) override {
        const loads_stats& t = *s.total;
        const double seconds = s.elapsed;
        const bool open = LOADS_HAS_FIELD(&t, loads_stats, service_time);
        // An open-model run's arrivals per second: over --duration's window, else the whole run.
        const double window = m_window > 0 ? std::min(m_window, seconds) : seconds;
        std::string out = "{\n" + m_head;
        out += "  \"duration\": " + json_number(seconds) + ",\n";
        out += "  \"interrupted\": " + std::string(s.interrupted ? "true" : "false") + ",\n";
        out += m_plan;
        out += "  \"totals\": {\n    \"hits\": " + u(t.hits) + ",\n    \"tests\": " + u(t.tests_finished) +
               ",\n    \"successes\": " + u(t.successes) + ",\n    \"failures\": " + u(t.failures) +
               ",\n    \"errors\": " + u(t.errors) + ",\n    \"cancelled\": " + u(t.cancelled) +
               ",\n    \"sockets_opened\": " + u(t.sockets_opened) +
               ",\n    \"sockets_closed\": " + u(t.sockets_closed) +
               ",\n    \"socket_bytes\": " + u(t.socket_bytes) + ",\n    \"malformed_messages\": " +
               u(LOADS_HAS_FIELD(&t, loads_stats, malformed_messages) ? t.malformed_messages : 0) +
               ",\n    \"arrivals\": " + u(open ? t.arrivals : 0) +
               ",\n    \"dropped_arrivals\": " + u(open ? t.dropped_arrivals : 0) + "\n  },\n";
        out += "  \"rates\": {\n    \"requests_per_second\": " +
               json_number(seconds > 0 ? double(t.hits) / seconds : 0.0) + ",\n    \"tests_per_second\": " +
               json_number(seconds > 0 ? double(t.tests_finished) / seconds : 0.0) +
               ",\n    \"success_rate\": " +
               json_number(t.tests_finished ? double(t.successes) / double(t.tests_finished) : 0.0) +
               ",\n    \"target_arrivals_per_second\": " + json_number(m_rate) +
               ",\n    \"arrivals_per_second\": " +
               json_number(open && window > 0 ? double(t.arrivals) / window : 0.0) + "\n  },\n";
        // Open model: `latency` is corrected (from each scheduled arrival), `service_time` runs from
        // each send; in a closed-model run `latency` is the service time and `service_time` is empty.
        out += "  \"latency\": " + latency(t.latency, "  ") + ",\n";
        out +=
            "  \"service_time\": " + (open ? latency(t.service_time, "  ") : latency(loads_latency{}, "  ")) +
            ",\n";
        out += "  \"statuses\": " + statuses(t.statuses, t.status_count) + ",\n";
        out += "  \"urls\": [";
        for (std::size_t i = 0; i < t.url_count; ++i) {
            const loads_url_stats& url = *t.urls[i];
            out += std::string(i ? "," : "") + "\n    {\n      \"url\": " + json_string(text(url.url)) +
                   ",\n      \"hits\": " + u(url.hits) + ",\n      \"successes\": " + u(url.successes) +
                   ",\n      \"success_rate\": " +
                   json_number(url.hits ? double(url.successes) / double(url.hits) : 0.0) +
                   ",\n      \"statuses\": " + statuses(url.statuses, url.status_count) +
                   ",\n      \"latency\": " + latency(url.latency, "      ") + "\n    }";
        }
        out += t.url_count ? "\n  ],\n" : "],\n";
        out += "  \"counters\": {";
        for (std::size_t i = 0; i < t.counter_count; ++i) {
            out += std::string(i ? "," : "") + "\n    " + json_string(text(t.counters[i].name)) + ": " +
                   std::to_string(t.counters[i].value);
        }
        out += t.counter_count ? "\n  },\n" : "},\n";
        out += "  \"problems\": [";
        for (std::size_t i = 0; i < t.problem_count; ++i) {
            const loads_problem& p = *t.problems[i];
            out += std::string(i ? "," : "") + "\n    {\"kind\": \"" +
                   (p.kind == LOADS_STATUS_FAILURE ? "failure" : "error") + "\", \"count\": " + u(p.count) +
                   ", \"type\": " + json_string(text(p.error_type)) +
                   ", \"message\": " + json_string(text(p.message)) +
                   ", \"location\": " + json_string(text(p.location)) + "}";
        }
        out += t.problem_count ? "\n  ],\n" : "],\n";
        if (LOADS_HAS_FIELD(&s, loads_snapshot, agent_count) && s.agent_count > 0) {
            out += "  \"agents\": [";
            for (std::size_t i = 0; i < s.agent_count; ++i) {
                const loads_agent_report& a = *s.agents[i];
                out += std::string(i ? "," : "") + "\n    {\"agent_id\": " + json_string(text(a.agent_id)) +
                       ", \"hostname\": " + json_string(text(a.hostname)) +
                       ", \"state\": " + json_string(text(a.state)) +
                       ", \"changed\": " + json_string(iso8601(a.changed_us)) +
                       ", \"message\": " + json_string(text(a.message)) + "}";
            }
            out += "\n  ],\n";
        }
        out += thresholds(s);
        out += m_options + "}\n";
        loads::write_file(m_path, out);
    }

private:
    std::string m_path;
    std::string m_head;
    std::string m_plan;
    double m_rate = 0;    ///< Open model: target arrivals per second (0: closed model).
    double m_window = 0;  ///< --duration, or 0.
    std::string m_options = "  \"options\": {}\n";
};

constexpr loads_option_v1 k_options[] = {
    loads::option("filename", "file the summary is written to ('-': stdout)", LOADS_OPTION_STRING,
                  "loads-report.json"),
};

}  // namespace

LOADS_OUTPUT(JsonOutput, json,
             "one JSON document: totals, rates, percentiles overall and per URL, errors, options", 0,
             k_options)
