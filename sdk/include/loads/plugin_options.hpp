/// @file plugin_options.hpp
/// @brief What output and observer plugins share: declaring options, reading their values, and
/// the helpers the registration macros use to keep exceptions on the plugin's side.
///
/// Header-only, against abi.h alone. Included by output.hpp and observer.hpp; a plugin never
/// needs to include it itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "abi.h"

namespace loads {

/// The text of an ABI string slice.
constexpr std::string_view text(loads_str s) noexcept {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

/// Declares one option (for the array given to LOADS_OUTPUT or LOADS_OBSERVER). The strings must
/// be literals.
constexpr loads_option_v1 option(std::string_view name, std::string_view help, std::int32_t type,
                                 std::string_view default_value = {}) noexcept {
    return loads_option_v1{{name.data(), name.size()},
                           {help.data(), help.size()},
                           type,
                           {default_value.data(), default_value.size()}};
}

/// A plugin's option values, by the names it declared. The host has checked every value against
/// its declared type, and fills in the default of every option not given.
class PluginOptions {
public:
    explicit PluginOptions(const loads_output_config& config) noexcept
        : m_values(config.values), m_count(config.value_count) {}
    explicit PluginOptions(const loads_observer_config& config) noexcept
        : m_values(config.values), m_count(config.value_count) {}
    // It refers to the host's values, which live only during the call that made it (an output's
    // constructor, an observer's notify): read what you need then; never keep the object.
    PluginOptions(const PluginOptions&) = delete;
    PluginOptions& operator=(const PluginOptions&) = delete;

    /// The value as given (or the default). @throws std::invalid_argument for an undeclared name.
    std::string string(std::string_view name) const { return std::string(find(name)); }
    /// An INT option. The host has checked the value is an integer.
    long long integer(std::string_view name) const { return std::stoll(std::string(find(name))); }
    /// A FLOAT option.
    double number(std::string_view name) const { return std::stod(std::string(find(name))); }
    /// A BOOL option (the host normalised it to "true" or "false").
    bool flag(std::string_view name) const { return find(name) == "true"; }

private:
    std::string_view find(std::string_view name) const {
        for (std::size_t i = 0; i < m_count; ++i) {
            if (text(m_values[i].name) == name) {
                return text(m_values[i].value);
            }
        }
        throw std::invalid_argument("undeclared option '" + std::string(name) + "'");
    }
    const loads_option_value* m_values;
    std::size_t m_count;
};

namespace detail {

struct OptionTable {
    const loads_option_v1* options;
    std::size_t count;
};
constexpr OptionTable option_table() noexcept {
    return {nullptr, 0};
}
template <std::size_t N>
constexpr OptionTable option_table(const loads_option_v1 (&options)[N]) noexcept {
    return {options, N};
}

constexpr loads_str literal(std::string_view s) noexcept {
    return {s.data(), s.size()};
}

/// The message of the exception being handled (call it from a catch block).
inline std::string describe_current_exception() {
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "exception not derived from std::exception";
    }
}

/// Points `out->message` at `message`, which must outlive the host's reading of it.
inline void fill(loads_outcome* out, const std::string& message) noexcept {
    if (out != nullptr) {
        out->message = {message.data(), message.size()};
    }
}

}  // namespace detail
}  // namespace loads
