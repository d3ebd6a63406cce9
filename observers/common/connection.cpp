// Connection: a blocking-style TCP/TLS client whose every step is bounded by a deadline.
//
// The socket stays non-blocking from creation to close: each operation is attempted, and when it
// would block we poll() for the needed readiness with the time left until the deadline. That one
// pattern serves connect, plain reads and writes, and the TLS handshake, reads and writes (OpenSSL
// reports SSL_ERROR_WANT_READ / WANT_WRITE on a non-blocking socket and is simply called again).
#include "connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "text.hpp"

namespace loads::observers {

namespace {

std::string errno_text(int error) {
    return std::strerror(error);
}

bool is_localhost(std::string host) {
    host = ascii_lower(host);
    if (!host.empty() && host.back() == '.') {
        host.pop_back();
    }
    return host == "localhost" || host.ends_with(".localhost");
}

bool is_ip_literal(const std::string& host) {
    in6_addr v6{};
    in_addr v4{};
    return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// The oldest OpenSSL error queued on this thread as one readable phrase ("wrong version number"),
// then the queue emptied so the next operation starts clean.
std::string openssl_reason(const std::string& fallback) {
    unsigned long code = ERR_get_error();
    std::string text = fallback;
    if (code != 0) {
        const char* reason = ERR_reason_error_string(code);
        if (ERR_GET_LIB(code) == ERR_LIB_SYS) {
            text = errno_text(ERR_GET_REASON(code));  // an errno (a missing CA file, say)
        } else if (reason != nullptr) {
            text = reason;
        } else {
            char buffer[256];
            ERR_error_string_n(code, buffer, sizeof buffer);
            text = buffer;
        }
    }
    ERR_clear_error();
    return text;
}

// OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE when the peer has gone and
// would kill loads-notify unless the process ignores that signal (which a plugin must not decide
// for its host). This BIO does the same job with send(MSG_NOSIGNAL) / recv on the descriptor.
int fd_of(BIO* bio) {
    return *static_cast<int*>(BIO_get_data(bio));
}

int socket_bio_write(BIO* bio, const char* data, size_t size, size_t* written) {
    BIO_clear_retry_flags(bio);
    ssize_t n = ::send(fd_of(bio), data, size, MSG_NOSIGNAL);
    if (n >= 0) {
        *written = static_cast<size_t>(n);
        return 1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        BIO_set_retry_write(bio);
    }
    return 0;
}

int socket_bio_read(BIO* bio, char* data, size_t size, size_t* read) {
    BIO_clear_retry_flags(bio);
    ssize_t n = ::recv(fd_of(bio), data, size, 0);
    if (n > 0) {
        *read = static_cast<size_t>(n);
        return 1;
    }
    if (n == 0) {
        BIO_set_flags(bio, BIO_FLAGS_IN_EOF);  // lets OpenSSL tell EOF from an error
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        BIO_set_retry_read(bio);
    }
    return 0;
}

long socket_bio_ctrl(BIO* bio, int command, long, void*) {
    switch (command) {
        case BIO_CTRL_FLUSH:  // send() does not buffer
            return 1;
        case BIO_CTRL_EOF:
            return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
        default:
            return 0;
    }
}

int socket_bio_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* socket_bio_method() {
    // Created once per process and kept: OpenSSL never frees a BIO_METHOD behind our back, and a
    // process sends one notification, so there is nothing to reclaim.
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "loads socket");
        if (m == nullptr) {
            return m;
        }
        BIO_meth_set_write_ex(m, socket_bio_write);
        BIO_meth_set_read_ex(m, socket_bio_read);
        BIO_meth_set_ctrl(m, socket_bio_ctrl);
        BIO_meth_set_create(m, socket_bio_create);
        return m;
    }();
    return method;
}

}  // namespace

