/// @file streams.hpp
/// @brief The two transports a connection may use: HTTP and WebSocket code is written once for
/// both, as templates explicitly instantiated for exactly these types.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace loads::sample_server {

/// TCP with Beast's per-operation timeouts.
using PlainStream = boost::beast::tcp_stream;
/// TLS over the same; Beast's wrapper rather than asio::ssl::stream because it is movable (a
/// connection upgraded to WebSocket moves its stream into the websocket::stream) and knows how to
/// tear a WebSocket down over TLS.
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

}  // namespace loads::sample_server
