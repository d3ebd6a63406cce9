// Connection: the one blocking TCP (and TLS) client the built-in observers share. An observer
// sends one notification per process (loads-notify), so plain blocking I/O bounded by the
// observer's deadline is all it needs: every connect, handshake, read and write gives up at the
// deadline with a one-line error naming the peer. OpenSSL does TLS, verifying the certificate
// chain (system CAs, or the given CA file) and the host name.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace loads::observers {

using Deadline = std::chrono::system_clock::time_point;

struct TlsSettings {
    std::string ca_file;  ///< PEM file of trusted CAs; empty: the system's.
};

class Connection {
public:
    /// Connects to `host`:`port` (each resolved address tried in turn) by `deadline`.
    /// @throws std::runtime_error "cannot connect to HOST:PORT: REASON" (refused, unknown host,
    /// timed out).
    Connection(const std::string& host, int port, Deadline deadline);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Makes the connection TLS from here on: at once for implicit TLS, after STARTTLS for SMTP.
    /// Verifies the chain and that the certificate names the host given to the constructor.
    /// @throws std::runtime_error "TLS with HOST:PORT failed: REASON".
    void start_tls(const TlsSettings& settings, Deadline deadline);
    bool tls() const noexcept;

    /// Writes all of `data`. @throws std::runtime_error (peer closed, timed out).
    void write(std::string_view data, Deadline deadline);
    /// Reads one line (up to '\n'; the "\r\n" or "\n" is removed). @throws std::runtime_error when
    /// the peer closes first, the deadline passes or the line exceeds `max` bytes.
    std::string read_line(Deadline deadline, std::size_t max = 64 * 1024);
    /// Reads what is available, at most `size` bytes, waiting for some. @return 0 when the peer
    /// closed the connection. @throws std::runtime_error on timeout or error.
    std::size_t read_some(char* buffer, std::size_t size, Deadline deadline);

    /// "HOST:PORT" for messages (an IPv6 address in brackets: "[::1]:443").
    const std::string& peer() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace loads::observers
