#include <loads/loads.hpp>

class Installed : public loads::TestCase {
public:
    void test_counter() { incr_counter("installed-sdk"); }
};

LOADS_TESTS(Installed, test_counter)
