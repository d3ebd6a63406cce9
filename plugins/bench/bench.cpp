// The benchmark's test: one GET and one assertion, the smallest realistic load test. tools/bench
// runs it side by side with wrk against the same nginx.
#include <loads/loads.hpp>

class Bench : public loads::TestCase {
public:
    void test_get() {
        auto res = session.get(server_url);
        assertEqual(res.status_code, 200);
    }
};

LOADS_TESTS(Bench, test_get)
