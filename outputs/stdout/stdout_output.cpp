// The stdout output, the default: a live progress bar while stdout is a terminal, then the
// seed's summary on stdout and the digest of failures and errors on stderr.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include <loads/output.hpp>

#include "progress_bar.hpp"
#include "summary.hpp"

namespace {

class StdoutOutput final : public loads::Output {
public:
    explicit StdoutOutput(const loads::OutputOptions& options)
        : m_terminal(isatty(STDOUT_FILENO) == 1 && options.flag("progress")),
          m_digest_rows(options.integer("digest-rows")) {
        if (m_digest_rows < 0) {
            throw std::invalid_argument("--output-stdout-digest-rows must be 0 or more");
        }
    }

    void start(const loads_run_info& run) override {
        m_started_us = run.started_us;
        if (LOADS_HAS_FIELD(&run, loads_run_info, max_users) && run.rate > 0) {
            m_open.rate = run.rate;
            m_open.window = run.duration;
        }
        if (LOADS_HAS_FIELD(&run, loads_run_info, stage_kind) && run.stage_kind != LOADS_STAGES_NONE) {
            m_stage_kind = run.stage_kind;
            m_distributed = run.agents > 0;
            m_stages_line = loads::outputs::format_stages(run);
        }
    }

    // An open-model run's live figures: the rate achieved over the last second beside the
    // target, and the arrivals dropped so far. The counts move once a second (with the engine's
    // refresh), so the rate is taken between two moves.
    void note_arrivals(const loads_progress& p) {
        if (m_open.rate <= 0 || !LOADS_HAS_FIELD(&p, loads_progress, dropped_arrivals)) {
            return;
        }
        // Under --rate-stages the target is the stage's rate now.
        const double target = m_stage_kind == LOADS_STAGES_RATE && LOADS_HAS_FIELD(&p, loads_progress, target)
                                  ? p.target
                                  : m_open.rate;
        const std::uint64_t seen = p.arrivals + p.dropped_arrivals;
        if (seen == m_seen_arrivals && !m_open_live.empty()) {
            return;
        }
        const double seconds = p.elapsed - m_seen_at;
        const double rate = seconds > 0 ? double(p.arrivals - m_arrivals) / seconds : 0.0;
        m_seen_arrivals = seen;
        m_arrivals = p.arrivals;
        m_seen_at = p.elapsed;
        char line[128];
        std::snprintf(line, sizeof line, " %.1f/s of %.1f/s, dropped %llu", rate, target,
                      static_cast<unsigned long long>(p.dropped_arrivals));
        m_open_live = line;
    }

    // Ramping stages: which one runs and, for --stages, the users running beside the target.
    std::string stage_live(const loads_progress& p) const {
        if (m_stage_kind == LOADS_STAGES_NONE || !LOADS_HAS_FIELD(&p, loads_progress, target) ||
            p.stage == 0) {
            return {};
        }
        char line[96];
        if (m_stage_kind == LOADS_STAGES_USERS && m_distributed) {
            // The agents report figures, not how many of their users run.
            std::snprintf(line, sizeof line, " stage %u/%u, target %.0f users", p.stage, p.stage_count,
                          p.target);
        } else if (m_stage_kind == LOADS_STAGES_USERS) {
            std::snprintf(line, sizeof line, " stage %u/%u, %u of %.0f users", p.stage, p.stage_count,
                          p.users, p.target);
        } else {
            std::snprintf(line, sizeof line, " stage %u/%u,", p.stage, p.stage_count);
        }
        return line;
    }

    void progress(const loads_progress& p) override {
        if (!m_terminal) {
            return;
        }
        note_arrivals(p);
        m_live = stage_live(p) + m_open_live;
        const int percent = static_cast<int>(std::floor(p.fraction * 100.0));
        if (percent == m_last_percent && m_live == m_drawn_live) {
            return;
        }
        m_last_percent = percent;
        m_drawn_live = m_live;
        const int width = std::max(loads::outputs::terminal_width() - static_cast<int>(m_live.size()), 20);
        // "\x1b[K" clears what a longer line drawn before left at the end.
        std::fprintf(stdout, "\r%s%s\x1b[K", loads::outputs::progress_bar(percent, width).c_str(),
                     m_live.c_str());
        std::fflush(stdout);
    }

    void finish(const loads_snapshot& s) override {
        if (m_terminal && m_last_percent >= 0) {
            std::fputc('\n', stdout);
        }
        std::fputs(loads::outputs::format_summary(*s.total, s.elapsed, m_started_us, m_open).c_str(), stdout);
        std::fputs(m_stages_line.c_str(), stdout);
        std::fputs(loads::outputs::format_agents(s).c_str(), stdout);
        std::fputs(loads::outputs::format_thresholds(s).c_str(), stdout);
        if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
            throw std::runtime_error(std::string("cannot write the summary to stdout: ") +
                                     std::strerror(errno));
        }
        const std::string problems =
            loads::outputs::format_problems(*s.total, static_cast<std::size_t>(m_digest_rows));
        if (!problems.empty()) {
            std::fputs(problems.c_str(), stderr);
        }
    }

private:
    bool m_terminal;  ///< Draw the progress bar.
    long long m_digest_rows;
    int m_last_percent = -1;
    std::int64_t m_started_us = 0;
    loads::outputs::OpenModelPlan m_open;
    std::uint32_t m_stage_kind = LOADS_STAGES_NONE;
    bool m_distributed = false;         ///< A distributed run: the stages' users are a target only.
    std::string m_stages_line;          ///< The summary's line about the stages.
    std::string m_open_live;            ///< The open model's live figures.
    std::string m_live;                 ///< The live figures appended to the bar.
    std::string m_drawn_live;           ///< Those drawn last.
    std::uint64_t m_seen_arrivals = 0;  ///< Arrivals + dropped at the last move of the counts,
    std::uint64_t m_arrivals = 0;       ///< the arrivals then,
    double m_seen_at = 0;               ///< and when.
};

constexpr loads_option_v1 k_options[] = {
    loads::option("progress", "draw the progress bar when stdout is a terminal", LOADS_OPTION_BOOL, "true"),
    loads::option("digest-rows", "distinct failures and errors listed on stderr at the end", LOADS_OPTION_INT,
                  "10"),
};

}  // namespace

LOADS_OUTPUT(StdoutOutput, stdout,
             "the live progress bar, then the summary (stdout) and the digest of problems (stderr)", 0,
             k_options)