struct Connection::Impl {
    std::string host;  // without brackets, as getaddrinfo and certificate checks want it
    int port = 0;
    std::string peer;  // "host:port", "[v6]:port"
    int fd = -1;
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    std::string in;  // bytes received but not yet returned by read_line / read_some

    ~Impl() {
        if (ssl != nullptr) {
            // Best effort close_notify; never waits (the socket is non-blocking).
            SSL_shutdown(ssl);
            SSL_free(ssl);
        }
        if (ctx != nullptr) {
            SSL_CTX_free(ctx);
        }
        if (fd >= 0) {
            ::close(fd);
        }
        ERR_clear_error();
    }

    std::runtime_error timeout() const {
        return std::runtime_error(peer + ": no answer within the time limit");
    }

    /// Waits until `fd` is ready for `events`, or throws at the deadline.
    void wait(short events, Deadline deadline) const {
        for (;;) {
            auto left =
                std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
            if (left.count() <= 0) {
                throw timeout();
            }
            pollfd p{fd, events, 0};
            int timeout_ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
            int n = ::poll(&p, 1, timeout_ms);
            if (n > 0) {
                return;  // readable, writable, or an error/hang-up the next call will report
            }
            if (n < 0 && errno != EINTR) {
                throw std::runtime_error(peer + ": poll failed: " + errno_text(errno));
            }
        }
    }

    /// One TLS operation retried through WANT_READ / WANT_WRITE until it completes or fails.
    /// @return the operation's result (> 0) or the SSL_get_error code it ended with.
    template <typename Op>
    int tls_loop(Op op, Deadline deadline, int* error) {
        for (;;) {
            ERR_clear_error();
            errno = 0;
            int result = op();
            if (result > 0) {
                *error = SSL_ERROR_NONE;
                return result;
            }
            int code = SSL_get_error(ssl, result);
            if (code == SSL_ERROR_WANT_READ) {
                wait(POLLIN, deadline);
            } else if (code == SSL_ERROR_WANT_WRITE) {
                wait(POLLOUT, deadline);
            } else {
                *error = code;
                return result;
            }
        }
    }

    /// Why a TLS read or write stopped, in a few words.
    std::string tls_failure(int code, int saved_errno) {
        if (code == SSL_ERROR_ZERO_RETURN) {
            return "the server closed the connection";
        }
        if (code == SSL_ERROR_SYSCALL) {
            std::string reason = openssl_reason("");
            if (!reason.empty()) {
                return reason;
            }
            return saved_errno != 0 ? errno_text(saved_errno) : "the server closed the connection";
        }
        return openssl_reason("TLS error " + std::to_string(code));
    }

    /// Reads at most `size` bytes from the socket (TLS or not), bypassing `in`; 0 when closed.
    std::size_t receive(char* buffer, std::size_t size, Deadline deadline) {
        if (ssl != nullptr) {
            std::size_t got = 0;
            int error = SSL_ERROR_NONE;
            tls_loop([&] { return SSL_read_ex(ssl, buffer, size, &got); }, deadline, &error);
            if (error == SSL_ERROR_NONE) {
                return got;
            }
            if (error == SSL_ERROR_ZERO_RETURN) {
                return 0;
            }
            int saved = errno;
            throw std::runtime_error("cannot read from " + peer + ": " + tls_failure(error, saved));
        }
        for (;;) {
            ssize_t n = ::recv(fd, buffer, size, 0);
            if (n >= 0) {
                return static_cast<std::size_t>(n);
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                wait(POLLIN, deadline);
            } else if (errno != EINTR) {
                throw std::runtime_error("cannot read from " + peer + ": " + errno_text(errno));
            }
        }
    }
};

