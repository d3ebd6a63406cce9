// The small text rules the HTTP and web socket clients share: header names compared and checked
// the HTTP way, ASCII lower case, timeouts from the ABI's seconds, and how they read in messages.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include <loads/headers.hpp>

namespace loads::host {

/// ASCII case-insensitive equality, as HTTP field names compare (the SDK's, not locale-aware).
using loads::detail::iequals;

/// What every host service says when the runner stops the user in the middle of it.
inline constexpr std::string_view k_cancelled_message = "virtual user stopped by the runner";

/// False for text that would end a header line or its name early (CR, LF, or ':' in a name, or
/// an empty name): sent, it would let a test inject headers or split the request.
inline bool safe_header_part(std::string_view s, bool is_name) {
    return std::none_of(s.begin(), s.end(),
                        [&](char c) { return c == '\r' || c == '\n' || (is_name && c == ':'); }) &&
           !(is_name && s.empty());
}

inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; });
    return out;
}

/// A timeout given in seconds across the ABI: `fallback` when not positive, and at most a day so
/// that a huge (or infinite) value cannot overflow the clock.
inline std::chrono::milliseconds timeout_from_seconds(double seconds, std::chrono::milliseconds fallback) {
    if (!(seconds > 0)) {
        return fallback;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(std::min(seconds, 86400.0)));
}

/// "1.5s": a timeout as error messages show it.
inline std::string seconds_text(std::chrono::milliseconds ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%gs", double(ms.count()) / 1000.0);
    return buf;
}

}  // namespace loads::host
