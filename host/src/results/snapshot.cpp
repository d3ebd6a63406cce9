#include "results/snapshot.hpp"

#include <algorithm>

#include "base/abi_strings.hpp"

namespace loads::host {

loads_latency latency_view(const LatencyHistogram& h, std::vector<loads_bucket>& buckets) {
    buckets.clear();
    h.for_each_bucket([&](std::size_t index, std::uint64_t count) {
        // The top bucket also holds the values clamped into it; its honest upper bound is the max.
        buckets.push_back(
            {std::min(LatencyHistogram::highest_in_bucket(index), std::max(h.max(), std::uint64_t{1})),
             count});
    });
    loads_latency l{};
    l.count = h.count();
    l.sum_us = h.sum();
    l.min_us = h.min();
    l.max_us = h.max();
    l.p50_us = h.value_at_percentile(50);
    l.p90_us = h.value_at_percentile(90);
    l.p95_us = h.value_at_percentile(95);
    l.p99_us = h.value_at_percentile(99);
    l.p999_us = h.value_at_percentile(99.9);
    l.buckets = buckets.data();
    l.bucket_count = buckets.size();
    return l;
}

namespace {

void fill_statuses(const StatusCounts& from, std::vector<loads_status_count>& to) {
    to.clear();
    for (const auto& [status, count] : from) {
        to.push_back({status, 0, count});
    }
}

}  // namespace

StatsView::StatsView(const RunStats& s) {
    m_view.struct_size = sizeof(m_view);
    m_view.hits = s.hits();
    m_view.tests_finished = s.tests_finished();
    m_view.successes = s.successes();
    m_view.failures = s.failures();
    m_view.errors = s.errors();
    m_view.cancelled = s.cancelled();
    m_view.sockets_opened = s.sockets_opened();
    m_view.sockets_closed = s.sockets_closed();
    m_view.socket_bytes = s.socket_bytes();
    m_view.malformed_messages = s.malformed_messages();
    m_view.latency = latency_view(s.latency(), m_buckets);
    m_view.arrivals = s.arrivals();
    m_view.dropped_arrivals = s.dropped_arrivals();
    m_view.service_time = latency_view(s.service_time(), m_service_buckets);
    fill_statuses(s.statuses(), m_statuses);
    m_view.statuses = m_statuses.data();
    m_view.status_count = m_statuses.size();

    std::vector<const std::pair<const std::string, UrlStats>*> urls;
    for (const auto& entry : s.urls()) {
        urls.push_back(&entry);
    }
    std::sort(urls.begin(), urls.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    for (const auto* entry : urls) {
        auto u = std::make_unique<Url>();
        u->view.struct_size = sizeof(u->view);
        u->view.url = view(entry->first);
        u->view.hits = entry->second.hits;
        u->view.successes = entry->second.successes;
        u->view.latency = latency_view(entry->second.latency, u->buckets);
        fill_statuses(entry->second.statuses, u->statuses);
        u->view.statuses = u->statuses.data();
        u->view.status_count = u->statuses.size();
        m_url_pointers.push_back(&u->view);
        m_urls.push_back(std::move(u));
    }
    m_view.urls = m_url_pointers.data();
    m_view.url_count = m_url_pointers.size();

    for (const auto& [name, value] : s.counters()) {
        m_counters.push_back({view(name), value});
    }
    m_view.counters = m_counters.data();
    m_view.counter_count = m_counters.size();

    m_problems.reserve(s.problems().size());  // no reallocation: m_problem_pointers point in
    for (const auto& [key, count] : s.problems()) {
        loads_problem p{};
        p.struct_size = sizeof(p);
        p.kind = key.kind == ProblemKind::failure ? LOADS_STATUS_FAILURE : LOADS_STATUS_ERROR;
        p.error_type = view(key.type);
        p.message = view(key.message);
        p.location = view(key.location);
        p.count = count;
        m_problems.push_back(p);
    }
    for (const auto& p : m_problems) {
        m_problem_pointers.push_back(&p);
    }
    // Most common first; ties in the digest's order (kind, type, message, location).
    std::stable_sort(m_problem_pointers.begin(), m_problem_pointers.end(),
                     [](const loads_problem* a, const loads_problem* b) { return a->count > b->count; });
    m_view.problems = m_problem_pointers.data();
    m_view.problem_count = m_problem_pointers.size();
}

AgentViews::AgentViews(const std::vector<AgentReport>& agents) {
    m_views.reserve(agents.size());  // no reallocation: m_pointers point in
    for (const AgentReport& a : agents) {
        loads_agent_report r{};
        r.struct_size = sizeof(r);
        r.agent_id = view(a.agent_id);
        r.hostname = view(a.hostname);
        r.state = view(a.state);
        r.changed_us = static_cast<std::int64_t>(a.changed_at * 1e6);
        r.message = view(a.message);
        m_views.push_back(r);
    }
    for (const auto& r : m_views) {
        m_pointers.push_back(&r);
    }
}

ThresholdViews::ThresholdViews(const std::vector<JudgedThreshold>& thresholds) {
    m_views.reserve(thresholds.size());  // no reallocation: m_pointers point in
    for (const JudgedThreshold& j : thresholds) {
        const Threshold& t = j.threshold;
        loads_threshold v{};
        v.struct_size = sizeof(v);
        v.expression = view(t.expression);
        v.scope = view(t.scope);
        v.metric = view(t.metric_name);
        const std::string_view op = t.op_text();  // static storage
        v.op = {op.data(), op.size()};
        v.unit = view(t.unit);
        v.limit = t.limit;
        v.measured = j.result.measured;
        v.passed = j.result.passed ? 1 : 0;
        v.aborted = j.aborted ? 1 : 0;
        v.partial = j.partial ? 1 : 0;
        m_views.push_back(v);
    }
    for (const auto& v : m_views) {
        m_pointers.push_back(&v);
    }
}

Snapshot::Snapshot(RunStats total, RunStats interval, const SnapshotTimes& times, bool final,
                   bool interrupted, std::vector<AgentReport> agents, std::vector<JudgedThreshold> thresholds)
    : m_total(std::move(total)),
      m_interval(std::move(interval)),
      m_total_view(m_total),
      m_interval_view(m_interval),
      m_agents(std::move(agents)),
      m_agent_views(m_agents),
      m_thresholds(std::move(thresholds)),
      m_threshold_views(m_thresholds) {
    m_view.agents = m_agent_views.data();
    m_view.agent_count = m_agent_views.size();
    m_view.thresholds = m_threshold_views.data();
    m_view.threshold_count = m_threshold_views.size();
    m_view.struct_size = sizeof(m_view);
    m_view.elapsed = times.elapsed;
    m_view.progress = times.progress;
    m_view.interval_start = times.interval_start;
    m_view.interval_end = times.elapsed;
    m_view.total = &m_total_view.get();
    m_view.interval = &m_interval_view.get();
    m_view.final = final ? 1 : 0;
    m_view.interrupted = interrupted ? 1 : 0;
}

}  // namespace loads::host
