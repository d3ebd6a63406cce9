// The cluster's JSON: what JsonWriter writes is always valid JSON and valid UTF-8 (simdjson reads
// it back), and JsonValue's typed reads never throw on a wrong type.
#include <doctest/doctest.h>

#include "base/json_value.hpp"
#include "base/json_writer.hpp"

using loads::host::JsonParseError;
using loads::host::JsonValue;
using loads::host::JsonWriter;

TEST_CASE("JsonWriter places commas and escapes what JSON requires") {
    JsonWriter w;
    w.begin_object().member("a", 1).member("b", "x\"y\\z\n\t\x01").key("c").begin_array();
    w.value(true).null().value(2.5).value(-3).end_array().member("d", std::string("e")).end_object();
    CHECK(w.text() == R"({"a":1,"b":"x\"y\\z\n\t\u0001","c":[true,null,2.5,-3],"d":"e"})");
}

TEST_CASE("invalid UTF-8 becomes U+FFFD, valid sequences are kept, and the result parses") {
    const std::string bad = "ok \xC3\xA9 \xFF \xE2\x82 \xED\xA0\x80 \xF0\x9F\x98\x80 end";
    JsonWriter w;
    w.begin_object().member("s", bad).end_object();
    const JsonValue v = JsonValue::parse(w.text());
    const std::string expected =
        "ok \xC3\xA9 \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
        "\xF0\x9F\x98\x80 end";
    CHECK(v.string_at("s") == expected);
}

TEST_CASE("non-finite numbers are written as null") {
    JsonWriter w;
    w.begin_array().value(1.0 / 0.0).value(0.0 / 0.0).end_array();
    CHECK(w.text() == "[null,null]");
}

TEST_CASE("JsonValue reads objects, arrays and scalars, and dumps them back") {
    const JsonValue v = JsonValue::parse(
        R"({"n": 5, "d": 1.5, "s": "t", "b": false, "z": null, "a": [1, "x"], "o": {"k": 1}})");
    CHECK(v.int_at("n") == 5);
    CHECK(v.number_at("n") == 5.0);
    CHECK(v.number_at("d") == 1.5);
    CHECK_FALSE(v.int_at("d").has_value());
    CHECK(v.string_at("s") == "t");
    CHECK(v.bool_at("b") == false);
    CHECK(v.find("z")->is_null());
    REQUIRE(v.find("a")->as_array() != nullptr);
    CHECK(v.find("a")->as_array()->size() == 2);
    CHECK(v.find("o")->int_at("k") == 1);
    CHECK(v.dump() == R"({"a":[1,"x"],"b":false,"d":1.5,"n":5,"o":{"k":1},"s":"t","z":null})");
}

TEST_CASE("wrong types and missing keys are nullopt, never an exception") {
    const JsonValue v = JsonValue::parse(R"({"n": "5", "a": {}})");
    CHECK_FALSE(v.int_at("n").has_value());
    CHECK_FALSE(v.string_at("missing").has_value());
    CHECK(v.find("a")->as_array() == nullptr);
    CHECK(JsonValue::parse("[1]").find("x") == nullptr);
    CHECK_FALSE(JsonValue::parse("[1]").string_at("x").has_value());
}

TEST_CASE("text that is not JSON is a JsonParseError") {
    CHECK_THROWS_AS(JsonValue::parse("{"), JsonParseError);
    CHECK_THROWS_AS(JsonValue::parse(""), JsonParseError);
    CHECK_THROWS_AS(JsonValue::parse("{\"a\": \"\xFF\"}"), JsonParseError);
    CHECK_THROWS_AS(JsonValue::parse(std::string(2000, '[') + std::string(2000, ']')), JsonParseError);
}
