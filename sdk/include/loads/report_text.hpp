// loads/report_text.hpp: text helpers for whoever writes a report of a run: JSON and XML escaping
// that always yields valid UTF-8 (test messages, URLs and headers may hold any bytes; invalid
// sequences become U+FFFD), JSON numbers, ramping stages, and UTC timestamps. The built-in outputs and
// observers use them, and so does the host for the JSON it writes, so every report escapes the same way.
//
// Header-only, no dependency beyond the standard library. Every function takes its input by view
// and returns or appends to a string the caller owns; nothing is kept. All are pure and may be
// called from any thread at once, except Iso8601Writer, whose instance (a one-second cache of the
// formatted date) belongs to one thread at a time.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

namespace loads::report_text {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one.
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (b < 0x80) {
        return 1;
    } else if ((b & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = b & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < n; ++k) {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if ((c & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8 either.
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        return 0;
    }
    return n;
}

/// True for U+FFFE and U+FFFF, which are valid UTF-8 but no XML 1.0 character.
inline bool xml_noncharacter(std::string_view s, std::size_t i, std::size_t n) {
    return n == 3 && static_cast<unsigned char>(s[i]) == 0xEF &&
           static_cast<unsigned char>(s[i + 1]) == 0xBF &&
           (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xBE;
}

/// Appends `s` to `out` with invalid UTF-8 bytes replaced by U+FFFD (and, with `for_xml`, the
/// noncharacters XML refuses too), passing ASCII bytes one by one to `ascii(c)` (which may
/// escape them).
template <class Ascii>
void for_each_utf8(std::string_view s, std::string& out, Ascii&& ascii, bool for_xml = false) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence(s, i);
        if (n == 0 || (for_xml && xml_noncharacter(s, i, n))) {
            n = n == 0 ? 1 : n;
            out += "\xEF\xBF\xBD";
            i += n;
            continue;
        }
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else if (n == 1) {
            ascii(s[i]);
            ++i;
        } else {
            out.append(s.data() + i, n);
            i += n;
        }
    }
}

/// Appends `s` to `out` as a JSON string literal, quotes included.
inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for_each_utf8(s, out, [&](char c) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x",
                                  static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += buf;
                } else {
                    out += c;
                }
        }
    });
    out += '"';
}

/// `s` as a JSON string literal, quotes included.
inline std::string json_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

/// `s` escaped for an XML attribute value or text node. Control characters XML 1.0 cannot hold
/// become U+FFFD; newlines and tabs are kept as character references so attributes keep them.
inline std::string xml_text(std::string_view s) {
    std::string out;
    for_each_utf8(
        s, out,
        [&](char c) {
            switch (c) {
                case '&':
                    out += "&amp;";
                    break;
                case '<':
                    out += "&lt;";
                    break;
                case '>':
                    out += "&gt;";
                    break;
                case '"':
                    out += "&quot;";
                    break;
                case '\'':
                    out += "&apos;";
                    break;
                case '\n':
                    out += "&#10;";
                    break;
                case '\r':
                    out += "&#13;";
                    break;
                case '\t':
                    out += "&#9;";
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20) {
                        out += "\xEF\xBF\xBD";
                    } else {
                        out += c;
                    }
            }
        },
        true);
    return out;
}

/// A number as JSON: finite doubles with up to 9 significant digits, otherwise 0.
inline std::string json_number(double v) {
    if (!(v == v) || v > 1e300 || v < -1e300) {
        return "0";
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

/// A threshold's limit or measured value (loads_threshold) with its unit, as people read it:
/// "14.7 ms", "0.5%", "912.4/s", "1000000"; "nothing measured" for NaN. Whole numbers are
/// written in full, others with up to 6 significant digits; a time unit is set off by a space.
inline std::string threshold_value(double v, std::string_view unit) {
    if (v != v) {
        return "nothing measured";
    }
    char buf[48];
    if (v == static_cast<double>(static_cast<long long>(v)) && v < 1e15 && v > -1e15) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    } else {
        std::snprintf(buf, sizeof buf, "%.6g", v);
    }
    const bool time = unit == "ms" || unit == "s" || unit == "us";
    return std::string(buf) + (time ? " " : "") + std::string(unit);
}

/// `v` in the fewest digits that read back as the same double ("0.5", "1234.567", "1e+06" never).
inline std::string exact_number(double v) {
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

/// A ramping stage's duration as people write it: "500ms", "30s", "2m", "1m30s", "1h", "1h0m5s".
/// Exact: read back by --stages it is the same duration (the cluster ships stages as this text).
inline std::string stage_duration(double seconds) {
    const long long whole = static_cast<long long>(seconds);
    const double fraction = seconds - static_cast<double>(whole);
    if (fraction != 0 || whole < 60) {
        // Milliseconds only when they are exact too.
        const double ms = seconds * 1000;
        if (seconds < 1 && seconds != 0 && ms / 1000 == seconds) {
            return exact_number(ms) + "ms";
        }
        return exact_number(seconds) + "s";
    }
    const long long h = whole / 3600, m = whole % 3600 / 60, s = whole % 60;
    std::string out;
    if (h > 0) {
        out += std::to_string(h) + "h";
    }
    if (m > 0 || (h > 0 && s > 0)) {
        out += std::to_string(m) + "m";
    }
    if (s > 0) {
        out += std::to_string(s) + "s";
    }
    return out;
}

/// Stages as --stages and --rate-stages take them: "30s:100,2m:100,30s:0". `Stage` is anything
/// with `seconds` and `target` (loads_stage).
template <class Stage>
std::string stages_text(const Stage* stages, std::size_t count, std::string_view separator = ",") {
    std::string out;
    for (std::size_t i = 0; i < count; ++i) {
        out += (i == 0 ? "" : std::string(separator)) + stage_duration(stages[i].seconds) + ":" +
               exact_number(stages[i].target);
    }
    return out;
}

/// Appends "2026-11-25T15:00:00.123456Z" for microseconds since the Unix epoch, formatting the
/// date and time only when the second changes (event streams ask for many times per second).
class Iso8601Writer {
public:
    void append(std::string& out, std::int64_t micros) {
        const std::int64_t second = micros / 1'000'000;
        if (second != m_second) {
            m_second = second;
            const std::time_t secs = static_cast<std::time_t>(second);
            std::tm tm{};
            gmtime_r(&secs, &tm);
            std::strftime(m_prefix, sizeof m_prefix, "%Y-%m-%dT%H:%M:%S", &tm);
        }
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s.%06lldZ", m_prefix, static_cast<long long>(micros % 1'000'000));
        out += buf;
    }

private:
    std::int64_t m_second = -1;
    char m_prefix[32] = {};
};

/// "2026-11-25T15:00:00.123456Z" for microseconds since the Unix epoch.
inline std::string iso8601(std::int64_t micros) {
    std::string out;
    Iso8601Writer().append(out, micros);
    return out;
}

}  // namespace loads::report_text
