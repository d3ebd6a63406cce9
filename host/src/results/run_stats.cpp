#include "results/run_stats.hpp"

#include <algorithm>
#include <cstdint>

namespace loads::host {

void add_status(StatusCounts& counts, int status, std::uint64_t n) {
    auto it = std::lower_bound(counts.begin(), counts.end(), status,
                               [](const auto& entry, int s) { return entry.first < s; });
    if (it != counts.end() && it->first == status) {
        it->second += n;
    } else {
        counts.emplace(it, status, n);
    }
}

StatusCounts RunStats::statuses() const {
    StatusCounts all;
    for (const auto& [url, u] : m_urls) {
        for (const auto& [status, n] : u.statuses) {
            add_status(all, status, n);
        }
    }
    return all;
}

UrlStats& RunStats::url_entry(std::string_view url) {
    auto it = m_urls.find(url);
    if (it == m_urls.end()) {
        const std::string_view key = m_urls.size() < k_max_urls ? url : k_other_urls;
        it = m_urls.find(key);
        if (it == m_urls.end()) {
            it = m_urls.emplace(std::string(key), UrlStats{}).first;
        }
    }
    return it->second;
}

void RunStats::record_hit(std::string_view url, int status, std::uint64_t elapsed_us) {
    m_latency.record(elapsed_us);
    UrlStats& u = url_entry(url);
    ++u.hits;
    u.successes += (status >= 200 && status < 400) ? 1 : 0;
    u.latency.record(elapsed_us);
    add_status(u.statuses, status, 1);
}

void RunStats::record_problem(ProblemKind kind, std::string_view type, std::string_view message,
                              std::string_view file, std::uint32_t line) {
    (kind == ProblemKind::failure ? m_totals.failures : m_totals.errors) += 1;
    ProblemKey key{kind, std::string(type), std::string(message), std::string(file)};
    if (!key.location.empty() && line != 0) {
        key.location += ':' + std::to_string(line);
    }
    add_problem(key, 1);
}

void RunStats::add_problem(const ProblemKey& key, std::uint64_t count) {
    auto it = m_problems.find(key);
    if (it != m_problems.end()) {
        it->second += count;
    } else if (m_problems.size() < k_max_problems) {
        m_problems.emplace(key, count);
    } else {
        m_problems[ProblemKey{key.kind, "(other)", "more distinct messages than the digest keeps", ""}] +=
            count;
    }
}

void RunStats::incr_counter(std::string_view name, std::int64_t delta) {
    auto it = m_counters.find(name);
    if (it == m_counters.end()) {
        m_counters.emplace(std::string(name), delta);
    } else if (__builtin_add_overflow(it->second, delta, &it->second)) {
        // Figures from the wire can be anything: saturate instead of overflowing.
        it->second = delta > 0 ? INT64_MAX : INT64_MIN;
    }
}

void RunStats::add_totals(const Totals& t) noexcept {
    m_totals.successes += t.successes;
    m_totals.failures += t.failures;
    m_totals.errors += t.errors;
    m_totals.tests_finished += t.tests_finished;
    m_totals.cancelled += t.cancelled;
    m_totals.sockets_opened += t.sockets_opened;
    m_totals.sockets_closed += t.sockets_closed;
    m_totals.socket_bytes += t.socket_bytes;
    m_totals.malformed_messages += t.malformed_messages;
    m_totals.arrivals += t.arrivals;
    m_totals.dropped_arrivals += t.dropped_arrivals;
}

void RunStats::add_url(std::string_view url, const UrlStats& s) {
    UrlStats& u = url_entry(url);
    u.hits += s.hits;
    u.successes += s.successes;
    u.latency.merge(s.latency);
    for (const auto& [status, n] : s.statuses) {
        add_status(u.statuses, status, n);
    }
}

void RunStats::merge(const RunStats& other) {
    m_latency.merge(other.m_latency);
    m_service.merge(other.m_service);
    for (const auto& [url, s] : other.m_urls) {
        add_url(url, s);
    }
    for (const auto& [name, v] : other.m_counters) {
        incr_counter(name, v);
    }
    for (const auto& [key, n] : other.m_problems) {
        add_problem(key, n);
    }
    add_totals(other.totals());
}

void RunStats::clear() {
    m_latency.reset();
    m_service.reset();
    m_urls.clear();
    m_counters.clear();
    m_problems.clear();
    m_totals = Totals{};
}

bool RunStats::empty() const noexcept {
    return m_latency.count() == 0 && m_counters.empty() && m_problems.empty() && m_totals.successes == 0 &&
           m_totals.tests_finished == 0 && m_totals.cancelled == 0 && m_totals.sockets_opened == 0 &&
           m_totals.sockets_closed == 0 && m_totals.socket_bytes == 0 && m_totals.malformed_messages == 0 &&
           m_totals.arrivals == 0 && m_totals.dropped_arrivals == 0;
}

}  // namespace loads::host
