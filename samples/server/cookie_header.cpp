#include "cookie_header.hpp"

#include "header_text.hpp"

namespace loads::sample_server {

std::vector<std::pair<std::string, std::string>> parse_cookie_header(std::string_view value) {
    std::vector<std::pair<std::string, std::string>> cookies;
    while (!value.empty()) {
        const auto semicolon = value.find(';');
        const std::string_view piece = trim_whitespace(value.substr(0, semicolon));
        value = semicolon == std::string_view::npos ? std::string_view() : value.substr(semicolon + 1);
        const auto equals = piece.find('=');
        if (equals == std::string_view::npos) {
            continue;
        }
        const std::string_view name = trim_whitespace(piece.substr(0, equals));
        if (name.empty()) {
            continue;
        }
        cookies.emplace_back(std::string(name), std::string(trim_whitespace(piece.substr(equals + 1))));
    }
    return cookies;
}

}  // namespace loads::sample_server
