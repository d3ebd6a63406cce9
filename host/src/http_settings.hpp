// HttpSettings: the runner-wide defaults of every virtual user's HTTP session.
#pragma once

#include <chrono>
#include <string>

namespace loads::host {

struct HttpSettings {
    std::chrono::milliseconds connect_timeout{10'000};  ///< --connect-timeout: TCP connect.
    std::chrono::milliseconds timeout{30'000};          ///< --timeout: one whole exchange.
    std::size_t body_limit = 64 * 1024 * 1024;          ///< Largest response body accepted.
    std::string user_agent = "loads/" LOADS_VERSION;
};

}  // namespace loads::host
