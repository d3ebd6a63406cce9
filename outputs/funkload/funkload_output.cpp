// The funkload output: the XML FunkLoad's `fl-build-report` reads — a <config> per run setting,
// a <response> per hit and a <testResult> per test outcome (the seed's layout, spec section 5).
// It is written as the run goes, not kept in memory, and it is fed by events, so it works the
// same for local, distributed and external runs. Departures from the seed, on purpose: values
// are XML-escaped; a response's result is "Failure" for statuses >= 400; `step` numbers the
// requests of one test execution (FunkLoad's pages) and suite/name are filled in; times keep
// their milliseconds.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <loads/output.hpp>

#include <loads/report_text.hpp>

namespace {

using loads::text;
using loads::report_text::xml_text;

std::string three_digits(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%03llu", static_cast<unsigned long long>(v));
    return buf;
}

std::string epoch_seconds(std::int64_t micros) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(micros / 1'000'000),
                  static_cast<long long>((micros % 1'000'000) / 1000));
    return buf;
}

std::string seconds(std::uint64_t micros) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", double(micros) / 1e6);
    return buf;
}

// What one virtual user's current execution has done so far.
struct Execution {
    std::int64_t started_us = 0;
    std::uint64_t requests = 0;
    std::vector<std::string> problems;  // tracebacks, one per failure or error
};

class FunkloadOutput final : public loads::Output {
public:
    // Written as the run goes into `<filename>.partial`, renamed at the end: a run that never
    // finishes leaves an earlier report as it was.
    explicit FunkloadOutput(const loads::OutputOptions& options)
        : m_path(options.string("filename")), m_partial(m_path == "-" ? m_path : m_path + ".partial") {
        loads::check_writable(m_path);
        m_file = loads::open_file(m_partial, "w");
    }
    ~FunkloadOutput() override {
        if (m_file != nullptr && m_file != stdout) {
            std::fclose(m_file);
            std::remove(m_partial.c_str());
        }
    }

    void start(const loads_run_info& run) override {
        m_suite = text(run.class_name);
        m_name = text(run.method);
        const std::string started = loads::report_text::iso8601(run.started_us).substr(0, 19);
        std::string users = "[";
        for (std::size_t i = 0; i < run.user_cycles; ++i) {
            users += (i ? ", " : "") + std::to_string(run.users[i]);
        }
        users += "]";
        std::error_code ec;
        const std::string log_xml = m_path == "-"
                                        ? std::string("-")
                                        : std::filesystem::absolute(m_path, ec).lexically_normal().string();
        char duration[32];
        std::snprintf(duration, sizeof duration, "%g", run.duration);
        // The seed's keys, in the order it wrote them.
        const std::pair<const char*, std::string> config[] = {
            {"node", std::string(text(run.node))},
            {"sleep_time_min", "0.0"},
            {"class_description", "Loads Funkload export " + std::string(text(run.version))},
            {"log_xml", log_xml},
            {"cycle_time", "0"},
            {"description", "No test description"},
            {"startup_delay", "0.0"},
            {"configuration_file", ""},
            {"class_title", ""},
            {"server_url", std::string(text(run.server_url))},
            {"module", std::string(text(run.module))},
            {"class", m_suite},
            {"method", m_name},
            {"sleep_time", "0.0"},
            {"sleep_time_max", "0.0"},
            {"duration", run.duration > 0 ? std::string(duration) : std::string("1")},
            {"cycles", users},
            {"id", m_name},
            {"python_version", "none (loads-runner " + std::string(text(run.version)) + ", C++)"},
        };
        std::string out = "<funkload version=\"1.17.0\" time=\"" + started + "\">\n";
        for (const auto& [key, value] : config) {
            out += "<config key=\"" + std::string(key) + "\" value=\"" + xml_text(value) + "\"/>\n";
        }
        write(out);
    }

