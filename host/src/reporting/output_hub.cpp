#include "reporting/output_hub.hpp"

namespace loads::host {

void OutputHub::add(std::unique_ptr<OutputChannel> channel) {
    m_wanted |= channel->wanted_events();
    m_refresh = m_refresh || channel->wants_refresh();
    m_channels.push_back(std::move(channel));
}

void OutputHub::start(std::shared_ptr<const RunInfo> run) {
    for (auto& c : m_channels) {
        c->start(run);
    }
}

void OutputHub::publish(std::shared_ptr<const EventBatch> batch) {
    for (auto& c : m_channels) {
        if (c->wanted_events() != 0) {
            c->push_events(batch);
        }
    }
}

void OutputHub::on_progress(const ProgressInfo& info) {
    loads_progress p{};
    p.struct_size = sizeof(p);
    p.fraction = info.fraction;
    p.elapsed = info.elapsed;
    p.cycle = info.cycle;
    p.users = info.users;
    p.arrivals = info.arrivals;
    p.dropped_arrivals = info.dropped_arrivals;
    p.stage = info.stage;
    p.stage_count = info.stage_count;
    p.target = info.target;
    for (auto& c : m_channels) {
        c->push_progress(p);
    }
}

void OutputHub::on_refresh(const RunStats& total, RunStats interval, const ProgressInfo& info) {
    if (!m_refresh) {
        return;
    }
    auto snapshot = std::make_shared<const Snapshot>(
        total, std::move(interval), SnapshotTimes{info.elapsed, info.fraction, m_interval_start}, false,
        false);
    m_interval_start = info.elapsed;
    for (auto& c : m_channels) {
        if (c->wants_refresh()) {
            c->push_refresh(snapshot);
        }
    }
}

std::vector<std::string> OutputHub::finish(const RunReport& report, RunStats last_interval) {
    auto snapshot = std::make_shared<const Snapshot>(
        report.stats, std::move(last_interval),
        SnapshotTimes{report.duration_seconds, report.progress, m_interval_start}, true, report.interrupted,
        report.agents, report.thresholds);
    std::vector<std::string> problems;
    for (auto& c : m_channels) {
        c->push_finish(snapshot);
    }
    for (auto& c : m_channels) {
        const std::string error = c->wait();
        if (!error.empty()) {
            problems.push_back("output '" + c->plugin().name() + "' " + error);
        }
        if (c->dropped_events() > 0 || c->dropped_refreshes() > 0) {
            problems.push_back("output '" + c->plugin().name() + "' fell behind and missed " +
                               std::to_string(c->dropped_events()) + " events and " +
                               std::to_string(c->dropped_refreshes()) + " refreshes");
        }
    }
    return problems;
}

}  // namespace loads::host
