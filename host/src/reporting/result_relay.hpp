// ResultRelay: a runner started by an agent (--zmq-receiver) sends what it measures to the
// broker as aggregates, never one message per event: about every second the interval's RunStats
// (stats_codec), and at the end the last interval marked final. It wraps the outputs' listener,
// which still sees everything, so the child's own outputs work as in a local run.
//
// Each message is three ZeroMQ frames: "loads-stats", a JSON header
// {"run_id","agent_id","seq","final","elapsed","progress"[,"interrupted"]}, and the encoded RunStats.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "results/run_listener.hpp"
#include "results/run_report.hpp"

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

    /// Sends the last interval, marked final, with anything not sent yet. Waits at most
    /// k_linger_ms for the broker to take it. @return false when it could not be sent.
    bool send_final(const RunStats& last_interval, const RunReport& report);

private:
    /// Sends what is unsent as one message. With `wait`, up to the linger time; without, only
    /// what ZeroMQ takes at once (the engine's thread must never block). @return sent.
    bool send_unsent(bool final, bool interrupted, bool wait);

    struct Socket;
    RunListener& m_inner;
    std::unique_ptr<Socket> m_socket;
    std::string m_run_id;
    std::string m_agent_id;
    std::uint64_t m_seq = 0;
    // Figures not sent yet (the broker away or slow): merged into one, since they add up, so a
    // broker gone for an hour costs one RunStats, not 3,600 messages.
    RunStats m_unsent;
    double m_elapsed = 0;
    double m_progress = 0;
};

}  // namespace loads::host
