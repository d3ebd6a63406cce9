/// @file listener.hpp
/// @brief The listening socket and the loop that hands each accepted connection its coroutine.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "connection_stats.hpp"
#include "router.hpp"

namespace loads::sample_server {

/// A socket bound to `endpoint` and listening, so that its port is known (and connections queue)
/// before anything runs. Throws boost::system::system_error, e.g. when the port is taken.
boost::asio::ip::tcp::acceptor open_acceptor(const boost::asio::any_io_executor& executor,
                                             const boost::asio::ip::tcp::endpoint& endpoint);

/// Starts accepting on `acceptor` in a coroutine of its own; each connection then runs
/// serve_http_connection() on a strand of its own. Accepting ends with the acceptor's io_context.
/// `router` and `stats` must outlive that io_context.
void start_accepting(boost::asio::ip::tcp::acceptor acceptor, const Router& router, ConnectionStats& stats);

}  // namespace loads::sample_server
