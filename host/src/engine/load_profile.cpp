#include "engine/load_profile.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <charconv>
#include <cmath>

#include <loads/report_text.hpp>

#include "base/blank_trim.hpp"
#include "base/usage_error.hpp"

namespace loads::host {

LoadProfile::LoadProfile(std::vector<Stage> stages) : m_stages(std::move(stages)) {
    assert(!m_stages.empty());
    m_starts.reserve(m_stages.size() + 1);
    m_arrivals.reserve(m_stages.size() + 1);
    double t = 0;
    double arrivals = 0;
    for (std::size_t i = 0; i < m_stages.size(); ++i) {
        m_starts.push_back(t);
        m_arrivals.push_back(arrivals);
        // A linear ramp's integral is its duration times the mean of its two ends.
        arrivals += m_stages[i].seconds * (start_level(i) + m_stages[i].target) / 2;
        t += m_stages[i].seconds;
    }
    m_starts.push_back(t);
    m_arrivals.push_back(arrivals);
    assert(t > 0);
}

double LoadProfile::peak() const noexcept {
    double peak = 0;
    for (const Stage& s : m_stages) {
        peak = std::max(peak, s.target);
    }
    return peak;
}

double LoadProfile::level_in(std::size_t i, double s) const noexcept {
    const Stage& stage = m_stages[i];
    if (!(stage.seconds > 0)) {
        return stage.target;
    }
    const double l0 = start_level(i);
    return l0 + (stage.target - l0) * std::clamp(s / stage.seconds, 0.0, 1.0);
}

std::size_t LoadProfile::stage_at(double t) const noexcept {
    // The last stage starting at or before `t`: steps (stages of 0 s) before it are over.
    const auto after = std::upper_bound(m_starts.begin(), m_starts.end() - 1, t);
    if (after == m_starts.begin()) {
        return 0;
    }
    return static_cast<std::size_t>(after - m_starts.begin()) - 1;
}

double LoadProfile::level_at(double t) const noexcept {
    if (t < 0) {
        return 0;
    }
    if (t >= length()) {
        return m_stages.back().target;
    }
    const std::size_t i = stage_at(t);
    return level_in(i, t - m_starts[i]);
}

std::optional<double> LoadProfile::first_time_at_least(double level, double from) const noexcept {
    from = std::max(from, 0.0);
    if (from >= length()) {
        return std::nullopt;
    }
    if (level_at(from) >= level) {
        return from;
    }
    for (std::size_t i = stage_at(from); i < m_stages.size(); ++i) {
        const double l0 = start_level(i);
        const double l1 = m_stages[i].target;
        if (l1 < level || l1 <= l0) {
            continue;  // this stage never reaches it (or only falls)
        }
        const double t =
            m_starts[i] + (m_stages[i].seconds > 0 ? (level - l0) / (l1 - l0) * m_stages[i].seconds : 0);
        const double at = std::max(t, from);
        return at < length() ? std::optional<double>(at) : std::nullopt;
    }
    return std::nullopt;
}

double LoadProfile::arrivals_by(double t) const noexcept {
    t = std::clamp(t, 0.0, length());
    const std::size_t i = stage_at(t);
    const double s = t - m_starts[i];
    return m_arrivals[i] + s * (start_level(i) + level_in(i, s)) / 2;
}

std::optional<double> LoadProfile::time_of_arrival(double count) const noexcept {
    if (!(count < m_arrivals.back())) {
        return std::nullopt;
    }
    // The stage in which the count is passed: it has arrivals, so the equation below has a root.
    const auto after = std::upper_bound(m_arrivals.begin(), m_arrivals.end(), count);
    const auto i = static_cast<std::size_t>(after - m_arrivals.begin()) - 1;
    const double delta = count - m_arrivals[i];
    if (delta <= 0) {
        return m_starts[i];
    }
    // arrivals s seconds into the stage: l0·s + (l1 − l0)/(2d)·s². The root is taken in the form
    // that stays exact when the ramp is flat (a → 0) or starts from nothing (l0 = 0).
    const double l0 = start_level(i);
    const double d = m_stages[i].seconds;
    const double a = (m_stages[i].target - l0) / (2 * d);
    const double root = std::sqrt(std::max(0.0, l0 * l0 + 4 * a * delta));
    const double s = 2 * delta / (l0 + root);
    return m_starts[i] + std::min(s, d);
}

namespace {

[[noreturn]] void bad_stage(std::string_view option, std::size_t index, std::string_view stage,
                            const std::string& why) {
    throw UsageError(std::string(option) + ": stage " + std::to_string(index + 1) + " '" +
                     std::string(stage) + "': " + why);
}

// "1m30s", "500ms", "2h", "0.5s": groups of a number and a unit, added up.
std::optional<double> parse_duration(std::string_view text, std::string& why) {
    double total = 0;
    std::string_view rest = text;
    if (rest.empty()) {
        why = "the duration is missing";
        return std::nullopt;
    }
    while (!rest.empty()) {
        double number = 0;
        const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
        if (ec != std::errc() || !(number >= 0)) {
            why = "'" + std::string(text) +
                  "' is not a duration (a number and a unit: 500ms, 30s, 2m, 1h or 1m30s)";
            return std::nullopt;
        }
        rest.remove_prefix(static_cast<std::size_t>(end - rest.data()));
        std::size_t unit_length = 0;
        while (unit_length < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_length]))) {
            ++unit_length;
        }
        const std::string_view unit = rest.substr(0, unit_length);
        const double scale = unit == "ms"  ? 1e-3
                             : unit == "s" ? 1
                             : unit == "m" ? 60
                             : unit == "h" ? 3600
                                           : 0;
        if (scale == 0) {
            why = unit.empty() ? "'" + std::string(text) + "' needs a unit (500ms, 30s, 2m, 1h)"
                               : "'" + std::string(unit) + "' in '" + std::string(text) +
                                     "' is not a unit of time (ms, s, m, h)";
            return std::nullopt;
        }
        total += number * scale;
        rest.remove_prefix(unit_length);
    }
    if (total > 1e7) {
        why = "'" + std::string(text) + "' is longer than 10000000 s";
        return std::nullopt;
    }
    return total;
}

