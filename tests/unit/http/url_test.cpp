#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "http/url.hpp"

using loads::host::parse_url;
using loads::host::resolve_reference;
using loads::host::Scheme;
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
    CHECK(u.origin == "http://localhost:9200");
    CHECK(u.endpoint == "localhost:9200");
    CHECK(u.host_header == "localhost:9200");
}

TEST_CASE("parse_url: default port") {
    const Url u = parse_ok("http://example.com");
    CHECK(u.host == "example.com");
    CHECK(u.port == "80");
    CHECK(u.target == "/");
    CHECK(u.origin == "http://example.com:80");
    CHECK(u.endpoint == "example.com:80");
    CHECK(u.host_header == "example.com");

    const Url upper = parse_ok("HTTP://example.com/x");
    CHECK(upper.host == "example.com");
    CHECK(upper.target == "/x");
}

TEST_CASE("parse_url: path, query and fragment") {
    const Url u = parse_ok("http://h/p?q=1#frag");
    CHECK(u.host == "h");
    CHECK(u.target == "/p?q=1");
    CHECK(u.origin == "http://h:80");

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
    for (const std::string bad : {"gopher://h", "ftp://h", "h/x", "", "http://", "http:///p", "http://h:0",
                                  "http://h:99999", "http://h:65536", "http://h:123456", "http://h:abc",
                                  "http://h:-1", "http://[::1", "http://[::1]x", "http://:80"}) {
        CAPTURE(bad);
        std::string error;
        const std::optional<Url> url = parse_url(bad, error);
        CHECK_FALSE(url.has_value());
        CHECK_FALSE(error.empty());
    }
    std::string error;
    CHECK_FALSE(parse_url("ftp://h", error).has_value());
    CHECK(error.find("'ftp'") != std::string::npos);
    CHECK(parse_url("http://h:65535", error).has_value());
}

TEST_CASE("parse_url: https, ws and wss") {
    const Url secure = parse_ok("https://Example.COM/x");
    CHECK(secure.scheme == Scheme::https);
    CHECK(secure.tls());
    CHECK(secure.host == "example.com");
    CHECK(secure.port == "443");
    CHECK(secure.host_header == "example.com");
    CHECK(secure.origin == "https://example.com:443");
    CHECK(parse_ok("https://h:80/").host_header == "h:80");
    CHECK(parse_ok("http://h:443/").host_header == "h:443");

    const Url ws = parse_ok("ws://127.0.0.1:9000/ws");
    CHECK(ws.web_socket());
    CHECK_FALSE(ws.tls());
    CHECK(ws.target == "/ws");
    const Url wss = parse_ok("wss://h/ws");
    CHECK(wss.web_socket());
    CHECK(wss.tls());
    CHECK(wss.port == "443");
}

TEST_CASE("resolve_reference: redirect locations like RFC 3986") {
    const Url base = parse_ok("http://h:8080/a/b/c?q=1");
    CHECK(resolve_reference(base, "http://other/x") == "http://other/x");
    CHECK(resolve_reference(base, "HTTPS://other/x") == "HTTPS://other/x");
    CHECK(resolve_reference(base, "//other/x") == "http://other/x");
    CHECK(resolve_reference(base, "/root") == "http://h:8080/root");
    CHECK(resolve_reference(base, "d") == "http://h:8080/a/b/d");
    CHECK(resolve_reference(base, "d?x=2") == "http://h:8080/a/b/d?x=2");
    CHECK(resolve_reference(base, "?x=2") == "http://h:8080/a/b/c?x=2");
    CHECK(resolve_reference(base, "") == "http://h:8080/a/b/c?q=1");
    CHECK(resolve_reference(base, " /spaced#frag ") == "http://h:8080/spaced");
    CHECK(resolve_reference(parse_ok("https://h/"), "/x") == "https://h/x");
    CHECK(resolve_reference(parse_ok("http://[::1]:81/"), "/x") == "http://[::1]:81/x");
    CHECK(resolve_reference(base, "/p:q") == "http://h:8080/p:q");  // a colon after a '/' is no scheme
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
