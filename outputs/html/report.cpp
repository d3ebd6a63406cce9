#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include <loads/output.hpp>
#include <loads/report_text.hpp>

#include "html_text.hpp"
#include "svg_chart.hpp"

namespace loads::outputs::html {
namespace {

// Past this many, the table would bury the rest of the page; a note counts what was left out.
constexpr std::size_t k_max_problems = 100;

constexpr const char* k_blue = "#2f6fb3";
constexpr const char* k_green = "#3a9a5b";
constexpr const char* k_orange = "#e08a1e";
constexpr const char* k_red = "#c8372d";
constexpr const char* k_purple = "#7b4fb0";
constexpr const char* k_grey = "#7b8794";

constexpr std::string_view k_style = R"(
:root { --fg: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f3f5f8; --card: #fff; --bad: #c8372d; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px; }
header .kicker { margin: 0; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; font-size: 12px; }
h1 { margin: 2px 0 6px; font-size: 24px; overflow-wrap: anywhere; }
h2 { margin: 0 0 12px; font-size: 16px; }
.meta { margin: 0; color: var(--muted); }
.meta b { color: var(--fg); font-weight: 600; }
.badge { display: inline-block; margin-top: 8px; padding: 2px 10px; border-radius: 10px;
         background: #fde8e6; color: var(--bad); font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(135px, 1fr)); gap: 12px; margin: 16px 0; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.tile .value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tile.bad .value, td.bad { color: var(--bad); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 20px 28px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { display: block; width: 100%; height: auto; }
svg text { font-size: 11px; fill: var(--muted); }
svg .axis-label { font-size: 12px; fill: var(--fg); }
svg .grid line { stroke: var(--line); }
svg .axis line { stroke: #9aa5b1; }
svg polyline.data { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
svg circle.data:hover, svg rect.data:hover { opacity: .75; }
.note { color: var(--muted); font-size: 12px; margin: 12px 0 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
.text { text-align: left; overflow-wrap: anywhere; }
td.message { white-space: pre-wrap; }
tbody tr:hover td { background: #f8f9fb; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.empty { color: var(--muted); font-style: italic; margin: 0; }
.status { display: inline-block; padding: 0 6px; border-radius: 4px; color: #fff; font-size: 12px; font-weight: 600; }
.s1 { background: #7b8794; } .s2 { background: #3a9a5b; } .s3 { background: #2f6fb3; }
.s4 { background: #e08a1e; } .s5 { background: #c8372d; }
.statuses { white-space: nowrap; }
footer { color: var(--muted); font-size: 12px; text-align: center; margin: 24px 0 8px; }
)";

double mean_us(const loads_latency& l) {
    return l.count > 0 ? double(l.sum_us) / double(l.count) : 0.0;
}

std::string status_colour(int status) {
    return status >= 500   ? k_red
           : status >= 400 ? k_orange
           : status >= 300 ? k_blue
           : status >= 200 ? k_green
                           : k_grey;
}

std::string status_badge(int status) {
    return format(R"(<span class="status s%d">%d</span>)", std::clamp(status / 100, 1, 5), status);
}

// A table cell of ready HTML; `cls` is its CSS class ("text" aligns it left, "bad" reddens it).
std::string td(const std::string& html, std::string_view cls = {}) {
    return (cls.empty() ? std::string("<td>") : "<td class=\"" + std::string(cls) + "\">") + html + "</td>";
}

std::string code(std::string_view s) {
    return "<code>" + escape(s) + "</code>";
}

std::string tile(std::string_view label, const std::string& value, bool bad = false) {
    return format(R"(<div class="tile%s"><div class="label">%s</div><div class="value">%s</div></div>)"
                  "\n",
                  bad ? " bad" : "", escape(label).c_str(), value.c_str());
}

std::string cycle_text(const std::vector<std::uint32_t>& cycle) {
    std::string out;
    for (const auto v : cycle) {
        out += (out.empty() ? "" : ":") + std::to_string(v);
    }
    return out;
}

std::string header(const RunDescription& run, const loads_snapshot& s) {
    std::string out = "<header>\n<p class=\"kicker\">loads report</p>\n<h1>" + escape(run.fqn) + "</h1>\n";
    out += "<p class=\"meta\">Started <b>" + utc_time(run.started_us) + "</b> · ran <b>" +
           duration(s.elapsed) + "</b> · users <b>" + cycle_text(run.users) + "</b>";
    if (run.rate > 0) {
        out += format(" (up to <b>%u</b>) · open model, <b>%g</b> arrivals/s", run.max_users, run.rate);
        out += run.hits.empty() ? "" : ", <b>" + cycle_text(run.hits) + "</b> arrivals";
        out += run.duration > 0 ? ", for <b>" + duration(run.duration) + "</b>" : "";
    } else if (!run.hits.empty()) {
        out += ", hits <b>" + cycle_text(run.hits) + "</b>";
    } else if (run.duration > 0) {
        out += ", <b>" + duration(run.duration) + "</b> per cycle";
    }
    if (!run.stages.empty()) {
        out += std::string(" · ") + (run.stage_kind == LOADS_STAGES_USERS ? "user" : "rate") + " stages <b>" +
               escape(run.stages) + "</b>";
    }
    if (!run.server_url.empty()) {
        out += " · server <b>" + escape(run.server_url) + "</b>";
    }
    out += "</p>\n";
    if (s.interrupted != 0) {
        out += "<div class=\"badge\">Interrupted before the plan was done</div>\n";
    }
    return out + "</header>\n";
}

// An open-model run's arrivals: achieved beside the target, and those dropped.
std::string arrival_tiles(const RunDescription& run, const loads_stats& t, double elapsed) {
    if (run.rate <= 0 || !LOADS_HAS_FIELD(&t, loads_stats, service_time)) {
        return {};
    }
    const double window = run.duration > 0 ? std::min(run.duration, elapsed) : elapsed;
    const double achieved = window > 0 ? double(t.arrivals) / window : 0.0;
    std::string out = tile("Arrivals/s", format("%.1f of %g", achieved, run.rate));
    out += tile("Arrivals", grouped(t.arrivals));
    return out + tile("Dropped arrivals", grouped(t.dropped_arrivals), t.dropped_arrivals > 0);
}

std::string latency_tiles(const loads_latency& l, std::string_view mean_label) {
    const auto ms = [&](auto us) { return l.count > 0 ? millis(us) : std::string("–"); };
    std::string out = tile(mean_label, ms(mean_us(l)));
    out += tile("p50", ms(l.p50_us));
    out += tile("p90", ms(l.p90_us));
    out += tile("p95", ms(l.p95_us));
    out += tile("p99", ms(l.p99_us));
    out += tile("p99.9", ms(l.p999_us));
    return out + tile("Max", ms(l.max_us));
}

std::string totals(const RunDescription& run, const loads_stats& t, double elapsed) {
    std::string out = "<div class=\"tiles\">\n";
    out += tile("Hits", grouped(t.hits));
    const double rps = elapsed > 0 ? double(t.hits) / elapsed : 0.0;
    out += tile("Requests/s",
                rps >= 100 ? grouped(static_cast<std::uint64_t>(std::llround(rps))) : format("%.1f", rps));
    out += tile("Tests", grouped(t.tests_finished));
    out += tile("Successes", grouped(t.successes));
    out += tile("Failures", grouped(t.failures), t.failures > 0);
    out += tile("Errors", grouped(t.errors), t.errors > 0);
    if (t.cancelled > 0) {
        out += tile("Cancelled", grouped(t.cancelled));
    }
    out += tile("Web sockets", grouped(t.sockets_opened));
    if (LOADS_HAS_FIELD(&t, loads_stats, malformed_messages) && t.malformed_messages > 0) {
        out += tile("Malformed messages", grouped(t.malformed_messages), true);
    }
    if (t.socket_bytes > 0) {
        out += tile("Socket bytes", grouped(t.socket_bytes));
    }
    out += arrival_tiles(run, t, elapsed);
    out += "</div>\n<div class=\"tiles\">\n";
    if (run.rate > 0 && LOADS_HAS_FIELD(&t, loads_stats, service_time)) {
        // Corrected latency (from each scheduled arrival), then the service time (from each send).
        out += latency_tiles(t.latency, "Mean latency (corrected)");
        out += "</div>\n<div class=\"tiles\">\n";
        return out + latency_tiles(t.service_time, "Mean service time") + "</div>\n";
    }
    return out + latency_tiles(t.latency, "Mean latency") + "</div>\n";
}

std::string figure(std::string_view caption, const std::string& svg) {
    return "<figure><figcaption>" + escape(caption) + "</figcaption>\n" + svg + "</figure>\n";
}

std::string charts(const RunDescription& run, const Timeline& timeline, const loads_stats& t) {
    const double none = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> x;
    Series rps{"requests/s", k_blue, {}};
    Series tests{"tests/s", k_green, {}, true};  // often equal to requests/s: dashed, both show
    Series p50{"p50", k_blue, {}};
    Series p90{"p90", k_orange, {}};
    Series p99{"p99", k_red, {}};
    Series problems{"failures + errors", k_red, {}};
    Series bad{"responses ≥ 400", k_purple, {}, true};
    Series users{"users", k_blue, {}};
    Series target{"target", k_orange, {}, true};  // users or arrivals per second, as the run asks
    Series arrivals{"arrivals/s achieved", k_blue, {}};
    for (const TimelinePoint& p : timeline.points()) {
        // A rate or a percentile belongs to the whole interval: drawn in its middle.
        x.push_back((p.start + p.end) / 2);
        rps.values.push_back(p.rate(p.hits));
        tests.values.push_back(p.rate(p.tests));
        // An interval without hits has no latency: a gap, not a misleading zero.
        const bool measured = p.latency_count > 0;
        p50.values.push_back(measured ? double(p.p50_us) / 1000.0 : none);
        p90.values.push_back(measured ? double(p.p90_us) / 1000.0 : none);
        p99.values.push_back(measured ? double(p.p99_us) / 1000.0 : none);
        problems.values.push_back(double(p.failures + p.errors));
        bad.values.push_back(double(p.bad_responses));
        users.values.push_back(double(p.users));
        target.values.push_back(p.target);
        arrivals.values.push_back(p.rate(p.arrivals));
    }
    BarChart statuses{"chart-statuses", "Responses by HTTP status", "HTTP status", "responses", {}};
    for (std::size_t i = 0; i < t.status_count; ++i) {
        const loads_status_count& c = t.statuses[i];
        statuses.bars.push_back({std::to_string(c.status), double(c.count), status_colour(c.status)});
    }

    const double end = timeline.points().empty() ? 0.0 : timeline.points().back().end;
    const auto line_chart = [&](const char* id, const char* title, const char* y_label, bool whole_numbers,
                                std::vector<Series> series) {
        return render(LineChart{.id = id,
                                .title = title,
                                .y_label = y_label,
                                .whole_numbers = whole_numbers,
                                .x = x,
                                .x_end = end,
                                .series = std::move(series)});
    };
    std::string out = "<section>\n<h2>Over time</h2>\n<div class=\"charts\">\n";
    out += figure("Throughput", line_chart("chart-rps", "Requests and tests per second over time",
                                           "per second", false, {rps, tests}));
    out += figure("Latency percentiles",
                  line_chart("chart-latency", "Latency percentiles over time", "ms", false, {p50, p90, p99}));
    out += figure("Failures and errors", line_chart("chart-errors", "Failures and errors over time",
                                                    "per interval", true, {problems, bad}));
    out += figure("HTTP statuses", render(statuses));
    if (run.stage_kind == LOADS_STAGES_USERS) {
        out += figure("Virtual users: target and running",
                      line_chart("chart-users", "Virtual users over time", "users", true, {target, users}));
    } else if (run.users.size() > 1) {
        out += figure("Virtual users",
                      line_chart("chart-users", "Virtual users over time", "users", true, {users}));
    }
    if (run.rate > 0) {
        out += figure("Arrival rate: target and achieved",
                      line_chart("chart-arrivals", "Arrivals per second over time", "per second", false,
                                 {target, arrivals}));
    }
    return out +
           "</div>\n<p class=\"note\">One point per interval of about a second, in its middle. Hover a point "
           "or "
           "a bar for its value.</p>\n</section>\n";
}

std::string url_table(const loads_stats& t) {
    std::string out = "<section>\n<h2>By URL</h2>\n";
    if (t.url_count == 0) {
        return out + "<p class=\"empty\">No HTTP requests were made.</p>\n</section>\n";
    }
    std::vector<const loads_url_stats*> urls(t.urls, t.urls + t.url_count);
    // Most hit first; the runner's order (by URL) breaks ties.
    std::stable_sort(urls.begin(), urls.end(),
                     [](const loads_url_stats* a, const loads_url_stats* b) { return a->hits > b->hits; });
    out += R"(<div class="scroll"><table>
<thead><tr><th class="text">URL</th><th>Hits</th><th>Success</th><th>Mean</th><th>p50</th><th>p90</th><th>p99</th><th>Max</th><th class="text">Statuses</th></tr></thead>
<tbody>
)";
    for (const loads_url_stats* u : urls) {
        const loads_latency& l = u->latency;
        std::string statuses;
        for (std::size_t i = 0; i < u->status_count; ++i) {
            statuses += (i > 0 ? "<br>" : "") + status_badge(u->statuses[i].status) + " × " +
                        grouped(u->statuses[i].count);
        }
        out += "<tr>" + td(code(loads::text(u->url)), "text") + td(grouped(u->hits)) +
               td(percent(u->successes, u->hits), u->successes < u->hits ? "bad" : "") +
               td(millis(mean_us(l))) + td(millis(l.p50_us)) + td(millis(l.p90_us)) + td(millis(l.p99_us)) +
               td(millis(l.max_us)) + td(statuses, "text statuses") + "</tr>\n";
    }
    return out + "</tbody></table></div>\n</section>\n";
}

std::string problems_table(const loads_stats& t) {
    std::string out = "<section>\n<h2>Failures and errors</h2>\n";
    if (t.problem_count == 0) {
        out += "<p class=\"empty\">None: every test that ended passed.</p>\n";
    } else {
        out += R"(<div class="scroll"><table>
<thead><tr><th>Count</th><th class="text">Kind</th><th class="text">Type</th><th class="text">Message</th><th class="text">Location</th></tr></thead>
<tbody>
)";
        // The runner lists them most common first.
        for (std::size_t i = 0; i < t.problem_count && i < k_max_problems; ++i) {
            const loads_problem& p = *t.problems[i];
            out += "<tr>" + td(grouped(p.count)) +
                   td(p.kind == LOADS_STATUS_FAILURE ? "failure" : "error", "text") +
                   td(code(loads::text(p.error_type)), "text") +
                   td(escape(loads::text(p.message)), "text message") +
                   td(code(loads::text(p.location)), "text") + "</tr>\n";
        }
        out += "</tbody></table></div>\n";
        if (t.problem_count > k_max_problems) {
            out += "<p class=\"note\">… and " + grouped(std::uint64_t{t.problem_count - k_max_problems}) +
                   " more distinct failures or errors.</p>\n";
        }
    }
    if (t.cancelled > 0) {
        out += "<p class=\"note\">" + grouped(t.cancelled) +
               " test(s) were cut off at the end of their cycle's grace period or by an interrupt (not "
               "counted).</p>\n";
    }
    return out + "</section>\n";
}

// The run's thresholds, crossed ones in the bad colour (nothing without any).
std::string thresholds_table(const loads_snapshot& s) {
    if (!LOADS_HAS_FIELD(&s, loads_snapshot, threshold_count) || s.threshold_count == 0) {
        return {};
    }
    std::string out = "<section>\n<h2>Thresholds</h2>\n";
    out +=
        R"(<table><thead><tr><th class="text">Threshold</th><th class="text">Verdict</th><th>Measured</th>)"
        R"(<th>Limit</th></tr></thead><tbody>)"
        "\n";
    for (std::size_t i = 0; i < s.threshold_count; ++i) {
        const loads_threshold& t = *s.thresholds[i];
        const std::string verdict =
            std::string(t.passed ? "\u2713 passed" : "\u2717 crossed") +
            (t.aborted ? " (stopped the run)" : "") +
            (LOADS_HAS_FIELD(&t, loads_threshold, partial) && t.partial ? " (on partial figures)" : "");
        out += "<tr>" + td(code(loads::text(t.expression)), "text") +
               td(escape(verdict), t.passed ? "text" : "text bad") +
               td(escape(loads::report_text::threshold_value(t.measured, loads::text(t.unit))),
                  t.passed ? "" : "bad") +
               td(escape(std::string(loads::text(t.op)) + " " +
                         loads::report_text::threshold_value(t.limit, loads::text(t.unit)))) +
               "</tr>\n";
    }
    return out + "</tbody></table>\n</section>\n";
}

std::string counters_table(const loads_stats& t) {
    std::string out = "<section>\n<h2>Custom counters</h2>\n";
    if (t.counter_count == 0) {
        return out + "<p class=\"empty\">The test counted nothing of its own.</p>\n</section>\n";
    }
    out += R"(<table><thead><tr><th class="text">Counter</th><th>Value</th></tr></thead><tbody>)"
           "\n";
    for (std::size_t i = 0; i < t.counter_count; ++i) {
        out += "<tr>" + td(code(loads::text(t.counters[i].name)), "text") +
               td(grouped(std::int64_t{t.counters[i].value})) + "</tr>\n";
    }
    return out + "</tbody></table>\n</section>\n";
}

std::string options_table(const RunDescription& run) {
    std::string out = "<section>\n<h2>Options of the run</h2>\n";
    out += R"(<table><thead><tr><th class="text">Option</th><th class="text">Value</th></tr></thead><tbody>)"
           "\n";
    for (const auto& [name, value] : run.options) {
        out += "<tr>" + td(code("--" + name), "text") +
               td(value.empty() ? R"(<span class="empty">not set</span>)" : code(value), "text") + "</tr>\n";
    }
    return out + "</tbody></table>\n</section>\n";
}

}  // namespace

std::string render_report(const RunDescription& run, const Timeline& timeline, const loads_snapshot& final) {
    const loads_stats& t = *final.total;
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>loads report: " +
        escape(run.fqn) + "</title>\n<style>" + std::string(k_style) + "</style>\n</head>\n<body>\n<main>\n";
    out += header(run, final);
    out += totals(run, t, final.elapsed);
    out += thresholds_table(final);
    out += charts(run, timeline, t);
    out += url_table(t);
    out += problems_table(t);
    out += counters_table(t);
    out += options_table(run);
    out += "<footer>Made by loads " + escape(run.version) +
           (run.node.empty() ? "" : " on " + escape(run.node)) +
           " · a single file: nothing is fetched to show it</footer>\n</main>\n</body>\n</html>\n";
    return out;
}

}  // namespace loads::outputs::html
