// JsonValue: a parsed JSON document as a small tree of our own. The cluster's control messages
// (a runner's request, an agent's report, the broker's replies) are a few hundred bytes each, so
// copying them out of simdjson costs nothing measurable and keeps simdjson's large header out of
// every file that reads a message.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace loads::host {

/// The text is not JSON (or not valid UTF-8): what.
class JsonParseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class JsonValue {
public:
    using Array = std::vector<JsonValue>;
    using Object = std::map<std::string, JsonValue, std::less<>>;

    JsonValue() = default;  ///< null
    JsonValue(bool b) : m_value(b) {}
    JsonValue(std::int64_t n) : m_value(n) {}
    JsonValue(double d) : m_value(d) {}
    JsonValue(std::string s) : m_value(std::move(s)) {}
    JsonValue(const char* s) : m_value(std::string(s)) {}  // not the bool conversion
    JsonValue(Array a) : m_value(std::move(a)) {}
    JsonValue(Object o) : m_value(std::move(o)) {}

    /// @throws JsonParseError with simdjson's reason. Nesting is bounded by simdjson (1024).
    static JsonValue parse(std::string_view text);

    bool is_null() const noexcept { return std::holds_alternative<std::monostate>(m_value); }
    bool is_object() const noexcept { return std::holds_alternative<Object>(m_value); }
    bool is_array() const noexcept { return std::holds_alternative<Array>(m_value); }
    bool is_string() const noexcept { return std::holds_alternative<std::string>(m_value); }

    /// The member `key` of an object; nullptr when this is not an object or has no such key.
    const JsonValue* find(std::string_view key) const;

    // Typed reads that never throw: nullopt when the value (or member) is missing or of another
    // type. A message is untrusted input: every reader decides what a wrong type means.
    std::optional<std::string_view> as_string() const;
    std::optional<std::int64_t> as_int() const;  ///< Integers only (no 1.5).
    std::optional<double> as_number() const;     ///< Integers or decimals.
    std::optional<bool> as_bool() const;
    const Array* as_array() const;
    const Object* as_object() const;

    std::optional<std::string_view> string_at(std::string_view key) const;
    std::optional<std::int64_t> int_at(std::string_view key) const;
    std::optional<double> number_at(std::string_view key) const;
    std::optional<bool> bool_at(std::string_view key) const;

    /// Back to compact JSON text.
    std::string dump() const;

private:
    std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> m_value;
};

}  // namespace loads::host
