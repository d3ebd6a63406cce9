// External runners' messages: every data_type, the shapes real runners send (Python's relay,
// loads.js), and every way a message can be malformed, each with its reason.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "external/message.hpp"

using loads::host::data_type_name;
using loads::host::exception_name;
using loads::host::ExternalMessage;
using loads::host::ExternalMessageParser;
using loads::host::ExternalType;
using loads::host::traceback_location;

namespace {

struct Parsed {
    bool ok = false;
    ExternalMessage message;
    std::string why;
};

Parsed parse(std::string_view frame) {
    ExternalMessageParser parser;
    Parsed p;
    p.ok = parser.parse(frame, p.message, p.why);
    return p;
}

// The reason `frame` is malformed, or "(accepted)".
std::string why(std::string_view frame) {
    const Parsed p = parse(frame);
    return p.ok ? "(accepted)" : p.why;
}

}  // namespace

TEST_CASE("external message: every data_type is accepted with its minimal keys") {
    const struct {
        const char* frame;
        ExternalType type;
    } cases[] = {
        {R"({"data_type": "startTest"})", ExternalType::start_test},
        {R"({"data_type": "stopTest"})", ExternalType::stop_test},
        {R"({"data_type": "addSuccess"})", ExternalType::add_success},
        {R"({"data_type": "addFailure", "exc_info": []})", ExternalType::add_failure},
        {R"({"data_type": "addError", "exc_info": []})", ExternalType::add_error},
        {R"({"data_type": "add_hit", "url": "http://h/", "status": 200, "elapsed": 0})",
         ExternalType::add_hit},
        {R"({"data_type": "socket_open"})", ExternalType::socket_open},
        {R"({"data_type": "socket_close"})", ExternalType::socket_close},
        {R"({"data_type": "socket_message", "size": 0})", ExternalType::socket_message},
        {R"({"data_type": "incr_counter", "name": "n"})", ExternalType::incr_counter},
        {R"({"data_type": "startTestRun"})", ExternalType::start_test_run},
        {R"({"data_type": "stopTestRun"})", ExternalType::stop_test_run},
    };
    for (const auto& c : cases) {
        CAPTURE(c.frame);
        const Parsed p = parse(c.frame);
        CHECK(p.ok);
        CHECK(p.why.empty());
        CHECK(p.message.type == c.type);
        CHECK_FALSE(p.message.has_run_id);
        CHECK_FALSE(p.message.status.given);
        CHECK(std::string(c.frame).find(std::string("\"") + std::string(data_type_name(c.type)) + "\"") !=
              std::string::npos);
    }
}

TEST_CASE("external message: the envelope's run_id and loads_status, agent_id of any type") {
    const Parsed p =
        parse(R"({"data_type": "startTest", "agent_id": 12, "run_id": "r-1", "loads_status": [10, 3, 4, 2],)"
              R"J( "test": "test_es (example.TestWebSite)"})J");
    REQUIRE(p.ok);
    CHECK(p.message.type == ExternalType::start_test);
    CHECK(p.message.has_run_id);
    CHECK(p.message.run_id == "r-1");
    CHECK(p.message.status.given);
    CHECK(p.message.status.hits == 10);
    CHECK(p.message.status.users == 3);
    CHECK(p.message.status.hit == 4);
    CHECK(p.message.status.user == 2);
    CHECK(p.message.test == "test_es (example.TestWebSite)");

    const Parsed big = parse(R"({"data_type": "stopTest", "loads_status": [18446744073709551615, 0, 0, 1]})");
    REQUIRE(big.ok);
    CHECK(big.message.status.hits == 18446744073709551615ULL);
}

TEST_CASE("external message: a missing, null or empty run_id is tolerated") {
    CHECK_FALSE(parse(R"({"data_type": "addSuccess"})").message.has_run_id);
    const Parsed null_id = parse(R"({"data_type": "addSuccess", "run_id": null, "loads_status": null})");
    CHECK(null_id.ok);
    CHECK_FALSE(null_id.message.has_run_id);
    CHECK_FALSE(null_id.message.status.given);
    const Parsed empty = parse(R"({"data_type": "addSuccess", "run_id": ""})");
    CHECK(empty.ok);
    CHECK(empty.message.has_run_id);
    CHECK(empty.message.run_id.empty());
}

