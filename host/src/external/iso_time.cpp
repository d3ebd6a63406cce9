#include "external/iso_time.hpp"

#include <cstddef>

namespace loads::host {

namespace {

constexpr std::int64_t k_micros_per_second = 1'000'000;

// Reads exactly `count` decimal digits at `at`, advancing it; nullopt if any is not a digit.
std::optional<int> digits(std::string_view text, std::size_t& at, std::size_t count) {
    if (text.size() - at < count) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[at + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    at += count;
    return value;
}

bool take(std::string_view text, std::size_t& at, char expected) {
    if (at < text.size() && text[at] == expected) {
        ++at;
        return true;
    }
    return false;
}

bool is_leap(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : k_days[month - 1];
}

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil): eras of 400 years, each year starting on 1 March so the leap day comes last.
std::int64_t days_from_civil(int year, int month, int day) {
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int year_of_era = y - era * 400;
    const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return static_cast<std::int64_t>(era) * 146097 + day_of_era - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_micros(std::string_view text) {
    std::size_t at = 0;
    const auto year = digits(text, at, 4);
    if (!year || !take(text, at, '-')) {
        return std::nullopt;
    }
    const auto month = digits(text, at, 2);
    if (!month || *month < 1 || *month > 12 || !take(text, at, '-')) {
        return std::nullopt;
    }
    const auto day = digits(text, at, 2);
    if (!day || *day < 1 || *day > days_in_month(*year, *month)) {
        return std::nullopt;
    }
    if (!take(text, at, 'T') && !take(text, at, ' ')) {
        return std::nullopt;
    }
    const auto hour = digits(text, at, 2);
    if (!hour || *hour > 23 || !take(text, at, ':')) {
        return std::nullopt;
    }
    const auto minute = digits(text, at, 2);
    if (!minute || *minute > 59 || !take(text, at, ':')) {
        return std::nullopt;
    }
    auto second = digits(text, at, 2);
    if (!second || *second > 60) {
        return std::nullopt;
    }
    std::int64_t micros = 0;
    if (take(text, at, '.') || take(text, at, ',')) {
        std::size_t count = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (count < 6) {
                micros = micros * 10 + (text[at] - '0');
            }
            ++count;
            ++at;
        }
        if (count == 0 || count > 9) {
            return std::nullopt;
        }
        for (std::size_t i = count; i < 6; ++i) {
            micros *= 10;
        }
    }
    // A leap second has no place on a POSIX time line: keep it inside the minute it ends.
    if (*second == 60) {
        second = 59;
        micros = k_micros_per_second - 1;
    }
    std::int64_t offset_minutes = 0;
    if (take(text, at, 'Z') || take(text, at, 'z')) {
        // UTC
    } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
        const int sign = text[at] == '-' ? -1 : 1;
        ++at;
        const auto zone_hours = digits(text, at, 2);
        if (!zone_hours || *zone_hours > 23) {
            return std::nullopt;
        }
        int zone_minutes = 0;
        if (at < text.size()) {
            take(text, at, ':');  // ±HH:MM and ±HHMM are both ISO 8601
            const auto m = digits(text, at, 2);
            if (!m || *m > 59) {
                return std::nullopt;
            }
            zone_minutes = *m;
        }
        offset_minutes = sign * (*zone_hours * 60 + zone_minutes);
    }
    if (at != text.size()) {
        return std::nullopt;
    }
    const std::int64_t seconds = days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 + *minute * 60 +
                                 *second - offset_minutes * 60;
    return seconds * k_micros_per_second + micros;
}

}  // namespace loads::host
