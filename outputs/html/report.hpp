// The HTML report: one self-contained page (inline CSS and SVG, nothing fetched) with the run's
// figures, charts over time, the per-URL table, the problems, the counters and the options.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <loads/abi.h>

#include "timeline.hpp"

namespace loads::outputs::html {

/// What the report says about the run itself: a copy of loads_run_info, which lives only
/// during `start`.
struct RunDescription {
    std::string fqn;
    std::string version;
    std::string node;
    std::string server_url;
    std::int64_t started_us = 0;
    std::vector<std::uint32_t> users;
    std::vector<std::uint32_t> hits;
    double duration = 0;          ///< Seconds per users cycle with --duration, else 0.
    double rate = 0;              ///< Open model (--rate): target arrivals per second; 0 for a closed model.
    std::uint32_t max_users = 0;  ///< Open model: the pool's cap.
    std::uint32_t stage_kind = LOADS_STAGES_NONE;              ///< Ramping stages: what their targets count.
    std::string stages;                                        ///< "30s:100, 2m:100, 30s:0", or empty.
    std::vector<std::pair<std::string, std::string>> options;  ///< Long name, value.
};

/// The whole page, from the run, its timeline and the final snapshot.
std::string render_report(const RunDescription& run, const Timeline& timeline, const loads_snapshot& final);

}  // namespace loads::outputs::html