TEST_CASE("external message: extra keys are ignored everywhere") {
    const Parsed p = parse(
        R"({"hostname": "box", "data_type": "add_hit", "url": "http://h/x", "status": 404, "elapsed": 0.25,)"
        R"( "nested": {"a": [1, {"b": null}]}, "test": 7, "size": "big", "exc_info": 3})");
    REQUIRE(p.ok);
    CHECK(p.message.url == "http://h/x");
    CHECK(p.message.status_code == 404);
    CHECK(p.message.test.empty());  // add_hit has no `test`: the wrong type is an ignored extra
    CHECK(p.message.size == 0);
    CHECK(why(R"({"data_type": "socket_open", "size": -1, "url": 5})") == "(accepted)");
}

TEST_CASE("external message: add_hit reads url, method, status, started and elapsed") {
    const Parsed p =
        parse(R"({"data_type": "add_hit", "url": "http://localhost:9000/", "method": "POST", "status": 201,)"
              R"( "started": "2013-10-05T14:31:02.123456", "elapsed": 0.0123456})");
    REQUIRE(p.ok);
    CHECK(p.message.type == ExternalType::add_hit);
    CHECK(p.message.url == "http://localhost:9000/");
    CHECK(p.message.method == "POST");
    CHECK(p.message.status_code == 201);
    CHECK(p.message.has_started);
    CHECK(p.message.started_us == 1380983462123456);
    CHECK(p.message.elapsed_us == 12346);  // rounded to the microsecond

    const Parsed defaults = parse(R"({"data_type": "add_hit", "url": "u", "status": 0, "elapsed": 2})");
    REQUIRE(defaults.ok);
    CHECK(defaults.message.method == "GET");
    CHECK(defaults.message.status_code == 0);
    CHECK_FALSE(defaults.message.has_started);
    CHECK(defaults.message.elapsed_us == 2000000);

    const Parsed nulls = parse(
        R"({"data_type": "add_hit", "url": "u", "method": null, "status": 999, "elapsed": 1e6, "started": null})");
    REQUIRE(nulls.ok);
    CHECK(nulls.message.method == "GET");
    CHECK(nulls.message.status_code == 999);
    CHECK_FALSE(nulls.message.has_started);
    CHECK(nulls.message.elapsed_us == 1000000000000ULL);
}

TEST_CASE("external message: Python's exc_info shape, reduced to a name and a location") {
    const Parsed p = parse(
        R"J({"data_type": "addFailure", "test": "test_x (mod.T)", "run_id": "r", "exc_info": )J"
        R"(["<type 'exceptions.Exception'>", "Error message", )"
        R"("  File \"/a/case.py\", line 10, in run\n    f()\n  File \"/a/t.py\", line 42, in f\n    raise E\n"]})");
    REQUIRE(p.ok);
    CHECK(p.message.type == ExternalType::add_failure);
    CHECK(p.message.test == "test_x (mod.T)");
    CHECK(p.message.exc_type == "<type 'exceptions.Exception'>");
    CHECK(p.message.exc_message == "Error message");
    CHECK(exception_name(p.message.exc_type) == "Exception");
    CHECK(traceback_location(p.message.exc_traceback) == "/a/t.py:42");
}

TEST_CASE("external message: loads.js's exc_info shape, and short, long or null exc_info") {
    const Parsed js = parse(
        R"({"data_type": "addError", "exc_info": ["JSError", "{\"message\":\"boom\"}", ""], "loads_status": [1,1,1,1]})");
    REQUIRE(js.ok);
    CHECK(js.message.type == ExternalType::add_error);
    CHECK(js.message.exc_type == "JSError");
    CHECK(js.message.exc_message == R"({"message":"boom"})");
    CHECK(js.message.exc_traceback.empty());
    CHECK(exception_name(js.message.exc_type) == "JSError");
    CHECK(traceback_location(js.message.exc_traceback).empty());

    const Parsed one = parse(R"({"data_type": "addError", "exc_info": ["<class 'ValueError'>"]})");
    REQUIRE(one.ok);
    CHECK(one.message.exc_type == "<class 'ValueError'>");
    CHECK(one.message.exc_message.empty());

    const Parsed more = parse(R"({"data_type": "addFailure", "exc_info": [null, "m", null, 5, {}]})");
    REQUIRE(more.ok);
    CHECK(more.message.exc_type.empty());
    CHECK(more.message.exc_message == "m");
}

