#include "http/tls_client.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>

namespace loads::host {
namespace ssl = boost::asio::ssl;

namespace {

void configure(ssl::context& ctx) {
    // TLS 1.2 and 1.3 only: older versions are disabled by every current server and OpenSSL 3.
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    // Sessions are resumed by hand, per virtual user (TlsSessionCache), so that users stay as
    // independent as real clients; OpenSSL's internal client cache would be shared state.
    SSL_CTX_set_session_cache_mode(ctx.native_handle(), SSL_SESS_CACHE_OFF);
}

}  // namespace

TlsClient::TlsClient(const TlsSettings& settings)
    : m_verifying(ssl::context::tls_client),
      m_trusting(ssl::context::tls_client),
      m_verify_default(settings.verify) {
    configure(m_verifying);
    configure(m_trusting);
    m_verifying.set_verify_mode(ssl::verify_peer);
    m_trusting.set_verify_mode(ssl::verify_none);
    boost::system::error_code ec;
    if (!settings.ca_file.empty()) {
        m_verifying.load_verify_file(settings.ca_file, ec);
        if (ec) {
            throw std::runtime_error("cannot load --ca-file '" + settings.ca_file + "': " + ec.message() +
                                     " (expected PEM certificates)");
        }
    }
    // The system store. Certificates are looked up one by one in its hashed directory
    // (/etc/ssl/certs on Debian, SSL_CERT_DIR overrides it) as handshakes need them, rather than
    // the whole bundle parsed as set_default_verify_paths would. SSL_CERT_FILE, when set, is read
    // whole, as is the bundle on a system without the directory. A system without either still
    // runs: every verified handshake then fails with a clear message.
    X509_STORE* store = SSL_CTX_get_cert_store(m_verifying.native_handle());
    const char* dir_override = std::getenv(X509_get_default_cert_dir_env());
    const std::string dir = dir_override != nullptr ? dir_override : X509_get_default_cert_dir();
    std::error_code fs_error;
    std::vector<std::string> files;
    if (std::filesystem::is_directory(dir, fs_error) || dir_override != nullptr) {
        X509_STORE_load_path(store, dir.c_str());  // registers the directory: reads nothing yet
    } else {
        files.emplace_back(X509_get_default_cert_file());
    }
    if (const char* file = std::getenv(X509_get_default_cert_file_env()); file != nullptr) {
        files.emplace_back(file);
    }
    ERR_clear_error();  // a missing store is reported at the handshake, not left for the next call
    if (!files.empty()) {
        // A bundle of ~140 certificates, 25 to 50 ms to parse on the development VM: read on a
        // thread of its own, so that start-up does not wait for it (tools/bench/startup.py), nor
        // a verified request made once it is done; an earlier one waits for the rest in context().
        m_loading_store = true;
        m_store_loader = std::thread([store, files = std::move(files)] {
            for (const std::string& file : files) {
                X509_STORE_load_file(store, file.c_str());
            }
            ERR_clear_error();  // this thread's queue: the handshake reports a store that failed
        });
    }
}

TlsClient::~TlsClient() {
    if (m_store_loader.joinable()) {
        m_store_loader.join();
    }
}

ssl::context& TlsClient::context(bool verify) {
    if (verify && m_loading_store) {  // set before any other thread exists, never changed
        std::call_once(m_store_joined, [this] { m_store_loader.join(); });
    }
    return verify ? m_verifying : m_trusting;
}

std::unique_ptr<TlsStream> TlsClient::make_stream(boost::asio::io_context& ioc, const std::string& host,
                                                  bool verify, ssl_session_st* resume) {
    auto stream = std::make_unique<TlsStream>(ioc, context(verify));
    prepare(*stream, host, verify, resume);
    return stream;
}

void TlsClient::prepare(TlsStream& stream, const std::string& host, bool verify, ssl_session_st* resume) {
    SSL* native = stream.native_handle();
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) {
        // SNI carries names only (RFC 6066 3): never an address.
        if (SSL_set_tlsext_host_name(native, host.c_str()) != 1) {
            throw std::runtime_error("cannot set the TLS server name '" + host + "'");
        }
    }
    if (verify) {
        X509_VERIFY_PARAM* param = SSL_get0_param(native);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = ec ? X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size())
                          : X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
        if (ok != 1) {
            throw std::runtime_error("cannot check TLS certificates against '" + host + "'");
        }
    }
    if (resume != nullptr) {
        SSL_set_session(native, resume);
    }
}

TlsSessionCache::~TlsSessionCache() {
    forget();
}

void TlsSessionCache::remember(TlsStream& stream) {
    SSL_SESSION* current = SSL_get_session(stream.native_handle());
    if (current == nullptr || current == m_session || SSL_SESSION_is_resumable(current) != 1) {
        return;
    }
    SSL_SESSION_up_ref(current);
    forget();
    m_session = current;
}

void TlsSessionCache::keep_resumable(TlsStream& stream) {
    // Freeing an SSL that never sent close_notify makes OpenSSL mark its session not resumable
    // (ssl_clear_bad_session), and the session kept here is that same object. HTTP/1.1 delimits
    // its messages itself, so a connection closed without the alert ended cleanly: say so.
    SSL_set_shutdown(stream.native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

void TlsSessionCache::forget() {
    if (m_session != nullptr) {
        SSL_SESSION_free(m_session);
        m_session = nullptr;
    }
}

std::string describe_tls_error(const boost::system::error_code& ec, TlsStream& stream, bool verified) {
    // Without verification OpenSSL still records a verify result: it explains nothing then.
    const long verify = verified ? SSL_get_verify_result(stream.native_handle()) : X509_V_OK;
    if (verify != X509_V_OK) {
        return std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify) +
               " (use --ca-file to trust its CA, or --insecure to skip verification)";
    }
    if (ec == ssl::error::stream_truncated) {
        return "the server closed the connection during the TLS handshake";
    }
    return ec.message();
}

}  // namespace loads::host
