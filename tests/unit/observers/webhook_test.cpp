// The webhook observer's pure parts: URL parsing, the extra header, the JSON document, the
// request, the reading of answers (from a scripted stream) and the retry schedule.
#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "webhook.hpp"

namespace webhook = loads::observers::webhook;
using loads::observers::Deadline;
using namespace std::chrono_literals;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

loads_str s(std::string_view v) {
    return {v.data(), v.size()};
}

// Answers read_line / read_some from a fixed text the way Connection does, remembering how much
// was consumed so tests can check that nothing past the needed part was read.
struct ScriptedStream {
    std::string data;
    std::size_t at = 0;

    std::string read_line(Deadline, std::size_t max) {
        const std::size_t end = data.find('\n', at);
        if (end == std::string::npos) {
            throw std::runtime_error("peer: the server closed the connection");
        }
        if (end - at > max) {
            throw std::runtime_error("peer: line too long");
        }
        std::string line = data.substr(at, end - at);
        at = end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        return line;
    }
    std::size_t read_some(char* buffer, std::size_t size, Deadline) {
        const std::size_t n = std::min(size, data.size() - at);
        data.copy(buffer, n, at);
        at += n;
        return n;
    }
};

webhook::Response answer(const std::string& text, std::size_t* consumed = nullptr) {
    ScriptedStream stream{text};
    const webhook::Response r = webhook::read_response(stream, std::chrono::system_clock::now() + 10s);
    if (consumed != nullptr) {
        *consumed = stream.at;
    }
    return r;
}

}  // namespace

TEST_CASE("webhook parse_url: schemes, ports, paths") {
    const webhook::Url plain = webhook::parse_url("http://example.com");
    CHECK_FALSE(plain.https);
    CHECK(plain.host == "example.com");
    CHECK(plain.port == 80);
    CHECK(plain.target == "/");
    CHECK(plain.host_header() == "example.com");
    CHECK(plain.display() == "example.com:80");

    const webhook::Url secure =
        webhook::parse_url("  HTTPS://Hooks.example.com/services/T1/B2?token=abc#frag  ");
    CHECK(secure.https);
    CHECK(secure.host == "Hooks.example.com");
    CHECK(secure.port == 443);
    CHECK(secure.target == "/services/T1/B2?token=abc");
    CHECK(secure.host_header() == "Hooks.example.com");
    // The query (often a token) stays out of messages.
    // The path may be the secret (Slack): messages show host and port only.
    CHECK(secure.display() == "Hooks.example.com:443");

    const webhook::Url port = webhook::parse_url("https://127.0.0.1:8443/hook");
    CHECK(port.port == 8443);
    CHECK(port.host_header() == "127.0.0.1:8443");
    CHECK(port.display() == "127.0.0.1:8443");

    CHECK(webhook::parse_url("http://h?x=1").target == "/?x=1");
    CHECK(webhook::parse_url("http://h:81").target == "/");
    CHECK(webhook::parse_url("http://h/a b/\xC3\xA9").target == "/a%20b/%C3%A9");
    CHECK(webhook::parse_url("http://h:443/").host_header() == "h:443");
}

TEST_CASE("webhook parse_url: IPv6 literals") {
    const webhook::Url v6 = webhook::parse_url("http://[::1]:8080/x");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 8080);
    CHECK(v6.host_header() == "[::1]:8080");
    CHECK(v6.display() == "[::1]:8080");

    const webhook::Url no_port = webhook::parse_url("https://[2001:db8::2]");
    CHECK(no_port.host == "2001:db8::2");
    CHECK(no_port.port == 443);
    CHECK(no_port.host_header() == "[2001:db8::2]");
}

TEST_CASE("webhook parse_url: errors are one line") {
    const auto err = [](const std::string& url) { return error_of([&] { webhook::parse_url(url); }); };
    CHECK(err("") == "no URL: set --observer-webhook-url");
    CHECK(err("   ") == "no URL: set --observer-webhook-url");
    CHECK(err("ftp://h/x") == "unsupported URL scheme 'ftp': the webhook posts to http:// or https:// URLs");
    CHECK(err("example.com/hook") == "invalid URL: expected http://HOST[:PORT]/PATH or https://...");
    CHECK(err("http://user:pw@h/").find("user information in the webhook URL is not supported") == 0);
    CHECK(err("http:///path") == "no host in URL");
    CHECK(err("http://:80/") == "no host in URL");
    CHECK(err("http://h:0/") == "invalid port '0' in URL");
    CHECK(err("http://h:65536/") == "invalid port '65536' in URL");
    CHECK(err("http://h:8x/") == "invalid port '8x' in URL");
    CHECK(err("http://[::1/") == "invalid host in URL: '[' without ']'");
    CHECK(err("http://[nothost]/") == "invalid IPv6 address 'nothost' in URL");
    CHECK(err("http://[::1]x/") == "invalid host in URL: text after ']'");
    CHECK(err("http://h o/") == "invalid host 'h o' in URL");
    CHECK(err("http://h/a\r\nX: y") == "the webhook URL contains control characters");
}

