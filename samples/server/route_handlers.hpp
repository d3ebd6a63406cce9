/// @file route_handlers.hpp
/// @brief One function per route of the server; router.cpp decides which one runs.
#pragma once

#include <string_view>

// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>

#include "connection_info.hpp"
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
    const ConnectionInfo& connection;
    /// The connection's coroutine: a handler that waits suspends it instead of blocking a thread.
    boost::asio::yield_context yield;
};

Response handle_index(const RouteContext& context);
Response handle_auth(const RouteContext& context);
Response handle_status(const RouteContext& context);
Response handle_delay(const RouteContext& context);
Response handle_echo(const RouteContext& context);
Response handle_active(const RouteContext& context);
/// /ws reached without a WebSocket upgrade (upgrades never get here): 426.
Response handle_websocket_without_upgrade(const RouteContext& context);
/// "reused: 0|1\nversion: TLSv1.x|none": whether this connection resumed a TLS session.
Response handle_tls(const RouteContext& context);
/// /redirect/N: 302 to /redirect/N-1 (relative) down to a 200 at 0; N above 100 is a 400.
Response handle_redirect(const RouteContext& context);
/// /redirect-to?url=URL&status=CODE: CODE (300 to 308, default 302) to the decoded URL.
Response handle_redirect_to(const RouteContext& context);
/// /response-headers?Name=Value...: "ok", with every query pair as a response header.
Response handle_response_headers(const RouteContext& context);
/// The request's cookies as a JSON object with sorted keys.
Response handle_cookies(const RouteContext& context);
/// GET/HEAD: a fixed JSON document; any other method: the request body echoed as JSON.
Response handle_json(const RouteContext& context);
/// A document served as JSON that is not valid JSON.
Response handle_bad_json(const RouteContext& context);
/// The request's headers as a JSON object: lower-case names, sorted, repeats joined with ", ".
Response handle_headers(const RouteContext& context);
/// /set-cookie-redirect?name=value...: 302 to /cookies, setting each pair as a cookie.
Response handle_set_cookie_redirect(const RouteContext& context);
Response handle_not_found(const RouteContext& context);

/// A plain-text response, also used by the connection for requests that never reach a handler.
Response make_text_response(unsigned status, std::string_view body);

}  // namespace loads::sample_server
