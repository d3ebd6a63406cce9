/// @file router.hpp
/// @brief The route table: which handler answers which path.
#pragma once

#include <string_view>

// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>

#include "connection_info.hpp"
#include "connection_stats.hpp"
#include "http_types.hpp"

namespace loads::sample_server {

class Router {
public:
    explicit Router(const ConnectionStats& stats) : m_stats(stats) {}

    /// The response to `request`, without the connection-level fields (see RouteContext).
    /// May suspend the calling coroutine (e.g. /delay).
    Response route(const Request& request, const ConnectionInfo& connection,
                   boost::asio::yield_context yield) const;

private:
    const ConnectionStats& m_stats;
};

/// The path where WebSocket upgrades are accepted. The connection hands those over before routing
/// (see http_session.hpp); the route table only answers the plain requests sent there.
inline constexpr std::string_view websocket_path = "/ws";

/// The path part of a request target: routing ignores the query string.
std::string_view target_path(std::string_view target);

}  // namespace loads::sample_server
