// HttpSettings: the runner-wide defaults of every virtual user's HTTP session.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace loads::host {

class Connector;
class TlsClient;

struct HttpSettings {
    std::chrono::milliseconds connect_timeout{10'000};  ///< --connect-timeout: TCP connect + TLS handshake.
    std::chrono::milliseconds timeout{30'000};          ///< --timeout: one whole exchange.
    std::size_t body_limit = 64 * 1024 * 1024;          ///< Largest response body accepted.
    std::string user_agent = "loads/" LOADS_VERSION;
    /// The TLS contexts (--insecure, --ca-file); null means verification on, the system's CAs.
    std::shared_ptr<TlsClient> tls;
    /// Null: connect by resolving the host and opening TCP (every run). Unit tests put an
    /// in-memory peer here (see http/connector.hpp).
    std::shared_ptr<Connector> connector;
};

}  // namespace loads::host
