/// @file http_connection.hpp
/// @brief One accepted client connection, from the TLS handshake (in TLS mode) to the close.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>

#include "connection_stats.hpp"
#include "router.hpp"

namespace loads::sample_server {

/// Serves `socket`: HTTP (see http_session.hpp), then the WebSocket echo if the client upgrades
/// (see websocket_session.hpp), counted in `stats` throughout. With a `tls` context the connection
/// speaks only TLS; a failed handshake just ends it. Without, plain TCP.
/// Must run in a coroutine on a strand of its own: the stream's timeout fires on another handler
/// that must not run concurrently with the read it cancels.
/// Never throws for network or per-request failures: they only end this connection.
void serve_http_connection(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls,
                           const Router& router, ConnectionStats& stats, boost::asio::yield_context yield);

}  // namespace loads::sample_server
