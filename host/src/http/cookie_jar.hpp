// CookieJar: one virtual user's cookies, kept and sent back the way a browser does (RFC 6265):
// Domain and host-only matching, Path, Expires / Max-Age, Secure (sent over TLS only). HttpOnly is
// kept as an attribute but changes nothing here: there are no scripts to hide cookies from.
// Used from the user's own thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/url.hpp"

namespace loads::host {

struct Cookie {
    std::string name;
    std::string value;
    std::string domain;  ///< Lower case, no leading dot.
    std::string path;
    bool host_only = true;  ///< No Domain attribute: sent to that exact host only.
    bool secure = false;
    bool http_only = false;
    std::optional<std::chrono::system_clock::time_point> expires;  ///< None: a session cookie.
    std::uint64_t created = 0;                                     ///< Order of creation, for sending.
};

class CookieJar {
public:
    using time_point = std::chrono::system_clock::time_point;

    /// Stores (or replaces, or deletes when already expired) the cookie a Set-Cookie header
    /// value describes, received in the response to `url`. Malformed values and cookies for
    /// another domain are ignored, as browsers ignore them.
    void store(const Url& url, std::string_view set_cookie, time_point now);

    /// Appends the Cookie header value for a request to `url` ("a=1; b=2"), longest paths first.
    /// @return false (and appends nothing) when no cookie applies.
    bool header_for(const Url& url, std::string& out, time_point now);

    bool empty() const noexcept { return m_cookies.empty(); }
    std::size_t size() const noexcept { return m_cookies.size(); }
    void clear() noexcept { m_cookies.clear(); }
    const std::vector<Cookie>& cookies() const noexcept { return m_cookies; }

private:
    std::vector<Cookie> m_cookies;
    std::uint64_t m_next_created = 0;
};

/// Parses an HTTP date as cookies carry it ("Wed, 21 Oct 2015 07:28:00 GMT", "21-Oct-2015 ...",
/// RFC 6265 5.1.1's lenient algorithm). Exposed for the unit tests.
std::optional<std::chrono::system_clock::time_point> parse_cookie_date(std::string_view text);

}  // namespace loads::host
