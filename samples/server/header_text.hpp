/// @file header_text.hpp
/// @brief The lexical rules of HTTP header fields (RFC 9110 section 5) the server needs.
#pragma once

#include <string_view>

namespace loads::sample_server {

/// `text` without the optional whitespace (spaces and tabs) around it.
std::string_view trim_whitespace(std::string_view text);

/// Whether `text` is a non-empty token: what a header name (and many header values) must be.
bool is_token(std::string_view text);

/// Whether `value` may be written as a header value. Values the server takes from query strings
/// must pass: a CR or LF would let a URL write arbitrary headers (or a whole second response) into
/// the response, and a NUL is refused by clients.
bool is_header_value(std::string_view value);

}  // namespace loads::sample_server
