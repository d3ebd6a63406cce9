// Connector: how a session's connections reach a server, when not the usual way. Every real run
// leaves HttpSettings::connector null: the session resolves the URL's host (through the worker's
// DNS cache) and connects over TCP itself. A connector takes that over — the unit tests' in-memory
// peer (tests/unit/support/stream_peer.hpp) connects the socket to one end of a socket pair, so a
// session, a web socket or a whole virtual user is tested without a server or a port.
//
// Cost: one test of a null pointer per new connection; nothing per request.
#pragma once

#include <boost/system/error_code.hpp>

#include "base/asio_types.hpp"
#include "http/url.hpp"

namespace loads::host {

class Connector {
public:
    virtual ~Connector() = default;
    /// Connects `socket` (closed on entry) to `url`'s origin. Called on the session's coroutine,
    /// under its connect deadline; may suspend through `yield`.
    /// @return the failure, which the session reports as LOADS_HTTP_CONNECT; empty on success.
    virtual boost::system::error_code connect(const Url& url, TcpSocket& socket, Yield& yield) = 0;
};

}  // namespace loads::host
