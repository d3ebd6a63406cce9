#include "engine/cycles.hpp"

#include <charconv>
#include <numeric>
#include <string>

#include "base/usage_error.hpp"

namespace loads::host {

Cycle parse_cycle(std::string_view text, std::string_view option) {
    Cycle out;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(':', start);
        const std::string_view part =
            text.substr(start, end == std::string_view::npos ? text.npos : end - start);
        std::uint32_t value = 0;
        const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || ec != std::errc{} || ptr != part.data() + part.size() || value == 0) {
            throw UsageError("--" + std::string(option) + ": '" + std::string(text) +
                             "' is not a cycle of whole numbers >= 1 such as 10:20:30");
        }
        out.push_back(value);
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return out;
}

std::uint64_t total_tests(const Cycle& users, const Cycle& hits) {
    const std::uint64_t u = std::accumulate(users.begin(), users.end(), std::uint64_t{0});
    const std::uint64_t h = std::accumulate(hits.begin(), hits.end(), std::uint64_t{0});
    return u * h;
}

}  // namespace loads::host
