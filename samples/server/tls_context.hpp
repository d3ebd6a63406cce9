/// @file tls_context.hpp
/// @brief The TLS configuration of --tls-cert/--tls-key: one context shared by every connection.
#pragma once

#include <stdexcept>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace loads::sample_server {

/// A certificate or key that cannot be used; what() is one line naming the file and the reason.
class TlsSetupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A server context for the PEM certificate chain in `certificate_file` and the PEM private key in
/// `key_file`: TLS 1.2 or later, and session resumption (tickets, and a server-side cache for
/// clients that resume by session id), so that load tests can measure resumed handshakes.
/// Throws TlsSetupError when a file is unreadable or invalid, or the key does not match.
boost::asio::ssl::context make_tls_context(const std::string& certificate_file, const std::string& key_file);

}  // namespace loads::sample_server
