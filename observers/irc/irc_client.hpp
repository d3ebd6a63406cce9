// The irc observer's network side: one Dialogue (irc_protocol.hpp) over one Connection.
#pragma once

#include <string>

#include "connection.hpp"

namespace loads::observers::irc {

struct ClientSettings {
    std::string server;
    int port = 6667;
    bool ssl = false;
    std::string ca_file;  ///< For TLS; empty: the system's CAs.
    std::string nickname;
    std::string channel;
    std::string password;  ///< Empty: no PASS.
};

/// Posts `text` to the channel and leaves. Every step is bounded by `deadline`.
/// @return what was done: "sent to #loads on 127.0.0.1:6667" (plus " over TLS", " as loads_" when
/// our nickname was taken).
/// @throws std::runtime_error with one line naming the server and the reason.
std::string post(const ClientSettings& settings, const std::string& text, Deadline deadline);

}  // namespace loads::observers::irc
