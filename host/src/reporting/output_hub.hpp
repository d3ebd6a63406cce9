// OutputHub: the run's outputs as the engine sees them — one RunListener that fans progress,
// refreshes and event batches out to every OutputChannel, and gathers their final results.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "reporting/output_channel.hpp"
#include "results/run_listener.hpp"
#include "results/run_report.hpp"

namespace loads::host {

class OutputHub final : public RunListener {
public:
    void add(std::unique_ptr<OutputChannel> channel);
    /// Starts every output's thread with `run` as its first call.
    void start(std::shared_ptr<const RunInfo> run);

    std::uint32_t wanted_events() const noexcept override { return m_wanted; }
    void publish(std::shared_ptr<const EventBatch> batch) override;
    void on_progress(const ProgressInfo& progress) override;
    void on_refresh(const RunStats& total, RunStats interval, const ProgressInfo& progress) override;

    /// Gives every output the final figures (`last_interval`: what came after the last refresh)
    /// and waits for all of them.
    /// @return one line per output that failed ("output 'json' failed: ..."), and per output that
    /// fell behind and lost events.
    std::vector<std::string> finish(const RunReport& report, RunStats last_interval);

private:
    std::vector<std::unique_ptr<OutputChannel>> m_channels;
    std::uint32_t m_wanted = 0;
    bool m_refresh = false;
    double m_interval_start = 0;
};

}  // namespace loads::host
