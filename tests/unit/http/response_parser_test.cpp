// ResponseParser: every valid response reads exactly as Beast's parser (which the session used
// before) read it, whatever pieces it arrives in; framing errors are caught with Beast's error
// codes; and the leniencies RFC 9112 allows a client hold.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "http/response_parser.hpp"

using loads::host::ResponseParser;
using loads::host::ResponseStorage;
namespace http = boost::beast::http;

namespace {

constexpr std::size_t k_header_limit = 64 * 1024;
constexpr std::uint64_t k_body_limit = 1024 * 1024;

// What a response read as, for comparing two parsers.
struct Reading {
    boost::beast::error_code ec;
    bool done = false;
    bool keep_alive = false;
    int status = 0;
    std::string reason;
    std::string headers;
    std::string body;
    std::vector<std::string> cookies;
    std::optional<std::string> location;
    std::string left;  // bytes after the message, not consumed

    bool operator==(const Reading&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Reading& r) {
    return os << "{ec=" << r.ec.message() << " done=" << r.done << " keep_alive=" << r.keep_alive
              << " status=" << r.status << " reason=" << r.reason << " headers=" << r.headers
              << " body=" << r.body << " left=" << r.left << "}";
}

// Feeds `pieces` the way HttpSession does: a buffer that keeps what the parser left, then the
// end of the connection when `eof` and the message is not done.
Reading read_with_ours(const std::vector<std::string>& pieces, bool eof, bool is_head = false) {
    ResponseStorage out;
    out.header_block = "left over from the last response";
    out.body = "old body";
    out.set_cookies.emplace_back(1, 2);
    ResponseParser parser(out, k_header_limit, k_body_limit, is_head);
    Reading r;
    std::string buffer;
    for (const std::string& piece : pieces) {
        buffer += piece;
        if (r.done || r.ec) {
            continue;
        }
        const std::size_t used = parser.put(buffer, r.ec);
        REQUIRE(used <= buffer.size());
        buffer.erase(0, used);
        r.done = parser.is_done();
    }
    if (eof && !r.done && !r.ec) {
        parser.put_eof(r.ec);
        r.done = parser.is_done();
    }
    r.keep_alive = r.done && parser.keep_alive();
    r.status = out.status;
    r.reason = out.reason;
    r.headers = out.header_block;
    r.body = out.body;
    for (const auto& at : out.set_cookies) {
        r.cookies.emplace_back(out.slice(at));
    }
    if (out.has_location) {
        r.location = std::string(out.slice(out.location));
    }
    r.left = buffer;
    return r;
}

// Beast's parser, kept here as the reference the session's parser must agree with.
class BeastReference final : public http::basic_parser<false> {
public:
    explicit BeastReference(Reading& r) : m_r(r) {}

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    void on_request_impl(http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view reason, int, error_code&) override {
        m_r.status = code;
        m_r.reason = std::string(reason);
    }
    void on_field_impl(http::field field, string_view name, string_view value, error_code&) override {
        m_r.headers += std::string(name) + ": " + std::string(value) + "\r\n";
        if (field == http::field::set_cookie) {
            m_r.cookies.emplace_back(value);
        } else if (field == http::field::location && !m_r.location) {
            m_r.location = std::string(value);
        }
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override {
        m_r.body.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
        m_r.body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    Reading& m_r;
};

Reading read_with_beast(const std::vector<std::string>& pieces, bool eof, bool is_head = false) {
    Reading r;
    BeastReference parser(r);
    parser.header_limit(k_header_limit);
    parser.body_limit(k_body_limit);
    parser.skip(is_head);
    std::string buffer;
    for (const std::string& piece : pieces) {
        buffer += piece;
        while (!r.done && !r.ec && !buffer.empty()) {
            const std::size_t used = parser.put(boost::asio::buffer(buffer), r.ec);
            buffer.erase(0, used);
            if (r.ec == http::error::need_more) {
                r.ec = {};
                break;
            }
            r.done = parser.is_done();
            if (used == 0) {
                break;
            }
        }
    }
    if (eof && !r.done && !r.ec && parser.got_some()) {
        parser.put_eof(r.ec);
        r.done = parser.is_done();
    }
    r.keep_alive = r.done && parser.keep_alive();
    r.left = buffer;
    return r;
}

// The ways one response can arrive: whole, a byte at a time, and cut in two at every place.
std::vector<std::vector<std::string>> arrivals(const std::string& text) {
    std::vector<std::vector<std::string>> ways{{text}};
    std::vector<std::string> bytes;
    for (char c : text) {
        bytes.emplace_back(1, c);
    }
    ways.push_back(bytes);
    // Every cut of a short response; a long one's cuts are spread over it (its header included).
    const std::size_t step = text.size() <= 600 ? 1 : 97;
    for (std::size_t cut = 1; cut < text.size(); cut += (cut < 100 ? 1 : step)) {
        ways.push_back({text.substr(0, cut), text.substr(cut)});
    }
    return ways;
}

struct Case {
    const char* what;
    std::string text;
    bool eof = false;  // the server closes after it
    bool is_head = false;
};

Reading read_whole(const std::string& text, bool eof = false, bool is_head = false) {
    return read_with_ours({text}, eof, is_head);
}

}  // namespace

TEST_CASE("ResponseParser reads every valid response as Beast's parser does, in any pieces") {
    const std::vector<Case> cases = {
        {"nginx's short 200",
         "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Fri, 27 Nov 2026 23:00:00 GMT\r\n"
         "Content-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n"},
        {"no header field at all", "HTTP/1.1 204 No Content\r\n\r\n"},
        {"surrounding whitespace is not part of a value",
         "HTTP/1.1 200 OK\r\nX-A:   spaced \t \r\nX-B:\tx y\r\nX-Empty:\r\nX-Blank:   \r\nContent-Length: "
         "0\r\n\r\n"},
        {"cookies and the first Location",
         "HTTP/1.1 302 Found\r\nSet-Cookie: a=1; Path=/\r\nLOCATION: /next\r\nset-cookie: b=2\r\n"
         "Location: /other\r\nContent-Length: 5\r\n\r\nmoved"},
        {"obs-text in a value and the reason",
         "HTTP/1.1 200 \xc3\xa9t\xc3\xa9\r\nX-Name: caf\xc3\xa9\r\nContent-Length: 1\r\n\r\nx"},
        {"long values with tabs and obs-text",
         "HTTP/1.1 200 OK\r\nX-Tabbed: abcdefghij\tklmnopqrstu\xff\xfevwxyz0123456789\t\r\n"
         "Content-Type: text/html; charset=utf-8\r\nContent-Length: 1\r\n\r\nx"},
        {"names in any case, and near misses that are other fields",
         "HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\nContent-Lengthy: 9\r\nContent_Length: 7\r\nLocatioN: /x\r\n"
         "Set-Cookie2: old=1\r\ncONNECTION: Keep-Alive\r\nTransfer-Encodinf: chunked\r\n\r\nok"},
        {"a reason with spaces", "HTTP/1.1 404 Not Found Here\r\nContent-Length: 2\r\n\r\nno"},
        {"an empty reason", "HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok"},
        {"chunked, with extensions and trailers",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n1 ; x\r\n,\r\n"
         "A\r\n0123456789\r\nf\r\nabcdefghijklmno\r\n0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n"},
        {"chunked, no trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
        {"chunked as the last of several codings",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nzz\r\n0\r\n\r\n"},
        {"HTTP/1.0 without a length runs to the end", "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nuntil the end",
         true},
        {"HTTP/1.1 without a length runs to the end", "HTTP/1.1 200 OK\r\n\r\nuntil the end\r\n\r\nstill",
         true},
        {"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok"},
        {"HTTP/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
        {"Connection: close among other tokens",
         "HTTP/1.1 200 OK\r\nConnection: foo, CLOSE\r\nContent-Length: 2\r\n\r\nok"},
        {"304 announces a length but has no body",
         "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"},
        {"a HEAD response", "HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n", false, true},
        {"a HEAD response announcing chunks", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false,
         true},
        {"a 1xx reply and what follows stay apart",
         "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
        {"the next response is left in the buffer",
         "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n"},
        {"Content-Length 0", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
        {"a body bigger than a read",
         "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n" + std::string(40000, 'b')},
        {"cut short in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", true},
        {"cut short in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", true},
    };
    for (const Case& c : cases) {
        const std::string what = c.what;
        CAPTURE(what);
        const auto ways = arrivals(c.text);
        const Reading expected = read_with_beast({c.text}, c.eof, c.is_head);
        // The reference must itself have read something, or agreeing with it would prove little.
        CHECK((expected.status != 0 || expected.ec));
        for (const auto& pieces : ways) {
            CAPTURE(pieces.size());
            CAPTURE(pieces.front().size());
            const Reading ours = read_with_ours(pieces, c.eof, c.is_head);
            REQUIRE(ours == expected);
            REQUIRE(read_with_beast(pieces, c.eof, c.is_head) == expected);
        }
    }
}

TEST_CASE("ResponseParser: what a response ends with decides whether the connection is kept") {
    CHECK(read_whole("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
    CHECK_FALSE(read_whole("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
    CHECK_FALSE(read_whole("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
    CHECK(read_whole("HTTP/1.0 200 OK\r\nconnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keep_alive);
    // A body that runs to the end of the connection ends it.
    const Reading to_eof = read_whole("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzipped", true);
    CHECK(to_eof.done);
    CHECK(to_eof.body == "zipped");
    CHECK_FALSE(to_eof.keep_alive);
    // Transfer-Encoding beside Content-Length: the coding frames the body, the connection goes.
    const Reading both = read_whole(
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    CHECK(both.done);
    CHECK(both.body == "ok");
    CHECK_FALSE(both.keep_alive);
    // HTTP/1.0 has no Transfer-Encoding: read as told, then close (RFC 9112 6.1).
    const Reading old_chunked = read_whole(
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: "
        "chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
    CHECK(old_chunked.done);
    CHECK(old_chunked.body == "ok");
    CHECK_FALSE(old_chunked.keep_alive);
    // 101: the connection speaks another protocol now.
    const Reading upgrade = read_whole("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n");
    CHECK(upgrade.done);
    CHECK_FALSE(upgrade.keep_alive);
}

TEST_CASE("ResponseParser: leniencies a client may allow itself") {
    SUBCASE("a status line without the space before an empty reason") {
        const Reading r = read_whole("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok");
        CHECK(r.done);
        CHECK(r.status == 200);
        CHECK(r.reason.empty());
    }
    SUBCASE("one Content-Length repeated, in a list or in several fields") {
        for (const char* text : {"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
                                 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"}) {
            CAPTURE(text);
            const Reading r = read_whole(text);
            CHECK_FALSE(r.ec);
            CHECK(r.body == "ok");
        }
    }
    SUBCASE("obs-fold is read as one space") {
        const Reading r = read_with_ours(
            {"HTTP/1.1 302 Found\r\nLocation: /a\r\n  /b\r\nX-Long: one\r\n\ttwo  \r\n three\r\nX-Empty:\r\n",
             " later\r\nContent-Length:\r\n 1\r\n\r\nx"},
            false);
        CHECK_FALSE(r.ec);
        CHECK(r.headers ==
              "Location: /a /b\r\nX-Long: one two three\r\nX-Empty: later\r\nContent-Length: 1\r\n");
        REQUIRE(r.location);
        CHECK(*r.location == "/a /b");
        CHECK(r.body == "x");
    }
    SUBCASE("trailers are kept but frame nothing and set no cookie") {
        const Reading r = read_whole(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 99\r\n"
            "Set-Cookie: sneaky=1\r\nConnection: close\r\n\r\n");
        CHECK(r.done);
        CHECK(r.keep_alive);
        CHECK(r.cookies.empty());
        CHECK(r.headers ==
              "Transfer-Encoding: chunked\r\nContent-Length: 99\r\nSet-Cookie: sneaky=1\r\nConnection: "
              "close\r\n");
    }
}

TEST_CASE("ResponseParser: malformed responses are refused with Beast's error codes") {
    struct Bad {
        const char* what;
        std::string text;
        http::error expected;
    };
    const std::vector<Bad> bad = {
        {"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", http::error::bad_version},
        {"HTTP/2 text", "HTTP/2 200\r\n\r\n", http::error::bad_version},
        {"a status of two digits", "HTTP/1.1 20 OK\r\n\r\n", http::error::bad_status},
        {"a status of four digits", "HTTP/1.1 2000 OK\r\n\r\n", http::error::bad_status},
        {"a status below 100", "HTTP/1.1 099 Odd\r\n\r\n", http::error::bad_status},
        {"a control character in the reason", "HTTP/1.1 200 O\x01K\r\n\r\n", http::error::bad_reason},
        {"a bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", http::error::bad_line_ending},
        {"a bare LF after the status line", "HTTP/1.1 200 OK\r\nX: y\n\r\n", http::error::bad_line_ending},
        {"a bare CR in a value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", http::error::bad_value},
        {"a control character in a value", "HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", http::error::bad_value},
        {"a control character deep in a long value",
         "HTTP/1.1 200 OK\r\nX: abcdefghijklmnop\x01qrstuvwxyz\r\n\r\n", http::error::bad_value},
        {"DEL deep in a long value", "HTTP/1.1 200 OK\r\nX: abcdefghijklmnopqrstu\x7fvwxyz\r\n\r\n",
         http::error::bad_value},
        {"a bare CR deep in a long value", "HTTP/1.1 200 OK\r\nX: abcdefghijklmnopqrstu\rvwxyz\r\n\r\n",
         http::error::bad_value},
        {"a space before the colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", http::error::bad_field},
        {"no colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", http::error::bad_field},
        {"an empty name", "HTTP/1.1 200 OK\r\n: value\r\n\r\n", http::error::bad_field},
        {"a fold with no field before it", "HTTP/1.1 200 OK\r\n folded\r\n\r\n", http::error::bad_obs_fold},
        {"a length that is not a number", "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
         http::error::bad_content_length},
        {"a negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
         http::error::bad_content_length},
        {"an empty length", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", http::error::bad_content_length},
        {"a length past 2^64", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
         http::error::bad_content_length},
        {"two lengths in a list", "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx",
         http::error::multiple_content_length},
        {"two lengths in two fields", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
         http::error::multiple_content_length},
        {"a chunk size that is not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         http::error::bad_chunk},
        {"a chunk size past 2^64",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
         http::error::bad_chunk},
        {"chunk data longer than its size",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
         http::error::bad_chunk},
        {"junk after a chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 x\r\nab\r\n",
         http::error::bad_chunk},
        {"a bare LF after a chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n",
         http::error::bad_line_ending},
        {"a chunk-size line that never ends",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + std::string(5000, 'e'),
         http::error::bad_chunk_extension},
        {"a chunk-size line over 4 KiB, its end there too",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;" + std::string(4100, 'x') +
             "\r\nok\r\n0\r\n\r\n",
         http::error::bad_chunk_extension},
        {"a header over the limit", "HTTP/1.1 200 OK\r\nX: " + std::string(k_header_limit, 'h'),
         http::error::header_limit},
        {"a complete header over the limit",
         "HTTP/1.1 200 OK\r\nX: " + std::string(k_header_limit, 'h') + "\r\n\r\n", http::error::header_limit},
        {"trailers over the limit",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + std::string(k_header_limit, 't'),
         http::error::header_limit},
        {"a length over the body limit",
         "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(k_body_limit + 1) + "\r\n\r\n",
         http::error::body_limit},
        {"chunks over the body limit",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80000\r\n" + std::string(0x80000, 'c') +
             "\r\n80001\r\n",
         http::error::body_limit},
        {"a body to the end over the body limit",
         "HTTP/1.1 200 OK\r\n\r\n" + std::string(k_body_limit + 1, 'e'), http::error::body_limit},
    };
    for (const Bad& b : bad) {
        const std::string what = b.what;
        CAPTURE(what);
        const Reading whole = read_whole(b.text);
        CHECK(whole.ec == b.expected);
        CHECK_FALSE(whole.done);
        if (b.text.size() < 200) {  // and the same a byte at a time
            std::vector<std::string> bytes;
            for (char c : b.text) {
                bytes.emplace_back(1, c);
            }
            CHECK(read_with_ours(bytes, false).ec == b.expected);
        }
    }
}

TEST_CASE("ResponseParser: the end of the connection") {
    SUBCASE("ends a body that runs to it") {
        const Reading r = read_with_ours({"HTTP/1.1 200 OK\r\n\r\npart one, ", "part two"}, true);
        CHECK(r.done);
        CHECK(r.body == "part one, part two");
    }
    SUBCASE("cuts short a body with a length, a chunked body or a header") {
        for (const char* text :
             {"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", "HTTP/1.1 200 OK\r\n"}) {
            CAPTURE(text);
            const Reading r = read_whole(text, true);
            CHECK(r.ec == http::error::partial_message);
            CHECK_FALSE(r.done);
        }
    }
    SUBCASE("tells whether anything came at all") {
        ResponseStorage out;
        ResponseParser parser(out, k_header_limit, k_body_limit, false);
        boost::beast::error_code ec;
        CHECK(parser.put("", ec) == 0);
        CHECK_FALSE(parser.got_some());
        CHECK(parser.put("H", ec) == 0);
        CHECK(parser.got_some());
        CHECK_FALSE(ec);
    }
}

TEST_CASE("ResponseStorage keeps a small body's buffer for the next response, not a big one's") {
    ResponseStorage out;
    boost::beast::error_code ec;
    const std::string small = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 's');
    ResponseParser(out, k_header_limit, 8 * k_body_limit, false).put(small, ec);
    REQUIRE_FALSE(ec);
    const std::size_t kept = out.body.capacity();
    out.clear();
    CHECK(out.body.capacity() == kept);

    const std::string big =
        "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n" + std::string(2'000'000, 'b');
    ResponseParser(out, k_header_limit, 8 * k_body_limit, false).put(big, ec);
    REQUIRE_FALSE(ec);
    CHECK(out.body.size() == 2'000'000);
    out.clear();
    CHECK(out.body.capacity() <= ResponseStorage::k_body_kept);
}
