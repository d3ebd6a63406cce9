// ResultRelay: a runner started by an agent (--zmq-receiver) sends what it measures to the
// broker as aggregates, never one message per event: about every second the interval's RunStats
// (stats_codec), and at the end the last interval marked final. It wraps the outputs' listener,
// which still sees everything, so the child's own outputs work as in a local run.
//
// Each message is three ZeroMQ frames: "loads-stats", a JSON header
// {"run_id","agent_id","seq","final","elapsed","progress"[,"interrupted"]}, and the encoded RunStats.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "run_listener.hpp"
#include "run_report.hpp"

namespace loads::host {

class ResultRelay final : public RunListener {
public:
    /// Connects a PUSH socket to `endpoint`. @throws UsageError for an endpoint ZeroMQ refuses.
    ResultRelay(RunListener& inner, const std::string& endpoint, std::string run_id, std::string agent_id);
    ~ResultRelay() override;

    std::uint32_t wanted_events() const noexcept override { return m_inner.wanted_events(); }
    void publish(std::shared_ptr<const EventBatch> batch) override { m_inner.publish(std::move(batch)); }
    void on_progress(const ProgressInfo& progress) override { m_inner.on_progress(progress); }
    void on_refresh(const RunStats& total, RunStats interval, const ProgressInfo& progress) override;

    /// Sends the last interval, marked final, after anything still queued. Waits at most
    /// k_final_wait for the broker to take them. @return false when they could not all be sent.
    bool send_final(const RunStats& last_interval, const RunReport& report);

private:
    struct Message {
        std::string header;
        std::string body;
    };
    void queue(const RunStats& interval, bool final, double elapsed, double progress, bool interrupted);
    /// Sends queued messages in order without waiting (the engine thread must never block);
    /// what ZeroMQ cannot take now stays queued for the next call.
    void flush_without_waiting();

    struct Socket;
    RunListener& m_inner;
    std::unique_ptr<Socket> m_socket;
    std::string m_run_id;
    std::string m_agent_id;
    std::uint64_t m_seq = 0;
    std::deque<Message> m_pending;
};

}  // namespace loads::host
