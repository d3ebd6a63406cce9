// RunInfo: the description of a run outputs receive in `start` (loads_run_info), with the
// storage its strings and arrays point to.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <loads/abi.h>

#include "engine/run_plan.hpp"
#include "plugins/fqn.hpp"

namespace loads::host {

class RunInfo {
public:
    /// `options`: every option of the run as (long name, value text). `agents`: how many agents
    /// each run the plan (0 for a local run).
    RunInfo(const Fqn& fqn, const RunPlan& plan, std::chrono::system_clock::time_point started,
            std::vector<std::pair<std::string, std::string>> options, std::uint32_t agents = 0);
    RunInfo(const RunInfo&) = delete;
    RunInfo& operator=(const RunInfo&) = delete;

    const loads_run_info& get() const noexcept { return m_view; }

private:
    std::string m_fqn, m_module, m_class, m_method, m_server_url, m_version, m_node;
    std::vector<std::uint32_t> m_users, m_hits;
    std::vector<std::pair<std::string, std::string>> m_options;
    std::vector<loads_option_value> m_option_views;
    std::vector<loads_stage> m_stages;
    loads_run_info m_view{};
};

}  // namespace loads::host
