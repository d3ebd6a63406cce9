#include "base/json_writer.hpp"

#include <charconv>
#include <cmath>

#include <loads/report_text.hpp>

namespace loads::host {

void append_json_string(std::string& out, std::string_view s) {
    // The same escaping the outputs' reports use: one rule for every JSON text loads writes.
    report_text::append_json_string(out, s);
}

void JsonWriter::before_value() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_has_items.empty()) {
        if (m_has_items.back()) {
            m_out += ',';
        }
        m_has_items.back() = true;
    }
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    m_out += '{';
    m_has_items.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    m_out += '}';
    m_has_items.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    before_value();
    m_out += '[';
    m_has_items.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    m_out += ']';
    m_has_items.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    before_value();
    append_json_string(m_out, name);
    m_out += ':';
    m_after_key = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    before_value();
    append_json_string(m_out, s);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    before_value();
    m_out += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(double d) {
    before_value();
    if (!std::isfinite(d)) {
        m_out += "null";
        return *this;
    }
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    m_out.append(buf, ec == std::errc() ? end : buf);
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    before_value();
    m_out += json;
    return *this;
}

}  // namespace loads::host
