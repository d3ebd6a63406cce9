/// @file route_handlers.hpp
/// @brief One function per route of the server; router.cpp decides which one runs.
#pragma once

#include <string_view>

// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>

#include "connection_stats.hpp"
#include "http_types.hpp"

namespace loads::sample_server {

/// What a handler may use. Handlers leave version, keep-alive, Server and Content-Length to the
/// connection, which knows the request's protocol and writes every response the same way.
struct RouteContext {
    const Request& request;
    /// The rest of the path after a prefix route, e.g. "503" for /status/503; empty otherwise.
    std::string_view argument;
    const ConnectionStats& stats;
    /// The connection's coroutine: a handler that waits suspends it instead of blocking a thread.
    boost::asio::yield_context yield;
};

Response handle_index(const RouteContext& context);
Response handle_auth(const RouteContext& context);
Response handle_status(const RouteContext& context);
Response handle_delay(const RouteContext& context);
Response handle_echo(const RouteContext& context);
Response handle_active(const RouteContext& context);
Response handle_not_found(const RouteContext& context);

/// A plain-text response, also used by the connection for requests that never reach a handler.
Response make_text_response(unsigned status, std::string_view body);

}  // namespace loads::sample_server
