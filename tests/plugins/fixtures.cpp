// Test suites used by the integration tests: each class exercises one behaviour of the runner.
#include <loads/loads.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

// One instance per virtual user, reused for all its tests; setUp/tearDown around every test.
class Lifecycle : public loads::TestCase {
public:
    void setUp() { incr_counter("setUp"); }
    void tearDown() { incr_counter("tearDown"); }
    void test_count() {
        if (++m_runs == 1) {
            incr_counter("instances");
        }
        incr_counter("runs");
    }

private:
    int m_runs = 0;
};
LOADS_TESTS(Lifecycle, test_count)

// Slow tests for --duration, the grace period and interrupts.
class Slow : public loads::TestCase {
public:
    // Never finishes by itself: only the end of the grace period stops it.
    void test_hang() {
        incr_counter("started");
        sleep(3600);
    }
    // Finishes within any reasonable grace period.
    void test_short() {
        sleep(0.2);
        incr_counter("done");
    }
    // Blocks its OS thread, as a blocking client library would.
    void test_block() {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        incr_counter("blocked");
    }
    // One GET to the server, then a short pause.
    void test_get_and_pause() {
        auto res = session.get(server_url + "/");
        assertEqual(res.status_code, 200);
        sleep(0.05);
    }
};
LOADS_TESTS(Slow, test_hang, test_short, test_block, test_get_and_pause)

// A constructor that throws: every test of every user reports it as an error.
class Broken : public loads::TestCase {
public:
    Broken() { throw std::logic_error("cannot construct Broken"); }
    void test_never() {}
};
LOADS_TESTS(Broken, test_never)

// A failing setUp: the test and tearDown are skipped, the failure is counted.
class SetupFails : public loads::TestCase {
public:
    void setUp() { fail("setUp refused"); }
    void tearDown() { incr_counter("tearDown"); }
    void test_skipped() { incr_counter("ran"); }
};
LOADS_TESTS(SetupFails, test_skipped)

// Outcomes the digest must describe.
class Outcomes : public loads::TestCase {
public:
    void test_non_std_exception() { throw 42; }
    void test_timeout() {
        session.timeout = 0.2;
        session.get(server_url + "/delay/3000");
    }
    void test_refused() { session.get("http://127.0.0.1:1/"); }
    void test_bad_url() { session.get("ftp://127.0.0.1/"); }
    void test_assertions() {
        assertTrue(true);
        assertFalse(false);
        assertIn("b", std::string("abc"));
        assertNotIn("z", std::string("abc"));
        assertIn(2, std::vector<int>{1, 2, 3});
        assertNotEqual(1, 2);
        assertEqual(std::string("x"), "x");
        assertEqual(3u, 3);
        const std::string text = "abc{";
        assertEqual(text.substr(0, 3).c_str(), "abc");  // compares text, not pointers
        assertEqual(text[3], '{');
        assertNotEqual(text.c_str(), "abd");
        incr_counter("all-passed");
    }
    void test_methods() {
        auto post =
            session.post(server_url + "/echo", "payload", {.headers = {{"Content-Type", "text/plain"}}});
        assertEqual(post.text, "payload");
        assertEqual(post.headers["X-Echo-Method"], "POST");
        assertEqual(session.put(server_url + "/echo", "p").headers["x-echo-method"], "PUT");
        assertEqual(session.patch(server_url + "/echo", "p").headers.get("X-Echo-Method"), "PATCH");
        assertEqual(session.delete_(server_url + "/echo").headers["X-Echo-Method"], "DELETE");
        assertEqual(session.options(server_url + "/echo").headers["X-Echo-Method"], "OPTIONS");
        auto head = session.head(server_url + "/");
        assertEqual(head.status_code, 200);
        assertEqual(head.text, "");
        assertEqual(session.request("GET", server_url + "/status/404").status_code, 404);
        incr_counter("methods-ok");
    }
};
LOADS_TESTS(Outcomes, test_non_std_exception, test_timeout, test_refused, test_bad_url, test_assertions,
            test_methods)

