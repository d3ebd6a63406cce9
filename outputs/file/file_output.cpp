// The file output: every event of the run as JSON Lines, one object per line with all its
// fields, framed by a startTestRun and a stopTestRun line. Event names are the seed's
// (add_hit, startTest, addFailure...) so its users' scripts still find them; unlike the seed
// the records are separated and no field is lost. Like the seed, the file is appended to.
#include <string>

#include <loads/output.hpp>

#include "report_text.hpp"

namespace {

using loads::text;
using loads::outputs::iso8601;
using loads::outputs::json_number;
using loads::outputs::json_string;

const char* event_name(std::int32_t kind) {
    switch (kind) {
        case LOADS_EVENT_TEST_START:
            return "startTest";
        case LOADS_EVENT_TEST_STOP:
            return "stopTest";
        case LOADS_EVENT_SUCCESS:
            return "addSuccess";
        case LOADS_EVENT_FAILURE:
            return "addFailure";
        case LOADS_EVENT_ERROR:
            return "addError";
        case LOADS_EVENT_HIT:
            return "add_hit";
        case LOADS_EVENT_SOCKET_OPEN:
            return "socket_open";
        case LOADS_EVENT_SOCKET_CLOSE:
            return "socket_close";
        case LOADS_EVENT_SOCKET_MESSAGE:
            return "socket_message";
        case LOADS_EVENT_COUNTER:
            return "incr_counter";
        default:
            return "unknown";
    }
}

const char* test_status(std::int32_t status) {
    switch (status) {
        case LOADS_STATUS_SUCCESS:
            return "success";
        case LOADS_STATUS_FAILURE:
            return "failure";
        case LOADS_STATUS_ERROR:
            return "error";
        default:
            return "cancelled";
    }
}

std::string u(std::uint64_t v) {
    return std::to_string(v);
}

class FileOutput final : public loads::Output {
public:
    explicit FileOutput(const loads::OutputOptions& options) : m_path(options.string("filename")) {
        if (m_path.empty()) {
            throw std::invalid_argument(
                "--output-file-filename is required (the file to write the events to)");
        }
        m_file = loads::open_file(m_path, "a");
    }
    ~FileOutput() override {
        if (m_file != nullptr && m_file != stdout) {
            std::fclose(m_file);
        }
    }

    void start(const loads_run_info& run) override {
        std::string line = "{\"event\":\"startTestRun\",\"time\":" + json_string(iso8601(run.started_us)) +
                           ",\"test\":" + json_string(text(run.fqn)) +
                           ",\"version\":" + json_string(text(run.version)) + ",\"options\":{";
        for (std::size_t i = 0; i < run.option_count; ++i) {
            line += (i ? "," : "") + json_string(text(run.options[i].name)) + ":" +
                    json_string(text(run.options[i].value));
        }
        line += "}}\n";
        write(line);
    }

    void event(const loads_event& e) override {
        std::string line = "{\"event\":\"";
        line += event_name(e.kind);
        line += "\",\"time\":" + json_string(iso8601(e.time_us)) + ",\"test\":" + json_string(text(e.test)) +
                ",\"agent\":" + u(e.agent) + ",\"cycle\":" + u(e.cycle) + ",\"loads_status\":[" +
                u(e.series) + "," + u(e.users) + "," + u(e.hit) + "," + u(e.user) + "]";
        switch (e.kind) {
            case LOADS_EVENT_HIT:
                line += ",\"method\":" + json_string(text(e.method)) +
                        ",\"url\":" + json_string(text(e.url)) + ",\"status\":" + std::to_string(e.status) +
                        ",\"started\":" + json_string(iso8601(e.time_us)) +
                        ",\"elapsed\":" + json_number(double(e.elapsed_us) / 1e6);
                break;
            case LOADS_EVENT_TEST_STOP:
                line += ",\"status\":\"" + std::string(test_status(e.status)) +
                        "\",\"duration\":" + json_number(double(e.elapsed_us) / 1e6);
                break;
            case LOADS_EVENT_FAILURE:
            case LOADS_EVENT_ERROR:
                line += ",\"type\":" + json_string(text(e.error_type)) +
                        ",\"message\":" + json_string(text(e.message)) +
                        ",\"file\":" + json_string(text(e.file)) + ",\"line\":" + u(e.line);
                break;
            case LOADS_EVENT_COUNTER:
                line += ",\"name\":" + json_string(text(e.name)) + ",\"value\":" + std::to_string(e.value);
                break;
            case LOADS_EVENT_SOCKET_OPEN:
            case LOADS_EVENT_SOCKET_CLOSE:
                line += ",\"url\":" + json_string(text(e.url));
                break;
            case LOADS_EVENT_SOCKET_MESSAGE:
                line += ",\"url\":" + json_string(text(e.url)) + ",\"bytes\":" + u(e.bytes);
                break;
            default:
                break;
        }
        line += "}\n";
        write(line);
    }

    void finish(const loads_snapshot& s) override {
        const loads_stats& t = *s.total;
        write("{\"event\":\"stopTestRun\",\"duration\":" + json_number(s.elapsed) +
              ",\"interrupted\":" + (s.interrupted ? "true" : "false") + ",\"hits\":" + u(t.hits) +
              ",\"tests\":" + u(t.tests_finished) + ",\"successes\":" + u(t.successes) +
              ",\"failures\":" + u(t.failures) + ",\"errors\":" + u(t.errors) + "}\n");
        std::FILE* f = m_file;
        m_file = nullptr;
        loads::close_file(f, m_path);
    }

private:
    void write(const std::string& line) {
        if (m_file != nullptr) {
            std::fwrite(line.data(), 1, line.size(), m_file);
        }
    }

    std::string m_path;
    std::FILE* m_file = nullptr;
};

constexpr loads_option_v1 k_options[] = {
    loads::option("filename", "file the events are appended to, one JSON object per line ('-': stdout)",
                  LOADS_OPTION_STRING),
};

}  // namespace

LOADS_OUTPUT(FileOutput, file, "every event of the run as JSON Lines", LOADS_EVENTS_ALL, k_options)
