/// @file json_text.hpp
/// @brief Writing the small JSON documents the server answers with (/cookies, /headers).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace loads::sample_server {

/// `text` as a JSON string literal, quotes included. Request headers may carry any byte, while
/// JSON text must be UTF-8: well-formed UTF-8 sequences pass through, and any other byte is read
/// as Latin-1 (written as \u00XX), so the document always parses and no byte is lost silently.
std::string json_string(std::string_view text);

/// A JSON object of string members, in the map's key order, e.g. {"a":"1","b":"two"}.
std::string json_object(const std::map<std::string, std::string>& members);

}  // namespace loads::sample_server
