#include "basic_auth.hpp"

#include <boost/beast/core/string.hpp>

#include "header_text.hpp"

namespace loads::sample_server {

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view encoded) {
    if (encoded.size() % 4 == 0) {
        for (int i = 0; i < 2 && !encoded.empty() && encoded.back() == '='; ++i) {
            encoded.remove_suffix(1);
        }
    }
    // One leftover character carries only 6 bits, less than a byte: no encoder produces that.
    if (encoded.size() % 4 == 1) {
        return std::nullopt;
    }
    std::string decoded;
    decoded.reserve(encoded.size() * 3 / 4);
    unsigned accumulator = 0;
    int bits = 0;
    for (char c : encoded) {
        const int value = base64_value(c);
        if (value < 0) {
            return std::nullopt;
        }
        accumulator = (accumulator << 6) | static_cast<unsigned>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((accumulator >> bits) & 0xFFu));
        }
    }
    return decoded;
}

std::optional<std::string> basic_auth_user(std::string_view authorization) {
    authorization = trim_whitespace(authorization);
    // The scheme name is case-insensitive (RFC 9110 section 11.1).
    constexpr std::string_view scheme = "basic";
    if (authorization.size() <= scheme.size() ||
        !boost::beast::iequals(authorization.substr(0, scheme.size()), scheme) ||
        (authorization[scheme.size()] != ' ' && authorization[scheme.size()] != '\t')) {
        return std::nullopt;
    }
    auto credentials = decode_base64(trim_whitespace(authorization.substr(scheme.size())));
    if (!credentials) {
        return std::nullopt;
    }
    const auto colon = credentials->find(':');
    if (colon == std::string::npos || colon == 0) {
        return std::nullopt;
    }
    credentials->resize(colon);
    return credentials;
}

}  // namespace loads::sample_server
