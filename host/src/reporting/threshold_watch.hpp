// ThresholdWatch: the run's thresholds (--threshold), judged at the end and, for those that abort
// the run (--abort-on-fail, or a '!' suffix), every second once --threshold-grace has passed. It
// wraps the outputs' listener, which still hears everything; when an aborting threshold is
// crossed it raises the stop flag the engine watches (as a Ctrl-C would) and remembers which.
//
// Every call comes from the engine's thread, which is the thread that reads the verdicts after
// the run, so nothing here is shared.
#pragma once

#include <atomic>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "results/run_listener.hpp"
#include "results/run_report.hpp"
#include "results/threshold.hpp"

namespace loads::host {

class ThresholdWatch final : public RunListener {
public:
    /// `abort_all`: --abort-on-fail. `grace_seconds`: --threshold-grace.
    ThresholdWatch(RunListener& inner, std::vector<Threshold> thresholds, bool abort_all,
                   double grace_seconds, std::atomic<bool>& stop);

    std::uint32_t wanted_events() const noexcept override { return m_inner.wanted_events(); }
    void publish(std::shared_ptr<const EventBatch> batch) override { m_inner.publish(std::move(batch)); }
    void on_progress(const ProgressInfo& progress) override { m_inner.on_progress(progress); }
    void on_refresh(const RunStats& total, RunStats interval, const ProgressInfo& progress) override;

    /// The threshold that stopped the run, if one did.
    const JudgedThreshold* abort_cause() const noexcept { return m_abort ? &*m_abort : nullptr; }
    /// Every threshold judged on the finished run's figures (the one that stopped it as it was
    /// when it did), in the order given.
    std::vector<JudgedThreshold> verdicts(const RunReport& report) const;

private:
    bool aborts(const Threshold& t) const noexcept { return m_abort_all || t.abort; }

    RunListener& m_inner;
    std::vector<Threshold> m_thresholds;
    bool m_abort_all;
    double m_grace;
    std::atomic<bool>& m_stop;
    std::optional<JudgedThreshold> m_abort;
    std::size_t m_abort_index = 0;
};

/// A threshold scoped to a test must name the one the run runs (`test`, the method's name).
/// @throws UsageError naming the threshold.
void check_threshold_scopes(const std::vector<Threshold>& thresholds, const std::string& test);

/// The exit status the run's verdicts call for: 7 when a threshold was crossed, else 0; says on
/// `err`, one line each, which were crossed and which one stopped the run, for a CI log whatever
/// the outputs. `watch` may be null.
int threshold_status(const RunReport& report, const ThresholdWatch* watch, std::ostream& err);

/// Marks every verdict as judged on partial figures (an agent of a distributed run was lost).
void mark_partial(std::vector<JudgedThreshold>& verdicts);

}  // namespace loads::host
