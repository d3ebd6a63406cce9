// The benchmarks' tests. test_get: one GET and one assertion, the smallest realistic load test,
// which tools/bench runs side by side with wrk against the same nginx. test_get_then_wait: the
// same, then a second's think time, for the memory benchmark's many mostly idle users.
#include <loads/loads.hpp>

class Bench : public loads::TestCase {
public:
    void test_get() {
        auto res = session.get(server_url);
        assertEqual(res.status_code, 200);
    }

    void test_get_then_wait() {
        test_get();
        sleep(1.0);
    }
};

LOADS_TESTS(Bench, test_get, test_get_then_wait)