TEST_CASE("webhook parse_header") {
    const webhook::Header h = webhook::parse_header("Authorization:  Bearer abc.def ");
    CHECK(h.name == "Authorization");
    CHECK(h.value == "Bearer abc.def");
    CHECK(webhook::parse_header("X-Empty:").value.empty());

    const auto err = [](const std::string& text) { return error_of([&] { webhook::parse_header(text); }); };
    // Never repeated in the message: a malformed header is likely a token typed without its colon.
    CHECK(err("no colon") == "invalid header: expected 'Name: value'");
    CHECK(err(": value") == "invalid header: expected 'Name: value'");
    CHECK(err("Bad Name: v") == "invalid header: expected 'Name: value'");
    CHECK(err("X-Token: a\r\nHost: evil") ==
          "invalid header 'X-Token': its value contains control characters");
    CHECK(err("host: other") == "header 'host' is set by the webhook observer itself");
    CHECK(err("Content-Length: 1") == "header 'Content-Length' is set by the webhook observer itself");
}

TEST_CASE("webhook build_body: fields and figures") {
    loads_status_count statuses[] = {{200, 0, 7}, {503, 0, 2}};
    loads_counter_value counters[] = {{s("cache-miss"), 4}, {s("neg"), -3}};
    loads_problem failure{sizeof(loads_problem), LOADS_STATUS_FAILURE, s(""),
                          s("expected 200"),     s("t.py:9"),          2};
    loads_problem error{sizeof(loads_problem), LOADS_STATUS_ERROR, s("ValueError"), s("bad \"x\""), s(""), 1};
    const loads_problem* problems[] = {&failure, &error};
    loads_stats stats{};
    stats.struct_size = sizeof stats;
    stats.hits = 9;
    stats.tests_finished = 10;
    stats.successes = 7;
    stats.failures = 2;
    stats.errors = 1;
    stats.latency.count = 9;
    stats.latency.sum_us = 90'000;
    stats.latency.p50_us = 1'500;
    stats.latency.p90_us = 4'000;
    stats.latency.p95_us = 5'000;
    stats.latency.p99_us = 8'250;
    stats.latency.max_us = 12'000;
    stats.statuses = statuses;
    stats.status_count = 2;
    stats.counters = counters;
    stats.counter_count = 2;
    stats.problems = problems;
    stats.problem_count = 2;
    loads_agent_report lost{sizeof(loads_agent_report), s("box-12"),      s("box"), s("lost"),
                            1'764'000'000'000'000,      s("no heartbeat")};
    const loads_agent_report* agents[] = {&lost};

    loads_run_summary run{};
    run.struct_size = sizeof run;
    run.run_id = s("3f2c");
    run.fqn = s("mod.Class.test_x");
    run.status = s("partial");
    run.started_us = 1'764'000'000'000'000;  // 2025-11-24T16:00:00Z
    run.ended_us = 1'764'000'004'500'250;
    run.total = &stats;
    run.agents = agents;
    run.agent_count = 1;
    run.text = s("Test over. Ran 10 tests.");
    run.node = s("runner-1");
    run.version = s("1.2.3");

    const std::string body = webhook::build_body(run);
    CAPTURE(body);
    CHECK(body.front() == '{');
    CHECK(body.back() == '}');
    CHECK(body.find("{\"text\": \"Test over. Ran 10 tests.\", ") == 0);
    CHECK(body.find("\"run_id\": \"3f2c\"") != std::string::npos);
    CHECK(body.find("\"fqn\": \"mod.Class.test_x\"") != std::string::npos);
    CHECK(body.find("\"status\": \"partial\"") != std::string::npos);
    CHECK(body.find("\"started\": \"2025-11-24T16:00:00.000000Z\"") != std::string::npos);
    CHECK(body.find("\"ended\": \"2025-11-24T16:00:04.500250Z\"") != std::string::npos);
    CHECK(body.find("\"started_epoch\": 1764000000.000,") != std::string::npos);
    CHECK(body.find("\"ended_epoch\": 1764000004.500,") != std::string::npos);
    CHECK(body.find("\"duration\": 4.50025,") != std::string::npos);
    CHECK(body.find("\"tests\": 10, \"successes\": 7, \"failures\": 2, \"errors\": 1, \"cancelled\": 0, "
                    "\"hits\": 9, \"rps\": 2.00,") != std::string::npos);
    CHECK(body.find("\"latency_ms\": {\"p50\": 1.5, \"p90\": 4, \"p95\": 5, \"p99\": 8.25, \"max\": 12, "
                    "\"mean\": 10}") != std::string::npos);
    CHECK(body.find("\"statuses\": {\"200\": 7, \"503\": 2}") != std::string::npos);
    CHECK(body.find("\"counters\": {\"cache-miss\": 4, \"neg\": -3}") != std::string::npos);
    CHECK(body.find(
              "\"problems\": [{\"kind\": \"failure\", \"type\": \"\", \"message\": \"expected 200\", "
              "\"location\": \"t.py:9\", \"count\": 2}, {\"kind\": \"error\", \"type\": \"ValueError\", "
              "\"message\": \"bad \\\"x\\\"\", \"location\": \"\", \"count\": 1}], \"problem_kinds\": 2") !=
          std::string::npos);
    CHECK(body.find(
              "\"agents\": [{\"id\": \"box-12\", \"hostname\": \"box\", \"state\": \"lost\", \"message\": "
              "\"no heartbeat\", \"changed\": \"2025-11-24T16:00:00.000000Z\"}]") != std::string::npos);
    CHECK(body.find("\"node\": \"runner-1\", \"version\": \"1.2.3\"}") != std::string::npos);
}

TEST_CASE("webhook build_body: escaping and empty runs") {
    loads_stats stats{};
    stats.struct_size = sizeof stats;
    loads_run_summary run{};
    run.struct_size = sizeof run;
    run.total = &stats;
    const std::string text =
        std::string("a \"q\" \\ b\nc\td\x01 \xC3\xA9 \xE2\x82\xAC bad:\xFF\xC3.") + '\0' + "z";
    run.text = s(text);
    const std::string body = webhook::build_body(run);
    CAPTURE(body);
    CHECK(body.find(R"({"text": "a \"q\" \\ b\nc\td\u0001 )"
                    "\xC3\xA9 \xE2\x82\xAC bad:\xEF\xBF\xBD\xEF\xBF\xBD."
                    R"(\u0000z", )") == 0);
    // No latencies: null rather than zeros that look measured.
    CHECK(body.find("\"latency_ms\": null") != std::string::npos);
    CHECK(body.find("\"rps\": 0.00") != std::string::npos);
    CHECK(body.find(
              "\"statuses\": {}, \"counters\": {}, \"problems\": [], \"problem_kinds\": 0, \"agents\": []") !=
          std::string::npos);

    // Without the host's sentence the text still says something.
    run.text = s("");
    run.run_id = s("r1");
    run.fqn = s("m.C.t");
    run.status = s("completed");
    CHECK(webhook::build_body(run).find("{\"text\": \"Run r1 of m.C.t: completed.\"") == 0);
}

TEST_CASE("webhook build_request") {
    const webhook::Url url = webhook::parse_url("http://[::1]:8080/hook?k=v");
    const webhook::Header token{"X-Token", "s3cret"};
    CHECK(webhook::build_request(url, "{\"a\": 1}", "0.9.0", &token) ==
          "POST /hook?k=v HTTP/1.1\r\n"
          "Host: [::1]:8080\r\n"
          "User-Agent: loads/0.9.0\r\n"
          "Content-Type: application/json\r\n"
          "Accept: */*\r\n"
          "Content-Length: 8\r\n"
          "Connection: close\r\n"
          "X-Token: s3cret\r\n"
          "\r\n"
          "{\"a\": 1}");
    const std::string plain = webhook::build_request(webhook::parse_url("https://h/"), "", "1.0");
    CHECK(plain.find("Host: h\r\n") != std::string::npos);
    CHECK(plain.find("Content-Length: 0\r\n") != std::string::npos);
    CHECK(plain.ends_with("Connection: close\r\n\r\n"));
    CHECK(plain.find("X-Token") == std::string::npos);
}

TEST_CASE("webhook parse_status_line") {
    webhook::StatusLine ok = webhook::parse_status_line("HTTP/1.1 200 OK");
    CHECK(ok.code == 200);
    CHECK(ok.reason == "OK");
    webhook::StatusLine unavailable = webhook::parse_status_line("HTTP/1.0 503 Service Unavailable");
    CHECK(unavailable.code == 503);
    CHECK(unavailable.reason == "Service Unavailable");
    webhook::StatusLine bare = webhook::parse_status_line("HTTP/1.1 204");
    CHECK(bare.code == 204);
    CHECK(bare.reason.empty());
    CHECK(error_of([] { webhook::parse_status_line("SSH-2.0-OpenSSH_9.2"); }) ==
          "not an HTTP answer: 'SSH-2.0-OpenSSH_9.2'");
    CHECK(error_of([] { webhook::parse_status_line("HTTP/1.1 20 OK"); }) ==
          "not an HTTP answer: 'HTTP/1.1 20 OK'");
    CHECK(error_of([] { webhook::parse_status_line("HTTP/2 200"); }) == "not an HTTP answer: 'HTTP/2 200'");
    CHECK(error_of([] { webhook::parse_status_line(""); }) == "not an HTTP answer: ''");
}

TEST_CASE("webhook read_response: success reads no body") {
    std::size_t consumed = 0;
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\n";
    const webhook::Response r = answer(head + "hello", &consumed);
    CHECK(r.code == 200);
    CHECK(r.reason == "OK");
    CHECK(r.body.empty());
    CHECK(consumed == head.size());
}

TEST_CASE("webhook read_response: interim answers, Location, bodies") {
    const webhook::Response continued =
        answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nLocation: /x\r\n\r\n");
    CHECK(continued.code == 201);
    CHECK(continued.location == "/x");

    const webhook::Response moved = answer(
        "HTTP/1.1 301 Moved Permanently\r\nlocation:  https://new.example/hook \r\n"
        "content-length: 9\r\n\r\nmoved\nnow and more");
    CHECK(moved.code == 301);
    CHECK(moved.location == "https://new.example/hook");
    CHECK(moved.body == "moved\nnow");

    std::size_t consumed = 0;
    const std::string chunked_text =
        "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4;ext=1\r\nno s\r\nb\r\nuch hook\r\nx\r\n0\r\n\r\n";
    const webhook::Response chunked = answer(chunked_text, &consumed);
    CHECK(chunked.code == 404);
    CHECK(chunked.body == "no such hook\r\nx");
    CHECK(consumed == chunked_text.size() - 2);  // the trailer's empty line is never needed

    const webhook::Response until_close = answer("HTTP/1.0 500 Oops\r\n\r\nbroken\r\nstack trace");
    CHECK(until_close.code == 500);
    CHECK(until_close.reason == "Oops");
    CHECK(until_close.body == "broken\r\nstack trace");

    // A huge body is cut at the limit, and nothing past it is read.
    const std::string big(100'000, 'x');
    const webhook::Response huge =
        answer("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 100000\r\n\r\n" + big, &consumed);
    CHECK(huge.body.size() == webhook::k_body_limit);
    CHECK(consumed < 5000 + webhook::k_body_limit);

    const webhook::Response huge_chunk = answer(
        "HTTP/1.1 502 Bad Gateway\r\nTransfer-Encoding: chunked\r\n\r\n186a0\r\n" + big + "\r\n0\r\n\r\n");
    CHECK(huge_chunk.body.size() == webhook::k_body_limit);
}

TEST_CASE("webhook read_response: malformed answers") {
    CHECK(error_of([] { answer("HTTP/1.1 500 X\r\nContent-Length: -1\r\n\r\n"); }) ==
          "bad Content-Length '-1'");
    CHECK(error_of([] { answer("HTTP/1.1 500 X\r\nContent-Length: 12a\r\n\r\n"); }) ==
          "bad Content-Length '12a'");
    CHECK(error_of([] { answer("HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"); }) ==
          "bad chunk size 'zz'");
    std::string many = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 200; ++i) {
        many += "X-" + std::to_string(i) + ": y\r\n";
    }
    CHECK(error_of([&] { answer(many + "\r\n"); }) == "more than 100 header lines");
    CHECK(error_of([] { answer("HTTP/1.1 200 OK\r\nX: y\r\n"); }) ==
          "peer: the server closed the connection");
}

TEST_CASE("webhook first_line") {
    CHECK(webhook::first_line("\n\n  no such hook \r\nmore") == "no such hook");
    CHECK(webhook::first_line("a\x01"
                              "b") == "a b");
    CHECK(webhook::first_line("") == "");
    CHECK(webhook::first_line(std::string(300, 'y'), 10) == "yyyyyyyyyy...");
    // Cut before a multi-byte character rather than through it.
    CHECK(webhook::first_line("abc\xC3\xA9z", 4) == "abc...");
}

TEST_CASE("webhook backoff and seconds_text") {
    CHECK(webhook::backoff(0) == 500ms);
    CHECK(webhook::backoff(1) == 1000ms);
    CHECK(webhook::backoff(2) == 2000ms);
    CHECK(webhook::backoff(3) == 4000ms);
    CHECK(webhook::backoff(5) == 16000ms);
    CHECK(webhook::backoff(6) == 30000ms);
    CHECK(webhook::backoff(100) == 30000ms);

    CHECK(webhook::seconds_text(1985ms) == "2");
    CHECK(webhook::seconds_text(2000ms) == "2");
    CHECK(webhook::seconds_text(29'993ms) == "30");
    CHECK(webhook::seconds_text(2'480ms) == "2.5");
    CHECK(webhook::seconds_text(-5ms) == "0");
}

TEST_CASE("webhook deliver: retries with back-off within the deadline") {
    using Kind = webhook::Attempt::Kind;
    auto clock = std::chrono::system_clock::time_point(std::chrono::seconds(1'000'000));
    const Deadline deadline = clock + 30s;
    std::vector<std::chrono::milliseconds> waits;
    const auto sleep = [&](std::chrono::milliseconds d) {
        waits.push_back(d);
        clock += d;
    };
    const auto now = [&] { return clock; };

    SUBCASE("delivered at once") {
        int calls = 0;
        const std::string message = webhook::deliver(
            [&] {
                ++calls;
                return webhook::Attempt{Kind::delivered, "posted to h:80/: 200"};
            },
            3, deadline, sleep, now);
        CHECK(message == "posted to h:80/: 200");
        CHECK(calls == 1);
        CHECK(waits.empty());
    }
    SUBCASE("delivered after two 503s") {
        int calls = 0;
        const std::string message = webhook::deliver(
            [&] {
                return ++calls < 3 ? webhook::Attempt{Kind::retry, "h:80/ answered 503"}
                                   : webhook::Attempt{Kind::delivered, "posted to h:80/: 200"};
            },
            3, deadline, sleep, now);
        CHECK(message == "posted to h:80/: 200 after 2 retries");
        CHECK(waits == std::vector<std::chrono::milliseconds>{500ms, 1000ms});
    }
    SUBCASE("a 4xx fails at once") {
        int calls = 0;
        const std::string error = error_of([&] {
            webhook::deliver(
                [&] {
                    ++calls;
                    return webhook::Attempt{Kind::fail, "h:80/ answered 404 Not Found"};
                },
                3, deadline, sleep, now);
        });
        CHECK(error == "h:80/ answered 404 Not Found");
        CHECK(calls == 1);
        CHECK(waits.empty());
    }
    SUBCASE("retries run out") {
        int calls = 0;
        const std::string error = error_of([&] {
            webhook::deliver(
                [&] {
                    ++calls;
                    return webhook::Attempt{Kind::retry, "h:80/ answered 500 #" + std::to_string(calls)};
                },
                3, deadline, sleep, now);
        });
        CHECK(error == "h:80/ answered 500 #4 (4 attempts)");
        CHECK(calls == 4);
        CHECK(waits == std::vector<std::chrono::milliseconds>{500ms, 1000ms, 2000ms});
    }
    SUBCASE("no retries asked") {
        const std::string error = error_of([&] {
            webhook::deliver(
                [&] {
                    return webhook::Attempt{Kind::retry, "cannot connect to h:80: refused"};
                },
                0, deadline, sleep, now);
        });
        CHECK(error == "cannot connect to h:80: refused");
        CHECK(waits.empty());
    }
    SUBCASE("a wait that would pass the deadline is not made") {
        int calls = 0;
        const std::string error = error_of([&] {
            webhook::deliver(
                [&] {
                    ++calls;
                    clock += 10s;  // each attempt takes 10 s of the 30
                    return webhook::Attempt{Kind::retry, "h:80/ answered 502"};
                },
                10, deadline, sleep, now);
        });
        // 10 s, wait 0.5, 10 s, wait 1 (21.5 s), 10 s (31.5 s > 30): no third wait.
        CHECK(calls == 3);
        CHECK(waits == std::vector<std::chrono::milliseconds>{500ms, 1000ms});
        CHECK(error == "h:80/ answered 502 (3 attempts, no time left to retry)");
    }
    SUBCASE("a failure after retries says which attempt") {
        int calls = 0;
        const std::string error = error_of([&] {
            webhook::deliver(
                [&] {
                    return ++calls < 2 ? webhook::Attempt{Kind::retry, "h:80/ answered 503"}
                                       : webhook::Attempt{Kind::fail, "h:80/: no answer within 30 s"};
                },
                3, deadline, sleep, now);
        });
        CHECK(error == "h:80/: no answer within 30 s (attempt 2)");
    }
}
