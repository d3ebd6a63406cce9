// The file output: every event of the run as JSON Lines, one object per line with all its
// fields, framed by a startTestRun and a stopTestRun line. Event names are the seed's
// (add_hit, startTest, addFailure...) so its users' scripts still find them; unlike the seed
// the records are separated and no field is lost. Like the seed, the file is appended to.
#include <string>

#include <loads/output.hpp>

#include <loads/report_text.hpp>

namespace {

// An open-model run's arrivals, on the stopTestRun line (nothing for a closed-model run).
std::string open_model(const loads_stats& t) {
    if (!LOADS_HAS_FIELD(&t, loads_stats, service_time) || t.arrivals + t.dropped_arrivals == 0) {
        return {};
    }
    return ",\"arrivals\":" + std::to_string(t.arrivals) +
           ",\"dropped_arrivals\":" + std::to_string(t.dropped_arrivals);
}

using loads::text;
using loads::report_text::append_json_string;
using loads::report_text::iso8601;
using loads::report_text::json_number;
using loads::report_text::json_string;

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

    // One line per event, built in a reused buffer: at a few hundred thousand events a second
    // this thread's cost is mostly here.
    void event(const loads_event& e) override {
        std::string& l = m_line;
        l.assign("{\"event\":\"").append(event_name(e.kind)).append("\",\"time\":\"");
        m_time.append(l, e.time_us);
        l.append("\",\"test\":");
        append_json_string(l, text(e.test));
        l.append(",\"agent\":").append(u(e.agent)).append(",\"cycle\":").append(u(e.cycle));
        l.append(",\"loads_status\":[").append(u(e.series)).append(",").append(u(e.users)).append(",");
        l.append(u(e.hit)).append(",").append(u(e.user)).append("]");
        switch (e.kind) {
            case LOADS_EVENT_HIT:
                l.append(",\"method\":");
                append_json_string(l, text(e.method));
                l.append(",\"url\":");
                append_json_string(l, text(e.url));
                l.append(",\"status\":").append(std::to_string(e.status)).append(",\"started\":\"");
                m_time.append(l, e.time_us);
                l.append("\",\"elapsed\":").append(json_number(double(e.elapsed_us) / 1e6));
                break;
            case LOADS_EVENT_TEST_STOP:
                l.append(",\"status\":\"").append(test_status(e.status)).append("\",\"duration\":");
                l.append(json_number(double(e.elapsed_us) / 1e6));
                break;
            case LOADS_EVENT_FAILURE:
            case LOADS_EVENT_ERROR:
                l.append(",\"type\":");
                append_json_string(l, text(e.error_type));
                l.append(",\"message\":");
                append_json_string(l, text(e.message));
                l.append(",\"file\":");
                append_json_string(l, text(e.file));
                l.append(",\"line\":").append(u(e.line));
                break;
            case LOADS_EVENT_COUNTER:
                l.append(",\"name\":");
                append_json_string(l, text(e.name));
                l.append(",\"value\":").append(std::to_string(e.value));
                break;
            case LOADS_EVENT_SOCKET_OPEN:
            case LOADS_EVENT_SOCKET_CLOSE:
                l.append(",\"url\":");
                append_json_string(l, text(e.url));
                break;
            case LOADS_EVENT_SOCKET_MESSAGE:
                l.append(",\"url\":");
                append_json_string(l, text(e.url));
                l.append(",\"bytes\":").append(u(e.bytes));
                break;
            default:
                break;
        }
        l.append("}\n");
        write(l);
    }

    void finish(const loads_snapshot& s) override {
        const loads_stats& t = *s.total;
        write("{\"event\":\"stopTestRun\",\"duration\":" + json_number(s.elapsed) +
              ",\"interrupted\":" + (s.interrupted ? "true" : "false") + ",\"hits\":" + u(t.hits) +
              ",\"tests\":" + u(t.tests_finished) + ",\"successes\":" + u(t.successes) +
              ",\"failures\":" + u(t.failures) + ",\"errors\":" + u(t.errors) + open_model(t) + "}\n");
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
    std::string m_line;
    loads::report_text::Iso8601Writer m_time;
};

constexpr loads_option_v1 k_options[] = {
    loads::option("filename", "file the events are appended to, one JSON object per line ('-': stdout)",
                  LOADS_OPTION_STRING),
};

}  // namespace

LOADS_OUTPUT(FileOutput, file, "every event of the run as JSON Lines", LOADS_EVENTS_ALL, k_options)
