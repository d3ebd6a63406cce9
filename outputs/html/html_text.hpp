// Text as the HTML report shows it: escaped for HTML, numbers grouped, times in milliseconds,
// dates in UTC.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loads::outputs::html {

/// `s` safe to place in HTML text and in quoted attribute values (URLs and messages come from
/// users and servers).
std::string escape(std::string_view s);

/// printf into a std::string.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

/// 1234567 → "1,234,567".
std::string grouped(std::uint64_t n);
std::string grouped(std::int64_t n);

/// Microseconds as milliseconds with a precision that suits the value: "0.412 ms", "12.4 ms",
/// "1,250 ms".
std::string millis(double micros);
/// The same for a latency in whole microseconds (exact as a double: latencies stay far below 2^53).
inline std::string millis(std::uint64_t micros) {
    return millis(static_cast<double>(micros));
}

/// "2024-05-01 12:00:03 UTC" for microseconds since the Unix epoch.
std::string utc_time(std::int64_t micros);

/// "0.84 s", "12.3 s", "4 min 05 s", "2 h 03 min".
std::string duration(double seconds);

/// "99.5 %": `part` of `whole` (nothing of nothing is shown as "–").
std::string percent(std::uint64_t part, std::uint64_t whole);

}  // namespace loads::outputs::html
