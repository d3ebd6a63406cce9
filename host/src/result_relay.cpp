#include "result_relay.hpp"

#include <zmq.hpp>

#include "stats_codec.hpp"
#include "usage_error.hpp"

namespace loads::host {

namespace {

// How long the last message may wait for a broker that is slow to take it: long enough for a
// busy broker, short enough that a dead one never keeps the child alive.
constexpr int k_linger_ms = 10'000;

std::string json_text(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += ' ';  // ids are plain; never let one break the header
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

struct ResultRelay::Socket {
    zmq::context_t context{1};
    zmq::socket_t push{context, zmq::socket_type::push};
};

ResultRelay::ResultRelay(RunListener& inner, const std::string& endpoint, std::string run_id,
                         std::string agent_id)
    : m_inner(inner),
      m_socket(std::make_unique<Socket>()),
      m_run_id(std::move(run_id)),
      m_agent_id(std::move(agent_id)) {
    m_socket->push.set(zmq::sockopt::linger, k_linger_ms);
    // Only a connection that is up takes messages, so "sent" means the broker can read it, and
    // a broker that never answers is reported instead of silently filling a queue.
    m_socket->push.set(zmq::sockopt::immediate, true);
    m_socket->push.set(zmq::sockopt::sndhwm, 100'000);
    try {
        m_socket->push.connect(endpoint);
    } catch (const zmq::error_t& e) {
        throw UsageError("--zmq-receiver '" + endpoint + "': " + e.what());
    }
}

ResultRelay::~ResultRelay() = default;

void ResultRelay::on_refresh(const RunStats& total, RunStats interval, const ProgressInfo& progress) {
    queue(interval, false, progress.elapsed, false);
    flush_without_waiting();
    m_inner.on_refresh(total, std::move(interval), progress);
}

bool ResultRelay::send_final(const RunStats& last_interval, const RunReport& report) {
    queue(last_interval, true, report.duration_seconds, report.interrupted);
    m_socket->push.set(zmq::sockopt::sndtimeo, k_linger_ms);
    while (!m_pending.empty()) {
        const Message& m = m_pending.front();
        if (!m_socket->push.send(zmq::buffer(std::string_view("loads-stats")), zmq::send_flags::sndmore)) {
            return false;  // nobody took it within the timeout
        }
        m_socket->push.send(zmq::buffer(m.header), zmq::send_flags::sndmore);
        m_socket->push.send(zmq::buffer(m.body), zmq::send_flags::none);
        m_pending.pop_front();
    }
    return true;
}

void ResultRelay::queue(const RunStats& interval, bool final, double elapsed, bool interrupted) {
    std::string header = "{\"run_id\":" + json_text(m_run_id) + ",\"agent_id\":" + json_text(m_agent_id) +
                         ",\"seq\":" + std::to_string(m_seq++) + ",\"final\":" + (final ? "true" : "false") +
                         ",\"elapsed\":" + std::to_string(elapsed);
    if (final) {
        header += std::string(",\"interrupted\":") + (interrupted ? "true" : "false");
    }
    header += "}";
    m_pending.push_back({std::move(header), encode_stats(interval)});
}

void ResultRelay::flush_without_waiting() {
    while (!m_pending.empty()) {
        const Message& m = m_pending.front();
        // Once ZeroMQ took a message's first frame it takes the rest: the message is atomic.
        if (!m_socket->push.send(zmq::buffer(std::string_view("loads-stats")),
                                 zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
            return;
        }
        m_socket->push.send(zmq::buffer(m.header), zmq::send_flags::sndmore);
        m_socket->push.send(zmq::buffer(m.body), zmq::send_flags::none);
        m_pending.pop_front();
    }
}

}  // namespace loads::host
