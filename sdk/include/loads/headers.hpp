/// @file headers.hpp
/// @brief Response headers: the raw header block, searched case-insensitively on demand.
///
/// Parsing is lazy because most load tests never look at headers: keeping the block as one string
/// costs one copy per response instead of one allocation per field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loads {
namespace detail {

/// ASCII case-insensitive equality, as HTTP field names compare.
inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] + 32) : a[i];
        const char y = b[i] >= 'A' && b[i] <= 'Z' ? char(b[i] + 32) : b[i];
        if (x != y) {
            return false;
        }
    }
    return true;
}

}  // namespace detail

class Headers {
public:
    Headers() = default;
    /// @param raw "Name: value\r\n" per field, as received.
    explicit Headers(std::string raw) : m_raw(std::move(raw)) {}

    /// The value of the first field called `name` (case-insensitive), if any.
    std::optional<std::string_view> find(std::string_view name) const {
        std::optional<std::string_view> found;
        for_each([&](std::string_view n, std::string_view v) {
            if (!found && detail::iequals(n, name)) {
                found = v;
            }
        });
        return found;
    }
    /// The value of `name`, or `fallback` when absent.
    std::string get(std::string_view name, std::string_view fallback = {}) const {
        auto v = find(name);
        return std::string(v ? *v : fallback);
    }
    /// Like Requests' `headers['Name']`, but an absent field gives an empty string.
    std::string operator[](std::string_view name) const { return get(name); }
    bool contains(std::string_view name) const { return find(name).has_value(); }

    /// Every field in received order.
    std::vector<std::pair<std::string_view, std::string_view>> items() const {
        std::vector<std::pair<std::string_view, std::string_view>> out;
        for_each([&](std::string_view n, std::string_view v) { out.emplace_back(n, v); });
        return out;
    }
    std::size_t size() const {
        std::size_t n = 0;
        for_each([&](std::string_view, std::string_view) { ++n; });
        return n;
    }
    /// The raw block.
    const std::string& raw() const noexcept { return m_raw; }

private:
    template <class F>
    void for_each(F&& f) const {
        std::string_view rest = m_raw;
        while (!rest.empty()) {
            auto eol = rest.find("\r\n");
            std::string_view line = rest.substr(0, eol);
            rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
            auto colon = line.find(':');
            if (colon == std::string_view::npos) {
                continue;
            }
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
                value.remove_prefix(1);
            }
            f(line.substr(0, colon), value);
        }
    }
    std::string m_raw;
};

}  // namespace loads