std::optional<double> parse_target(std::string_view text, StageTarget kind, std::string& why) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    const bool whole = kind == StageTarget::rate || value == std::floor(value);
    const double limit = kind == StageTarget::users ? 1'000'000 : 10'000'000;
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !(value >= 0) || !whole ||
        value > limit) {
        why = kind == StageTarget::users
                  ? "the target '" + std::string(text) + "' must be a whole number of users from 0 to 1000000"
                  : "the target '" + std::string(text) +
                        "' must be a number of arrivals per second from 0 to 10000000 (e.g. 200 or 0.5)";
        return std::nullopt;
    }
    return value;
}

// Stages that would run nothing are refused: they last under a millisecond (the run's clock), or no
// user is asked for over any stretch of time, or no arrival falls due.
void check_something_runs(const std::vector<Stage>& stages, StageTarget kind, std::string_view text,
                          std::string_view option) {
    double length = 0;
    double peak = 0;
    bool holds_a_user = false;
    double level = 0;
    for (const Stage& s : stages) {
        length += s.seconds;
        peak = std::max(peak, s.target);
        // A user runs while the level is at least 1: over a stretch of this stage if either end is
        // above 1, or both are at it.
        holds_a_user = holds_a_user ||
                       (s.seconds > 0 && (std::max(level, s.target) > 1 || std::min(level, s.target) >= 1));
        level = s.target;
    }
    const std::string quoted = "'" + std::string(text) + "'";
    if (!(length >= 1e-3)) {
        throw UsageError(std::string(option) + ": the stages " + quoted + " last less than 1 ms");
    }
    if (!(peak > 0)) {
        throw UsageError(std::string(option) + ": every target of " + quoted + " is 0: nothing would run");
    }
    if (kind == StageTarget::users && !holds_a_user) {
        throw UsageError(std::string(option) + ": the stages " + quoted +
                         " never ask for a user over any time: nothing would run");
    }
    if (kind == StageTarget::rate && !(LoadProfile(stages).arrivals_by(length) > 0.5)) {
        throw UsageError(std::string(option) + ": the stages " + quoted +
                         " schedule no arrival: nothing would run");
    }
}

}  // namespace

std::vector<Stage> parse_stages(std::string_view text, StageTarget kind, std::string_view option) {
    constexpr std::size_t k_max_stages = 1000;
    std::vector<Stage> stages;
    std::string_view rest = text;
    for (std::size_t index = 0; !rest.empty() || index == 0; ++index) {
        const std::size_t comma = rest.find(',');
        const std::string_view stage = trim_blanks(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (index >= k_max_stages) {
            throw UsageError(std::string(option) + ": at most " + std::to_string(k_max_stages) + " stages");
        }
        const std::size_t colon = stage.find(':');
        if (colon == std::string_view::npos) {
            bad_stage(option, index, stage,
                      "a stage is DURATION:TARGET, e.g. " +
                          std::string(kind == StageTarget::users ? "30s:100 (ramp to 100 users in 30 s)"
                                                                 : "30s:200 (ramp to 200/s in 30 s)"));
        }
        std::string why;
        const auto seconds = parse_duration(stage.substr(0, colon), why);
        const auto target = seconds ? parse_target(stage.substr(colon + 1), kind, why) : std::nullopt;
        if (!target) {
            bad_stage(option, index, stage, why);
        }
        stages.push_back({*seconds, *target});
        if (comma != std::string_view::npos && rest.empty()) {
            throw UsageError(std::string(option) + ": a comma ends '" + std::string(text) +
                             "' with no stage after it");
        }
    }
    check_something_runs(stages, kind, text, option);
    return stages;
}

std::string stages_text(const std::vector<Stage>& stages) {
    return report_text::stages_text(stages.data(), stages.size());
}

}  // namespace loads::host
