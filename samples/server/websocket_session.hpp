/// @file websocket_session.hpp
/// @brief The WebSocket echo served on websocket_path, over plain TCP or TLS.
#pragma once

#include <string>

// Before spawn.hpp, which uses asio::error without including it (Boost 1.81).
#include <boost/asio/error.hpp>
#include <boost/asio/spawn.hpp>

#include "http_types.hpp"

namespace loads::sample_server {

/// Accepts the WebSocket handshake of `upgrade` (already read from `stream` by the HTTP session)
/// and echoes every message back, text as text and binary as binary, until the client closes
/// (the close handshake is answered), the connection fails, it stays idle for 5 minutes or the
/// server stops. When the client offers subprotocols, the first one is selected. The connection
/// is closed on return.
/// `Stream` is PlainStream or TlsStream (streams.hpp), the only types it is instantiated for.
/// Must run in a coroutine on the connection's strand. Never throws for network or per-message
/// failures: they only end this connection.
template <class Stream>
void serve_websocket_session(Stream stream, const Request& upgrade, boost::asio::yield_context yield);

/// The subprotocol to select for `upgrade`: the first one its Sec-WebSocket-Protocol header(s)
/// offer, or "" when it offers none.
std::string first_offered_subprotocol(const Request& upgrade);

}  // namespace loads::sample_server