    void event(const loads_event& e) override {
        Execution& x = m_executions[{e.agent, e.cycle, e.user}];
        switch (e.kind) {
            case LOADS_EVENT_TEST_START:
                x = Execution{e.time_us, 0, {}};
                break;
            case LOADS_EVENT_HIT: {
                ++x.requests;
                std::string method(text(e.method));
                for (char& c : method) {
                    c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
                }
                write("<response\n    cycle=\"" + three_digits(e.cycle) + "\" cvus=\"" +
                      three_digits(e.users) + "\" thread=\"" + three_digits(thread(e)) + "\" suite=\"" +
                      xml_text(m_suite) + "\" name=\"" + xml_text(m_name) + "\"\n    step=\"" +
                      three_digits(x.requests) + "\" number=\"001\" type=\"" + xml_text(method) +
                      "\" result=\"" + (e.status >= 400 ? "Failure" : "Successful") + "\" url=\"" +
                      xml_text(text(e.url)) + "\"\n    code=\"" + std::to_string(e.status) +
                      "\" description=\"\" time=\"" + epoch_seconds(e.time_us) + "\" duration=\"" +
                      seconds(e.elapsed_us) + "\" />\n");
                break;
            }
            case LOADS_EVENT_FAILURE:
            case LOADS_EVENT_ERROR: {
                std::string traceback =
                    e.error_type.len ? std::string(text(e.error_type)) + ": " : std::string();
                traceback += text(e.message);
                if (e.file.len) {
                    traceback += "\n  at " + std::string(text(e.file)) + ":" + std::to_string(e.line);
                }
                x.problems.push_back(std::move(traceback));
                break;
            }
            case LOADS_EVENT_TEST_STOP:
                if (e.status != LOADS_STATUS_CANCELLED) {
                    write_results(e, x);
                }
                m_executions.erase({e.agent, e.cycle, e.user});
                break;
            default:
                break;
        }
    }

    void finish(const loads_snapshot& s) override {
        // An open-model run's arrivals are known only now: two more settings before the end,
        // which FunkLoad's report ignores and a script can read.
        const loads_stats& t = *s.total;
        if (LOADS_HAS_FIELD(&t, loads_stats, service_time) && t.arrivals + t.dropped_arrivals > 0) {
            write("<config key=\"arrivals\" value=\"" + std::to_string(t.arrivals) +
                  "\"/>\n<config key=\"dropped_arrivals\" value=\"" + std::to_string(t.dropped_arrivals) +
                  "\"/>\n");
        }
        write("</funkload>\n");
        std::FILE* f = m_file;
        m_file = nullptr;
        loads::close_file(f, m_partial);
        if (m_partial != m_path && std::rename(m_partial.c_str(), m_path.c_str()) != 0) {
            throw std::runtime_error("cannot write '" + m_path + "': " + std::strerror(errno));
        }
    }

private:
    // FunkLoad numbers threads per cycle; agents each run the whole cycle, so theirs follow on.
    static std::uint64_t thread(const loads_event& e) {
        return e.agent > 0 ? std::uint64_t{e.agent - 1} * e.users + e.user : e.user;
    }

    void write_results(const loads_event& e, const Execution& x) {
        const std::string head = "<testResult\n    cycle=\"" + three_digits(e.cycle) + "\" cvus=\"" +
                                 three_digits(e.users) + "\" thread=\"" + three_digits(thread(e)) +
                                 "\" suite=\"" + xml_text(m_suite) + "\"\n    name=\"" + xml_text(m_name) +
                                 "\" time=\"" + epoch_seconds(x.started_us) + "\" result=\"";
        const std::string tail =
            "\" steps=\"" + std::to_string(x.requests) + "\"\n    duration=\"" + seconds(e.elapsed_us) +
            "\" connection_duration=\"0\" requests=\"" + std::to_string(x.requests) + "\"\n    pages=\"" +
            std::to_string(x.requests) + "\" xmlrpc=\"0\" redirects=\"0\" images=\"0\" links=\"0\"\n";
        std::string out;
        for (const auto& traceback : x.problems) {
            out += head + "Failure" + tail + "    traceback=\"" + xml_text(traceback) + "\"/>\n";
        }
        if (x.problems.empty()) {
            out += head + "Successful" + tail + "    />\n";
        }
        write(out);
    }

    void write(const std::string& s) {
        if (m_file != nullptr) {
            std::fwrite(s.data(), 1, s.size(), m_file);
        }
    }

    std::string m_path;
    std::string m_partial;
    std::FILE* m_file = nullptr;
    std::string m_suite;
    std::string m_name;
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, Execution> m_executions;
};

constexpr loads_option_v1 k_options[] = {
    loads::option("filename", "file the FunkLoad XML is written to", LOADS_OPTION_STRING,
                  "funkload-report.xml"),
};

constexpr std::uint32_t k_events = 1u << LOADS_EVENT_TEST_START | 1u << LOADS_EVENT_TEST_STOP |
                                   1u << LOADS_EVENT_FAILURE | 1u << LOADS_EVENT_ERROR |
                                   1u << LOADS_EVENT_HIT;

}  // namespace

LOADS_OUTPUT(FunkloadOutput, funkload, "XML for FunkLoad's fl-build-report", k_events, k_options)
