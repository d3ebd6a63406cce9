#include "http/cookie_jar.hpp"

#include "base/blank_trim.hpp"
#include "http/text.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace loads::host {
namespace {

bool is_ip_address(std::string_view host) {
    return host.find(':') != std::string_view::npos || std::all_of(host.begin(), host.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
           });
}

// RFC 6265 5.1.3.
bool domain_matches(std::string_view host, std::string_view domain) {
    if (host == domain) {
        return true;
    }
    return host.size() > domain.size() && host.ends_with(domain) &&
           host[host.size() - domain.size() - 1] == '.' && !is_ip_address(host);
}

// RFC 6265 5.1.4: the request path's "directory".
std::string default_path(const Url& url) {
    const std::string_view path = std::string_view(url.target).substr(0, url.target.find('?'));
    if (path.empty() || path.front() != '/') {
        return "/";
    }
    const auto slash = path.rfind('/');
    return slash == 0 ? std::string("/") : std::string(path.substr(0, slash));
}

bool path_matches(std::string_view request_path, std::string_view cookie_path) {
    if (request_path == cookie_path) {
        return true;
    }
    return request_path.starts_with(cookie_path) &&
           (cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/');
}

int month_index(std::string_view token) {
    static constexpr std::string_view k_months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                    "jul", "aug", "sep", "oct", "nov", "dec"};
    if (token.size() < 3) {
        return -1;
    }
    const std::string prefix = ascii_lower(token.substr(0, 3));
    for (int i = 0; i < 12; ++i) {
        if (prefix == k_months[i]) {
            return i;
        }
    }
    return -1;
}

