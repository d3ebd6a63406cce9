// The concrete Asio types the run engine uses. Each worker owns an io_context and everything of a
// user stays on it, so executors are the io_context's own type rather than the type-erased
// any_io_executor (whose copies and dispatches show up in profiles of the per-request path).
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/steady_timer.hpp>

namespace loads::host {

using Executor = boost::asio::io_context::executor_type;
using Yield = boost::asio::basic_yield_context<Executor>;
using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
using TcpResolver = boost::asio::ip::basic_resolver<boost::asio::ip::tcp, Executor>;
using SteadyTimer =
    boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                      boost::asio::wait_traits<std::chrono::steady_clock>, Executor>;

}  // namespace loads::host
