#include "results/threshold.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "base/blank_trim.hpp"
#include "base/usage_error.hpp"

namespace loads::host {
namespace {

[[noreturn]] void refuse(std::string_view expression, const std::string& why) {
    throw UsageError("--threshold '" + std::string(expression) + "': " + why);
}

bool is_identifier(std::string_view s) {
    if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s.front())) || s.front() == '_')) {
        return false;
    }
    for (char c : s) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
            return false;
        }
    }
    return true;
}

bool is_latency(Threshold::Metric m) {
    return m == Threshold::Metric::percentile || m == Threshold::Metric::max || m == Threshold::Metric::avg;
}

// The metric's name: sets metric, percentile, counter. @return false when it is none.
bool read_metric(std::string_view name, Threshold& t) {
    using M = Threshold::Metric;
    static constexpr std::pair<std::string_view, M> k_names[] = {
        {"max", M::max}, {"avg", M::avg},         {"errors", M::errors}, {"failures", M::failures},
        {"rps", M::rps}, {"dropped", M::dropped}, {"hits", M::hits}};
    for (const auto& [text, metric] : k_names) {
        if (name == text) {
            t.metric = metric;
            return true;
        }
    }
    if (name.starts_with("counter.")) {
        t.metric = M::counter;
        t.counter = std::string(name.substr(8));
        return !t.counter.empty();
    }
    if (name.size() > 1 && name.front() == 'p') {
        double p = 0;
        const auto digits = name.substr(1);
        const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
        if (ec == std::errc{} && ptr == digits.data() + digits.size() && p > 0 && p <= 100) {
            t.metric = M::percentile;
            t.percentile = p;
            return true;
        }
    }
    return false;
}

// The comparison at the start of `rest`: sets op, consumes it. @return false when there is none.
bool read_op(std::string_view& rest, Threshold& t) {
    using O = Threshold::Op;
    static constexpr std::pair<std::string_view, O> k_ops[] = {
        {"<=", O::less_equal}, {">=", O::greater_equal}, {"==", O::equal}, {"<", O::less}, {">", O::greater}};
    for (const auto& [text, op] : k_ops) {
        if (rest.starts_with(text)) {
            t.op = op;
            rest.remove_prefix(text.size());
            return true;
        }
    }
    return false;
}

// The number and its unit, checked against the metric.
void read_limit(std::string_view expression, std::string_view rest, Threshold& t) {
    rest = trim_blanks(rest);
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), t.limit);
    if (ec != std::errc{} || ptr == rest.data() || !std::isfinite(t.limit)) {
        refuse(expression,
               "expected a number after '" + std::string(t.op_text()) + "', got '" + std::string(rest) + "'");
    }
    t.unit = std::string(trim_blanks(rest.substr(static_cast<std::size_t>(ptr - rest.data()))));
    if (is_latency(t.metric)) {
        if (t.unit != "ms" && t.unit != "s" && t.unit != "us") {
            refuse(expression, t.metric_name + " is a time: give its unit, ms, s or us (e.g. " +
                                   t.metric_name + "<200ms)" +
                                   (t.unit.empty() ? "" : ", not '" + t.unit + "'"));
        }
    } else if (t.metric == Threshold::Metric::errors || t.metric == Threshold::Metric::failures) {
        if (!t.unit.empty() && t.unit != "%") {
            refuse(expression,
                   t.metric_name + " is a count, or a share of the tests with %, not '" + t.unit + "'");
        }
    } else if (!t.unit.empty() && !(t.metric == Threshold::Metric::rps && t.unit == "/s")) {
        refuse(expression, t.metric_name + " takes a plain number, not '" + t.unit + "'");
    }
    if (t.limit < 0) {
        refuse(expression, "the limit must not be negative");
    }
}

double micros_in(std::string_view unit) {
    return unit == "s" ? 1e6 : unit == "ms" ? 1e3 : 1.0;
}

