#include "json_text.hpp"

#include <cstddef>

namespace loads::sample_server {

namespace {

/// The length of the well-formed UTF-8 sequence starting `text`, or 0 when it does not start with
/// one (RFC 3629 section 4: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0u) == 0x80u; };
    const unsigned lead = byte(0);
    if (lead >= 0xC2 && lead <= 0xDF) {
        return continuation(1) ? 2 : 0;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        if (!continuation(1) || !continuation(2)) {
            return 0;
        }
        // E0 would be overlong below A0; ED from A0 on encodes UTF-16 surrogates.
        if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) >= 0xA0)) {
            return 0;
        }
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        if (!continuation(1) || !continuation(2) || !continuation(3)) {
            return 0;
        }
        // F0 would be overlong below 90; F4 from 90 on is above U+10FFFF.
        if ((lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) >= 0x90)) {
            return 0;
        }
        return 4;
    }
    return 0;
}

void append_unicode_escape(std::string& out, unsigned code) {
    constexpr std::string_view digits = "0123456789abcdef";
    out += "\\u00";
    out.push_back(digits[(code >> 4) & 0xFu]);
    out.push_back(digits[code & 0xFu]);
}

}  // namespace

std::string json_string(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const std::size_t length = utf8_sequence_length(text.substr(i));
            if (length == 0) {
                append_unicode_escape(out, c);
                ++i;
            } else {
                out.append(text.substr(i, length));
                i += length;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    append_unicode_escape(out, c);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
    return out;
}

std::string json_object(const std::map<std::string, std::string>& members) {
    std::string out = "{";
    for (const auto& [name, value] : members) {
        if (out.size() > 1) {
            out.push_back(',');
        }
        out += json_string(name);
        out.push_back(':');
        out += json_string(value);
    }
    out.push_back('}');
    return out;
}

}  // namespace loads::sample_server
