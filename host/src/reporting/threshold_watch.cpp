#include "reporting/threshold_watch.hpp"

#include <cmath>

namespace loads::host {

ThresholdWatch::ThresholdWatch(RunListener& inner, std::vector<Threshold> thresholds, bool abort_all,
                               double grace_seconds, std::atomic<bool>& stop)
    : m_inner(inner),
      m_thresholds(std::move(thresholds)),
      m_abort_all(abort_all),
      m_grace(grace_seconds),
      m_stop(stop) {}

void ThresholdWatch::on_refresh(const RunStats& total, RunStats interval, const ProgressInfo& progress) {
    if (!m_abort && progress.elapsed >= m_grace) {
        for (std::size_t i = 0; i < m_thresholds.size(); ++i) {
            if (!aborts(m_thresholds[i])) {
                continue;
            }
            const ThresholdResult r = judge(m_thresholds[i], total, progress.elapsed);
            // Nothing measured yet is no crossing: a run is not stopped for lack of data.
            if (!r.passed && !std::isnan(r.measured)) {
                m_abort = JudgedThreshold{m_thresholds[i], r, true};
                m_abort_index = i;
                m_stop.store(true);
                break;
            }
        }
    }
    m_inner.on_refresh(total, std::move(interval), progress);
}

std::vector<JudgedThreshold> ThresholdWatch::verdicts(const RunReport& report) const {
    std::vector<JudgedThreshold> out;
    for (std::size_t i = 0; i < m_thresholds.size(); ++i) {
        if (m_abort && i == m_abort_index) {
            out.push_back(*m_abort);
        } else {
            out.push_back(
                {m_thresholds[i], judge(m_thresholds[i], report.stats, report.duration_seconds), false});
        }
    }
    return out;
}

}  // namespace loads::host
