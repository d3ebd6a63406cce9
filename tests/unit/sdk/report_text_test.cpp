// The escaping every built-in output relies on (the SDK's loads/report_text.hpp).
#include <doctest/doctest.h>

#include <string>

#include <loads/report_text.hpp>

using loads::report_text::iso8601;
using loads::report_text::json_string;
using loads::report_text::xml_text;

TEST_CASE("json_string escapes and always yields valid UTF-8") {
    CHECK(json_string("a\"b\\c\nd\te\x01") == "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
    CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");                            // valid UTF-8 kept
    CHECK(json_string("x\xff y") == "\"x\xef\xbf\xbd y\"");                            // a stray byte
    CHECK(json_string("\xc0\xaf") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong '/'
    CHECK(json_string("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a surrogate
    CHECK(json_string("\xe2\x82") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // cut short
}

TEST_CASE("xml_text escapes markup and drops what XML 1.0 cannot hold") {
    CHECK(xml_text("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
    CHECK(xml_text("1\n2\t3\r") == "1&#10;2&#9;3&#13;");
    CHECK(xml_text("a\x01z") == "a\xef\xbf\xbdz");
    CHECK(xml_text("\xef\xbf\xbe\xef\xbf\xbf") == "\xef\xbf\xbd\xef\xbf\xbd");  // U+FFFE, U+FFFF
    CHECK(xml_text("\xef\xbf\xbd") == "\xef\xbf\xbd");                          // U+FFFD itself is fine
}

TEST_CASE("iso8601") {
    CHECK(iso8601(1'371'212'142'860'586) == "2013-06-14T12:15:42.860586Z");
    std::string out;
    loads::report_text::Iso8601Writer w;
    w.append(out, 1'371'212'142'000'001);
    w.append(out, 1'371'212'143'000'002);  // the next second: the date part is redone
    CHECK(out == "2013-06-14T12:15:42.000001Z2013-06-14T12:15:43.000002Z");
}
