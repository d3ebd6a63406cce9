#include "query_string.hpp"

namespace loads::sample_server {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::string_view target_query(std::string_view target) {
    const auto question_mark = target.find('?');
    return question_mark == std::string_view::npos ? std::string_view() : target.substr(question_mark + 1);
}

std::string decode_form_component(std::string_view text) {
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            decoded.push_back(' ');
            continue;
        }
        if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            decoded.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
            continue;
        }
        decoded.push_back(c);
    }
    return decoded;
}

std::vector<QueryParameter> parse_query(std::string_view query) {
    std::vector<QueryParameter> parameters;
    while (!query.empty()) {
        const auto ampersand = query.find('&');
        const std::string_view piece = query.substr(0, ampersand);
        query = ampersand == std::string_view::npos ? std::string_view() : query.substr(ampersand + 1);
        if (piece.empty()) {
            continue;
        }
        const auto equals = piece.find('=');
        if (equals == std::string_view::npos) {
            parameters.push_back({decode_form_component(piece), {}});
        } else {
            parameters.push_back({decode_form_component(piece.substr(0, equals)),
                                  decode_form_component(piece.substr(equals + 1))});
        }
    }
    return parameters;
}

std::optional<std::string> find_parameter(const std::vector<QueryParameter>& parameters,
                                          std::string_view name) {
    for (const auto& parameter : parameters) {
        if (parameter.name == name) {
            return parameter.value;
        }
    }
    return std::nullopt;
}

}  // namespace loads::sample_server
