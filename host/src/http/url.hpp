// Url: the parts of an absolute http(s):// or ws(s):// URL that the HTTP and web socket clients need,
// and how a redirect's Location is resolved against the URL it came from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace loads::host {

enum class Scheme { http, https, ws, wss };

struct Url {
    Scheme scheme = Scheme::http;
    std::string host;         ///< Host name or address, without IPv6 brackets, lower-cased.
    std::string port;         ///< Port as text ("80" or "443" by default).
    std::string target;       ///< Path and query, at least "/".
    std::string origin;       ///< "scheme://host:port", the key of the keep-alive connection.
    std::string endpoint;     ///< "host:port", the key of the DNS cache.
    std::string host_header;  ///< Value of the Host header ("host" or "host:port", brackets kept).

    bool tls() const noexcept { return scheme == Scheme::https || scheme == Scheme::wss; }
    bool web_socket() const noexcept { return scheme == Scheme::ws || scheme == Scheme::wss; }
    /// "http://host[:port]": scheme and authority, the base of absolute paths.
    std::string scheme_and_authority() const;
};

/// Parses `scheme://host[:port][/path][?query]` for the schemes http, https, ws and wss. Returns
/// nullopt and sets `error` (one line) when the URL is not absolute or its scheme is another.
std::optional<Url> parse_url(std::string_view text, std::string& error);

/// The absolute URL a redirect's `location` points to, `location` being absolute, scheme-relative
/// (`//host/x`), absolute-path (`/x`), query-only (`?q`) or relative (`x`) to `base` (RFC 3986 5.2,
/// with dot segments left to the server, as browsers mostly leave them). The fragment is dropped.
std::string resolve_reference(const Url& base, std::string_view location);

}  // namespace loads::host
