#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>

#include "http/cookie_jar.hpp"
#include "http/url.hpp"

using loads::host::CookieJar;
using loads::host::parse_cookie_date;
using loads::host::parse_url;
using loads::host::Url;
using namespace std::chrono_literals;

namespace {

Url url(const std::string& text) {
    std::string error;
    auto u = parse_url(text, error);
    REQUIRE(u.has_value());
    return *u;
}

std::string cookies_for(CookieJar& jar, const std::string& text, CookieJar::time_point now) {
    std::string out;
    jar.header_for(url(text), out, now);
    return out;
}

const auto k_now = std::chrono::system_clock::from_time_t(1'700'000'000);

}  // namespace

TEST_CASE("cookie jar: a cookie goes back to the host that set it, nowhere else") {
    CookieJar jar;
    jar.store(url("http://example.com/login"), "sid=abc; Path=/", k_now);
    CHECK(cookies_for(jar, "http://example.com/", k_now) == "sid=abc");
    CHECK(cookies_for(jar, "http://example.com:8080/any", k_now) == "sid=abc");  // ports are not part of it
    CHECK(cookies_for(jar, "http://www.example.com/", k_now).empty());           // host-only
    CHECK(cookies_for(jar, "http://other.com/", k_now).empty());
}

TEST_CASE("cookie jar: Domain covers subdomains; a foreign Domain is refused") {
    CookieJar jar;
    jar.store(url("http://www.example.com/"), "a=1; Domain=.example.com", k_now);
    jar.store(url("http://www.example.com/"), "b=2; Domain=evil.com", k_now);
    CHECK(jar.size() == 1);
    CHECK(cookies_for(jar, "http://example.com/", k_now) == "a=1");
    CHECK(cookies_for(jar, "http://api.example.com/", k_now) == "a=1");
    CHECK(cookies_for(jar, "http://notexample.com/", k_now).empty());
}

TEST_CASE("cookie jar: Path, its default, and longest paths first") {
    CookieJar jar;
    jar.store(url("http://h/app/login"), "dir=1", k_now);  // default path: /app
    jar.store(url("http://h/"), "root=2; Path=/", k_now);
    jar.store(url("http://h/"), "deep=3; Path=/app/admin", k_now);
    CHECK(cookies_for(jar, "http://h/app", k_now) == "dir=1; root=2");
    CHECK(cookies_for(jar, "http://h/app/admin/x", k_now) == "deep=3; dir=1; root=2");
    CHECK(cookies_for(jar, "http://h/apple", k_now) == "root=2");  // /app does not match /apple
    CHECK(cookies_for(jar, "http://h/", k_now) == "root=2");
}

TEST_CASE("cookie jar: Secure cookies only over TLS") {
    CookieJar jar;
    jar.store(url("https://h/"), "s=1; Secure; HttpOnly", k_now);
    REQUIRE(jar.size() == 1);
    CHECK(jar.cookies().front().http_only);
    CHECK(cookies_for(jar, "https://h/", k_now) == "s=1");
    CHECK(cookies_for(jar, "http://h/", k_now).empty());
    CHECK(cookies_for(jar, "wss://h/ws", k_now) == "s=1");
}

TEST_CASE("cookie jar: expiry by Max-Age and Expires; Max-Age wins; replacing and deleting") {
    CookieJar jar;
    jar.store(url("http://h/"), "short=1; Max-Age=10", k_now);
    jar.store(url("http://h/"), "dated=2; Expires=Wed, 21 Oct 2099 07:28:00 GMT", k_now);
    jar.store(url("http://h/"), "both=3; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Max-Age=5", k_now);
    CHECK(cookies_for(jar, "http://h/", k_now) == "short=1; dated=2; both=3");
    CHECK(cookies_for(jar, "http://h/", k_now + 6s) == "short=1; dated=2");
    CHECK(cookies_for(jar, "http://h/", k_now + 11s) == "dated=2");

    jar.store(url("http://h/"), "dated=new", k_now);  // same name, domain and path: replaced
    CHECK(cookies_for(jar, "http://h/", k_now) == "dated=new");
    jar.store(url("http://h/"), "dated=x; Max-Age=0", k_now);  // deleted
    CHECK(jar.empty());
    jar.store(url("http://h/"), "old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT", k_now);
    CHECK(jar.empty());
}

TEST_CASE("cookie jar: dates past system_clock's range mean never, not the past") {
    CookieJar jar;
    jar.store(url("http://h/"), "far=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT", k_now);
    jar.store(url("http://h/"), "long=2; Max-Age=999999999999999", k_now);
    CHECK(cookies_for(jar, "http://h/", k_now + std::chrono::hours(24 * 365 * 100)) == "far=1; long=2");
}

TEST_CASE("cookie jar: malformed Set-Cookie values are ignored") {
    CookieJar jar;
    jar.store(url("http://h/"), "novalue", k_now);
    jar.store(url("http://h/"), "=x", k_now);
    jar.store(url("http://h/"), "", k_now);
    CHECK(jar.empty());
    jar.store(url("http://h/"), "m=1; Max-Age=-", k_now);  // no digits: the attribute is ignored
    jar.store(url("http://h/"), "n=1; Max-Age=12x", k_now);
    CHECK(jar.size() == 2);
    jar.clear();
    jar.store(url("http://h/"), " spaced = v ; Path=/", k_now);
    CHECK(cookies_for(jar, "http://h/", k_now) == "spaced=v");
}

TEST_CASE("cookie dates: the formats servers send") {
    const auto expected = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
    CHECK(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT") == expected);
    CHECK(parse_cookie_date("Wednesday, 21-Oct-15 07:28:00 GMT") == expected);
    CHECK(parse_cookie_date("Wed Oct 21 07:28:00 2015") == expected);
    CHECK_FALSE(parse_cookie_date("tomorrow").has_value());
    CHECK_FALSE(parse_cookie_date("Wed, 32 Oct 2015 07:28:00 GMT").has_value());
}
