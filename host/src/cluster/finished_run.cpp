#include "finished_run.hpp"

#include <cstdio>

namespace loads::host {

namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

std::string run_summary_line(const FinishedRun& r) {
    const double seconds = std::max(0.0, r.ended - r.run.started);
    const RunStats& t = r.total;
    std::string line = "Test over. Ran " + std::to_string(t.tests_finished()) + " tests in " +
                       fixed(seconds, 2) + " s. " + std::to_string(t.hits()) + " hits, " +
                       fixed(seconds > 0 ? double(t.hits()) / seconds : 0.0, 2) + " RPS. " +
                       std::to_string(t.failures()) + " failures, " + std::to_string(t.errors()) + " errors";
    if (t.hits() > 0) {
        line += ", p50 " + fixed(double(t.latency().value_at_percentile(50)) / 1000.0, 1) + " ms, p99 " +
                fixed(double(t.latency().value_at_percentile(99)) / 1000.0, 1) + " ms";
    }
    line += ". Run " + r.run.run_id + ": " + r.status + ".";
    for (const RunAgent& a : r.agents) {
        if (a.state != AgentState::finished) {
            line += " Agent " + a.id + " " + state_name(a.state) +
                    (a.message.empty() ? "" : " (" + a.message + ")") + ".";
        }
    }
    return line;
}

}  // namespace loads::host
