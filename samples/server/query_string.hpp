/// @file query_string.hpp
/// @brief Reading the query string of a request target (application/x-www-form-urlencoded).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loads::sample_server {

struct QueryParameter {
    std::string name;
    std::string value;
};

/// The part of a request target after the first '?', or "" when there is none.
std::string_view target_query(std::string_view target);

/// The `name=value` pairs of `query`, in order, repeated names included, both sides decoded by
/// decode_form_component(). Empty pieces ("a=1&&b=2") are skipped; a piece without '=' is a name
/// with an empty value.
std::vector<QueryParameter> parse_query(std::string_view query);

/// Percent-decoding with '+' meaning a space, as HTML forms and Python's urlencode() write it.
/// A '%' not followed by two hex digits stays as it is, like Python's unquote_plus() does, so
/// that what a client's URL library sends always decodes to something.
std::string decode_form_component(std::string_view text);

/// The value of the first parameter called `name`, or nothing.
std::optional<std::string> find_parameter(const std::vector<QueryParameter>& parameters,
                                          std::string_view name);

}  // namespace loads::sample_server
