// The stdout output, the default: a live progress bar while stdout is a terminal, then the
// seed's summary on stdout and the digest of failures and errors on stderr.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

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

    void start(const loads_run_info& run) override { m_started_us = run.started_us; }

    void progress(const loads_progress& p) override {
        if (!m_terminal) {
            return;
        }
        const int percent = static_cast<int>(std::floor(p.fraction * 100.0));
        if (percent == m_last_percent) {
            return;
        }
        m_last_percent = percent;
        std::fprintf(stdout, "\r%s",
                     loads::outputs::progress_bar(percent, loads::outputs::terminal_width()).c_str());
        std::fflush(stdout);
    }

    void finish(const loads_snapshot& s) override {
        if (m_terminal && m_last_percent >= 0) {
            std::fputc('\n', stdout);
        }
        std::fputs(loads::outputs::format_summary(*s.total, s.elapsed, m_started_us).c_str(), stdout);
        std::fputs(loads::outputs::format_agents(s).c_str(), stdout);
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
