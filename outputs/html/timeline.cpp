#include "timeline.hpp"

#include <algorithm>
#include <cmath>

namespace loads::outputs::html {
namespace {

constexpr double k_shortest_last_interval = 0.5;  // seconds

std::vector<loads_bucket> buckets_of(const loads_latency& l) {
    return l.buckets == nullptr ? std::vector<loads_bucket>()
                                : std::vector<loads_bucket>(l.buckets, l.buckets + l.bucket_count);
}

// Both ascending by upper bound; equal bounds are the same bucket.
std::vector<loads_bucket> merge(const std::vector<loads_bucket>& a, const std::vector<loads_bucket>& b) {
    std::vector<loads_bucket> out;
    out.reserve(a.size() + b.size());
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i].upper_us < b[j].upper_us)) {
            out.push_back(a[i++]);
        } else if (i == a.size() || b[j].upper_us < a[i].upper_us) {
            out.push_back(b[j++]);
        } else {
            out.push_back({a[i].upper_us, a[i].count + b[j].count});
            ++i;
            ++j;
        }
    }
    return out;
}

// Nearest rank, as the runner computes its own percentiles (within the bucket's 0.1%).
std::uint64_t percentile(const std::vector<loads_bucket>& buckets, const TimelinePoint& p, double q) {
    const auto rank =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * double(p.latency_count))));
    std::uint64_t seen = 0;
    for (const loads_bucket& b : buckets) {
        seen += b.count;
        if (seen >= rank) {
            return std::clamp(b.upper_us, p.min_us, p.max_us);
        }
    }
    return p.max_us;
}

TimelinePoint point_of(const loads_snapshot& s, std::uint32_t users, double target) {
    const loads_stats& i = *s.interval;
    TimelinePoint p;
    p.start = s.interval_start;
    p.end = s.interval_end;
    p.users = users;
    p.target = target;
    p.arrivals = LOADS_HAS_FIELD(&i, loads_stats, service_time) ? i.arrivals : 0;
    p.hits = i.hits;
    p.tests = i.tests_finished;
    p.failures = i.failures;
    p.errors = i.errors;
    for (std::size_t k = 0; k < i.status_count; ++k) {
        if (i.statuses[k].status >= 400) {
            p.bad_responses += i.statuses[k].count;
        }
    }
    p.latency_count = i.latency.count;
    p.min_us = i.latency.min_us;
    p.max_us = i.latency.max_us;
    p.p50_us = i.latency.p50_us;
    p.p90_us = i.latency.p90_us;
    p.p99_us = i.latency.p99_us;
    return p;
}

}  // namespace

void Timeline::add(const loads_snapshot& snapshot, std::uint32_t users, double target) {
    if (snapshot.interval == nullptr) {
        return;
    }
    m_points.push_back(point_of(snapshot, users, target));
    m_last_buckets = buckets_of(snapshot.interval->latency);
}

void Timeline::add_last(const loads_snapshot& snapshot, std::uint32_t users, double target) {
    if (snapshot.interval == nullptr) {
        return;
    }
    const TimelinePoint stub = point_of(snapshot, users, target);
    if (m_points.empty() || stub.length() >= k_shortest_last_interval) {
        m_points.push_back(stub);
        return;
    }
    TimelinePoint& p = m_points.back();
    p.end = stub.end;
    p.users = stub.users;
    p.target = stub.target;
    p.arrivals += stub.arrivals;
    p.hits += stub.hits;
    p.tests += stub.tests;
    p.failures += stub.failures;
    p.errors += stub.errors;
    p.bad_responses += stub.bad_responses;
    if (stub.latency_count == 0) {
        return;
    }
    p.min_us = p.latency_count == 0 ? stub.min_us : std::min(p.min_us, stub.min_us);
    p.max_us = std::max(p.max_us, stub.max_us);
    p.latency_count += stub.latency_count;
    const auto buckets = merge(m_last_buckets, buckets_of(snapshot.interval->latency));
    p.p50_us = percentile(buckets, p, 0.50);
    p.p90_us = percentile(buckets, p, 0.90);
    p.p99_us = percentile(buckets, p, 0.99);
}

}  // namespace loads::outputs::html