TEST_CASE("external message: socket_message's size and incr_counter's name") {
    const Parsed s = parse(R"({"data_type": "socket_message", "size": 12345678901})");
    REQUIRE(s.ok);
    CHECK(s.message.size == 12345678901ULL);
    const Parsed c = parse(R"({"data_type": "incr_counter", "name": "logins", "test": "t"})");
    REQUIRE(c.ok);
    CHECK(c.message.name == "logins");
    CHECK(c.message.test == "t");
}

TEST_CASE("external message: malformed frames, each with its reason") {
    const struct {
        std::string_view frame;
        const char* reason;
    } cases[] = {
        {"", "an empty frame"},
        {"   ", "an empty frame"},
        {"{", "not JSON"},
        {"{'data_type': 'startTest'}", "not JSON"},
        {R"({"data_type": "startTest"} x)", "not JSON"},
        {R"({"data_type": "startTest", "elapsed": NaN})", "not JSON"},
        {"[1]", "not a JSON object"},
        {R"("startTest")", "not a JSON object"},
        {"null", "not a JSON object"},
        {"{}", "no data_type"},
        {R"({"data_type": null})", "no data_type"},
        {R"({"data_type": 3})", "'data_type' is not a string"},
        {R"({"data_type": "foo"})", "unknown data_type 'foo'"},
        {R"({"data_type": "starttest"})", "unknown data_type 'starttest'"},
        {R"({"data_type": "startTest", "run_id": 5})", "'run_id' is not a string"},
        {R"({"data_type": "startTest", "loads_status": "1,2,3,4"})",
         "'loads_status' is not 4 non-negative integers"},
        {R"({"data_type": "startTest", "loads_status": [1, 2, 3]})",
         "'loads_status' is not 4 non-negative integers"},
        {R"({"data_type": "startTest", "loads_status": [1, 2, 3, 4, 5]})",
         "'loads_status' is not 4 non-negative integers"},
        {R"({"data_type": "startTest", "loads_status": [1, 2, 3, -4]})",
         "'loads_status' is not 4 non-negative integers"},
        {R"({"data_type": "startTest", "loads_status": [1, 2, 3, 4.0]})",
         "'loads_status' is not 4 non-negative integers"},
        {R"({"data_type": "startTest", "loads_status": [1, "2", 3, 4]})",
         "'loads_status' is not 4 non-negative integers"},
        {R"({"data_type": "startTest", "test": 5})", "startTest: 'test' is not a string"},
        {R"({"data_type": "addSuccess", "test": ["t"]})", "addSuccess: 'test' is not a string"},
        {R"({"data_type": "addFailure"})", "addFailure without 'exc_info'"},
        {R"({"data_type": "addFailure", "exc_info": null})", "addFailure without 'exc_info'"},
        {R"({"data_type": "addFailure", "exc_info": "boom"})", "addFailure: 'exc_info' is not an array"},
        {R"({"data_type": "addError", "exc_info": [1]})",
         "addError: 'exc_info' element 0 is neither a string nor null"},
        {R"({"data_type": "addError", "exc_info": ["a", "b", {}]})",
         "addError: 'exc_info' element 2 is neither a string nor null"},
        {R"({"data_type": "addError", "test": 1, "exc_info": []})", "addError: 'test' is not a string"},
        {R"({"data_type": "add_hit", "status": 200, "elapsed": 0})", "add_hit without 'url'"},
        {R"({"data_type": "add_hit", "url": "", "status": 200, "elapsed": 0})", "add_hit: 'url' is empty"},
        {R"({"data_type": "add_hit", "url": 1, "status": 200, "elapsed": 0})",
         "add_hit: 'url' is not a string"},
        {R"({"data_type": "add_hit", "url": "u", "method": 1, "status": 200, "elapsed": 0})",
         "add_hit: 'method' is not a string"},
        {R"({"data_type": "add_hit", "url": "u", "elapsed": 0})", "add_hit without 'status'"},
        {R"({"data_type": "add_hit", "url": "u", "status": "200", "elapsed": 0})",
         "add_hit: 'status' is not an integer"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200.0, "elapsed": 0})",
         "add_hit: 'status' is not an integer"},
        {R"({"data_type": "add_hit", "url": "u", "status": true, "elapsed": 0})",
         "add_hit: 'status' is not an integer"},
        {R"({"data_type": "add_hit", "url": "u", "status": 1000, "elapsed": 0})",
         "add_hit: 'status' is not in 0..999"},
        {R"({"data_type": "add_hit", "url": "u", "status": -1, "elapsed": 0})",
         "add_hit: 'status' is not in 0..999"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200})", "add_hit without 'elapsed'"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": "0.1"})",
         "add_hit: 'elapsed' is not a number"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": -0.5})",
         "add_hit: 'elapsed' is negative"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": 1000000.5})",
         "add_hit: 'elapsed' is more than 1000000 seconds"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": 1e400})", "not JSON"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": 0, "started": 5})",
         "add_hit: 'started' is not a string"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": 0, "started": "yesterday"})",
         "add_hit: 'started' is not an ISO 8601 date-time: 'yesterday'"},
        {R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": 0, "started": "2013-13-05T14:31:02"})",
         "add_hit: 'started' is not an ISO 8601 date-time: '2013-13-05T14:31:02'"},
        {R"({"data_type": "socket_message"})", "socket_message without 'size'"},
        {R"({"data_type": "socket_message", "size": -1})", "socket_message: 'size' is negative"},
        {R"({"data_type": "socket_message", "size": 1.5})", "socket_message: 'size' is not an integer"},
        {R"({"data_type": "incr_counter"})", "incr_counter without 'name'"},
        {R"({"data_type": "incr_counter", "name": ""})", "incr_counter: 'name' is empty"},
        {R"({"data_type": "incr_counter", "name": "n", "test": 1})", "incr_counter: 'test' is not a string"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.frame);
        CHECK(why(c.frame) == c.reason);
    }
}

