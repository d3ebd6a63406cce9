#include "external/receiver.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <zmq.hpp>

#include "base/usage_error.hpp"

namespace loads::host {

namespace {

// Messages a process may have pushed that the runner has not read yet. Beyond it ZeroMQ makes
// the senders wait (PUSH blocks at its high-water mark), which slows them instead of losing data.
constexpr int k_receive_hwm = 100'000;

}  // namespace

struct ExternalReceiver::Sockets {
    zmq::context_t context{1};
    zmq::socket_t pull{context, zmq::socket_type::pull};
    zmq::socket_t monitor{context, zmq::socket_type::pair};
    zmq::message_t frame;
};

bool unix_socket_in_use(const std::filesystem::path& path) {
    const std::string p = path.string();
    sockaddr_un address{};
    if (p.size() >= sizeof(address.sun_path)) {
        return false;
    }
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, p.c_str(), p.size() + 1);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
    ::close(fd);
    return live;
}

ExternalReceiver::ExternalReceiver(const std::string& endpoint, const std::filesystem::path& private_dir)
    : m_sockets(std::make_unique<Sockets>()) {
    std::string where = endpoint;
    if (where.empty()) {
        m_ipc_file = private_dir / "receiver.ipc";
        where = "ipc://" + m_ipc_file.string();
    } else if (where.starts_with("ipc://") && !where.starts_with("ipc://@") && where != "ipc://*") {
        // ZeroMQ unlinks an existing ipc file before binding: without this check a second run
        // given the same endpoint would silently take the first one's messages.
        const std::filesystem::path file = where.substr(6);
        if (unix_socket_in_use(file)) {
            throw UsageError("--zmq-receiver '" + endpoint +
                             "': another process is listening there (another run?); choose another endpoint");
        }
        m_ipc_file = file;
    }
    auto& s = *m_sockets;
    s.pull.set(zmq::sockopt::rcvhwm, k_receive_hwm);
    s.pull.set(zmq::sockopt::linger, 0);
    try {
        // The monitor is attached before the bind so no connection can be missed.
        const std::string monitor = "inproc://loads-external-monitor";
        if (zmq_socket_monitor(s.pull.handle(), monitor.c_str(),
                               ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED) != 0) {
            throw zmq::error_t();
        }
        // Unbounded: libzmq's I/O thread blocks on a full monitor queue, which would stop the
        // receiving too (the engine also reads the events as they come).
        s.monitor.set(zmq::sockopt::rcvhwm, 0);
        s.monitor.connect(monitor);
        s.pull.bind(where);
    } catch (const zmq::error_t& e) {
        m_ipc_file.clear();  // not ours to remove
        throw UsageError("--zmq-receiver '" + (endpoint.empty() ? where : endpoint) + "': " + e.what());
    }
    m_endpoint = s.pull.get(zmq::sockopt::last_endpoint);
}

ExternalReceiver::~ExternalReceiver() {
    // Closing the listener removes the ipc file ZeroMQ created; the explicit remove covers a
    // ZeroMQ that does not.
    zmq_socket_monitor(m_sockets->pull.handle(), nullptr, 0);
    m_sockets.reset();
    if (!m_ipc_file.empty()) {
        std::error_code ignored;
        std::filesystem::remove(m_ipc_file, ignored);
    }
}

std::optional<std::string_view> ExternalReceiver::receive(std::chrono::milliseconds timeout) {
    auto& s = *m_sockets;
    try {
        if (timeout.count() > 0) {
            zmq::pollitem_t item{s.pull.handle(), 0, ZMQ_POLLIN, 0};
            zmq::poll(&item, 1, timeout);
            if ((item.revents & ZMQ_POLLIN) == 0) {
                return std::nullopt;
            }
        }
        if (!s.pull.recv(s.frame, zmq::recv_flags::dontwait)) {
            return std::nullopt;
        }
    } catch (const zmq::error_t& e) {
        // A signal (the user's Ctrl-C) interrupts the wait: the engine looks at its flag next.
        if (e.num() == EINTR) {
            return std::nullopt;
        }
        throw;
    }
    return std::string_view(static_cast<const char*>(s.frame.data()), s.frame.size());
}

int ExternalReceiver::open_connections() {
    auto& s = *m_sockets;
    zmq::message_t event;
    zmq::message_t address;
    // Each event is two frames: 16-bit event id and 32-bit value, then the endpoint. The pair is
    // delivered whole, so the second frame is there once the first is.
    while (true) {
        try {
            if (!s.monitor.recv(event, zmq::recv_flags::dontwait)) {
                break;
            }
            if (event.more()) {
                (void)s.monitor.recv(address, zmq::recv_flags::dontwait);
            }
        } catch (const zmq::error_t& e) {
            if (e.num() == EINTR) {
                continue;
            }
            throw;
        }
        if (event.size() < sizeof(std::uint16_t)) {
            continue;
        }
        std::uint16_t id = 0;
        std::memcpy(&id, event.data(), sizeof id);
        if (id == ZMQ_EVENT_ACCEPTED) {
            ++m_open;
        } else if (id == ZMQ_EVENT_DISCONNECTED && m_open > 0) {
            --m_open;
        }
    }
    return m_open;
}

}  // namespace loads::host
