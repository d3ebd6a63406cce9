// Test suites for distributed runs (integration tests of loads-broker and loads-agent): exact
// totals with varied latencies, files shipped with the run, a crashing plugin, a long run.
#include <loads/loads.hpp>

#include <csignal>
#include <fstream>
#include <iterator>
#include <string>

// Two GETs per test, the second one delayed by an amount that depends on the user and the
// iteration, so each agent's latency histogram is spread out; the second test of user 0 fails.
class Spread : public loads::TestCase {
public:
    void test_mixed() {
        ++m_runs;
        assertEqual(session.get(server_url + "/").status_code, 200);
        const int delay_ms = (user_index * 3 + m_runs) % 7;
        assertEqual(session.get(server_url + "/delay/" + std::to_string(delay_ms)).status_code, 200);
        incr_counter("spread");
        if (user_index == 0 && m_runs == 2) {
            fail("the second test of user 0 fails on purpose");
        }
    }

private:
    int m_runs = 0;
};
LOADS_TESTS(Spread, test_mixed)

// Reads the data files a run ships with --include-file (relative to its directory on the agent).
class Files : public loads::TestCase {
public:
    void test_data() {
        std::ifstream in("data/payload.txt");
        assertTrue(in.good(), "data/payload.txt was not shipped");
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        assertEqual(text, std::string("shipped payload\n"));
        std::ifstream nested("data/sub/nested.txt");
        assertTrue(nested.good(), "data/sub/nested.txt was not shipped");
        incr_counter("payload-bytes", static_cast<std::int64_t>(text.size()));
    }
};
LOADS_TESTS(Files, test_data)

// A plugin that crashes its process: only the agent's child runner may die of it.
class Crash : public loads::TestCase {
public:
    void test_segfault() { std::raise(SIGSEGV); }
};
LOADS_TESTS(Crash, test_segfault)

// A long run, for stopping, detaching and losing agents while it goes.
class Long : public loads::TestCase {
public:
    void test_tick() {
        sleep(0.1);
        incr_counter("ticks");
    }
};
LOADS_TESTS(Long, test_tick)
