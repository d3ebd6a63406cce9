// RunStats: everything one thread measured — hits, latency, per-URL figures, test outcomes,
// counters and the error digest. Each worker thread owns one and records into it without locks;
// the Aggregator merges them on a timer and at the end of the run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "results/histogram.hpp"

namespace loads::host {

/// Responses per HTTP status, as (status, count) pairs in ascending order. A URL sees a handful of
/// statuses, so a sorted vector beats any map.
using StatusCounts = std::vector<std::pair<int, std::uint64_t>>;

void add_status(StatusCounts& counts, int status, std::uint64_t n);

struct UrlStats {
    std::uint64_t hits = 0;
    std::uint64_t successes = 0;  ///< Responses with 200 <= status < 400 (the seed's success rate).
    LatencyHistogram latency;
    StatusCounts statuses;

    double average_seconds() const noexcept { return latency.mean() / 1e6; }
    double success_rate() const noexcept { return hits ? double(successes) / double(hits) : 0.0; }
};

enum class ProblemKind { failure, error };

/// One line of the error digest: what went wrong, and where in the test code.
struct ProblemKey {
    ProblemKind kind;
    std::string type;
    std::string message;
    std::string location;  ///< "file:line", or empty.
    auto operator<=>(const ProblemKey&) const = default;
};

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class RunStats {
public:
    /// Distinct digest entries kept per RunStats; beyond it, occurrences go to one "other" entry,
    /// so a test that puts unique ids in its messages cannot grow memory without bound.
    static constexpr std::size_t k_max_problems = 1000;
    /// Distinct URLs kept, each with its own histogram; beyond it (URLs carrying unique ids) hits
    /// go to k_other_urls.
    static constexpr std::size_t k_max_urls = 2000;
    static constexpr std::string_view k_other_urls = "(other URLs)";

    void record_hit(std::string_view url, int status, std::uint64_t elapsed_us);
    /// A hit of an open-model run: `latency_us` (corrected: from the iteration's scheduled
    /// arrival's lateness on) goes where record_hit puts its time, `service_us` (from the send)
    /// into service_time().
    void record_hit(std::string_view url, int status, std::uint64_t latency_us, std::uint64_t service_us) {
        m_service.record(service_us);
        record_hit(url, status, latency_us);
    }
    /// Open model: the schedule started an iteration, or had to drop one (no user free).
    void record_arrival() noexcept { ++m_totals.arrivals; }
    void record_dropped_arrival() noexcept { ++m_totals.dropped_arrivals; }
    void record_success() noexcept { ++m_totals.successes; }
    void record_problem(ProblemKind kind, std::string_view type, std::string_view message,
                        std::string_view file, std::uint32_t line);
    void record_test_finished() noexcept { ++m_totals.tests_finished; }
    void record_cancelled() noexcept { ++m_totals.cancelled; }
    void incr_counter(std::string_view name, std::int64_t delta);
    void record_socket_opened() noexcept { ++m_totals.sockets_opened; }
    void record_socket_closed() noexcept { ++m_totals.sockets_closed; }
    void record_socket_bytes(std::uint64_t bytes) noexcept { m_totals.socket_bytes += bytes; }
    /// A message from an external runner (--test-runner) that could not be used.
    void record_malformed_message() noexcept { ++m_totals.malformed_messages; }

    /// The plain counts of a RunStats, as one struct (for the wire format).
    struct Totals {
        std::uint64_t successes = 0;
        std::uint64_t failures = 0;
        std::uint64_t errors = 0;
        std::uint64_t tests_finished = 0;
        std::uint64_t cancelled = 0;
        std::uint64_t sockets_opened = 0;
        std::uint64_t sockets_closed = 0;
        std::uint64_t socket_bytes = 0;        ///< Payload bytes received on web sockets.
        std::uint64_t malformed_messages = 0;  ///< External runners' messages that were ignored.
        std::uint64_t arrivals = 0;            ///< Open model: iterations the schedule started.
        std::uint64_t dropped_arrivals = 0;    ///< Open model: arrivals no user was free to take.
    };
    Totals totals() const noexcept { return m_totals; }

    /// Adds what another RunStats holds, piece by piece (how a RunStats sent over the wire is
    /// rebuilt; merge() is the same for a whole RunStats at hand).
    void add_totals(const Totals& t) noexcept;
    LatencyHistogram& latency_for_merge() noexcept { return m_latency; }
    LatencyHistogram& service_time_for_merge() noexcept { return m_service; }
    void add_url(std::string_view url, const UrlStats& stats);
    /// Adds `count` occurrences to a digest entry (the failures/errors counts are in Totals).
    void add_problem_count(const ProblemKey& key, std::uint64_t count) { add_problem(key, count); }

    /// Adds `other` into this.
    void merge(const RunStats& other);
    void clear();
    bool empty() const noexcept;

    std::uint64_t hits() const noexcept { return m_latency.count(); }
    /// Responses per status over every URL.
    StatusCounts statuses() const;
    /// Every hit's time; in an open-model run the corrected latency (see record_hit).
    const LatencyHistogram& latency() const noexcept { return m_latency; }
    /// Open model only: every hit's time from its send (empty in a closed-model run).
    const LatencyHistogram& service_time() const noexcept { return m_service; }
    const std::unordered_map<std::string, UrlStats, StringHash, std::equal_to<>>& urls() const noexcept {
        return m_urls;
    }
    const std::map<std::string, std::int64_t, std::less<>>& counters() const noexcept { return m_counters; }
    const std::map<ProblemKey, std::uint64_t>& problems() const noexcept { return m_problems; }
    std::uint64_t successes() const noexcept { return m_totals.successes; }
    std::uint64_t failures() const noexcept { return m_totals.failures; }
    std::uint64_t errors() const noexcept { return m_totals.errors; }
    std::uint64_t tests_finished() const noexcept { return m_totals.tests_finished; }
    std::uint64_t cancelled() const noexcept { return m_totals.cancelled; }
    std::uint64_t sockets_opened() const noexcept { return m_totals.sockets_opened; }
    std::uint64_t sockets_closed() const noexcept { return m_totals.sockets_closed; }
    std::uint64_t socket_bytes() const noexcept { return m_totals.socket_bytes; }
    std::uint64_t malformed_messages() const noexcept { return m_totals.malformed_messages; }
    std::uint64_t arrivals() const noexcept { return m_totals.arrivals; }
    std::uint64_t dropped_arrivals() const noexcept { return m_totals.dropped_arrivals; }

private:
    void add_problem(const ProblemKey& key, std::uint64_t count);
    UrlStats& url_entry(std::string_view url);

    LatencyHistogram m_latency;
    LatencyHistogram m_service;
    std::unordered_map<std::string, UrlStats, StringHash, std::equal_to<>> m_urls;
    std::map<std::string, std::int64_t, std::less<>> m_counters;
    std::map<ProblemKey, std::uint64_t> m_problems;
    Totals m_totals;
};

}  // namespace loads::host
