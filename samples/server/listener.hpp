/// @file listener.hpp
/// @brief The listening socket and the loop that hands each accepted connection its coroutine.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "connection_stats.hpp"
#include "coroutine_group.hpp"
#include "router.hpp"

namespace loads::sample_server {

/// A socket bound to `endpoint` and listening, so that its port is known (and connections queue)
/// before anything runs. Throws boost::system::system_error, e.g. when the port is taken.
boost::asio::ip::tcp::acceptor open_acceptor(const boost::asio::any_io_executor& executor,
                                             const boost::asio::ip::tcp::endpoint& endpoint);

/// Starts accepting on `acceptor` in a coroutine of `group`; each connection then runs
/// serve_http_connection() in a coroutine of `group` on a strand of its own, over TLS with `tls`
/// when it is not null. Stopping the group closes the acceptor and ends every connection. `tls`,
/// `router`, `stats` and `group` must outlive the acceptor's io_context.
void start_accepting(boost::asio::ip::tcp::acceptor acceptor, boost::asio::ssl::context* tls,
                     const Router& router, ConnectionStats& stats, CoroutineGroup& group);

}  // namespace loads::sample_server
