// The junit output: JUnit XML for CI servers. The run's test (module.Class.test) is one test
// case of the suite module.Class; its failures and errors become <failure> and <error> elements
// whose message names the most common problem and whose text lists every group with its count
// and location. The run's figures and options go into properties and system-out.
#include <cmath>
#include <cstdio>
#include <string>

#include <loads/output.hpp>

#include <loads/report_text.hpp>

namespace {

using loads::text;
using loads::report_text::iso8601;
using loads::report_text::xml_text;

std::string u(std::uint64_t v) {
    return std::to_string(v);
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", s);
    return buf;
}

std::string ms(std::uint64_t micros) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f ms", double(micros) / 1000.0);
    return buf;
}

class JunitOutput final : public loads::Output {
public:
    explicit JunitOutput(const loads::OutputOptions& options) : m_path(options.string("filename")) {
        loads::check_writable(m_path);  // fail now, before any load, if the report could not be written
    }

    void start(const loads_run_info& run) override {
        m_class = std::string(text(run.module)) + "." + std::string(text(run.class_name));
        m_method = text(run.method);
        m_started = iso8601(run.started_us).substr(0, 19);  // JUnit timestamps carry no zone
        m_node = text(run.node);
        m_open = LOADS_HAS_FIELD(&run, loads_run_info, max_users) && run.rate > 0;
        for (std::size_t i = 0; i < run.option_count; ++i) {
            m_properties += "      <property name=\"" + xml_text(text(run.options[i].name)) + "\" value=\"" +
                            xml_text(text(run.options[i].value)) + "\"/>\n";
        }
    }

    void finish(const loads_snapshot& s) override {
        const loads_stats& t = *s.total;
        const std::size_t nthresholds =
            LOADS_HAS_FIELD(&s, loads_snapshot, threshold_count) ? s.threshold_count : 0;
        std::size_t crossed = 0;
        for (std::size_t i = 0; i < nthresholds; ++i) {
            crossed += s.thresholds[i]->passed ? 0 : 1;
        }
        const std::size_t failed = (t.failures > 0 ? 1 : 0) + crossed;
        const int errored = t.errors > 0 ? 1 : 0;
        const std::string tests = std::to_string(1 + nthresholds);
        const std::string time = seconds(s.elapsed);
        std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        out += "<testsuites name=\"loads\" tests=\"" + tests + "\" failures=\"" + std::to_string(failed) +
               "\" errors=\"" + std::to_string(errored) + "\" time=\"" + time + "\">\n";
        out += "  <testsuite name=\"" + xml_text(m_class) + "\" tests=\"" + tests + "\" failures=\"" +
               std::to_string(failed) + "\" errors=\"" + std::to_string(errored) +
               "\" skipped=\"0\" time=\"" + time + "\" timestamp=\"" + m_started + "\" hostname=\"" +
               xml_text(m_node) + "\">\n";
        out += "    <properties>\n" + m_properties;
        out += "      <property name=\"loads.executions\" value=\"" + u(t.tests_finished) + "\"/>\n";
        out += "      <property name=\"loads.hits\" value=\"" + u(t.hits) + "\"/>\n";
        out += "      <property name=\"loads.interrupted\" value=\"" +
               std::string(s.interrupted ? "true" : "false") + "\"/>\n";
        if (m_open && LOADS_HAS_FIELD(&t, loads_stats, service_time)) {
            out += "      <property name=\"loads.arrivals\" value=\"" + u(t.arrivals) + "\"/>\n";
            out +=
                "      <property name=\"loads.dropped_arrivals\" value=\"" + u(t.dropped_arrivals) + "\"/>\n";
        }
        out += "    </properties>\n";
        out += "    <testcase classname=\"" + xml_text(m_class) + "\" name=\"" + xml_text(m_method) +
               "\" time=\"" + time + "\">\n";
        out += problems(t, LOADS_STATUS_FAILURE, "failure", t.failures);
        out += problems(t, LOADS_STATUS_ERROR, "error", t.errors);
        out += "      <system-out>" + xml_text(summary(t, s.elapsed)) + "</system-out>\n";
        out += "    </testcase>\n";
        for (std::size_t i = 0; i < nthresholds; ++i) {
            out += threshold_case(*s.thresholds[i]);
        }
        out += "  </testsuite>\n</testsuites>\n";
        loads::write_file(m_path, out);
    }

private:
    // One element for every problem of a kind: the most common one names it, the text lists all.
    static std::string problems(const loads_stats& t, std::int32_t kind, const char* element,
                                std::uint64_t count) {
        if (count == 0) {
            return {};
        }
        const loads_problem* top = nullptr;
        std::string body;
        for (std::size_t i = 0; i < t.problem_count; ++i) {
            const loads_problem& p = *t.problems[i];
            if (p.kind != kind) {
                continue;
            }
            top = top ? top : &p;
            body += u(p.count) + " x " + (p.error_type.len ? std::string(text(p.error_type)) + ": " : "") +
                    std::string(text(p.message)) +
                    (p.location.len ? " (at " + std::string(text(p.location)) + ")" : "") + "\n";
        }
        std::string message = u(count) + " of " + u(t.tests_finished) + " executions: ";
        message += top ? std::string(text(top->message)) : std::string("see the runner's output");
        const std::string type = top && top->error_type.len
                                     ? std::string(text(top->error_type))
                                     : std::string(kind == LOADS_STATUS_FAILURE ? "AssertionError" : "error");
        return "      <" + std::string(element) + " message=\"" + xml_text(message) + "\" type=\"" +
               xml_text(type) + "\">" + xml_text(body) + "</" + element + ">\n";
    }

