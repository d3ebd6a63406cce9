/// @file connection_info.hpp
/// @brief What a route may know about the connection a request came on, beyond the request.
#pragma once

#include <string>

namespace loads::sample_server {

/// Fixed once the connection is established (after the TLS handshake, in TLS mode), so it is
/// computed once per connection rather than looked up per request.
struct ConnectionInfo {
    bool tls = false;
    /// Whether the client resumed an earlier TLS session instead of a full handshake.
    bool tls_session_reused = false;
    /// The negotiated protocol as OpenSSL names it, e.g. "TLSv1.3"; empty without TLS.
    std::string tls_version;
};

}  // namespace loads::sample_server