Connection::Connection(const std::string& host, int port, Deadline deadline)
    : m_impl(std::make_unique<Impl>()) {
    Impl& c = *m_impl;
    c.host = host;
    if (c.host.size() >= 2 && c.host.front() == '[' && c.host.back() == ']') {
        c.host = c.host.substr(1, c.host.size() - 2);
    }
    c.port = port;
    c.peer =
        (c.host.find(':') != std::string::npos ? "[" + c.host + "]" : c.host) + ":" + std::to_string(port);
    const std::string prefix = "cannot connect to " + c.peer + ": ";
    if (port <= 0 || port > 65535) {
        throw std::runtime_error(prefix + "invalid port");
    }

    // getaddrinfo cannot be given a time limit; a resolver that hangs is bounded only by the
    // host killing loads-notify at the deadline. Name look-ups are local or fast in practice.
    // `localhost` and `*.localhost` are the loopback addresses without a look-up (RFC 6761), as
    // for the runner's own requests: a minimal system may have no /etc/hosts entry for them.
    // A null node gives exactly those (::1 and 127.0.0.1); the TLS checks still use the name.
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    const char* node = is_localhost(c.host) ? nullptr : c.host.c_str();
    int rc = ::getaddrinfo(node, service.c_str(), &hints, &found);
    if (rc != 0) {
        throw std::runtime_error(prefix + (rc == EAI_SYSTEM ? errno_text(errno) : ::gai_strerror(rc)));
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);

    std::string last_error = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_error = errno_text(errno);
            continue;
        }
        c.fd = fd;
        int error = 0;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            error = errno;
            if (error == EINPROGRESS || error == EINTR) {
                try {
                    c.wait(POLLOUT, deadline);
                } catch (const std::runtime_error&) {
                    ::close(fd);
                    c.fd = -1;
                    throw std::runtime_error(prefix + "no answer within the time limit");
                }
                socklen_t length = sizeof error;
                if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                    error = errno;
                }
            }
        }
        if (error == 0) {
            // Notifications are a few small writes answered by the peer: send each at once.
            int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return;
        }
        last_error = errno_text(error);
        ::close(fd);
        c.fd = -1;
        if (std::chrono::system_clock::now() >= deadline) {
            throw std::runtime_error(prefix + "no answer within the time limit");
        }
    }
    throw std::runtime_error(prefix + last_error);
}

Connection::~Connection() = default;

void Connection::start_tls(const TlsSettings& settings, Deadline deadline) {
    Impl& c = *m_impl;
    const std::string prefix = "TLS with " + c.peer + " failed: ";
    if (c.ssl != nullptr) {
        throw std::runtime_error(prefix + "TLS already started");
    }
    // Bytes that arrived after the reply to STARTTLS were sent in plaintext by whoever is on the
    // wire and must not be read as if they had come through TLS (the STARTTLS command-injection
    // attack, CVE-2011-0411 and kin): refuse rather than discard them silently.
    if (!c.in.empty()) {
        throw std::runtime_error(prefix + "the server sent data before the TLS handshake");
    }
    ERR_clear_error();
    c.ctx = SSL_CTX_new(TLS_client_method());
    if (c.ctx == nullptr) {
        throw std::runtime_error(prefix + openssl_reason("cannot create a TLS context"));
    }
    SSL_CTX_set_min_proto_version(c.ctx, TLS1_2_VERSION);
    // Servers often close after their answer without a TLS close_notify; what we read has its own
    // framing (lines, Content-Length), so such an end is a normal end of stream, not an error.
    SSL_CTX_set_options(c.ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(c.ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_verify(c.ctx, SSL_VERIFY_PEER, nullptr);
    if (settings.ca_file.empty()) {
        if (SSL_CTX_set_default_verify_paths(c.ctx) != 1) {
            throw std::runtime_error(
                prefix + "cannot load the system's CA certificates: " + openssl_reason("unknown error"));
        }
    } else if (SSL_CTX_load_verify_locations(c.ctx, settings.ca_file.c_str(), nullptr) != 1) {
        throw std::runtime_error(prefix + "cannot load CA file " + settings.ca_file + ": " +
                                 openssl_reason("unknown error"));
    }

    c.ssl = SSL_new(c.ctx);
    if (c.ssl == nullptr) {
        throw std::runtime_error(prefix + openssl_reason("cannot create a TLS session"));
    }
    if (is_ip_literal(c.host)) {
        // No SNI for addresses (RFC 6066); the certificate must carry the address as an IP SAN.
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c.ssl), c.host.c_str());
    } else {
        SSL_set_tlsext_host_name(c.ssl, c.host.c_str());
        SSL_set1_host(c.ssl, c.host.c_str());
    }
    const BIO_METHOD* method = socket_bio_method();
    BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
    if (bio == nullptr) {
        throw std::runtime_error(prefix + openssl_reason("cannot create a socket BIO"));
    }
    BIO_set_data(bio, &c.fd);
    SSL_set_bio(c.ssl, bio, bio);  // the SSL owns the BIO from here

    int error = SSL_ERROR_NONE;
    try {
        c.tls_loop([&] { return SSL_connect(c.ssl); }, deadline, &error);
    } catch (const std::runtime_error&) {
        throw std::runtime_error(prefix + "no answer within the time limit");
    }
    if (error == SSL_ERROR_NONE) {
        return;
    }
    int saved = errno;
    long verify = SSL_get_verify_result(c.ssl);
    if (verify != X509_V_OK) {
        ERR_clear_error();
        throw std::runtime_error(prefix + "certificate verify failed (" +
                                 X509_verify_cert_error_string(verify) + ")");
    }
    throw std::runtime_error(prefix + c.tls_failure(error, saved));
}