    // A threshold is a test case of its own, so CI servers list it by name: passed, or a
    // <failure> saying what was measured against which limit.
    std::string threshold_case(const loads_threshold& th) const {
        const std::string value = loads::report_text::threshold_value(th.measured, text(th.unit));
        std::string out = "    <testcase classname=\"" + xml_text(m_class) + "\" name=\"threshold " +
                          xml_text(text(th.expression)) + "\" time=\"0.000\">\n";
        if (!th.passed) {
            const std::string message = "measured " + value + ", limit " + std::string(text(th.op)) + " " +
                                        loads::report_text::threshold_value(th.limit, text(th.unit)) +
                                        (th.aborted ? "; it stopped the run" : "") +
                                        (LOADS_HAS_FIELD(&th, loads_threshold, partial) && th.partial
                                             ? " (judged on partial figures: an agent did not finish)"
                                             : "");
            out += "      <failure message=\"" + xml_text(message) + "\" type=\"ThresholdCrossed\">" +
                   xml_text(message) + "</failure>\n";
        } else {
            out += "      <system-out>measured " + xml_text(value) + "</system-out>\n";
        }
        return out + "    </testcase>\n";
    }

    static std::string summary(const loads_stats& t, double elapsed) {
        const double rps = elapsed > 0 ? double(t.hits) / elapsed : 0.0;
        char rate[32];
        std::snprintf(rate, sizeof rate, "%.1f", rps);
        return "executions " + u(t.tests_finished) + ": " + u(t.successes) + " passed, " + u(t.failures) +
               " failed, " + u(t.errors) + " errors\nhits " + u(t.hits) + " (" + rate +
               " per second)\nlatency p50 " + ms(t.latency.p50_us) + ", p90 " + ms(t.latency.p90_us) +
               ", p99 " + ms(t.latency.p99_us) + ", max " + ms(t.latency.max_us) + "\n";
    }

    std::string m_path;
    std::string m_class = "loads";
    std::string m_method = "run";
    std::string m_started;
    std::string m_node;
    bool m_open = false;  ///< An open-model run (--rate): its arrivals are properties too.
    std::string m_properties;
};

constexpr loads_option_v1 k_options[] = {
    loads::option("filename", "file the JUnit XML report is written to ('-': stdout)", LOADS_OPTION_STRING,
                  "loads-junit.xml"),
};

}  // namespace

LOADS_OUTPUT(JunitOutput, junit, "JUnit XML for CI servers: the test, its failures and errors", 0, k_options)
