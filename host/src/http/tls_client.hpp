// TlsClient: the OpenSSL client contexts every https:// and wss:// connection of the run is made
// from. One verifying context (the system's CA store, plus --ca-file) and one that verifies
// nothing (--insecure, BYPASS_SSL_CHECK, or a request that asks for it); both are set up before
// the first user starts (but for the system's CA bundle, read meanwhile on a thread of its own),
// and only read afterwards, which OpenSSL allows from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "base/asio_types.hpp"

struct ssl_session_st;

namespace loads::host {

using TlsStream = boost::asio::ssl::stream<TcpSocket>;

struct TlsSettings {
    bool verify = true;   ///< Off with --insecure or the BYPASS_SSL_CHECK environment variable.
    std::string ca_file;  ///< --ca-file: PEM certificates trusted besides the system's.
};

class TlsClient {
public:
    /// @throws std::runtime_error (one line) when the CA file cannot be loaded.
    explicit TlsClient(const TlsSettings& settings);
    ~TlsClient();
    TlsClient(const TlsClient&) = delete;
    TlsClient& operator=(const TlsClient&) = delete;

    bool verifies_by_default() const noexcept { return m_verify_default; }

    /// A new client stream over a new socket, ready for its handshake with `host`: SNI set for a
    /// host name, and — when `verify` — the certificate checked against the trusted CAs and
    /// `host` (a DNS name or an IP address). `resume` is a session from an earlier connection to
    /// the same origin (or null). @throws std::runtime_error when OpenSSL refuses a setting.
    std::unique_ptr<TlsStream> make_stream(boost::asio::io_context& ioc, const std::string& host, bool verify,
                                           ssl_session_st* resume);
    /// The context streams are made from (for a stream that another layer owns, e.g. a web socket).
    /// The verifying one is returned once the system's CA bundle, read on a thread of its own from
    /// start-up, is in its store; any thread may call this.
    boost::asio::ssl::context& context(bool verify);
    /// Prepares a stream made from context(verify) like make_stream does. @throws std::runtime_error.
    static void prepare(TlsStream& stream, const std::string& host, bool verify, ssl_session_st* resume);

private:
    boost::asio::ssl::context m_verifying;
    boost::asio::ssl::context m_trusting;
    std::thread m_store_loader;  ///< Reads the CA bundle into m_verifying's store, if there is one.
    bool m_loading_store = false;
    std::once_flag m_store_joined;
    bool m_verify_default;
};

/// Holds a TLS session to resume the next connection to the same origin with (RFC 5077/8446):
/// the reconnect then skips the certificate exchange and its verification.
class TlsSessionCache {
public:
    TlsSessionCache() = default;
    TlsSessionCache(const TlsSessionCache&) = delete;
    TlsSessionCache& operator=(const TlsSessionCache&) = delete;
    ~TlsSessionCache();

    ssl_session_st* get() const noexcept { return m_session; }
    /// Keeps the stream's current session if it can be resumed and is not the one kept already.
    void remember(TlsStream& stream);
    void forget();
    /// Before closing a connection that ended normally without close_notify: keeps its session
    /// resumable.
    static void keep_resumable(TlsStream& stream);

private:
    ssl_session_st* m_session = nullptr;
};

/// A one-line description of a TLS failure, naming the certificate problem when there is one.
std::string describe_tls_error(const boost::system::error_code& ec, TlsStream& stream, bool verified);

}  // namespace loads::host
