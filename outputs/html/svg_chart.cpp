#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>

#include "html_text.hpp"

namespace loads::outputs::html {
namespace {

// The drawing's own units; the viewBox scales them to the page.
constexpr double k_width = 640;
constexpr double k_height = 280;
constexpr double k_left = 60;  // room for the y tick labels
constexpr double k_right = k_width - 18;
constexpr double k_top = 34;  // room for the legend
constexpr double k_bottom = k_height - 42;
// Beyond this many points per series, markers would crowd the line: only lines are drawn.
constexpr std::size_t k_max_markers = 60;

// A round step that cuts `span` into about `parts` pieces: 1, 2 or 5 times a power of ten.
double nice_step(double span, double parts) {
    if (!(span > 0)) {
        return 1;
    }
    const double raw = span / parts;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double n = raw / magnitude;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * magnitude;
}

// The y axis: 0 to a round value at or above every value.
struct Scale {
    double top;
    double step;
    double y(double v) const { return k_bottom - v / top * (k_bottom - k_top); }
};

Scale y_scale(double max, bool whole_numbers) {
    double step = nice_step(max, 4);
    if (whole_numbers) {
        step = std::max(step, 1.0);
    }
    const double top = std::max(step, std::ceil(max / step - 1e-9) * step);
    return {top, step};
}

// The x axis: from the start to the end of the run, with ticks at steps people count in.
struct TimeAxis {
    double span;
    double step;

    explicit TimeAxis(double end) : span(end > 0 ? end : 1.0), step(0) {
        static constexpr double k_steps[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1,    2,    5,    10,    15,
                                             30,   60,   120,  300, 600, 900, 1800, 3600, 7200, 14400, 28800};
        for (const double s : k_steps) {
            if (span / s <= 7) {
                step = s;
                return;
            }
        }
        step = nice_step(span, 6);
    }

    double x(double t) const { return k_left + t / span * (k_right - k_left); }

    std::string label(double t) const {
        if (step < 1) {
            std::string text = format("%.*f", static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), t);
            text.erase(text.find_last_not_of('0') + 1);  // "0.50" → "0.5", "1.00" → "1."
            if (text.back() == '.') {
                text.pop_back();
            }
            return text + " s";
        }
        const auto s = static_cast<long long>(std::llround(t));
        if (step < 60) {
            return format("%lld s", s);
        }
        return span >= 3600 ? format("%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60)
                            : format("%lld:%02lld", s / 60, s % 60);
    }
};

std::string tick_label(double v, double step) {
    if (step >= 1) {
        return grouped(static_cast<std::uint64_t>(std::llround(v)));
    }
    const int decimals = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    return format("%.*f", decimals, v);
}

std::string value_text(double v, bool whole_numbers) {
    return whole_numbers || std::fabs(v) >= 100 ? grouped(static_cast<std::int64_t>(std::llround(v)))
           : std::fabs(v) >= 10                 ? format("%.1f", v)
                                                : format("%.2f", v);
}

std::string open_svg(const std::string& id, const std::string& title) {
    return format(R"(<svg id="%s" class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">)"
                  "<title>%s</title>\n",
                  escape(id).c_str(), k_width, k_height, escape(title).c_str(), escape(title).c_str());
}

// Horizontal grid lines with their labels, the two axes and the y axis' name.
std::string y_axis(const Scale& scale, const std::string& label) {
    std::string out = R"(<g class="grid">)";
    for (double v = 0; v <= scale.top + scale.step / 2; v += scale.step) {
        const double y = scale.y(v);
        out += format(R"(<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>)", k_left, k_right, y, y);
        out += format(R"(<text x="%.1f" y="%.1f" dy="0.32em" text-anchor="end">%s</text>)", k_left - 6, y,
                      tick_label(v, scale.step).c_str());
    }
    out += "</g>\n";
    out += format(R"(<g class="axis"><line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>)", k_left, k_left, k_top,
                  k_bottom);
    out += format(R"(<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/></g>)"
                  "\n",
                  k_left, k_right, k_bottom, k_bottom);
    out += format(
        R"~(<text class="axis-label" transform="translate(14,%.1f) rotate(-90)" text-anchor="middle">)~"
        "%s</text>\n",
        (k_top + k_bottom) / 2, escape(label).c_str());
    return out;
}

std::string x_axis_label(const std::string& label) {
    return format(R"(<text class="axis-label" x="%.1f" y="%.1f" text-anchor="middle">%s</text>)"
                  "\n",
                  (k_left + k_right) / 2, k_height - 6, escape(label).c_str());
}

std::string legend(const std::vector<Series>& series) {
    std::string out = R"(<g class="legend">)";
    double x = k_left;
    for (const Series& s : series) {
        out += format(R"(<line x1="%.1f" x2="%.1f" y1="14" y2="14" stroke="%s" stroke-width="3"%s/>)", x,
                      x + 18, escape(s.colour).c_str(), s.dashed ? R"( stroke-dasharray="5 3")" : "");
        out += format(R"(<text x="%.1f" y="14" dy="0.32em">%s</text>)", x + 23, escape(s.name).c_str());
        x += 23 + 6.5 * double(s.name.size()) + 18;  // about the width of the name at 11px
    }
    return out + "</g>\n";
}

}  // namespace