TEST_CASE("external message: invalid UTF-8, deep nesting and oversized frames are malformed") {
    CHECK(why("{\"data_type\": \"startTest\", \"test\": \"a\xFF\"}") == "not JSON: invalid UTF-8");
    CHECK(why("{\"data_type\": \"startTest\", \"x\": \"\xED\xA0\x80\"}") == "not JSON: invalid UTF-8");
    const std::string deep =
        R"({"data_type": "startTest", "x": )" + std::string(2000, '[') + std::string(2000, ']') + "}";
    CHECK(why(deep) == "not JSON: nested too deeply");

    std::string large = R"({"data_type": "startTest", "test": ")";
    large += std::string(ExternalMessageParser::k_max_frame, 'a') + "\"}";
    CHECK(why(large) == "a frame of " + std::to_string(large.size()) + " bytes");
    // Just under the limit is parsed.
    const std::string prefix = R"({"data_type": "startTest", "test": ")";
    const std::string fits =
        prefix + std::string(ExternalMessageParser::k_max_frame - prefix.size() - 2, 'b') + "\"}";
    REQUIRE(fits.size() == ExternalMessageParser::k_max_frame);
    const Parsed p = parse(fits);
    CHECK(p.ok);
    CHECK(p.message.test.size() == ExternalMessageParser::k_max_frame - prefix.size() - 2);
}

TEST_CASE("external message: a reason is one printable line of at most 200 bytes") {
    const std::string control = why("{\"data_type\": \"a\\nb\\u0007c\\u0085d\"}");
    CHECK(control == "unknown data_type 'a?b?c?d'");

    const std::string long_type = why(R"({"data_type": ")" + std::string(500, 'x') + "\"}");
    CHECK(long_type.size() <= 200);
    CHECK(long_type.rfind("unknown data_type 'xxxx", 0) == 0);
    CHECK(long_type.find("...'") != std::string::npos);

    // A cut never splits a character: 'é' is two bytes.
    std::string accents;
    for (int i = 0; i < 300; ++i) {
        accents += "\xC3\xA9";
    }
    const std::string cut =
        why(R"({"data_type": "add_hit", "url": "u", "status": 200, "elapsed": 0, "started": ")" + accents +
            "\"}");
    CHECK(cut.size() <= 200);
    CHECK(cut.find("\xC3...") == std::string::npos);
    CHECK(cut.find("\xC3\xA9...'") != std::string::npos);
}

TEST_CASE("external message: a repeated key counts with its first value") {
    const Parsed p =
        parse(R"({"data_type": "incr_counter", "name": "first", "name": "second", "data_type": "x"})");
    REQUIRE(p.ok);
    CHECK(p.message.type == ExternalType::incr_counter);
    CHECK(p.message.name == "first");
    CHECK(why(R"({"data_type": "socket_message", "size": -1, "size": 3})") ==
          "socket_message: 'size' is negative");
}

