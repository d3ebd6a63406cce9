#include "header_text.hpp"

namespace loads::sample_server {

std::string_view trim_whitespace(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

bool is_token(std::string_view text) {
    constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        const bool alphanumeric = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alphanumeric && punctuation.find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool is_header_value(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace loads::sample_server
