// parse_run_request: a CTRL_RUN request becomes the run it asks for, or the one-line refusal its
// runner gets, one for each thing a request can get wrong.
#include <doctest/doctest.h>

#include <string>

#include "base/json_value.hpp"
#include "cluster/run_request.hpp"

using loads::host::JsonValue;
using loads::host::parse_run_request;
using loads::host::RunRequest;

namespace {

/// What parsing `json` with `attachments` frames after it refuses ("" when it does not).
std::string refusal_of(const std::string& json, std::size_t attachments = 0) {
    RunRequest r;
    return parse_run_request(JsonValue::parse(json), attachments, r);
}

// The smallest valid request, with `extra` members after its own.
std::string request_with(const std::string& extra) {
    return R"({"command": "CTRL_RUN", "agents": 2, "args": {"fqn": "m.C.t"})" + extra + "}";
}

}  // namespace

TEST_CASE("a full run request is read whole") {
    RunRequest r;
    const std::string json = R"({"command": "CTRL_RUN", "agents": 3, "args": {"fqn": "m.C.t", "users": "2"},
        "observers": ["irc", "email", "irc"], "observer_options": {"observer-irc-server": "h"},
        "observer_timeout": 12.5, "run_id": "ab-12"})";
    REQUIRE(parse_run_request(JsonValue::parse(json), 1, r) == "");
    CHECK(r.agents == 3);
    CHECK(r.fqn == "m.C.t");
    CHECK(JsonValue::parse(r.args_json).string_at("users") == "2");
    CHECK(JsonValue::parse(r.args_json).string_at("fqn") == "m.C.t");
    CHECK(r.observers == std::vector<std::string>{"irc", "email"});  // each once, in order
    CHECK(r.observer_values == std::map<std::string, std::string>{{"observer-irc-server", "h"}});
    CHECK(r.observer_timeout == 12.5);
    CHECK(r.run_id == "ab-12");
}

TEST_CASE("a minimal run request gets the defaults; the broker names the run") {
    RunRequest r;
    r.run_id = "left-over";
    REQUIRE(parse_run_request(JsonValue::parse(request_with("")), 0, r) == "");
    CHECK(r.agents == 2);
    CHECK(r.observers.empty());
    CHECK(r.observer_values.empty());
    CHECK(r.observer_timeout == 30);
    CHECK(r.run_id.empty());
}

TEST_CASE("each thing a run request gets wrong has its refusal") {
    const std::string agents = "\"agents\" must be a number of agents from 1 to 10000";
    CHECK(refusal_of(R"({"args": {"fqn": "m.C.t"}})") == agents);
    CHECK(refusal_of(R"({"agents": 0, "args": {"fqn": "m.C.t"}})") == agents);
    CHECK(refusal_of(R"({"agents": 10001, "args": {"fqn": "m.C.t"}})") == agents);
    CHECK(refusal_of(R"({"agents": "2", "args": {"fqn": "m.C.t"}})") == agents);
    CHECK(refusal_of(R"({"agents": 1.5, "args": {"fqn": "m.C.t"}})") == agents);
    CHECK(refusal_of(R"({"agents": 10000, "args": {"fqn": "m.C.t"}})") == "");

    const std::string args = "\"args\" must be an object naming the test (\"fqn\")";
    CHECK(refusal_of(R"({"agents": 1})") == args);
    CHECK(refusal_of(R"({"agents": 1, "args": []})") == args);
    CHECK(refusal_of(R"({"agents": 1, "args": {}})") == args);
    CHECK(refusal_of(R"({"agents": 1, "args": {"fqn": ""}})") == args);
    CHECK(refusal_of(R"({"agents": 1, "args": {"fqn": 3}})") == args);

    CHECK(refusal_of(request_with(R"(, "observers": "irc")")) == "\"observers\" must be a list of names");
    const std::string names = "\"observers\" must be a list of observer names (a-z, 0-9, '_')";
    CHECK(refusal_of(request_with(R"(, "observers": ["/etc/x"])")) == names);
    CHECK(refusal_of(request_with(R"(, "observers": ["Irc"])")) == names);
    CHECK(refusal_of(request_with(R"(, "observers": [1])")) == names);
    std::string seventeen;
    for (int i = 0; i < 17; ++i) {
        seventeen += (i ? ", \"o" : "\"o") + std::to_string(i) + "\"";
    }
    CHECK(refusal_of(request_with(", \"observers\": [" + seventeen + "]")) ==
          "a run may name at most 16 observers");

    CHECK(refusal_of(request_with(R"(, "observer_options": [])")) ==
          "\"observer_options\" must be an object of strings");
    const std::string options = "\"observer_options\" must map observer-* options to strings";
    CHECK(refusal_of(request_with(R"(, "observer_options": {"password": "x"})")) == options);
    CHECK(refusal_of(request_with(R"(, "observer_options": {"observer-irc-port": 6667})")) == options);

    const std::string timeout = "\"observer_timeout\" must be a number of seconds > 0, at most 3600";
    CHECK(refusal_of(request_with(R"(, "observer_timeout": 0)")) == timeout);
    CHECK(refusal_of(request_with(R"(, "observer_timeout": 3601)")) == timeout);
    CHECK(refusal_of(request_with(R"(, "observer_timeout": "5")")) == timeout);
    CHECK(refusal_of(request_with(R"(, "observer_timeout": 3600)")) == "");

    CHECK(refusal_of(request_with(""), 2) == "a run takes at most one attachment (its files)");

    const std::string run_id = "\"run_id\" must be 1 to 64 letters, digits or '-'";
    CHECK(refusal_of(request_with(R"(, "run_id": "../x")")) == run_id);
    CHECK(refusal_of(request_with(R"(, "run_id": "")")) == run_id);
    CHECK(refusal_of(request_with(R"(, "run_id": 7)")) == run_id);
    CHECK(refusal_of(request_with(", \"run_id\": \"" + std::string(65, 'a') + "\"")) == run_id);
}

TEST_CASE("a request wrong in several ways is refused for the first in the request's order") {
    CHECK(refusal_of(R"({"agents": 0, "args": {}})") ==
          "\"agents\" must be a number of agents from 1 to 10000");
    CHECK(refusal_of(request_with(R"(, "observers": "x", "observer_timeout": 0)")) ==
          "\"observers\" must be a list of names");
    // The attachments are counted before the run id is read.
    CHECK(refusal_of(request_with(R"(, "run_id": "../x")"), 2) ==
          "a run takes at most one attachment (its files)");
}