// Against the tests' raw TCP server: connections closed behind the client's back, broken replies.
class Raw : public loads::TestCase {
public:
    // The server closes each connection shortly after answering, without saying so: the second
    // request finds a dead kept-alive connection and must be resent on a new one.
    void test_stale_connection() {
        assertEqual(session.get(server_url + "/first").status_code, 200);
        sleep(0.3);
        assertEqual(session.get(server_url + "/second").status_code, 200);
        incr_counter("both-ok");
    }
    void test_garbage_reply() { session.get(server_url + "/garbage"); }
    void test_header_injection() {
        session.get(server_url + "/first", {.headers = {{"X-Evil", "a\r\nInjected: yes"}}});
    }
    void test_method_injection() {
        session.request("GET /x HTTP/1.1\r\nX-Injected: 1\r\nFoo:", server_url + "/");
    }
    // An interim 103 precedes the real answer; the test must see the 200 and its body.
    void test_early_hints() {
        auto res = session.get(server_url + "/early");
        assertEqual(res.status_code, 200);
        assertEqual(res.text, "final");
        assertEqual(session.get(server_url + "/after").text, "ok");
    }
    // Spaces and controls in the path are percent-encoded, as Requests does.
    void test_requote() { assertEqual(session.get(server_url + "/a b?q=x y&p=%41%zz").status_code, 200); }
    // The call's header replaces the session's header of the same name.
    void test_header_merge() {
        session.headers = {{"Content-Type", "application/json"}, {"X-Session", "1"}};
        session.post(server_url + "/merge", "{}", {.headers = {{"content-type", "text/plain"}}});
    }
};
LOADS_TESTS(Raw, test_stale_connection, test_garbage_reply, test_header_injection, test_method_injection,
            test_early_hints, test_requote, test_header_merge)

// A test that fails at once, without any I/O: in duration mode it must not starve the other users
// of its thread.
class NoYield : public loads::TestCase {
public:
    void test_fail_fast() {
        if (++m_runs == 1) {
            incr_counter("instances");
        }
        fail("no I/O at all");
    }

private:
    int m_runs = 0;
};
LOADS_TESTS(NoYield, test_fail_fast)

// Stack use: a moderately deep recursion fits the default stack; an unbounded one hits the guard.
namespace {
int recurse(int depth, int limit) {
    volatile char frame[512];
    frame[0] = static_cast<char>(depth);
    if (depth >= limit) {
        return frame[0];
    }
    return recurse(depth + 1, limit) + frame[0] % 2;
}
}  // namespace

class Stack : public loads::TestCase {
public:
    void test_deep_but_fine() {  // about 300 KiB of frames: more than the old 256 KiB stacks held
        recurse(0, 600);
        incr_counter("deep-ok");
    }
    void test_overflow() { recurse(0, 1 << 30); }
};
LOADS_TESTS(Stack, test_deep_but_fine, test_overflow)

// A test that swallows cancellation and keeps going: the runner must still end.
class Stubborn : public loads::TestCase {
public:
    void test_ignores_cancel() {
        incr_counter("started");
        for (;;) {
            try {
                sleep(3600);
            } catch (const loads::Cancelled&) {
                // carries on regardless
            }
        }
    }
};
LOADS_TESTS(Stubborn, test_ignores_cancel)

// A deterministic run for the outputs' golden files (-u 1 --hits 3): the first execution passes
// (a GET, a web socket echo, a counter), the second fails, the third raises an error whose
// message holds characters that JSON and XML must escape.
class Report : public loads::TestCase {
public:
    void test_mixed() {
        ++m_runs;
        assertEqual(session.get(server_url + "/").status_code, 200);
        if (m_runs == 1) {
            auto ws = create_ws("ws" + server_url.substr(4) + "/ws");
            ws.send("echo");
            assertEqual(ws.receive().data, "echo");
            ws.close();
            incr_counter("report-runs", 1);
        } else if (m_runs == 2) {
            assertEqual(session.get(server_url + "/status/404").status_code, 200);
        } else {
            throw std::runtime_error("bad <tag> & \"quotes\"\nsecond line \x01 \xff");
        }
    }

private:
    int m_runs = 0;
};
LOADS_TESTS(Report, test_mixed)

// The open model (--rate): each iteration one GET of exactly --server-url (a path such as
// /delay/200 included); "users" counts the instances the pool made.
class Arrivals : public loads::TestCase {
public:
    void test_get() {
        count_instance();
        auto res = session.get(server_url);
        assertEqual(res.status_code, 200);
    }
    // Blocks its worker thread 100 ms before the GET, as a CPU-bound test would: arrivals due
    // meanwhile start late, which the corrected latency shows and the service time does not.
    void test_block_then_get() {
        count_instance();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto res = session.get(server_url);
        assertEqual(res.status_code, 200);
    }

private:
    void count_instance() {
        if (!m_counted) {
            m_counted = true;
            incr_counter("users");
        }
    }
    bool m_counted = false;
};
LOADS_TESTS(Arrivals, test_get, test_block_then_get)
