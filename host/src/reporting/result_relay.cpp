#include "reporting/result_relay.hpp"

#include <zmq.hpp>

#include "base/json_writer.hpp"
#include "base/usage_error.hpp"
#include "results/stats_codec.hpp"

namespace loads::host {

namespace {

// How long the last message may wait for a broker that is slow to take it: long enough for a
// busy broker, short enough that a dead one never keeps the child alive.
constexpr int k_linger_ms = 10'000;

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
    m_unsent.merge(interval);
    m_elapsed = progress.elapsed;
    m_progress = progress.fraction;
    send_unsent(false, false, false);
    m_inner.on_refresh(total, std::move(interval), progress);
}

bool ResultRelay::send_final(const RunStats& last_interval, const RunReport& report) {
    m_unsent.merge(last_interval);
    m_elapsed = report.duration_seconds;
    m_progress = report.progress;
    return send_unsent(true, report.interrupted, true);
}

bool ResultRelay::send_unsent(bool final, bool interrupted, bool wait) {
    JsonWriter w;
    w.begin_object().member("run_id", m_run_id).member("agent_id", m_agent_id).member("seq", m_seq);
    w.member("final", final).member("elapsed", m_elapsed).member("progress", m_progress);
    if (final) {
        w.member("interrupted", interrupted);
    }
    w.end_object();
    const std::string header = w.take();
    const std::string body = encode_stats(m_unsent);
    auto& push = m_socket->push;
    push.set(zmq::sockopt::sndtimeo, wait ? k_linger_ms : 0);
    // Once ZeroMQ took a message's first frame it takes the rest: the message is atomic.
    if (!push.send(zmq::buffer(std::string_view("loads-stats")), zmq::send_flags::sndmore)) {
        return false;  // kept, merged with what comes next
    }
    push.send(zmq::buffer(header), zmq::send_flags::sndmore);
    push.send(zmq::buffer(body), zmq::send_flags::none);
    ++m_seq;
    m_unsent.clear();
    return true;
}

}  // namespace loads::host