bool Connection::tls() const noexcept {
    return m_impl->ssl != nullptr;
}

void Connection::write(std::string_view data, Deadline deadline) {
    Impl& c = *m_impl;
    while (!data.empty()) {
        std::size_t sent = 0;
        if (c.ssl != nullptr) {
            int error = SSL_ERROR_NONE;
            c.tls_loop([&] { return SSL_write_ex(c.ssl, data.data(), data.size(), &sent); }, deadline,
                       &error);
            if (error != SSL_ERROR_NONE) {
                int saved = errno;
                throw std::runtime_error("cannot send to " + c.peer + ": " + c.tls_failure(error, saved));
            }
        } else {
            ssize_t n = ::send(c.fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    c.wait(POLLOUT, deadline);
                } else if (errno != EINTR) {
                    throw std::runtime_error("cannot send to " + c.peer + ": " + errno_text(errno));
                }
                continue;
            }
            sent = static_cast<std::size_t>(n);
        }
        data.remove_prefix(sent);
    }
}

std::string Connection::read_line(Deadline deadline, std::size_t max) {
    Impl& c = *m_impl;
    std::size_t scanned = 0;
    for (;;) {
        std::size_t end = c.in.find('\n', scanned);
        if (end != std::string::npos) {
            if (end > max) {
                throw std::runtime_error(c.peer + ": line longer than " + std::to_string(max) + " bytes");
            }
            std::string line = c.in.substr(0, end);
            c.in.erase(0, end + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            return line;
        }
        scanned = c.in.size();
        if (scanned > max) {
            throw std::runtime_error(c.peer + ": line longer than " + std::to_string(max) + " bytes");
        }
        char buffer[4096];
        std::size_t n = c.receive(buffer, sizeof buffer, deadline);
        if (n == 0) {
            throw std::runtime_error(c.peer + ": the server closed the connection");
        }
        c.in.append(buffer, n);
    }
}

std::size_t Connection::read_some(char* buffer, std::size_t size, Deadline deadline) {
    Impl& c = *m_impl;
    if (size == 0) {
        return 0;
    }
    if (!c.in.empty()) {
        std::size_t n = std::min(size, c.in.size());
        std::memcpy(buffer, c.in.data(), n);
        c.in.erase(0, n);
        return n;
    }
    return c.receive(buffer, size, deadline);
}

const std::string& Connection::peer() const noexcept {
    return m_impl->peer;
}

}  // namespace loads::observers