TEST_CASE("external message: one parser reads many frames and resets every field each time") {
    ExternalMessageParser parser;
    ExternalMessage m;
    std::string reason;
    REQUIRE(parser.parse(
        R"({"data_type": "add_hit", "run_id": "r", "loads_status": [1,2,3,4], "url": "http://a/",)"
        R"( "method": "PUT", "status": 500, "elapsed": 1.5, "started": "2013-10-05T14:31:02Z"})",
        m, reason));
    CHECK(m.url == "http://a/");
    REQUIRE(parser.parse(R"({"data_type": "socket_open"})", m, reason));
    CHECK(m.type == ExternalType::socket_open);
    CHECK_FALSE(m.has_run_id);
    CHECK(m.run_id.empty());
    CHECK_FALSE(m.status.given);
    CHECK(m.status.hits == 0);
    CHECK(m.url.empty());
    CHECK(m.method.empty());
    CHECK(m.status_code == 0);
    CHECK_FALSE(m.has_started);
    CHECK(m.started_us == 0);
    CHECK(m.elapsed_us == 0);

    REQUIRE(
        parser.parse(R"({"data_type": "addError", "test": "t", "exc_info": ["a", "b", "c"]})", m, reason));
    REQUIRE(parser.parse(R"({"data_type": "incr_counter", "name": "n"})", m, reason));
    CHECK(m.test.empty());
    CHECK(m.exc_type.empty());
    CHECK(m.exc_message.empty());
    CHECK(m.exc_traceback.empty());
    REQUIRE(parser.parse(R"({"data_type": "socket_message", "size": 9})", m, reason));
    CHECK(m.name.empty());
    CHECK_FALSE(parser.parse("{", m, reason));
    CHECK(reason == "not JSON");
    CHECK(m.size == 0);
    // A large frame, then small ones again: the buffer only grows.
    REQUIRE(parser.parse(R"({"data_type": "startTest", "test": ")" + std::string(100000, 'z') + "\"}", m,
                         reason));
    REQUIRE(parser.parse(R"({"data_type": "socket_message", "size": 3})", m, reason));
    CHECK(reason.empty());
    CHECK(m.size == 3);
    CHECK(m.test.empty());
}

TEST_CASE("external message: exception_name reduces Python's class texts") {
    CHECK(exception_name("<class 'AssertionError'>") == "AssertionError");
    CHECK(exception_name("<type 'exceptions.ValueError'>") == "ValueError");
    CHECK(exception_name("<class 'mod.MyError'>") == "mod.MyError");
    CHECK(exception_name("<class 'builtins.KeyError'>") == "KeyError");
    CHECK(exception_name("  <class 'AssertionError'>\n") == "AssertionError");
    CHECK(exception_name("  JSError ") == "JSError");
    CHECK(exception_name("<class ''>") == "<class ''>");
    CHECK(exception_name("<class 'X'") == "<class 'X'");
    CHECK(exception_name("") == "");
    CHECK(exception_name("   ") == "");
}

TEST_CASE("external message: traceback_location finds the last File line") {
    CHECK(traceback_location("Traceback (most recent call last):\n"
                             "  File \"/usr/lib/python3/unittest/case.py\", line 59, in testPartExecutor\n"
                             "    yield\n"
                             "  File \"tests/test_site.py\", line 12, in test_es\n"
                             "    self.assertEqual(r.status_code, 200)\n"
                             "AssertionError: 404 != 200\n") == "tests/test_site.py:12");
    CHECK(traceback_location("  File \"<string>\", line 1, in <module>") == "<string>:1");
    CHECK(traceback_location("  File \"a.py\", line 3\n  File \"b.py\", line x\n") == "a.py:3");
    CHECK(traceback_location("  File \"my \\\", line 5 dir/c.py\", line 7, in f") ==
          "my \\\", line 5 dir/c.py:7");
    CHECK(traceback_location("") == "");
    CHECK(traceback_location("Error: boom\n    at Object.<anonymous> (/x/t.js:3:9)") == "");
    CHECK(traceback_location("  File \"a.py\", line") == "");
}

TEST_CASE("external message: printable_line keeps UTF-8, marks what is not, cuts on a character") {
    using loads::host::printable_line;
    CHECK(printable_line("café \xE2\x82\xAC", 50) == "café \xE2\x82\xAC");
    CHECK(printable_line("a\xFF"
                         "b\xC3",
                         50) == "a?b?");                      // a stray byte, a cut sequence
    CHECK(printable_line("x\xC2\x85y\x7Fz", 50) == "x?y?z");  // C1 and DEL
    CHECK(printable_line("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 6) == "\xC3\xA9...");  // é is never split
    CHECK(printable_line("abcdefghij", 8) == "abcde...");
}
