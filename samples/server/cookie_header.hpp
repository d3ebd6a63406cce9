/// @file cookie_header.hpp
/// @brief Reading the cookies out of a request's Cookie header.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loads::sample_server {

/// The `name=value` pairs of one Cookie header value ("a=1; b=two", RFC 6265 section 4.2.1), in
/// order, values verbatim (quotes included, nothing decoded: cookies have no escaping of their
/// own). Pieces without '=' or with an empty name are skipped, as browsers do not send them.
std::vector<std::pair<std::string, std::string>> parse_cookie_header(std::string_view value);

}  // namespace loads::sample_server
