#include "external/message.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include <loads/report_text.hpp>

#include "external/iso_time.hpp"

namespace loads::host {

namespace {

constexpr std::array<std::pair<std::string_view, ExternalType>, 12> k_types = {{
    {"startTest", ExternalType::start_test},
    {"stopTest", ExternalType::stop_test},
    {"addSuccess", ExternalType::add_success},
    {"addFailure", ExternalType::add_failure},
    {"addError", ExternalType::add_error},
    {"add_hit", ExternalType::add_hit},
    {"socket_open", ExternalType::socket_open},
    {"socket_close", ExternalType::socket_close},
    {"socket_message", ExternalType::socket_message},
    {"incr_counter", ExternalType::incr_counter},
    {"startTestRun", ExternalType::start_test_run},
    {"stopTestRun", ExternalType::stop_test_run},
}};

constexpr std::size_t k_max_why = 200;
// A value quoted in a reason is cut shorter, so the reason's own words always show.
constexpr std::size_t k_max_quoted = 60;
// No hit takes eleven days: a larger `elapsed` is a unit mistake (milliseconds sent as seconds),
// and it would overflow nothing but skew every latency figure of the run.
constexpr double k_max_elapsed_seconds = 1e6;

std::string quoted(std::string_view value) {
    return "'" + printable_line(value, k_max_quoted) + "'";
}

using simdjson::dom::element;
using simdjson::dom::element_type;

// A non-negative JSON integer (1.0 is a number, not an integer: runners send integers as such).
std::optional<std::uint64_t> non_negative_integer(element value) {
    if (value.type() == element_type::UINT64) {
        return value.get_uint64().value_unsafe();
    }
    if (value.type() == element_type::INT64) {
        const std::int64_t v = value.get_int64().value_unsafe();
        if (v >= 0) {
            return static_cast<std::uint64_t>(v);
        }
    }
    return std::nullopt;
}

bool is_integer(element value) {
    return value.type() == element_type::INT64 || value.type() == element_type::UINT64;
}

// The keys of one message, read with the reason of the first problem in `why`. Every check
// returns false once it has written the reason.
class Fields {
public:
    Fields(simdjson::dom::object object, std::string_view type, std::string& why)
        : m_object(object), m_type(type), m_why(why) {}

    /// The value of `key`; nullopt when it is missing or null. A repeated key: the first value.
    std::optional<element> find(std::string_view key) const {
        element value;
        if (m_object.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) {
            return std::nullopt;
        }
        return value;
    }

    /// "add_hit: 'status' is not an integer" (no type prefix for the envelope's keys).
    bool bad(std::string_view key, std::string_view problem) {
        m_why.clear();
        if (!m_type.empty()) {
            m_why.append(m_type).append(": ");
        }
        m_why.append("'").append(key).append("' ").append(problem);
        return false;
    }

    /// "add_hit without 'url'"
    bool missing(std::string_view key) {
        m_why.assign(m_type).append(" without '").append(key).append("'");
        return false;
    }

    bool optional_string(std::string_view key, std::string& out) {
        const auto value = find(key);
        if (!value) {
            return true;
        }
        std::string_view text;
        if (value->get_string().get(text) != simdjson::SUCCESS) {
            return bad(key, "is not a string");
        }
        out.assign(text);
        return true;
    }

