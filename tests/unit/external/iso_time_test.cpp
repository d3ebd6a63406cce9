// The `started` dates of external runners' hits, against epoch values computed independently
// (date -u -d ... +%s).
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>

#include "external/iso_time.hpp"

using loads::host::parse_iso8601_micros;

namespace {

constexpr std::int64_t k_second = 1'000'000;
// 2013-10-05T14:31:02Z = 1380983462 s after the epoch.
constexpr std::int64_t k_sample = 1380983462 * k_second;

}  // namespace

TEST_CASE("iso time: Python's utcnow().isoformat() has no zone and means UTC") {
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02") == k_sample);
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02.123456") == k_sample + 123456);
    CHECK(parse_iso8601_micros("2013-10-05 14:31:02.5") == k_sample + 500000);
    CHECK(parse_iso8601_micros("1970-01-01T00:00:00") == 0);
}

TEST_CASE("iso time: JavaScript's toISOString() and explicit zones") {
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02.123Z") == k_sample + 123000);
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02z") == k_sample);
    CHECK(parse_iso8601_micros("2013-10-05T16:31:02+02:00") == k_sample);
    CHECK(parse_iso8601_micros("2013-10-05T16:31:02+0200") == k_sample);
    CHECK(parse_iso8601_micros("2013-10-05T16:31:02+02") == k_sample);
    CHECK(parse_iso8601_micros("2013-10-05T09:01:02-05:30") == k_sample);
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02-00:00") == k_sample);
    CHECK(parse_iso8601_micros("2013-10-06T14:30:02+23:59") == k_sample);
}

TEST_CASE("iso time: fractions of 1 to 9 digits, '.' or ',', digits past the microsecond dropped") {
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02,25") == k_sample + 250000);
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02.000001") == k_sample + 1);
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02.123456789Z") == k_sample + 123456);
    CHECK(parse_iso8601_micros("2013-10-05T14:31:02.9999999") == k_sample + 999999);
    CHECK_FALSE(parse_iso8601_micros("2013-10-05T14:31:02.").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-10-05T14:31:02.1234567890").has_value());
}

TEST_CASE("iso time: calendar arithmetic across leap years, centuries and before 1970") {
    CHECK(parse_iso8601_micros("2000-02-29T00:00:00") == 951782400 * k_second);
    CHECK(parse_iso8601_micros("2024-02-29T12:00:00Z") == 1709208000 * k_second);
    CHECK(parse_iso8601_micros("2100-03-01T00:00:00") == 4107542400 * k_second);
    CHECK(parse_iso8601_micros("1969-12-31T23:59:59") == -1 * k_second);
    CHECK(parse_iso8601_micros("1900-01-01T00:00:00") == -2208988800 * k_second);
    CHECK(parse_iso8601_micros("1970-01-01T00:30:00+01:00") == -1800 * k_second);
}

TEST_CASE("iso time: a leap second reads as the minute's last microsecond") {
    CHECK(parse_iso8601_micros("2016-12-31T23:59:60Z") == 1483228799 * k_second + 999999);
    CHECK(parse_iso8601_micros("2016-12-31T23:59:60.5Z") == 1483228799 * k_second + 999999);
    CHECK_FALSE(parse_iso8601_micros("2016-12-31T23:59:61Z").has_value());
}

TEST_CASE("iso time: out-of-range fields are refused") {
    CHECK_FALSE(parse_iso8601_micros("2013-13-05T14:31:02").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-00-05T14:31:02").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-10-00T14:31:02").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-04-31T14:31:02").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-02-29T14:31:02").has_value());
    CHECK_FALSE(parse_iso8601_micros("1900-02-29T14:31:02").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-10-05T25:00:00").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-10-05T24:00:00").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-10-05T14:60:02").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-10-05T14:31:02+24:00").has_value());
    CHECK_FALSE(parse_iso8601_micros("2013-10-05T14:31:02+02:60").has_value());
}

TEST_CASE("iso time: garbage, missing parts and trailing junk are refused") {
    for (const char* text : {"", "garbage", "2013-10-05", "2013-10-05T14:31", "2013-10-05T14:31:02 ",
                             " 2013-10-05T14:31:02", "2013-10-05T14:31:02Zx", "2013-10-05T14:31:02+2",
                             "2013-10-05T14:31:02+02:", "2013-10-05T14:31:02+02:0", "2013-10-05T14:31:02+020",
                             "13-10-05T14:31:02", "2013/10/05T14:31:02", "2013-10-05X14:31:02",
                             "2013-1-05T14:31:02", "2013-10-05T14:31:2", "2013-10-05T14:31:02 UTC",
                             "+2013-10-05T14:31:02", "2013-10-05T14:31:02.12a"}) {
        CAPTURE(text);
        CHECK_FALSE(parse_iso8601_micros(text).has_value());
    }
}
