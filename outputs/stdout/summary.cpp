#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include <loads/report_text.hpp>

namespace loads::outputs {
namespace {

std::string_view text(loads_str s) {
    return s.ptr == nullptr ? std::string_view() : std::string_view(s.ptr, s.len);
}

// A message as the terminal may show it: valid UTF-8, no control characters (they could move
// the cursor or recolour the screen), continuation lines indented under the first.
std::string printable(std::string_view s) {
    std::string out;
    report_text::for_each_utf8(s, out, [&](char c) {
        if (c == '\n') {
            out += "\n    ";
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
            out += "\xEF\xBF\xBD";
        } else {
            out += c;
        }
    });
    return out;
}

double average_seconds(const loads_latency& l) {
    return l.count ? double(l.sum_us) / double(l.count) / 1e6 : 0.0;
}

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
std::string utc_timestamp(std::int64_t micros) {
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

std::string percentiles(const loads_latency& h) {
    return "p50 " + millis(h.p50_us) + ", p90 " + millis(h.p90_us) + ", p95 " + millis(h.p95_us) + ", p99 " +
           millis(h.p99_us) + ", p99.9 " + millis(h.p999_us) + ", max " + millis(h.max_us);
}

bool has_open_figures(const loads_stats& s) {
    return LOADS_HAS_FIELD(&s, loads_stats, service_time);
}

// An open-model run's target beside what it achieved, and the arrivals it had to drop.
std::string open_model_lines(const loads_stats& s, double duration_seconds, const OpenModelPlan& open) {
    const std::uint64_t arrivals = has_open_figures(s) ? s.arrivals : 0;
    const std::uint64_t dropped = has_open_figures(s) ? s.dropped_arrivals : 0;
    std::string out =
        format("Target rate: %.2f/s, achieved %.2f/s (%llu arrivals)\n", open.rate,
               achieved_rate(s, duration_seconds, open), static_cast<unsigned long long>(arrivals));
    out += format("Dropped arrivals: %llu\n", static_cast<unsigned long long>(dropped));
    return out;
}

}  // namespace

std::string format_stages(const loads_run_info& run) {
    if (!LOADS_HAS_FIELD(&run, loads_run_info, stage_kind) || run.stage_count == 0) {
        return {};
    }
    const std::string stages = report_text::stages_text(run.stages, run.stage_count, ", ");
    if (run.stage_kind == LOADS_STAGES_USERS) {
        const std::uint32_t peak = run.user_cycles > 0 ? run.users[0] : 0;
        return format("User stages: %s (peak %u users)\n", stages.c_str(), peak);
    }
    return format("Rate stages: %s (the target rate above is their mean)\n", stages.c_str());
}

double achieved_rate(const loads_stats& s, double duration_seconds, const OpenModelPlan& open) {
    const double window = open.window > 0 ? std::min(open.window, duration_seconds) : duration_seconds;
    const std::uint64_t arrivals = has_open_figures(s) ? s.arrivals : 0;
    return window > 0 ? double(arrivals) / window : 0.0;
}

std::string format_summary(const loads_stats& s, double duration_seconds, std::int64_t started_us,
                           const OpenModelPlan& open) {
    const double rps = duration_seconds > 0 ? double(s.hits) / duration_seconds : 0.0;
    std::string out;
    out += format("Duration: %.2f seconds\n", duration_seconds);
    out += format("Hits: %llu\n", static_cast<unsigned long long>(s.hits));
    out += "Started: " + utc_timestamp(started_us) + "\n";
    out += format("Approximate Average RPS: %llu\n", static_cast<unsigned long long>(rps));
    if (open.rate > 0) {
        out += open_model_lines(s, duration_seconds, open);
    }
    out += format("Average request time: %.2fs\n", average_seconds(s.latency));
    out += format("Opened web sockets: %llu\n", static_cast<unsigned long long>(s.sockets_opened));
    out += format("Bytes received via web sockets : %llu\n", static_cast<unsigned long long>(s.socket_bytes));
    out += "\n";
    out += format("Success: %llu\n", static_cast<unsigned long long>(s.successes));
    out += format("Errors: %llu\n", static_cast<unsigned long long>(s.errors));
    out += format("Failures: %llu\n", static_cast<unsigned long long>(s.failures));
    // Only external runners (--test-runner) send messages, so the line only appears for them.
    if (LOADS_HAS_FIELD(&s, loads_stats, malformed_messages) && s.malformed_messages > 0) {
        out += format("Malformed messages: %llu\n", static_cast<unsigned long long>(s.malformed_messages));
    }
    out += "\n";

    if (s.hits > 0 && s.url_count > 0) {
        if (open.rate > 0 && has_open_figures(s)) {
            // Latency runs from each iteration's scheduled arrival, service time from each send.
            out += "\nLatency percentiles: " + percentiles(s.latency) + "\n";
            out += "Service time percentiles: " + percentiles(s.service_time) + "\n";
        } else {
            out += "\nRequest time percentiles: " + percentiles(s.latency) + "\n";
        }

        std::vector<const loads_url_stats*> urls(s.urls, s.urls + s.url_count);
        std::sort(urls.begin(), urls.end(), [](const loads_url_stats* a, const loads_url_stats* b) {
            const double x = average_seconds(a->latency);
            const double y = average_seconds(b->latency);
            return x != y ? x > y : text(a->url) < text(b->url);
        });
        out += "\nSlowest URL: " + std::string(text(urls.front()->url)) +
               " \tAverage Request Time: " + py_float(average_seconds(urls.front()->latency)) + "\n";
        out += urls.size() > 10 ? "\nStats by URLs (10 slowests):\n" : "\nStats by URLs:\n";
        urls.resize(std::min<std::size_t>(urls.size(), 10));
        std::size_t width = 0;
        for (const auto* u : urls) {
            width = std::max(width, u->url.len);
        }
        for (const auto* u : urls) {
            const double rate = u->hits ? double(u->successes) / double(u->hits) : 0.0;
            out += "- " + std::string(text(u->url)) + std::string(width - u->url.len, ' ') +
                   "\tAverage request time: " + py_float(average_seconds(u->latency)) +
                   "\tHits success rate: " + py_float(rate) + "\n";
        }
    }
    if (s.counter_count > 0) {
        out += "\nCustom metrics:\n";
        for (std::size_t i = 0; i < s.counter_count; ++i) {
            out += "- " + std::string(text(s.counters[i].name)) + " : " +
                   std::to_string(s.counters[i].value) + "\n";
        }
    }
    return out;
}

std::string format_thresholds(const loads_snapshot& snapshot) {
    if (!LOADS_HAS_FIELD(&snapshot, loads_snapshot, threshold_count) || snapshot.threshold_count == 0) {
        return {};
    }
    std::size_t crossed = 0;
    std::size_t width = 0;
    for (std::size_t i = 0; i < snapshot.threshold_count; ++i) {
        crossed += snapshot.thresholds[i]->passed ? 0 : 1;
        width = std::max(width, snapshot.thresholds[i]->expression.len);
    }
    const loads_threshold& first = *snapshot.thresholds[0];
    const bool partial = LOADS_HAS_FIELD(&first, loads_threshold, partial) && first.partial != 0;
    std::string out = format("\nThresholds: %zu of %zu crossed%s\n", crossed, snapshot.threshold_count,
                             partial ? " (judged on partial figures: an agent did not finish)" : "");
    for (std::size_t i = 0; i < snapshot.threshold_count; ++i) {
        const loads_threshold& t = *snapshot.thresholds[i];
        const std::string expression = printable(text(t.expression));
        out += std::string(t.passed ? "  \u2713 " : "  \u2717 ") + expression +
               std::string(width - t.expression.len, ' ') + "  measured " +
               report_text::threshold_value(t.measured, text(t.unit)) + ", limit " + std::string(text(t.op)) +
               " " + report_text::threshold_value(t.limit, text(t.unit)) +
               (t.aborted ? " (stopped the run)" : "") + "\n";
    }
    return out;
}

std::string format_agents(const loads_snapshot& snapshot) {
    if (!LOADS_HAS_FIELD(&snapshot, loads_snapshot, agent_count) || snapshot.agent_count == 0) {
        return {};
    }
    std::vector<std::pair<std::string, std::size_t>> states;  // in order of first appearance
    for (std::size_t i = 0; i < snapshot.agent_count; ++i) {
        const std::string state = printable(text(snapshot.agents[i]->state));
        auto it = std::find_if(states.begin(), states.end(), [&](const auto& s) { return s.first == state; });
        if (it == states.end()) {
            states.emplace_back(state, 1);
        } else {
            ++it->second;
        }
    }
    std::string out = format("\nAgents: %zu (", snapshot.agent_count);
    for (std::size_t i = 0; i < states.size(); ++i) {
        out += (i ? ", " : "") + std::to_string(states[i].second) + " " + states[i].first;
    }
    out += ")\n";
    for (std::size_t i = 0; i < snapshot.agent_count; ++i) {
        const loads_agent_report& a = *snapshot.agents[i];
        if (text(a.state) == "finished") {
            continue;
        }
        out += "- " + printable(text(a.agent_id)) + " on " + printable(text(a.hostname)) + ": " +
               printable(text(a.state)) + " at " + utc_timestamp(a.changed_us).substr(0, 19) + " UTC";
        if (a.message.len > 0) {
            out += " (" + printable(text(a.message)) + ")";
        }
        out += text(a.state) == "lost" ? "; what it sent before is counted\n" : "\n";
    }
    return out;
}

std::string format_problems(const loads_stats& s, std::size_t limit) {
    // The runner lists problems most common first already.
    std::string out;
    for (std::size_t i = 0; i < s.problem_count && i < limit; ++i) {
        const loads_problem& p = *s.problems[i];
        out += format("%llu occurrences of %s: \n", static_cast<unsigned long long>(p.count),
                      p.kind == LOADS_STATUS_FAILURE ? "failure" : "error");
        out += "    " + (p.error_type.len == 0 ? std::string("error") : printable(text(p.error_type))) +
               ": " + printable(text(p.message)) + "\n";
        if (p.location.len > 0) {
            out += "    at " + printable(text(p.location)) + "\n";
        }
    }
    if (s.problem_count > limit) {
        out += format("... and %zu more distinct failures or errors\n", s.problem_count - limit);
    }
    if (s.cancelled > 0) {
        out += format(
            "%llu test(s) were cut off at the end of their cycle's grace period or by an interrupt "
            "(not counted)\n",
            static_cast<unsigned long long>(s.cancelled));
    }
    return out;
}

}  // namespace loads::outputs
