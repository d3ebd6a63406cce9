// The `started` date of an external runner's add_hit: ISO 8601 as Python's isoformat() and
// JavaScript's toISOString() write it, read without the C library's time zone or locale.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace loads::host {

/// Microseconds since the Unix epoch for an ISO 8601 date-time as external runners send it:
/// YYYY-MM-DD, 'T' or ' ', HH:MM:SS, optional fraction (1-9 digits after '.' or ','; digits past
/// the microsecond are dropped), optional zone Z | ±HH:MM | ±HHMM | ±HH (at most 23:59); no zone
/// means UTC (Python's datetime.utcnow().isoformat()).
/// nullopt for anything else: a field out of range (day 31 of April, 29 February of a common
/// year, hour 24), missing or extra characters. A leap second (60) reads as 59.999999.
std::optional<std::int64_t> parse_iso8601_micros(std::string_view text);

}  // namespace loads::host
