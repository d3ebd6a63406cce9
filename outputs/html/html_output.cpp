// The html output: one self-contained HTML page with the run's figures and charts, written at the
// end of the run to --output-html-filename. It keeps one point per refresh (about a second) for
// the charts over time; everything else comes from the final snapshot.
#include <cstdio>
#include <limits>
#include <string>

#include <loads/output.hpp>
#include <loads/report_text.hpp>

#include "report.hpp"
#include "timeline.hpp"

namespace {

using loads::outputs::html::RunDescription;
using loads::outputs::html::Timeline;

class HtmlOutput final : public loads::Output {
public:
    // Checked now, so an unwritable path stops the runner before any load is made; written
    // only at the end, so an earlier report stays whole until then.
    explicit HtmlOutput(const loads::OutputOptions& options) : m_path(options.string("filename")) {
        loads::check_writable(m_path);
    }

    void start(const loads_run_info& run) override {
        m_run.fqn = loads::text(run.fqn);
        m_run.version = loads::text(run.version);
        m_run.node = loads::text(run.node);
        m_run.server_url = loads::text(run.server_url);
        m_run.started_us = run.started_us;
        m_run.users.assign(run.users, run.users + run.user_cycles);
        m_run.hits.assign(run.hits, run.hits + run.hit_cycles);
        m_run.duration = run.duration;
        if (LOADS_HAS_FIELD(&run, loads_run_info, max_users)) {
            m_run.rate = run.rate;
            m_run.max_users = run.max_users;
            m_target = run.rate;  // the open model's target, until a stage says otherwise
        }
        if (LOADS_HAS_FIELD(&run, loads_run_info, stage_kind)) {
            m_run.stage_kind = run.stage_kind;
            m_run.stages = loads::report_text::stages_text(run.stages, run.stage_count, ", ");
            if (run.stage_kind != LOADS_STAGES_NONE) {
                m_target = 0;  // stages ramp from nothing, or step at once
                for (std::size_t i = 0; i < run.stage_count && run.stages[i].seconds == 0; ++i) {
                    m_target = run.stages[i].target;
                }
            }
        }
        m_target_before = m_target;
        for (std::size_t i = 0; i < run.option_count; ++i) {
            m_run.options.emplace_back(loads::text(run.options[i].name), loads::text(run.options[i].value));
        }
        if (!m_run.users.empty()) {
            m_users = m_run.users.front();
        }
    }

    void progress(const loads_progress& p) override {
        m_users = p.users;
        if (LOADS_HAS_FIELD(&p, loads_progress, target) && p.stage_count > 0) {
            m_target = p.target;
            m_target_heard = true;
        }
    }

    // The target of the interval just measured; NaN (a gap in the chart) for a run with stages
    // whose progress never says where they are (a runner older than ABI 1.6's stages).
    double interval_target() const {
        const bool known = m_run.stage_kind == LOADS_STAGES_NONE || m_target_heard;
        return known ? (m_target_before + m_target) / 2 : std::numeric_limits<double>::quiet_NaN();
    }

    // An interval's target is the mean of its two ends: a ramp's achieved figure over the interval
    // is drawn in its middle, beside the target there.
    void refresh(const loads_snapshot& s) override {
        m_timeline.add(s, m_users, interval_target());
        m_target_before = m_target;
    }

    void finish(const loads_snapshot& s) override {
        m_timeline.add_last(s, m_users, interval_target());
        loads::write_file(m_path, loads::outputs::html::render_report(m_run, m_timeline, s));
    }

private:
    std::string m_path;
    RunDescription m_run;
    Timeline m_timeline;
    std::uint32_t m_users = 0;
    double m_target = 0;          ///< Users (--stages) or arrivals per second (open model) asked for now.
    double m_target_before = 0;   ///< The target at the start of the interval being measured.
    bool m_target_heard = false;  ///< A progress report said where the stages are.
};

constexpr loads_option_v1 k_html_options[] = {
    loads::option("filename", "the HTML report to write", LOADS_OPTION_STRING, "loads-report.html"),
};

}  // namespace

LOADS_OUTPUT(HtmlOutput, html, "a self-contained HTML report with charts, written at the end of the run", 0,
             k_html_options)
