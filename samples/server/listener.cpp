#include "listener.hpp"

#include <chrono>
#include <exception>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "http_connection.hpp"

namespace loads::sample_server {

using boost::asio::ip::tcp;

namespace {

// Long enough for a few connections to close and free descriptors, short enough that clients
// waiting in the backlog hardly notice.
constexpr auto accept_retry_delay = std::chrono::milliseconds(50);

void accept_loop(tcp::acceptor& acceptor, const Router& router, ConnectionStats& stats,
                 boost::asio::yield_context yield) {
    boost::asio::steady_timer retry_timer(yield.get_executor());
    for (;;) {
        // The socket gets a strand of its own so that its connection's handlers never run
        // concurrently, whichever threads run the io_context.
        tcp::socket socket(boost::asio::make_strand(acceptor.get_executor()));
        boost::system::error_code ec;
        acceptor.async_accept(socket, yield[ec]);
        if (ec == boost::asio::error::operation_aborted || !acceptor.is_open()) {
            return;
        }
        if (ec) {
            // Typically EMFILE under a burst of clients. Giving up would leave a live process that
            // accepts nothing, and retrying at once would spin while the backlog is still pending.
            retry_timer.expires_after(accept_retry_delay);
            retry_timer.async_wait(yield[ec]);
            continue;
        }
        const auto executor = socket.get_executor();
        boost::asio::spawn(
            executor,
            [socket = std::move(socket), &router, &stats](boost::asio::yield_context connection_yield) mutable {
                serve_http_connection(std::move(socket), router, stats, connection_yield);
            },
            // serve_http_connection() already turns a failure into the end of its connection.
            [](std::exception_ptr) {});
    }
}

}  // namespace

tcp::acceptor open_acceptor(const boost::asio::any_io_executor& executor, const tcp::endpoint& endpoint) {
    tcp::acceptor acceptor(executor);
    acceptor.open(endpoint.protocol());
    // Lets a restarted server take its port back while old connections sit in TIME_WAIT.
    acceptor.set_option(boost::asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    // Load tests open thousands of connections at once; the kernel clamps this to somaxconn.
    acceptor.listen(boost::asio::socket_base::max_listen_connections);
    return acceptor;
}

void start_accepting(tcp::acceptor acceptor, const Router& router, ConnectionStats& stats) {
    const auto executor = acceptor.get_executor();
    // The acceptor moves into the coroutine, so it lives exactly as long as the loop that uses it.
    boost::asio::spawn(
        executor,
        [acceptor = std::move(acceptor), &router, &stats](boost::asio::yield_context yield) mutable {
            accept_loop(acceptor, router, stats, yield);
        },
        // Accepting has no recoverable failure left: let it end the server loudly.
        [](std::exception_ptr error) {
            if (error) {
                std::rethrow_exception(error);
            }
        });
}

}  // namespace loads::sample_server