    bool required_string(std::string_view key, std::string& out) {
        if (!find(key)) {
            return missing(key);
        }
        if (!optional_string(key, out)) {
            return false;
        }
        if (out.empty()) {
            return bad(key, "is empty");
        }
        return true;
    }

private:
    simdjson::dom::object m_object;
    std::string_view m_type;
    std::string& m_why;
};

void reset(ExternalMessage& m) {
    m.type = {};
    m.has_run_id = false;
    m.run_id.clear();
    m.status = {};
    m.test.clear();
    m.exc_type.clear();
    m.exc_message.clear();
    m.exc_traceback.clear();
    m.url.clear();
    m.method.clear();
    m.status_code = 0;
    m.has_started = false;
    m.started_us = 0;
    m.elapsed_us = 0;
    m.size = 0;
    m.name.clear();
}

bool read_status(Fields& fields, ExternalStatus& status) {
    constexpr std::string_view key = "loads_status";
    const auto value = fields.find(key);
    if (!value) {
        return true;
    }
    simdjson::dom::array array;
    if (value->get_array().get(array) != simdjson::SUCCESS) {
        return fields.bad(key, "is not 4 non-negative integers");
    }
    std::array<std::uint64_t, 4> numbers{};
    std::size_t count = 0;
    for (element item : array) {
        const auto number = non_negative_integer(item);
        if (count == numbers.size() || !number) {
            return fields.bad(key, "is not 4 non-negative integers");
        }
        numbers[count++] = *number;
    }
    if (count != numbers.size()) {
        return fields.bad(key, "is not 4 non-negative integers");
    }
    status = {numbers[0], numbers[1], numbers[2], numbers[3], true};
    return true;
}

bool read_exc_info(Fields& fields, ExternalMessage& out) {
    constexpr std::string_view key = "exc_info";
    const auto value = fields.find(key);
    if (!value) {
        return fields.missing(key);
    }
    simdjson::dom::array array;
    if (value->get_array().get(array) != simdjson::SUCCESS) {
        return fields.bad(key, "is not an array");
    }
    // [class, message, traceback]: fewer is fine (the rest stays empty), more is ignored.
    std::string* const targets[] = {&out.exc_type, &out.exc_message, &out.exc_traceback};
    std::size_t index = 0;
    for (element item : array) {
        if (index == std::size(targets)) {
            break;
        }
        std::string_view text;
        if (item.get_string().get(text) == simdjson::SUCCESS) {
            targets[index]->assign(text);
        } else if (!item.is_null()) {
            return fields.bad(key, "element " + std::to_string(index) + " is neither a string nor null");
        }
        ++index;
    }
    return true;
}

bool read_hit(Fields& fields, ExternalMessage& out) {
    if (!fields.required_string("url", out.url) || !fields.optional_string("method", out.method)) {
        return false;
    }
    if (out.method.empty()) {
        out.method = "GET";
    }

    const auto status = fields.find("status");
    if (!status) {
        return fields.missing("status");
    }
    if (!is_integer(*status)) {
        return fields.bad("status", "is not an integer");
    }
    const auto code = non_negative_integer(*status);
    if (!code || *code > 999) {
        return fields.bad("status", "is not in 0..999");
    }
    out.status_code = static_cast<int>(*code);

    const auto elapsed = fields.find("elapsed");
    if (!elapsed) {
        return fields.missing("elapsed");
    }
    double seconds = 0;
    if (elapsed->get_double().get(seconds) != simdjson::SUCCESS) {
        return fields.bad("elapsed", "is not a number");
    }
    if (!(seconds >= 0)) {
        return fields.bad("elapsed", "is negative");
    }
    if (seconds > k_max_elapsed_seconds) {
        return fields.bad("elapsed", "is more than 1000000 seconds");
    }
    out.elapsed_us = static_cast<std::uint64_t>(std::llround(seconds * 1e6));

    if (const auto started = fields.find("started")) {
        std::string_view text;
        if (started->get_string().get(text) != simdjson::SUCCESS) {
            return fields.bad("started", "is not a string");
        }
        const auto micros = parse_iso8601_micros(text);
        if (!micros) {
            return fields.bad("started", "is not an ISO 8601 date-time: " + quoted(text));
        }
        out.has_started = true;
        out.started_us = *micros;
    }
    return true;
}

bool read_size(Fields& fields, ExternalMessage& out) {
    const auto size = fields.find("size");
    if (!size) {
        return fields.missing("size");
    }
    if (!is_integer(*size)) {
        return fields.bad("size", "is not an integer");
    }
    const auto bytes = non_negative_integer(*size);
    if (!bytes) {
        return fields.bad("size", "is negative");
    }
    out.size = *bytes;
    return true;
}

bool read_body(Fields& fields, ExternalMessage& out) {
    switch (out.type) {
        case ExternalType::start_test:
        case ExternalType::stop_test:
        case ExternalType::add_success:
            return fields.optional_string("test", out.test);
        case ExternalType::add_failure:
        case ExternalType::add_error:
            return fields.optional_string("test", out.test) && read_exc_info(fields, out);
        case ExternalType::add_hit:
            return read_hit(fields, out);
        case ExternalType::socket_message:
            return read_size(fields, out);
        case ExternalType::incr_counter:
            return fields.required_string("name", out.name) && fields.optional_string("test", out.test);
        case ExternalType::socket_open:
        case ExternalType::socket_close:
        case ExternalType::start_test_run:
        case ExternalType::stop_test_run:
            break;
    }
    return true;
}

}  // namespace

std::string_view data_type_name(ExternalType type) {
    for (const auto& [name, t] : k_types) {
        if (t == type) {
            return name;
        }
    }
    return "?";
}

struct ExternalMessageParser::Impl {
    simdjson::dom::parser parser;
    // The frame plus simdjson's padding, grown to the largest frame seen and reused, so a frame
    // is copied once and never allocated for.
    std::vector<char> buffer;

