/// @file http_session.hpp
/// @brief The HTTP/1.1 exchange on an established connection, plain or TLS: reads requests and
/// writes responses until either side is done or the client asks for a WebSocket.
#pragma once

#include <optional>

// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>

#include "connection_info.hpp"
#include "http_types.hpp"
#include "router.hpp"

namespace loads::sample_server {

/// Serves requests on `stream` until the client closes it, asks for the close (Connection: close,
/// or HTTP/1.0 without keep-alive), sends a malformed request or stays idle for 60 s. Returns the
/// request when the client asked to upgrade to a WebSocket on websocket_path: the caller then
/// hands the stream over to the WebSocket session; nothing otherwise.
/// `Stream` is PlainStream or TlsStream (streams.hpp), the only types it is instantiated for, so
/// that both transports share this code without every file compiling Beast's HTTP templates.
/// Must run in a coroutine on the connection's strand: the stream's timeout fires on another
/// handler that must not run concurrently with the read it cancels.
/// Throws only what the routes throw (e.g. std::bad_alloc); network failures just end it.
template <class Stream>
std::optional<Request> serve_http_session(Stream& stream, const Router& router,
                                          const ConnectionInfo& connection, boost::asio::yield_context yield);

}  // namespace loads::sample_server
