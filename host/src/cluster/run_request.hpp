// RunRequest: a runner's CTRL_RUN request, read and checked as far as it can be without the
// broker's state: whether its run id is taken and whether enough agents are idle are the broker's
// to say.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/json_value.hpp"

namespace loads::host {

/// The most agents one run may ask for: a bound on what one request can make the broker do.
inline constexpr std::int64_t k_max_agents_per_run = 10'000;

struct RunRequest {
    std::size_t agents = 0;  ///< How many agents run it, 1 to k_max_agents_per_run.
    std::string fqn;         ///< The test, from the arguments.
    std::string args_json;   ///< The runner's arguments, a JSON object text, as the agents get them.
    std::vector<std::string> observers;  ///< Observer names, each once, in the order given.
    /// The observer-* options, never stored (they may hold passwords).
    std::map<std::string, std::string> observer_values;
    double observer_timeout = 30;  ///< Seconds the observers may take.
    std::string run_id;            ///< As the runner named it; empty: the broker names the run.
    /// The run follows a clock (--rate, --rate-stages, --stages): its agents start together, at a
    /// time the broker sets, and share out the arrivals.
    bool shared_clock = false;
};

/// Reads `request` (a JSON object) that came with `attachments` frames after it into `into`.
/// @return "" for a request a run can be started from, else the one-line refusal the runner gets.
std::string parse_run_request(const JsonValue& request, std::size_t attachments, RunRequest& into);

}  // namespace loads::host
