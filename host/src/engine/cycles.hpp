// Cycles: the `10:20:30` values of --users and --hits, and the totals they imply.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace loads::host {

using Cycle = std::vector<std::uint32_t>;

/// Parses "10:20:30" into {10, 20, 30}. Each value must be a whole number >= 1.
/// @param option the option's name, for the error message. @throws UsageError.
Cycle parse_cycle(std::string_view text, std::string_view option);

/// Tests a hits-mode run executes: every user of every user cycle runs every hits value in turn,
/// so the total is (sum of users) x (sum of hits).
std::uint64_t total_tests(const Cycle& users, const Cycle& hits);

}  // namespace loads::host
