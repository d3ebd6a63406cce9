// Reading and writing whole ZeroMQ messages (all their frames) on the cluster's sockets. Every
// peer is untrusted: a message with more frames than any of ours has is read to its end and
// refused as a whole, so it can neither fill memory nor leave stray frames for the next read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

namespace loads::host {

struct ZmqMessage {
    std::vector<zmq::message_t> frames;
    bool too_many_frames = false;  ///< More than the reader allowed: frames holds only the first ones.

    std::size_t size() const noexcept { return frames.size(); }
    std::string_view view(std::size_t i) const { return frames[i].to_string_view(); }
};

/// Reads one whole message without waiting. @return false when none was waiting.
bool receive_message(zmq::socket_t& socket, ZmqMessage& out, std::size_t max_frames = 8);

/// Sends `frames` as one message. With `dontwait`, false when ZeroMQ cannot take it now (the
/// first frame decides: a message is all or nothing); else false on EHOSTUNREACH (a ROUTER's
/// peer that is gone) or a timeout.
bool send_message(zmq::socket_t& socket, const std::vector<std::string_view>& frames, bool dontwait = false);

/// A frame whose bytes are shared, not copied, however many peers it is sent to (the archive a
/// run ships to every agent may be hundreds of MiB).
zmq::message_t shared_frame(const std::shared_ptr<const std::string>& bytes);

}  // namespace loads::host
