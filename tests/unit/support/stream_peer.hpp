// StreamPeers: an in-memory far end for the host's HTTP session, web socket and virtual user, as
// Beast's test::stream is for code written against a stream template. The session's sockets are
// concrete TCP sockets, so the fake sits where they connect: StreamPeers is the session's
// Connector (http/connector.hpp), and each connection it makes is an AF_UNIX socket pair — one end
// becomes the session's socket, the other a StreamPeer that a test script plays the server on.
// No port, no server process, no thread: the script runs as a coroutine on the session's own
// io_context, so every interleaving is decided by the test.
//
// A test queues one script per connection it expects (expect()); a connection with no script
// left is refused, as a server that is down would refuse it. A script that fails a REQUIRE throws
// out of io_context::run(), failing the test case.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "base/asio_types.hpp"
#include "http/connector.hpp"

namespace loads::test {

using LocalSocket = boost::asio::basic_stream_socket<boost::asio::local::stream_protocol, host::Executor>;

/// The server's end of one connection. Used only by its script, on the io_context's thread.
class StreamPeer {
public:
    explicit StreamPeer(LocalSocket socket) : m_socket(std::move(socket)) {}

    /// The next whole HTTP/1.1 request the client sent: head and a Content-Length body, as bytes.
    /// Empty when the client closed the connection first.
    std::string read_request(host::Yield& yield);
    /// Writes `bytes` at once.
    void write(std::string_view bytes, host::Yield& yield);
    /// Writes `bytes` `piece` bytes at a time, letting the client run between pieces, so that it
    /// reads a message in many parts.
    void write_in_pieces(std::string_view bytes, std::size_t piece, host::Yield& yield);
    /// Waits `duration` (a server that is slow, or stalls).
    void pause(std::chrono::milliseconds duration, host::Yield& yield);
    /// True once the client has closed its end (reads until end of stream, dropping any bytes).
    bool wait_for_close(host::Yield& yield);
    /// Closes the server's end: the client reads end of stream.
    void close();
    /// The socket itself, for a script that speaks another protocol on it (a web socket server).
    LocalSocket& socket() noexcept { return m_socket; }

private:
    LocalSocket m_socket;
    std::string m_unread;  // bytes received past the last request returned
};

class StreamPeers final : public host::Connector {
public:
    using Script = std::function<void(StreamPeer&, host::Yield&)>;

    explicit StreamPeers(boost::asio::io_context& io) : m_io(io) {}

    /// The script of the next connection the session makes, in order.
    void expect(Script script) { m_scripts.push_back(std::move(script)); }
    /// Connections made so far.
    std::size_t connections() const noexcept { return m_origins.size(); }
    /// The origin ("http://host:port") each connection was made for, in order.
    const std::vector<std::string>& origins() const noexcept { return m_origins; }
    /// Scripts queued that no connection has taken.
    std::size_t unused_scripts() const noexcept { return m_scripts.size(); }
    /// Closes the server's end of every connection still open: a script waiting on one ends.
    void close_all();

    boost::system::error_code connect(const host::Url& url, host::TcpSocket& socket,
                                      host::Yield& yield) override;

private:
    boost::asio::io_context& m_io;
    std::deque<Script> m_scripts;
    std::vector<std::string> m_origins;
    std::vector<std::weak_ptr<StreamPeer>> m_peers;
};

/// Runs `client` as a coroutine on `io` (1 MiB stack, as a virtual user's) and runs `io` until
/// nothing is left to do; an exception from the client or any script is rethrown here.
void run_coroutine(boost::asio::io_context& io, std::function<void(host::Yield&)> client);

}  // namespace loads::test