// system_clock counts nanoseconds and ends in 2262; servers routinely send "31 Dec 9999" or huge
// Max-Ages. Such dates mean "never expires", not an overflow into the past.
std::chrono::system_clock::time_point clamped(std::chrono::seconds since_epoch) {
    using tp = std::chrono::system_clock::time_point;
    const auto limit = std::chrono::duration_cast<std::chrono::seconds>(tp::max().time_since_epoch());
    if (since_epoch >= limit) {
        return tp::max();
    }
    return tp(std::chrono::duration_cast<tp::duration>(since_epoch));
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_cookie_date(std::string_view text) {
    int hour = -1, minute = -1, second = -1, day = -1, month = -1, year = -1;
    auto is_delimiter = [](char c) {
        return c == '\t' || (c >= ' ' && c <= '/') || (c >= ';' && c <= '@') || (c >= '[' && c <= '`') ||
               (c >= '{' && c <= '~');
    };
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && is_delimiter(text[i])) {
            ++i;
        }
        std::size_t j = i;
        while (j < text.size() && !is_delimiter(text[j])) {
            ++j;
        }
        const std::string_view token = text.substr(i, j - i);
        i = j;
        if (token.empty()) {
            continue;
        }
        int h, m, s;
        if (hour < 0 && std::sscanf(std::string(token).c_str(), "%2d:%2d:%2d", &h, &m, &s) == 3) {
            hour = h, minute = m, second = s;
        } else if (day < 0 && token.size() <= 2 && std::isdigit(static_cast<unsigned char>(token[0])) &&
                   std::all_of(token.begin(), token.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
            day = std::stoi(std::string(token));
        } else if (month < 0 && month_index(token) >= 0) {
            month = month_index(token);
        } else if (year < 0 && (token.size() == 2 || token.size() == 4) &&
                   std::all_of(token.begin(), token.end(),
                               [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
            year = std::stoi(std::string(token));
        }
    }
    if (year >= 70 && year <= 99) {
        year += 1900;
    } else if (year >= 0 && year <= 69) {
        year += 2000;
    }
    if (hour < 0 || day < 1 || day > 31 || month < 0 || year < 1601 || hour > 23 || minute > 59 ||
        second > 59) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return clamped(std::chrono::seconds(timegm(&tm)));
}

void CookieJar::store(const Url& url, std::string_view set_cookie, time_point now) {
    const auto semicolon = set_cookie.find(';');
    const std::string_view pair = set_cookie.substr(0, semicolon);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) {
        return;  // RFC 6265 5.2 step 2: no '=', no cookie
    }
    Cookie cookie;
    cookie.name = std::string(trim_blanks(pair.substr(0, equals)));
    cookie.value = std::string(trim_blanks(pair.substr(equals + 1)));
    if (cookie.name.empty()) {
        return;
    }
    std::optional<std::int64_t> max_age;
    std::string_view attributes =
        semicolon == std::string_view::npos ? std::string_view{} : set_cookie.substr(semicolon + 1);
    while (!attributes.empty()) {
        const auto next = attributes.find(';');
        const std::string_view attribute = attributes.substr(0, next);
        attributes = next == std::string_view::npos ? std::string_view{} : attributes.substr(next + 1);
        const auto eq = attribute.find('=');
        const std::string name = ascii_lower(trim_blanks(attribute.substr(0, eq)));
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : trim_blanks(attribute.substr(eq + 1));
        if (name == "expires") {
            if (auto when = parse_cookie_date(value)) {
                cookie.expires = when;
            }
        } else if (name == "max-age") {
            const std::string_view number = value.starts_with('-') ? value.substr(1) : value;
            const bool digits = !number.empty() && std::all_of(number.begin(), number.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            });
            if (digits && value.size() < 16) {
                max_age = std::stoll(std::string(value));
            }
        } else if (name == "domain" && !value.empty()) {
            std::string_view domain = value;
            if (domain.front() == '.') {
                domain.remove_prefix(1);
            }
            cookie.domain = ascii_lower(domain);
            cookie.host_only = false;
        } else if (name == "path") {
            cookie.path = value.empty() || value.front() != '/' ? std::string() : std::string(value);
        } else if (name == "secure") {
            cookie.secure = true;
        } else if (name == "httponly") {
            cookie.http_only = true;
        }
    }
    if (max_age) {  // Max-Age wins over Expires (RFC 6265 5.3 step 3)
        cookie.expires =
            *max_age <= 0 ? time_point::min()
                          : clamped(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()) +
                                    std::chrono::seconds(*max_age));
    }
    if (cookie.host_only) {
        cookie.domain = url.host;
    } else if (!domain_matches(url.host, cookie.domain)) {
        return;  // a cookie for a domain the server does not belong to
    }
    if (cookie.path.empty()) {
        cookie.path = default_path(url);
    }
    auto same = std::find_if(m_cookies.begin(), m_cookies.end(), [&](const Cookie& c) {
        return c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path;
    });
    const bool expired = cookie.expires && *cookie.expires <= now;
    if (same != m_cookies.end()) {
        if (expired) {
            m_cookies.erase(same);
            return;
        }
        cookie.created = same->created;  // a replaced cookie keeps its place (RFC 6265 5.3 step 11)
        *same = std::move(cookie);
        return;
    }
    if (!expired) {
        cookie.created = m_next_created++;
        m_cookies.push_back(std::move(cookie));
    }
}

bool CookieJar::header_for(const Url& url, std::string& out, time_point now) {
    if (m_cookies.empty()) {
        return false;
    }
    std::erase_if(m_cookies, [&](const Cookie& c) { return c.expires && *c.expires <= now; });
    const std::string_view path = std::string_view(url.target).substr(0, url.target.find('?'));
    std::vector<const Cookie*> matching;
    for (const Cookie& c : m_cookies) {
        const bool domain_ok = c.host_only ? url.host == c.domain : domain_matches(url.host, c.domain);
        if (domain_ok && path_matches(path, c.path) && (!c.secure || url.tls())) {
            matching.push_back(&c);
        }
    }
    if (matching.empty()) {
        return false;
    }
    std::sort(matching.begin(), matching.end(), [](const Cookie* a, const Cookie* b) {
        return a->path.size() != b->path.size() ? a->path.size() > b->path.size() : a->created < b->created;
    });
    for (std::size_t i = 0; i < matching.size(); ++i) {
        if (i > 0) {
            out += "; ";
        }
        out += matching[i]->name;
        out += '=';
        out += matching[i]->value;
    }
    return true;
}

}  // namespace loads::host
