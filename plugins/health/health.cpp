// The health check's test (`loads-runner --health-check`): does nothing but count, so an agent
// that runs it proves it can receive a run, start its loads-runner, load a plugin and send the
// figures back to the broker. The original's test_health did the same with a counter.
#include <loads/loads.hpp>

class Health : public loads::TestCase {
public:
    void test_health() { incr_counter("health-check"); }
};

LOADS_TESTS(Health, test_health)
