// The wire format of a RunStats: how agents will send what they measured (about once a second,
// what changed since the last time) and the broker will store and merge it. A compact, versioned
// little-endian binary form that keeps every histogram bucket, so merged percentiles are exactly
// those of a local run. Decoding checks every length and index: a malformed or truncated message
// is refused with a reason, never read past its end.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "results/run_stats.hpp"

namespace loads::host {

/// `stats` as bytes. Deterministic: equal RunStats give equal bytes (URLs sorted).
std::string encode_stats(const RunStats& stats);

/// Adds the RunStats in `bytes` to `into`, all or nothing.
/// @return an empty string, or why the bytes were refused (then `into` is unchanged).
std::string decode_stats(std::string_view bytes, RunStats& into);

}  // namespace loads::host
