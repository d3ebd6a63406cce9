#include "reporting/run_info.hpp"

#include <algorithm>

#include "base/abi_strings.hpp"
#include "base/process_info.hpp"

namespace loads::host {

RunInfo::RunInfo(const Fqn& fqn, const RunPlan& plan, std::chrono::system_clock::time_point started,
                 std::vector<std::pair<std::string, std::string>> options, std::uint32_t agents)
    : m_fqn(fqn.str()),
      m_module(fqn.module),
      m_class(fqn.klass),
      m_method(fqn.test),
      m_server_url(plan.server_url),
      m_version(LOADS_VERSION),
      m_node(host_name()),
      m_users(plan.users.begin(), plan.users.end()),
      m_options(std::move(options)) {
    if (!plan.duration) {
        m_hits.assign(plan.hits.begin(), plan.hits.end());
    }
    if (plan.open) {
        m_view.rate = plan.open->rate;
        m_view.max_users = plan.open->max_users;
    }
    if (const LoadProfile* stages = plan.stages()) {
        for (const Stage& stage : stages->stages()) {
            m_stages.push_back({stage.seconds, stage.target});
        }
        m_view.stage_kind = plan.user_stages ? LOADS_STAGES_USERS : LOADS_STAGES_RATE;
    }
    m_view.stages = m_stages.empty() ? nullptr : m_stages.data();
    m_view.stage_count = m_stages.size();
    std::sort(m_options.begin(), m_options.end());
    for (const auto& [name, value] : m_options) {
        m_option_views.push_back({view(name), view(value)});
    }
    m_view.struct_size = sizeof(m_view);
    m_view.fqn = view(m_fqn);
    m_view.module = view(m_module);
    m_view.class_name = view(m_class);
    m_view.method = view(m_method);
    m_view.started_us =
        std::chrono::duration_cast<std::chrono::microseconds>(started.time_since_epoch()).count();
    m_view.users = m_users.data();
    m_view.user_cycles = m_users.size();
    m_view.hits = m_hits.data();
    m_view.hit_cycles = m_hits.size();
    m_view.duration = plan.duration ? std::chrono::duration<double>(*plan.duration).count() : 0.0;
    m_view.planned_tests = plan.total_tests();
    m_view.agents = agents;
    m_view.server_url = view(m_server_url);
    m_view.version = view(m_version);
    m_view.node = view(m_node);
    m_view.options = m_option_views.data();
    m_view.option_count = m_option_views.size();
}

}  // namespace loads::host
