#include "html_text.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <ctime>

#include <loads/report_text.hpp>

namespace loads::outputs::html {

std::string escape(std::string_view s) {
    // XML's escaping is HTML's too (character references for newlines and tabs render the same),
    // with invalid UTF-8 and stray control characters replaced, like the other outputs' text.
    return report_text::xml_text(s);
}

std::string format(const char* fmt, ...) {
    std::va_list args;
    va_start(args, fmt);
    std::va_list again;
    va_copy(again, args);
    const int size = std::vsnprintf(nullptr, 0, fmt, args);
    va_end(args);
    std::string out(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
    std::vsnprintf(out.data(), out.size() + 1, fmt, again);
    va_end(again);
    return out;
}

std::string grouped(std::uint64_t n) {
    std::string digits = std::to_string(n);
    for (auto i = static_cast<std::ptrdiff_t>(digits.size()) - 3; i > 0; i -= 3) {
        digits.insert(static_cast<std::size_t>(i), ",");
    }
    return digits;
}

std::string grouped(std::int64_t n) {
    // Negating the most negative value overflows: go through the unsigned magnitude instead.
    return n < 0 ? "-" + grouped(std::uint64_t{0} - static_cast<std::uint64_t>(n))
                 : grouped(static_cast<std::uint64_t>(n));
}

std::string millis(double micros) {
    const double ms = micros / 1000.0;
    if (ms >= 1000.0) {
        return grouped(static_cast<std::uint64_t>(std::llround(ms))) + " ms";
    }
    // Three significant digits are as many as the histogram's 0.1% can back.
    return format(ms >= 100.0 ? "%.0f ms" : ms >= 10.0 ? "%.1f ms" : ms >= 1.0 ? "%.2f ms" : "%.3f ms", ms);
}

std::string utc_time(std::int64_t micros) {
    const auto secs = static_cast<std::time_t>(micros / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string duration(double seconds) {
    if (seconds < 10.0) {
        return format("%.2f s", seconds);
    }
    if (seconds < 60.0) {
        return format("%.1f s", seconds);
    }
    const auto whole = static_cast<long long>(std::llround(seconds));
    if (whole < 3600) {
        return format("%lld min %02lld s", whole / 60, whole % 60);
    }
    return format("%lld h %02lld min", whole / 3600, whole / 60 % 60);
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) {
        return "–";
    }
    const double p = 100.0 * double(part) / double(whole);
    // Never round 99.96% up to "100 %": a run with a failure must not look perfect.
    if (part < whole && p > 99.9) {
        return "99.9 %";
    }
    return format(p == 100.0 || p == 0.0 ? "%.0f %%" : "%.1f %%", p);
}

}  // namespace loads::outputs::html
