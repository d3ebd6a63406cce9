#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "url.hpp"

using loads::host::parse_url;
using loads::host::Url;

namespace {

Url parse_ok(const std::string& text) {
    std::string error;
    const std::optional<Url> url = parse_url(text, error);
    CAPTURE(text);
    CAPTURE(error);
    REQUIRE(url.has_value());
    CHECK(error.empty());
    return *url;
}

}  // namespace

TEST_CASE("parse_url: host and port") {
    const Url u = parse_ok("http://localhost:9200");
    CHECK(u.host == "localhost");
    CHECK(u.port == "9200");
    CHECK(u.target == "/");
    CHECK(u.origin == "localhost:9200");
    CHECK(u.host_header == "localhost:9200");
}

TEST_CASE("parse_url: default port") {
    const Url u = parse_ok("http://example.com");
    CHECK(u.host == "example.com");
    CHECK(u.port == "80");
    CHECK(u.target == "/");
    CHECK(u.origin == "example.com:80");
    CHECK(u.host_header == "example.com");

    const Url upper = parse_ok("HTTP://example.com/x");
    CHECK(upper.host == "example.com");
    CHECK(upper.target == "/x");
}

TEST_CASE("parse_url: path, query and fragment") {
    const Url u = parse_ok("http://h/p?q=1#frag");
    CHECK(u.host == "h");
    CHECK(u.target == "/p?q=1");
    CHECK(u.origin == "h:80");

    CHECK(parse_ok("http://h?x=1").target == "/?x=1");
    CHECK(parse_ok("http://h#frag").target == "/");
    CHECK(parse_ok("http://h/").target == "/");
    CHECK(parse_ok("http://h:8080/a/b?c=d&e=f").target == "/a/b?c=d&e=f");
    CHECK(parse_ok("http://h:8080/a/b?c=d&e=f").port == "8080");
}

TEST_CASE("parse_url: IPv6 literal") {
    const Url u = parse_ok("http://[::1]:8080/x");
    CHECK(u.host == "::1");
    CHECK(u.port == "8080");
    CHECK(u.target == "/x");
    CHECK(u.host_header == "[::1]:8080");

    const Url no_port = parse_ok("http://[fe80::1]/");
    CHECK(no_port.host == "fe80::1");
    CHECK(no_port.port == "80");
    CHECK(no_port.host_header == "[fe80::1]");
}

TEST_CASE("parse_url: credentials are dropped") {
    const Url u = parse_ok("http://user:secret@h:81/p");
    CHECK(u.host == "h");
    CHECK(u.port == "81");
    CHECK(u.host_header == "h:81");
    CHECK(u.target == "/p");
}

TEST_CASE("parse_url: rejected URLs") {
    for (const std::string bad : {"https://h", "ftp://h", "h/x", "", "http://", "http:///p", "http://h:0",
                                  "http://h:99999", "http://h:65536", "http://h:123456", "http://h:abc",
                                  "http://h:-1", "http://[::1", "http://[::1]x", "http://:80"}) {
        CAPTURE(bad);
        std::string error;
        const std::optional<Url> url = parse_url(bad, error);
        CHECK_FALSE(url.has_value());
        CHECK_FALSE(error.empty());
    }
    std::string error;
    CHECK_FALSE(parse_url("https://h", error).has_value());
    CHECK(error.find("https") != std::string::npos);
    CHECK(parse_url("http://h:65535", error).has_value());
}

TEST_CASE("parse_url: the target is requoted like Requests") {
    CHECK(parse_ok("http://h/a b").target == "/a%20b");
    CHECK(parse_ok("http://h/p?q=x y&z=1").target == "/p?q=x%20y&z=1");
    CHECK(parse_ok("http://h/%41%zz%").target == "/%41%25zz%25");                    // valid escapes kept
    CHECK(parse_ok("http://h/x\r\nInjected: 1").target == "/x%0D%0AInjected:%201");  // no CR/LF on the wire
    CHECK(parse_ok("http://h/caf\xc3\xa9").target == "/caf%C3%A9");
    CHECK(parse_ok("http://h/keep/-._~:@!$&'()*+,;=?a=[1]").target == "/keep/-._~:@!$&'()*+,;=?a=[1]");
}

TEST_CASE("parse_url: hosts with characters no host name has are refused") {
    for (const std::string text : {"http://a b/", "http://a\r\nb/", "http://h\"/", "http://[::1 x]/"}) {
        std::string error;
        CAPTURE(text);
        CHECK_FALSE(parse_url(text, error).has_value());
        CHECK(error.find("invalid URL") != std::string::npos);
    }
}