std::string render(const LineChart& chart) {
    double max = 0;
    for (const Series& s : chart.series) {
        for (const double v : s.values) {
            if (std::isfinite(v)) {
                max = std::max(max, v);
            }
        }
    }
    const Scale scale = y_scale(max, chart.whole_numbers);
    const TimeAxis time(chart.x_end > 0 ? chart.x_end : chart.x.empty() ? 0.0 : chart.x.back());

    std::string out = open_svg(chart.id, chart.title) + y_axis(scale, chart.y_label);
    out += R"(<g class="axis">)";
    for (double t = 0; t <= time.span + time.step * 1e-6; t += time.step) {
        out += format(R"(<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f"/>)", time.x(t), time.x(t), k_bottom,
                      k_bottom + 4);
        out += format(R"(<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>)", time.x(t), k_bottom + 16,
                      time.label(t).c_str());
    }
    out += "</g>\n" + x_axis_label("time since the start");

    for (const Series& s : chart.series) {
        const std::size_t n = std::min(s.values.size(), chart.x.size());
        const auto present = [&](std::size_t i) { return i < n && std::isfinite(s.values[i]); };
        const std::string colour = escape(s.colour);
        out += R"(<g class="series">)";
        // One polyline per stretch of consecutive values: a gap (NaN) breaks the line.
        for (std::size_t i = 0; i < n;) {
            if (!present(i)) {
                ++i;
                continue;
            }
            std::size_t end = i;
            std::string points;
            for (; present(end); ++end) {
                points += format("%s%.1f,%.1f", points.empty() ? "" : " ", time.x(chart.x[end]),
                                 scale.y(s.values[end]));
            }
            if (end - i >= 2) {
                out += format(R"(<polyline class="data" stroke="%s"%s points="%s"/>)", colour.c_str(),
                              s.dashed ? R"( stroke-dasharray="6 4")" : "", points.c_str());
            }
            for (std::size_t j = i; j < end && (n <= k_max_markers || end - i == 1); ++j) {
                out += format(R"(<circle class="data" r="3" fill="%s" cx="%.1f" cy="%.1f"><title>)"
                              "%s at %s: %s %s</title></circle>",
                              colour.c_str(), time.x(chart.x[j]), scale.y(s.values[j]),
                              escape(s.name).c_str(), time.label(chart.x[j]).c_str(),
                              value_text(s.values[j], chart.whole_numbers).c_str(),
                              escape(chart.y_label).c_str());
            }
            i = end;
        }
        out += "</g>\n";
    }
    return out + legend(chart.series) + "</svg>\n";
}

std::string render(const BarChart& chart) {
    double max = 0;
    for (const Bar& b : chart.bars) {
        max = std::max(max, b.value);
    }
    const Scale scale = y_scale(max, true);
    std::string out =
        open_svg(chart.id, chart.title) + y_axis(scale, chart.y_label) + x_axis_label(chart.x_label);
    if (chart.bars.empty()) {
        return out +
               format(R"(<text class="empty" x="%.1f" y="%.1f" text-anchor="middle">nothing to show</text>)",
                      (k_left + k_right) / 2, (k_top + k_bottom) / 2) +
               "</svg>\n";
    }
    const double slot = (k_right - k_left) / double(chart.bars.size());
    const double width = std::min(slot * 0.6, 56.0);
    for (std::size_t i = 0; i < chart.bars.size(); ++i) {
        const Bar& b = chart.bars[i];
        const double centre = k_left + slot * (double(i) + 0.5);
        // At least a pixel high: a single 500 among a million 200s must still be seen.
        const double top = std::min(scale.y(b.value), b.value > 0 ? k_bottom - 1 : k_bottom);
        const std::string value = value_text(b.value, true);
        out += format(R"(<rect class="data" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s">)"
                      "<title>%s: %s</title></rect>",
                      centre - width / 2, top, width, k_bottom - top, escape(b.colour).c_str(),
                      escape(b.label).c_str(), value.c_str());
        out += format(R"(<text class="bar-value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>)", centre,
                      top - 5, value.c_str());
        out += format(R"(<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>)"
                      "\n",
                      centre, k_bottom + 16, escape(b.label).c_str());
    }
    return out + "</svg>\n";
}

}  // namespace loads::outputs::html
