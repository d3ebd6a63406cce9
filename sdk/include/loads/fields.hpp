/// @file fields.hpp
/// @brief Fields: ordered name/value pairs (request headers, query parameters, form fields), and
/// the encodings they travel in (percent-encoding, application/x-www-form-urlencoded, Base64).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loads {

/// Name/value pairs in the order they were given; a name may repeat (`a=1&a=2`).
/// Built from a braced list: `{{"Accept", "text/html"}, {"X-Id", "7"}}`.
class Fields {
public:
    using value_type = std::pair<std::string, std::string>;
    using const_iterator = std::vector<value_type>::const_iterator;

    Fields() = default;
    Fields(std::initializer_list<value_type> items) : m_items(items) {}

    void add(std::string name, std::string value) { m_items.emplace_back(std::move(name), std::move(value)); }
    void push_back(value_type item) { m_items.push_back(std::move(item)); }
    template <class... Args>
    value_type& emplace_back(Args&&... args) {
        return m_items.emplace_back(std::forward<Args>(args)...);
    }
    void clear() noexcept { m_items.clear(); }

    const_iterator begin() const noexcept { return m_items.begin(); }
    const_iterator end() const noexcept { return m_items.end(); }
    std::size_t size() const noexcept { return m_items.size(); }
    bool empty() const noexcept { return m_items.empty(); }
    const value_type& operator[](std::size_t i) const { return m_items[i]; }

private:
    std::vector<value_type> m_items;
};

/// Request headers, in the order they are sent.
using HeaderList = Fields;

namespace detail {

/// Percent-encodes everything but RFC 3986's unreserved characters; `plus_for_space` gives the
/// form encoding's '+' (what Requests' urlencode produces for params and data).
inline void percent_encode(std::string& out, std::string_view s, bool plus_for_space) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        const bool unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
                                b == '-' || b == '.' || b == '_' || b == '~';
        if (unreserved) {
            out += c;
        } else if (b == ' ' && plus_for_space) {
            out += '+';
        } else {
            out += '%';
            out += k_hex[b >> 4];
            out += k_hex[b & 15];
        }
    }
}

/// `a=1&b=x+y`: application/x-www-form-urlencoded, also used for query strings.
inline std::string form_encode(const Fields& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty()) {
            out += '&';
        }
        percent_encode(out, name, true);
        out += '=';
        percent_encode(out, value, true);
    }
    return out;
}

/// `url` with `params` appended to its query (after an existing one), before any fragment.
inline std::string with_params(std::string_view url, const Fields& params) {
    if (params.empty()) {
        return std::string(url);
    }
    const auto hash = url.find('#');
    std::string out(url.substr(0, hash));
    const auto question = out.find('?');
    if (question == std::string::npos) {
        out += '?';
    } else if (question + 1 != out.size() && out.back() != '&') {
        out += '&';
    }
    out += form_encode(params);
    return out;
}

inline std::string base64(std::string_view in) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t(std::uint8_t(in[i])) << 16) |
                                (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += k_alphabet[(n >> 6) & 63];
        out += k_alphabet[n & 63];
    }
    if (i < in.size()) {
        std::uint32_t n = std::uint32_t(std::uint8_t(in[i])) << 16;
        if (i + 1 < in.size()) {
            n |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
        }
        out += k_alphabet[(n >> 18) & 63];
        out += k_alphabet[(n >> 12) & 63];
        out += i + 1 < in.size() ? k_alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace detail
}  // namespace loads