double latency_value(const Threshold& t, const LatencyHistogram& h) {
    double micros = 0;
    if (t.metric == Threshold::Metric::max) {
        micros = double(h.max());
    } else if (t.metric == Threshold::Metric::avg) {
        micros = h.mean();
    } else {
        micros = double(h.value_at_percentile(t.percentile));
    }
    return micros / micros_in(t.unit);
}

}  // namespace

std::string_view Threshold::op_text() const noexcept {
    switch (op) {
        case Op::less:
            return "<";
        case Op::less_equal:
            return "<=";
        case Op::greater:
            return ">";
        case Op::greater_equal:
            return ">=";
        case Op::equal:
            return "==";
    }
    return "?";
}

Threshold parse_threshold(std::string_view given) {
    const std::string_view expression = trim_blanks(given);
    Threshold t;
    t.expression = std::string(expression);
    std::string_view rest = expression;
    if (rest.ends_with('!')) {
        t.abort = true;
        rest = trim_blanks(rest.substr(0, rest.size() - 1));
    }
    const std::size_t op_at = rest.find_first_of("<>=");
    if (op_at == std::string_view::npos) {
        refuse(expression, "no comparison: expected METRIC OP LIMIT such as p99<200ms, errors<1%, rps>=900");
    }
    std::string_view name = trim_blanks(rest.substr(0, op_at));
    if (const auto colon = name.find(':'); colon != std::string_view::npos) {
        t.scope = std::string(trim_blanks(name.substr(0, colon)));
        name = trim_blanks(name.substr(colon + 1));
        if (!is_identifier(t.scope)) {
            refuse(expression,
                   "'" + t.scope + "' is not a test name (before ':' comes the test it is scoped to)");
        }
    }
    t.metric_name = std::string(name);
    if (!read_metric(name, t)) {
        refuse(expression,
               "unknown metric '" + t.metric_name +
                   "': expected p50, p90, p95, p99, p99.9 (any pN), max, avg, errors, failures, rps, "
                   "dropped, hits or counter.NAME");
    }
    rest = rest.substr(op_at);
    if (!read_op(rest, t)) {
        refuse(expression, "unknown comparison: expected <, <=, >, >= or ==");
    }
    read_limit(expression, rest, t);
    return t;
}

ThresholdResult judge(const Threshold& t, const RunStats& s, double seconds) {
    constexpr double none = std::numeric_limits<double>::quiet_NaN();
    using M = Threshold::Metric;
    double measured = none;
    switch (t.metric) {
        case M::percentile:
        case M::max:
        case M::avg:
            measured = s.hits() > 0 ? latency_value(t, s.latency()) : none;
            break;
        case M::errors:
        case M::failures: {
            const double count = double(s.failures() + (t.metric == M::errors ? s.errors() : 0));
            if (t.unit == "%") {
                measured = s.tests_finished() > 0 ? 100.0 * count / double(s.tests_finished()) : none;
            } else {
                measured = count;
            }
            break;
        }
        case M::rps:
            measured = seconds > 0 ? double(s.hits()) / seconds : none;
            break;
        case M::dropped:
            measured = double(s.dropped_arrivals());
            break;
        case M::hits:
            measured = double(s.hits());
            break;
        case M::counter: {
            const auto it = s.counters().find(t.counter);
            measured = it == s.counters().end() ? 0.0 : double(it->second);
            break;
        }
    }
    ThresholdResult r;
    r.measured = measured;
    if (std::isnan(measured)) {
        return r;
    }
    switch (t.op) {
        case Threshold::Op::less:
            r.passed = measured < t.limit;
            break;
        case Threshold::Op::less_equal:
            r.passed = measured <= t.limit;
            break;
        case Threshold::Op::greater:
            r.passed = measured > t.limit;
            break;
        case Threshold::Op::greater_equal:
            r.passed = measured >= t.limit;
            break;
        case Threshold::Op::equal:
            r.passed = measured == t.limit;
            break;
    }
    return r;
}

}  // namespace loads::host
