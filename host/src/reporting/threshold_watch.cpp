#include "reporting/threshold_watch.hpp"

#include <cmath>

#include <loads/report_text.hpp>

#include "base/usage_error.hpp"

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

void check_threshold_scopes(const std::vector<Threshold>& thresholds, const std::string& test) {
    for (const Threshold& t : thresholds) {
        if (!t.scope.empty() && t.scope != test) {
            throw UsageError("--threshold '" + t.expression + "': the run has no test '" + t.scope +
                             "' (it runs " + test + ")");
        }
    }
}

namespace {

std::string measured_text(const JudgedThreshold& j) {
    return report_text::threshold_value(j.result.measured, j.threshold.unit);
}

}  // namespace

int threshold_status(const RunReport& report, const ThresholdWatch* watch, std::ostream& err) {
    std::size_t crossed = 0;
    std::string which;
    for (const JudgedThreshold& j : report.thresholds) {
        if (!j.result.passed) {
            ++crossed;
            which += (which.empty() ? "" : ", ") + j.threshold.expression + " (" + measured_text(j) + ")";
        }
    }
    if (watch != nullptr && watch->abort_cause() != nullptr) {
        err << "loads-runner: threshold " << watch->abort_cause()->threshold.expression << " crossed ("
            << measured_text(*watch->abort_cause()) << "): the run was stopped\n";
    }
    if (crossed == 0) {
        return 0;
    }
    const bool partial = !report.thresholds.empty() && report.thresholds.front().partial;
    err << "loads-runner: " << crossed << " of " << report.thresholds.size() << " thresholds crossed"
        << (partial ? " (judged on partial figures)" : "") << ": " << which << '\n';
    return 7;
}

void mark_partial(std::vector<JudgedThreshold>& verdicts) {
    for (JudgedThreshold& j : verdicts) {
        j.partial = true;
    }
}

}  // namespace loads::host
