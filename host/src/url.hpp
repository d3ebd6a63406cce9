// Url: the parts of an absolute http:// URL that the HTTP session needs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace loads::host {

struct Url {
    std::string host;         ///< Host name or address, without IPv6 brackets.
    std::string port;         ///< Port as text ("80" by default).
    std::string target;       ///< Path and query, at least "/".
    std::string origin;       ///< "host:port", the key of the keep-alive connection.
    std::string host_header;  ///< Value of the Host header ("host" or "host:port", brackets kept).
};

/// Parses `http://host[:port][/path][?query]`. Returns nullopt and sets `error` when the URL is
/// not an absolute http URL (https comes with TLS support, in a later release).
std::optional<Url> parse_url(std::string_view text, std::string& error);

}  // namespace loads::host
