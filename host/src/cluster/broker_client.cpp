#include "cluster/broker_client.hpp"

#include <zmq.hpp>

#include "base/usage_error.hpp"

namespace loads::host {

struct BrokerClient::Socket {
    zmq::context_t context{1};
    zmq::socket_t dealer{context, zmq::socket_type::dealer};
};

BrokerClient::BrokerClient(std::string frontend, std::chrono::milliseconds timeout,
                           const std::atomic<bool>* interrupt)
    : m_frontend(std::move(frontend)),
      m_timeout(timeout),
      m_socket(std::make_unique<Socket>()),
      m_interrupt(interrupt) {
    m_socket->dealer.set(zmq::sockopt::linger, 0);
    // A reply is a few KiB of JSON plus, at most, one encoded RunStats.
    m_socket->dealer.set(zmq::sockopt::maxmsgsize, std::int64_t{256} << 20);
    try {
        m_socket->dealer.connect(m_frontend);
    } catch (const zmq::error_t& e) {
        throw UsageError("broker endpoint '" + m_frontend + "': " + e.what());
    }
}

BrokerClient::~BrokerClient() = default;

BrokerReply BrokerClient::call(const JsonValue::Object& request, std::string_view attachment,
                               std::optional<std::chrono::milliseconds> timeout) {
    auto reply = try_call(request, attachment, timeout);
    if (!reply) {
        throw BrokerUnreachable(
            "cannot reach the broker at " + m_frontend +
            (ipc_file_missing(m_frontend)
                 ? std::string(" (no broker runs there: its socket file does not exist)")
                 : " (no answer within " +
                       std::to_string((timeout.value_or(m_timeout).count() + 999) / 1000) + " s)"));
    }
    return std::move(*reply);
}

std::optional<BrokerReply> BrokerClient::try_call(const JsonValue::Object& request,
                                                  std::string_view attachment,
                                                  std::optional<std::chrono::milliseconds> timeout) {
    if (ipc_file_missing(m_frontend)) {
        return std::nullopt;  // nobody to wait for
    }
    const std::int64_t id = m_next_id++;
    JsonValue::Object body = request;
    body["id"] = JsonValue(id);
    const std::string text = JsonValue(std::move(body)).dump();
    auto& dealer = m_socket->dealer;
    const auto deadline = std::chrono::steady_clock::now() + timeout.value_or(m_timeout);
    const auto left = [&] {
        return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                             deadline - std::chrono::steady_clock::now())
                                             .count());
    };
    // A signal interrupts ZeroMQ's waits (EINTR): the user's Ctrl-C ends the wait, any other
    // signal does not.
    const auto interrupted = [&](const zmq::error_t& e) {
        if (e.num() != EINTR) {
            throw;
        }
        if (m_interrupt != nullptr && m_interrupt->load()) {
            throw Interrupted("while waiting for the broker at " + m_frontend);
        }
    };
    // With no broker connected a DEALER send would block: bounded by the deadline too. Once the
    // first frame is taken, ZeroMQ takes the rest of the message.
    while (true) {
        try {
            dealer.set(zmq::sockopt::sndtimeo, static_cast<int>(left()));
            if (!dealer.send(zmq::const_buffer(), zmq::send_flags::sndmore)) {
                return std::nullopt;
            }
            break;
        } catch (const zmq::error_t& e) {
            interrupted(e);
        }
    }
    dealer.send(zmq::buffer(text), attachment.empty() ? zmq::send_flags::none : zmq::send_flags::sndmore);
    if (!attachment.empty()) {
        dealer.send(zmq::buffer(attachment), zmq::send_flags::none);
    }
    while (true) {
        zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
        int ready = 0;
        try {
            ready = zmq::poll(&item, 1, std::chrono::milliseconds(left()));
        } catch (const zmq::error_t& e) {
            interrupted(e);
            continue;
        }
        if (ready == 0) {
            return std::nullopt;
        }
        std::vector<zmq::message_t> frames;
        while (true) {
            zmq::message_t frame;
            if (!dealer.recv(frame, zmq::recv_flags::dontwait)) {
                break;
            }
            const bool more = frame.more();
            frames.push_back(std::move(frame));
            if (!more) {
                break;
            }
        }
        if (frames.size() < 2 || frames[0].size() != 0) {
            continue;  // not a reply of ours
        }
        JsonValue reply;
        try {
            reply = JsonValue::parse(frames[1].to_string_view());
        } catch (const JsonParseError&) {
            throw ClusterError("the broker at " + m_frontend + " sent a reply that is not JSON");
        }
        if (reply.int_at("id") != id) {
            continue;  // the late reply to a request that timed out
        }
        if (const auto error = reply.string_at("error")) {
            throw ClusterError(std::string(*error));
        }
        BrokerReply out;
        if (const JsonValue* result = reply.find("result")) {
            out.result = *result;
        }
        for (std::size_t i = 2; i < frames.size(); ++i) {
            out.frames.push_back(frames[i].to_string());
        }
        return out;
    }
}

}  // namespace loads::host
