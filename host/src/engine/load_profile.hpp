// LoadProfile: a run's load as a function of time, from ramping stages — users (--stages) or
// arrivals per second (--rate-stages). Each stage ramps linearly from the previous stage's target
// (0 at the start) to its own over its duration; a stage of 0 s is a step. Past the last stage the
// load is over.
//
// Times are seconds from the start of the run's clock (the first arrival, or the cycle's start),
// as doubles: a run of a year still resolves nanoseconds. Read-only after construction, so every
// worker thread may use it at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loads::host {

struct Stage {
    double seconds = 0;  ///< The ramp's duration, >= 0.
    double target = 0;   ///< The level reached at its end, >= 0.
};

class LoadProfile {
public:
    /// `stages`: non-empty, lasting more than 0 s in all.
    explicit LoadProfile(std::vector<Stage> stages);

    const std::vector<Stage>& stages() const noexcept { return m_stages; }
    double length() const noexcept { return m_starts.back(); }
    double peak() const noexcept;

    /// Where `t` falls: the 1-based stage, of how many, and the level then (what a live display
    /// shows).
    struct Position {
        std::uint32_t stage = 0;
        std::uint32_t stage_count = 0;
        double level = 0;
    };
    Position position(double t) const noexcept {
        return {static_cast<std::uint32_t>(stage_at(t)) + 1, static_cast<std::uint32_t>(m_stages.size()),
                level_at(t)};
    }

    /// The level at `t` (the last stage's target past the end).
    double level_at(double t) const noexcept;
    /// The 0-based stage `t` falls in (the last past the end).
    std::size_t stage_at(double t) const noexcept;
    /// The first time >= `from` and before the end at which the level is at least `level`.
    std::optional<double> first_time_at_least(double level, double from) const noexcept;
    /// Arrivals due by `t` when the level is a rate: the integral of the level from 0 to `t`.
    double arrivals_by(double t) const noexcept;
    /// When arrivals_by reaches `count`, or nothing if it does not before the end.
    std::optional<double> time_of_arrival(double count) const noexcept;

private:
    /// The level at the start of stage `i` (the previous target; 0 for the first).
    double start_level(std::size_t i) const noexcept { return i == 0 ? 0.0 : m_stages[i - 1].target; }
    /// The level `s` seconds into stage `i`.
    double level_in(std::size_t i, double s) const noexcept;

    std::vector<Stage> m_stages;
    std::vector<double> m_starts;    ///< m_starts[i]: when stage i starts; back(): the end.
    std::vector<double> m_arrivals;  ///< m_arrivals[i]: arrivals_by(m_starts[i]).
};

/// What a stage's target counts.
enum class StageTarget { users, rate };

/// Parses `--stages` / `--rate-stages` text: `DURATION:TARGET` stages separated by commas, a
/// duration being a number and a unit (`500ms`, `30s`, `2m`, `1h`, or combined: `1m30s`).
/// Throws UsageError naming the option, the stage and what is wrong with it.
std::vector<Stage> parse_stages(std::string_view text, StageTarget kind, std::string_view option);

/// The stages as given back in reports: "30s:100,2m:100,30s:0".
std::string stages_text(const std::vector<Stage>& stages);

}  // namespace loads::host
