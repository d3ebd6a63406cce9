/// @file http_connection.hpp
/// @brief One client connection: reads requests and writes responses until either side is done.
#pragma once

#include <boost/asio/ip/tcp.hpp>
// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>

#include "connection_stats.hpp"
#include "router.hpp"

namespace loads::sample_server {

/// Serves `socket` until the client closes it, asks for the close (Connection: close, or HTTP/1.0
/// without keep-alive), sends a malformed request or stays idle for 60 s.
/// Must run in a coroutine on a strand of its own: the stream's timeout fires on another handler
/// that must not run concurrently with the read it cancels.
/// Never throws for network or per-request failures: they only end this connection.
void serve_http_connection(boost::asio::ip::tcp::socket socket, const Router& router, ConnectionStats& stats,
                           boost::asio::yield_context yield);

}  // namespace loads::sample_server
