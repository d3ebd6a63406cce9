// Snapshot: the figures of a run in the ABI's terms (loads_snapshot), as outputs receive them in
// refresh and finish. It owns the RunStats it describes and every array the C structs point to;
// one snapshot is built per refresh and shared, read-only, by every output's thread.
#pragma once

#include <memory>
#include <vector>

#include <loads/abi.h>

#include "results/run_report.hpp"
#include "results/run_stats.hpp"

namespace loads::host {

/// The C view of one RunStats. Points into `stats`, which must outlive it and stay unchanged.
class StatsView {
public:
    explicit StatsView(const RunStats& stats);
    StatsView(const StatsView&) = delete;
    StatsView& operator=(const StatsView&) = delete;

    const loads_stats& get() const noexcept { return m_view; }

private:
    struct Url {
        loads_url_stats view{};
        std::vector<loads_bucket> buckets;
        std::vector<loads_status_count> statuses;
    };
    loads_stats m_view{};
    std::vector<loads_bucket> m_buckets;
    std::vector<loads_bucket> m_service_buckets;
    std::vector<loads_status_count> m_statuses;
    std::vector<std::unique_ptr<Url>> m_urls;
    std::vector<const loads_url_stats*> m_url_pointers;
    std::vector<loads_counter_value> m_counters;
    std::vector<loads_problem> m_problems;
    std::vector<const loads_problem*> m_problem_pointers;
};

/// The C views (loads_agent_report) of a distributed run's agents. Points into `agents`, which
/// must outlive it and stay unchanged.
class AgentViews {
public:
    explicit AgentViews(const std::vector<AgentReport>& agents);
    AgentViews(const AgentViews&) = delete;
    AgentViews& operator=(const AgentViews&) = delete;

    /// NULL when there are none, as the ABI says.
    const loads_agent_report* const* data() const noexcept {
        return m_pointers.empty() ? nullptr : m_pointers.data();
    }
    std::size_t size() const noexcept { return m_pointers.size(); }

private:
    std::vector<loads_agent_report> m_views;
    std::vector<const loads_agent_report*> m_pointers;
};

/// The C views (loads_threshold) of a run's judged thresholds. Points into `thresholds`, which
/// must outlive it and stay unchanged.
class ThresholdViews {
public:
    explicit ThresholdViews(const std::vector<JudgedThreshold>& thresholds);
    ThresholdViews(const ThresholdViews&) = delete;
    ThresholdViews& operator=(const ThresholdViews&) = delete;

    /// NULL when there are none, as the ABI says.
    const loads_threshold* const* data() const noexcept {
        return m_pointers.empty() ? nullptr : m_pointers.data();
    }
    std::size_t size() const noexcept { return m_pointers.size(); }

private:
    std::vector<loads_threshold> m_views;
    std::vector<const loads_threshold*> m_pointers;
};

struct SnapshotTimes {
    double elapsed = 0;         ///< Seconds since the run started.
    double progress = 0;        ///< 0..1.
    double interval_start = 0;  ///< Seconds since the start where `interval` begins.
};

class Snapshot {
public:
    /// `agents`: a distributed run's agents, `thresholds` the run's judged thresholds (for the
    /// final snapshot).
    Snapshot(RunStats total, RunStats interval, const SnapshotTimes& times, bool final, bool interrupted,
             std::vector<AgentReport> agents = {}, std::vector<JudgedThreshold> thresholds = {});
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

    const loads_snapshot& get() const noexcept { return m_view; }
    const RunStats& total() const noexcept { return m_total; }

private:
    RunStats m_total;
    RunStats m_interval;
    StatsView m_total_view;
    StatsView m_interval_view;
    std::vector<AgentReport> m_agents;
    AgentViews m_agent_views;
    std::vector<JudgedThreshold> m_thresholds;
    ThresholdViews m_threshold_views;
    loads_snapshot m_view{};
};

/// Fills `out` from `h`, keeping the bucket array in `buckets`.
loads_latency latency_view(const LatencyHistogram& h, std::vector<loads_bucket>& buckets);

}  // namespace loads::host
