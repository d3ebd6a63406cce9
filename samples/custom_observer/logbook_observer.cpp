// logbook: a third-party observer plugin, built out of tree against the installed loads SDK.
// It appends one JSON line per run to a file — a history of runs that a CI job can archive,
// grep or chart: when, what, how it ended, how fast, how many problems.
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>

#include <loads/observer.hpp>

namespace {

// JSON string escaping for what the host hands over (UTF-8 text).
std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string utc_time(std::int64_t us) {
    const std::time_t t = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

class Logbook : public loads::Observer {
public:
    explicit Logbook(const loads::ObserverOptions& options)
        : m_path(options.string("path")), m_label(options.string("label")) {}

    std::string notify(const loads_run_summary& run) override {
        const loads_stats& t = *run.total;
        const double seconds = double(run.ended_us - run.started_us) / 1e6;
        std::string line =
            "{\"started\":" + quoted(utc_time(run.started_us)) +
            ",\"run_id\":" + quoted(loads::text(run.run_id)) + ",\"test\":" + quoted(loads::text(run.fqn)) +
            ",\"status\":" + quoted(loads::text(run.status)) + ",\"seconds\":" + loads::fixed(seconds, 3) +
            ",\"hits\":" + std::to_string(t.hits) +
            ",\"rps\":" + loads::fixed(seconds > 0 ? double(t.hits) / seconds : 0.0, 2) +
            ",\"p99_ms\":" + loads::fixed(double(t.latency.p99_us) / 1000.0, 3) +
            ",\"failures\":" + std::to_string(t.failures) + ",\"errors\":" + std::to_string(t.errors) +
            ",\"agents\":" + std::to_string(run.agent_count);
        if (!m_label.empty()) {
            line += ",\"label\":" + quoted(m_label);
        }
        line += "}\n";
        // One write in append mode: lines from runs that end together never interleave.
        std::FILE* f = std::fopen(m_path.c_str(), "a");
        if (f == nullptr) {
            throw std::runtime_error("cannot open " + m_path);
        }
        const bool written = std::fwrite(line.data(), 1, line.size(), f) == line.size();
        if (std::fclose(f) != 0 || !written) {
            throw std::runtime_error("cannot write " + m_path);
        }
        return "logged to " + m_path;
    }

private:
    std::string m_path;
    std::string m_label;
};

constexpr loads_option_v1 k_options[] = {
    loads::option("path", "the JSON Lines file runs are appended to", LOADS_OPTION_STRING,
                  "loads-runs.jsonl"),
    loads::option("label", "a label written with every run (a build number, a branch)", LOADS_OPTION_STRING),
};

}  // namespace

LOADS_OBSERVER(Logbook, logbook, "appends a JSON line per run to a file", k_options)