    bool parse(std::string_view frame, ExternalMessage& out, std::string& why);
};

ExternalMessageParser::ExternalMessageParser() : m_impl(std::make_unique<Impl>()) {}
ExternalMessageParser::~ExternalMessageParser() = default;

bool ExternalMessageParser::parse(std::string_view frame, ExternalMessage& out, std::string& why) {
    reset(out);
    if (m_impl->parse(frame, out, why)) {
        why.clear();
        return true;
    }
    // Reasons quote values already cut short; this pass is what guarantees one printable line.
    why = printable_line(why, k_max_why);
    return false;
}

bool ExternalMessageParser::Impl::parse(std::string_view frame, ExternalMessage& out, std::string& why) {
    if (frame.size() > k_max_frame) {
        why = "a frame of " + std::to_string(frame.size()) + " bytes";
        return false;
    }
    if (buffer.size() < frame.size() + simdjson::SIMDJSON_PADDING) {
        buffer.resize(frame.size() + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(buffer.data(), frame.data(), frame.size());
    std::memset(buffer.data() + frame.size(), 0, simdjson::SIMDJSON_PADDING);

    element root;
    if (const auto error = parser.parse(buffer.data(), frame.size(), false).get(root);
        error != simdjson::SUCCESS) {
        switch (error) {
            case simdjson::EMPTY:
                why = "an empty frame";
                break;
            case simdjson::UTF8_ERROR:
                why = "not JSON: invalid UTF-8";
                break;
            case simdjson::DEPTH_ERROR:
                why = "not JSON: nested too deeply";
                break;
            default:
                why = "not JSON";
                break;
        }
        return false;
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
        why = "not a JSON object";
        return false;
    }

    Fields envelope(object, {}, why);
    const auto data_type = envelope.find("data_type");
    if (!data_type) {
        why = "no data_type";
        return false;
    }
    std::string_view type_name;
    if (data_type->get_string().get(type_name) != simdjson::SUCCESS) {
        return envelope.bad("data_type", "is not a string");
    }
    const auto* known = std::find_if(k_types.begin(), k_types.end(),
                                     [&](const auto& entry) { return entry.first == type_name; });
    if (known == k_types.end()) {
        why = "unknown data_type " + quoted(type_name);
        return false;
    }
    out.type = known->second;

    if (const auto run_id = envelope.find("run_id")) {
        std::string_view text;
        if (run_id->get_string().get(text) != simdjson::SUCCESS) {
            return envelope.bad("run_id", "is not a string");
        }
        out.has_run_id = true;
        out.run_id.assign(text);
    }
    if (!read_status(envelope, out.status)) {
        return false;
    }
    Fields body(object, known->first, why);
    return read_body(body, out);
}

std::string printable_line(std::string_view text, std::size_t max) {
    std::string out;
    out.reserve(std::min(text.size(), max + 4));
    for (std::size_t i = 0; i < text.size() && out.size() <= max;) {
        const std::size_t n = report_text::utf8_sequence(text, i);
        const auto lead = static_cast<unsigned char>(text[i]);
        // C0 and DEL are one byte; C1 (U+0080..U+009F) is 0xC2 0x80..0x9F.
        const bool control = n == 1
                                 ? (lead < 0x20 || lead == 0x7F)
                                 : n == 2 && lead == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
        if (n == 0 || control) {
            out += '?';
        } else {
            out.append(text.substr(i, n));
        }
        i += n == 0 ? 1 : n;
    }
    if (out.size() > max) {
        std::size_t cut = max - 3;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        out.resize(cut);
        out += "...";
    }
    return out;
}

std::string exception_name(std::string_view cls) {
    constexpr std::string_view blanks = " \t\r\n";
    const auto first = cls.find_first_not_of(blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    cls = cls.substr(first, cls.find_last_not_of(blanks) - first + 1);
    // Python 3 writes "<class 'X'>", Python 2 "<type 'exceptions.X'>" for built-in exceptions.
    for (const std::string_view prefix : {std::string_view("<class '"), std::string_view("<type '")}) {
        constexpr std::string_view suffix = "'>";
        if (cls.size() > prefix.size() + suffix.size() && cls.substr(0, prefix.size()) == prefix &&
            cls.substr(cls.size() - suffix.size()) == suffix) {
            std::string_view name = cls.substr(prefix.size(), cls.size() - prefix.size() - suffix.size());
            for (const std::string_view module :
                 {std::string_view("exceptions."), std::string_view("builtins.")}) {
                if (name.size() > module.size() && name.substr(0, module.size()) == module) {
                    name.remove_prefix(module.size());
                }
            }
            return std::string(name);
        }
    }
    return std::string(cls);
}

std::string traceback_location(std::string_view traceback) {
    // Each frame of a Python traceback is a line `  File "path", line N, in function`; the last
    // one is where the exception was raised.
    constexpr std::string_view opening = "File \"";
    constexpr std::string_view middle = "\", line ";
    std::string location;
    std::size_t at = 0;
    while ((at = traceback.find(opening, at)) != std::string_view::npos) {
        at += opening.size();
        const std::size_t line_end = std::min(traceback.find('\n', at), traceback.size());
        const std::string_view line = traceback.substr(at, line_end - at);
        // rfind: a path may itself hold `", line ` (unlikely, but the number is what ends the frame).
        const std::size_t split = line.rfind(middle);
        if (split == std::string_view::npos) {
            continue;
        }
        std::size_t digits = split + middle.size();
        const std::size_t number_start = digits;
        while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') {
            ++digits;
        }
        if (digits == number_start || split == 0) {
            continue;
        }
        location.assign(line.substr(0, split))
            .append(":")
            .append(line.substr(number_start, digits - number_start));
    }
    return location;
}

}  // namespace loads::host
