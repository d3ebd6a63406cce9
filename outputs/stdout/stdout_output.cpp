#include "stdout_output.hpp"

#include <cmath>
#include <cstdio>

#include "progress_bar.hpp"
#include "summary.hpp"

namespace loads::outputs {

namespace {
constexpr std::size_t k_digest_rows = 10;
}

void StdoutOutput::on_progress(double fraction) {
    if (!m_terminal) {
        return;
    }
    const int percent = static_cast<int>(std::floor(fraction * 100.0));
    if (percent == m_last_percent) {
        return;
    }
    m_last_percent = percent;
    std::fprintf(stdout, "\r%s", progress_bar(percent, terminal_width()).c_str());
    std::fflush(stdout);
}

void StdoutOutput::on_finish(const loads::host::RunReport& report) {
    if (m_terminal) {
        std::fputc('\n', stdout);
    }
    std::fputs(format_summary(report).c_str(), stdout);
    std::fflush(stdout);
    const std::string problems = format_problems(report, k_digest_rows);
    if (!problems.empty()) {
        std::fputs(problems.c_str(), stderr);
    }
}

}  // namespace loads::outputs
