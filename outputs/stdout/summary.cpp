#include "summary.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace loads::outputs {
using loads::host::ProblemKey;
using loads::host::ProblemKind;
using loads::host::RunReport;
using loads::host::UrlStats;

namespace {

template <class... A>
std::string format(const char* fmt, A... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

// Python's str(float): up to 12 significant digits, and always a decimal point ("1.0").
std::string py_float(double v) {
    std::string s = format("%.12g", v);
    if (s.find_first_of(".e") == std::string::npos) {
        s += ".0";
    }
    return s;
}

// "2013-06-14 12:15:42.860586", UTC, as the seed prints datetime.utcnow().
std::string utc_timestamp(std::chrono::system_clock::time_point t) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(micros / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return format("%s.%06lld", buf, static_cast<long long>(micros % 1'000'000));
}

std::string millis(std::uint64_t micros) {
    return format("%.3f ms", double(micros) / 1000.0);
}

}  // namespace

std::string format_summary(const RunReport& r) {
    const auto& s = r.stats;
    const double rps = r.duration_seconds > 0 ? double(s.hits()) / r.duration_seconds : 0.0;
    std::string out;
    out += format("Duration: %.2f seconds\n", r.duration_seconds);
    out += format("Hits: %llu\n", static_cast<unsigned long long>(s.hits()));
    out += "Started: " + utc_timestamp(r.started) + "\n";
    out += format("Approximate Average RPS: %llu\n", static_cast<unsigned long long>(rps));
    out += format("Average request time: %.2fs\n", s.latency().mean() / 1e6);
    out += format("Opened web sockets: %llu\n", static_cast<unsigned long long>(s.sockets_opened()));
    out +=
        format("Bytes received via web sockets : %llu\n", static_cast<unsigned long long>(s.socket_bytes()));
    out += "\n";
    out += format("Success: %llu\n", static_cast<unsigned long long>(s.successes()));
    out += format("Errors: %llu\n", static_cast<unsigned long long>(s.errors()));
    out += format("Failures: %llu\n", static_cast<unsigned long long>(s.failures()));
    out += "\n";

    if (s.hits() > 0) {
        const auto& h = s.latency();
        out += "\nRequest time percentiles: p50 " + millis(h.value_at_percentile(50)) + ", p90 " +
               millis(h.value_at_percentile(90)) + ", p95 " + millis(h.value_at_percentile(95)) + ", p99 " +
               millis(h.value_at_percentile(99)) + ", p99.9 " + millis(h.value_at_percentile(99.9)) +
               ", max " + millis(h.max()) + "\n";

        std::vector<std::pair<std::string, UrlStats>> urls(s.urls().begin(), s.urls().end());
        std::sort(urls.begin(), urls.end(), [](const auto& a, const auto& b) {
            const double x = a.second.average_seconds();
            const double y = b.second.average_seconds();
            return x != y ? x > y : a.first < b.first;
        });
        out += "\nSlowest URL: " + urls.front().first +
               " \tAverage Request Time: " + py_float(urls.front().second.average_seconds()) + "\n";
        out += urls.size() > 10 ? "\nStats by URLs (10 slowests):\n" : "\nStats by URLs:\n";
        urls.resize(std::min<std::size_t>(urls.size(), 10));
        std::size_t width = 0;
        for (const auto& [url, _] : urls) {
            width = std::max(width, url.size());
        }
        for (const auto& [url, u] : urls) {
            out += "- " + url + std::string(width - url.size(), ' ') +
                   "\tAverage request time: " + py_float(u.average_seconds()) +
                   "\tHits success rate: " + py_float(u.success_rate()) + "\n";
        }
    }
    if (!s.counters().empty()) {
        out += "\nCustom metrics:\n";
        for (const auto& [name, value] : s.counters()) {
            out += "- " + name + " : " + std::to_string(value) + "\n";
        }
    }
    return out;
}

std::string format_problems(const RunReport& r, std::size_t limit) {
    std::vector<std::pair<const ProblemKey*, std::uint64_t>> rows;
    for (const auto& [key, count] : r.stats.problems()) {
        rows.emplace_back(&key, count);
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : *a.first < *b.first;
    });
    std::string out;
    for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
        const ProblemKey& k = *rows[i].first;
        out += format("%llu occurrences of %s: \n", static_cast<unsigned long long>(rows[i].second),
                      k.kind == ProblemKind::failure ? "failure" : "error");
        out += "    " + (k.type.empty() ? std::string("error") : k.type) + ": " + k.message + "\n";
        if (!k.location.empty()) {
            out += "    at " + k.location + "\n";
        }
    }
    if (rows.size() > limit) {
        out += format("... and %zu more distinct failures or errors\n", rows.size() - limit);
    }
    if (r.stats.cancelled() > 0) {
        out += format(
            "%llu test(s) were cut off at the end of their cycle's grace period or by an interrupt "
            "(not counted)\n",
            static_cast<unsigned long long>(r.stats.cancelled()));
    }
    return out;
}

}  // namespace loads::outputs
