#include "support/stream_peer.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/spawn.hpp>
#include <boost/asio/write.hpp>
#include <boost/context/fixedsize_stack.hpp>

namespace loads::test {
namespace asio = boost::asio;

namespace {

// The Content-Length of a request head (0 without one), found case-insensitively.
std::size_t content_length(std::string_view head) {
    std::string lower(head);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) {
        return 0;
    }
    return std::stoul(lower.substr(at + 17));
}

void spawn_rethrowing(asio::io_context& io, std::function<void(host::Yield&)> body) {
    asio::spawn(
        io.get_executor(), std::allocator_arg, boost::context::fixedsize_stack(1024 * 1024),
        [body = std::move(body)](host::Yield yield) { body(yield); },
        [](std::exception_ptr e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
}

}  // namespace

std::string StreamPeer::read_request(host::Yield& yield) {
    boost::system::error_code ec;
    const std::size_t head =
        asio::async_read_until(m_socket, asio::dynamic_buffer(m_unread), "\r\n\r\n", yield[ec]);
    if (ec) {
        return {};
    }
    const std::size_t total = head + content_length(std::string_view(m_unread).substr(0, head));
    if (m_unread.size() < total) {
        const std::size_t missing = total - m_unread.size();
        const std::size_t old = m_unread.size();
        m_unread.resize(total);
        asio::async_read(m_socket, asio::buffer(m_unread.data() + old, missing), yield[ec]);
        if (ec) {
            return {};
        }
    }
    std::string request = m_unread.substr(0, total);
    m_unread.erase(0, total);
    return request;
}

void StreamPeer::write(std::string_view bytes, host::Yield& yield) {
    asio::async_write(m_socket, asio::buffer(bytes), yield);
}

void StreamPeer::write_in_pieces(std::string_view bytes, std::size_t piece, host::Yield& yield) {
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        write(bytes.substr(at, piece), yield);
        // Two turns of the scheduler: the client's read completes and it asks for the next one.
        asio::post(yield);
        asio::post(yield);
    }
}

void StreamPeer::pause(std::chrono::milliseconds duration, host::Yield& yield) {
    host::SteadyTimer timer(m_socket.get_executor());
    timer.expires_after(duration);
    boost::system::error_code ec;
    timer.async_wait(yield[ec]);
}

bool StreamPeer::wait_for_close(host::Yield& yield) {
    char scratch[4096];
    boost::system::error_code ec;
    while (!ec) {
        m_socket.async_read_some(asio::buffer(scratch), yield[ec]);
    }
    return ec == asio::error::eof || ec == asio::error::connection_reset;
}

void StreamPeer::close() {
    boost::system::error_code ignored;
    m_socket.close(ignored);
}

boost::system::error_code StreamPeers::connect(const host::Url& url, host::TcpSocket& socket, host::Yield&) {
    m_origins.push_back(url.origin);
    if (m_scripts.empty()) {
        return asio::error::connection_refused;
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        return {errno, boost::system::system_category()};
    }
    // The session's socket is a TCP socket by type; Asio does not look at the family of the
    // descriptor it is given, and what the session does with it (read, write, close, peek)
    // works on any stream socket. Setting TCP_NODELAY fails, which the session ignores.
    boost::system::error_code ec;
    socket.assign(asio::ip::tcp::v4(), fds[0], ec);
    if (ec) {
        ::close(fds[0]);
        ::close(fds[1]);
        return ec;
    }
    LocalSocket server(m_io.get_executor());
    server.assign(asio::local::stream_protocol(), fds[1], ec);
    if (ec) {
        ::close(fds[1]);
        socket.close(ec);
        return asio::error::connection_refused;
    }
    auto peer = std::make_shared<StreamPeer>(std::move(server));
    m_peers.push_back(peer);
    spawn_rethrowing(
        m_io, [peer, script = std::move(m_scripts.front())](host::Yield& yield) { script(*peer, yield); });
    m_scripts.pop_front();
    return ec;
}

void StreamPeers::close_all() {
    for (const auto& weak : m_peers) {
        if (const auto peer = weak.lock()) {
            peer->close();
        }
    }
}

void run_coroutine(asio::io_context& io, std::function<void(host::Yield&)> client) {
    spawn_rethrowing(io, std::move(client));
    io.run();
    io.restart();
}

}  // namespace loads::test
