#include "listener.hpp"

#include <chrono>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "http_connection.hpp"

namespace loads::sample_server {

using boost::asio::ip::tcp;

namespace {

// Long enough for a few connections to close and free descriptors, short enough that clients
// waiting in the backlog hardly notice.
constexpr auto accept_retry_delay = std::chrono::milliseconds(50);

bool cancelled(const boost::asio::yield_context& yield) {
    return yield.cancelled() != boost::asio::cancellation_type::none;
}

void accept_loop(tcp::acceptor& acceptor, boost::asio::ssl::context* tls, const Router& router,
                 ConnectionStats& stats, CoroutineGroup& group, boost::asio::yield_context yield) {
    boost::asio::steady_timer retry_timer(yield.get_executor());
    while (!cancelled(yield)) {
        // The socket gets a strand of its own so that its connection's handlers never run
        // concurrently, whichever threads run the io_context.
        tcp::socket socket(boost::asio::make_strand(acceptor.get_executor()));
        boost::system::error_code ec;
        acceptor.async_accept(socket, yield[ec]);
        if (ec == boost::asio::error::operation_aborted) {
            return;
        }
        if (ec) {
            // Typically EMFILE under a burst of clients. Giving up would leave a live process that
            // accepts nothing, and retrying at once would spin while the backlog is still pending.
            retry_timer.expires_after(accept_retry_delay);
            retry_timer.async_wait(yield[ec]);
            continue;
        }
        const auto strand = socket.get_executor();
        auto serve = [socket = std::move(socket), tls, &router,
                      &stats](boost::asio::yield_context connection_yield) mutable {
            serve_http_connection(std::move(socket), tls, router, stats, connection_yield);
        };
        // Refused only when the server is stopping: the socket then closes unanswered.
        group.spawn(strand, std::move(serve));
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

void start_accepting(tcp::acceptor acceptor, boost::asio::ssl::context* tls, const Router& router,
                     ConnectionStats& stats, CoroutineGroup& group) {
    const auto strand = boost::asio::make_strand(acceptor.get_executor());
    // The acceptor moves into the coroutine, so it closes exactly when the loop that uses it ends.
    auto accept = [acceptor = std::move(acceptor), tls, &router, &stats,
                   &group](boost::asio::yield_context yield) mutable {
        accept_loop(acceptor, tls, router, stats, group, yield);
    };
    group.spawn(strand, std::move(accept));
}

}  // namespace loads::sample_server
