#include "tls_context.hpp"

#include <fstream>
#include <string_view>

#include <openssl/ssl.h>

namespace loads::sample_server {

namespace ssl = boost::asio::ssl;

namespace {

// Any fixed value: OpenSSL refuses to resume a session whose id context differs from the
// server's, and with none set it refuses (or, with client certificates, fails) every resumption.
constexpr std::string_view session_id_context = "loads-sample-server";

/// OpenSSL reports a missing file as a bare "system lib" error; checking first gives the user a
/// message that says what is wrong.
void check_readable(const std::string& file, std::string_view what) {
    std::ifstream stream(file);
    if (!stream) {
        throw TlsSetupError("cannot read TLS " + std::string(what) + " '" + file + "'");
    }
}

}  // namespace

ssl::context make_tls_context(const std::string& certificate_file, const std::string& key_file) {
    check_readable(certificate_file, "certificate");
    check_readable(key_file, "key");

    ssl::context context(ssl::context::tls_server);
    SSL_CTX* native = context.native_handle();
    // TLS 1.0 and 1.1 are deprecated (RFC 8996); clients old enough to need them are not loads'.
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
        throw TlsSetupError("cannot restrict TLS to version 1.2 and later");
    }
    context.set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                        ssl::context::single_dh_use);

    // Session tickets are on by default (OpenSSL 3); the cache serves TLS 1.2 clients that resume
    // by session id instead. Both need the id context.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(native, reinterpret_cast<const unsigned char*>(session_id_context.data()),
                                   static_cast<unsigned>(session_id_context.size()));

    boost::system::error_code ec;
    context.use_certificate_chain_file(certificate_file, ec);
    if (ec) {
        throw TlsSetupError("invalid TLS certificate '" + certificate_file + "': " + ec.message());
    }
    context.use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) {
        throw TlsSetupError("invalid TLS key '" + key_file + "': " + ec.message());
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        throw TlsSetupError("TLS key '" + key_file + "' does not match certificate '" + certificate_file +
                            "'");
    }
    return context;
}

}  // namespace loads::sample_server
