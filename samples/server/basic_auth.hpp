/// @file basic_auth.hpp
/// @brief Reading the user name out of an `Authorization: Basic ...` header (RFC 7617).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace loads::sample_server {

/// The user name of a Basic credential, or nothing when the header is not a well-formed Basic
/// credential: another scheme, invalid base64, no ':' separator or an empty user name.
/// The password is not checked: the server only demonstrates that the client sent credentials.
std::optional<std::string> basic_auth_user(std::string_view authorization);

/// Standard base64 (RFC 4648 section 4) decoding; trailing '=' padding is optional.
std::optional<std::string> decode_base64(std::string_view encoded);

}  // namespace loads::sample_server
