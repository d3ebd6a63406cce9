// recorder: an observer that writes down everything it was told, one `key=value` line each, so
// the tests can check what reaches an observer (figures, run id, agents, options, deadline) from
// a local run and from the broker.
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <loads/observer.hpp>

namespace {

class Recorder : public loads::Observer {
public:
    explicit Recorder(const loads::ObserverOptions& options)
        : m_path(options.string("path")),
          m_secret(options.string("secret")),
          m_flag(options.flag("flag")),
          m_deadline(options.deadline()) {}

    std::string notify(const loads_run_summary& run) override {
        if (m_path.empty()) {
            throw std::runtime_error("no path: set --observer-recorder-path");
        }
        std::string out;
        const auto line = [&](const std::string& key, const std::string& value) {
            out += key + "=" + value + "\n";
        };
        line("run_id", std::string(loads::text(run.run_id)));
        line("fqn", std::string(loads::text(run.fqn)));
        line("status", std::string(loads::text(run.status)));
        line("seconds", loads::fixed(double(run.ended_us - run.started_us) / 1e6, 3));
        line("hits", std::to_string(run.total->hits));
        line("tests", std::to_string(run.total->tests_finished));
        line("failures", std::to_string(run.total->failures));
        line("errors", std::to_string(run.total->errors));
        line("p50_us", std::to_string(run.total->latency.p50_us));
        for (std::size_t i = 0; i < run.total->counter_count; ++i) {
            line("counter." + std::string(loads::text(run.total->counters[i].name)),
                 std::to_string(run.total->counters[i].value));
        }
        for (std::size_t i = 0; i < run.agent_count; ++i) {
            line("agent", std::string(loads::text(run.agents[i]->agent_id)) + " " +
                              std::string(loads::text(run.agents[i]->state)));
        }
        for (std::size_t i = 0; i < run.option_count; ++i) {
            line("option." + std::string(loads::text(run.options[i].name)),
                 std::string(loads::text(run.options[i].value)));
        }
        line("text", std::string(loads::text(run.text)));
        line("node", std::string(loads::text(run.node)));
        line("secret", m_secret);
        line("flag", m_flag ? "true" : "false");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            m_deadline - std::chrono::system_clock::now());
        line("deadline_ms", std::to_string(left.count()));
        std::FILE* f = std::fopen(m_path.c_str(), "a");
        if (f == nullptr) {
            throw std::runtime_error("cannot write " + m_path);
        }
        std::fputs(out.c_str(), f);
        std::fclose(f);
        return "recorded in " + m_path;
    }

private:
    std::string m_path;
    std::string m_secret;
    bool m_flag;
    std::chrono::system_clock::time_point m_deadline;
};

constexpr loads_option_v1 k_options[] = {
    loads::option("path", "file the summary is appended to", LOADS_OPTION_STRING),
    loads::option("secret", "a value that must reach the observer and nobody else", LOADS_OPTION_STRING),
    loads::option("flag", "a boolean, to check its normalisation", LOADS_OPTION_BOOL, "false"),
};

}  // namespace

LOADS_OBSERVER(Recorder, recorder, "writes what it is told to a file (tests)", k_options)
