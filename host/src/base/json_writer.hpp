// JsonWriter: builds compact JSON text for the cluster's messages, with the commas placed for
// the caller. Strings are always valid UTF-8 once written (an invalid byte becomes U+FFFD): the
// reading side (simdjson) refuses invalid UTF-8, and an agent's host name or a test's error
// message must never make a whole message unreadable.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace loads::host {

/// Appends `s` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    /// The next member's name (inside an object); its value follows.
    JsonWriter& key(std::string_view name);

    JsonWriter& value(std::string_view s);
    JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b);
    JsonWriter& value(double d);  ///< NaN and infinities become null (JSON has neither).
    template <class T>
    requires std::is_integral_v<T> &&(!std::is_same_v<T, bool>)JsonWriter& value(T n) {
        before_value();
        m_out += std::to_string(n);
        return *this;
    }
    JsonWriter& null();
    /// A value that is already JSON text (e.g. a stored document), written as is.
    JsonWriter& raw(std::string_view json);

    /// key(name).value(v) in one call.
    template <class T>
    JsonWriter& member(std::string_view name, const T& v) {
        key(name);
        return value(v);
    }

    const std::string& text() const noexcept { return m_out; }
    std::string take() { return std::move(m_out); }

private:
    void before_value();

    std::string m_out;
    std::vector<bool> m_has_items;  ///< One per open container: does it hold an item yet?
    bool m_after_key = false;
};

}  // namespace loads::host
