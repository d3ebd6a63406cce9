#include "cluster/zmq_message.hpp"

#include <memory>

namespace loads::host {

bool receive_message(zmq::socket_t& socket, ZmqMessage& out, std::size_t max_frames) {
    out.frames.clear();
    out.too_many_frames = false;
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait)) {
        return false;
    }
    while (true) {
        const bool more = frame.more();
        if (out.frames.size() < max_frames) {
            out.frames.push_back(std::move(frame));
        } else {
            out.too_many_frames = true;
        }
        if (!more) {
            return true;
        }
        // The rest of a message is there as soon as its first frame is.
        frame = zmq::message_t();
        (void)socket.recv(frame, zmq::recv_flags::none);
    }
}

bool send_message(zmq::socket_t& socket, const std::vector<std::string_view>& frames, bool dontwait) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
        auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
        if (dontwait) {
            flags = flags | zmq::send_flags::dontwait;
        }
        try {
            if (!socket.send(zmq::buffer(frames[i]), flags)) {
                return false;
            }
        } catch (const zmq::error_t& e) {
            if (e.num() == EHOSTUNREACH) {
                return false;
            }
            throw;
        }
    }
    return true;
}

zmq::message_t shared_frame(const std::shared_ptr<const std::string>& bytes) {
    auto* keep = new std::shared_ptr<const std::string>(bytes);
    return zmq::message_t(
        const_cast<char*>((*keep)->data()), (*keep)->size(),
        [](void*, void* hint) { delete static_cast<std::shared_ptr<const std::string>*>(hint); }, keep);
}

}  // namespace loads::host
